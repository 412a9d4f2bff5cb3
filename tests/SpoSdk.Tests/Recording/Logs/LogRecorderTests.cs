using System.Globalization;
using k8s.Models;
using SpoSdk.Admission.Recording;
using SpoSdk.Api.V1;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;
using SpoSdk.Recording.Logs;
using SpoSdk.Recording.Recorders;
using SpoSdk.Runtime;

namespace SpoSdk.Tests.Recording.Logs;

public sealed class LogRecorderTests
{
    private static RecordingTarget Seccomp(string token, string recording = "rec", string container = "nginx") =>
        new(token, ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Logs, RecordingFixture.Namespace, recording, container);

    private static RecordingTarget Selinux(string token, string recording = "rec", string container = "nginx") =>
        new(token, ProfileRecordingProfileKind.SelinuxProfile, ProfileRecordingRecorder.Logs, RecordingFixture.Namespace, recording, container);

    [Fact]
    public async Task SeccompRecordsBecomeOneSortedAllowRuleWithTheArchitecturesSeen()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("rec");
        var token = RecordingFixture.Token("rec", "nginx");
        foreach (var number in new[] { 257, 56, 0, 56, 50 })
        {
            Assert.True(fixture.Record(RecordingFixture.SeccompLine(number), token));
        }

        // A 32-bit call is named on its own architecture (i386 4 = write, x86_64 4 = stat).
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(4, arch: "40000003"), token));

        var recorded = await fixture.Recorder.CollectAsync(Seccomp(token));
        var spec = Assert.IsType<SeccompProfile>(recorded!.Profile).Spec;
        Assert.Equal(SeccompAction.ScmpActErrno, spec.DefaultAction);
        Assert.Equal([SeccompArchitecture.ScmpArchX86, SeccompArchitecture.ScmpArchX8664], spec.Architectures);
        var rule = Assert.Single(spec.Syscalls!);
        Assert.Equal(SeccompAction.ScmpActAllow, rule.Action);
        Assert.Equal(["clone", "listen", "openat", "read", "write"], rule.Names);
        Assert.Empty(recorded.Omissions);
        Assert.Equal(6, fixture.Recorder.Counters.Recorded);
    }

    [Fact]
    public async Task AvcsFromRealAuditLinesBecomeTheSortedAllowMap()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("rec", ProfileRecordingProfileKind.SelinuxProfile);
        var token = RecordingFixture.Token("rec", "nginx");

        // The §5.6 sample line, verbatim.
        const string Sample = "type=AVC msg=audit(1666691794.882:1434): avc:  denied  { read write open } for  pid=94509 comm=\"aide\" path=\"/hostroot/etc/kubernetes/aide.log.new\" dev=\"nvme0n1p4\" ino=167774224 scontext=system_u:system_r:selinuxrecording.process:s0:c218,c875 tcontext=system_u:object_r:kubernetes_file_t:s0 tclass=file permissive=1";
        Assert.True(fixture.Record(Sample, token));
        Assert.True(fixture.Record(RecordingFixture.AvcLine("name_bind", "system_u:object_r:http_cache_port_t:s0", "tcp_socket"), token));
        Assert.True(fixture.Record(RecordingFixture.AvcLine("listen", "system_u:system_r:selinuxrecording.process:s0:c218,c875", "tcp_socket"), token));
        Assert.True(fixture.Record(RecordingFixture.AvcLine("getattr append", "system_u:object_r:kubernetes_file_t:s0", "file"), token));
        Assert.False(fixture.Record(RecordingFixture.AvcLine("read", "wrong", "file"), token));

        var recorded = await fixture.Recorder.CollectAsync(Selinux(token));
        var spec = Assert.IsType<SelinuxProfile>(recorded!.Profile).Spec!;
        var inherit = Assert.Single(spec.Inherit!);
        Assert.Equal(SelinuxProfileInheritKind.System, inherit.Kind);
        Assert.Equal("container", inherit.Name);
        Assert.Equal(["@self", "http_cache_port_t", "kubernetes_file_t"], spec.Allow!.Keys);
        Assert.Equal(["append", "getattr", "open", "read", "write"], spec.Allow["kubernetes_file_t"]["file"]);
        Assert.Equal(["name_bind"], spec.Allow["http_cache_port_t"]["tcp_socket"]);
        Assert.Equal(["listen"], spec.Allow["@self"]["tcp_socket"]);
        Assert.Equal(1, fixture.Recorder.Counters.MalformedContexts);
        Assert.Equal("1 AVC(s) with a malformed target context were skipped", Assert.Single(recorded.Omissions));

        // Seccomp asked of an AVC-only token: nothing recorded.
        Assert.Null(await fixture.Recorder.CollectAsync(Seccomp(token)));
    }

    [Fact]
    public async Task EventsOfRecordingsThatDoNotExistOrAreBeingDeletedAreNotKept()
    {
        await using var fixture = new RecordingFixture();
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(0), RecordingFixture.Token("missing", "nginx")));
        Assert.Equal(1, fixture.Recorder.Counters.Inactive);
        Assert.Equal(0, fixture.Recorder.ContainerCount);

        await fixture.CreateRecordingAsync("bpf", recorder: ProfileRecordingRecorder.Bpf);
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(0), RecordingFixture.Token("bpf", "nginx")));
        Assert.Equal(2, fixture.Recorder.Counters.Inactive);

        Assert.False(fixture.Record(RecordingFixture.SeccompLine(0), "not-a-token"));
        Assert.Equal(1, fixture.Recorder.Counters.InvalidTokens);
    }

    [Fact]
    public async Task CapsBoundEachContainerAndEachRecordingAndAreCounted()
    {
        await using var fixture = new RecordingFixture(new LogRecorderOptions { MaxSyscallsPerContainer = 2, MaxAvcEntriesPerContainer = 2, MaxContainersPerRecording = 2 });
        await fixture.CreateRecordingAsync("rec");
        var first = RecordingFixture.Token("rec", "a");
        var second = RecordingFixture.Token("rec", "b");
        var third = RecordingFixture.Token("rec", "c");
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), first));
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(1), first));
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(3), first));
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(50), first));
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), first), "a known name still counts as recorded at the cap");
        Assert.True(fixture.Record(RecordingFixture.AvcLine("read write open", "a:b:c_t:s0", "file"), second));
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(0), third));

        Assert.Equal(2, fixture.Recorder.Counters.DroppedSyscalls);
        Assert.Equal(1, fixture.Recorder.Counters.DroppedAvcEntries);
        Assert.Equal(1, fixture.Recorder.Counters.RejectedContainers);
        var recorded = await fixture.Recorder.CollectAsync(Seccomp(first, container: "a"));
        Assert.Equal(["read", "write"], Assert.IsType<SeccompProfile>(recorded!.Profile).Spec.Syscalls![0].Names);
        Assert.Equal("2 syscall name(s) beyond the cap of 2 per container were not recorded", Assert.Single(recorded.Omissions));

        // Collecting a container frees its place for another.
        fixture.Recorder.Reset(first);
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), third));
        Assert.Equal(2, fixture.Recorder.ContainerCount);
    }

    // Collected tokens are refused, but only the newest MaxContainersPerRecording of a recording are remembered, and
    // forgetting the recording forgets them too.
    [Fact]
    public async Task Collected_tokens_are_refused_within_a_bound_until_the_recording_is_forgotten()
    {
        await using var fixture = new RecordingFixture(new LogRecorderOptions { MaxContainersPerRecording = 2 });
        await fixture.CreateRecordingAsync("rec");
        var tokens = new[] { "bbbbb", "ccccc", "ddddd" }.Select(n => RecordingFixture.Token("rec", "nginx", n)).ToList();
        foreach (var token in tokens)
        {
            Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), token));
            fixture.Recorder.Reset(token);
        }

        Assert.False(fixture.Record(RecordingFixture.SeccompLine(0), tokens[2]));
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(0), tokens[1]));
        Assert.Equal(2, fixture.Recorder.Counters.Retired);
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), tokens[0]), "the oldest collected token is no longer remembered");

        fixture.Recorder.Forget(RecordingFixture.Namespace, "rec");
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), tokens[2]));
        Assert.Equal(0, fixture.Recorder.Counters.RejectedContainers);
    }

    // Any tenant can create pods whose annotations name recordings that do not exist; collecting them must not leave
    // anything behind (only a token that had a log is retired).
    [Fact]
    public async Task Collecting_tokens_of_recordings_that_do_not_exist_remembers_nothing()
    {
        await using var fixture = new RecordingFixture(runPodController: false);
        for (var i = 0; i < 50; i++)
        {
            var name = "pod-" + i.ToString(CultureInfo.InvariantCulture);
            var annotations = Enumerable.Range(0, 20).ToDictionary(
                c => RecordingAnnotations.SeccompLogsPrefix + "c" + c.ToString(CultureInfo.InvariantCulture),
                c => RecordingFixture.Token("nope-" + name + "-" + c.ToString(CultureInfo.InvariantCulture), "c" + c.ToString(CultureInfo.InvariantCulture)));
            await fixture.Pods.CreateAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = RecordingFixture.Namespace, Annotations = annotations },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c0", Image = "x" }] },
                Status = new V1PodStatus { Phase = "Succeeded" },
            });
            await fixture.WaitForPodAsync(name, _ => true);
            await fixture.Collector.ReconcileAsync(new ObjectKey(RecordingFixture.Namespace, name), CancellationToken.None);
        }

        Assert.Equal(0, fixture.Recorder.RetiredRecordings);
    }

    [Fact]
    public void Forgetting_a_recording_keeps_the_collected_tokens_of_a_same_named_recording_in_another_namespace()
    {
        var recorder = new LogRecorder(new EveryRecordingActive(), new LogRecorderOptions { MaxContainersPerRecording = 1 });
        var otherToken = RecordingFixture.Token("rec", "nginx", "ooooo");
        Assert.True(Record(recorder, "other", otherToken));
        recorder.Reset(otherToken);
        Assert.False(Record(recorder, "other", otherToken), "a late line of the collected container is refused");

        recorder.Forget(RecordingFixture.Namespace, "rec");

        Assert.False(Record(recorder, "other", otherToken), "other/rec's collected container was reopened by deleting team/rec");
    }

    private static bool Record(LogRecorder recorder, string @namespace, string token)
    {
        Assert.True(new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 }).TryParse(RecordingFixture.SeccompLine(0), out var auditEvent));
        return recorder.Record(auditEvent, new AuditEnrichment { NodeName = "node-1", Namespace = @namespace, PodName = "pod", ContainerName = "nginx", RecordProfile = token });
    }

    private sealed class EveryRecordingActive : IActiveRecordings
    {
        public bool IsActive(string @namespace, string recordingName) => true;
    }

    [Fact]
    public async Task ForgettingARecordingDropsAllItsContainers()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("rec");
        await fixture.CreateRecordingAsync("other");
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), RecordingFixture.Token("rec", "a")));
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), RecordingFixture.Token("rec", "b")));
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), RecordingFixture.Token("other", "a")));
        fixture.Recorder.Forget(RecordingFixture.Namespace, "rec");
        Assert.Equal(1, fixture.Recorder.ContainerCount);
        Assert.Null(await fixture.Recorder.CollectAsync(Seccomp(RecordingFixture.Token("rec", "a"), container: "a")));
    }

    [Fact]
    public void RegistryNamesTheMissingBpfRecorderAndHowToPlugOneIn()
    {
        var registry = new ProfileRecorderRegistry([]);
        var message = registry.Unavailable(ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf, "node-1");
        Assert.NotNull(message);
        Assert.Contains("the Bpf recorder is not available on node node-1", message, StringComparison.Ordinal);
        Assert.Contains("IProfileRecorder", message, StringComparison.Ordinal);
        Assert.Contains("recorder: Logs", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistryNamesKindsARecorderCannotRecord()
    {
        await using var fixture = new RecordingFixture();
        var registry = new ProfileRecorderRegistry([fixture.Recorder]);
        Assert.Null(registry.Unavailable(ProfileRecordingProfileKind.SelinuxProfile, ProfileRecordingRecorder.Logs, "node-1"));
        Assert.Equal(
            "the Logs recorder on node node-1 cannot record AppArmorProfile profiles (Logs records SeccompProfile and SelinuxProfile; Bpf records SeccompProfile and AppArmorProfile)",
            registry.Unavailable(ProfileRecordingProfileKind.AppArmorProfile, ProfileRecordingRecorder.Logs, "node-1"));
        Assert.Throws<ArgumentException>(() => new ProfileRecorderRegistry([fixture.Recorder, fixture.Recorder]));
    }
}
