using System.Diagnostics;
using System.Text.Json.Nodes;
using SpoSdk.Admission;
using SpoSdk.Admission.Binding;
using SpoSdk.Api.V1;
using SpoSdk.Tests.Admission.Infrastructure;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>
/// The binding webhook's decisions on upstream's quirks (runtime.md §10 item 8, test-vectors.md §1.9),
/// and upstream's <c>TestNewContainerMap</c> vectors, at handler level.
/// </summary>
public sealed class BindingBehaviourTests
{
    private static readonly RetryPolicy FastRetry = new(5, TimeSpan.FromMilliseconds(1), 1.5);
    private readonly FakeAdmissionState _state = new();

    public BindingBehaviourTests()
    {
        _state.AddProfile(ProfileBindingProfileKind.SeccompProfile, "p1", localhostProfile: "operator/p1.json");
        _state.AddProfile(ProfileBindingProfileKind.SeccompProfile, "p2", localhostProfile: "operator/p2.json");
        _state.AddProfile(ProfileBindingProfileKind.SelinuxProfile, "s1", usage: "s1.process");
        _state.AddProfile(ProfileBindingProfileKind.AppArmorProfile, "a1");
    }

    [Fact]
    public async Task Last_write_wins_is_fixed_an_earlier_change_is_not_lost()
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", "foo"));
        var pod = TestPod(("a", "foo"), ("b", "foo"));
        pod["spec"]!["containers"]![1]!["securityContext"] = Seccomp("operator/p1.json");

        var result = await RunAsync(pod);

        // Upstream's flag came from the last container (already set): no patch, no tracking.
        Assert.Equal("/spec/containers/0/securityContext", (string?)Assert.Single(result.Patch)!["path"]);
        Assert.Single(_state.Added);
    }

    [Fact]
    public async Task Star_and_image_bindings_both_apply()
    {
        _state.Bindings.Add(NewBinding("image", ProfileBindingProfileKind.SeccompProfile, "p1", "foo"));
        _state.Bindings.Add(NewBinding("star", ProfileBindingProfileKind.SeccompProfile, "p2", "*"));
        var pod = TestPod(("a", "foo"), ("b", "bar"));

        var patched = (await RunAsync(pod)).Apply(pod);

        Assert.Equal("operator/p1.json", (string?)patched["spec"]!["containers"]![0]!["securityContext"]!["seccompProfile"]!["localhostProfile"]);
        Assert.Equal("operator/p2.json", (string?)patched["spec"]!["securityContext"]!["seccompProfile"]!["localhostProfile"]);
        Assert.Equal(["image", "star"], _state.Added.Select(a => a.Owner.Name).Order().ToArray());
    }

    [Fact]
    public async Task One_star_binding_per_kind_applies()
    {
        _state.Bindings.Add(NewBinding("seccomp", ProfileBindingProfileKind.SeccompProfile, "p1", "*"));
        _state.Bindings.Add(NewBinding("selinux", ProfileBindingProfileKind.SelinuxProfile, "s1", "*"));
        _state.Bindings.Add(NewBinding("apparmor", ProfileBindingProfileKind.AppArmorProfile, "a1", "*"));
        var pod = TestPod();

        var patched = (await RunAsync(pod)).Apply(pod)["spec"]!["securityContext"]!;

        Assert.Equal("operator/p1.json", (string?)patched["seccompProfile"]!["localhostProfile"]);
        Assert.Equal("s1.process", (string?)patched["seLinuxOptions"]!["type"]);
        Assert.Equal("a1", (string?)patched["appArmorProfile"]!["localhostProfile"]);
        Assert.Equal(3, _state.Added.Count);
    }

    [Fact]
    public async Task Overlapping_bindings_resolve_by_name_and_only_the_winner_is_tracked()
    {
        _state.Bindings.Add(NewBinding("b-second", ProfileBindingProfileKind.SeccompProfile, "p2", "foo"));
        _state.Bindings.Add(NewBinding("a-first", ProfileBindingProfileKind.SeccompProfile, "p1", "foo"));
        var pod = TestPod();

        var patched = (await RunAsync(pod)).Apply(pod);

        Assert.Equal("operator/p2.json", (string?)patched["spec"]!["containers"]![0]!["securityContext"]!["seccompProfile"]!["localhostProfile"]);
        Assert.Equal("b-second", Assert.Single(_state.Added).Owner.Name);
    }

    [Fact]
    public async Task Star_never_overrides_the_pod_level_and_tracks_only_when_the_pod_uses_it()
    {
        _state.Bindings.Add(NewBinding("star", ProfileBindingProfileKind.SeccompProfile, "p1", "*"));
        var other = TestPod();
        other["spec"]!["securityContext"] = Seccomp("operator/mine.json");
        var same = TestPod();
        same["spec"]!["securityContext"] = Seccomp("operator/p1.json");

        var otherResult = await RunAsync(other);
        var trackedAfterOther = _state.Added.Count;
        var sameResult = await RunAsync(same);

        Assert.Empty(otherResult.Patch);
        Assert.Equal(0, trackedAfterOther);
        Assert.Empty(sameResult.Patch);
        Assert.Single(_state.Added);
    }

    [Fact]
    public async Task Image_bindings_overwrite_a_differing_container_value_including_unconfined()
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SelinuxProfile, "s1", "foo"));
        var pod = TestPod();
        FirstContainer(pod)["securityContext"] = new JsonObject { ["runAsUser"] = 1000, ["seLinuxOptions"] = new JsonObject { ["type"] = "spc_t", ["level"] = "s0:c1,c2" } };

        var result = await RunAsync(pod);
        var context = result.Apply(pod)["spec"]!["containers"]![0]!["securityContext"]!;

        Assert.Equal("/spec/containers/0/securityContext/seLinuxOptions", (string?)Assert.Single(result.Patch)!["path"]);
        Assert.Equal(1000, (int)context["runAsUser"]!);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["type"] = "s1.process" }, context["seLinuxOptions"]));
    }

    [Fact]
    public async Task Bindings_for_images_the_pod_does_not_run_are_not_looked_up()
    {
        _state.Bindings.Add(NewBinding("elsewhere", ProfileBindingProfileKind.SeccompProfile, "broken", "other-image"));
        _state.ProfileError = new InvalidOperationException("broken profile");

        var result = await RunAsync(TestPod());

        Assert.True(result.Allowed);
        Assert.Equal(0, _state.ProfileLookups);
    }

    [Fact]
    public async Task Missing_profiles_share_one_retry_period()
    {
        foreach (var i in Enumerable.Range(0, 3))
        {
            _state.Bindings.Add(NewBinding("missing-" + i, ProfileBindingProfileKind.SeccompProfile, "nope-" + i, "foo"));
        }

        var stopwatch = Stopwatch.StartNew();
        var result = await RunAsync(TestPod(), new RetryPolicy(5, TimeSpan.FromMilliseconds(60), 1));

        Assert.True(result.Allowed);
        Assert.Equal(15, _state.ProfileLookups);
        Assert.Equal(3, result.Warnings.Count);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(2_000));
    }

    [Fact]
    public async Task Values_the_status_does_not_carry_yet_are_derived_from_the_name()
    {
        _state.AddProfile(ProfileBindingProfileKind.SeccompProfile, "fresh");
        _state.AddProfile(ProfileBindingProfileKind.SelinuxProfile, "fresh-se");
        _state.Bindings.Add(NewBinding("a", ProfileBindingProfileKind.SeccompProfile, "fresh", "foo"));
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SelinuxProfile, "fresh-se", "foo"));
        var pod = TestPod();

        var context = (await RunAsync(pod)).Apply(pod)["spec"]!["containers"]![0]!["securityContext"]!;

        Assert.Equal("operator/fresh.json", (string?)context["seccompProfile"]!["localhostProfile"]);
        Assert.Equal("fresh-se.process", (string?)context["seLinuxOptions"]!["type"]);
    }

    [Fact]
    public async Task Dry_runs_are_patched_but_not_tracked()
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", "foo"));

        var create = await RunAsync(TestPod(), dryRun: true);
        var delete = await InProcess.RunAsync(Webhook(), Pod("DELETE", null, TestPod(), name: "pod-x", dryRun: true));

        Assert.Single(create.Patch);
        Assert.True(delete.Allowed);
        Assert.Empty(_state.Added);
        Assert.Empty(_state.Removed);
    }

    [Theory]
    [InlineData(ImageMatchMode.Exact, false)]
    [InlineData(ImageMatchMode.Normalized, true)]
    public async Task Normalized_image_matching_is_opt_in(ImageMatchMode mode, bool matches)
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", "nginx"));

        var result = await InProcess.RunAsync(Webhook(new ProfileBindingWebhookOptions { ProfileRetry = FastRetry, ImageMatching = mode }), Pod("CREATE", TestPod(("web", "docker.io/library/nginx:latest"))));

        Assert.Equal(matches ? 1 : 0, result.Patch.Count);
    }

    [Theory]
    [InlineData("nginx", "docker.io/library/nginx:latest")]
    [InlineData("nginx:1.27", "docker.io/library/nginx:1.27")]
    [InlineData("library/nginx", "docker.io/library/nginx:latest")]
    [InlineData("index.docker.io/user/app", "docker.io/user/app:latest")]
    [InlineData("quay.io/org/app", "quay.io/org/app:latest")]
    [InlineData("localhost:5000/app", "localhost:5000/app:latest")]
    [InlineData("localhost/app:v1", "localhost/app:v1")]
    [InlineData("registry:5000/app@sha256:abc", "registry:5000/app@sha256:abc")]
    [InlineData("nginx@sha256:abc", "docker.io/library/nginx@sha256:abc")]
    [InlineData("*", "docker.io/library/*:latest")]
    public void Image_references_normalize_like_the_runtimes(string image, string normalized) =>
        Assert.Equal(normalized, ImageReferences.Normalize(image));

    [Fact]
    public async Task ContainerMap_no_containers()
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", "foo"));
        var pod = TestPod();
        pod["spec"]!["containers"] = new JsonArray();

        Assert.Empty((await RunAsync(pod)).Patch);
    }

    [Theory]
    [InlineData("nginx", "/spec/containers/0/securityContext")]
    [InlineData("sidecar-image", "/spec/containers/1/securityContext")]
    public async Task ContainerMap_one_entry_per_image(string image, string path)
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", image));

        var result = await RunAsync(PodWith([("web", "nginx"), ("sidecar", "sidecar-image")], []));

        Assert.Equal(path, (string?)Assert.Single(result.Patch)!["path"]);
    }

    [Theory]
    [InlineData("busybox", "/spec/initContainers/0/securityContext")]
    [InlineData("bash", "/spec/initContainers/1/securityContext")]
    public async Task ContainerMap_init_containers_only(string image, string path)
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", image));
        var pod = PodWith([], [("step1", "busybox"), ("step2", "bash")]);
        pod["spec"]!["containers"] = new JsonArray();

        var result = await RunAsync(pod);

        Assert.Equal(path, (string?)Assert.Single(result.Patch)!["path"]);
    }

    [Theory]
    [InlineData("bash", "/spec/initContainers/0/securityContext")]
    [InlineData("nginx", "/spec/containers/0/securityContext")]
    public async Task ContainerMap_init_and_app_containers(string image, string path)
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", image));

        var result = await RunAsync(PodWith([("app", "nginx")], [("init", "bash")]));

        Assert.Equal(path, (string?)Assert.Single(result.Patch)!["path"]);
    }

    [Fact]
    public async Task ContainerMap_same_image_in_app_and_init_containers_app_first()
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", "bash"));

        var result = await RunAsync(PodWith([("app", "bash")], [("init", "bash")]));

        Assert.Equal(["/spec/containers/0/securityContext", "/spec/initContainers/0/securityContext"], result.Patch.Select(p => (string)p!["path"]!).ToArray());
    }

    [Fact]
    public async Task Namespace_opt_in_can_be_checked_in_the_handler()
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", "foo"));
        var webhook = Webhook(new ProfileBindingWebhookOptions { ProfileRetry = FastRetry, RequireNamespaceLabel = true });

        var unlabelled = await InProcess.RunAsync(webhook, Pod("CREATE", TestPod()));
        _state.NamespaceLabels[Namespace] = new() { ["spo.x-k8s.io/enable-binding"] = string.Empty };
        var labelled = await InProcess.RunAsync(webhook, Pod("CREATE", TestPod()));

        Assert.Empty(unlabelled.Patch);
        Assert.Single(labelled.Patch);
    }

    [Fact]
    public async Task Named_pods_are_tracked_by_name_and_other_kinds_and_connect_are_let_through()
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", "foo"));

        await InProcess.RunAsync(Webhook(), Pod("CREATE", PodWith([("c", "foo")], [], generateName: string.Empty, name: "web-0"), name: "web-0"));
        var connect = await InProcess.RunAsync(Webhook(), Pod("CONNECT", TestPod()));
        var notPod = await InProcess.RunAsync(Webhook(), Reviews.Review("CREATE", new JsonObject(), null, "u", "x", Namespace, "v1", false, ("apps", "v1", "Deployment"), ("apps", "v1", "deployments"), null));

        Assert.Equal(Namespace + "/web-0", Assert.Single(_state.Added).Workload);
        Assert.True(connect.Allowed);
        Assert.True(notPod.Allowed);
        Assert.Equal("not a pod", notPod.Message);
    }

    // A failed pod or namespace lookup (pods list forbidden, #3423; a slow list) refuses a deletion only when the
    // options say bookkeeping failures do; by default the deletion passes with a warning and the generateName entry
    // stays (whether other pods of it live is unknown).
    [Theory]
    [InlineData(BookkeepingFailurePolicy.Allow, false)]
    [InlineData(BookkeepingFailurePolicy.Deny, false)]
    [InlineData(BookkeepingFailurePolicy.Allow, true)]
    [InlineData(BookkeepingFailurePolicy.Deny, true)]
    public async Task A_failed_lookup_refuses_a_pod_deletion_only_when_asked(BookkeepingFailurePolicy onFailure, bool namespaceLabels)
    {
        _state.Bindings.Add(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p1", "foo", Namespace + "/web-7d9f8c6b5-"));
        _state.LookupError = new InvalidOperationException("pods is forbidden: User \"system:serviceaccount:spo:webhook\" cannot list resource \"pods\"");
        var webhook = Webhook(new ProfileBindingWebhookOptions { ProfileRetry = FastRetry, DeleteBookkeepingFailure = onFailure, RequireNamespaceLabel = namespaceLabels });
        var stored = PodWith([("c", "foo")], [], generateName: "web-7d9f8c6b5-", name: "web-7d9f8c6b5-x2x9q");

        var result = await InProcess.RunAsync(webhook, Pod("DELETE", null, stored, name: "web-7d9f8c6b5-x2x9q"));

        Assert.Equal(onFailure == BookkeepingFailurePolicy.Allow, result.Allowed);
        var message = onFailure == BookkeepingFailurePolicy.Allow ? Assert.Single(result.Warnings) : result.Message;
        Assert.Contains("forbidden", message, StringComparison.Ordinal);
        Assert.Contains(namespaceLabels ? "labels of namespace " + Namespace : "other pods of web-7d9f8c6b5-", message, StringComparison.Ordinal);
        if (onFailure == BookkeepingFailurePolicy.Allow && !namespaceLabels)
        {
            // Its own entry goes; the generateName entry stays.
            Assert.Equal([Namespace + "/web-7d9f8c6b5-x2x9q"], Assert.Single(_state.Removed).Workloads);
        }
    }

    private static JsonObject Seccomp(string path) => new() { ["seccompProfile"] = new JsonObject { ["type"] = "Localhost", ["localhostProfile"] = path } };

    private ProfileBindingWebhook Webhook(ProfileBindingWebhookOptions? options = null) => new(_state, _state, options ?? new ProfileBindingWebhookOptions { ProfileRetry = FastRetry });

    private Task<ReviewResult> RunAsync(JsonObject pod, RetryPolicy? retry = null, bool dryRun = false) =>
        InProcess.RunAsync(Webhook(new ProfileBindingWebhookOptions { ProfileRetry = retry ?? FastRetry }), Pod("CREATE", pod, dryRun: dryRun));
}
