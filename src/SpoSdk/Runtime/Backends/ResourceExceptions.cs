namespace SpoSdk.Runtime.Backends;

/// <summary>An API error with the HTTP status and reason Kubernetes would give.</summary>
public abstract class ResourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected ResourceException(int code, string reason, string message)
        : base(message)
    {
        Code = code;
        Reason = reason;
    }

    /// <summary>The HTTP status code, e.g. 409.</summary>
    public int Code { get; }

    /// <summary>The Kubernetes Status reason, e.g. <c>Conflict</c>.</summary>
    public string Reason { get; }
}

/// <summary>404: the object does not exist.</summary>
public sealed class ResourceNotFoundException(string message) : ResourceException(404, "NotFound", message);

/// <summary>409 on create: an object of that name exists.</summary>
public sealed class ResourceAlreadyExistsException(string message) : ResourceException(409, "AlreadyExists", message);

/// <summary>409 on update: the object changed since it was read; read it again and retry.</summary>
public sealed class ResourceConflictException(string message) : ResourceException(409, "Conflict", message);

/// <summary>410: the requested resourceVersion is too old; list again.</summary>
public sealed class ResourceGoneException(string message) : ResourceException(410, "Expired", message);

/// <summary>422: the object breaks its schema; <see cref="Causes"/> names each field.</summary>
public sealed class ResourceInvalidException(string message, IReadOnlyList<(string Field, string Message)> causes) : ResourceException(422, "Invalid", message)
{
    /// <summary>Each violation: JSON path and what is wrong.</summary>
    public IReadOnlyList<(string Field, string Message)> Causes { get; } = causes;
}
