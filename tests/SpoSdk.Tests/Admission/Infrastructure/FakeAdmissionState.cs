using SpoSdk.Admission.State;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;

namespace SpoSdk.Tests.Admission.Infrastructure;

/// <summary>
/// Lookups and bookkeeping for tests, with the failures upstream's mocks inject (list errors, Get
/// errors, status update failures) and a record of every write.
/// </summary>
internal sealed class FakeAdmissionState : IAdmissionLookups, IWorkloadBookkeeping
{
    private readonly object _gate = new();

    public List<ProfileBinding> Bindings { get; } = [];

    public List<ProfileRecording> Recordings { get; } = [];

    public Dictionary<(ProfileBindingProfileKind Kind, string Name), BindableProfile> Profiles { get; } = [];

    /// <summary>When set, answers profile lookups (the attempt number is 1-based).</summary>
    public Func<ProfileBindingProfileKind, string, int, BindableProfile?>? ProfileSource { get; set; }

    public Exception? ListError { get; set; }

    public Exception? ProfileError { get; set; }

    public Exception? AddError { get; set; }

    public Exception? RemoveError { get; set; }

    /// <summary>Fails the pod and namespace lookups (pods list forbidden, a timeout).</summary>
    public Exception? LookupError { get; set; }

    public HashSet<(string Namespace, string GenerateName, string Name)> LivePods { get; } = [];

    public Dictionary<string, Dictionary<string, string>> NamespaceLabels { get; } = [];

    public List<(WorkloadOwnerKind Kind, ObjectKey Owner, string Workload)> Added { get; } = [];

    public List<(WorkloadOwnerKind Kind, ObjectKey Owner, string[] Workloads)> Removed { get; } = [];

    public List<(ObjectKey Owner, string Reason, string Message)> Events { get; } = [];

    public int ProfileLookups { get; private set; }

    public void AddProfile(ProfileBindingProfileKind kind, string name, bool hasStatus = true, string? localhostProfile = null, string? usage = null) =>
        Profiles[(kind, name)] = new BindableProfile(kind, name, hasStatus, localhostProfile, usage);

    public ValueTask<IReadOnlyList<ProfileBinding>> ListProfileBindingsAsync(string @namespace, CancellationToken cancellationToken) =>
        ListError is { } error ? ValueTask.FromException<IReadOnlyList<ProfileBinding>>(error)
        : ValueTask.FromResult<IReadOnlyList<ProfileBinding>>(Bindings.Where(b => b.Metadata.NamespaceProperty == @namespace).OrderBy(b => b.Metadata.Name, StringComparer.Ordinal).ToList());

    public ValueTask<IReadOnlyList<ProfileRecording>> ListProfileRecordingsAsync(string @namespace, CancellationToken cancellationToken) =>
        ListError is { } error ? ValueTask.FromException<IReadOnlyList<ProfileRecording>>(error)
        : ValueTask.FromResult<IReadOnlyList<ProfileRecording>>(Recordings.Where(r => r.Metadata.NamespaceProperty == @namespace).OrderBy(r => r.Metadata.Name, StringComparer.Ordinal).ToList());

    public ValueTask<BindableProfile?> GetProfileAsync(ProfileBindingProfileKind kind, string name, CancellationToken cancellationToken)
    {
        int attempt;
        lock (_gate)
        {
            attempt = ++ProfileLookups;
        }

        if (ProfileError is { } error)
        {
            return ValueTask.FromException<BindableProfile?>(error);
        }

        return ValueTask.FromResult(ProfileSource is { } source ? source(kind, name, attempt) : Profiles.GetValueOrDefault((kind, name)));
    }

    public ValueTask<bool> HasOtherLivePodsAsync(string @namespace, string generateName, string excludingName, CancellationToken cancellationToken) =>
        LookupError is { } error ? ValueTask.FromException<bool>(error)
        : ValueTask.FromResult(LivePods.Any(p => p.Namespace == @namespace && p.GenerateName == generateName && p.Name != excludingName));

    public ValueTask<IReadOnlyDictionary<string, string>?> GetNamespaceLabelsAsync(string @namespace, CancellationToken cancellationToken) =>
        LookupError is { } error ? ValueTask.FromException<IReadOnlyDictionary<string, string>?>(error)
        : ValueTask.FromResult<IReadOnlyDictionary<string, string>?>(NamespaceLabels.GetValueOrDefault(@namespace));

    public ValueTask AddWorkloadAsync(WorkloadOwnerKind kind, ObjectKey owner, string workload, CancellationToken cancellationToken)
    {
        if (AddError is { } error)
        {
            return ValueTask.FromException(error);
        }

        lock (_gate)
        {
            Added.Add((kind, owner, workload));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveWorkloadsAsync(WorkloadOwnerKind kind, ObjectKey owner, IReadOnlyCollection<string> workloads, CancellationToken cancellationToken)
    {
        if (RemoveError is { } error)
        {
            return ValueTask.FromException(error);
        }

        lock (_gate)
        {
            Removed.Add((kind, owner, workloads.ToArray()));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask WarnAsync(WorkloadOwnerKind kind, ObjectKey owner, string reason, string message, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Events.Add((owner, reason, message));
        }

        return ValueTask.CompletedTask;
    }
}
