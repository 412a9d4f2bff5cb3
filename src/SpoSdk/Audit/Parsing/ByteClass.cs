using System.Runtime.CompilerServices;

namespace SpoSdk.Audit.Parsing;

/// <summary>How the tokenizer sees a byte. Audit fields are <c>key=value</c> separated by whitespace.</summary>
internal static class ByteClass
{
    /// <summary>auditd puts its interpretations (<c>AUID="unset" UID="root"</c>) after this group separator.</summary>
    public const byte EnrichmentSeparator = 0x1d;

    /// <summary>ASCII whitespace and NUL separate tokens; a NUL can therefore never glue two fields together.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSeparator(byte b) => b == (byte)' ' || b == 0 || (uint)(b - 9) <= 4;

    /// <summary>A byte that continues a key: anything but a separator, <c>=</c>, <c>"</c> or the enrichment separator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsKeyByte(byte b) => b > (byte)'"' ? b != (byte)'=' : IsPlainLow(b);

    private static bool IsPlainLow(byte b) =>
        b == (byte)'!' || (b != (byte)' ' && b != (byte)'"' && b != 0 && b != EnrichmentSeparator && (uint)(b - 9) > 4);
}
