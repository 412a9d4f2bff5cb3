using System.Globalization;
using System.Text;
using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Tests.Audit.Enrichment;

/// <summary>A temporary directory laid out like <c>/proc</c>, read through the real <see cref="ProcFs"/>; counts reads per file.</summary>
internal sealed class FakeProc : IProcFs, IDisposable
{
    public const string StatFiller = "S 1 1234 1234 0 -1 4194560 1234 0 0 0 10 20 30 40 20 0 1 0";

    private readonly ProcFs _inner;
    private readonly Dictionary<(int, ProcFile), int> _reads = new();

    public FakeProc()
    {
        Root = Path.Combine(Path.GetTempPath(), "spo-proc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        _inner = new ProcFs(Root);
    }

    public string Root { get; }

    public static string ContainerdCgroup(string id) =>
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2f3f1a52_0c1e_4b5e_9a51_3c8e0d1f2a4b.slice/cri-containerd-" + id + ".scope\n";

    public static string Stat(int pid, ulong start, string comm = "bash") =>
        pid.ToString(CultureInfo.InvariantCulture) + " (" + comm + ") " + StatFiller + " " + start.ToString(CultureInfo.InvariantCulture) + " 1234 0 0\n";

    /// <summary>Writes <c>&lt;pid&gt;/stat</c> and <c>&lt;pid&gt;/cgroup</c> (and cmdline/environ when given), replacing what was there.</summary>
    public void SetProcess(int pid, ulong start, string cgroup, string comm = "bash", string? cmdline = null, string? environ = null)
    {
        var dir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "stat"), Stat(pid, start, comm));
        File.WriteAllText(Path.Combine(dir, "cgroup"), cgroup);
        WriteOrDelete(Path.Combine(dir, "cmdline"), cmdline);
        WriteOrDelete(Path.Combine(dir, "environ"), environ);
    }

    /// <summary>Writes the system-wide <c>stat</c> with its <c>btime</c> line.</summary>
    public void SetBootTime(DateTimeOffset bootTime) =>
        File.WriteAllText(Path.Combine(Root, "stat"), "cpu  1 2 3 4\nintr 0\nctxt 9\nbtime " + bootTime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\nprocesses 7\n");

    public bool TryReadBootTime(out DateTimeOffset bootTime) => _inner.TryReadBootTime(out bootTime);

    public void Kill(int pid) => Directory.Delete(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture)), recursive: true);

    public int Reads(int pid, ProcFile file)
    {
        lock (_reads)
        {
            return _reads.GetValueOrDefault((pid, file));
        }
    }

    public bool TryRead(int pid, ProcFile file, Span<byte> buffer, out int length)
    {
        lock (_reads)
        {
            _reads[(pid, file)] = _reads.GetValueOrDefault((pid, file)) + 1;
        }

        return _inner.TryRead(pid, file, buffer, out length);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void WriteOrDelete(string path, string? content)
    {
        if (content is null)
        {
            File.Delete(path);
        }
        else
        {
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        }
    }
}
