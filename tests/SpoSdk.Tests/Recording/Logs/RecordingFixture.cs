using k8s.Models;
using SpoSdk.Admission.Recording;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;
using SpoSdk.Recording.Logs;
using SpoSdk.Recording.Recorders;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Tests.Recording.Logs;

/// <summary>
/// The recording side on the in-memory cluster: pod and recording informers, the log recorder, the
/// collector (pod controller), the node's recording reconciler and the ProfileRecording reconciler, all running.
/// Two fixtures on one backend, each with its own <c>node</c>, are two nodes (only one reconciling recordings).
/// </summary>
internal sealed class RecordingFixture : IAsyncDisposable
{
    public const string Namespace = "team";

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = new();
    private readonly Controller<V1Pod> _podController;
    private readonly Controller<ProfileRecording> _recordingController;
    private readonly Controller<ProfileRecording> _nodeController;
    private readonly Informer<V1Pod> _pods;
    private readonly Informer<ProfileRecording> _recordings;
    private readonly Informer<SeccompProfile> _seccompProfiles;
    private readonly string? _node;
    private readonly bool _reconcileRecordings;
    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });

    /// <param name="options">The log recorder's options.</param>
    /// <param name="backend">The cluster; a fresh in-memory one when null.</param>
    /// <param name="reconcileRecordings">Whether the ProfileRecording reconciler runs.</param>
    /// <param name="runPodController">Whether a controller drives the collector; without one a test calls it itself, in the order it needs.</param>
    /// <param name="node">This fixture's node: it follows only the pods placed there; null follows every pod as <c>node-1</c>.</param>
    /// <param name="nodeFinalizerGone">For the ProfileRecording reconciler: whether a node finalizer's node left the cluster.</param>
    public RecordingFixture(LogRecorderOptions? options = null, InMemoryBackend? backend = null, bool reconcileRecordings = true, bool runPodController = true, string? node = null, Func<string, bool>? nodeFinalizerGone = null)
    {
        _reconcileRecordings = reconcileRecordings;
        _node = node;
        NodeName = node ?? "node-1";
        Backend = backend ?? new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        _pods = node is null
            ? new Informer<V1Pod>(Backend.Resource<V1Pod>())
            : new Informer<V1Pod>(Backend.Resource<V1Pod>(), new InformerOptions(Selector: new ListOptions(FieldSelector: "spec.nodeName=" + node)));
        _recordings = new Informer<ProfileRecording>(Backend.Resource<ProfileRecording>());
        _seccompProfiles = new Informer<SeccompProfile>(Backend.Resource<SeccompProfile>());
        Recorder = new LogRecorder(new InformerActiveRecordings(_recordings), options);
        var registry = new ProfileRecorderRegistry([Recorder]);
        var events = new EventRecorder(Backend, "spod", NodeName);
        Collector = new RecordingCollector(Backend, _pods, _recordings, registry, events, NodeName);
        _podController = new Controller<V1Pod>("recorder", _pods, Collector);
        _nodeController = new Controller<ProfileRecording>("recording-node", _recordings, new RecordingNodeReconciler(Backend, _recordings, Collector));
        _recordingController = new Controller<ProfileRecording>("recording", _recordings, new ProfileRecordingReconciler(Backend, _recordings, registry, events, NodeName, nodeFinalizerGone))
            .Watches(_seccompProfiles, ProfileRecordingReconciler.RecordingOfPartial);
        _pods.Start(_stop.Token);
        _recordings.Start(_stop.Token);
        _seccompProfiles.Start(_stop.Token);
        _running.Add(_nodeController.RunAsync(_stop.Token));
        if (runPodController)
        {
            _running.Add(_podController.RunAsync(_stop.Token));
        }

        if (reconcileRecordings)
        {
            _running.Add(_recordingController.RunAsync(_stop.Token));
        }
    }

    public InMemoryBackend Backend { get; }

    public string NodeName { get; }

    public LogRecorder Recorder { get; }

    public RecordingCollector Collector { get; }

    public IResourceClient<SeccompProfile> Seccomp => Backend.Resource<SeccompProfile>();

    /// <summary>The recording informer as the collector and the node reconciler read it.</summary>
    public Informer<ProfileRecording> RecordingCache => _recordings;

    public IResourceClient<SelinuxProfile> Selinux => Backend.Resource<SelinuxProfile>();

    public IResourceClient<ProfileRecording> Recordings => Backend.Resource<ProfileRecording>();

    public IResourceClient<V1Pod> Pods => Backend.Resource<V1Pod>();

    public static string Token(string recording, string container, string nonce = "x7k2p") =>
        RecordingAnnotations.Token(recording, container, nonce, 1700000000);

    /// <summary>A seccomp audit line for syscall <paramref name="number"/> on <paramref name="arch"/> (hex AUDIT_ARCH).</summary>
    public static string SeccompLine(int number, string arch = "c000003e", int pid = 72503) =>
        "type=SECCOMP msg=audit(1744780616.598:836036): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=system_u:system_r:container_t:s0:c83,c152 pid="
        + pid + " comm=\"sh\" exe=\"/bin/dash\" sig=0 arch=" + arch + " syscall=" + number + " compat=0 ip=0x7fe2ff5017be code=0x7ffc0000";

    /// <summary>An AVC line denying <paramref name="perms"/> on <paramref name="tcontext"/> of class <paramref name="tclass"/>.</summary>
    public static string AvcLine(string perms, string tcontext, string tclass) =>
        "type=AVC msg=audit(1666691794.882:1434): avc:  denied  { " + perms + " } for  pid=94509 comm=\"nginx\" path=\"/x\" dev=\"nvme0n1p4\" ino=1 scontext=system_u:system_r:selinuxrecording.process:s0:c218,c875 tcontext="
        + tcontext + " tclass=" + tclass + " permissive=1";

    public async Task<ProfileRecording> CreateRecordingAsync(
        string name,
        ProfileRecordingProfileKind? kind = null,
        ProfileRecordingRecorder? recorder = null,
        ProfileRecordingMergeStrategy? merge = null,
        bool disable = false,
        params string[] finalizers)
    {
        var recording = await Recordings.CreateAsync(new ProfileRecording
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Finalizers = finalizers.Length == 0 ? null : finalizers.ToList() },
            Spec = new ProfileRecordingSpec
            {
                Kind = kind ?? ProfileRecordingProfileKind.SeccompProfile,
                Recorder = recorder ?? ProfileRecordingRecorder.Logs,
                MergeStrategy = merge,
                DisableProfileAfterRecording = disable ? true : null,
                PodSelector = new ProfileRecordingLabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            },
        });
        await WaitAsync(() => Task.FromResult(_recordings.Get(ObjectKey.Of(recording)) is not null), "the recording reaches the informer");
        return recording;
    }

    /// <summary>A running pod whose containers are annotated for recording, as the webhook leaves it.</summary>
    public async Task<V1Pod> CreatePodAsync(string name, string? generateName, IReadOnlyDictionary<string, string> annotations)
    {
        var pod = await Pods.CreateAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, GenerateName = generateName, NamespaceProperty = Namespace, Annotations = annotations.ToDictionary() },
            Spec = new V1PodSpec { NodeName = _node, Containers = annotations.Keys.Select(k => new V1Container { Name = k[(k.IndexOf('/') + 1)..], Image = "nginx" }).ToList() },
            Status = new V1PodStatus { Phase = "Running" },
        });
        await WaitAsync(() => Task.FromResult(Collector.TrackedPods.Contains(ObjectKey.Of(pod))), "the collector follows the pod");
        return pod;
    }

    /// <summary>Parses <paramref name="line"/> with the real parser and records it for the container.</summary>
    public bool Record(string line, string token, string pod = "pod", string container = "nginx")
    {
        Assert.True(_parser.TryParse(line, out var auditEvent), "the audit line parses: " + line);
        return Recorder.Record(auditEvent, new AuditEnrichment { NodeName = NodeName, Namespace = Namespace, PodName = pod, ContainerName = container, RecordProfile = token });
    }

    /// <summary>Waits until the pod informer holds <paramref name="name"/> in the state <paramref name="seen"/> accepts.</summary>
    public Task WaitForPodAsync(string name, Func<V1Pod, bool> seen) =>
        WaitAsync(() => Task.FromResult(_pods.Get(new ObjectKey(Namespace, name)) is { } pod && seen(pod)), "the informer sees pod " + name);

    /// <summary>Waits until the recording informer holds <paramref name="name"/> in the state <paramref name="seen"/> accepts (null: absent).</summary>
    public Task WaitForRecordingAsync(string name, Func<ProfileRecording?, bool> seen) =>
        WaitAsync(() => Task.FromResult(seen(_recordings.Get(new ObjectKey(Namespace, name)))), "the informer sees recording " + name + " as expected");

    public async Task EndPodAsync(string name)
    {
        await Pods.UpdateStatusWithRetryAsync(new ObjectKey(Namespace, name), p =>
        {
            p.Status.Phase = "Succeeded";
            return true;
        });
    }

    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string reason) =>
        (await Backend.Resource<Corev1Event>().ListAsync(Namespace)).Items.Where(e => e.Reason == reason).ToList();

    public async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Waits until every informer holds what the store holds and the controllers have nothing left to do, twice over
    /// (a reconcile's writes come back as events). A fixed pause alone let a loaded machine see idle queues before an
    /// informer had delivered the event that fills them.
    /// </summary>
    public async Task SettleAsync()
    {
        for (var round = 0; round < 2; round++)
        {
            await Task.Delay(10);
            await WaitAsync(
                async () => await InformersCaughtUpAsync() && _podController.Queue.IsIdle && _nodeController.Queue.IsIdle && (!_reconcileRecordings || _recordingController.Queue.IsIdle),
                "the informers have caught up and the controllers are idle");
        }
    }

    private async Task<bool> InformersCaughtUpAsync()
    {
        var pods = await Backend.Resource<V1Pod>().ListAsync(null, _node is null ? null : new ListOptions(FieldSelector: "spec.nodeName=" + _node));
        return Same(_pods.List(), pods.Items)
            && Same(_recordings.List(), (await Backend.Resource<ProfileRecording>().ListAsync()).Items)
            && Same(_seccompProfiles.List(), (await Backend.Resource<SeccompProfile>().ListAsync()).Items);
    }

    private static bool Same<T>(IReadOnlyList<T> cached, IReadOnlyList<T> stored)
        where T : k8s.IKubernetesObject<V1ObjectMeta> =>
        cached.Count == stored.Count
        && cached.Select(o => (o.Metadata.NamespaceProperty, o.Metadata.Name, o.Metadata.ResourceVersion)).ToHashSet()
            .SetEquals(stored.Select(o => (o.Metadata.NamespaceProperty, o.Metadata.Name, o.Metadata.ResourceVersion)));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_running);
        }
        catch (OperationCanceledException)
        {
        }

        _podController.Dispose();
        _recordingController.Dispose();
        _nodeController.Dispose();
        await _pods.DisposeAsync();
        await _recordings.DisposeAsync();
        await _seccompProfiles.DisposeAsync();
        _stop.Dispose();
    }
}
