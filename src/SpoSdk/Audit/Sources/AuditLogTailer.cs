using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace SpoSdk.Audit.Sources;

/// <summary>
/// Follows one log file by polling and writes its lines, in order, to a bounded channel (<see cref="Reader"/>).
/// Survives rotation by rename + create (and delete + create) and by copytruncate without losing or repeating a line.
/// </summary>
/// <remarks>
/// <para><b>Rename + create.</b> The file is identified by device and inode. When another file appears at the
/// path, the old one is kept open and read on until the writer has written to the new one (a single writer then
/// never writes to the old one again); the old file is drained to its end, an unterminated last line is emitted as a
/// line, and reading continues at the start of the new file.</para>
/// <para><b>Copytruncate.</b> Each read is followed by a check that the last bytes before the read position are
/// still in the file; a shorter or rewritten file means it was truncated. The lines written after the last read and
/// before the copy are then read from the copy (a sibling named <c>&lt;file&gt;*</c> holding the same bytes at the
/// same place), and reading restarts at offset 0. What the writer adds between logrotate's copy and its truncate is
/// lost by copytruncate itself and cannot be recovered by any reader.</para>
/// <para><b>Several renames between two polls.</b> With numbered rotation (<c>&lt;file&gt;.1</c>, <c>.2</c>, ...: auditd and
/// logrotate's default) the files created and rotated away in between are found by number and read whole, oldest first;
/// only files last written strictly after the old one count (file times tick coarsely, so a file finished within the
/// same tick is not recovered), which keeps schemes that number the other way from re-reading old files.</para>
/// <para><b>Limits.</b> Other naming schemes (dates) follow one rename per poll (plus the time a full channel holds
/// the tailer) without loss; a file that is created and renamed away between two polls is not seen there. A file
/// truncated before any of its content was read leaves nothing to recognise its copy by.</para>
/// <para>Partial lines wait for their line break in a buffer capped at <see cref="AuditLogSourceOptions.MaxLineBytes"/>;
/// longer lines are skipped and counted. Polls, and thus all file access, run on one task at a time.</para>
/// </remarks>
public sealed class AuditLogTailer : IAsyncDisposable
{
    // Enough to tell old content from new: audit lines differ in their serial and time within these bytes.
    private const int TailCheckBytes = 64;

    // auditd's num_logs stops at 999.
    private const int MaxRotatedFiles = 999;

    private readonly AuditLogSourceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<AuditLogBatch> _channel;
    private readonly byte[] _readBuffer;
    private readonly byte[] _tail = new byte[TailCheckBytes];
    private readonly ArrayBufferWriter<byte> _batch;
    private readonly int _maxLineBytes;
    private byte[]? _carry;
    private int _carryLength;
    private bool _skipping;
    private int _tailLength;
    private int _batchLines;
    private SafeFileHandle? _file;
    private FileIdentity _fileId;
    private long _offset;
    private bool _pastStart;
    private int _polling;
    private string? _lastError;

    /// <summary>Creates a tailer of <paramref name="localPath"/> (a path on this machine, already under the node root).</summary>
    public AuditLogTailer(string localPath, AuditLogSourceOptions options, TimeProvider? time = null, ILogger<AuditLogTailer>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Path = System.IO.Path.GetFullPath(localPath);
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _maxLineBytes = options.MaxLineBytes;
        _readBuffer = new byte[options.ReadBufferBytes];
        _batch = new ArrayBufferWriter<byte>(options.ReadBufferBytes);
        _channel = Channel.CreateBounded<AuditLogBatch>(new BoundedChannelOptions(options.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
    }

    /// <summary>Creates a tailer of the log upstream would choose (<see cref="AuditLogLocation.Select"/>).</summary>
    public static AuditLogTailer ForSelectedLog(AuditLogSourceOptions options, TimeProvider? time = null, ILogger<AuditLogTailer>? logger = null)
    {
        var location = AuditLogLocation.Select(options);
        return new AuditLogTailer(location.LocalPath, options, time, logger);
    }

    /// <summary>The followed path.</summary>
    public string Path { get; }

    /// <summary>What this tailer has done so far.</summary>
    public AuditLogSourceCounters Counters { get; } = new();

    /// <summary>The lines, in file order; completed when <see cref="RunAsync"/> ends or the tailer is disposed.</summary>
    public ChannelReader<AuditLogBatch> Reader => _channel.Reader;

    /// <summary>
    /// Polls every <see cref="AuditLogSourceOptions.PollInterval"/> (timed by the <see cref="TimeProvider"/>) until
    /// cancelled, then completes <see cref="Reader"/>. I/O errors are logged, counted and retried at the next poll.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                try
                {
                    await PollAsync(cancellationToken).ConfigureAwait(false);
                    _lastError = null;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Counters.AddReadError();
                    if (ex.Message != _lastError)
                    {
                        // Logged once per distinct error so a file that stays unreadable does not flood the log.
                        _logger.LogWarning(ex, "Reading audit log {Path} failed; retrying every {Interval}", Path, _options.PollInterval);
                        _lastError = ex.Message;
                    }
                }

                await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _channel.Writer.TryComplete();
        }
    }

    /// <summary>
    /// One poll: reads what is new, follows truncation and rotation, and writes the lines to the channel (waiting
    /// for room in <see cref="AuditLogFullMode.Wait"/>). For hosts and tests that drive polling themselves; never
    /// call it while <see cref="RunAsync"/> runs.
    /// </summary>
    public async Task PollAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _polling, 1) != 0)
        {
            throw new InvalidOperationException($"A poll of {Path} is already running.");
        }

        try
        {
            if (_file is null && !TryAttachAtStart())
            {
                return;
            }

            await DrainAsync(cancellationToken).ConfigureAwait(false);
            await FollowRotationAsync(cancellationToken).ConfigureAwait(false);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _polling, 0);
        }
    }

    /// <summary>Closes the file and completes <see cref="Reader"/>; stop <see cref="RunAsync"/> first.</summary>
    public ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        _file?.Dispose();
        _file = null;
        return ValueTask.CompletedTask;
    }

    // Opens the file for the first time. Only a file that exists at the very first poll starts at its end: one that
    // appears later was created after the tailer started, so all of it is new.
    // A first open that fails with an error (rather than finding no file) is retried as the first open still.
    private bool TryAttachAtStart()
    {
        var startAtEnd = !_pastStart && _options.StartPosition == AuditLogStartPosition.End;
        var handle = TryOpen(Path);
        if (handle is null)
        {
            _pastStart = true;
            return false;
        }

        try
        {
            var identity = FileIdentity.OfHandle(handle, Path);
            Attach(handle, identity, startAtEnd ? identity.Size : 0);
        }
        catch
        {
            if (_file == handle)
            {
                _file = null;
            }

            handle.Dispose();
            throw;
        }

        _pastStart = true;
        return true;
    }

    private void Attach(SafeFileHandle handle, FileIdentity identity, long offset)
    {
        _file = handle;
        _fileId = identity;
        _offset = offset;
        _tailLength = 0;
        if (offset == 0)
        {
            return;
        }

        _tailLength = RandomAccess.Read(handle, _tail.AsSpan(0, (int)Math.Min(TailCheckBytes, offset)), offset - Math.Min(TailCheckBytes, offset));

        // Starting inside a line: its beginning is behind us, so skip to the next line rather than emit a fragment.
        _skipping = _tailLength > 0 && _tail[_tailLength - 1] != (byte)'\n';
    }

    // Reads the current file to its end; on truncation, recovers from the copy and starts over at offset 0.
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = RandomAccess.Read(_file!, _readBuffer, _offset);

            // Checked after the read: if the bytes before the read position are still there, nothing truncated the
            // file before this check, so what was just read is the continuation of what was read before.
            if (!TailStillAt(_file!, _offset))
            {
                await OnTruncatedAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (read == 0)
            {
                return;
            }

            Take(read);
            _offset += read;
            await FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private bool TailStillAt(SafeFileHandle file, long offset)
    {
        if (_tailLength == 0)
        {
            return true;
        }

        Span<byte> check = stackalloc byte[TailCheckBytes];
        var got = RandomAccess.Read(file, check[.._tailLength], offset - _tailLength);
        return got == _tailLength && check[.._tailLength].SequenceEqual(_tail.AsSpan(0, _tailLength));
    }

    private async Task OnTruncatedAsync(CancellationToken cancellationToken)
    {
        Counters.AddTruncation();
        await RecoverFromCopyAsync(cancellationToken).ConfigureAwait(false);
        EndOfContent();
        _offset = 0;
        _tailLength = 0;
    }

    // copytruncate copied the file before truncating it, so lines written after our last read are in the copy at
    // the same offsets. The copy is the sibling that holds our last bytes where we read them.
    private async Task RecoverFromCopyAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (directory is null || _tailLength == 0 || !Directory.Exists(directory))
        {
            return;
        }

        var candidates = new DirectoryInfo(directory)
            .EnumerateFiles(System.IO.Path.GetFileName(Path) + "*")
            .Where(file => file.FullName != Path)
            .OrderByDescending(file => file.LastWriteTimeUtc)
            .ThenBy(file => file.Name, StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            using var copy = TryOpen(candidate.FullName);
            if (copy is null)
            {
                continue;
            }

            var identity = FileIdentity.OfHandle(copy, candidate.FullName);
            if (identity.SameFile(_fileId) || identity.Size < _offset || !TailStillAt(copy, _offset))
            {
                continue;
            }

            await ReadToEndAsync(copy, _offset, cancellationToken).ConfigureAwait(false);
            return;
        }
    }

    // Reads a file other than the followed one (a copy, a skipped rotation) from offset to its end.
    private async Task ReadToEndAsync(SafeFileHandle file, long offset, CancellationToken cancellationToken)
    {
        while (RandomAccess.Read(file, _readBuffer, offset) is var read and > 0)
        {
            offset += read;
            Take(read);
            await FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FollowRotationAsync(CancellationToken cancellationToken)
    {
        var onPath = FileIdentity.OfPath(Path);
        if (onPath is not { } current || current.SameFile(_fileId))
        {
            // Same file, or none at the path (deleted, or renamed and not yet recreated): keep reading ours.
            return;
        }

        var next = TryOpen(Path);
        if (next is null)
        {
            return;
        }

        // Until it is attached, the new file's handle is ours to close, whatever fails on the way.
        var attached = false;
        try
        {
            var nextId = FileIdentity.OfHandle(next, Path);
            if (nextId.SameFile(_fileId) || nextId.Size == 0)
            {
                // An empty new file: the writer may still be writing to the old one (logrotate renames, creates, and
                // only then signals the daemon), so stay on the old one until the new one has content.
                return;
            }

            // The writer has moved to the new file and never writes to the old one again: drain it, then switch.
            await DrainAsync(cancellationToken).ConfigureAwait(false);
            EndOfContent();
            await ReadSkippedRotationsAsync(nextId, cancellationToken).ConfigureAwait(false);
            _file!.Dispose();
            Attach(next, nextId, 0);
            attached = true;
        }
        finally
        {
            if (!attached)
            {
                next.Dispose();
            }
        }

        Counters.AddRotation();
        await DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    // Numbered rotation (auditd, logrotate's default) shifts <file>.1 → <file>.2 → ... before renaming the live
    // file to <file>.1. If ours is now <file>.k with k > 1, the files at .k-1 down to .1 were created and rotated
    // away between two polls: read them whole, oldest first. Numbers only grow, so none is read twice; and only
    // files written strictly after ours count, so a scheme that numbers the other way never re-reads old files.
    private async Task ReadSkippedRotationsAsync(FileIdentity next, CancellationToken cancellationToken)
    {
        var ourLastWrite = FileIdentity.OfHandle(_file!, Path).ModifiedNanoseconds;
        var ours = 0;
        for (var number = 1; number <= MaxRotatedFiles; number++)
        {
            var rotated = FileIdentity.OfPath($"{Path}.{number}");
            if (rotated is null)
            {
                return;
            }

            if (rotated.Value.SameFile(_fileId))
            {
                ours = number;
                break;
            }
        }

        for (var number = ours - 1; number >= 1; number--)
        {
            using var skipped = TryOpen($"{Path}.{number}");
            if (skipped is null)
            {
                continue;
            }

            var identity = FileIdentity.OfHandle(skipped, $"{Path}.{number}");
            if (identity.SameFile(_fileId) || identity.SameFile(next) || identity.ModifiedNanoseconds <= ourLastWrite)
            {
                continue;
            }

            await ReadToEndAsync(skipped, 0, cancellationToken).ConfigureAwait(false);
            EndOfContent();
            Counters.AddRotation();
        }
    }

    // The old content is over: a line still waiting for its break never gets one, so it counts as a line.
    private void EndOfContent()
    {
        if (_carryLength > 0)
        {
            AppendLine(_carry.AsSpan(0, _carryLength), default);
        }

        _carryLength = 0;
        _skipping = false;
    }

    // Splits what the last read put into the read buffer into lines; the caller advances its offset.
    private void Take(int read)
    {
        var chunk = _readBuffer.AsSpan(0, read);
        Consume(chunk);
        RememberTail(chunk);
    }

    private Task FlushIfFullAsync(CancellationToken cancellationToken) =>
        _batch.WrittenCount >= _readBuffer.Length ? FlushAsync(cancellationToken) : Task.CompletedTask;

    private void Consume(ReadOnlySpan<byte> chunk)
    {
        if (_skipping)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                return;
            }

            _skipping = false;
            chunk = chunk[(newline + 1)..];
        }

        if (_carryLength > 0)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Hold(chunk);
                return;
            }

            if (_carryLength + newline > _maxLineBytes)
            {
                Counters.AddOversized();
            }
            else
            {
                AppendLine(_carry.AsSpan(0, _carryLength), chunk[..newline]);
            }

            _carryLength = 0;
            chunk = chunk[(newline + 1)..];
        }

        var last = chunk.LastIndexOf((byte)'\n');
        if (last >= 0)
        {
            AppendWholeLines(chunk[..(last + 1)]);
            chunk = chunk[(last + 1)..];
        }

        Hold(chunk);
    }

    private void AppendWholeLines(ReadOnlySpan<byte> lines)
    {
        if (lines.Length <= _maxLineBytes + 1)
        {
            // No line in here can be over the cap: copy them all at once.
            _batch.Write(lines);
            _batchLines += lines.Count((byte)'\n');
            return;
        }

        while (!lines.IsEmpty)
        {
            var newline = lines.IndexOf((byte)'\n');
            if (newline > _maxLineBytes)
            {
                Counters.AddOversized();
            }
            else
            {
                _batch.Write(lines[..(newline + 1)]);
                _batchLines++;
            }

            lines = lines[(newline + 1)..];
        }
    }

    private void AppendLine(ReadOnlySpan<byte> head, ReadOnlySpan<byte> rest)
    {
        _batch.Write(head);
        _batch.Write(rest);
        _batch.Write("\n"u8);
        _batchLines++;
    }

    private void Hold(ReadOnlySpan<byte> partial)
    {
        if (partial.IsEmpty)
        {
            return;
        }

        if (_carryLength + partial.Length > _maxLineBytes)
        {
            // Over the cap before its end is even seen: forget it and skip to the next line break.
            Counters.AddOversized();
            _carryLength = 0;
            _skipping = true;
            return;
        }

        _carry ??= new byte[_maxLineBytes];
        partial.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += partial.Length;
    }

    private void RememberTail(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length >= TailCheckBytes)
        {
            chunk[^TailCheckBytes..].CopyTo(_tail);
            _tailLength = TailCheckBytes;
            return;
        }

        var keep = Math.Min(_tailLength, TailCheckBytes - chunk.Length);
        _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
        chunk.CopyTo(_tail.AsSpan(keep));
        _tailLength = keep + chunk.Length;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batchLines == 0)
        {
            return;
        }

        var batch = new AuditLogBatch(_batch.WrittenSpan.ToArray(), _batchLines);
        _batch.ResetWrittenCount();
        _batchLines = 0;
        if (_options.FullMode == AuditLogFullMode.Drop)
        {
            if (_channel.Writer.TryWrite(batch))
            {
                Counters.AddLines(batch.LineCount);
            }
            else
            {
                Counters.AddDropped(batch.LineCount);
            }

            return;
        }

        // Backpressure: the file is the buffer, so waiting here loses nothing.
        await _channel.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        Counters.AddLines(batch.LineCount);
    }

    private static SafeFileHandle? TryOpen(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
