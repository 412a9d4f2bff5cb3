using System.Net;
using System.Text.Json.Nodes;
using SpoSdk.Admission;
using SpoSdk.Admission.State;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Tests.Admission.Infrastructure;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>
/// Upstream's <c>binding_test.go TestHandle</c> vectors B1–B25 (test-vectors.md §1.9), as real
/// AdmissionReviews over HTTPS. B6 and B7 need ProfileBinding <c>spec.podSelector</c>, which is newer
/// than the v1.0.0 API (see <see cref="B6_B7_need_podSelector_which_the_v1_0_0_api_does_not_have"/>).
/// </summary>
public sealed class BindingVectorTests
{
    private const string Path = SpoWebhooks.BindingPath;
    private static readonly RetryPolicy FastRetry = new(5, TimeSpan.FromMilliseconds(1), 1.5);

    [Fact]
    public async Task B1_no_bindings_leaves_the_pod_unchanged()
    {
        await using var server = await StartAsync(new FakeAdmissionState());

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.True(result.Allowed);
        Assert.Equal(200, result.Code);
        Assert.Equal("pod unchanged", result.Message);
        Assert.Empty(result.Patch);
        Assert.Equal("test-uid", result.Uid);
    }

    [Fact]
    public async Task B2_update_is_allowed_without_mutation()
    {
        var state = SeccompState("foo");
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("UPDATE", TestPod(), TestPod(), name: "pod-abc"));

        Assert.True(result.Allowed);
        Assert.Empty(result.Patch);
        Assert.Equal("pod update, skipping mutation", result.Message);
        Assert.Equal(0, state.ProfileLookups);
        Assert.Empty(state.Added);
    }

    [Fact]
    public async Task B3_list_error_refuses_with_500()
    {
        var state = new FakeAdmissionState { ListError = new InvalidOperationException("etcd unavailable") };
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.False(result.Allowed);
        Assert.Equal(500, result.Code);
        Assert.Contains("etcd unavailable", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B4_an_object_that_is_not_a_pod_gets_400()
    {
        await using var server = await StartAsync(new FakeAdmissionState());
        var notAPod = new JsonObject { ["metadata"] = new JsonObject { ["name"] = 5 }, ["spec"] = "containers" };

        var result = await server.PostAsync(Path, Pod("CREATE", notAPod));

        Assert.False(result.Allowed);
        Assert.Equal(400, result.Code);
        Assert.StartsWith("failed to decode pod", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B5_seccomp_binding_sets_the_container_profile()
    {
        var state = SeccompState("foo");
        await using var server = await StartAsync(state);
        var pod = TestPod();

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        Assert.True(result.Allowed);
        var op = Assert.Single(result.Patch);
        Assert.Equal("add", (string?)op!["op"]);
        Assert.Equal("/spec/containers/0/securityContext", (string?)op["path"]);
        var patched = result.Apply(pod);
        Assert.Equal("Localhost", (string?)patched["spec"]!["containers"]![0]!["securityContext"]!["seccompProfile"]!["type"]);
        Assert.Equal("operator/profile.json", (string?)patched["spec"]!["containers"]![0]!["securityContext"]!["seccompProfile"]!["localhostProfile"]);
        var added = Assert.Single(state.Added);
        Assert.Equal(WorkloadOwnerKind.ProfileBinding, added.Kind);
        Assert.Equal("binding", added.Owner.Name);
        Assert.Equal(Namespace + "/pod-", added.Workload);
    }

    [Fact]
    public async Task B6_B7_need_podSelector_which_the_v1_0_0_api_does_not_have()
    {
        // Skipped vectors B6 (podSelector matches) and B7 (podSelector does not match): ProfileBinding
        // spec.podSelector exists only on upstream main after v1.0.0; the v1.0.0 schema refuses it.
        var binding = """
            {"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"ProfileBinding","metadata":{"name":"b","namespace":"ns"},
             "spec":{"profileRef":{"kind":"SeccompProfile","name":"p"},"image":"foo","podSelector":{"matchLabels":{"app":"bar"}}}}
            """;

        var read = new SpoSerializer().Read(binding);

        Assert.Contains(read.Errors, e => e.ToString().Contains("podSelector", StringComparison.Ordinal));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task B8_star_binding_sets_the_pod_level_profile()
    {
        var state = SeccompState("*");
        await using var server = await StartAsync(state);
        var pod = TestPod();

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        var op = Assert.Single(result.Patch);
        Assert.Equal("/spec/securityContext/seccompProfile", (string?)op!["path"]);
        Assert.Equal("operator/profile.json", (string?)result.Apply(pod)["spec"]!["securityContext"]!["seccompProfile"]!["localhostProfile"]);
        Assert.Single(state.Added);
    }

    [Fact]
    public async Task B9_star_seccomp_binding_sets_the_pod_level_and_leaves_an_explicit_container_setting()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.SeccompProfile, "profile", "*"));
        state.AddProfile(ProfileBindingProfileKind.SeccompProfile, "profile", localhostProfile: "seccomp-test-profile");
        await using var server = await StartAsync(state);
        var pod = TestPod();
        FirstContainer(pod)["securityContext"] = new JsonObject { ["seccompProfile"] = new JsonObject { ["type"] = "Unconfined" } };

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        // Upstream counts 2 patches only because its mock decodes a different pod than the raw request;
        // with one real pod the pod level is set and the explicit container value stays (decision).
        var patched = result.Apply(pod);
        Assert.Single(result.Patch);
        Assert.Equal("seccomp-test-profile", (string?)patched["spec"]!["securityContext"]!["seccompProfile"]!["localhostProfile"]);
        Assert.Equal("Unconfined", (string?)patched["spec"]!["containers"]![0]!["securityContext"]!["seccompProfile"]!["type"]);
    }

    [Fact]
    public async Task B10_selinux_binding_sets_the_container_type_to_the_usage()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.SelinuxProfile, "profile", "foo"));
        state.AddProfile(ProfileBindingProfileKind.SelinuxProfile, "profile", usage: "profile.process");
        await using var server = await StartAsync(state);
        var pod = TestPod();

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        Assert.Single(result.Patch);
        var options = result.Apply(pod)["spec"]!["containers"]![0]!["securityContext"]!["seLinuxOptions"]!.AsObject();
        Assert.Equal("profile.process", (string?)options["type"]);
        Assert.Single(options);
    }

    [Fact]
    public async Task B11_star_selinux_binding_sets_the_pod_level_usage()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.SelinuxProfile, "profile", "*"));
        state.AddProfile(ProfileBindingProfileKind.SelinuxProfile, "profile", usage: "test-usage");
        await using var server = await StartAsync(state);
        var pod = TestPod();
        FirstContainer(pod)["securityContext"] = new JsonObject { ["seLinuxOptions"] = new JsonObject { ["type"] = "unconfined" } };

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        var patched = result.Apply(pod);
        Assert.Single(result.Patch);
        Assert.Equal("test-usage", (string?)patched["spec"]!["securityContext"]!["seLinuxOptions"]!["type"]);
        Assert.Equal("unconfined", (string?)patched["spec"]!["containers"]![0]!["securityContext"]!["seLinuxOptions"]!["type"]);
    }

    [Fact]
    public async Task B12_star_selinux_binding_patches_once()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.SelinuxProfile, "profile", "*"));
        state.AddProfile(ProfileBindingProfileKind.SelinuxProfile, "profile", usage: "profile.process");
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.Equal("/spec/securityContext/seLinuxOptions", (string?)Assert.Single(result.Patch)!["path"]);
    }

    [Fact]
    public async Task B13_apparmor_binding_sets_the_container_profile_by_name()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.AppArmorProfile, "test-apparmor-profile", "foo"));
        state.AddProfile(ProfileBindingProfileKind.AppArmorProfile, "test-apparmor-profile");
        await using var server = await StartAsync(state);
        var pod = TestPod();

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        Assert.Single(result.Patch);
        var profile = result.Apply(pod)["spec"]!["containers"]![0]!["securityContext"]!["appArmorProfile"]!;
        Assert.Equal("Localhost", (string?)profile["type"]);
        Assert.Equal("test-apparmor-profile", (string?)profile["localhostProfile"]);
    }

    [Fact]
    public async Task B14_star_apparmor_binding_sets_the_pod_level()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.AppArmorProfile, "test-apparmor-profile", "*"));
        state.AddProfile(ProfileBindingProfileKind.AppArmorProfile, "test-apparmor-profile");
        await using var server = await StartAsync(state);
        var pod = TestPod();
        FirstContainer(pod)["securityContext"] = new JsonObject { ["appArmorProfile"] = new JsonObject { ["type"] = "Unconfined" } };

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        var patched = result.Apply(pod);
        Assert.Single(result.Patch);
        Assert.Equal("test-apparmor-profile", (string?)patched["spec"]!["securityContext"]!["appArmorProfile"]!["localhostProfile"]);
        Assert.Equal("Unconfined", (string?)patched["spec"]!["containers"]![0]!["securityContext"]!["appArmorProfile"]!["type"]);
    }

    [Fact]
    public async Task B15_star_apparmor_binding_patches_once()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.AppArmorProfile, "aa", "*"));
        state.AddProfile(ProfileBindingProfileKind.AppArmorProfile, "aa");
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.Equal("/spec/securityContext/appArmorProfile", (string?)Assert.Single(result.Patch)!["path"]);
    }

    [Theory]
    [InlineData("AppArmorProfile")] // B16
    [InlineData("SeccompProfile")] // B20
    public async Task B16_B20_profile_get_error_refuses_with_500(string kind)
    {
        var state = new FakeAdmissionState { ProfileError = new InvalidOperationException("connection refused") };
        state.Bindings.Add(NewBinding("binding", new ProfileBindingProfileKind(kind), "profile", "foo"));
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.False(result.Allowed);
        Assert.Equal(500, result.Code);
        Assert.Contains("connection refused", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AppArmorProfile")] // B17
    [InlineData("SeccompProfile")] // B19
    public async Task B17_B19_profile_without_status_is_retried_then_refused(string kind)
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", new ProfileBindingProfileKind(kind), "profile", "foo"));
        state.AddProfile(new ProfileBindingProfileKind(kind), "profile", hasStatus: false);
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.False(result.Allowed);
        Assert.Equal(500, result.Code);
        Assert.Contains("has not been initialized with a status", result.Message, StringComparison.Ordinal);
        Assert.Equal(5, state.ProfileLookups);
    }

    [Fact]
    public async Task B18_unsupported_kind_is_skipped()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", new ProfileBindingProfileKind("unsupported"), "profile", "foo"));
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.True(result.Allowed);
        Assert.Empty(result.Patch);
        Assert.Equal(0, state.ProfileLookups);
    }

    [Theory]
    [InlineData("update")] // B21: UpdateResource fails
    [InlineData("status")] // B22: UpdateResourceStatus fails
    public async Task B21_B22_bookkeeping_failure_on_create_refuses_with_500(string which)
    {
        var state = SeccompState("foo");
        state.AddError = new InvalidOperationException(which + " failed");
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.False(result.Allowed);
        Assert.Equal(500, result.Code);
        Assert.Contains(which + " failed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B23_delete_removes_the_pod_from_the_bindings()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.SeccompProfile, "profile", "foo", "1", "2", "3"));
        await using var server = await StartAsync(state);
        var old = TestPod();
        old["metadata"]!["name"] = "pod-xyz12";

        var result = await server.PostAsync(Path, Pod("DELETE", null, old, name: "pod-xyz12"));

        Assert.True(result.Allowed);
        Assert.Empty(result.Patch);
        var removed = Assert.Single(state.Removed);
        Assert.Equal("binding", removed.Owner.Name);
        Assert.Equal([Namespace + "/pod-xyz12"], removed.Workloads);
    }

    [Fact]
    public async Task B24_bookkeeping_failure_on_delete_is_a_warning_by_default_and_500_when_asked()
    {
        var state = new FakeAdmissionState { RemoveError = new InvalidOperationException("status update failed") };
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.SeccompProfile, "profile", "foo", "1", "2", "3"));
        var review = Pod("DELETE", null, TestPod(), name: "pod-xyz12");

        await using (var server = await StartAsync(state))
        {
            var result = await server.PostAsync(Path, review);
            Assert.True(result.Allowed);
            Assert.Contains(result.Warnings, w => w.Contains("status update failed", StringComparison.Ordinal));
        }

        await using (var upstream = await StartAsync(state, o => o.Binding = o.Binding with { ProfileRetry = FastRetry, DeleteBookkeepingFailure = BookkeepingFailurePolicy.Deny }))
        {
            var result = await upstream.PostAsync(Path, review);
            Assert.False(result.Allowed);
            Assert.Equal(500, result.Code);
        }
    }

    [Fact]
    public async Task B25_missing_profile_is_skipped_after_the_retry()
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.AppArmorProfile, "missing", "foo"));
        await using var server = await StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.True(result.Allowed);
        Assert.Empty(result.Patch);
        Assert.Equal(5, state.ProfileLookups);
        Assert.Contains(result.Warnings, w => w.Contains("missing not found", StringComparison.Ordinal));
        Assert.Empty(state.Added);
    }

    [Fact]
    public async Task V1beta1_reviews_get_v1beta1_answers()
    {
        await using var server = await StartAsync(SeccompState("foo"));

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod(), version: "v1beta1"));

        Assert.Equal("admission.k8s.io/v1beta1", result.ApiVersion);
        Assert.Single(result.Patch);
    }

    internal static FakeAdmissionState SeccompState(string image)
    {
        var state = new FakeAdmissionState();
        state.Bindings.Add(NewBinding("binding", ProfileBindingProfileKind.SeccompProfile, "profile", image));
        state.AddProfile(ProfileBindingProfileKind.SeccompProfile, "profile", localhostProfile: "operator/profile.json");
        return state;
    }

    private static Task<WebhookServer> StartAsync(FakeAdmissionState state, Action<SpoAdmissionOptions>? options = null) =>
        WebhookServer.StartAsync(state, options ?? (o => o.Binding = o.Binding with { ProfileRetry = FastRetry }));
}
