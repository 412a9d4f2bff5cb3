using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpoSdk.Admission;

/// <summary>One RFC 6902 operation of a mutating webhook's patch.</summary>
/// <param name="Op">The operation: <c>add</c>, <c>remove</c> or <c>replace</c>.</param>
/// <param name="Path">The RFC 6901 pointer (escape member names with <see cref="JsonPointer.Escape"/>).</param>
/// <param name="Value">The value for <c>add</c> and <c>replace</c>; null for <c>remove</c>.</param>
public sealed record JsonPatchOperation(string Op, string Path, JsonNode? Value)
{
    /// <summary>
    /// An <c>add</c>: creates an object member or replaces an existing one (RFC 6902 §4.1), so it is
    /// also what sets a member that may or may not be there.
    /// </summary>
    public static JsonPatchOperation Add(string path, JsonNode? value) => new("add", path, value);

    /// <summary>A <c>remove</c>.</summary>
    public static JsonPatchOperation Remove(string path) => new("remove", path, null);

    /// <summary>A <c>replace</c> (the target must exist).</summary>
    public static JsonPatchOperation Replace(string path, JsonNode? value) => new("replace", path, value);
}

/// <summary>RFC 6901 JSON pointers.</summary>
public static class JsonPointer
{
    /// <summary>Escapes a member name for a pointer: <c>~</c> → <c>~0</c>, <c>/</c> → <c>~1</c>.</summary>
    public static string Escape(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.AsSpan().IndexOfAny('~', '/') < 0 ? name : name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }
}

/// <summary>Writes JSON patches.</summary>
public static class JsonPatchWriter
{
    /// <summary>The patch as UTF-8 JSON: an array of operations.</summary>
    public static byte[] ToUtf8Json(IReadOnlyList<JsonPatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, operations);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The patch as a JSON string.</summary>
    public static string ToJson(IReadOnlyList<JsonPatchOperation> operations) => Encoding.UTF8.GetString(ToUtf8Json(operations));

    /// <summary>Writes the operations as a JSON array.</summary>
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<JsonPatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(operations);
        writer.WriteStartArray();
        foreach (var operation in operations)
        {
            writer.WriteStartObject();
            writer.WriteString("op"u8, operation.Op);
            writer.WriteString("path"u8, operation.Path);
            if (operation.Op != "remove")
            {
                writer.WritePropertyName("value"u8);
                if (operation.Value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    operation.Value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
