namespace SpoSdk.Audit.Metrics;

/// <summary>The <c>operation</c> label of the profile counters.</summary>
public enum ProfileOperation
{
    /// <summary><c>update</c>: profile content written or installed.</summary>
    Update,

    /// <summary><c>delete</c>: profile removed or unloaded.</summary>
    Delete,
}

/// <summary>The <c>reason</c> label of <c>security_profiles_operator_seccomp_profile_error_total</c>.</summary>
public enum SeccompProfileErrorReason
{
    /// <summary><c>SeccompNotSupportedOnNode</c>.</summary>
    SeccompNotSupportedOnNode,

    /// <summary><c>InvalidSeccompProfile</c>.</summary>
    InvalidSeccompProfile,

    /// <summary><c>CannotPullSeccompProfile</c>.</summary>
    CannotPullSeccompProfile,

    /// <summary><c>CannotSaveSeccompProfile</c>.</summary>
    CannotSaveSeccompProfile,

    /// <summary><c>ProfileNotAllowed</c>.</summary>
    ProfileNotAllowed,

    /// <summary><c>CannotUpdateNodeStatus</c>.</summary>
    CannotUpdateNodeStatus,

    /// <summary><c>CannotUpdateSeccompProfile</c>.</summary>
    CannotUpdateSeccompProfile,

    /// <summary><c>CannotRemoveSeccompProfile</c>.</summary>
    CannotRemoveSeccompProfile,
}

/// <summary>The <c>reason</c> label of <c>security_profiles_operator_selinux_profile_error_total</c>.</summary>
public enum SelinuxProfileErrorReason
{
    /// <summary><c>CannotContactSelinuxd</c>.</summary>
    CannotContactSelinuxd,

    /// <summary><c>CannotSaveSelinuxPolicy</c>.</summary>
    CannotSaveSelinuxPolicy,

    /// <summary><c>CannotWritePolicyFile</c>.</summary>
    CannotWritePolicyFile,

    /// <summary><c>CannotGetPolicyStatus</c>.</summary>
    CannotGetPolicyStatus,

    /// <summary><c>CannotUpdatePolicyStatus</c>.</summary>
    CannotUpdatePolicyStatus,

    /// <summary><c>CannotRemoveSelinuxPolicy</c>.</summary>
    CannotRemoveSelinuxPolicy,
}

/// <summary>The <c>reason</c> label of <c>security_profiles_operator_apparmor_profile_error_total</c>.</summary>
public enum AppArmorProfileErrorReason
{
    /// <summary><c>AppArmorNotSupportedOnNode</c>.</summary>
    AppArmorNotSupportedOnNode,

    /// <summary><c>CannotLoadAppArmorProfile</c>.</summary>
    CannotLoadAppArmorProfile,

    /// <summary><c>CannotUpdateNodeStatus</c>.</summary>
    CannotUpdateNodeStatus,

    /// <summary><c>CannotUpdateAppArmorProfile</c>.</summary>
    CannotUpdateAppArmorProfile,

    /// <summary><c>CannotUnloadAppArmorProfile</c>.</summary>
    CannotUnloadAppArmorProfile,
}
