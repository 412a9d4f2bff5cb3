using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Admission;
using SpoSdk.Admission.State;
using SpoSdk.Api.V1;
using SpoSdk.Tests.Admission.Infrastructure;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>
/// What an attacker (or a broken client) can send the webhooks over HTTPS: every answer is a 400 with
/// a reason for what is not a decodable AdmissionReview, a 200 verdict for what is, and never a crash.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private static readonly string[] Paths = [SpoWebhooks.BindingPath, SpoWebhooks.RecordingPath, SpoWebhooks.ExecMetadataPath, SpoWebhooks.RawSelinuxProfileValidationPath];
    private FakeAdmissionState _state = null!;
    private WebhookServer _server = null!;

    public async Task InitializeAsync()
    {
        _state = BindingVectorTests.SeccompState("foo");
        _state.Recordings.Add(NewRecording("rec", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf));
        _server = await WebhookServer.StartAsync(_state);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> Undecodable => new()
    {
        { "empty body", string.Empty },
        { "truncated JSON", "{\"kind\":" },
        { "not an object", "[1,2,3]" },
        { "a string", "\"AdmissionReview\"" },
        { "wrong kind", """{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u","desiredAPIVersion":"v1","objects":[]}}""" },
        { "unknown review version", """{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}}""" },
        { "kind of the wrong type", """{"apiVersion":"admission.k8s.io/v1","kind":7,"request":{"uid":"u","operation":"CREATE"}}""" },
        { "no request", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""" },
        { "request is a list", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":[]}""" },
        { "no uid", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}""" },
        { "empty uid", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"","operation":"CREATE"}}""" },
        { "numeric uid", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":42,"operation":"CREATE"}}""" },
        { "lone surrogate uid", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\udc00","operation":"CREATE"}}""" },
        { "no operation", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}}""" },
        { "object is a string", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":"pod"}}""" },
        { "duplicate keys", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","operation":"DELETE"}}""" },
        { "trailing garbage", """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}} {}""" },
        { "base64 instead of JSON", Convert.ToBase64String(Encoding.UTF8.GetBytes(Pod("CREATE", TestPod()))) },
        { "deep nesting", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"operation\":\"CREATE\",\"object\":{\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}}}" },
        { "comments", "{/* hi */\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"operation\":\"CREATE\"}}" },
    };

    [Theory]
    [MemberData(nameof(Undecodable))]
    public async Task Undecodable_bodies_get_400_with_a_reason_on_every_path(string what, string body)
    {
        foreach (var path in Paths)
        {
            var (status, text) = await _server.PostRawAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(status == HttpStatusCode.BadRequest, what + " on " + path + ": " + status + " " + text);
            Assert.False(string.IsNullOrWhiteSpace(text));
        }
    }

    [Fact]
    public async Task Invalid_utf8_gets_400()
    {
        var bytes = Encoding.UTF8.GetBytes(Pod("CREATE", TestPod()).Replace("\"foo\"", "\"f\u00ffo\"", StringComparison.Ordinal));
        var index = Array.IndexOf(bytes, (byte)0xC3);
        bytes[index] = 0xFF;

        var (status, text) = await _server.PostRawAsync(SpoWebhooks.BindingPath, new ByteArrayContent(bytes));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("UTF-8", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bodies_over_3_MiB_get_400_with_or_without_a_length(bool withLength)
    {
        var pod = TestPod();
        pod["metadata"]!["annotations"] = new JsonObject { ["big"] = new string('x', (3 * 1024 * 1024) + 10) };
        var body = Encoding.UTF8.GetBytes(Pod("CREATE", pod));
        HttpContent content = withLength ? new ByteArrayContent(body) : new StreamContent(new MemoryStream(body));
        content.Headers.ContentLength = withLength ? body.Length : null;
        using var request = new HttpRequestMessage(HttpMethod.Post, SpoWebhooks.BindingPath) { Content = content };
        request.Headers.TransferEncodingChunked = !withLength;

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger than 3145728 bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_big_pod_under_the_cap_is_still_judged_and_quickly()
    {
        var containers = Enumerable.Range(0, 5_000).Select(i => ("c" + i, i % 2 == 0 ? "foo" : "bar")).ToArray();
        var pod = PodWith(containers, []);
        var stopwatch = Stopwatch.StartNew();

        var result = await _server.PostAsync(SpoWebhooks.BindingPath, Pod("CREATE", pod));

        Assert.True(result.Allowed);
        Assert.Equal(2_500, result.Patch.Count);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), "took " + stopwatch.Elapsed);
    }

    [Theory]
    [InlineData(SpoWebhooks.BindingPath, false)]
    [InlineData(SpoWebhooks.RecordingPath, false)]
    [InlineData(SpoWebhooks.RawSelinuxProfileValidationPath, false)]
    [InlineData(SpoWebhooks.ExecMetadataPath, true)]
    public async Task Unknown_operations_get_a_verdict_not_a_crash(string path, bool allowed)
    {
        var result = await _server.PostAsync(path, Pod("PATCH", TestPod()));

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(allowed, result.Allowed);
        if (!allowed)
        {
            Assert.Equal(400, result.Code);
            Assert.Contains("unsupported operation PATCH", result.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Response_fields_smuggled_into_the_request_are_ignored()
    {
        var review = JsonNode.Parse(Pod("CREATE", TestPod()))!;
        review["response"] = new JsonObject { ["uid"] = "other", ["allowed"] = true, ["patchType"] = "JSONPatch", ["patch"] = "!!!not-base64!!!" };
        review["request"]!["patch"] = "%%%";

        var result = await _server.PostAsync(SpoWebhooks.BindingPath, review.ToJsonString());

        Assert.True(result.Allowed);
        Assert.Equal("test-uid", result.Uid);
        Assert.Single(result.Patch);
    }

    [Fact]
    public async Task Hostile_strings_in_the_pod_are_carried_as_data()
    {
        var pod = TestPod(("c\"\\/~0~1 <script>", "foo"));
        pod["metadata"]!["labels"] = new JsonObject { ["a/b~c"] = "\u2028\u0000" };

        var result = await _server.PostAsync(SpoWebhooks.RecordingPath, Pod("CREATE", pod));

        Assert.True(result.Allowed);
        var patched = result.Apply(pod);
        Assert.NotNull(patched["metadata"]!["annotations"]!["io.containers.trace-bpf/c\"\\/~0~1 <script>"]);
    }

    [Fact]
    public async Task Other_methods_are_not_routed_to_the_handlers()
    {
        using var response = await _server.Client.GetAsync(SpoWebhooks.BindingPath);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Many_concurrent_reviews_are_all_answered()
    {
        var tasks = Enumerable.Range(0, 200).Select(async i =>
        {
            var path = Paths[i % Paths.Length];
            var body = i % 3 == 0 ? "{\"kind\":" : Pod("CREATE", TestPod(), uid: "uid-" + i);
            using var response = await _server.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            return (i, response.StatusCode, await response.Content.ReadAsStringAsync());
        });

        foreach (var (i, status, text) in await Task.WhenAll(tasks))
        {
            Assert.Equal(i % 3 == 0 ? HttpStatusCode.BadRequest : HttpStatusCode.OK, status);
            if (status == HttpStatusCode.OK)
            {
                Assert.Equal("uid-" + i, (string?)JsonNode.Parse(text)!["response"]!["uid"]);
            }
        }
    }

    [Fact]
    public async Task A_hanging_state_costs_the_time_budget_and_gives_a_verdict()
    {
        var hanging = new HangingState();
        await using var server = await WebhookServer.StartAsync(
            null,
            o => o.Processing = o.Processing with { HandlerTimeout = TimeSpan.FromMilliseconds(300) },
            services => services.AddSingleton<IAdmissionLookups>(hanging).AddSingleton<IWorkloadBookkeeping>(hanging));
        var stopwatch = Stopwatch.StartNew();

        var binding = await server.PostAsync(SpoWebhooks.BindingPath, Pod("CREATE", TestPod()));
        var recording = await server.PostAsync(SpoWebhooks.RecordingPath, Pod("CREATE", TestPod()));

        Assert.False(binding.Allowed);
        Assert.Equal(504, binding.Code);
        Assert.Contains("did not finish", binding.Message, StringComparison.Ordinal);
        Assert.False(recording.Allowed);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), "took " + stopwatch.Elapsed);
    }

    [Fact]
    public async Task A_throwing_state_gives_a_verdict_and_the_server_keeps_serving()
    {
        var state = BindingVectorTests.SeccompState("foo");
        state.ProfileError = new NullReferenceException("bug");
        await using var server = await WebhookServer.StartAsync(state);

        var broken = await server.PostAsync(SpoWebhooks.BindingPath, Pod("CREATE", TestPod()));
        state.ProfileError = null;
        var healthy = await server.PostAsync(SpoWebhooks.BindingPath, Pod("CREATE", TestPod()));

        Assert.False(broken.Allowed);
        Assert.Equal(500, broken.Code);
        Assert.True(healthy.Allowed);
        Assert.Single(healthy.Patch);
    }

    // Lookups that never answer unless cancelled.
    private sealed class HangingState : IAdmissionLookups, IWorkloadBookkeeping
    {
        public async ValueTask<IReadOnlyList<ProfileBinding>> ListProfileBindingsAsync(string @namespace, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return [];
        }

        public async ValueTask<IReadOnlyList<ProfileRecording>> ListProfileRecordingsAsync(string @namespace, CancellationToken cancellationToken)
        {
            // Ignores cancellation on purpose: the processor must answer anyway.
            await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
            return [];
        }

        public ValueTask<BindableProfile?> GetProfileAsync(ProfileBindingProfileKind kind, string name, CancellationToken cancellationToken) => ValueTask.FromResult<BindableProfile?>(null);

        public ValueTask<bool> HasOtherLivePodsAsync(string @namespace, string generateName, string excludingName, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<IReadOnlyDictionary<string, string>?> GetNamespaceLabelsAsync(string @namespace, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyDictionary<string, string>?>(null);

        public ValueTask AddWorkloadAsync(WorkloadOwnerKind kind, SpoSdk.Runtime.ObjectKey owner, string workload, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RemoveWorkloadsAsync(WorkloadOwnerKind kind, SpoSdk.Runtime.ObjectKey owner, IReadOnlyCollection<string> workloads, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WarnAsync(WorkloadOwnerKind kind, SpoSdk.Runtime.ObjectKey owner, string reason, string message, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
