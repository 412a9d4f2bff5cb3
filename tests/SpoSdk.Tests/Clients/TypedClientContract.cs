using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Clients;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Tests.Runtime.Backends;

#pragma warning disable CS0618 // legacy-version clients are part of the contract

namespace SpoSdk.Tests.Clients;

/// <summary>
/// What the generated typed clients do on every backend: scope-shaped signatures, paging with limit and
/// continue, watches, typed errors, legacy versions converted. Tests may share a backend, so names are unique.
/// </summary>
public abstract partial class TypedClientContract
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    protected abstract IClusterBackend Backend { get; }

    private ISpoClients Clients => new SpoClients(Backend);

    private string Ns => "ns-" + _id;

    [Fact]
    public async Task A_cluster_scoped_kind_is_read_and_written_by_name()
    {
        var profiles = Clients.SeccompProfiles;
        Assert.False(profiles.Type.IsNamespaced);
        var created = await profiles.CreateAsync(Profile("web"));
        Assert.Equal("security-profiles-operator.x-k8s.io/v1", created.ApiVersion);

        var read = (await profiles.GetAsync(Name("web")))!;
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        read.Metadata.Labels = new Dictionary<string, string> { ["owner"] = _id };
        var updated = await profiles.UpdateAsync(read);

        updated.Status = new SeccompProfileStatus { Status = SeccompProfileState.Installed };
        var withStatus = await profiles.UpdateStatusAsync(updated);
        Assert.Equal(SeccompProfileState.Installed, withStatus.Status!.Status);

        var listed = await profiles.ListAsync(new ListOptions("owner=" + _id));
        Assert.Equal([Name("web")], listed.Items.Select(p => p.Metadata.Name).ToArray());
        Assert.Null(listed.Continue);

        Assert.True(await profiles.DeleteAsync(Name("web")));
        Assert.Null(await profiles.GetAsync(Name("web")));
        Assert.False(await profiles.DeleteAsync(Name("web")));
    }

    [Fact]
    public async Task A_namespaced_kind_takes_a_namespace_or_all_namespaces()
    {
        var bindings = Clients.ProfileBindings;
        Assert.True(bindings.Type.IsNamespaced);
        await bindings.CreateAsync(Binding("b", Ns));
        await bindings.CreateAsync(Binding("b", Ns + "-other"));

        Assert.Equal(Ns, (await bindings.GetAsync(Ns, "b"))!.Metadata.NamespaceProperty);
        Assert.Null(await bindings.GetAsync(Ns + "-none", "b"));
        Assert.Single((await bindings.ListAsync(Ns)).Items);
        var everywhere = await bindings.ListAllNamespacesAsync(new ListOptions("owner=" + _id));
        Assert.Equal([Ns, Ns + "-other"], everywhere.Items.Select(b => b.Metadata.NamespaceProperty).ToArray());
        await Assert.ThrowsAsync<ArgumentNullException>(() => bindings.ListAsync(null!));

        Assert.True(await bindings.DeleteAsync(Ns, "b"));
        Assert.Equal([Ns + "-other"], (await bindings.ListAllNamespacesAsync(new ListOptions("owner=" + _id))).Items.Select(b => b.Metadata.NamespaceProperty).ToArray());
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue_and_enumerate_every_page()
    {
        var profiles = Clients.SeccompProfiles;
        var names = Enumerable.Range(0, 5).Select(i => Name("page" + i)).ToArray();
        foreach (var name in names)
        {
            var profile = Profile(name[..name.IndexOf('-', StringComparison.Ordinal)]);
            profile.Metadata.Labels = new Dictionary<string, string> { ["pager"] = _id };
            await profiles.CreateAsync(profile);
        }

        var selector = "pager=" + _id;
        var first = await profiles.ListAsync(new ListOptions(selector, Limit: 2));
        Assert.Equal(names[..2], first.Items.Select(p => p.Metadata.Name).ToArray());
        Assert.NotNull(first.Continue);
        var second = await profiles.ListAsync(new ListOptions(selector, Limit: 2, Continue: first.Continue));
        Assert.Equal(names[2..4], second.Items.Select(p => p.Metadata.Name).ToArray());
        Assert.Equal(first.ResourceVersion, second.ResourceVersion);
        var last = await profiles.ListAsync(new ListOptions(selector, Limit: 2, Continue: second.Continue));
        Assert.Equal(names[4..], last.Items.Select(p => p.Metadata.Name).ToArray());
        Assert.Null(last.Continue);

        var all = new List<string>();
        await foreach (var profile in profiles.ListPagesAsync(new ListOptions(selector, Limit: 2)))
        {
            all.Add(profile.Metadata.Name);
        }

        Assert.Equal(names, all.ToArray());
        var bad = await Assert.ThrowsAsync<ResourceBadRequestException>(() => profiles.ListAsync(new ListOptions(selector, Continue: "not-a-token")));
        Assert.Equal(400, bad.Status.Code);
    }

    [Fact]
    public async Task Merge_and_JSON_patches_apply_to_the_latest_version()
    {
        var profiles = Clients.SeccompProfiles;
        var created = await profiles.CreateAsync(Profile("patched"));

        var merged = await profiles.PatchAsync(Name("patched"), ResourcePatch.Merge(new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["team"] = "a" } },
            ["spec"] = new JsonObject { ["defaultAction"] = "SCMP_ACT_LOG" },
        }));
        Assert.Equal("a", merged.Metadata.Labels["team"]);
        Assert.Equal(SeccompAction.ScmpActLog, merged.Spec.DefaultAction);
        Assert.Equal(2, merged.Metadata.Generation);

        var jsonPatched = await profiles.PatchAsync(Name("patched"), ResourcePatch.Json(new JsonArray(
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/labels/team", ["value"] = "a" },
            new JsonObject { ["op"] = "replace", ["path"] = "/metadata/labels/team", ["value"] = "b" })));
        Assert.Equal("b", jsonPatched.Metadata.Labels["team"]);

        var failedTest = ResourcePatch.Json(new JsonArray(new JsonObject { ["op"] = "test", ["path"] = "/metadata/labels/team", ["value"] = "a" }));
        Assert.Equal(422, (await Assert.ThrowsAsync<ResourceInvalidException>(() => profiles.PatchAsync(Name("patched"), failedTest))).Code);
        var stale = ResourcePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = created.Metadata.ResourceVersion, ["labels"] = new JsonObject { ["team"] = "c" } } });
        await Assert.ThrowsAsync<ResourceConflictException>(() => profiles.PatchAsync(Name("patched"), stale));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => profiles.PatchAsync(Name("nobody"), ResourcePatch.Merge(new JsonObject())));

        var binding = await Clients.ProfileBindings.CreateAsync(Binding("patched", Ns));
        var rebound = await Clients.ProfileBindings.PatchAsync(Ns, "patched", ResourcePatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["image"] = "nginx" } }));
        Assert.Equal(("nginx", binding.Metadata.Uid), (rebound.Spec.Image, rebound.Metadata.Uid));
    }

    [Fact]
    public async Task Deletes_honour_uid_and_resourceVersion_preconditions()
    {
        var profiles = Clients.SeccompProfiles;
        var created = await profiles.CreateAsync(Profile("guarded"));
        var updated = await profiles.PatchAsync(Name("guarded"), ResourcePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["v"] = "2" } } }));

        var stale = await Assert.ThrowsAsync<ResourceConflictException>(() => profiles.DeleteAsync(Name("guarded"), new DeleteOptions(PreconditionResourceVersion: created.Metadata.ResourceVersion)));
        Assert.Contains("Precondition failed", stale.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ResourceConflictException>(() => profiles.DeleteAsync(Name("guarded"), new DeleteOptions(PreconditionUid: "not-" + created.Metadata.Uid)));
        Assert.NotNull(await profiles.GetAsync(Name("guarded")));

        Assert.True(await profiles.DeleteAsync(Name("guarded"), new DeleteOptions(DeletePropagation.Foreground, created.Metadata.Uid, updated.Metadata.ResourceVersion)));
        Assert.Null(await profiles.GetAsync(Name("guarded")));
        Assert.False(await profiles.DeleteAsync(Name("guarded"), new DeleteOptions(DeletePropagation.Orphan)));

        await Clients.ProfileBindings.CreateAsync(Binding("guarded", Ns));
        Assert.True(await Clients.ProfileBindings.DeleteAsync(Ns, "guarded", new DeleteOptions(DeletePropagation.Background)));
    }

    [Fact]
    public async Task A_watch_reports_changes_after_a_list()
    {
        var profiles = Clients.SeccompProfiles;
        var from = (await profiles.ListAsync()).ResourceVersion;
        await profiles.CreateAsync(Profile("watched"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var change in profiles.WatchAsync(from, null, cts.Token))
        {
            if (change.Object?.Metadata.Name == Name("watched"))
            {
                Assert.Equal(WatchEventType.Added, change.Type);
                Assert.Equal(change.Object.Metadata.ResourceVersion, change.ResourceVersion);
                return;
            }
        }

        Assert.Fail("the watch ended without reporting the new object");
    }

    [Fact]
    public async Task A_watch_from_a_version_older_than_the_history_reports_410_Gone()
    {
        var profiles = Clients.SeccompProfiles;
        var from = (await profiles.ListAsync()).ResourceVersion;
        for (var i = 0; i <= ResourceClientContract.WatchHistory; i++)
        {
            await profiles.CreateAsync(Profile("churn" + i));
        }

        var gone = await Assert.ThrowsAsync<ResourceGoneException>(async () =>
        {
            await foreach (var unused in profiles.WatchAsync(from))
            {
            }
        });
        Assert.Equal(410, gone.Status.Code);
    }

    [Fact]
    public async Task Failures_are_typed_and_carry_the_status()
    {
        await Clients.SeccompProfiles.CreateAsync(Profile("dup"));
        var exists = await Assert.ThrowsAsync<ResourceAlreadyExistsException>(() => Clients.SeccompProfiles.CreateAsync(Profile("dup")));
        Assert.Equal((409, "AlreadyExists"), (exists.Status.Code, exists.Status.Reason));

        var invalid = await Assert.ThrowsAsync<ResourceInvalidException>(() => Clients.ProfileBindings.CreateAsync(Binding("no-image", Ns, image: null)));
        Assert.Equal(422, invalid.Status.Code);
        Assert.Contains(invalid.Status.Causes, c => c.Field == "spec.image");
    }

    [Fact]
    public async Task A_legacy_version_client_reads_and_writes_through_the_conversion()
    {
        var legacy = new SpoSdk.Clients.V1Alpha1.ProfileRecordingClient(Backend);
        Assert.Equal("v1alpha1", legacy.Type.Version);
        await Clients.ProfileRecordings.CreateAsync(new ProfileRecording
        {
            Metadata = new V1ObjectMeta { Name = "rec", NamespaceProperty = Ns },
            Spec = new ProfileRecordingSpec
            {
                Kind = ProfileRecordingProfileKind.SeccompProfile,
                Recorder = ProfileRecordingRecorder.Logs,
                PodSelector = new ProfileRecordingLabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        });

        var old = (await legacy.GetAsync(Ns, "rec"))!;
        Assert.Equal("security-profiles-operator.x-k8s.io/v1alpha1", old.ApiVersion);
        Assert.Equal("logs", old.Spec.Recorder.Value);
        old.Spec.DisableProfileAfterRecording = true;
        await legacy.UpdateAsync(old);
        var hub = (await Clients.ProfileRecordings.GetAsync(Ns, "rec"))!;
        Assert.Equal(ProfileRecordingRecorder.Logs, hub.Spec.Recorder);
        Assert.True(hub.Spec.DisableProfileAfterRecording);
    }

    [Fact]
    public void The_client_set_registers_in_DI_over_the_registered_backend()
    {
        using var provider = new ServiceCollection().AddSingleton(Backend).AddSpoClients().BuildServiceProvider();
        var clients = provider.GetRequiredService<ISpoClients>();
        Assert.Same(clients.SeccompProfiles, provider.GetRequiredService<SpoSdk.Clients.V1.ISeccompProfileClient>());
        Assert.Same(clients.ProfileBindings, provider.GetRequiredService<SpoSdk.Clients.V1.IProfileBindingClient>());
        Assert.Equal("seccompprofiles", clients.SeccompProfiles.Type.Plural);
    }

    /// <summary>The spec a legacy-version client reads, as JSON (what both backends must agree on).</summary>
    internal static async Task<string> LegacySeccompSpecAsync(IClusterBackend backend, string name)
    {
        var legacy = new SpoSdk.Clients.V1Beta1.SeccompProfileClient(backend);
        var read = await legacy.GetAsync(name) ?? throw new InvalidOperationException(name + " not found");
        return read.ApiVersion + " " + new SpoSerializer().ToJsonNode(read)["spec"]!.ToJsonString();
    }

    private string Name(string name) => name + "-" + _id;

    private SeccompProfile Profile(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = Name(name) },
        Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
    };

    private ProfileBinding Binding(string name, string ns, string? image = "*") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["owner"] = _id } },
        Spec = new ProfileBindingSpec { ProfileRef = new ProfileBindingProfileRef { Kind = ProfileBindingProfileKind.SeccompProfile, Name = "x" }, Image = image! },
    };
}

/// <summary>The typed clients over the embedded in-memory cluster.</summary>
public sealed class InMemoryTypedClientTests : TypedClientContract
{
    protected override IClusterBackend Backend { get; } = new InMemoryBackend(
        new InMemoryObjectStore(new InMemoryStoreOptions { WatchHistory = ResourceClientContract.WatchHistory, BookmarkInterval = ResourceClientContract.BookmarkInterval }),
        new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
}

/// <summary>The typed clients over real HTTP to the in-process API server.</summary>
public sealed class HttpTypedClientTests(ApiServerFixture fixture) : TypedClientContract, IClassFixture<ApiServerFixture>
{
    protected override IClusterBackend Backend => fixture.Backend;
}

/// <summary>A legacy version reads the same on both backends: over HTTP its endpoint, in memory the generated conversion.</summary>
public sealed class LegacyReadParityTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task A_v1beta1_read_of_a_v1_object_is_the_same_on_both_backends()
    {
        var name = "parity-" + Guid.NewGuid().ToString("N")[..8];
        var inMemory = new InMemoryBackend(new InMemoryObjectStore(new InMemoryStoreOptions()), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        var profile = new SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new SeccompProfileSpec
            {
                DefaultAction = SeccompAction.ScmpActErrno,
                Architectures = [SeccompArchitecture.ScmpArchX8664],
                Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["read", "write"] }],
            },
        };
        foreach (var backend in new IClusterBackend[] { inMemory, fixture.Backend })
        {
            await new SpoClients(backend).SeccompProfiles.CreateAsync(profile);
        }

        var overHttp = await TypedClientContract.LegacySeccompSpecAsync(fixture.Backend, name);
        var fromMemory = await TypedClientContract.LegacySeccompSpecAsync(inMemory, name);
        Assert.Equal(fromMemory, overHttp);
        Assert.StartsWith("security-profiles-operator.x-k8s.io/v1beta1 ", overHttp, StringComparison.Ordinal);
        Assert.Contains("SCMP_ARCH_X86_64", overHttp, StringComparison.Ordinal);
        Assert.Contains("SCMP_ACT_ERRNO", overHttp, StringComparison.Ordinal);
    }
}
