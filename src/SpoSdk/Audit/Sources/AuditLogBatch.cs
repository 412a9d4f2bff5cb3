namespace SpoSdk.Audit.Sources;

/// <summary>
/// Whole lines read in one go, each ending in <c>\n</c> and none longer than the source's cap. Lines travel in
/// batches rather than one by one so that a busy log costs one channel item and one array per read, not per line.
/// </summary>
public readonly struct AuditLogBatch
{
    /// <summary>Creates a batch over <paramref name="lines"/>, which must hold <paramref name="lineCount"/> lines each ending in <c>\n</c>.</summary>
    public AuditLogBatch(ReadOnlyMemory<byte> lines, int lineCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lineCount);
        Lines = lines;
        LineCount = lineCount;
    }

    /// <summary>The UTF-8 bytes of the lines, line breaks included.</summary>
    public ReadOnlyMemory<byte> Lines { get; }

    /// <summary>How many lines <see cref="Lines"/> holds.</summary>
    public int LineCount { get; }

    /// <summary>Enumerates the lines without their line breaks.</summary>
    public LineEnumerator EnumerateLines() => new(Lines.Span);

    /// <summary>Enumerates the lines of a batch without allocating.</summary>
    public ref struct LineEnumerator
    {
        private ReadOnlySpan<byte> _rest;

        internal LineEnumerator(ReadOnlySpan<byte> lines)
        {
            _rest = lines;
            Current = default;
        }

        /// <summary>The current line, without its <c>\n</c>.</summary>
        public ReadOnlySpan<byte> Current { get; private set; }

        /// <summary>Returns this enumerator.</summary>
        public readonly LineEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next line.</summary>
        public bool MoveNext()
        {
            if (_rest.IsEmpty)
            {
                return false;
            }

            var newline = _rest.IndexOf((byte)'\n');
            var end = newline < 0 ? _rest.Length : newline;
            Current = _rest[..end];
            _rest = newline < 0 ? default : _rest[(newline + 1)..];
            return true;
        }
    }
}
