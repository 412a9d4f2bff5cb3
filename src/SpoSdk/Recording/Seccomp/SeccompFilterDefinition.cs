using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SpoSdk.Api.V1;

namespace SpoSdk.Recording.Seccomp;

/// <summary>
/// A seccomp filter as a runtime applies it: the fields of a SeccompProfile's spec, or of the OCI
/// runtime-spec <c>LinuxSeccomp</c> JSON (which adds <c>defaultErrnoRet</c>). Values stay textual here;
/// <see cref="SeccompFilterLoader"/> resolves them against the installed libseccomp.
/// </summary>
public sealed record SeccompFilterDefinition
{
    private static readonly JsonSerializerOptions TransportOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The action for syscalls no rule matches, e.g. <c>SCMP_ACT_ERRNO</c>.</summary>
    public required string DefaultAction { get; init; }

    /// <summary>The errno for an ERRNO or TRACE default action; EPERM when absent.</summary>
    public uint? DefaultErrnoRet { get; init; }

    /// <summary>Architectures added beside the native one (<c>SCMP_ARCH_*</c>).</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary>Filter flags (<c>SECCOMP_FILTER_FLAG_*</c>).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>The rules, in profile order.</summary>
    public IReadOnlyList<SeccompFilterRule> Rules { get; init; } = [];

    /// <summary>
    /// Set when the profile names a base profile, which a local run cannot resolve; the caller decides
    /// whether to warn.
    /// </summary>
    public string? BaseProfileName { get; init; }

    /// <summary>The filter of a v1 SeccompProfile's spec.</summary>
    public static SeccompFilterDefinition FromSpec(SeccompProfileSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new SeccompFilterDefinition
        {
            DefaultAction = spec.DefaultAction.Value ?? string.Empty,
            Architectures = spec.Architectures?.Select(a => a.Value ?? string.Empty).ToList() ?? [],
            Flags = spec.Flags?.Select(f => f.Value ?? string.Empty).ToList() ?? [],
            Rules = spec.Syscalls?.Select(s => new SeccompFilterRule
            {
                Names = s.Names?.ToList() ?? [],
                Action = s.Action.Value ?? string.Empty,
                ErrnoRet = s.ErrnoRet is { } errno and >= 0 ? (uint)errno : null,
                Args = s.Args?.Select(a => new SeccompFilterArg
                {
                    Index = (uint)(a.Index ?? 0),
                    Value = unchecked((ulong)(a.Value ?? 0)),
                    ValueTwo = unchecked((ulong)(a.ValueTwo ?? 0)),
                    Op = a.Op.Value ?? string.Empty,
                }).ToList() ?? [],
            }).ToList() ?? [],
            BaseProfileName = string.IsNullOrEmpty(spec.BaseProfileName) ? null : spec.BaseProfileName,
        };
    }

    /// <summary>
    /// The filter of a raw OCI runtime-spec seccomp JSON object (what <c>spoc convert</c> and runtimes
    /// use). Unknown fields are ignored as runtimes do.
    /// </summary>
    /// <exception cref="SeccompFilterException">A field has the wrong type.</exception>
    public static SeccompFilterDefinition FromRawJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new SeccompFilterDefinition
        {
            DefaultAction = String(json, "defaultAction", "$") ?? throw new SeccompFilterException("$.defaultAction: required"),
            DefaultErrnoRet = Unsigned(json, "defaultErrnoRet", "$") is { } errno ? (uint)errno : null,
            Architectures = Strings(json, "architectures", "$"),
            Flags = Strings(json, "flags", "$"),
            Rules = Array(json, "syscalls", "$").Select((node, i) =>
            {
                var path = "$.syscalls[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                var rule = node as JsonObject ?? throw new SeccompFilterException(path + ": must be an object");
                return new SeccompFilterRule
                {
                    Names = Strings(rule, "names", path),
                    Action = String(rule, "action", path) ?? throw new SeccompFilterException(path + ".action: required"),
                    ErrnoRet = Unsigned(rule, "errnoRet", path) is { } ret ? (uint)ret : null,
                    Args = Array(rule, "args", path).Select((argNode, j) =>
                    {
                        var argPath = path + ".args[" + j.ToString(CultureInfo.InvariantCulture) + "]";
                        var arg = argNode as JsonObject ?? throw new SeccompFilterException(argPath + ": must be an object");
                        return new SeccompFilterArg
                        {
                            Index = (uint)(Unsigned(arg, "index", argPath) ?? 0),
                            Value = Unsigned(arg, "value", argPath) ?? 0,
                            ValueTwo = Unsigned(arg, "valueTwo", argPath) ?? 0,
                            Op = String(arg, "op", argPath) ?? throw new SeccompFilterException(argPath + ".op: required"),
                        };
                    }).ToList(),
                };
            }).ToList(),
        };
    }

    /// <summary>The compact JSON the launcher child receives.</summary>
    internal string ToTransportJson() => JsonSerializer.Serialize(this, TransportOptions);

    /// <summary>Reads <see cref="ToTransportJson"/>.</summary>
    internal static SeccompFilterDefinition FromTransportJson(string json) =>
        JsonSerializer.Deserialize<SeccompFilterDefinition>(json, TransportOptions) ?? throw new JsonException("empty seccomp filter");

    private static string? String(JsonObject obj, string name, string path) => obj[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw new SeccompFilterException(path + "." + name + ": must be a string"),
    };

    private static ulong? Unsigned(JsonObject obj, string name, string path) => obj[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && ulong.TryParse(value.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) => number,
        _ => throw new SeccompFilterException(path + "." + name + ": must be a non-negative integer"),
    };

    private static List<JsonNode?> Array(JsonObject obj, string name, string path) => obj[name] switch
    {
        null => [],
        JsonArray array => array.ToList(),
        _ => throw new SeccompFilterException(path + "." + name + ": must be an array"),
    };

    private static List<string> Strings(JsonObject obj, string name, string path) =>
        Array(obj, name, path).Select((n, i) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw new SeccompFilterException(path + "." + name + "[" + i.ToString(CultureInfo.InvariantCulture) + "]: must be a string")).ToList();
}

/// <summary>One seccomp rule: the syscalls it names, its action and optional argument conditions.</summary>
public sealed record SeccompFilterRule
{
    /// <summary>Syscall names.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>The action (<c>SCMP_ACT_*</c>).</summary>
    public required string Action { get; init; }

    /// <summary>The errno for ERRNO (and the message for TRACE); EPERM when absent.</summary>
    public uint? ErrnoRet { get; init; }

    /// <summary>Conditions on the arguments.</summary>
    public IReadOnlyList<SeccompFilterArg> Args { get; init; } = [];
}

/// <summary>A condition on one syscall argument.</summary>
public sealed record SeccompFilterArg
{
    /// <summary>Argument position, 0 to 5.</summary>
    public uint Index { get; init; }

    /// <summary>The value compared with.</summary>
    public ulong Value { get; init; }

    /// <summary>The second value (the expected result for <c>SCMP_CMP_MASKED_EQ</c>).</summary>
    public ulong ValueTwo { get; init; }

    /// <summary>The operator (<c>SCMP_CMP_*</c>).</summary>
    public required string Op { get; init; }
}

/// <summary>A seccomp filter that libseccomp (or this SDK) cannot build or load.</summary>
public sealed class SeccompFilterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SeccompFilterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public SeccompFilterException()
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public SeccompFilterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
