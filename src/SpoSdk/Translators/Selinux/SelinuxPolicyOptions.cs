using SpoSdk.Api.V1;

namespace SpoSdk.Translators.Selinux;

/// <summary>
/// The operator's SELinux policy for SelinuxProfiles: which system templates may be inherited and
/// which types, classes and permissions no profile may allow (SPOD <c>spec.selinux.options</c>).
/// </summary>
public sealed record SelinuxPolicyOptions
{
    /// <summary>Types no profile may allow, whatever the options say: <c>kernel_t kmem_t security_t shadow_t</c>.</summary>
    public static IReadOnlyList<string> BuiltInDeniedTypes { get; } = ["kernel_t", "kmem_t", "security_t", "shadow_t"];

    /// <summary>Classes denied by default: <c>capability capability2 security system</c>.</summary>
    public static IReadOnlyList<string> BuiltInDeniedClasses { get; } = ["capability", "capability2", "security", "system"];

    /// <summary>Permissions denied by default: <c>load_policy mac_admin mounton relabelto relabelfrom setbool setenforce setsecparam</c>.</summary>
    public static IReadOnlyList<string> BuiltInDeniedPermissions { get; } = ["load_policy", "mac_admin", "mounton", "relabelto", "relabelfrom", "setbool", "setenforce", "setsecparam"];

    /// <summary>The default options: inherit <c>container</c> only, the built-in deny lists.</summary>
    public static SelinuxPolicyOptions Default { get; } = new();

    /// <summary>
    /// The system templates (policies already installed on the node) a profile may inherit; the
    /// CRD default is <c>["container"]</c>.
    /// </summary>
    public IReadOnlyList<string> AllowedSystemProfiles { get; init; } = ["container"];

    /// <summary>Types denied in addition to <see cref="BuiltInDeniedTypes"/> (SPOD <c>deniedTypes</c>).</summary>
    public IReadOnlyList<string> DeniedTypes { get; init; } = [];

    /// <summary>Classes denied in addition to <see cref="BuiltInDeniedClasses"/> (SPOD <c>deniedClasses</c>).</summary>
    public IReadOnlyList<string> DeniedClasses { get; init; } = [];

    /// <summary>Permissions denied in addition to <see cref="BuiltInDeniedPermissions"/> (SPOD <c>deniedPermissions</c>).</summary>
    public IReadOnlyList<string> DeniedPermissions { get; init; } = [];

    /// <summary>
    /// Built-in denied types to allow after all. Upstream added this after v1.0.0 (SPOD <c>allowedTypes</c>);
    /// the v1 API this SDK serves has no such field, so only code sets it. An entry that is also in
    /// <see cref="DeniedTypes"/> stays denied.
    /// </summary>
    public IReadOnlyList<string> AllowedTypes { get; init; } = [];

    /// <summary>Built-in denied classes to allow after all (see <see cref="AllowedTypes"/>).</summary>
    public IReadOnlyList<string> AllowedClasses { get; init; } = [];

    /// <summary>Built-in denied permissions to allow after all (see <see cref="AllowedTypes"/>).</summary>
    public IReadOnlyList<string> AllowedPermissions { get; init; } = [];

    /// <summary>
    /// The options of a SPOD object. Without <c>selinux.options.allowedSystemProfiles</c> (the v1
    /// CRD gives <c>options</c> no default at v1.0.0), the CRD default <c>["container"]</c> applies, as
    /// it does for the operator's own default SPOD.
    /// </summary>
    public static SelinuxPolicyOptions FromSpod(SecurityProfilesOperatorDaemon? spod)
    {
        var options = spod?.Spec?.Selinux?.Options;
        if (options is null)
        {
            return Default;
        }

        return new SelinuxPolicyOptions
        {
            AllowedSystemProfiles = Copy(options.AllowedSystemProfiles) ?? Default.AllowedSystemProfiles,
            DeniedTypes = Copy(options.DeniedTypes) ?? [],
            DeniedClasses = Copy(options.DeniedClasses) ?? [],
            DeniedPermissions = Copy(options.DeniedPermissions) ?? [],
        };
    }

    // A snapshot, so that later edits of the SPOD object cannot change options already in use.
    private static string[]? Copy(IList<string>? values) => values?.Where(v => v is not null).ToArray();
}
