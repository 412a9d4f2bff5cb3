using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SpoSdk.Audit.Metrics;

/// <summary>
/// The SPO daemon's counters (upstream <c>internal/pkg/daemon/metrics</c>, served at <c>/metrics-spod</c>) with
/// upstream's names and label sets, on a meter of the SDK instance's <see cref="IMeterFactory"/>.
/// </summary>
/// <remarks>
/// Labels stay bounded: executables, AppArmor <c>name</c>s, paths and pids are never labels (upstream removed
/// <c>executable</c> and <c>name</c> in #3245); operations and error reasons come from closed enums; every other
/// label value comes through a per-label table capped at <see cref="SpodMetricsOptions.MaxValuesPerLabel"/>, after
/// which new values read <see cref="SpodMetricsOptions.OverflowValue"/>; and the audit and bpf counters, whose labels
/// multiply, hold at most <see cref="SpodMetricsOptions.MaxSeriesPerCounter"/> label combinations, after which new
/// ones are counted with every label <see cref="SpodMetricsOptions.OverflowValue"/>. Upstream's label sets are kept as they
/// are, including <c>pod</c>, <c>scontext</c> and <c>tcontext</c>, which upstream keeps too. Thread-safe.
/// </remarks>
public sealed class SpodMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "SpoSdk.Spod";

    /// <summary>Seccomp profile files written (<c>update</c>) or removed (<c>delete</c>).</summary>
    public const string SeccompProfileTotal = "security_profiles_operator_seccomp_profile_total";

    /// <summary>Seccomp reconciler errors by reason.</summary>
    public const string SeccompProfileErrorTotal = "security_profiles_operator_seccomp_profile_error_total";

    /// <summary>Enriched seccomp audit lines.</summary>
    public const string SeccompProfileAuditTotal = "security_profiles_operator_seccomp_profile_audit_total";

    /// <summary>PIDs the bpf recorder resolved to a recording.</summary>
    public const string SeccompProfileBpfTotal = "security_profiles_operator_seccomp_profile_bpf_total";

    /// <summary>SELinux policies installed (<c>update</c>) or removed (<c>delete</c>).</summary>
    public const string SelinuxProfileTotal = "security_profiles_operator_selinux_profile_total";

    /// <summary>SELinux reconciler errors by reason.</summary>
    public const string SelinuxProfileErrorTotal = "security_profiles_operator_selinux_profile_error_total";

    /// <summary>Enriched SELinux AVC lines.</summary>
    public const string SelinuxProfileAuditTotal = "security_profiles_operator_selinux_profile_audit_total";

    /// <summary>AppArmor profiles loaded (<c>update</c>) or unloaded (<c>delete</c>).</summary>
    public const string AppArmorProfileTotal = "security_profiles_operator_apparmor_profile_total";

    /// <summary>AppArmor reconciler errors by profile and reason.</summary>
    public const string AppArmorProfileErrorTotal = "security_profiles_operator_apparmor_profile_error_total";

    /// <summary>Enriched AppArmor audit lines.</summary>
    public const string AppArmorProfileAuditTotal = "security_profiles_operator_apparmor_profile_audit_total";

    /// <summary>Enriched AppArmor lines whose verdict is <c>DENIED</c>.</summary>
    public const string AppArmorProfileDenialTotal = "security_profiles_operator_apparmor_profile_denial_total";

    private readonly Counter<long> _seccompProfile;
    private readonly Counter<long> _seccompError;
    private readonly Counter<long> _seccompAudit;
    private readonly Counter<long> _seccompBpf;
    private readonly Counter<long> _selinuxProfile;
    private readonly Counter<long> _selinuxError;
    private readonly Counter<long> _selinuxAudit;
    private readonly Counter<long> _appArmorProfile;
    private readonly Counter<long> _appArmorError;
    private readonly Counter<long> _appArmorAudit;
    private readonly Counter<long> _appArmorDenial;
    private readonly BoundedLabelValues _nodes;
    private readonly BoundedLabelValues _namespaces;
    private readonly BoundedLabelValues _pods;
    private readonly BoundedLabelValues _containers;
    private readonly BoundedLabelValues _syscalls;

    // One table per label: values of a high-cardinality label (recording tokens carry a nonce, scontext an MCS pair
    // per pod) must not use up the room of another label's few, useful values.
    private readonly BoundedLabelValues _scontexts;
    private readonly BoundedLabelValues _tcontexts;
    private readonly BoundedLabelValues _appArmorProfiles;
    private readonly BoundedLabelValues _bpfProfiles;
    private readonly BoundedLabelValues _operations;
    private readonly BoundedLabelValues _verdicts;
    private readonly BoundedLabelValues _mountNamespaces;

    // One table per counter whose labels multiply: the series it has, capped.
    private readonly BoundedLabelCombinations _seccompAuditSeries;
    private readonly BoundedLabelCombinations _seccompBpfSeries;
    private readonly BoundedLabelCombinations _selinuxAuditSeries;
    private readonly BoundedLabelCombinations _appArmorAuditSeries;
    private readonly BoundedLabelCombinations _appArmorDenialSeries;

    /// <summary>Creates the counters on the meter <see cref="MeterName"/> of <paramref name="meterFactory"/>.</summary>
    public SpodMetrics(IMeterFactory meterFactory, SpodMetricsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        options ??= new SpodMetricsOptions();
        var max = options.MaxValuesPerLabel;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(SpodMetricsOptions.MaxValuesPerLabel));
        var maxSeries = options.MaxSeriesPerCounter;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSeries, nameof(SpodMetricsOptions.MaxSeriesPerCounter));
        Meter = meterFactory.Create(MeterName);
        _seccompProfile = Meter.CreateCounter<long>(SeccompProfileTotal, description: "Counter about seccomp profile operations.");
        _seccompError = Meter.CreateCounter<long>(SeccompProfileErrorTotal, description: "Counter about seccomp profile errors.");
        _seccompAudit = Meter.CreateCounter<long>(SeccompProfileAuditTotal, description: "Counter about seccomp profile audits, requires the log enricher to be enabled.");
        _seccompBpf = Meter.CreateCounter<long>(SeccompProfileBpfTotal, description: "Counter about seccomp profile bpf events, requires the bpf recorder to be enabled.");
        _selinuxProfile = Meter.CreateCounter<long>(SelinuxProfileTotal, description: "Counter about selinux profile operations.");
        _selinuxError = Meter.CreateCounter<long>(SelinuxProfileErrorTotal, description: "Counter about selinux profile errors.");
        _selinuxAudit = Meter.CreateCounter<long>(SelinuxProfileAuditTotal, description: "Counter about selinux profile audits, requires the log enricher to be enabled.");
        _appArmorProfile = Meter.CreateCounter<long>(AppArmorProfileTotal, description: "Counter about apparmor profile operations.");
        _appArmorError = Meter.CreateCounter<long>(AppArmorProfileErrorTotal, description: "Counter about apparmor profile errors.");
        _appArmorAudit = Meter.CreateCounter<long>(AppArmorProfileAuditTotal, description: "Counter about apparmor profile audits, requires the log enricher to be enabled.");
        _appArmorDenial = Meter.CreateCounter<long>(AppArmorProfileDenialTotal, description: "Counter about apparmor profile denials, requires the log enricher to be enabled.");
        _nodes = new BoundedLabelValues(max);
        _namespaces = new BoundedLabelValues(max);
        _pods = new BoundedLabelValues(max);
        _containers = new BoundedLabelValues(max);
        _syscalls = new BoundedLabelValues(max);
        _scontexts = new BoundedLabelValues(max);
        _tcontexts = new BoundedLabelValues(max);
        _appArmorProfiles = new BoundedLabelValues(max);
        _bpfProfiles = new BoundedLabelValues(max);
        _operations = new BoundedLabelValues(max);
        _verdicts = new BoundedLabelValues(max);
        _mountNamespaces = new BoundedLabelValues(max);
        _seccompAuditSeries = new BoundedLabelCombinations(maxSeries);
        _seccompBpfSeries = new BoundedLabelCombinations(maxSeries);
        _selinuxAuditSeries = new BoundedLabelCombinations(maxSeries);
        _appArmorAuditSeries = new BoundedLabelCombinations(maxSeries);
        _appArmorDenialSeries = new BoundedLabelCombinations(maxSeries);
    }

    /// <summary>The meter holding the counters (owned by the factory).</summary>
    public Meter Meter { get; }

    /// <summary>A seccomp profile file was written or removed.</summary>
    public void SeccompProfileChanged(ProfileOperation operation) => _seccompProfile.Add(1, Tag("operation", OperationName(operation)));

    /// <summary>The seccomp reconciler failed.</summary>
    public void SeccompProfileFailed(SeccompProfileErrorReason reason) => _seccompError.Add(1, Tag("reason", ReasonName(reason)));

    /// <summary>A SELinux policy was installed or removed.</summary>
    public void SelinuxProfileChanged(ProfileOperation operation) => _selinuxProfile.Add(1, Tag("operation", OperationName(operation)));

    /// <summary>The SELinux reconciler failed.</summary>
    public void SelinuxProfileFailed(SelinuxProfileErrorReason reason) => _selinuxError.Add(1, Tag("reason", ReasonName(reason)));

    /// <summary>An AppArmor profile was loaded or unloaded.</summary>
    public void AppArmorProfileChanged(ProfileOperation operation) => _appArmorProfile.Add(1, Tag("operation", OperationName(operation)));

    /// <summary>The AppArmor reconciler failed on <paramref name="profile"/>.</summary>
    public void AppArmorProfileFailed(string profile, AppArmorProfileErrorReason reason)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _appArmorError.Add(1, Tag("profile", _appArmorProfiles.Get(profile)), Tag("reason", ReasonName(reason)));
    }

    /// <summary>The bpf recorder resolved a new PID in <paramref name="mountNamespace"/> to the recording <paramref name="profile"/>.</summary>
    public void SeccompBpfResolved(string node, uint mountNamespace, string profile)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(profile);
        Span<char> digits = stackalloc char[10];
        mountNamespace.TryFormat(digits, out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
        var tags = Series(
            _seccompBpfSeries,
            Tag("node", _nodes.Get(node)),
            Tag("mount_namespace", _mountNamespaces.Get(digits[..written])),
            Tag("profile", _bpfProfiles.Get(profile)));
        _seccompBpf.Add(1, in tags);
    }

    /// <summary>
    /// Counts an enriched audit event on its type's audit counter (and an AppArmor denial on the denial counter).
    /// Seccomp events without a known syscall name are not counted, as upstream skips those lines. Executable,
    /// comm, name, path and pid never become labels. Returns whether the event was counted.
    /// </summary>
    public bool RecordAudit(in AuditEvent auditEvent, AuditEnrichment? enrichment)
    {
        var node = Tag("node", _nodes.Get(enrichment?.NodeName));
        var @namespace = Tag("namespace", _namespaces.Get(enrichment?.Namespace));
        var pod = Tag("pod", _pods.Get(enrichment?.PodName));
        var container = Tag("container", _containers.Get(enrichment?.ContainerName));
        switch (auditEvent.Type)
        {
            case AuditEventType.Seccomp when auditEvent.SyscallName is { } syscall:
                var seccomp = Series(_seccompAuditSeries, node, @namespace, pod, container, Tag("syscall", _syscalls.Get(syscall)));
                _seccompAudit.Add(1, in seccomp);
                return true;
            case AuditEventType.Selinux:
                var selinux = Series(
                    _selinuxAuditSeries,
                    node,
                    @namespace,
                    pod,
                    container,
                    Tag("scontext", _scontexts.Get(auditEvent.Scontext.Span)),
                    Tag("tcontext", _tcontexts.Get(auditEvent.Tcontext.Span)));
                _selinuxAudit.Add(1, in selinux);
                return true;
            case AuditEventType.AppArmor:
                var profile = Tag("profile", _appArmorProfiles.Get(auditEvent.Profile.Span));
                var operation = Tag("operation", _operations.Get(auditEvent.Operation.Span));
                var appArmor = Series(_appArmorAuditSeries, node, @namespace, pod, container, profile, operation, Tag("apparmor", _verdicts.Get(auditEvent.Apparmor.Span)));
                _appArmorAudit.Add(1, in appArmor);
                if (auditEvent.Apparmor.Equals("DENIED"))
                {
                    var denial = Series(_appArmorDenialSeries, profile, operation);
                    _appArmorDenial.Add(1, in denial);
                }

                return true;
            default:
                return false;
        }
    }

    // The labels as they are while the counter has room for their combination; past its cap, every one reads overflow.
    private static TagList Series(BoundedLabelCombinations series, params ReadOnlySpan<KeyValuePair<string, object?>> labels)
    {
        if (series.Admit(labels))
        {
            return new TagList(labels);
        }

        var overflow = default(TagList);
        foreach (var label in labels)
        {
            overflow.Add(label.Key, SpodMetricsOptions.OverflowValue);
        }

        return overflow;
    }

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);

    private static string OperationName(ProfileOperation operation) => operation switch
    {
        ProfileOperation.Update => "update",
        ProfileOperation.Delete => "delete",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Not a profile operation."),
    };

    private static string ReasonName<TReason>(TReason reason)
        where TReason : struct, Enum =>
        Enum.IsDefined(reason) ? reason.ToString() : throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a known error reason.");
}
