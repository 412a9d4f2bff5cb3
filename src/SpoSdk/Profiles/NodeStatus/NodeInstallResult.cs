namespace SpoSdk.Profiles.NodeStatus;

/// <summary>Where installing (or removing) a profile on the node stands.</summary>
public enum NodeInstallState
{
    /// <summary>Done: the profile is in force (or, for a removal, gone).</summary>
    Done,

    /// <summary>Still going (e.g. selinuxd has not picked the policy up yet): ask again later.</summary>
    InProgress,

    /// <summary>Failed; <see cref="NodeInstallResult.Message"/> says why.</summary>
    Failed,
}

/// <summary>The outcome of installing or removing a profile on the node.</summary>
/// <param name="State">Where it stands.</param>
/// <param name="Message">Why it failed or what it waits for; empty when done.</param>
public sealed record NodeInstallResult(NodeInstallState State, string Message = "")
{
    /// <summary>Done.</summary>
    public static NodeInstallResult Done { get; } = new(NodeInstallState.Done);

    /// <summary>Still going, waiting for <paramref name="what"/>.</summary>
    public static NodeInstallResult InProgress(string what) => new(NodeInstallState.InProgress, what);

    /// <summary>The failure is the node's, not the profile's: the kernel lacks the LSM (counted as upstream's <c>…NotSupportedOnNode</c>).</summary>
    public bool NotSupportedOnNode { get; init; }

    /// <summary>Failed because the node cannot take profiles of this kind at all (<paramref name="why"/>).</summary>
    public static NodeInstallResult Unsupported(string why) => new(NodeInstallState.Failed, why) { NotSupportedOnNode = true };

    /// <summary>
    /// The node-side service that installs profiles (selinuxd) could not be reached, so the outcome is still open: the
    /// reconcile asks again later, and each such pass counts as upstream's <c>CannotContactSelinuxd</c>.
    /// </summary>
    public bool ServiceUnreachable { get; init; }

    /// <summary>Still open because the installing service could not be reached (<paramref name="why"/>).</summary>
    public static NodeInstallResult Unreachable(string why) => new(NodeInstallState.InProgress, why) { ServiceUnreachable = true };

    /// <summary>Failed because of <paramref name="why"/>.</summary>
    public static NodeInstallResult Failed(string why) => new(NodeInstallState.Failed, why);
}
