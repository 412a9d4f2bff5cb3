namespace SpoSdk.Runtime.Backends;

/// <summary>What the API server said about a failed request: a Kubernetes <c>Status</c> object.</summary>
/// <param name="Code">The HTTP status code, e.g. 409.</param>
/// <param name="Reason">The Status reason, e.g. <c>Conflict</c>.</param>
/// <param name="Message">The human-readable message.</param>
/// <param name="Causes">Each field-level cause (field, message, cause reason); empty when the server gave none.</param>
/// <param name="RetryAfterSeconds">How long the server asked the caller to wait before retrying, when it said.</param>
public sealed record ResourceStatus(int Code, string Reason, string Message, IReadOnlyList<ResourceStatusCause> Causes, int? RetryAfterSeconds = null);

/// <summary>One cause in a <see cref="ResourceStatus"/>.</summary>
/// <param name="Field">The JSON path of the field, e.g. <c>spec.defaultAction</c>; empty when the cause is not about one field.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Reason">The cause type, e.g. <c>FieldValueInvalid</c>; empty when unknown.</param>
public sealed record ResourceStatusCause(string Field, string Message, string Reason = "");

/// <summary>An API error with the HTTP status, reason and causes Kubernetes gives (its <see cref="Status"/>).</summary>
public abstract class ResourceException : Exception
{
    /// <summary>Creates the exception with a status of this code and reason and no causes.</summary>
    protected ResourceException(int code, string reason, string message)
        : this(new ResourceStatus(code, reason, message, []))
    {
    }

    /// <summary>Creates the exception from the server's status.</summary>
    protected ResourceException(ResourceStatus status)
        : base(Require(status).Message)
    {
        Status = status;
    }

    /// <summary>The Status the server answered with (or the one this SDK's in-memory cluster would give).</summary>
    public ResourceStatus Status { get; }

    /// <summary>The HTTP status code, e.g. 409.</summary>
    public int Code => Status.Code;

    /// <summary>The Kubernetes Status reason, e.g. <c>Conflict</c>.</summary>
    public string Reason => Status.Reason;

    private static ResourceStatus Require(ResourceStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status;
    }
}

/// <summary>404: the object does not exist.</summary>
public sealed class ResourceNotFoundException : ResourceException
{
    /// <summary>Creates the exception.</summary>
    public ResourceNotFoundException(string message)
        : base(404, "NotFound", message)
    {
    }

    /// <summary>Creates the exception from the server's status.</summary>
    public ResourceNotFoundException(ResourceStatus status)
        : base(status)
    {
    }
}

/// <summary>409 on create: an object of that name exists.</summary>
public sealed class ResourceAlreadyExistsException : ResourceException
{
    /// <summary>Creates the exception.</summary>
    public ResourceAlreadyExistsException(string message)
        : base(409, "AlreadyExists", message)
    {
    }

    /// <summary>Creates the exception from the server's status.</summary>
    public ResourceAlreadyExistsException(ResourceStatus status)
        : base(status)
    {
    }
}

/// <summary>409 on update: the object changed since it was read; read it again and retry.</summary>
public sealed class ResourceConflictException : ResourceException
{
    /// <summary>Creates the exception.</summary>
    public ResourceConflictException(string message)
        : base(409, "Conflict", message)
    {
    }

    /// <summary>Creates the exception from the server's status.</summary>
    public ResourceConflictException(ResourceStatus status)
        : base(status)
    {
    }
}

/// <summary>410: the requested resourceVersion (or continue token) is too old; list again.</summary>
public sealed class ResourceGoneException : ResourceException
{
    /// <summary>Creates the exception.</summary>
    public ResourceGoneException(string message)
        : base(410, "Expired", message)
    {
    }

    /// <summary>Creates the exception from the server's status.</summary>
    public ResourceGoneException(ResourceStatus status)
        : base(status)
    {
    }
}

/// <summary>422: the object breaks its schema; <see cref="Causes"/> names each field.</summary>
public sealed class ResourceInvalidException : ResourceException
{
    /// <summary>Creates the exception.</summary>
    public ResourceInvalidException(string message, IReadOnlyList<(string Field, string Message)> causes)
        : base(new ResourceStatus(422, "Invalid", message, (causes ?? throw new ArgumentNullException(nameof(causes))).Select(c => new ResourceStatusCause(c.Field, c.Message)).ToList()))
    {
        Causes = causes;
    }

    /// <summary>Creates the exception from the server's status.</summary>
    public ResourceInvalidException(ResourceStatus status)
        : base(status)
    {
        Causes = status.Causes.Select(c => (c.Field, c.Message)).ToList();
    }

    /// <summary>Each violation: JSON path and what is wrong.</summary>
    public IReadOnlyList<(string Field, string Message)> Causes { get; }
}

/// <summary>400: the request itself is malformed (a bad selector, an unknown continue token).</summary>
public sealed class ResourceBadRequestException(ResourceStatus status) : ResourceException(status)
{
    /// <summary>Creates the exception.</summary>
    public ResourceBadRequestException(string message)
        : this(new ResourceStatus(400, "BadRequest", message, []))
    {
    }
}

/// <summary>401: the request carried no valid credentials.</summary>
public sealed class ResourceUnauthorizedException(ResourceStatus status) : ResourceException(status);

/// <summary>403: the caller may not do this (RBAC, an admission webhook, a namespace being deleted).</summary>
public sealed class ResourceForbiddenException(ResourceStatus status) : ResourceException(status);

/// <summary>
/// The server could not answer now but may later: 429 TooManyRequests (API priority and fairness),
/// 500 ServerTimeout, 503 ServiceUnavailable, 504 Timeout. Retry after <see cref="RetryAfter"/> when given.
/// </summary>
public sealed class ResourceRetriableException(ResourceStatus status) : ResourceException(status)
{
    /// <summary>How long the server asked the caller to wait, when it said.</summary>
    public TimeSpan? RetryAfter => Status.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
}
