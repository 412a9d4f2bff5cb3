using System.Buffers;
using System.Text;
using System.Text.Json;
using SpoSdk.Api.V1;
using SpoSdk.Oci.Content;

namespace SpoSdk.Oci.Artifacts;

/// <summary>
/// The OCI runtime-spec seccomp profile (<c>LinuxSeccomp</c>), the content of a KEP 6061 artifact's
/// layer. Written from a SeccompProfile spec in the runtime-spec's field order, without the
/// operator-only fields (<c>state</c>, <c>baseProfileName</c>) that runtimes decoding strictly reject;
/// read strictly as upstream does: unknown fields, trailing data and a missing
/// <c>defaultAction</c> are errors. <c>defaultErrnoRet</c> has no place in the CRD and is dropped on read.
/// </summary>
public static class RuntimeSpecSeccomp
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly HashSet<string> TopFields = ["defaultAction", "defaultErrnoRet", "architectures", "flags", "listenerPath", "listenerMetadata", "syscalls"];
    private static readonly HashSet<string> SyscallFields = ["names", "action", "errnoRet", "args"];
    private static readonly HashSet<string> ArgFields = ["index", "value", "valueTwo", "op"];

    /// <summary>The runtime-spec JSON of <paramref name="spec"/>, indented, with a final newline. A zero <c>errnoRet</c> is left out.</summary>
    public static byte[] ToJson(SeccompProfileSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            writer.WriteStartObject();
            writer.WriteString("defaultAction", spec.DefaultAction.Value);
            WriteStrings(writer, "architectures", spec.Architectures?.Select(a => a.Value));
            WriteStrings(writer, "flags", spec.Flags?.Select(f => f.Value));
            if (!string.IsNullOrEmpty(spec.ListenerPath))
            {
                writer.WriteString("listenerPath", spec.ListenerPath);
            }

            if (!string.IsNullOrEmpty(spec.ListenerMetadata))
            {
                writer.WriteString("listenerMetadata", spec.ListenerMetadata);
            }

            if (spec.Syscalls is { Count: > 0 } syscalls)
            {
                writer.WriteStartArray("syscalls");
                foreach (var syscall in syscalls)
                {
                    writer.WriteStartObject();
                    WriteStrings(writer, "names", syscall.Names ?? [], always: true);
                    writer.WriteString("action", syscall.Action.Value);
                    if (syscall.ErrnoRet is { } errno and not 0)
                    {
                        writer.WriteNumber("errnoRet", errno);
                    }

                    if (syscall.Args is { Count: > 0 } args)
                    {
                        writer.WriteStartArray("args");
                        foreach (var arg in args)
                        {
                            writer.WriteStartObject();
                            writer.WriteNumber("index", arg.Index ?? 0);
                            writer.WriteNumber("value", unchecked((ulong)(arg.Value ?? 0)));
                            if (arg.ValueTwo is { } two and not 0)
                            {
                                writer.WriteNumber("valueTwo", unchecked((ulong)two));
                            }

                            writer.WriteString("op", arg.Op.Value);
                            writer.WriteEndObject();
                        }

                        writer.WriteEndArray();
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Whether <paramref name="content"/> is a runtime-spec seccomp profile; <paramref name="error"/> says why not.</summary>
    public static bool TryParse(ReadOnlySpan<byte> content, out SeccompProfileSpec? spec, out string? error)
    {
        spec = null;

        // JSON text is UTF-8 (RFC 8259); the reader does not check strings, and reading an invalid one
        // would throw InvalidOperationException out of a parse that reports errors.
        if (!System.Text.Unicode.Utf8.IsValid(content))
        {
            error = "not runtime-spec seccomp JSON: invalid UTF-8 at byte " + InvalidUtf8At(content);
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(content, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowMultipleValues = true });
            using var json = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                error = "trailing data after runtime-spec seccomp profile";
                return false;
            }

            spec = ReadSpec(json.RootElement);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = "not runtime-spec seccomp JSON: " + ex.Message;
            return false;
        }
        catch (OciContentException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private static int InvalidUtf8At(ReadOnlySpan<byte> content)
    {
        var at = 0;
        while (at < content.Length && Rune.DecodeFromUtf8(content[at..], out _, out var consumed) == OperationStatus.Done)
        {
            at += consumed;
        }

        return at;
    }

    private static SeccompProfileSpec ReadSpec(JsonElement root)
    {
        Object(root, "$", TopFields);
        var defaultAction = root.TryGetProperty("defaultAction", out var action) ? Text(action, "$.defaultAction") : null;
        if (string.IsNullOrEmpty(defaultAction))
        {
            throw new OciContentException("runtime-spec seccomp profile has no defaultAction");
        }

        var spec = new SeccompProfileSpec { DefaultAction = new SeccompAction(defaultAction) };
        if (root.TryGetProperty("architectures", out var architectures) && architectures.ValueKind != JsonValueKind.Null)
        {
            spec.Architectures = Strings(architectures, "$.architectures").Select(a => new SeccompArchitecture(a)).ToList();
        }

        if (root.TryGetProperty("flags", out var flags) && flags.ValueKind != JsonValueKind.Null)
        {
            spec.Flags = Strings(flags, "$.flags").Select(f => new SeccompFlag(f)).ToList();
        }

        if (root.TryGetProperty("listenerPath", out var path) && path.ValueKind != JsonValueKind.Null)
        {
            spec.ListenerPath = Text(path, "$.listenerPath");
        }

        if (root.TryGetProperty("listenerMetadata", out var metadata) && metadata.ValueKind != JsonValueKind.Null)
        {
            spec.ListenerMetadata = Text(metadata, "$.listenerMetadata");
        }

        if (root.TryGetProperty("defaultErrnoRet", out var defaultErrno) && defaultErrno.ValueKind != JsonValueKind.Null && !defaultErrno.TryGetUInt32(out _))
        {
            throw new OciContentException("$.defaultErrnoRet: expected an unsigned 32-bit number");
        }

        if (root.TryGetProperty("syscalls", out var syscalls) && syscalls.ValueKind != JsonValueKind.Null)
        {
            if (syscalls.ValueKind != JsonValueKind.Array)
            {
                throw new OciContentException("$.syscalls: expected an array");
            }

            spec.Syscalls = syscalls.EnumerateArray().Select((s, i) => ReadSyscall(s, "$.syscalls[" + i + "]")).ToList();
        }

        return spec;
    }

    private static SeccompProfileSyscall ReadSyscall(JsonElement element, string path)
    {
        Object(element, path, SyscallFields);
        var syscall = new SeccompProfileSyscall
        {
            Names = element.TryGetProperty("names", out var names) ? Strings(names, path + ".names") : [],
            Action = new SeccompAction(element.TryGetProperty("action", out var action) ? Text(action, path + ".action") ?? string.Empty : string.Empty),
        };
        if (element.TryGetProperty("errnoRet", out var errno) && errno.ValueKind != JsonValueKind.Null)
        {
            syscall.ErrnoRet = errno.TryGetUInt32(out var value) && value <= int.MaxValue ? (int)value : throw new OciContentException(path + ".errnoRet: out of range");
        }

        if (element.TryGetProperty("args", out var args) && args.ValueKind != JsonValueKind.Null)
        {
            if (args.ValueKind != JsonValueKind.Array)
            {
                throw new OciContentException(path + ".args: expected an array");
            }

            syscall.Args = args.EnumerateArray().Select((a, i) =>
            {
                var argPath = path + ".args[" + i + "]";
                Object(a, argPath, ArgFields);
                return new SeccompProfileSyscallArg
                {
                    Index = a.TryGetProperty("index", out var index) ? (index.TryGetUInt32(out var ix) && ix <= int.MaxValue ? (int)ix : throw new OciContentException(argPath + ".index: out of range")) : 0,
                    Value = Signed(a, "value", argPath),
                    ValueTwo = Signed(a, "valueTwo", argPath),
                    Op = new SeccompOperator(a.TryGetProperty("op", out var op) ? Text(op, argPath + ".op") ?? string.Empty : string.Empty),
                };
            }).ToList();
        }

        return syscall;
    }

    // The CRD holds argument values as signed 64-bit numbers; larger runtime-spec values cannot be kept.
    private static long? Signed(JsonElement arg, string name, string path)
    {
        if (!arg.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return name == "value" ? 0 : null;
        }

        return value.TryGetUInt64(out var number) && number <= long.MaxValue
            ? (long)number
            : throw new OciContentException(path + "." + name + ": " + value.GetRawText() + " does not fit the profile's signed 64-bit range");
    }

    private static void Object(JsonElement element, string path, HashSet<string> known)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new OciContentException(path + ": expected an object");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                throw new OciContentException(path + ": unknown field \"" + property.Name + "\"");
            }
        }
    }

    private static string? Text(JsonElement element, string path) =>
        element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Null => null,
            _ => throw new OciContentException(path + ": expected a string"),
        };

    private static List<string> Strings(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Select((e, i) => Text(e, path + "[" + i + "]") ?? throw new OciContentException(path + "[" + i + "]: null")).ToList()
            : throw new OciContentException(path + ": expected an array of strings");

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string?>? values, bool always = false)
    {
        var list = values?.Where(v => v is not null).ToList();
        if (!always && (list is null || list.Count == 0))
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in list ?? [])
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
