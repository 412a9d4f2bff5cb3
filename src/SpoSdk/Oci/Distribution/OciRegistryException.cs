using System.Net;

namespace SpoSdk.Oci.Distribution;

/// <summary>A registry refused or failed a request, or could not be reached.</summary>
public sealed class OciRegistryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OciRegistryException(string message, HttpStatusCode? statusCode = null, IReadOnlyList<string>? errorCodes = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorCodes = errorCodes ?? [];
    }

    /// <summary>The HTTP status, when the registry answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The distribution error codes of the answer (<c>MANIFEST_UNKNOWN</c>, <c>DENIED</c>, ...).</summary>
    public IReadOnlyList<string> ErrorCodes { get; }

    /// <summary>Whether the registry said the manifest, blob or repository does not exist.</summary>
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;
}
