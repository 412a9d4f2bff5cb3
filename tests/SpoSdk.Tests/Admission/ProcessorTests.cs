using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Admission;
using SpoSdk.AspNetCore.Webhooks;
using SpoSdk.Tests.Admission.Infrastructure;
using SpoSdk.Tests.AspNetCore;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>The processor every endpoint runs handlers through, and the endpoint wiring.</summary>
public sealed class ProcessorTests
{
    [Fact]
    public async Task A_throwing_handler_becomes_its_failure_verdict()
    {
        var result = await InProcess.RunAsync(new DelegateHandler((_, _) => throw new InvalidOperationException("boom")), Pod("CREATE", TestPod()));

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.False(result.Allowed);
        Assert.Equal(500, result.Code);
        Assert.Contains("boom", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_over_its_budget_is_answered_for_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        var gate = new TaskCompletionSource();
        var handler = new DelegateHandler(async (_, _) =>
        {
            await gate.Task;
            return AdmissionResponse.Allow();
        });
        var processor = new AdmissionReviewProcessor(new AdmissionProcessingOptions { HandlerTimeout = TimeSpan.FromSeconds(2) }, time);

        var pending = processor.ProcessAsync(Encoding.UTF8.GetBytes(Pod("CREATE", TestPod())), handler).AsTask();
        await Task.Delay(20);
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(3));
        var outcome = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        gate.SetResult();

        var response = JsonNode.Parse(outcome.Body)!["response"]!;
        Assert.False((bool)response["allowed"]!);
        Assert.Equal(504, (int)response["status"]!["code"]!);
    }

    [Fact]
    public async Task A_failing_metadata_webhook_fails_open()
    {
        var result = await InProcess.RunAsync(new SpoSdk.Admission.ExecMetadata.ExecMetadataWebhook(), Pod("CREATE", new JsonObject { ["spec"] = new JsonObject { ["containers"] = 3 } }));

        Assert.True(result.Allowed);
        Assert.NotEmpty(result.Warnings);
    }

    [Fact]
    public void Responses_echo_the_version_and_carry_patches_only_when_allowed()
    {
        var request = new AdmissionRequest("abc", AdmissionOperation.Create) { ReviewVersion = AdmissionReviewVersion.V1Beta1 };
        var patch = new[] { JsonPatchOperation.Add("/metadata/annotations/a~1b", "v") };

        var allowed = JsonNode.Parse(AdmissionReviewCodec.Encode(request, AdmissionResponse.Patched(patch)))!;
        var denied = JsonNode.Parse(AdmissionReviewCodec.Encode(request, AdmissionResponse.Deny("no") with { Patch = patch }))!;

        Assert.Equal("admission.k8s.io/v1beta1", (string?)allowed["apiVersion"]);
        Assert.Equal("abc", (string?)allowed["response"]!["uid"]);
        Assert.Equal("""[{"op":"add","path":"/metadata/annotations/a~1b","value":"v"}]""", Encoding.UTF8.GetString(Convert.FromBase64String((string)allowed["response"]!["patch"]!)));
        Assert.Null(denied["response"]!["patch"]);
        Assert.Equal("Forbidden", (string?)denied["response"]!["status"]!["reason"]);
        Assert.Equal("a~1b~0c", JsonPointer.Escape("a/b~c"));
    }

    [Fact]
    public async Task MapSpoWebhooks_serves_conversion_too_and_needs_its_services()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState(), tls: false);
        var review = """{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"c","desiredAPIVersion":"security-profiles-operator.x-k8s.io/v1","objects":[]}}""";

        using var response = await server.Client.PostAsync("/convert", new StringContent(review, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Success", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!["result"]!["status"]);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LoopbackServer.StartAsync(_ => { }, app => app.MapSpoWebhooks()));
        Assert.Contains("AddSpoWebhooks", error.Message, StringComparison.Ordinal);
    }

    private sealed class DelegateHandler(Func<AdmissionRequest, CancellationToken, ValueTask<AdmissionResponse>> handle) : IAdmissionHandler
    {
        public string Name => "test.spo.io";

        public ValueTask<AdmissionResponse> HandleAsync(AdmissionRequest request, CancellationToken cancellationToken) => handle(request, cancellationToken);

        public AdmissionResponse Failed(int code, string message) => AdmissionResponse.Errored(code, message);
    }
}
