using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Tests.Profiles.Spod;

/// <summary>Effective SPOD settings: upstream's defaults, derived switches, configuration problems and change notification.</summary>
public sealed class SpodSettingsTests
{
    private const string OperatorNamespace = "security-profiles-operator";

    [Fact]
    public void Without_a_spod_the_settings_are_upstreams_default_spod()
    {
        var settings = SpodSettings.Default;

        Assert.False(settings.Exists);
        Assert.Equal(0, settings.Generation);
        Assert.False(settings.SelinuxEnabled);
        Assert.False(settings.RawSelinuxProfilesEnabled);
        Assert.False(settings.AppArmorEnabled);
        Assert.False(settings.LogEnricherEnabled);
        Assert.False(settings.LogEnricherUsesBpf);
        Assert.False(settings.JsonEnricherEnabled);
        Assert.False(settings.BpfRecorderEnabled);
        Assert.False(settings.ProfileRecordingEnabled);
        Assert.False(settings.MemoryOptimizationEnabled);
        Assert.False(settings.OciSignatureVerificationDisabled);
        Assert.False(settings.StaticWebhookConfig);
        Assert.Equal("spc_t", settings.SelinuxTypeTag);
        Assert.Equal(["container"], settings.AllowedSystemProfiles);
        Assert.Equal("/proc", settings.HostProcVolumePath);
        Assert.Equal(".*", settings.AllowedIdentityRegexp);
        Assert.Equal(".*", settings.AllowedOidcIssuerRegexp);
        Assert.Equal("system-node-critical", settings.PriorityClassName);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.JsonEnricherAuditLogInterval);
        Assert.Equal(100, settings.JsonEnricherAuditLogMaxSizeMegabytes);
        Assert.Empty(settings.AllowedSyscalls);
        Assert.Equal(SpodSettings.PermissiveSeccompActions, settings.CheckedSeccompActions);
        Assert.Equal(
            ["node-role.kubernetes.io/master:NoSchedule", "node-role.kubernetes.io/control-plane:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"],
            settings.Tolerations.Select(t => t.Key + ":" + t.Effect));
        Assert.Empty(settings.Problems);
    }

    [Fact]
    public void An_empty_spod_spec_has_the_same_switches_but_no_tolerations()
    {
        var settings = SpodSettings.From(Spod(new SecurityProfilesOperatorDaemonSpec()));

        Assert.True(settings.Exists);
        Assert.False(settings.SelinuxEnabled);
        Assert.Equal("spc_t", settings.SelinuxTypeTag);
        Assert.Empty(settings.Tolerations);
    }

    [Theory]
    [InlineData(null, null, false, false)]
    [InlineData(true, null, true, true)]
    [InlineData(true, false, true, false)]
    [InlineData(false, true, false, false)]
    public void Raw_selinux_profiles_default_on_only_when_selinux_is_on(bool? selinux, bool? raw, bool selinuxEnabled, bool rawEnabled)
    {
        var settings = SpodSettings.From(Spod(new SecurityProfilesOperatorDaemonSpec { Selinux = new SecurityProfilesOperatorDaemonSelinux { Enable = selinux, EnableRawSelinuxProfiles = raw } }));

        Assert.Equal((selinuxEnabled, rawEnabled), (settings.SelinuxEnabled, settings.RawSelinuxProfilesEnabled));
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    public void Any_enricher_or_the_bpf_recorder_turns_profile_recording_on(bool log, bool json, bool bpf)
    {
        var settings = SpodSettings.From(Spod(new SecurityProfilesOperatorDaemonSpec
        {
            Enricher = new SecurityProfilesOperatorDaemonEnricher { EnableLogEnricher = log, EnableJsonEnricher = json, EnableBpfRecorder = bpf, LogEnricherSource = SpodLogEnricherSource.Bpf },
        }));

        Assert.True(settings.ProfileRecordingEnabled);
        Assert.True(settings.LogEnricherUsesBpf);
    }

    [Fact]
    public void The_allow_list_is_sorted_and_distinct_and_the_checked_actions_follow_the_spod()
    {
        var settings = SpodSettings.From(Spod(new SecurityProfilesOperatorDaemonSpec
        {
            Security = new SecurityProfilesOperatorDaemonSecurity { AllowedSyscalls = ["write", "read", "write"], AllowedSeccompActions = [SpodSeccompAction.ScmpActLog] },
        }));

        Assert.Equal(["read", "write"], settings.AllowedSyscalls);
        Assert.Equal(["SCMP_ACT_LOG"], settings.CheckedSeccompActions);
        Assert.Empty(settings.Problems);
    }

    [Fact]
    public void Unusable_configuration_is_reported_with_its_json_path()
    {
        var settings = SpodSettings.From(Spod(new SecurityProfilesOperatorDaemonSpec
        {
            Security = new SecurityProfilesOperatorDaemonSecurity
            {
                AllowedSeccompActions = [SpodSeccompAction.ScmpActAllow, SpodSeccompAction.ScmpActErrno],
                AllowedIdentityRegexp = "(unclosed",
            },
            Enricher = new SecurityProfilesOperatorDaemonEnricher { LogEnricherFilters = "{\"not\":\"an array\"}" },
        }));

        Assert.Collection(
            settings.Problems,
            p => Assert.StartsWith("spec.security.allowedSeccompActions[1]: seccomp action not allowed: SCMP_ACT_ERRNO", p, StringComparison.Ordinal),
            p => Assert.StartsWith("spec.enricher.logEnricherFilters: invalid enricher filters", p, StringComparison.Ordinal),
            p => Assert.StartsWith("spec.security.allowedIdentityRegexp: invalid regular expression", p, StringComparison.Ordinal));
    }

    // Upstream compiles these with Go's regexp (RE2): its named groups (?P<name>...) are fine, while what only .NET
    // has (lookaround, backreferences) is not a pattern upstream could use.
    [Theory]
    [InlineData("^(?P<user>[a-z]+)@example\\.com$", true)]
    [InlineData("^(?<user>[a-z]+)@example\\.com$", true)]
    [InlineData("^(?i:[a-z]+)@example\\.com$", true)]
    [InlineData("^[a-z]+(?=@example\\.com$)", false)]
    [InlineData("^(?<!x)y$", false)]
    [InlineData("^(?>a+)$", false)]
    [InlineData("^(a)\\1$", false)]
    [InlineData("^(?P<u>a)\\k<u>$", false)]
    [InlineData("(?P<user", false)]
    public void Identity_patterns_are_checked_as_go_regexps(string pattern, bool valid)
    {
        var problems = SpodSettings.From(Spod(new SecurityProfilesOperatorDaemonSpec
        {
            Security = new SecurityProfilesOperatorDaemonSecurity { AllowedIdentityRegexp = pattern, AllowedOidcIssuerRegexp = pattern },
        })).Problems;

        Assert.Equal(valid ? [] : ["spec.security.allowedIdentityRegexp", "spec.security.allowedOidcIssuerRegexp"], problems.Select(p => p[..p.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public async Task The_provider_reports_creation_spec_changes_and_deletion_but_not_status_writes()
    {
        var backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        await using var informer = new Informer<SecurityProfilesOperatorDaemon>(backend.Resource<SecurityProfilesOperatorDaemon>(), new InformerOptions(OperatorNamespace));
        var provider = new SpodSettingsProvider(informer, OperatorNamespace);
        var changes = new System.Collections.Concurrent.ConcurrentQueue<SpodSettingsChange>();
        provider.Changed += (_, change) => changes.Enqueue(change);
        informer.Start();
        await informer.WaitForSyncAsync();
        Assert.Same(SpodSettings.Default, provider.Current);

        var client = backend.Resource<SecurityProfilesOperatorDaemon>();
        var key = new ObjectKey(OperatorNamespace, "spod");
        await client.CreateAsync(Spod(new SecurityProfilesOperatorDaemonSpec { EnableAppArmor = true }));
        await WaitUntil(() => provider.Current.AppArmorEnabled);

        // A status write (the manager's) and an unrelated SPOD change nothing.
        await client.UpdateStatusWithRetryAsync(key, s => { s.Status = new SecurityProfilesOperatorDaemonStatus { State = SpodState.Pending }; return true; });
        var other = Spod(new SecurityProfilesOperatorDaemonSpec { EnableAppArmor = false });
        other.Metadata.Name = "not-the-spod";
        await client.CreateAsync(other);
        await client.UpdateWithRetryAsync(key, s => { s.Spec!.Verbosity = 1; return true; });
        await WaitUntil(() => provider.Current.Verbosity == 1);

        await client.DeleteAsync(key);
        await WaitUntil(() => !provider.Current.Exists);

        Assert.Collection(
            changes,
            c => Assert.Equal((false, true, 1L), (c.Previous.Exists, c.Current.AppArmorEnabled, c.Current.Generation)),
            c => Assert.Equal((0, 1, 2L), (c.Previous.Verbosity, c.Current.Verbosity, c.Current.Generation)),
            c => Assert.Same(SpodSettings.Default, c.Current));
    }

    internal static SecurityProfilesOperatorDaemon Spod(SecurityProfilesOperatorDaemonSpec spec) => new()
    {
        Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = OperatorNamespace },
        Spec = spec,
    };

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(10);
        }
    }
}
