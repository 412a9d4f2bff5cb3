using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpoSdk.Admission.Recording;
using SpoSdk.Api.V1;
using SpoSdk.Audit.Sources;
using SpoSdk.Hosting;
using SpoSdk.Recording.Recorders;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Tests.Audit.Enrichment;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Hosting;

/// <summary>
/// The log enricher and the log recorder as a host wires them with one builder call: an audit log under
/// the node root, a /proc laid out on disk, a pod on the in-memory cluster, and the profile that comes out.
/// </summary>
public sealed class LogEnricherHostingTests : IAsyncLifetime
{
    private const string Node = "node-1";
    private const string Namespace = "team";
    internal const int Pid = 72503;
    private static readonly string ContainerId = string.Concat(Enumerable.Repeat("ab12", 16));

    private const string OperatorInstancesNamespace = "security-profiles-operator";

    private readonly FakeProc _proc = new();
    private readonly string _root = Directory.CreateTempSubdirectory("spo-enricher-").FullName;
    private readonly StringWriter _lines = new();
    private readonly TextWriter _syncLines;
    private readonly IClusterBackend _backend = Pods.NewBackend();
    private ServiceProvider? _provider;
    private SpoOperator? _operator;

    private readonly ITestOutputHelper _output;

    public LogEnricherHostingTests(ITestOutputHelper output)
    {
        _output = output;
        _syncLines = TextWriter.Synchronized(_lines);
    }

    private string AuditLog => Path.Combine(_root, "var/log/audit/audit.log");

    public Task InitializeAsync()
    {
        PrepareNode(_proc, _root, ContainerId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Lays out a node for the enricher (also used by the metrics endpoint tests): the boot time and the container's
    /// process (pid <see cref="Pid"/>) in <paramref name="proc"/>, an empty audit log under <paramref name="root"/>, whose path it returns.
    /// </summary>
    internal static string PrepareNode(FakeProc proc, string root, string containerId)
    {
        proc.SetBootTime(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        proc.SetProcess(Pid, start: 100, FakeProc.ContainerdCgroup(containerId), comm: "sh");
        var auditLog = Path.Combine(root, "var/log/audit/audit.log");
        Directory.CreateDirectory(Path.GetDirectoryName(auditLog)!);
        File.WriteAllText(auditLog, string.Empty);
        return auditLog;
    }

    public async Task DisposeAsync()
    {
        if (_operator is not null)
        {
            await _operator.StopAsync(CancellationToken.None);
        }

        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        _proc.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Audit_lines_of_a_recorded_pod_become_enriched_lines_and_a_profile_when_the_pod_ends()
    {
        await CreateSpodAsync(enableLogEnricher: true);
        await _backend.Resource<ProfileRecording>().CreateAsync(new ProfileRecording
        {
            Metadata = new V1ObjectMeta { Name = "rec", NamespaceProperty = Namespace },
            Spec = new ProfileRecordingSpec
            {
                Kind = ProfileRecordingProfileKind.SeccompProfile,
                Recorder = ProfileRecordingRecorder.Logs,
                PodSelector = new ProfileRecordingLabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        });
        var token = RecordingAnnotations.Token("rec", "app", "x7k2p", 1_700_000_000);
        var pod = await Pods.RunAsync(_backend, Pods.Pod(Namespace, "web", Node, annotations: new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "app"] = token }), ("app", ContainerId));

        await StartAsync();
        // read (0), write (1) and read again, with noise in between: one line each, the set {read, write}.
        await File.AppendAllTextAsync(AuditLog, SeccompLine(0, serial: 1) + "an unrelated line\n" + SeccompLine(1, serial: 2) + SeccompLine(0, serial: 3));

        try
        {
            await Pods.EventuallyAsync(() => Lines().Count(l => l.Contains(" pod=\"web\"", StringComparison.Ordinal)) == 3, "three enriched lines");
        }
        catch
        {
            // Stopping logs the session's counters into the test output, which says where the events went.
            await _operator!.StopAsync(CancellationToken.None);
            _operator = null;
            throw;
        }
        var first = Lines().First(l => l.Contains(" pod=\"web\"", StringComparison.Ordinal));
        Assert.EndsWith("\"audit\" logger=\"log-enricher\" timestamp=\"1744780616.598:1\" type=\"seccomp\" node=\"node-1\" namespace=\"team\" pod=\"web\" container=\"app\" executable=\"/bin/dash\" pid=72503 syscallID=0 syscallName=\"read\"", first, StringComparison.Ordinal);

        await _backend.Resource<V1Pod>().UpdateStatusWithRetryAsync(ObjectKey.Of(pod), p =>
        {
            p.Status.Phase = "Succeeded";
            return true;
        });

        SeccompProfile? recorded = null;
        await Pods.EventuallyAsync(
            () => (recorded = _backend.Resource<SeccompProfile>().ListAsync(null).GetAwaiter().GetResult().Items.SingleOrDefault(p => p.Metadata.Name.StartsWith("rec-app", StringComparison.Ordinal))) is not null,
            "the recorded profile");
        var rule = Assert.Single(recorded!.Spec.Syscalls!);
        Assert.Equal(["read", "write"], rule.Names);
        Assert.Equal(SeccompAction.ScmpActAllow, rule.Action);
    }

    // The wiring of a recording's deletion: this node's daemon writes its running pod's partial and removes its
    // finalizer, the manager removes the finalizer of a node that left the cluster, then merges.
    [Fact]
    public async Task Deleting_a_recording_writes_the_running_pods_partial_and_merges_it()
    {
        await CreateSpodAsync(enableLogEnricher: true);
        await _backend.Resource<V1Node>().CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = Node } });
        var gone = RecordingNodeFinalizers.ForNode("node-gone");
        var key = new ObjectKey(Namespace, "rec");
        await _backend.Resource<ProfileRecording>().CreateAsync(new ProfileRecording
        {
            Metadata = new V1ObjectMeta { Name = "rec", NamespaceProperty = Namespace, Finalizers = [gone] },
            Spec = new ProfileRecordingSpec
            {
                Kind = ProfileRecordingProfileKind.SeccompProfile,
                Recorder = ProfileRecordingRecorder.Logs,
                MergeStrategy = ProfileRecordingMergeStrategy.Containers,
                PodSelector = new ProfileRecordingLabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        });
        var token = RecordingAnnotations.Token("rec", "app", "x7k2p", 1_700_000_000);
        await Pods.RunAsync(_backend, Pods.Pod(Namespace, "web", Node, annotations: new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "app"] = token }), ("app", ContainerId));

        await StartAsync();
        await File.AppendAllTextAsync(AuditLog, SeccompLine(0, serial: 1) + SeccompLine(1, serial: 2));
        await Pods.EventuallyAsync(() => Lines().Count(l => l.Contains(" pod=\"web\"", StringComparison.Ordinal)) == 2, "two enriched lines");
        await Pods.EventuallyAsync(
            () => _backend.Resource<ProfileRecording>().GetAsync(key).GetAwaiter().GetResult()?.Metadata.Finalizers?.Contains(RecordingNodeFinalizers.ForNode(Node)) == true,
            "this node's finalizer on the recording");

        await _backend.Resource<ProfileRecording>().DeleteAsync(key);

        await Pods.EventuallyAsync(() => _backend.Resource<ProfileRecording>().GetAsync(key).GetAwaiter().GetResult() is null, "the recording is gone");
        await Pods.EventuallyAsync(
            () => _backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster("rec-app-web")).GetAwaiter().GetResult() is null,
            "the partial is deleted (once this node's profile finalizer is gone)");
        var all = (await _backend.Resource<SeccompProfile>().ListAsync(null)).Items;
        var profile = Assert.Single(all, p => p.Metadata.Name.StartsWith("rec-app", StringComparison.Ordinal));
        Assert.Equal("rec-app", profile.Metadata.Name);
        Assert.Equal(["read", "write"], profile.Spec.Syscalls!.SelectMany(r => r.Names));
    }

    [Fact]
    public async Task The_enricher_follows_the_spod_switch()
    {
        await CreateSpodAsync(enableLogEnricher: false);
        await Pods.RunAsync(_backend, Pods.Pod(Namespace, "web", Node), ("app", ContainerId));
        await StartAsync();

        await File.AppendAllTextAsync(AuditLog, SeccompLine(0, serial: 1));
        await Task.Delay(300);
        Assert.Empty(Lines());

        // Switched on, it starts on the log (from its beginning, as configured) and enriches what is there.
        await _backend.Resource<SecurityProfilesOperatorDaemon>().UpdateWithRetryAsync(new ObjectKey(OperatorInstancesNamespace, "spod"), s =>
        {
            s.Spec!.Enricher!.EnableLogEnricher = true;
            return true;
        });
        await Pods.EventuallyAsync(() => Lines().Any(l => l.Contains(" syscallName=\"read\"", StringComparison.Ordinal)), "the enriched line after the switch");
    }

    [Fact]
    public async Task A_sink_that_never_returns_does_not_hold_the_stop()
    {
        await CreateSpodAsync(enableLogEnricher: true);
        await Pods.RunAsync(_backend, Pods.Pod(Namespace, "web", Node), ("app", ContainerId));
        using var stuck = new StuckWriter();
        await StartAsync(o =>
        {
            o.EnrichedLines = stuck;
            o.DrainTimeout = TimeSpan.FromMilliseconds(100);
        });

        // The enriched-line writer waits (a full pipe, a hung disk) and with it the enricher's loop; the stop used to
        // wait for that loop, which waited for the writer, for good.
        await File.AppendAllTextAsync(AuditLog, SeccompLine(0, serial: 1) + SeccompLine(1, serial: 2));
        await stuck.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = _operator!.StopAsync(CancellationToken.None);
        try
        {
            await stopping.WaitAsync(TimeSpan.FromSeconds(30));
            _operator = null;
        }
        finally
        {
            // Lets a stop that did wait for the writer end, so the test fails rather than hangs.
            await stuck.ReleaseAsync();
        }
    }

    [Fact]
    public async Task A_json_record_still_pending_when_the_enricher_stops_is_written()
    {
        await CreateSpodAsync(enableLogEnricher: true, enableJsonEnricher: true);
        await Pods.RunAsync(_backend, Pods.Pod(Namespace, "web", Node), ("app", ContainerId));
        _proc.SetProcess(Pid, start: 100, FakeProc.ContainerdCgroup(ContainerId), comm: "sh", cmdline: "sh\0-c\0ls\0");
        var records = new StringWriter();
        var syncRecords = TextWriter.Synchronized(records);
        await StartAsync(o => o.JsonRecords = syncRecords);

        // The JSON record gathers its process's syscalls for a minute; the enriched line says the event went by it.
        await File.AppendAllTextAsync(AuditLog, SeccompLine(0, serial: 1));
        await Pods.EventuallyAsync(() => Lines().Any(l => l.Contains(" syscallName=\"read\"", StringComparison.Ordinal)), "the enriched line");
        Assert.Equal(string.Empty, Text());

        await _operator!.StopAsync(CancellationToken.None);
        _operator = null;

        Assert.Contains("\"syscalls\":[\"read\"]", Text(), StringComparison.Ordinal);

        string Text()
        {
            lock (syncRecords)
            {
                return records.ToString();
            }
        }
    }

    /// <summary>A seccomp audit line of the test's container process (pid 72503, <c>/bin/dash</c>), also used by the metrics endpoint tests.</summary>
    internal static string SeccompLine(int syscall, int serial) =>
        "type=SECCOMP msg=audit(1744780616.598:" + serial.ToString(CultureInfo.InvariantCulture) + "): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=system_u:system_r:container_t:s0:c83,c152 pid="
        + Pid.ToString(CultureInfo.InvariantCulture) + " comm=\"sh\" exe=\"/bin/dash\" sig=0 arch=c000003e syscall=" + syscall.ToString(CultureInfo.InvariantCulture) + " compat=0 ip=0x7fe2ff5017be code=0x7ffc0000\n";

    private Task CreateSpodAsync(bool enableLogEnricher, bool enableJsonEnricher = false) => _backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
    {
        Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = OperatorInstancesNamespace },
        Spec = new SecurityProfilesOperatorDaemonSpec { Enricher = new SecurityProfilesOperatorDaemonEnricher { EnableLogEnricher = enableLogEnricher, EnableJsonEnricher = enableJsonEnricher } },
    });

    private async Task StartAsync(Action<LogEnricherOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(new TestOutputLoggerProvider(_output)).SetMinimumLevel(LogLevel.Debug));
        services.AddSecurityProfilesOperator(spo => spo
            .UseBackend(_ => _backend)
            .WithNodeName(Node)
            .WithNodeRoot(_root)
            .AddSeccomp()
            .AddLogEnricher(o =>
            {
                o.ProcRoot = _proc.Root;
                o.EnrichedLines = _syncLines;
                o.Source.StartPosition = AuditLogStartPosition.Beginning;
                o.Source.PollInterval = TimeSpan.FromMilliseconds(20);
                configure?.Invoke(o);
            })
            .AddRecording());
        _provider = services.BuildServiceProvider();
        _operator = _provider.GetRequiredService<SpoOperator>();
        await _operator.StartAsync(CancellationToken.None);
    }

    private List<string> Lines()
    {
        // The synchronized writer locks itself for each write.
        lock (_syncLines)
        {
            return _lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        }
    }

    // A writer whose flush waits until it is cancelled, as one stuck on a full pipe would.
    private sealed class StuckWriter : StringWriter
    {
        private readonly CancellationTokenSource _release = new();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task ReleaseAsync() => _release.CancelAsync();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _release.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        protected override void Dispose(bool disposing)
        {
            _release.Dispose();
            base.Dispose(disposing);
        }
    }
}
