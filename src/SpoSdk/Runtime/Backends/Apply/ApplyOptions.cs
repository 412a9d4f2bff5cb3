namespace SpoSdk.Runtime.Backends;

/// <summary>Options of a server-side apply (<c>application/apply-patch+yaml</c>).</summary>
/// <param name="FieldManager">
/// Who applies: the manager that owns the fields of the applied object afterwards. Required; the API
/// server refuses an apply without one (400).
/// </param>
/// <param name="Force">
/// Take ownership of fields another manager owns with a different value instead of failing with a
/// 409 conflict that lists them.
/// </param>
public sealed record ApplyOptions(string FieldManager, bool Force = false)
{
    /// <summary>The HTTP content type of an apply patch (JSON is YAML, so JSON bodies are sent under it).</summary>
    public const string MediaType = "application/apply-patch+yaml";
}
