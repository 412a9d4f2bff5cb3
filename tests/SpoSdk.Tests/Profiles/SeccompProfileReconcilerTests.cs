using k8s.Models;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;

namespace SpoSdk.Tests.Profiles;

/// <summary>The seccomp node reconciler and the manager's aggregation, end to end on the in-memory cluster.</summary>
public sealed class SeccompProfileReconcilerTests
{
    [Fact]
    public async Task A_profile_is_installed_with_upstreams_file_names_labels_and_status()
    {
        await using var node = new SeccompNodeFixture();
        await node.Profiles.CreateAsync(Profile("nginx-secure", rules: [Rule("SCMP_ACT_ALLOW", "openat", "close"), Rule("SCMP_ACT_ERRNO", 1, "ptrace")]));

        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("nginx-secure")))?.Status?.Status == SeccompProfileState.Installed);

        Assert.Equal(
            "{\"state\":\"Enabled\",\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"close\",\"openat\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
            File.ReadAllText(node.FileOf("nginx-secure")));
        var profile = (await node.Profiles.GetAsync(ObjectKey.Cluster("nginx-secure")))!;
        Assert.Contains("node-1-deleted", profile.Metadata.Finalizers);
        Assert.Equal("SeccompProfile-nginx-secure", profile.Metadata.Labels[SpoLabels.ProfileId]);
        Assert.Equal("operator/nginx-secure.json", profile.Status!.LocalhostProfile);
        var ready = Assert.Single(profile.Status.Conditions!);
        Assert.Equal(("Ready", "True", "Available"), (ready.Type, ready.Status.Value, ready.Reason));

        var status = (await node.Backend.Resource<SecurityProfileNodeStatus>().GetAsync(ObjectKey.Cluster("nginx-secure-node-1")))!;
        Assert.Equal(SecurityProfileNodeState.Installed, status.Status!.Status);
        Assert.Equal("node-1", status.Metadata.Labels[SpoLabels.NodeName]);
        Assert.Equal("Installed", status.Metadata.Labels[SpoLabels.ProfileState]);
        Assert.Equal("SeccompProfile", status.Metadata.Labels[SpoLabels.ProfileKind]);
        Assert.Equal(profile.Metadata.Uid, Assert.Single(status.Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task Base_profiles_union_without_duplicates_and_the_leaf_wins()
    {
        await using var node = new SeccompNodeFixture();
        await node.Profiles.CreateAsync(Profile("runc-base", rules: [Rule("SCMP_ACT_ALLOW", "write", "read", "exit_group", "ptrace")]));
        await node.Profiles.CreateAsync(Profile("app", baseName: "runc-base", rules: [Rule("SCMP_ACT_ALLOW", "read", "openat"), Rule("SCMP_ACT_ERRNO", 1, "ptrace")]));

        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("app")))?.Status?.Status == SeccompProfileState.Installed);

        Assert.Equal(
            "{\"state\":\"Enabled\",\"baseProfileName\":\"runc-base\",\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"exit_group\",\"openat\",\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
            File.ReadAllText(node.FileOf("app")));
        var app = (await node.Profiles.GetAsync(ObjectKey.Cluster("app")))!;
        Assert.Equal("[{\"names\":[\"exit_group\",\"openat\",\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]", app.Metadata.Annotations[SpoAnnotations.Syscalls]);
    }

    [Theory]
    [InlineData("missing-base")]
    [InlineData("cycle")]
    public async Task An_unresolvable_base_is_an_error_status_and_an_event_never_a_crash(string name)
    {
        await using var node = new SeccompNodeFixture();
        if (name == "cycle")
        {
            await node.Profiles.CreateAsync(Profile("loop-a", baseName: "loop-b", rules: []));
            await node.Profiles.CreateAsync(Profile("loop-b", baseName: "cycle", rules: []));
        }

        await node.Profiles.CreateAsync(Profile(name, baseName: name == "cycle" ? "loop-a" : "does-not-exist", rules: []));

        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster(name)))?.Status?.Status == SeccompProfileState.Error);
        Assert.False(File.Exists(node.FileOf(name)));
        var events = await node.Backend.Resource<Corev1Event>().ListAsync();
        Assert.Contains(events.Items, e => e.InvolvedObject.Name == name && e.Reason == "InvalidSeccompProfile" && e.Type == "Warning");
    }

    [Fact]
    public async Task An_unchanged_resync_writes_nothing()
    {
        await using var node = new SeccompNodeFixture();
        for (var i = 0; i < 20; i++)
        {
            await node.Profiles.CreateAsync(Profile("p" + i, rules: [Rule("SCMP_ACT_ALLOW", "read")]));
        }

        await node.SettleAsync(async () => (await node.Profiles.ListAsync()).Items.All(p => p.Status?.Status == SeccompProfileState.Installed));
        var writes = node.Files.Writes;
        var version = node.Backend.Store.ResourceVersion;

        foreach (var controller in node.Controllers)
        {
            for (var i = 0; i < 20; i++)
            {
                controller.Queue.Add(ObjectKey.Cluster("p" + i));
            }
        }

        await node.SettleAsync(() => Task.FromResult(true));
        Assert.Equal(20, writes);
        Assert.Equal(writes, node.Files.Writes);
        Assert.Equal(version, node.Backend.Store.ResourceVersion);
    }

    [Fact]
    public async Task Disabling_removes_the_file_and_deleting_cleans_up_everything()
    {
        await using var node = new SeccompNodeFixture();
        await node.Profiles.CreateAsync(Profile("web", rules: [Rule("SCMP_ACT_ALLOW", "read")]));
        await node.SettleAsync(async () => File.Exists(node.FileOf("web")) && (await node.Profiles.GetAsync(ObjectKey.Cluster("web")))?.Status?.Status == SeccompProfileState.Installed);

        await node.Profiles.UpdateWithRetryAsync(ObjectKey.Cluster("web"), p => { p.Spec.State = SeccompProfileSpecState.Disabled; return true; });
        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("web")))?.Status?.Status == SeccompProfileState.Disabled);
        Assert.False(File.Exists(node.FileOf("web")));

        await node.Profiles.UpdateWithRetryAsync(ObjectKey.Cluster("web"), p => { p.Spec.State = SeccompProfileSpecState.Enabled; return true; });
        await node.SettleAsync(() => Task.FromResult(File.Exists(node.FileOf("web"))));

        await node.Profiles.DeleteAsync(ObjectKey.Cluster("web"));
        await node.SettleAsync(async () => await node.Profiles.GetAsync(ObjectKey.Cluster("web")) is null);
        Assert.False(File.Exists(node.FileOf("web")));
        Assert.Empty((await node.Backend.Resource<SecurityProfileNodeStatus>().ListAsync()).Items);
    }

    [Fact]
    public async Task Pods_in_use_hold_the_file_until_they_are_gone()
    {
        await using var node = new SeccompNodeFixture();
        var profile = Profile("busy", rules: [Rule("SCMP_ACT_ALLOW", "read")]);
        profile.Metadata.Finalizers = [SpoFinalizers.InUseByActivePods];
        await node.Profiles.CreateAsync(profile);
        await node.SettleAsync(() => Task.FromResult(File.Exists(node.FileOf("busy"))));

        await node.Profiles.DeleteAsync(ObjectKey.Cluster("busy"));
        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("busy")))?.Status?.Status == SeccompProfileState.Terminating);
        Assert.True(File.Exists(node.FileOf("busy")));

        await node.Profiles.UpdateWithRetryAsync(ObjectKey.Cluster("busy"), p => Finalizers.Remove(p, SpoFinalizers.InUseByActivePods));
        await node.SettleAsync(async () => await node.Profiles.GetAsync(ObjectKey.Cluster("busy")) is null);
        Assert.False(File.Exists(node.FileOf("busy")));
    }

    [Fact]
    public async Task The_spod_allow_list_refuses_profiles_that_allow_more()
    {
        await using var node = new SeccompNodeFixture();
        await node.Backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
        {
            Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = "security-profiles-operator" },
            Spec = new SecurityProfilesOperatorDaemonSpec { Security = new SecurityProfilesOperatorDaemonSecurity { AllowedSyscalls = ["read", "write"] } },
        });
        await node.Profiles.CreateAsync(Profile("ok", rules: [Rule("SCMP_ACT_ALLOW", "read")]));
        await node.Profiles.CreateAsync(Profile("greedy", rules: [Rule("SCMP_ACT_ALLOW", "read", "mount")]));

        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("greedy")))?.Status?.Status == SeccompProfileState.Error
            && (await node.Profiles.GetAsync(ObjectKey.Cluster("ok")))?.Status?.Status == SeccompProfileState.Installed);
        Assert.False(File.Exists(node.FileOf("greedy")));
        var events = await node.Backend.Resource<Corev1Event>().ListAsync();
        Assert.Contains(events.Items, e => e.InvolvedObject.Name == "greedy" && e.Reason == "ProfileNotAllowed" && e.Message == "syscall not allowed: mount");
    }

    [Fact]
    public async Task An_oci_base_profile_is_pulled_through_the_source_with_the_spod_trust_switch()
    {
        var registry = new FakeRegistry();
        await using var node = new SeccompNodeFixture(oci: registry);
        await node.Backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
        {
            Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = "security-profiles-operator" },
            Spec = new SecurityProfilesOperatorDaemonSpec { Security = new SecurityProfilesOperatorDaemonSecurity { DisableOciArtifactSignatureVerification = true } },
        });
        await node.Profiles.CreateAsync(Profile("from-registry", baseName: "oci://registry.example/profiles/base@sha256:" + new string('a', 64), rules: [Rule("SCMP_ACT_ALLOW", "openat")]));
        await node.Profiles.CreateAsync(Profile("untrusted", baseName: "oci://registry.example/profiles/unsigned:latest", rules: []));

        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("from-registry")))?.Status?.Status == SeccompProfileState.Installed
            && (await node.Profiles.GetAsync(ObjectKey.Cluster("untrusted")))?.Status?.Status == SeccompProfileState.Error);

        Assert.Contains("\"names\":[\"openat\",\"read\",\"write\"]", File.ReadAllText(node.FileOf("from-registry")));
        // Until the node has seen the SPOD, pulls go out with verification on; once it has, the switch is passed.
        Assert.Contains(registry.Calls, c => c.Reference.Contains("/base@", StringComparison.Ordinal) && c.DisableVerification);
        var events = await node.Backend.Resource<Corev1Event>().ListAsync();
        Assert.Contains(events.Items, e => e.InvolvedObject.Name == "untrusted" && e.Reason == "CannotPullSeccompProfile" && e.Message.Contains("not signed", StringComparison.Ordinal));
    }

    // Issue #2477 (test-vectors §1.8): the resolved list of a big base profile went over the API server's 256 KiB
    // annotation limit, the update was refused with a 422 before the file was written, and the profile never installed.
    [Fact]
    public async Task The_syscalls_annotation_never_exceeds_the_api_servers_annotation_limit()
    {
        await using var node = new SeccompNodeFixture();
        var baseNames = Enumerable.Range(0, 12_000).Select(i => "basecall" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var leafNames = Enumerable.Range(0, 6_000).Select(i => "leafcall" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await node.Profiles.CreateAsync(Profile("big-base", rules: [Rule("SCMP_ACT_ALLOW", baseNames)]));
        await node.Profiles.CreateAsync(Profile("big-leaf", "big-base", [Rule("SCMP_ACT_ALLOW", leafNames)]));

        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("big-leaf")))?.Status?.Status == SeccompProfileState.Installed);

        var leaf = (await node.Profiles.GetAsync(ObjectKey.Cluster("big-leaf")))!;
        Assert.False(leaf.Metadata.Annotations?.ContainsKey(SpoAnnotations.Syscalls) ?? false);
        var file = await File.ReadAllTextAsync(node.FileOf("big-leaf"));
        Assert.Contains("\"basecall011999\"", file, StringComparison.Ordinal);
        Assert.Contains("\"leafcall005999\"", file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_where_the_profile_file_belongs_ends_in_error_with_an_event()
    {
        await using var node = new SeccompNodeFixture();
        Directory.CreateDirectory(node.FileOf("web"));

        await node.Profiles.CreateAsync(Profile("web", rules: [Rule("SCMP_ACT_ALLOW", "read")]));
        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("web")))?.Status?.Status == SeccompProfileState.Error);

        var warning = Assert.Single((await node.Backend.Resource<k8s.Models.Corev1Event>().ListAsync()).Items, e => e.InvolvedObject.Name == "web" && e.Type == "Warning");
        Assert.Equal(("CannotSaveSeccompProfile", "cannot save /var/lib/kubelet/seccomp/operator/web.json on node node-1: /var/lib/kubelet/seccomp/operator/web.json is a directory, not a file"), (warning.Reason, warning.Message));
    }

    // A name too long for a file is an Error shown through the node status, so the node holds the profile with its
    // finalizer first: deleting it then comes back to this node, which removes the status (the in-memory cluster has
    // no garbage collector to do it through the owner reference).
    [Fact]
    public async Task Deleting_a_profile_refused_for_its_name_leaves_no_node_status_behind()
    {
        await using var node = new SeccompNodeFixture();
        var longName = "a" + new string('b', 252);
        await node.Profiles.CreateAsync(Profile(longName, rules: [Rule("SCMP_ACT_ALLOW", "read")]));
        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster(longName)))?.Status?.Status == SeccompProfileState.Error);
        Assert.Single((await node.Backend.Resource<SecurityProfileNodeStatus>().ListAsync()).Items);

        await node.Profiles.DeleteAsync(ObjectKey.Cluster(longName));
        await node.SettleAsync(async () => await node.Profiles.GetAsync(ObjectKey.Cluster(longName)) is null);

        Assert.Empty((await node.Backend.Resource<SecurityProfileNodeStatus>().ListAsync()).Items);
    }

    private static SeccompProfile Profile(string name, string? baseName = null, IList<SeccompProfileSyscall>? rules = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            BaseProfileName = baseName,
            Architectures = [SeccompArchitecture.ScmpArchX8664],
            Syscalls = rules is { Count: > 0 } ? rules : null,
        },
    };

    private sealed class FakeRegistry : SpoSdk.Profiles.Seccomp.IOciBaseProfileSource
    {
        public System.Collections.Concurrent.ConcurrentBag<(string Reference, bool DisableVerification)> Calls { get; } = new();

        public Task<SeccompProfile> PullAsync(string reference, bool disableSignatureVerification, CancellationToken cancellationToken)
        {
            Calls.Add((reference, disableSignatureVerification));
            return reference.Contains("unsigned", StringComparison.Ordinal)
                ? throw new InvalidOperationException("the artifact is not signed by a trusted key")
                : Task.FromResult(Profile("base", rules: [Rule("SCMP_ACT_ALLOW", "read", "write")]));
        }
    }

    private static SeccompProfileSyscall Rule(string action, params string[] names) => new() { Action = SeccompAction.FromValue(action), Names = names };

    private static SeccompProfileSyscall Rule(string action, int errno, params string[] names) => new() { Action = SeccompAction.FromValue(action), ErrnoRet = errno, Names = names };

    // foo and foo.json map to one file: the first owns it, the second is refused and neither writes nor removes it.
    [Fact]
    public async Task Foo_and_foo_json_never_share_their_one_file()
    {
        await using var node = new SeccompNodeFixture();
        await node.Profiles.CreateAsync(Profile("foo", rules: [Rule("SCMP_ACT_ALLOW", "read")]));
        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("foo")))?.Status?.Status == SeccompProfileState.Installed);

        await node.Profiles.CreateAsync(Profile("foo.json", rules: [Rule("SCMP_ACT_ALLOW", "write")]));
        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("foo.json")))?.Status?.Status == SeccompProfileState.Error);
        Assert.DoesNotContain("write", await File.ReadAllTextAsync(node.FileOf("foo")), StringComparison.Ordinal);

        await node.Profiles.DeleteAsync(ObjectKey.Cluster("foo.json"));
        await node.SettleAsync(async () => await node.Profiles.GetAsync(ObjectKey.Cluster("foo.json")) is null);
        Assert.True(File.Exists(node.FileOf("foo")), "deleting foo.json left foo's file alone");
        Assert.Equal(SeccompProfileState.Installed, (await node.Profiles.GetAsync(ObjectKey.Cluster("foo")))!.Status!.Status);
    }
}
