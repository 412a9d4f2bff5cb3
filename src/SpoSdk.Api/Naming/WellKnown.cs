namespace SpoSdk.Api.Naming;

/// <summary>The labels SPO puts on objects, with upstream's exact keys.</summary>
public static class SpoLabels
{
    /// <summary>On a profile and its node statuses: the kind-qualified, DNS-length profile id (<see cref="ProfileNames.ProfileId"/>).</summary>
    public const string ProfileId = "spo.x-k8s.io/profile-id";

    /// <summary>On a node status: the node.</summary>
    public const string NodeName = "spo.x-k8s.io/node-name";

    /// <summary>On a node status: its state, mirroring <c>status.status</c>.</summary>
    public const string ProfileState = "spo.x-k8s.io/profile-state";

    /// <summary>On a node status: the profile's kind.</summary>
    public const string ProfileKind = "spo.x-k8s.io/profile-kind";

    /// <summary>On a recorded per-container profile awaiting merge.</summary>
    public const string Partial = "spo.x-k8s.io/partial";

    /// <summary>On recorded and merged profiles: the ProfileRecording's name.</summary>
    public const string RecordingId = "spo.x-k8s.io/recording-id";

    /// <summary>On recorded and merged profiles: the ProfileRecording's namespace (profiles are cluster-scoped).</summary>
    public const string RecordingNamespace = "spo.x-k8s.io/recording-namespace";

    /// <summary>On recorded profiles: the container name.</summary>
    public const string ContainerId = "spo.x-k8s.io/container-id";

    /// <summary>On namespaces (and, with memory optimisation, pods): opt in to recording.</summary>
    public const string EnableRecording = "spo.x-k8s.io/enable-recording";

    /// <summary>On namespaces: opt in to binding.</summary>
    public const string EnableBinding = "spo.x-k8s.io/enable-binding";
}

/// <summary>The annotations SPO writes.</summary>
public static class SpoAnnotations
{
    /// <summary>On a SeccompProfile: the JSON array of its fully merged syscall rules.</summary>
    public const string Syscalls = "syscalls";
}

/// <summary>The finalizers SPO uses.</summary>
public static class SpoFinalizers
{
    /// <summary>On a partial profile, instead of the per-node finalizer.</summary>
    public const string PartialProfile = "spo.x-k8s.io/partial-profile-finalizer";

    /// <summary>On seccomp and SELinux profiles while pods use them.</summary>
    public const string InUseByActivePods = "in-use-by-active-pods";

    /// <summary>On a ProfileBinding while it has active workloads.</summary>
    public const string ActiveWorkloadLock = "active-workload-lock";

    /// <summary>On a ProfileRecording while a matching pod exists.</summary>
    public const string ActiveRecordingLock = "active-seccomp-profile-recording-lock";

    /// <summary>On a ProfileRecording while partial profiles await merge.</summary>
    public const string HasUnmergedProfiles = "spo.x-k8s.io/has-unmerged-profiles";
}
