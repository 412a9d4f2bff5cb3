using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SpoSdk.Tests.Audit;

/// <summary>
/// Measures the CPU time of the calling thread where the OS offers it (Linux), so timings stay meaningful
/// on a loaded machine: time spent waiting for a CPU is not counted. Elsewhere it falls back to wall time.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Milliseconds spent running <paramref name="work"/>.</summary>
    public static double Measure(Func<long> work)
    {
        if (OperatingSystem.IsLinux() && TryNow(out var start))
        {
            GC.KeepAlive(work());
            if (TryNow(out var end))
            {
                return (end - start) / 1e6;
            }
        }

        var watch = Stopwatch.StartNew();
        GC.KeepAlive(work());
        return watch.Elapsed.TotalMilliseconds;
    }

    private static bool TryNow(out long nanoseconds)
    {
        nanoseconds = 0;
        try
        {
            if (ClockGetTime(ClockThreadCpuTimeId, out var now) != 0)
            {
                return false;
            }

            nanoseconds = (now.Seconds * 1_000_000_000L) + now.Nanoseconds;
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport: the generated marshalling would need unsafe code in the test project.
    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
