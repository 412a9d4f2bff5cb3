using System.Text;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Audit.Sources;

namespace SpoSdk.Tests.Audit.Sources;

/// <summary>The tailer on real files in a temp dir per test, polled by hand unless the test is about timing.</summary>
public sealed class AuditLogTailerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("spo-tail-");

    private string LogPath => Path.Join(_dir.FullName, "audit.log");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Start_at_end_ignores_existing_lines_and_reads_appended_ones()
    {
        File.WriteAllText(LogPath, "old 1\nold 2\n");
        await using var tailer = NewTailer();

        await tailer.PollAsync();
        Assert.Empty(Take(tailer));

        File.AppendAllText(LogPath, "new 1\nnew 2\n");
        await tailer.PollAsync();
        Assert.Equal(["new 1", "new 2"], Take(tailer));
        Assert.Equal(2, tailer.Counters.Lines);
    }

    [Fact]
    public async Task Start_at_beginning_reads_existing_lines_first()
    {
        File.WriteAllText(LogPath, "old 1\nold 2\n");
        await using var tailer = NewTailer(o => o.StartPosition = AuditLogStartPosition.Beginning);

        await tailer.PollAsync();
        File.AppendAllText(LogPath, "new 1\n");
        await tailer.PollAsync();

        Assert.Equal(["old 1", "old 2", "new 1"], Take(tailer));
    }

    [Fact]
    public async Task Start_at_end_inside_a_line_skips_that_lines_tail()
    {
        File.WriteAllText(LogPath, "old\nhalf of a li");
        await using var tailer = NewTailer();

        await tailer.PollAsync();
        File.AppendAllText(LogPath, "ne\nnext\n");
        await tailer.PollAsync();

        Assert.Equal(["next"], Take(tailer));
        Assert.Equal(0, tailer.Counters.OversizedLines);
    }

    [Fact]
    public async Task A_file_missing_at_start_is_read_from_its_beginning_once_it_appears()
    {
        await using var tailer = NewTailer();

        await tailer.PollAsync();
        File.WriteAllText(LogPath, "first\nsecond\n");
        await tailer.PollAsync();

        Assert.Equal(["first", "second"], Take(tailer));
    }

    [Fact]
    public async Task A_partial_line_is_held_until_its_newline()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer();
        await tailer.PollAsync();

        File.AppendAllText(LogPath, "type=SECC");
        await tailer.PollAsync();
        Assert.Empty(Take(tailer));

        File.AppendAllText(LogPath, "OMP done\nnext par");
        await tailer.PollAsync();
        Assert.Equal(["type=SECCOMP done"], Take(tailer));

        File.AppendAllText(LogPath, "t\n");
        await tailer.PollAsync();
        Assert.Equal(["next part"], Take(tailer));
    }

    [Fact]
    public async Task Rename_and_create_drains_the_old_file_including_late_writes_before_switching()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer();
        await tailer.PollAsync();
        File.AppendAllText(LogPath, "a\nb\n");
        await tailer.PollAsync();

        // logrotate: rename, create empty, then signal; the daemon writes to the old file until it reopens.
        File.AppendAllText(LogPath, "c\n");
        File.Move(LogPath, LogPath + ".1");
        File.WriteAllText(LogPath, string.Empty);
        AppendTo(LogPath + ".1", "d\n");
        await tailer.PollAsync();
        AppendTo(LogPath + ".1", "e\n");
        await tailer.PollAsync();
        Assert.Equal(0, tailer.Counters.Rotations);

        File.AppendAllText(LogPath, "f\ng\n");
        await tailer.PollAsync();
        File.AppendAllText(LogPath, "h\n");
        await tailer.PollAsync();

        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h"], Take(tailer));
        Assert.Equal(1, tailer.Counters.Rotations);
    }

    [Fact]
    public async Task Rotation_while_a_partial_line_is_pending_completes_or_ends_that_line()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer();
        await tailer.PollAsync();

        // Completed in the old file after the rename.
        File.AppendAllText(LogPath, "a\npar");
        await tailer.PollAsync();
        File.Move(LogPath, LogPath + ".1");
        AppendTo(LogPath + ".1", "tial\n");
        File.WriteAllText(LogPath, "b\n");
        await tailer.PollAsync();

        // Never completed: the old file's unterminated last line is still a line.
        File.AppendAllText(LogPath, "c\nunterminated");
        await tailer.PollAsync();
        File.Move(LogPath, LogPath + ".2");
        File.WriteAllText(LogPath, "d\n");
        await tailer.PollAsync();

        Assert.Equal(["a", "partial", "b", "c", "unterminated", "d"], Take(tailer));
        Assert.Equal(2, tailer.Counters.Rotations);
    }

    [Fact]
    public async Task Several_numbered_rotations_between_two_polls_are_read_oldest_first()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer();
        await tailer.PollAsync();
        File.AppendAllText(LogPath, "a1\n");
        await tailer.PollAsync();

        // Three auditd-style rotations before the next poll: shift the numbered files, rename, create, write.
        File.AppendAllText(LogPath, "a2\npartial a");

        // Rotations are normally far apart; file times are coarse (a clock tick), so date the old file back.
        File.SetLastWriteTimeUtc(LogPath, DateTime.UtcNow.AddMinutes(-1));
        RotateNumbered(LogPath);
        File.WriteAllText(LogPath, "b1\nb2\n");
        RotateNumbered(LogPath);
        File.WriteAllText(LogPath, "c1\n");
        RotateNumbered(LogPath);
        File.WriteAllText(LogPath, "d1\n");
        await tailer.PollAsync();
        File.AppendAllText(LogPath, "d2\n");
        await tailer.PollAsync();

        Assert.Equal(["a1", "a2", "partial a", "b1", "b2", "c1", "d1", "d2"], Take(tailer));
        Assert.Equal(3, tailer.Counters.Rotations);
    }

    [Fact]
    public async Task Copytruncate_reads_the_unread_lines_from_the_copy_and_then_the_file_from_its_start()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer();
        await tailer.PollAsync();
        File.AppendAllText(LogPath, "line 1\nline 2\n");
        await tailer.PollAsync();

        // Written after the last poll, then copied away and truncated before the tailer saw them.
        File.AppendAllText(LogPath, "line 3\nline 4\n");
        CopyTruncate(LogPath);

        // The new content is longer than the old, so only the content check can tell it was truncated.
        File.AppendAllText(LogPath, string.Concat(Enumerable.Range(5, 10).Select(i => $"line {i}\n")));
        await tailer.PollAsync();

        Assert.Equal(Enumerable.Range(1, 14).Select(i => $"line {i}"), Take(tailer));
        Assert.Equal(1, tailer.Counters.Truncations);
        Assert.Equal(0, tailer.Counters.Rotations);
    }

    [Fact]
    public async Task Truncation_without_a_copy_restarts_at_the_beginning_without_repeating_lines()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer();
        await tailer.PollAsync();
        File.AppendAllText(LogPath, "a\nb\npending");
        await tailer.PollAsync();

        using (var file = new FileStream(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.SetLength(0);
        }

        await tailer.PollAsync();
        File.AppendAllText(LogPath, "c\n");
        await tailer.PollAsync();

        Assert.Equal(["a", "b", "pending", "c"], Take(tailer));
        Assert.Equal(1, tailer.Counters.Truncations);
    }

    [Fact]
    public async Task A_deleted_file_that_reappears_is_followed_from_its_beginning()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer();
        await tailer.PollAsync();
        File.AppendAllText(LogPath, "a\n");
        await tailer.PollAsync();

        File.Delete(LogPath);
        await tailer.PollAsync();
        Assert.Equal(["a"], Take(tailer));

        File.WriteAllText(LogPath, "b\nc\n");
        await tailer.PollAsync();

        Assert.Equal(["b", "c"], Take(tailer));
        Assert.Equal(1, tailer.Counters.Rotations);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(7)]
    public async Task Over_long_lines_are_skipped_and_counted_without_being_buffered(int readBufferBytes)
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer(o =>
        {
            o.MaxLineBytes = 16;
            o.ReadBufferBytes = readBufferBytes;
        });
        await tailer.PollAsync();

        File.AppendAllText(LogPath, $"short\n{new string('x', 40)}\nexactly sixteen!\n{new string('y', 17)}\nok\n");
        await tailer.PollAsync();
        File.AppendAllText(LogPath, new string('z', 100));
        await tailer.PollAsync();
        File.AppendAllText(LogPath, "zz\nlast\n");
        await tailer.PollAsync();

        Assert.Equal(["short", "exactly sixteen!", "ok", "last"], Take(tailer));
        Assert.Equal(3, tailer.Counters.OversizedLines);
    }

    [Fact]
    public async Task A_full_channel_makes_the_tailer_wait_and_loses_nothing()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer(o =>
        {
            o.ChannelCapacity = 1;
            o.ReadBufferBytes = 32;
        });
        await tailer.PollAsync();
        File.AppendAllText(LogPath, Numbered(0, 200));

        var poll = tailer.PollAsync();
        await Task.Delay(100);
        Assert.False(poll.IsCompleted, "the poll should wait for room in the channel");

        var lines = new List<string>();
        while (!poll.IsCompleted)
        {
            lines.AddRange(Take(tailer));
            await Task.Delay(1);
        }

        await poll;
        lines.AddRange(Take(tailer));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"{i:D6}"), lines);
        Assert.Equal(0, tailer.Counters.DroppedLines);
    }

    [Fact]
    public async Task Drop_mode_never_waits_and_counts_every_dropped_line()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer(o =>
        {
            o.ChannelCapacity = 2;
            o.ReadBufferBytes = 32;
            o.FullMode = AuditLogFullMode.Drop;
        });
        await tailer.PollAsync();
        File.AppendAllText(LogPath, Numbered(0, 200));

        await tailer.PollAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var kept = Take(tailer).Select(int.Parse).ToList();
        Assert.NotEmpty(kept);
        Assert.True(tailer.Counters.DroppedLines > 0);
        Assert.Equal(200, kept.Count + tailer.Counters.DroppedLines);
        Assert.Equal(kept.Count, tailer.Counters.Lines);
        Assert.Equal(kept.Order(), kept);

        // Once there is room again, new lines flow.
        File.AppendAllText(LogPath, Numbered(200, 1));
        await tailer.PollAsync();
        Assert.Equal(["000200"], Take(tailer));
    }

    [Fact]
    public async Task Polling_follows_the_time_provider()
    {
        var time = new FakeTimeProvider();
        File.WriteAllText(LogPath, "before start\n");
        await using var tailer = NewTailer(o => o.StartPosition = AuditLogStartPosition.Beginning, time);
        using var stop = new CancellationTokenSource();
        var run = tailer.RunAsync(stop.Token);

        Assert.Equal(["before start"], await NextAsync(tailer));
        File.AppendAllText(LogPath, "later\n");
        await Task.Delay(50);
        Assert.Equal(0, tailer.Reader.Count);

        time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(["later"], await NextAsync(tailer));

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(tailer.Reader.Completion.IsCompleted);
    }

    [Fact]
    public async Task A_poll_that_fails_is_counted_and_retried_at_the_next_interval()
    {
        var time = new FakeTimeProvider();
        Directory.CreateDirectory(LogPath);

        // From the beginning: a first open that fails is retried as the first open, and would start at the end.
        await using var tailer = NewTailer(o => o.StartPosition = AuditLogStartPosition.Beginning, time);
        using var stop = new CancellationTokenSource();
        var run = tailer.RunAsync(stop.Token);

        // A directory where the log should be cannot be opened as a file.
        await WaitUntilAsync(() => tailer.Counters.ReadErrors == 1, stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Directory.Delete(LogPath);
        File.WriteAllText(LogPath, "after the error\n");
        time.Advance(TimeSpan.FromMilliseconds(250));

        Assert.Equal(["after the error"], await NextAsync(tailer));
        Assert.Equal(1, tailer.Counters.ReadErrors);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Many_rename_rotations_under_a_concurrent_writer_deliver_every_line_once_in_order()
    {
        const int total = 20_000;
        const int linesPerFile = 2_000;

        var (received, counters) = await TailWhileWritingAsync(total, async (tailer, stop) =>
        {
            var log = OpenAppend(LogPath);
            var rotations = 0;
            for (var i = 0; i < total; i++)
            {
                if (i > 0 && i % linesPerFile == 0)
                {
                    // The tailer follows one rename per poll; wait until it is on the current file before the next one.
                    await WaitUntilAsync(() => tailer.Counters.Rotations >= rotations, stop);

                    // Like auditd: rename, keep writing a little to the old file, then open a new one.
                    File.Move(LogPath, $"{LogPath}.{rotations + 1}");
                    log.Write(Encoding.UTF8.GetBytes($"{i:D6}\n"));
                    i++;
                    log.Dispose();
                    log = OpenAppend(LogPath);
                    rotations++;
                }

                // Every seventh line is written in two parts, so partial lines meet rotations.
                var bytes = Encoding.UTF8.GetBytes($"{i:D6}\n");
                if (i % 7 == 0)
                {
                    log.Write(bytes.AsSpan(0, 3));
                    log.Flush();
                    log.Write(bytes.AsSpan(3));
                }
                else
                {
                    log.Write(bytes);
                }

                log.Flush();
            }

            log.Dispose();
        });

        Assert.Equal(Enumerable.Range(0, total), received);
        Assert.Equal(total / linesPerFile - 1, counters.Rotations);
    }

    [Fact]
    public async Task Many_copytruncate_rotations_under_a_concurrent_writer_deliver_every_line_once_in_order()
    {
        const int total = 10_000;
        const int linesPerRotation = 1_000;

        var (received, counters) = await TailWhileWritingAsync(total, async (tailer, stop) =>
        {
            // An O_APPEND-like writer: each write goes to the current end, so writes after the truncate start at 0.
            using var log = File.OpenHandle(LogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            var truncations = 0;
            for (var i = 0; i < total; i++)
            {
                if (i > 0 && i % linesPerRotation == 0)
                {
                    // The tailer follows one rotation per poll: it must have read some of this generation, or
                    // nothing tells it the truncated file ever held those lines.
                    await WaitUntilAsync(() => tailer.Counters.Lines > i - linesPerRotation, stop);

                    // Rotated copies shift like logrotate's (.1 → .2 ...), then the live file is copied and truncated.
                    for (var n = truncations; n >= 1; n--)
                    {
                        File.Move($"{LogPath}.{n}", $"{LogPath}.{n + 1}");
                    }

                    CopyTruncate(LogPath);
                    truncations++;
                    await WaitUntilAsync(() => tailer.Counters.Truncations >= truncations, stop);
                }

                RandomAccess.Write(log, Encoding.UTF8.GetBytes($"{i:D6}\n"), RandomAccess.GetLength(log));
            }
        });

        Assert.Equal(Enumerable.Range(0, total), received);
        Assert.Equal(total / linesPerRotation - 1, counters.Truncations);
    }

    [Fact]
    public async Task Concurrent_polls_are_refused()
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer(o => o.ChannelCapacity = 1);
        await tailer.PollAsync();
        File.AppendAllText(LogPath, Numbered(0, 20_000));
        var first = tailer.PollAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => tailer.PollAsync());

        while (!first.IsCompleted)
        {
            Take(tailer);
            await Task.Delay(1);
        }

        await first;
    }

    private AuditLogTailer NewTailer(Action<AuditLogSourceOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new AuditLogSourceOptions { NodeRoot = _dir.FullName };
        configure?.Invoke(options);
        return new AuditLogTailer(LogPath, options, time);
    }

    private static List<string> Take(AuditLogTailer tailer)
    {
        var lines = new List<string>();
        while (tailer.Reader.TryRead(out var batch))
        {
            var count = 0;
            foreach (var line in batch.EnumerateLines())
            {
                lines.Add(Encoding.UTF8.GetString(line));
                count++;
            }

            Assert.Equal(batch.LineCount, count);
            Assert.Equal((byte)'\n', batch.Lines.Span[^1]);
        }

        return lines;
    }

    private static async Task<List<string>> NextAsync(AuditLogTailer tailer)
    {
        Assert.True(await tailer.Reader.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        return Take(tailer);
    }

    private static string Numbered(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i => $"{i:D6}\n"));

    private static void AppendTo(string path, string text) => File.AppendAllText(path, text);

    private static FileStream OpenAppend(string path) => new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

    // auditd's rotation: <file>.n → <file>.n+1 for every n, newest last, then <file> → <file>.1.
    private static void RotateNumbered(string path)
    {
        var last = 0;
        while (File.Exists($"{path}.{last + 1}"))
        {
            last++;
        }

        for (var n = last; n >= 1; n--)
        {
            File.Move($"{path}.{n}", $"{path}.{n + 1}");
        }

        File.Move(path, path + ".1");
    }

    // logrotate's copytruncate: copy the live file, then truncate it in place.
    private static void CopyTruncate(string path)
    {
        File.Copy(path, path + ".1", overwrite: true);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        file.SetLength(0);
    }

    // Runs a polling tailer and a reader of its channel while `write` writes numbered lines; returns the numbers read.
    private async Task<(List<int> Received, AuditLogSourceCounters Counters)> TailWhileWritingAsync(int total, Func<AuditLogTailer, CancellationToken, Task> write)
    {
        File.WriteAllText(LogPath, string.Empty);
        await using var tailer = NewTailer(o => o.PollInterval = TimeSpan.FromMilliseconds(2));
        await tailer.PollAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = tailer.RunAsync(stop.Token);
        var received = new List<int>(total);
        var reader = Task.Run(async () =>
        {
            await foreach (var batch in tailer.Reader.ReadAllAsync())
            {
                foreach (var line in batch.EnumerateLines())
                {
                    received.Add(int.Parse(Encoding.UTF8.GetString(line)));
                }
            }
        });

        await Task.Run(() => write(tailer, stop.Token));
        await WaitUntilAsync(() => tailer.Counters.Lines >= total, stop.Token);
        await stop.CancelAsync();
        await run;
        await reader;
        return (received, tailer.Counters);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(1, cancellationToken);
        }
    }
}
