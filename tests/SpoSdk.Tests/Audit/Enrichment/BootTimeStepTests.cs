using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Tests.Audit.Enrichment;

/// <summary>The resolver reads the boot time again before it rules a process gone: the wall clock may have been stepped.</summary>
public sealed class BootTimeStepTests : IDisposable
{
    private readonly FakeProc _proc = new();

    public void Dispose() => _proc.Dispose();

    [Fact]
    public void A_wall_clock_stepped_back_after_start_does_not_make_young_processes_look_reused()
    {
        var id = new string('a', 64);
        var boot = new DateTimeOffset(2025, 4, 16, 0, 0, 0, TimeSpan.Zero);
        _proc.SetBootTime(boot);
        _proc.SetProcess(41, 100, FakeProc.ContainerdCgroup(id));
        var resolver = new ProcessContainerResolver(_proc);
        Assert.Equal(ProcessResolutionStatus.InContainer, resolver.Resolve(41, boot.AddSeconds(5)).Status); // boot time now cached

        // NTP steps the wall clock back 60 s: the kernel's btime moves back with it.
        _proc.SetBootTime(boot.AddSeconds(-60));
        var started = boot.AddHours(1);                      // wall time (new clock) the process started
        var ticks = (ulong)((started - boot.AddSeconds(-60)).TotalSeconds * 100);
        _proc.SetProcess(42, ticks, FakeProc.ContainerdCgroup(id));
        var logged = started.AddSeconds(1);                  // its audit event, one second later (same clock)

        Assert.Equal(ProcessResolutionStatus.InContainer, resolver.Resolve(42, logged).Status);
    }
}
