using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Walks a block of lines to each line holding <see cref="AuditHeader.AuditMarker"/>, which every record header
/// holds: one vectorized search skips everything between, so ordinary log lines are never split.
/// </summary>
internal ref struct AuditMarkerLines
{
    private readonly ReadOnlySpan<byte> _lines;
    private int _position;

    public AuditMarkerLines(ReadOnlySpan<byte> lines)
    {
        _lines = lines;
        _position = 0;
        Line = default;
        MarkerAt = 0;
        SearchFrom = 0;
    }

    /// <summary>The current line, without its line break.</summary>
    public ReadOnlySpan<byte> Line { get; private set; }

    /// <summary>Where the first marker of <see cref="Line"/> is.</summary>
    public int MarkerAt { get; private set; }

    /// <summary>No well-formed header of <see cref="Line"/> starts before this.</summary>
    public int SearchFrom { get; private set; }

    /// <summary>Moves to the next line holding the marker; false at the end of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MoveNext()
    {
        var lines = _lines;
        var position = _position;
        if (position >= lines.Length)
        {
            return false;
        }

        // "audit(" rather than "type=": rarer in ordinary logs (dockerd writes type=runtime) and a faster search.
        var hit = FindMarker(lines, position);
        if (hit < 0)
        {
            _position = lines.Length;
            return false;
        }

        // position is always a line start, and no line between it and the hit holds "audit(". A header's
        // "type=" sits a bounded distance before its "audit(", so none can start before SearchFrom.
        var lineStart = LineStart(lines, position, hit);
        var lineEnd = LineEnd(lines, hit);
        Line = lines[lineStart..lineEnd];
        MarkerAt = hit - lineStart;
        SearchFrom = Math.Max(0, MarkerAt - AuditHeader.MaxTypeToAuditMarker);
        _position = lineEnd + 1;
        return true;
    }

    /// <summary>
    /// The index of the first <see cref="AuditHeader.AuditMarker"/> at or after <paramref name="from"/>, or -1. Markers
    /// are a few hundred bytes apart, so most searches end in the first windows: an inlined search for the marker's
    /// first and last bytes saves the library call's setup, which costs more than those windows. With 64-byte vectors
    /// the inlined search runs to the block's last 69 bytes, which the library searches (measured faster than handing
    /// the library everything past 512 bytes); with 32-byte vectors the library takes over after 512 bytes without a
    /// marker (16 windows measured faster than 4 or 8).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FindMarker(ReadOnlySpan<byte> lines, int from)
    {
        const int LastOffset = 5;
        ref var origin = ref MemoryMarshal.GetReference(lines);
        var at = from;

        if (Vector512.IsHardwareAccelerated)
        {
            // Both loads end at or before lines.Length: at + 5 + 64 <= lines.Length.
            var wideStop = lines.Length - LastOffset - Vector512<byte>.Count;
            while (at <= wideStop)
            {
                var first = Vector512.Equals(Vector512.LoadUnsafe(ref origin, (nuint)at), Vector512.Create((byte)'a'));
                var last = Vector512.Equals(Vector512.LoadUnsafe(ref origin, (nuint)(at + LastOffset)), Vector512.Create((byte)'('));
                var candidates = (first & last).ExtractMostSignificantBits();
                while (candidates != 0)
                {
                    var candidate = at + BitOperations.TrailingZeroCount(candidates);
                    if (lines.Slice(candidate, AuditHeader.AuditMarker.Length).SequenceEqual(AuditHeader.AuditMarker))
                    {
                        return candidate;
                    }

                    candidates &= candidates - 1;
                }

                at += Vector512<byte>.Count;
            }

            var rest = lines[at..].IndexOf(AuditHeader.AuditMarker);
            return rest < 0 ? -1 : at + rest;
        }

        // Both loads end at or before lines.Length: at + 5 + 32 <= lines.Length.
        var stop = Math.Min(lines.Length - LastOffset - Vector256<byte>.Count, from + (16 * Vector256<byte>.Count));
        while (Vector256.IsHardwareAccelerated && at <= stop)
        {
            var first = Vector256.Equals(Vector256.LoadUnsafe(ref origin, (nuint)at), Vector256.Create((byte)'a'));
            var last = Vector256.Equals(Vector256.LoadUnsafe(ref origin, (nuint)(at + LastOffset)), Vector256.Create((byte)'('));
            var candidates = (first & last).ExtractMostSignificantBits();
            while (candidates != 0)
            {
                var candidate = at + BitOperations.TrailingZeroCount(candidates);
                if (lines.Slice(candidate, AuditHeader.AuditMarker.Length).SequenceEqual(AuditHeader.AuditMarker))
                {
                    return candidate;
                }

                candidates &= candidates - 1;
            }

            at += Vector256<byte>.Count;
        }

        var found = lines[at..].IndexOf(AuditHeader.AuditMarker);
        return found < 0 ? -1 : at + found;
    }

    /// <summary>
    /// The start of the line holding <paramref name="hit"/>: one past the last line break before it, never before
    /// <paramref name="floor"/> (itself a line start). Headers sit near their line's start, so one or two 32-byte
    /// windows back from the hit usually find the break; an inlined vector step beats a general backward search there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LineStart(ReadOnlySpan<byte> lines, int floor, int hit)
    {
        ref var origin = ref MemoryMarshal.GetReference(lines);
        var end = hit;
        if (Vector512.IsHardwareAccelerated)
        {
            while (end - Vector512<byte>.Count >= 0 && end > floor)
            {
                var from = end - Vector512<byte>.Count;
                var breaks = Vector512.Equals(Vector512.LoadUnsafe(ref origin, (nuint)from), Vector512.Create((byte)'\n')).ExtractMostSignificantBits();
                if (breaks != 0)
                {
                    // A break below floor belongs to an earlier line; floor - 1 is a break, so nothing between is missed.
                    return Math.Max(floor, from + 64 - BitOperations.LeadingZeroCount(breaks));
                }

                end = from;
            }
        }

        while (Vector256.IsHardwareAccelerated && end - Vector256<byte>.Count >= 0 && end > floor)
        {
            var from = end - Vector256<byte>.Count;
            var breaks = Vector256.Equals(Vector256.LoadUnsafe(ref origin, (nuint)from), Vector256.Create((byte)'\n')).ExtractMostSignificantBits();
            if (breaks != 0)
            {
                // A break below floor belongs to an earlier line; floor - 1 is a break, so nothing between is missed.
                return Math.Max(floor, from + 32 - BitOperations.LeadingZeroCount(breaks));
            }

            end = from;
        }

        while (end > floor && lines[end - 1] != (byte)'\n')
        {
            end--;
        }

        return Math.Max(floor, end);
    }

    /// <summary>
    /// The index of the line break ending the line holding <paramref name="hit"/>, or the block's length: the same
    /// inlined vector step forward, as records are a few hundred bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LineEnd(ReadOnlySpan<byte> lines, int hit)
    {
        ref var origin = ref MemoryMarshal.GetReference(lines);
        var at = hit;
        while (Vector512.IsHardwareAccelerated && at + Vector512<byte>.Count <= lines.Length)
        {
            var breaks = Vector512.Equals(Vector512.LoadUnsafe(ref origin, (nuint)at), Vector512.Create((byte)'\n')).ExtractMostSignificantBits();
            if (breaks != 0)
            {
                return at + BitOperations.TrailingZeroCount(breaks);
            }

            at += Vector512<byte>.Count;
        }

        while (Vector256.IsHardwareAccelerated && at + Vector256<byte>.Count <= lines.Length)
        {
            var breaks = Vector256.Equals(Vector256.LoadUnsafe(ref origin, (nuint)at), Vector256.Create((byte)'\n')).ExtractMostSignificantBits();
            if (breaks != 0)
            {
                return at + BitOperations.TrailingZeroCount(breaks);
            }

            at += Vector256<byte>.Count;
        }

        var rest = lines[at..].IndexOf((byte)'\n');
        return rest < 0 ? lines.Length : at + rest;
    }
}
