using System.Text.Json;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;

namespace SpoSdk.Profiles.Spod;

/// <summary>
/// The effective configuration of the operator's daemons, read from the SPOD object
/// (<c>SecurityProfilesOperatorDaemon</c> <c>spod</c> in the operator namespace) with upstream's
/// defaults filled in (api.md §10a, §10c). Immutable: a new SPOD gives a new instance.
/// </summary>
/// <remarks>
/// Without a SPOD object the settings are <see cref="Default"/>: what upstream's manager would
/// create (an empty spec after CRD defaulting, plus the control-plane tolerations of upstream's
/// default object), so every switch is off. Upstream's environment overrides
/// (<c>ENABLE_LOG_ENRICHER</c>, …) are not read: an SDK instance takes its configuration from the
/// SPOD or its builder, never from process-wide state. SELinux defaulting to on for a nil
/// <c>selinux.enable</c> on OpenShift is not reproduced (it is off unless set).
/// </remarks>
public sealed class SpodSettings
{
    /// <summary>The seccomp actions whose syscalls <see cref="AllowedSyscalls"/> checks when <c>allowedSeccompActions</c> is empty (runtime.md §1.4).</summary>
    public static readonly IReadOnlyList<string> PermissiveSeccompActions = ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY"];

    // Upstream's default SPOD lets the daemon run on control-plane nodes and on nodes not yet ready.
    private static readonly IReadOnlyList<DaemonToleration> DefaultTolerations =
    [
        new("node-role.kubernetes.io/master", "Exists", null, "NoSchedule"),
        new("node-role.kubernetes.io/control-plane", "Exists", null, "NoSchedule"),
        new("node.kubernetes.io/not-ready", "Exists", null, "NoExecute"),
    ];

    private readonly string _fingerprint;

    private SpodSettings(SecurityProfilesOperatorDaemon? spod)
    {
        var spec = spod?.Spec ?? new SecurityProfilesOperatorDaemonSpec();
        Exists = spod is not null;
        Uid = spod?.Metadata?.Uid;
        Generation = spod?.Metadata?.Generation ?? 0;
        _fingerprint = Exists + "|" + Uid + "|" + Generation + "|" + JsonSerializer.Serialize(spec, SpoJsonOptions.Lenient);

        SelinuxEnabled = spec.Selinux?.Enable ?? false;
        RawSelinuxProfilesEnabled = SelinuxEnabled && (spec.Selinux?.EnableRawSelinuxProfiles ?? true);
        SelinuxTypeTag = spec.Selinux?.TypeTag is { Length: > 0 } tag ? tag : "spc_t";
        AllowedSystemProfiles = SortedSet(spec.Selinux?.Options?.AllowedSystemProfiles ?? ["container"]);
        DeniedSelinuxTypes = SortedSet(spec.Selinux?.Options?.DeniedTypes);
        DeniedSelinuxClasses = SortedSet(spec.Selinux?.Options?.DeniedClasses);
        DeniedSelinuxPermissions = SortedSet(spec.Selinux?.Options?.DeniedPermissions);
        AppArmorEnabled = spec.EnableAppArmor ?? false;

        var enricher = spec.Enricher;
        LogEnricherEnabled = enricher?.EnableLogEnricher ?? false;
        LogEnricherUsesBpf = string.Equals(enricher?.LogEnricherSource?.Value, "Bpf", StringComparison.OrdinalIgnoreCase);
        LogEnricherFilters = enricher?.LogEnricherFilters is { Length: > 0 } logFilters ? logFilters : null;
        JsonEnricherEnabled = enricher?.EnableJsonEnricher ?? false;
        JsonEnricherFilters = enricher?.JsonEnricherFilters is { Length: > 0 } jsonFilters ? jsonFilters : null;
        var json = enricher?.JsonEnricherOptions;
        JsonEnricherAuditLogInterval = TimeSpan.FromSeconds(json?.AuditLogIntervalSeconds ?? 60);
        JsonEnricherAuditLogPath = json?.AuditLogPath is { Length: > 0 } path ? path : null;
        JsonEnricherAuditLogMaxSizeMegabytes = json?.AuditLogMaxSize ?? 100;
        JsonEnricherAuditLogMaxBackups = json?.AuditLogMaxBackups;
        JsonEnricherAuditLogMaxAgeDays = json?.AuditLogMaxAge;
        BpfRecorderEnabled = enricher?.EnableBpfRecorder ?? false;

        MemoryOptimizationEnabled = spec.EnableMemoryOptimization ?? false;
        ProfilingEnabled = spec.EnableProfiling ?? false;
        InsecureMetricsAccessEnabled = spec.EnableInsecureMetricsAccess ?? false;
        Verbosity = spec.Verbosity ?? 0;
        HostProcVolumePath = spec.HostProcVolumePath is { Length: > 0 } proc ? proc : "/proc";

        var security = spec.Security;
        AllowedSyscalls = SortedSet(security?.AllowedSyscalls);
        AllowedSeccompActions = (security?.AllowedSeccompActions ?? []).Select(a => a.Value ?? string.Empty).ToArray();
        OciSignatureVerificationDisabled = security?.DisableOciArtifactSignatureVerification ?? false;
        AllowedIdentityRegexp = security?.AllowedIdentityRegexp is { Length: > 0 } identity ? identity : ".*";
        AllowedOidcIssuerRegexp = security?.AllowedOidcIssuerRegexp is { Length: > 0 } issuer ? issuer : ".*";

        StaticWebhookConfig = spec.Webhook?.StaticConfig ?? false;
        Tolerations = Exists ? (spec.Scheduling?.Tolerations ?? []).Select(DaemonToleration.From).ToArray() : DefaultTolerations;
        PriorityClassName = spec.Scheduling?.PriorityClassName is { Length: > 0 } priority ? priority : "system-node-critical";
        Problems = FindProblems(spec);
    }

    /// <summary>The settings without a SPOD object: upstream's default SPOD.</summary>
    public static SpodSettings Default { get; } = new(null);

    /// <summary>Whether a SPOD object exists (false: <see cref="Default"/>).</summary>
    public bool Exists { get; }

    /// <summary>The SPOD's uid, or null without one.</summary>
    public string? Uid { get; }

    /// <summary>The SPOD's <c>metadata.generation</c> (0 without one): which configuration these settings are.</summary>
    public long Generation { get; }

    /// <summary>
    /// <c>spec.selinux.enable</c> as upstream's daemon reads it: its SelinuxProfile controller runs (default off). The
    /// embedded operator gates by <see cref="Selinux.SelinuxGate"/> instead, where calling <c>AddSelinux()</c> is
    /// the opt-in and only an explicit <c>false</c> turns it off.
    /// </summary>
    public bool SelinuxEnabled { get; }

    /// <summary>
    /// <c>spec.selinux.enableRawSelinuxProfiles</c> as upstream's daemon reads it, only with SELinux on (nil means on).
    /// The embedded operator needs an explicit <c>true</c> (<see cref="Selinux.SelinuxGate.ForRawProfiles"/>).
    /// </summary>
    public bool RawSelinuxProfilesEnabled { get; }

    /// <summary><c>spec.selinux.typeTag</c> (default <c>spc_t</c>).</summary>
    public string SelinuxTypeTag { get; }

    /// <summary><c>spec.selinux.options.allowedSystemProfiles</c>: system policies a SelinuxProfile may inherit (default <c>container</c>), sorted.</summary>
    public IReadOnlyList<string> AllowedSystemProfiles { get; }

    /// <summary><c>spec.selinux.options.deniedTypes</c>, sorted.</summary>
    public IReadOnlyList<string> DeniedSelinuxTypes { get; }

    /// <summary><c>spec.selinux.options.deniedClasses</c>, sorted.</summary>
    public IReadOnlyList<string> DeniedSelinuxClasses { get; }

    /// <summary><c>spec.selinux.options.deniedPermissions</c>, sorted.</summary>
    public IReadOnlyList<string> DeniedSelinuxPermissions { get; }

    /// <summary><c>spec.enableAppArmor</c>: the AppArmorProfile controller runs (default off).</summary>
    public bool AppArmorEnabled { get; }

    /// <summary><c>spec.enricher.enableLogEnricher</c> (default off).</summary>
    public bool LogEnricherEnabled { get; }

    /// <summary><c>spec.enricher.logEnricherSource</c> is <c>Bpf</c> (compared case-insensitively, as upstream); otherwise auditd.</summary>
    public bool LogEnricherUsesBpf { get; }

    /// <summary><c>spec.enricher.logEnricherFilters</c> (JSON text), or null.</summary>
    public string? LogEnricherFilters { get; }

    /// <summary><c>spec.enricher.enableJsonEnricher</c> (default off).</summary>
    public bool JsonEnricherEnabled { get; }

    /// <summary><c>spec.enricher.jsonEnricherFilters</c> (JSON text), or null.</summary>
    public string? JsonEnricherFilters { get; }

    /// <summary><c>jsonEnricherOptions.auditLogIntervalSeconds</c> (runtime default 60 s).</summary>
    public TimeSpan JsonEnricherAuditLogInterval { get; }

    /// <summary><c>jsonEnricherOptions.auditLogPath</c>; null means standard output.</summary>
    public string? JsonEnricherAuditLogPath { get; }

    /// <summary><c>jsonEnricherOptions.auditLogMaxSize</c> in MB (runtime default 100).</summary>
    public int JsonEnricherAuditLogMaxSizeMegabytes { get; }

    /// <summary><c>jsonEnricherOptions.auditLogMaxBackups</c>, or null for the writer's default.</summary>
    public int? JsonEnricherAuditLogMaxBackups { get; }

    /// <summary><c>jsonEnricherOptions.auditLogMaxAge</c> in days, or null for the writer's default.</summary>
    public int? JsonEnricherAuditLogMaxAgeDays { get; }

    /// <summary><c>spec.enricher.enableBpfRecorder</c> (default off).</summary>
    public bool BpfRecorderEnabled { get; }

    /// <summary>
    /// Whether the profile recorder runs: upstream passes <c>--with-recording=true</c> when the log
    /// enricher, the JSON enricher or the eBPF recorder is on (there is no field of its own).
    /// </summary>
    public bool ProfileRecordingEnabled => LogEnricherEnabled || JsonEnricherEnabled || BpfRecorderEnabled;

    /// <summary><c>spec.enableMemoryOptimization</c>: only pods labelled <c>spo.x-k8s.io/enable-recording</c> are cached.</summary>
    public bool MemoryOptimizationEnabled { get; }

    /// <summary><c>spec.enableProfiling</c>.</summary>
    public bool ProfilingEnabled { get; }

    /// <summary><c>spec.enableInsecureMetricsAccess</c>.</summary>
    public bool InsecureMetricsAccessEnabled { get; }

    /// <summary><c>spec.verbosity</c> (0 normal, 1 verbose).</summary>
    public int Verbosity { get; }

    /// <summary><c>spec.hostProcVolumePath</c> (default <c>/proc</c>).</summary>
    public string HostProcVolumePath { get; }

    /// <summary><c>spec.security.allowedSyscalls</c>, sorted and distinct; empty means no allow-list.</summary>
    public IReadOnlyList<string> AllowedSyscalls { get; }

    /// <summary><c>spec.security.allowedSeccompActions</c> as configured; empty means <see cref="PermissiveSeccompActions"/>.</summary>
    public IReadOnlyList<string> AllowedSeccompActions { get; }

    /// <summary>The actions whose syscalls the allow-list checks.</summary>
    public IReadOnlyList<string> CheckedSeccompActions => AllowedSeccompActions.Count > 0 ? AllowedSeccompActions : PermissiveSeccompActions;

    /// <summary><c>spec.security.disableOciArtifactSignatureVerification</c>.</summary>
    public bool OciSignatureVerificationDisabled { get; }

    /// <summary><c>spec.security.allowedIdentityRegexp</c> (empty means <c>.*</c>).</summary>
    public string AllowedIdentityRegexp { get; }

    /// <summary><c>spec.security.allowedOidcIssuerRegexp</c> (empty means <c>.*</c>).</summary>
    public string AllowedOidcIssuerRegexp { get; }

    /// <summary><c>spec.webhook.staticConfig</c>: the operator leaves the webhook configurations alone.</summary>
    public bool StaticWebhookConfig { get; }

    /// <summary>
    /// The daemon pods' tolerations: <c>spec.scheduling.tolerations</c> of the SPOD, or upstream's
    /// default ones (control-plane <c>NoSchedule</c>, not-ready <c>NoExecute</c>) without a SPOD.
    /// </summary>
    public IReadOnlyList<DaemonToleration> Tolerations { get; }

    /// <summary><c>spec.scheduling.priorityClassName</c> (default <c>system-node-critical</c>).</summary>
    public string PriorityClassName { get; }

    /// <summary>
    /// What makes this configuration unusable, each naming its JSON path (e.g. an allow-list action
    /// that is not permissive, filter text that does not parse); empty when it is fine. The CRD
    /// schema cannot catch these, so the SPOD's status reports them as <c>Error</c>.
    /// </summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The settings of a SPOD object, or <see cref="Default"/> for null.</summary>
    public static SpodSettings From(SecurityProfilesOperatorDaemon? spod) => spod is null ? Default : new SpodSettings(spod);

    /// <summary>Whether <paramref name="other"/> is the same configuration (same object, generation and spec).</summary>
    public bool SameAs(SpodSettings? other) => other is not null && other._fingerprint == _fingerprint;

    private static List<string> FindProblems(SecurityProfilesOperatorDaemonSpec spec)
    {
        var problems = new List<string>();
        var actions = spec.Security?.AllowedSeccompActions ?? [];
        for (var i = 0; i < actions.Count; i++)
        {
            if (!PermissiveSeccompActions.Contains(actions[i].Value ?? string.Empty, StringComparer.Ordinal))
            {
                // Upstream refuses every profile then ("seccomp action not allowed"); say so once, here.
                problems.Add("spec.security.allowedSeccompActions[" + i + "]: seccomp action not allowed: " + actions[i].Value + " (allowed: " + string.Join(", ", PermissiveSeccompActions) + ")");
            }
        }

        CheckFilters(problems, "spec.enricher.logEnricherFilters", spec.Enricher?.LogEnricherFilters);
        CheckFilters(problems, "spec.enricher.jsonEnricherFilters", spec.Enricher?.JsonEnricherFilters);
        CheckRegex(problems, "spec.security.allowedIdentityRegexp", spec.Security?.AllowedIdentityRegexp);
        CheckRegex(problems, "spec.security.allowedOidcIssuerRegexp", spec.Security?.AllowedOidcIssuerRegexp);
        return problems;
    }

    private static void CheckFilters(List<string> problems, string path, string? filters)
    {
        if (filters is { Length: > 0 } && !Audit.Filtering.AuditFilterSet.TryParse(filters, out _, out var error))
        {
            problems.Add(path + ": " + error);
        }
    }

    private static void CheckRegex(List<string> problems, string path, string? pattern)
    {
        if (pattern is not { Length: > 0 })
        {
            return;
        }

        // Upstream compiles these with Go's regexp (RE2 syntax), not .NET's: (?P<name>...) is fine, a lookahead is not.
        if (GoRegexpSyntax.Problem(pattern) is { } problem)
        {
            problems.Add(path + ": invalid regular expression: " + problem);
        }
    }

    private static string[] SortedSet(IEnumerable<string>? values) =>
        values is null ? [] : values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}
