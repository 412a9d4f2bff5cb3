namespace SpoSdk.Admission;

/// <summary>
/// A handler's verdict: allowed or not, the <c>status</c> (code, reason, message) shown to the
/// client, an optional JSON patch, warnings and audit annotations. Mirrors controller-runtime's
/// <c>admission.Allowed/Denied/Errored/Patched</c>, which upstream's vectors are written against.
/// </summary>
public sealed record AdmissionResponse
{
    /// <summary>Whether the request may proceed.</summary>
    public required bool Allowed { get; init; }

    /// <summary>The status code: 200 when allowed, 403 when denied, the failure's code when handling failed.</summary>
    public int Code { get; init; } = 200;

    /// <summary>The status reason (e.g. <c>Forbidden</c>), or null.</summary>
    public string? Reason { get; init; }

    /// <summary>The message shown to the client, or null.</summary>
    public string? Message { get; init; }

    /// <summary>The patch to apply (sent as base64 JSON with <c>patchType: JSONPatch</c>); empty for none.</summary>
    public IReadOnlyList<JsonPatchOperation> Patch { get; init; } = [];

    /// <summary>Warnings the API server passes to the client (e.g. kubectl prints them).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Annotations the API server adds to the audit event of the request.</summary>
    public IReadOnlyDictionary<string, string> AuditAnnotations { get; init; } = EmptyAnnotations;

    private static IReadOnlyDictionary<string, string> EmptyAnnotations { get; } = new Dictionary<string, string>();

    /// <summary>Allowed unchanged, status 200.</summary>
    public static AdmissionResponse Allow(string? message = null) => new() { Allowed = true, Message = NullIfEmpty(message) };

    /// <summary>Allowed with a patch; unchanged (no patch) when <paramref name="patch"/> is empty.</summary>
    public static AdmissionResponse Patched(IReadOnlyList<JsonPatchOperation> patch, string? message = null) =>
        new() { Allowed = true, Patch = patch, Message = NullIfEmpty(message) };

    /// <summary>Refused by policy: status 403, reason <c>Forbidden</c>.</summary>
    public static AdmissionResponse Deny(string message) => new() { Allowed = false, Code = 403, Reason = "Forbidden", Message = message };

    /// <summary>Refused because handling failed: the code (400 for an object that does not decode, 500 otherwise) and why.</summary>
    public static AdmissionResponse Errored(int code, string message) => new() { Allowed = false, Code = code, Message = message };

    /// <summary>This response with more warnings.</summary>
    public AdmissionResponse WithWarnings(IEnumerable<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var all = Warnings.Concat(warnings).ToList();
        return all.Count == Warnings.Count ? this : this with { Warnings = all };
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
