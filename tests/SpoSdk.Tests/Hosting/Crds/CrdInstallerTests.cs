using System.Text.Json.Nodes;
using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Hosting.Crds;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Testing;

namespace SpoSdk.Tests.Hosting.Crds;

/// <summary>The CRD installer on every backend: each SPO CRD applied by server-side apply, re-installs writing nothing, drift forced back.</summary>
public abstract class CrdInstallerContract
{
    protected abstract IClusterBackend Backend { get; }

    [Fact]
    public async Task Installs_every_CRD_and_an_unchanged_reinstall_writes_nothing()
    {
        var installer = new CrdInstaller(Backend);
        var names = await installer.InstallAsync();

        Assert.Equal(SpoKindRegistry.Default.Kinds.Select(k => k.CrdName).Distinct().Order(StringComparer.Ordinal), names);
        var crds = Backend.Resource<V1CustomResourceDefinition>();
        var seccomp = (await crds.GetAsync(ObjectKey.Cluster("seccompprofiles.security-profiles-operator.x-k8s.io")))!;
        Assert.Equal(("security-profiles-operator.x-k8s.io", "Cluster"), (seccomp.Spec.Group, seccomp.Spec.Scope));
        Assert.Contains(seccomp.Spec.Versions, v => v.Name == "v1" && v.Storage);
        Assert.Equal((CrdInstaller.FieldManager, "Apply"), (seccomp.Metadata.ManagedFields.Single().Manager, seccomp.Metadata.ManagedFields.Single().Operation));

        var before = (await crds.ListAsync()).Items.ToDictionary(c => c.Metadata.Name, c => c.Metadata.ResourceVersion);
        await installer.InstallAsync();
        Assert.Equal(before, (await crds.ListAsync()).Items.ToDictionary(c => c.Metadata.Name, c => c.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task A_field_changed_by_someone_else_is_forced_back()
    {
        var installer = new CrdInstaller(Backend);
        await installer.InstallAsync();
        var crds = Backend.Resource<V1CustomResourceDefinition>();
        var key = ObjectKey.Cluster("profilebindings.security-profiles-operator.x-k8s.io");
        await crds.PatchAsync(key, ResourcePatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["names"] = new JsonObject { ["singular"] = "drifted" } } }));

        await installer.InstallAsync();

        Assert.Equal("profilebinding", (await crds.GetAsync(key))!.Spec.Names.Singular);
    }

    [Fact]
    public async Task Stored_versions_are_pruned_to_the_storage_version_after_every_object_is_rewritten()
    {
        var installer = new CrdInstaller(Backend);
        await installer.InstallAsync();
        var crds = Backend.Resource<V1CustomResourceDefinition>();
        var key = ObjectKey.Cluster("seccompprofiles.security-profiles-operator.x-k8s.io");
        await crds.PatchStatusAsync(key, ResourcePatch.Merge(JsonNode.Parse("""{"status":{"storedVersions":["v1beta1","v1"]}}""")!));
        var profiles = Backend.Resource<SeccompProfile>();
        var profile = await profiles.CreateAsync(new SeccompProfile { Metadata = new V1ObjectMeta { Name = "migrated" }, Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno } });

        await installer.InstallAsync();

        Assert.Equal(["v1"], (await crds.GetAsync(key))!.Status.StoredVersions);

        // Rewritten by an unchanged update; already stored in v1 here, so nothing changed and, as on the API server
        // (which writes such an update only when the stored encoding differs), the version stays.
        Assert.Equal(profile.Metadata.ResourceVersion, (await profiles.GetAsync(ObjectKey.Cluster("migrated")))!.Metadata.ResourceVersion);

        // Pruned: the next install rewrites nothing.
        var after = (await profiles.GetAsync(ObjectKey.Cluster("migrated")))!.Metadata.ResourceVersion;
        await installer.InstallAsync();
        Assert.Equal(after, (await profiles.GetAsync(ObjectKey.Cluster("migrated")))!.Metadata.ResourceVersion);
    }
}

/// <summary>The installer over the in-memory cluster.</summary>
public sealed class InMemoryCrdInstallerTests : CrdInstallerContract
{
    protected override IClusterBackend Backend { get; } = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
}

/// <summary>The installer over real HTTP to the in-process API server, one server per test.</summary>
public sealed class HttpCrdInstallerTests : CrdInstallerContract, IAsyncLifetime
{
    private KubernetesApiTestServer? _server;
    private IClusterBackend? _backend;

    protected override IClusterBackend Backend => _backend ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await KubernetesApiTestServer.StartNewAsync();
        _backend = SpoSdk.Runtime.Backends.Kubernetes.KubernetesBackend.FromConfiguration(_server.CreateClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        (_backend as IDisposable)?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary><c>InstallCrds()</c> as a host runs it: the manager's leadership term applies the CRDs before its controllers run.</summary>
public sealed class CrdInstallationHostingTests
{
    [Fact]
    public async Task The_leading_manager_applies_every_CRD_and_a_daemon_only_instance_does_not()
    {
        var backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        var crds = backend.Resource<V1CustomResourceDefinition>();
        await using (var daemon = await SpoSdk.Tests.Hosting.OperatorHost.StartAsync((spo, root) => spo.UseBackend(_ => backend).WithNodeName("node-1").WithNodeRoot(root).AddSeccomp().DaemonOnly()))
        {
            await daemon.Operator.WaitForIdleAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
            Assert.Empty((await crds.ListAsync()).Items);
        }

        await using var manager = await SpoSdk.Tests.Hosting.OperatorHost.StartAsync((spo, root) => spo.UseBackend(_ => backend).WithNodeName("node-1").WithNodeRoot(root).AddSeccomp().ManagerOnly().WithExpectedNodes("node-1").WithLeaderElection().InstallCrds());
        await SpoSdk.Tests.Audit.Enrichment.Pods.EventuallyAsync(() => manager.Health.IsLeader, "leadership");

        var names = (await crds.ListAsync()).Items.Select(c => c.Metadata.Name).Order(StringComparer.Ordinal);
        Assert.Equal(SpoKindRegistry.Default.Kinds.Select(k => k.CrdName).Distinct().Order(StringComparer.Ordinal), names);
        Assert.All((await crds.ListAsync()).Items, c => Assert.Equal(CrdInstaller.FieldManager, c.Metadata.ManagedFields.Single().Manager));
    }
}
