using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace SpoSdk.Benchmarks;

/// <summary>
/// Recorder overhead: <c>spoc record -- sh -c 'ls -R /usr/share &gt; /dev/null'</c> (about 40,000
/// syscalls, every one a ptrace stop on entry and exit) against the same command run plainly, and the
/// fixed cost of <c>spoc record -- /bin/true</c> (two .NET starts: spoc and its launcher child). Also
/// <c>--type all</c>, which reads paths from the tracee. The recorder's peak memory is its VmHWM from
/// <c>/proc/PID/status</c>, sampled every 2 ms while it runs, printed at the end
/// (<c>dotnet run -c Release --project tests/SpoSdk.Benchmarks -- --filter '*Recorder*'</c>).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class RecorderBenchmarks
{
    private const string Workload = "ls -R /usr/share > /dev/null";
    private readonly Dictionary<string, long> _peakKib = [];
    private string _spoc = string.Empty;
    private string _output = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var root = typeof(RecorderBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var project = Path.Combine(root, "src", "SpoSdk.Cli");
        _spoc = Path.Combine(project, "bin", "Release", "net10.0", "spoc.dll");
        if (!File.Exists(_spoc))
        {
            Run("dotnet", ["build", project, "-c", "Release", "-nologo", "-v", "q"], trackAs: null);
        }

        _output = Path.Combine(Path.GetTempPath(), "spo-recorder-bench-" + Environment.ProcessId + ".yaml");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        File.Delete(_output);
        foreach (var (name, kib) in _peakKib.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Console.WriteLine("// recorder peak RSS (VmHWM) " + name + ": " + (kib / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB");
        }
    }

    [Benchmark(Baseline = true, Description = "plain: sh -c 'ls -R /usr/share > /dev/null'")]
    public int Plain() => Run("/bin/sh", ["-c", Workload], trackAs: null);

    [Benchmark(Description = "spoc record (seccomp)")]
    public int Recorded() => Run("dotnet", [_spoc, "record", "-o", _output, "--", "/bin/sh", "-c", Workload], trackAs: "seccomp");

    [Benchmark(Description = "spoc record --type all")]
    public int RecordedAll() => Run("dotnet", [_spoc, "record", "--type", "all", "-o", _output, "--", "/bin/sh", "-c", Workload], trackAs: "all");

    [Benchmark(Description = "spoc record -- /bin/true (fixed cost)")]
    public int RecordedTrue() => Run("dotnet", [_spoc, "record", "-o", _output, "--", "/bin/true"], trackAs: "true");

    private int Run(string program, string[] args, string? trackAs)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!process.WaitForExit(2))
        {
            if (trackAs is not null)
            {
                peak = Math.Max(peak, ReadHighWaterMarkKib(process.Id));
            }
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(program + " " + string.Join(' ', args) + " exited " + process.ExitCode + ": " + stderr.Result);
        }

        if (trackAs is not null)
        {
            _peakKib[trackAs] = Math.Max(_peakKib.GetValueOrDefault(trackAs), peak);
        }

        return process.ExitCode;
    }

    private static long ReadHighWaterMarkKib(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process ended between the check and the read.
        }

        return 0;
    }
}
