using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Tests.Audit.Enrichment;

public sealed class ProcessContainerResolverTests : IDisposable
{
    private const string Id1 = "af208fd68bf39a07a439ed0c9b6609b9ae63ecd8a5f1a2af3e0db48b945b320a";
    private const string Id2 = "b469ca5b54e01e7724b7a990f01d54f571dd7669b87851a87bd8b849c438c580";

    private readonly FakeProc _proc = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _proc.Dispose();

    [Fact]
    public void A_record_time_at_the_end_of_the_calendar_is_not_a_crash()
    {
        // AuditTimestamp accepts seconds up to 253402300798 (9999-12-31T23:59:58); the tolerance added to such a time
        // left DateTimeOffset's range and threw out of Resolve.
        _proc.SetBootTime(new DateTimeOffset(2025, 4, 16, 0, 0, 0, TimeSpan.Zero));
        _proc.SetProcess(72503, 1000, FakeProc.ContainerdCgroup(Id1));
        var resolver = new ProcessContainerResolver(_proc, time: _time);
        var farFuture = EnrichmentHarness.Parse(
            "type=SECCOMP msg=audit(253402300798.999:1): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=system_u:system_r:container_t:s0:c83,c152 pid=72503 comm=\"sh\" exe=\"/bin/dash\" sig=0 arch=c000003e syscall=56 compat=0 ip=0x7fe2ff5017be code=0x7ffc0000");

        Assert.Equal(new ProcessResolution(ProcessResolutionStatus.InContainer, new ProcessIdentity(72503, 1000), Id1), resolver.Resolve(farFuture));
        Assert.Equal(ProcessResolutionStatus.InContainer, resolver.Resolve(72503, DateTimeOffset.MaxValue).Status);
        Assert.Equal(ProcessResolutionStatus.ProcessGone, resolver.Resolve(72503, DateTimeOffset.MinValue).Status);
    }

    [Fact]
    public void A_reused_pid_gets_its_own_container_and_a_known_process_is_read_once()
    {
        // test-vectors.md §1.3: pid 1234, start 100 → ID1; start 200 → ID2 (a miss); the same again → a hit.
        var resolver = new ProcessContainerResolver(_proc, time: _time);
        _proc.SetProcess(1234, 100, "0::/kubepods/pod123/crio-" + Id1 + "\n");
        Assert.Equal(new ProcessResolution(ProcessResolutionStatus.InContainer, new ProcessIdentity(1234, 100), Id1), resolver.Resolve(1234));

        _proc.SetProcess(1234, 200, "0::/kubepods/pod456/crio-" + Id2 + "\n");
        Assert.Equal(Id2, resolver.Resolve(1234).ContainerId);
        Assert.Equal(Id2, resolver.Resolve(1234).ContainerId);

        Assert.Equal(2, _proc.Reads(1234, ProcFile.Cgroup));
        Assert.Equal((1, 2), (resolver.CacheHits, resolver.CacheMisses));
    }

    [Fact]
    public void The_old_process_container_is_never_returned_after_reuse_even_when_the_new_one_is_in_no_container()
    {
        var resolver = new ProcessContainerResolver(_proc, time: _time);
        _proc.SetProcess(77, 5, FakeProc.ContainerdCgroup(Id1));
        Assert.Equal(Id1, resolver.Resolve(77).ContainerId);

        _proc.SetProcess(77, 6, "0::/user.slice/user-1000.slice/session-1.scope\n");
        var reused = resolver.Resolve(77);
        Assert.Equal(ProcessResolutionStatus.NotInContainer, reused.Status);
        Assert.Null(reused.ContainerId);
        Assert.Equal(new ProcessIdentity(77, 6), reused.Identity);
    }

    [Fact]
    public void A_process_that_is_gone_or_unreadable_resolves_to_gone()
    {
        var resolver = new ProcessContainerResolver(_proc, time: _time);
        Assert.Equal(ProcessResolution.Gone, resolver.Resolve(4242));
        Assert.Equal(ProcessResolution.Gone, resolver.Resolve(0));
        Assert.Equal(ProcessResolution.Gone, resolver.Resolve(-1));

        _proc.SetProcess(4242, 9, FakeProc.ContainerdCgroup(Id1), comm: "(((");
        File.WriteAllText(Path.Combine(_proc.Root, "4242", "stat"), "4242 (bash S 1");
        Assert.Equal(ProcessResolution.Gone, resolver.Resolve(4242));

        _proc.SetProcess(4242, 9, FakeProc.ContainerdCgroup(Id1));
        File.Delete(Path.Combine(_proc.Root, "4242", "cgroup"));
        Assert.Equal(ProcessResolution.Gone, resolver.Resolve(4242));
    }

    [Fact]
    public void Hostile_comm_values_do_not_shift_the_start_time()
    {
        var resolver = new ProcessContainerResolver(_proc, time: _time);
        _proc.SetProcess(10, 31337, FakeProc.ContainerdCgroup(Id1), comm: ") R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99 (");
        Assert.Equal(new ProcessIdentity(10, 31337), resolver.Resolve(10).Identity);
    }

    [Fact]
    public void Cached_containers_expire_after_their_time_to_live()
    {
        var resolver = new ProcessContainerResolver(_proc, new ProcessContainerResolverOptions { CacheTimeToLive = TimeSpan.FromMinutes(5) }, _time);
        _proc.SetProcess(5, 1, FakeProc.ContainerdCgroup(Id1));
        resolver.Resolve(5);
        _time.Advance(TimeSpan.FromMinutes(4));
        resolver.Resolve(5);
        Assert.Equal(1, _proc.Reads(5, ProcFile.Cgroup));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(Id1, resolver.Resolve(5).ContainerId);
        Assert.Equal(2, _proc.Reads(5, ProcFile.Cgroup));
    }

    [Fact]
    public void The_cache_is_a_bounded_lru()
    {
        var resolver = new ProcessContainerResolver(_proc, new ProcessContainerResolverOptions { CacheCapacity = 2 }, _time);
        _proc.SetProcess(1, 1, FakeProc.ContainerdCgroup(Id1));
        _proc.SetProcess(2, 1, FakeProc.ContainerdCgroup(Id1));
        _proc.SetProcess(3, 1, FakeProc.ContainerdCgroup(Id2));
        resolver.Resolve(1);
        resolver.Resolve(2);
        resolver.Resolve(1);
        resolver.Resolve(3);
        Assert.Equal(2, resolver.CachedProcesses);

        resolver.Resolve(1);
        resolver.Resolve(2);
        Assert.Equal(1, _proc.Reads(1, ProcFile.Cgroup));
        Assert.Equal(2, _proc.Reads(2, ProcFile.Cgroup));
    }

    [Fact]
    public void Processes_in_no_container_are_not_cached()
    {
        var resolver = new ProcessContainerResolver(_proc, time: _time);
        _proc.SetProcess(8, 1, "0::/system.slice/crio.service\n");
        Assert.Equal(ProcessResolutionStatus.NotInContainer, resolver.Resolve(8).Status);

        // Moved into a container's cgroup later (as runc does before the container's program runs).
        _proc.SetProcess(8, 1, FakeProc.ContainerdCgroup(Id2));
        Assert.Equal(Id2, resolver.Resolve(8).ContainerId);
    }

    [Fact]
    public void An_oversized_cgroup_file_is_read_up_to_the_cap_and_its_cut_line_ignored()
    {
        var resolver = new ProcessContainerResolver(_proc, new ProcessContainerResolverOptions { MaxCgroupFileBytes = 200 }, _time);
        var cut = "0::/docker/" + Id1 + "/docker/" + Id2;
        _proc.SetProcess(9, 1, "1:cpu:/user.slice\n2:memory:/" + new string('x', 120) + "\n" + cut + "\n");
        Assert.Equal(ProcessResolutionStatus.NotInContainer, resolver.Resolve(9).Status);
    }

    [Theory]
    [InlineData(-10.0, ProcessResolutionStatus.InContainer)]
    [InlineData(1.5, ProcessResolutionStatus.InContainer)]
    [InlineData(60.0, ProcessResolutionStatus.ProcessGone)]
    public void A_process_that_started_after_the_event_is_not_the_event_s_process(double startedSecondsAfterEvent, ProcessResolutionStatus expected)
    {
        var boot = new DateTimeOffset(2025, 4, 16, 0, 0, 0, TimeSpan.Zero);
        var logged = boot.AddHours(5);
        _proc.SetBootTime(boot);
        var ticks = (ulong)((logged - boot).TotalSeconds + startedSecondsAfterEvent) * 100;
        _proc.SetProcess(42, ticks, FakeProc.ContainerdCgroup(Id1));
        var resolver = new ProcessContainerResolver(_proc, time: _time);

        Assert.Equal(boot.AddSeconds(ticks / 100.0), resolver.StartTimeOf(new ProcessIdentity(42, ticks)));
        Assert.Equal(expected, resolver.Resolve(42, logged).Status);
        Assert.Equal(expected == ProcessResolutionStatus.ProcessGone ? 1 : 0, resolver.StartedAfterEvent);
        Assert.Equal(ProcessResolutionStatus.InContainer, resolver.Resolve(42).Status);
    }

    [Fact]
    public void Without_a_boot_time_the_start_time_is_not_checked()
    {
        _proc.SetProcess(43, 1_000_000_000, FakeProc.ContainerdCgroup(Id1));
        var resolver = new ProcessContainerResolver(_proc, time: _time);
        Assert.Null(resolver.StartTimeOf(new ProcessIdentity(43, 1)));
        Assert.Equal(Id1, resolver.Resolve(43, DateTimeOffset.UnixEpoch).ContainerId);
    }

    [Fact]
    public void A_real_child_process_resolves_through_the_real_proc_including_a_hostile_comm()
    {
        // A copy of sleep named so that its comm holds ") " and digits: a parser splitting at the first ')' is off.
        var dir = Path.Combine(Path.GetTempPath(), "spo-comm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var program = Path.Combine(dir, "x) 1 2 (3");
        File.Copy("/bin/sleep", program);
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var child = Process.Start(new ProcessStartInfo(program, "30") { UseShellExecute = false })!;
        try
        {
            var resolver = new ProcessContainerResolver(new ProcFs());
            var stat = File.ReadAllText("/proc/" + child.Id.ToString(CultureInfo.InvariantCulture) + "/stat");
            Assert.Contains("(x) 1 2 (3)", stat);

            var resolution = resolver.Resolve(child.Id);
            Assert.NotEqual(ProcessResolutionStatus.ProcessGone, resolution.Status);
            Assert.Equal(child.Id, resolution.Identity.Pid);

            // Started after this test process and before now: between our start time and the uptime in ticks (USER_HZ = 100).
            var self = resolver.Identify(Environment.ProcessId)!.Value;
            var uptimeTicks = (ulong)(double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture) * 100) + 1;
            Assert.InRange(resolution.Identity.StartTimeTicks, self.StartTimeTicks, uptimeTicks);

            // The container (or none) is the one this machine's cgroup file names.
            var expected = CgroupContainerId.Find(File.ReadAllBytes("/proc/" + child.Id.ToString(CultureInfo.InvariantCulture) + "/cgroup"));
            Assert.Equal(expected, resolution.ContainerId);
            Assert.Equal(expected is null ? ProcessResolutionStatus.NotInContainer : ProcessResolutionStatus.InContainer, resolution.Status);

            // The real kernel's boot time and tick rate put the start within seconds of now: an event logged now is
            // the child's, one logged a minute before it started cannot be.
            Assert.True(new ProcFs().TryReadBootTime(out var boot));
            Assert.InRange(boot, DateTimeOffset.UnixEpoch.AddYears(30), DateTimeOffset.UtcNow);
            Assert.Equal(resolution, resolver.Resolve(child.Id, DateTimeOffset.UtcNow));
            Assert.Equal(ProcessResolution.Gone, resolver.Resolve(child.Id, DateTimeOffset.UtcNow.AddMinutes(-1)));

            child.Kill();
            child.WaitForExit();
            Assert.Equal(ProcessResolution.Gone, resolver.Resolve(child.Id));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }

            Directory.Delete(dir, recursive: true);
        }
    }
}
