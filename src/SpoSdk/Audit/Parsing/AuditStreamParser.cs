namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Parses a byte stream fed in chunks of any size: whole lines are parsed in place with
/// <see cref="AuditLineParser.ParseLineViews"/>, only a line cut by a chunk boundary is copied, and such a line is
/// held only up to the parser's cap (longer ones are dropped and counted, never buffered). Push-based so that
/// synchronous readers and asynchronous tailers can share it. Not thread-safe.
/// </summary>
public sealed class AuditStreamParser
{
    private readonly AuditLineParser _parser;
    private readonly int _maxLineBytes;
    private byte[]? _carry;
    private int _carryLength;
    private bool _skipping;

    /// <summary>Creates a stream parser over <paramref name="parser"/>.</summary>
    public AuditStreamParser(AuditLineParser parser)
    {
        ArgumentNullException.ThrowIfNull(parser);
        _parser = parser;
        _maxLineBytes = parser.Options.MaxLineBytes;
    }

    /// <summary>The line parser (its <see cref="AuditLineParser.Counters"/> include oversized lines seen here).</summary>
    public AuditLineParser Parser => _parser;

    /// <summary>Feeds the next chunk; events of complete lines go to <paramref name="sink"/> in order, materialised.</summary>
    public void Write<TSink>(ReadOnlySpan<byte> chunk, ref TSink sink)
        where TSink : IAuditEventSink, allows ref struct
    {
        var materializer = new MaterializingSink<TSink>(sink);
        try
        {
            WriteViews(chunk, ref materializer);
        }
        finally
        {
            sink = materializer.Inner;
        }
    }

    /// <summary>Ends the input: a last line without <c>\n</c> is parsed too.</summary>
    public void Complete<TSink>(ref TSink sink)
        where TSink : IAuditEventSink, allows ref struct
    {
        var materializer = new MaterializingSink<TSink>(sink);
        try
        {
            CompleteViews(ref materializer);
        }
        finally
        {
            sink = materializer.Inner;
        }
    }

    /// <summary>Feeds the next chunk; events of complete lines go to <paramref name="sink"/> in order, as views borrowed from the chunk.</summary>
    public void WriteViews<TSink>(ReadOnlySpan<byte> chunk, ref TSink sink)
        where TSink : IAuditEventViewSink, allows ref struct
    {
        if (_carryLength > 0 || _skipping)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Hold(chunk);
                return;
            }

            Finish(chunk[..newline], ref sink);
            chunk = chunk[(newline + 1)..];
        }

        var last = chunk.LastIndexOf((byte)'\n');
        if (last >= 0)
        {
            _parser.ParseLineViews(chunk[..last], ref sink);
        }

        Hold(chunk[(last + 1)..]);
    }

    /// <summary>Ends the input: a last line without <c>\n</c> is parsed too, its event handed over as a view.</summary>
    public void CompleteViews<TSink>(ref TSink sink)
        where TSink : IAuditEventViewSink, allows ref struct
    {
        if (_carryLength > 0 && !_skipping)
        {
            _parser.ParseLineViews(_carry.AsSpan(0, _carryLength), ref sink);
        }

        _carryLength = 0;
        _skipping = false;
    }

    // Completes the carried line with the head of the next chunk.
    private void Finish<TSink>(ReadOnlySpan<byte> rest, ref TSink sink)
        where TSink : IAuditEventViewSink, allows ref struct
    {
        if (_skipping)
        {
            _skipping = false;
            return;
        }

        if (_carryLength + rest.Length > _maxLineBytes)
        {
            _carryLength = 0;
            _parser.Counters.AddOversized();
            return;
        }

        rest.CopyTo(_carry.AsSpan(_carryLength));
        var line = _carry.AsSpan(0, _carryLength + rest.Length);
        _carryLength = 0;
        _parser.ParseLineViews(line, ref sink);
    }

    private void Hold(ReadOnlySpan<byte> partial)
    {
        if (_skipping || partial.IsEmpty)
        {
            return;
        }

        if (_carryLength + partial.Length > _maxLineBytes)
        {
            // Too long already: forget it and skip the rest up to the next line break.
            _carryLength = 0;
            _skipping = true;
            _parser.Counters.AddOversized();
            return;
        }

        _carry ??= new byte[_maxLineBytes];
        partial.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += partial.Length;
    }
}
