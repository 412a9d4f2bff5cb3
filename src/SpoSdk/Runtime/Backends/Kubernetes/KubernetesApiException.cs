namespace SpoSdk.Runtime.Backends.Kubernetes;

/// <summary>
/// An API server error with no more specific <see cref="ResourceException"/>: 400 BadRequest,
/// 401, 403 Forbidden, 405, 413, 415, 429, 5xx and the like. <see cref="ResourceException.Reason"/>
/// is the Status reason the server gave (or the HTTP reason phrase when the body was no Status).
/// </summary>
public sealed class KubernetesApiException(int code, string reason, string message) : ResourceException(code, reason, message);
