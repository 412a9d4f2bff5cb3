namespace SpoSdk.Oci.Content;

/// <summary>
/// Content failed verification or is not what it claims to be: a digest or size mismatch, a truncated
/// or oversized blob, a malformed manifest. Nothing derived from such content is cached or written.
/// </summary>
public class OciContentException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OciContentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public OciContentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
