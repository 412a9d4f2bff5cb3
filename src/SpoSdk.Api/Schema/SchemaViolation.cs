namespace SpoSdk.Api.Schema;

/// <summary>What kind of rule a value broke; mirrors the Kubernetes field error types.</summary>
public enum SchemaViolationType
{
    /// <summary>A required field is missing.</summary>
    Required,

    /// <summary>A value is not one of the schema's enum values.</summary>
    NotSupported,

    /// <summary>A value breaks a pattern, length, range or format rule.</summary>
    Invalid,

    /// <summary>A list or string is longer than allowed.</summary>
    TooMany,

    /// <summary>A list or string is shorter than allowed.</summary>
    TooFew,

    /// <summary>A set or map list holds the same value or key twice.</summary>
    Duplicate,

    /// <summary>A field the schema does not define (strict mode only).</summary>
    UnknownField,

    /// <summary>A value has the wrong JSON type or cannot be read at all.</summary>
    TypeMismatch,
}

/// <summary>One schema rule broken at one place in an object.</summary>
/// <param name="Path">The JSON path of the offending value, e.g. <c>$.spec.syscalls[0].action</c>.</param>
/// <param name="Type">The kind of rule.</param>
/// <param name="Message">A human-readable explanation in the Kubernetes style.</param>
public sealed record SchemaViolation(string Path, SchemaViolationType Type, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Path + ": " + Message;
}
