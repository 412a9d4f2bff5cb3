using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SpoSdk.Audit.Output;

/// <summary>
/// Writes an event as one JSON object, the <c>spoc audit --json</c> form. Properties, in this order and only
/// where they apply: <c>type timestamp serial pid uid gid arch executable comm syscallID syscallName perms
/// scontext tcontext tclass apparmor operation profile name</c>.
/// </summary>
public static class AuditEventJson
{
    /// <summary>Options for writers of this form: no indentation, and non-ASCII left readable.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText SerialName = JsonEncodedText.Encode("serial");
    private static readonly JsonEncodedText PidName = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText UidName = JsonEncodedText.Encode("uid");
    private static readonly JsonEncodedText GidName = JsonEncodedText.Encode("gid");
    private static readonly JsonEncodedText ArchName = JsonEncodedText.Encode("arch");
    private static readonly JsonEncodedText ExecutableName = JsonEncodedText.Encode("executable");
    private static readonly JsonEncodedText CommName = JsonEncodedText.Encode("comm");
    private static readonly JsonEncodedText SyscallIdName = JsonEncodedText.Encode("syscallID");
    private static readonly JsonEncodedText SyscallNameName = JsonEncodedText.Encode("syscallName");
    private static readonly JsonEncodedText PermsName = JsonEncodedText.Encode("perms");
    private static readonly JsonEncodedText ScontextName = JsonEncodedText.Encode("scontext");
    private static readonly JsonEncodedText TcontextName = JsonEncodedText.Encode("tcontext");
    private static readonly JsonEncodedText TclassName = JsonEncodedText.Encode("tclass");
    private static readonly JsonEncodedText ApparmorName = JsonEncodedText.Encode("apparmor");
    private static readonly JsonEncodedText OperationName = JsonEncodedText.Encode("operation");
    private static readonly JsonEncodedText ProfileName = JsonEncodedText.Encode("profile");
    private static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");

    /// <summary>Writes the event as one object.</summary>
    /// <exception cref="ArgumentException"><paramref name="auditEvent"/> is <c>default</c>.</exception>
    public static void Write(Utf8JsonWriter writer, in AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var e = auditEvent;
        if (e.Type == AuditEventType.Unknown)
        {
            throw new ArgumentException("default(AuditEvent) is not an event.", nameof(auditEvent));
        }

        writer.WriteStartObject();
        writer.WriteString(TypeName, e.Type.ToWireName());
        WriteText(writer, TimestampName, e.Timestamp);
        writer.WriteNumber(SerialName, e.Serial);
        writer.WriteNumber(PidName, e.Pid);
        if (e.Uid is { } uid)
        {
            writer.WriteNumber(UidName, uid);
        }

        if (e.Gid is { } gid)
        {
            writer.WriteNumber(GidName, gid);
        }

        if (e.Arch.IsPresent)
        {
            writer.WriteString(ArchName, e.Arch.ToString());
        }

        WriteText(writer, ExecutableName, e.Executable);
        WriteText(writer, CommName, e.Comm);
        if (e.SyscallId is { } syscallId)
        {
            writer.WriteNumber(SyscallIdName, syscallId);
        }

        if (e.SyscallName is { } syscallName)
        {
            writer.WriteString(SyscallNameName, syscallName);
        }

        if (e.Perms.IsPresent)
        {
            writer.WriteStartArray(PermsName);
            foreach (var perm in e.EnumeratePerms())
            {
                writer.WriteStringValue(perm);
            }

            writer.WriteEndArray();
        }

        WriteText(writer, ScontextName, e.Scontext);
        WriteText(writer, TcontextName, e.Tcontext);
        WriteText(writer, TclassName, e.Tclass);
        WriteText(writer, ApparmorName, e.Apparmor);
        WriteText(writer, OperationName, e.Operation);
        WriteText(writer, ProfileName, e.Profile);
        WriteText(writer, NameName, e.Name);
        writer.WriteEndObject();
    }

    /// <summary>The event as a JSON string.</summary>
    public static string Serialize(in AuditEvent auditEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, auditEvent);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteText(Utf8JsonWriter writer, JsonEncodedText name, AuditText value)
    {
        if (value.IsPresent)
        {
            writer.WriteString(name, value.Span);
        }
    }
}
