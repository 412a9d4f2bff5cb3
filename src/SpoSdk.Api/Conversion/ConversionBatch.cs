using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SpoSdk.Api.Conversion;

/// <summary>
/// The fast path of <see cref="SpoConverter.TryWriteConverted"/> with its target resolved once, for many
/// objects going to one apiVersion (a ConversionReview's worth). An object that needs nothing set aside or
/// restored is written as its own JSON bytes with the apiVersion and the mapped enum values respelled:
/// no tree, no re-encoding. Keeps scratch space between objects, so use one batch from one thread.
/// </summary>
public sealed class ConversionBatch
{
    private readonly SpoConverter _converter;
    private readonly FastPath?[]? _fastPaths;
    private readonly List<Splice> _splices = new();
    private ArrayBufferWriter<byte>? _scratch;

    internal ConversionBatch(SpoConverter converter, FastPath?[]? fastPaths)
    {
        _converter = converter;
        _fastPaths = fastPaths;
    }

    /// <summary>
    /// Writes <paramref name="source"/> converted when the fast path gives exactly what the full conversion
    /// would; returns false, having written nothing, when the object needs
    /// <see cref="SpoConverter.ConvertInPlace(System.Text.Json.Nodes.JsonObject, string)"/>.
    /// </summary>
    public bool TryWrite(JsonElement source, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_fastPaths is null || source.ValueKind != JsonValueKind.Object || !TryReadType(source, out var apiVersion, out var kind))
        {
            return false;
        }

        var index = _converter.KindIndexOf(apiVersion, kind);
        if (index < 0 || _fastPaths[index] is not { } fastPath)
        {
            return false;
        }

        var origin = JsonMarshal.GetRawUtf8Value(source);
        if (fastPath.Rewrite is null)
        {
            writer.WriteRawValue(origin, skipInputValidation: true);
            return true;
        }

        _splices.Clear();
        _splices.Add(new Splice(StreamingRewrite.OffsetIn(origin, apiVersion), apiVersion.Length, fastPath.TargetApiVersionJson));
        if (!fastPath.Rewrite.TryCollect(source, origin, _splices))
        {
            return false;
        }

        // The apiVersion went in first; the enum places follow in document order, which it may not precede.
        _splices.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
        var scratch = _scratch ??= new ArrayBufferWriter<byte>(origin.Length + 64);
        scratch.ResetWrittenCount();
        var copied = 0;
        foreach (var splice in _splices)
        {
            scratch.Write(origin[copied..splice.Offset]);
            scratch.Write(splice.Replacement);
            copied = splice.Offset + splice.Length;
        }

        scratch.Write(origin[copied..]);

        // The bytes are the parsed input's, which the parser validated, and whole values put in their place.
        writer.WriteRawValue(scratch.WrittenSpan, skipInputValidation: true);
        return true;
    }

    // The raw apiVersion and kind strings, provided each appears once: with a repeated name it is not
    // clear which one a reader would take, so such an object goes the full way (which reports it).
    private static bool TryReadType(JsonElement source, out ReadOnlySpan<byte> apiVersion, out ReadOnlySpan<byte> kind)
    {
        apiVersion = default;
        kind = default;
        bool seenApiVersion = false, seenKind = false;
        foreach (var property in source.EnumerateObject())
        {
            if (property.NameEquals("apiVersion"u8))
            {
                if (seenApiVersion || property.Value.ValueKind != JsonValueKind.String)
                {
                    return false;
                }

                seenApiVersion = true;
                apiVersion = JsonMarshal.GetRawUtf8Value(property.Value);
            }
            else if (property.NameEquals("kind"u8))
            {
                if (seenKind || property.Value.ValueKind != JsonValueKind.String)
                {
                    return false;
                }

                seenKind = true;
                kind = JsonMarshal.GetRawUtf8Value(property.Value);
            }
        }

        return seenApiVersion && seenKind;
    }
}
