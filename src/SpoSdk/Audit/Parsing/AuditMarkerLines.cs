using System.Runtime.CompilerServices;

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
        var found = lines[position..].IndexOf(AuditHeader.AuditMarker);
        if (found < 0)
        {
            _position = lines.Length;
            return false;
        }

        // position is always a line start, and no line between it and the hit holds "audit(". A header's
        // "type=" sits a bounded distance before its "audit(", so none can start before SearchFrom.
        var hit = position + found;
        var lineStart = position + lines[position..hit].LastIndexOf((byte)'\n') + 1;
        var lineLength = lines[hit..].IndexOf((byte)'\n');
        var lineEnd = lineLength < 0 ? lines.Length : hit + lineLength;
        Line = lines[lineStart..lineEnd];
        MarkerAt = hit - lineStart;
        SearchFrom = Math.Max(0, MarkerAt - AuditHeader.MaxTypeToAuditMarker);
        _position = lineEnd + 1;
        return true;
    }
}
