namespace SpoSdk.Api.Schema;

/// <summary>
/// The exact wire string of a generated string-enum member. The generator puts it on every member so tools that
/// only see metadata (the SpoSdk analyzers and code fixes) know the spelling the schema uses, e.g. <c>logs</c> in
/// v1alpha1 and <c>Logs</c> in v1, which C# member names alone cannot tell apart.
/// </summary>
/// <param name="value">The wire value.</param>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SpoWireValueAttribute(string value) : Attribute
{
    /// <summary>The wire value, exactly as the CRD schema spells it.</summary>
    public string Value { get; } = value;
}
