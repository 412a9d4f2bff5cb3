using SpoSdk.Api.V1;

namespace SpoSdk.Tests.Translators.AppArmor;

/// <summary>Inputs shared by the generator and the apparmor_parser tests: upstream's vectors and the spec sample.</summary>
internal static class AppArmorVectors
{
    /// <summary>Which list of the abstract a vector fills.</summary>
    public enum Field
    {
        None,
        ReadOnly,
        Executable,
        Library,
        Capability,
    }

    /// <summary>
    /// crd2armor_test.go TestGenerateProfile, G1..G30: id, profile name, list, its values, whether
    /// upstream accepts it, and the index of the value that must be reported.
    /// </summary>
    public static IReadOnlyList<(string Id, string Name, Field Field, string[] Values, bool Ok, int BadIndex)> Upstream { get; } =
    [
        ("G1", "EnforceModeWithDeny", Field.ReadOnly, ["/etc/passwd"], true, -1),
        ("G2", "ComplainModeWithoutDeny", Field.ReadOnly, ["/etc/passwd"], true, -1),
        ("G3", "my-app_profile.v1", Field.None, [], true, -1),
        ("G4", "/path/to/my/profile", Field.None, [], true, -1),
        ("G5", "my profile", Field.None, [], false, -1),
        ("G6", "profile\n  audit network inet,", Field.None, [], false, -1),
        ("G7", string.Empty, Field.ReadOnly, ["/usr/bin/nginx"], true, -1),
        ("G8", string.Empty, Field.ReadOnly, ["/proc/@{pid}/cgroup", "/@{HOME}/.bashrc"], true, -1),
        ("G9", string.Empty, Field.ReadOnly, ["/var/log/**", "/etc/nginx/conf.d/*.conf", "/lib/tls/i686/cmov/lib*.so?"], true, -1),
        ("G10", string.Empty, Field.ReadOnly, ["/opt/my-app/v1.2+3/run_app", "/My Documents/test file"], true, -1),
        ("G11", string.Empty, Field.ReadOnly, ["/"], true, -1),
        ("G12", string.Empty, Field.ReadOnly, ["/"], true, -1),
        ("G13", string.Empty, Field.ReadOnly, ["ptrace (read),", "ptrace (trace), # ugly template injection hack"], true, -1),
        ("G14", string.Empty, Field.ReadOnly, ["ptrace (read) /etc/shadow r,"], false, 0),
        ("G15", string.Empty, Field.ReadOnly, ["usr/bin/nginx"], false, 0),
        ("G16", string.Empty, Field.ReadOnly, ["/usr/bin/nginx\" - r,"], false, 0),
        ("G17", string.Empty, Field.ReadOnly, ["/usr/bin/$(whoami)"], false, 0),
        ("G18", string.Empty, Field.ReadOnly, ["/usr/bin/nginx, /etc/passwd"], false, 0),
        ("G19", string.Empty, Field.ReadOnly, ["/usr/bin/nginx ; rm -rf /"], false, 0),
        ("G20", string.Empty, Field.Executable, ["/usr/bin/nginx"], true, -1),
        ("G21", string.Empty, Field.Library, ["/lib/x86_64-linux-gnu/**"], true, -1),
        ("G22", string.Empty, Field.Executable, ["usr/bin/app"], false, 0),
        ("G23", string.Empty, Field.Executable, ["/var/log/app.log\n  audit network inet,"], false, 0),
        ("G24", string.Empty, Field.Library, ["/var/log/\"app\".log"], false, 0),
        ("G25", string.Empty, Field.Executable, ["/usr/bin/../etc/shadow"], false, 0),
        ("G26", string.Empty, Field.Capability, ["chown"], true, -1),
        ("G27", string.Empty, Field.Capability, ["DAC_OVERRIDE"], true, -1),
        ("G28", string.Empty, Field.Capability, ["CAP_CHOWN"], false, 0),
        ("G29", string.Empty, Field.Capability, ["chown, net_admin"], false, 0),
        ("G30", string.Empty, Field.Capability, ["audit"], false, 0),
    ];

    /// <summary>The JSON path of a field's list.</summary>
    public static string PathOf(Field field) => field switch
    {
        Field.ReadOnly => "$.spec.abstract.filesystem.readOnlyPaths",
        Field.Executable => "$.spec.abstract.executable.allowedExecutables",
        Field.Library => "$.spec.abstract.executable.allowedLibraries",
        Field.Capability => "$.spec.abstract.capability.allowedCapabilities",
        _ => "$.metadata.name",
    };

    /// <summary>An abstract holding <paramref name="values"/> in <paramref name="field"/>.</summary>
    public static AppArmorProfileAbstract AbstractWith(Field field, IList<string> values) => field switch
    {
        Field.ReadOnly => new() { Filesystem = new() { ReadOnlyPaths = values } },
        Field.Executable => new() { Executable = new() { AllowedExecutables = values } },
        Field.Library => new() { Executable = new() { AllowedLibraries = values } },
        Field.Capability => new() { Capability = new() { AllowedCapabilities = values } },
        _ => new(),
    };

    /// <summary>runtime.md §3.4: the nginx abstract.</summary>
    public static AppArmorProfileAbstract Nginx() => new()
    {
        Executable = new() { AllowedExecutables = ["/usr/sbin/nginx"], AllowedLibraries = ["/usr/lib/nginx/modules/*.so"] },
        Filesystem = new() { ReadOnlyPaths = ["/etc/nginx/**"], WriteOnlyPaths = ["/var/log/nginx/*"], ReadWritePaths = ["/run/nginx.pid", "/var/cache/nginx/**"] },
        Network = new() { AllowRaw = false, AllowedProtocols = new() { AllowTcp = true } },
        Capability = new() { AllowedCapabilities = ["net_bind_service", "setgid", "setuid"] },
    };

    /// <summary>runtime.md §3.4 verbatim: what upstream generates for <see cref="Nginx"/> as <c>nginx-profile</c>, enforce.</summary>
    public static string NginxEnforce { get; } = Lines(
        string.Empty,
        "# Generated by https://github.com/kubernetes-sigs/security-profiles-operator, do not edit by hand.",
        "#include <tunables/global>",
        "profile nginx-profile flags=(enforce,attach_disconnected,mediate_deleted) {",
        "  #include <abstractions/base>",
        string.Empty,
        "  # Executable rules",
        string.Empty,
        "  /usr/sbin/nginx ixr,",
        string.Empty,
        string.Empty,
        "  /usr/lib/nginx/modules/*.so mr,",
        string.Empty,
        "  ",
        string.Empty,
        "  # Filesystem rules",
        string.Empty,
        "  /etc/nginx/** r,",
        string.Empty,
        "  deny /etc/nginx/** wlk,",
        string.Empty,
        string.Empty,
        "  /var/log/nginx/* wlk,",
        string.Empty,
        "  deny /var/log/nginx/* r,",
        string.Empty,
        string.Empty,
        "  /run/nginx.pid rwlk,",
        "  /var/cache/nginx/** rwlk,",
        string.Empty,
        string.Empty,
        "  # Network rules",
        string.Empty,
        "  deny network raw,",
        string.Empty,
        string.Empty,
        "  network tcp,",
        string.Empty,
        string.Empty,
        string.Empty,
        "  # Capabilities rules",
        "  capability net_bind_service,",
        "  capability setgid,",
        "  capability setuid,",
        string.Empty,
        string.Empty,
        "  ",
        string.Empty,
        "  # Raw rules placeholder",
        string.Empty,
        "  # Add default deny for known information leak/priv esc paths",
        string.Empty,
        "  deny @{PROC}/* w,   # deny write for all files directly in /proc (not in a subdir)",
        "  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9]*}/** w,",
        "  deny @{PROC}/sys/[^k]** w,  # deny /proc/sys except /proc/sys/k* (effectively /proc/sys/kernel)",
        "  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,  # deny everything except shm* in /proc/sys/kernel/",
        "  deny @{PROC}/sysrq-trigger rwklx,",
        "  deny @{PROC}/mem rwklx,",
        "  deny @{PROC}/kmem rwklx,",
        "  deny @{PROC}/kcore rwklx,",
        "  deny /sys/firmware/efi/efivars/** rwklx,",
        string.Empty,
        "}");

    /// <summary>
    /// The same in complain mode, as runtime.md §3.4 describes it: complain flag, no path denies, no
    /// <c>deny network raw,</c>, no /proc block (its leading blank line stays).
    /// </summary>
    public static string NginxComplain { get; } = Lines(
        string.Empty,
        "# Generated by https://github.com/kubernetes-sigs/security-profiles-operator, do not edit by hand.",
        "#include <tunables/global>",
        "profile nginx-profile flags=(complain,attach_disconnected,mediate_deleted) {",
        "  #include <abstractions/base>",
        string.Empty,
        "  # Executable rules",
        string.Empty,
        "  /usr/sbin/nginx ixr,",
        string.Empty,
        string.Empty,
        "  /usr/lib/nginx/modules/*.so mr,",
        string.Empty,
        "  ",
        string.Empty,
        "  # Filesystem rules",
        string.Empty,
        "  /etc/nginx/** r,",
        string.Empty,
        string.Empty,
        string.Empty,
        "  /var/log/nginx/* wlk,",
        string.Empty,
        string.Empty,
        string.Empty,
        "  /run/nginx.pid rwlk,",
        "  /var/cache/nginx/** rwlk,",
        string.Empty,
        string.Empty,
        "  # Network rules",
        string.Empty,
        string.Empty,
        string.Empty,
        string.Empty,
        "  network tcp,",
        string.Empty,
        string.Empty,
        string.Empty,
        "  # Capabilities rules",
        "  capability net_bind_service,",
        "  capability setgid,",
        "  capability setuid,",
        string.Empty,
        string.Empty,
        "  ",
        string.Empty,
        "  # Raw rules placeholder",
        string.Empty,
        "  # Add default deny for known information leak/priv esc paths",
        string.Empty,
        "}");

    private static string Lines(params string[] lines) => string.Join('\n', lines) + "\n";
}
