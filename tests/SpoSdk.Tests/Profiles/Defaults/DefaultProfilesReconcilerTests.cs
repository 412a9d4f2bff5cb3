using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Profiles.Defaults;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Informers;
using SpoSdk.Tests.Audit.Enrichment;

namespace SpoSdk.Tests.Profiles.Defaults;

/// <summary>The manager's default profiles, reconciled on the SPOD against the in-memory cluster.</summary>
public sealed class DefaultProfilesReconcilerTests : IAsyncLifetime
{
    private const string Namespace = "security-profiles-operator";
    private static readonly ObjectKey ProfileKey = ObjectKey.Cluster(DefaultProfiles.LogEnricherTraceName);

    private readonly InMemoryBackend _backend = new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
    private Informer<SecurityProfilesOperatorDaemon>? _spods;
    private Informer<SeccompProfile>? _profiles;
    private SpodSettingsProvider? _settings;
    private DefaultProfilesReconciler? _reconciler;

    private IResourceClient<SeccompProfile> Profiles => _backend.Resource<SeccompProfile>();

    public Task InitializeAsync()
    {
        _spods = new Informer<SecurityProfilesOperatorDaemon>(_backend.Resource<SecurityProfilesOperatorDaemon>(), new InformerOptions(Namespace));
        _profiles = new Informer<SeccompProfile>(Profiles);
        _settings = new SpodSettingsProvider(_spods, Namespace);
        _reconciler = new DefaultProfilesReconciler(_backend, _settings, _profiles);
        _spods.Start();
        _profiles.Start();
        return Task.WhenAll(_spods.WaitForSyncAsync(), _profiles.WaitForSyncAsync());
    }

    public async Task DisposeAsync()
    {
        await _spods!.DisposeAsync();
        await _profiles!.DisposeAsync();
    }

    [Fact]
    public void The_log_enricher_trace_profile_is_upstreams_in_our_words()
    {
        var profile = DefaultProfiles.LogEnricherTrace();

        Assert.Equal("log-enricher-trace", profile.Metadata.Name);
        Assert.Null(profile.Metadata.NamespaceProperty);
        Assert.Equal("security-profiles-operator", profile.Metadata.Labels["app"]);
        Assert.Equal(SeccompAction.ScmpActLog, profile.Spec.DefaultAction);
        Assert.True(DefaultProfiles.IsLogEnricherTrace(profile));

        // Each call is a new object: changing one changes no other.
        profile.Metadata.Labels["app"] = "changed";
        Assert.Equal("security-profiles-operator", DefaultProfiles.LogEnricherTrace().Metadata.Labels["app"]);
    }

    [Fact]
    public async Task Nothing_is_created_while_the_spod_leaves_the_enricher_off()
    {
        await CreateSpodAsync(enricher: false);

        await _reconciler!.ReconcileAsync(_settings!.Key, CancellationToken.None);

        Assert.Null(await Profiles.GetAsync(ProfileKey));
    }

    [Fact]
    public async Task It_is_created_once_and_an_unchanged_profile_is_not_written_again()
    {
        await CreateSpodAsync(enricher: true);

        await _reconciler!.ReconcileAsync(_settings!.Key, CancellationToken.None);
        var created = await Profiles.GetAsync(ProfileKey);
        Assert.NotNull(created);
        await Pods.EventuallyAsync(() => _profiles!.Get(ProfileKey) is not null, "the informer to see it");
        var store = _backend.Store.ResourceVersion;

        await _reconciler.ReconcileAsync(_settings.Key, CancellationToken.None);
        await _reconciler.ReconcileAsync(_settings.Key, CancellationToken.None);

        Assert.Equal(store, _backend.Store.ResourceVersion);
    }

    [Fact]
    public async Task A_changed_profile_gets_our_spec_back_and_keeps_other_labels()
    {
        await CreateSpodAsync(enricher: true);
        var mine = DefaultProfiles.LogEnricherTrace();
        mine.Metadata.Labels["team"] = "ops";
        mine.Metadata.Labels["app"] = "other";
        mine.Spec.Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActErrno, Names = ["mount"] }];
        await Profiles.CreateAsync(mine);
        await Pods.EventuallyAsync(() => _profiles!.Get(ProfileKey) is not null, "the informer to see it");

        await _reconciler!.ReconcileAsync(_settings!.Key, CancellationToken.None);

        var repaired = (await Profiles.GetAsync(ProfileKey))!;
        Assert.True(DefaultProfiles.IsLogEnricherTrace(repaired));
        Assert.Null(repaired.Spec.Syscalls);
        Assert.Equal("ops", repaired.Metadata.Labels["team"]);
    }

    [Fact]
    public void Only_the_default_profile_maps_to_the_spod()
    {
        Assert.Equal([_settings!.Key], _reconciler!.SpodKeysFor(DefaultProfiles.LogEnricherTrace()));
        Assert.Empty(_reconciler.SpodKeysFor(new SeccompProfile { Metadata = new V1ObjectMeta { Name = "web" }, Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActLog } }));
    }

    private async Task CreateSpodAsync(bool enricher)
    {
        await _backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
        {
            Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = Namespace },
            Spec = new SecurityProfilesOperatorDaemonSpec { Enricher = new SecurityProfilesOperatorDaemonEnricher { EnableLogEnricher = enricher } },
        });
        await Pods.EventuallyAsync(() => _settings!.Current.Exists, "the SPOD settings");
    }
}
