using System.Text;
using SpoSdk.Audit.Sources;

namespace SpoSdk.Tests.Audit.Sources;

/// <summary>A first open that fails with an error is retried as the first open: start-at-end still holds.</summary>
public sealed class TailerFirstOpenErrorTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("spo-tailer-first-open-");
    private string LogPath => Path.Join(_dir.FullName, "audit.log");
    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_failed_first_open_does_not_turn_start_at_end_into_start_at_beginning()
    {
        // The first attach fails (any IOException/UnauthorizedAccessException: EMFILE, EACCES, ...; here a directory).
        Directory.CreateDirectory(LogPath);
        await using var tailer = new AuditLogTailer(LogPath, new AuditLogSourceOptions { NodeRoot = _dir.FullName });
        await Assert.ThrowsAnyAsync<Exception>(() => tailer.PollAsync());

        Directory.Delete(LogPath);
        File.WriteAllText(LogPath, string.Concat(Enumerable.Range(0, 5).Select(i => $"old {i}\n")));
        await tailer.PollAsync();
        var lines = new List<string>();
        while (tailer.Reader.TryRead(out var b)) foreach (var l in b.EnumerateLines()) lines.Add(Encoding.UTF8.GetString(l));
        Assert.Empty(lines);
    }
}
