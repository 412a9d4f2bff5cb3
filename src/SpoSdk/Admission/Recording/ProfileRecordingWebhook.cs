using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Admission.Pods;
using SpoSdk.Admission.State;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;

namespace SpoSdk.Admission.Recording;

/// <summary>Settings of the recording webhook.</summary>
public sealed record ProfileRecordingWebhookOptions : PodWebhookOptions
{
    /// <summary>
    /// The SeccompProfile that log-recorded containers run under. The manager creates it when the log
    /// enricher is on; it is cluster-scoped, so pods reference it as <c>operator/&lt;name&gt;.json</c>.
    /// </summary>
    public string LogEnricherProfileName { get; init; } = RecordingAnnotations.LogEnricherProfileName;
}

/// <summary>
/// <c>/mutate-v1-pod-recording</c>: marks the containers of pods a ProfileRecording selects so the
/// recorders record them (runtime.md §4.2), and tracks those pods in the recording.
/// </summary>
/// <remarks>
/// <para>On CREATE, for every ProfileRecording of the pod's namespace (name order) with a recordable
/// kind/recorder pair (seccomp: Logs or Bpf; SELinux: Logs; AppArmor: Bpf) whose
/// <c>podSelector</c> matches the pod's labels: each init container and container (only those named
/// in <c>spec.containers</c> when set) gets the annotation
/// <c>&lt;prefix&gt;&lt;container&gt;: &lt;recording&gt;_&lt;container&gt;_&lt;nonce&gt;_&lt;unix seconds&gt;</c>,
/// with the prefix of <see cref="RecordingAnnotations.PrefixFor"/>. The Logs recorder also rewrites the
/// container's securityContext: seccomp → <c>seccompProfile {Localhost, operator/log-enricher-trace.json}</c>;
/// SELinux → <c>seLinuxOptions.type: selinuxrecording.process</c>.</para>
/// <para>Decisions on upstream's behaviour:</para>
/// <list type="bullet">
/// <item><b>#2904 — fixed.</b> Upstream points log-recorded containers at
/// <c>operator/&lt;operatorNamespace&gt;/log-enricher-trace.json</c>, a file that has not existed since
/// profiles became cluster-scoped, so such pods fail with "no such file". The path here comes from
/// <see cref="NodePaths.SeccompLocalhostProfile"/>, the same helper that places the file.</item>
/// <item><b>Spoofed annotations — overwritten</b> (vector R10): every admitted container gets a fresh
/// token, whatever the pod brought. On UPDATE, changes to recording annotations are reverted: upstream
/// re-tokenised on every update, which broke running recordings and let a user redirect one.</item>
/// <item><b>UPDATE does not mutate anything else</b>, for the reason of #3296 (securityContext is immutable).</item>
/// <item><b>Quirk 10 — fixed.</b> Upstream wrote every valid recording on every admission and dropped
/// the lock finalizer on any pod DELETE in the namespace. Here a recording is written only when its
/// <c>activeWorkloads</c> or finalizer change, and the finalizer goes only when the list is empty.
/// Pods created from <c>generateName</c> are tracked under it (upstream's choice) and the entry goes
/// when the last live pod of that <c>generateName</c> is deleted.</item>
/// <item><b>A recording being deleted records no new pod</b>: its deletion is what triggers the merge.</item>
/// <item><b>Dry runs</b> are mutated but write no bookkeeping or events.</item>
/// <item><b>Invalid podSelector — skipped with a warning</b> rather than refusing every pod of the
/// namespace (upstream vector R8 returns 500).</item>
/// <item>Warnings upstream sends as Events (<c>SecurityContextAlreadySet</c>, <c>PrivilegedContainer</c>,
/// <c>NameNotDNSLabel</c>) are sent as Events through <see cref="IWorkloadBookkeeping.WarnAsync"/>
/// and also returned to the client as admission warnings.</item>
/// </list>
/// </remarks>
public sealed class ProfileRecordingWebhook : IAdmissionHandler
{
    /// <summary>The message for an admission that changes nothing.</summary>
    public const string UnchangedMessage = "pod unchanged";

    private const string SeccompField = "seccompProfile";
    private const string SelinuxField = "seLinuxOptions";

    private readonly IAdmissionLookups _lookups;
    private readonly IWorkloadBookkeeping _bookkeeping;
    private readonly ProfileRecordingWebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _logEnricherProfile;

    /// <summary>Creates the webhook over its state.</summary>
    public ProfileRecordingWebhook(IAdmissionLookups lookups, IWorkloadBookkeeping bookkeeping, ProfileRecordingWebhookOptions? options = null, TimeProvider? time = null, ILogger<ProfileRecordingWebhook>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(lookups);
        ArgumentNullException.ThrowIfNull(bookkeeping);
        _lookups = lookups;
        _bookkeeping = bookkeeping;
        _options = options ?? new ProfileRecordingWebhookOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _logEnricherProfile = new NodePaths().SeccompLocalhostProfile(_options.LogEnricherProfileName);
    }

    /// <inheritdoc />
    public string Name => SpoWebhooks.RecordingName;

    /// <inheritdoc />
    public AdmissionResponse Failed(int code, string message) => AdmissionResponse.Errored(code, message);

    /// <inheritdoc />
    public async ValueTask<AdmissionResponse> HandleAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (screened, recordings) = await PodWebhookSupport.ScreenAsync(request, Update, _options, SpoLabels.EnableRecording, _lookups, _lookups.ListProfileRecordingsAsync, "profile recordings", UnchangedMessage, cancellationToken).ConfigureAwait(false);
        if (screened is not null)
        {
            return screened;
        }

        return request.Operation == AdmissionOperation.Delete
            ? await DeleteAsync(request, recordings, cancellationToken).ConfigureAwait(false)
            : await CreateAsync(request, recordings, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<AdmissionResponse> CreateAsync(AdmissionRequest request, IReadOnlyList<ProfileRecording> recordings, CancellationToken cancellationToken)
    {
        if (!PodView.TryRead(request.Object, out var pod, out var decodeError))
        {
            return AdmissionResponse.Errored(400, "failed to decode pod: " + decodeError);
        }

        if (recordings.Count == 0)
        {
            return AdmissionResponse.Allow(UnchangedMessage);
        }

        var podName = request.Name.Length > 0 ? request.Name : pod.Name.Length > 0 ? pod.Name : pod.GenerateName;
        var plan = new PodPatchBuilder(pod);
        var warnings = new List<string>();
        var events = new List<(ProfileRecording Recording, string Reason, string Message)>();
        var matched = new List<ProfileRecording>();
        var now = _time.GetUtcNow();
        foreach (var recording in recordings)
        {
            // A recording being deleted is merging its results; it records no new pods.
            if (recording.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var name = recording.Metadata.Name;
            var spec = recording.Spec;
            var prefix = spec is null ? null : RecordingAnnotations.PrefixFor(spec.Kind, spec.Recorder);
            if (prefix is null)
            {
                _logger.LogInformation("ProfileRecording {Recording}: {Kind} cannot be recorded with {Recorder}; skipped", name, spec?.Kind.Value, spec?.Recorder.Value);
                warnings.Add("ProfileRecording " + name + ": " + spec?.Kind + " cannot be recorded with recorder " + spec?.Recorder + ", skipped");
                continue;
            }

            if (!PodLabelSelector.TryCreate(spec!.PodSelector, out var selector, out var selectorError))
            {
                warnings.Add("ProfileRecording " + name + ": invalid podSelector, skipped: " + selectorError);
                continue;
            }

            if (!selector.Matches(pod.Labels))
            {
                continue;
            }

            matched.Add(recording);
            var logs = spec.Recorder == ProfileRecordingRecorder.Logs;
            for (var i = 0; i < pod.Containers.Count; i++)
            {
                var container = pod.Containers[i];
                if (spec.Containers is { } only && !only.Contains(container.Name))
                {
                    continue;
                }

                plan.SetAnnotation(prefix + container.Name, RecordingAnnotations.NewToken(name, container.Name, now));
                if (!logs)
                {
                    continue;
                }

                if (container.IsPrivileged)
                {
                    events.Add((recording, "PrivilegedContainer", "Container " + container.Name + " in pod " + podName + " is privileged, cannot use log-based profile recording"));
                }

                if (spec.Kind == ProfileRecordingProfileKind.SeccompProfile)
                {
                    var desired = new JsonObject { ["type"] = "Localhost", ["localhostProfile"] = _logEnricherProfile };
                    if (plan.OriginalContainerField(i, SeccompField).ValueKind != JsonValueKind.Undefined && !JsonNode.DeepEquals(plan.FinalContainerField(i, SeccompField), desired))
                    {
                        events.Add((recording, "SecurityContextAlreadySet", "Container " + container.Name + " had SecurityContext already set, the profile recorder overwrote it"));
                    }

                    plan.SetContainerField(i, SeccompField, desired);
                }
                else
                {
                    // Only the type changes; user, role and level stay as the pod asked.
                    var current = plan.FinalContainerField(i, SelinuxField) as JsonObject;
                    var desired = current?.DeepClone().AsObject() ?? [];
                    if (current?["type"] is { } type && type.GetValueKind() == JsonValueKind.String && (string?)type != RecordingAnnotations.SelinuxRecordingType)
                    {
                        events.Add((recording, "SecurityContextAlreadySet", "Container " + container.Name + " had SecurityContext already set, the profile recorder overwrote it"));
                    }

                    desired["type"] = RecordingAnnotations.SelinuxRecordingType;
                    plan.SetContainerField(i, SelinuxField, desired);
                }
            }

            if (!IsDnsLabel(name))
            {
                events.Add((recording, "NameNotDNSLabel", "The recording name " + name + " is not a DNS1123 label and can't be used as a label"));
            }
        }

        foreach (var (recording, reason, message) in events)
        {
            warnings.Add("ProfileRecording " + recording.Metadata.Name + ": " + message);
            if (!request.DryRun)
            {
                await _bookkeeping.WarnAsync(WorkloadOwnerKind.ProfileRecording, ObjectKey.Of(recording), reason, message, cancellationToken).ConfigureAwait(false);
            }
        }

        if (!request.DryRun && podName.Length > 0)
        {
            foreach (var recording in matched)
            {
                try
                {
                    await _bookkeeping.AddWorkloadAsync(WorkloadOwnerKind.ProfileRecording, ObjectKey.Of(recording), podName, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    var message = "could not record pod " + podName + " in ProfileRecording " + recording.Metadata.Name + ": " + ex.Message;
                    if (_options.CreateBookkeepingFailure == BookkeepingFailurePolicy.Deny)
                    {
                        return AdmissionResponse.Errored(500, message);
                    }

                    warnings.Add(message);
                }
            }
        }

        var patch = plan.Build();
        var response = patch.Count == 0 ? AdmissionResponse.Allow(UnchangedMessage) : AdmissionResponse.Patched(patch);
        return response.WithWarnings(warnings);
    }

    // Recording annotations are fixed at creation: an update that adds, changes or removes one is undone.
    private static AdmissionResponse Update(AdmissionRequest request)
    {
        if (!PodView.TryRead(request.Object, out var pod, out var error))
        {
            return AdmissionResponse.Errored(400, "failed to decode pod: " + error);
        }

        if (!PodView.TryRead(request.OldObject, out var old, out _))
        {
            return AdmissionResponse.Allow(UnchangedMessage);
        }

        var plan = new PodPatchBuilder(pod);
        var reverted = new List<string>();
        foreach (var key in pod.Annotations.Keys.Concat(old.Annotations.Keys).Where(RecordingAnnotations.IsRecordingAnnotation).Distinct())
        {
            var before = old.Annotations.GetValueOrDefault(key);
            var after = pod.Annotations.GetValueOrDefault(key);
            if (before == after)
            {
                continue;
            }

            reverted.Add(key);
            if (before is null)
            {
                plan.RemoveAnnotation(key);
            }
            else
            {
                plan.SetAnnotation(key, before);
            }
        }

        if (reverted.Count == 0)
        {
            return AdmissionResponse.Allow(UnchangedMessage);
        }

        return AdmissionResponse.Patched(plan.Build())
            .WithWarnings(["recording annotations cannot be changed after the pod is created; reverted: " + string.Join(", ", reverted.Order(StringComparer.Ordinal))]);
    }

    private ValueTask<AdmissionResponse> DeleteAsync(AdmissionRequest request, IReadOnlyList<ProfileRecording> recordings, CancellationToken cancellationToken) =>
        PodWebhookSupport.RemoveDeletedPodAsync(request, recordings, WorkloadOwnerKind.ProfileRecording, pod => pod, o => o.Status?.ActiveWorkloads, _lookups, _bookkeeping, _options.DeleteBookkeepingFailure, UnchangedMessage, cancellationToken);

    // apimachinery's IsDNS1123Label: 1-63 of [a-z0-9-], alphanumeric at both ends.
    private static bool IsDnsLabel(string name) =>
        name.Length is > 0 and <= 63
        && char.IsAsciiLetterLower(name[0]) | char.IsAsciiDigit(name[0])
        && char.IsAsciiLetterLower(name[^1]) | char.IsAsciiDigit(name[^1])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
