namespace SpoSdk.Runtime.Backends.Kubernetes;

/// <summary>
/// An API server error with no more specific <see cref="ResourceException"/>: 405, 413, 415, an unexpected 500 InternalError and the like. <see cref="ResourceException.Reason"/>
/// is the Status reason the server gave (or the HTTP reason phrase when the body was no Status).
/// </summary>
public sealed class KubernetesApiException : ResourceException
{
    /// <summary>Creates the exception.</summary>
    public KubernetesApiException(int code, string reason, string message)
        : base(code, reason, message)
    {
    }

    /// <summary>Creates the exception from the server's status.</summary>
    public KubernetesApiException(ResourceStatus status)
        : base(status)
    {
    }
}
