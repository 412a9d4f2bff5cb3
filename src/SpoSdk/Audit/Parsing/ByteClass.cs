using System.Runtime.CompilerServices;

namespace SpoSdk.Audit.Parsing;

/// <summary>What a byte means to the tokenizer, from <see cref="ByteClass.Of"/>.</summary>
internal enum TokenByte : byte
{
    /// <summary>Part of a key or value.</summary>
    Plain = 0,

    /// <summary>See <see cref="ByteClass.IsSeparator"/>.</summary>
    Separator,

    /// <summary><see cref="ByteClass.EnrichmentSeparator"/>.</summary>
    Enrichment,

    /// <summary><c>"</c>.</summary>
    Quote,

    /// <summary><c>=</c>.</summary>
    Equals,
}

/// <summary>How the tokenizer sees a byte. Audit fields are <c>key=value</c> separated by whitespace.</summary>
internal static class ByteClass
{
    /// <summary>auditd puts its interpretations (<c>AUID="unset" UID="root"</c>) after this group separator.</summary>
    public const byte EnrichmentSeparator = 0x1d;

    /// <summary>ASCII whitespace and NUL separate tokens; a NUL can therefore never glue two fields together.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSeparator(byte b) => Of(b) == TokenByte.Separator;

    /// <summary>A byte that continues a key: anything but a separator, <c>=</c>, <c>"</c> or the enrichment separator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsKeyByte(byte b) => Of(b) == TokenByte.Plain;

    /// <summary>The class of <paramref name="b"/>: one compare for the bytes above <c>=</c> (all plain), one table load below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TokenByte Of(byte b) => b > (byte)'=' ? TokenByte.Plain : (TokenByte)LowClasses[b];

    // The classes of bytes 0 to '=' (0x3d); the JIT drops the bounds check, b being at most 0x3d here.
    private static ReadOnlySpan<byte> LowClasses =>
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, // NUL, \t \n \v \f \r
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, // 0x1d
        1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // ' ', '"'
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, // '='
    ];
}
