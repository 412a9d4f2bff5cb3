using System.Text.Json.Nodes;
using SpoSdk.Admission;
using SpoSdk.Tests.Admission.Infrastructure;

namespace SpoSdk.Tests.Admission;

/// <summary>
/// Upstream's <c>execmetadata_test.go TestHandler_Handle</c> vectors (test-vectors.md §1.10), and the
/// argument-array rules of runtime.md §4.5/§9 under hostile commands, over HTTPS.
/// </summary>
public sealed class ExecMetadataVectorTests
{
    private const string Path = SpoWebhooks.ExecMetadataPath;

    [Fact]
    public async Task Node_debugging_pod_gets_the_uid_in_container_0()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState());
        var pod = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "debugger", ["image"] = "busybox" }) } };

        var result = await server.PostAsync(Path, PodReview("CREATE", pod, null, null));

        AssertCommon(result);
        var op = Assert.Single(result.Patch)!;
        Assert.Equal("add", (string?)op["op"]);
        Assert.Equal("/spec/containers/0/env", (string?)op["path"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"name":"SPO_EXEC_REQUEST_UID","value":"test-uid"}]"""), op["value"]));
        Assert.Equal("test-uid", (string?)result.Apply(pod)["spec"]!["containers"]![0]!["env"]![0]!["value"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("overwritethis")]
    public async Task New_ephemeral_container_gets_the_uid(string? existing)
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState());
        var debug = new JsonObject { ["name"] = "debug-1", ["image"] = "busybox", ["targetContainerName"] = "test" };
        if (existing is not null)
        {
            debug["env"] = new JsonArray(new JsonObject { ["name"] = "SPO_EXEC_REQUEST_UID", ["value"] = existing }, new JsonObject { ["name"] = "KEEP", ["value"] = "1" });
        }

        var pod = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "test", ["image"] = "nginx" }),
                ["ephemeralContainers"] = new JsonArray(debug),
            },
        };

        var result = await server.PostAsync(Path, PodReview("UPDATE", pod, new JsonObject { ["spec"] = new JsonObject() }, "ephemeralcontainers"));

        AssertCommon(result);
        var op = Assert.Single(result.Patch)!;
        Assert.Equal("/spec/ephemeralContainers/0/env", (string?)op["path"]);
        var env = result.Apply(pod)["spec"]!["ephemeralContainers"]![0]!["env"]!.AsArray();
        Assert.Single(env, e => (string?)e!["name"] == "SPO_EXEC_REQUEST_UID");
        Assert.Equal("test-uid", (string?)env.Single(e => (string?)e!["name"] == "SPO_EXEC_REQUEST_UID")!["value"]);
        Assert.Equal(existing is null ? 1 : 2, env.Count);
    }

    [Fact]
    public async Task Started_ephemeral_containers_are_left_alone()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState());
        var old = new JsonObject { ["name"] = "debug-1", ["image"] = "busybox" };
        var pod = new JsonObject
        {
            ["spec"] = new JsonObject { ["ephemeralContainers"] = new JsonArray(old.DeepClone(), new JsonObject { ["name"] = "debug-2", ["image"] = "busybox" }, new JsonObject { ["name"] = "debug-3", ["image"] = "busybox" }) },
            ["status"] = new JsonObject { ["ephemeralContainerStatuses"] = new JsonArray(new JsonObject { ["name"] = "debug-2" }) },
        };

        var result = await server.PostAsync(Path, PodReview("UPDATE", pod, new JsonObject { ["spec"] = new JsonObject { ["ephemeralContainers"] = new JsonArray(old) } }, "ephemeralcontainers"));

        Assert.Equal("/spec/ephemeralContainers/2/env", (string?)Assert.Single(result.Patch)!["path"]);
    }

    [Theory]
    [InlineData(new[] { "echo", "hello" }, new[] { "env", "SPO_EXEC_REQUEST_UID=test-uid", "echo", "hello" })]
    [InlineData(new[] { "env", "SPO_EXEC_REQUEST_UID=overwrite", "echo", "hello" }, new[] { "env", "SPO_EXEC_REQUEST_UID=test-uid", "echo", "hello" })]
    // Beyond upstream's vectors: every assignment is forced to the real uid, and the env prefix is always there.
    [InlineData(new[] { "echo", "SPO_EXEC_REQUEST_UID=x" }, new[] { "env", "SPO_EXEC_REQUEST_UID=test-uid", "echo", "SPO_EXEC_REQUEST_UID=test-uid" })]
    [InlineData(new[] { "env", "SPO_EXEC_REQUEST_UID=a\nb", "sh" }, new[] { "env", "SPO_EXEC_REQUEST_UID=test-uid", "sh" })]
    [InlineData(new[] { "env", "-i", "SPO_EXEC_REQUEST_UID=fake", "sh" }, new[] { "env", "SPO_EXEC_REQUEST_UID=test-uid", "env", "-i", "SPO_EXEC_REQUEST_UID=test-uid", "sh" })]
    [InlineData(new[] { "sh", "-c", "echo $(id); rm -rf / # SPO_EXEC_REQUEST_UID=x" }, new[] { "env", "SPO_EXEC_REQUEST_UID=test-uid", "sh", "-c", "echo $(id); rm -rf / # SPO_EXEC_REQUEST_UID=x" })]
    [InlineData(new string[0], new[] { "env", "SPO_EXEC_REQUEST_UID=test-uid" })]
    public async Task Exec_commands_stay_argument_arrays(string[] command, string[] expected)
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState());
        var options = new JsonObject { ["kind"] = "PodExecOptions", ["apiVersion"] = "v1", ["stdin"] = true, ["container"] = "nginx", ["command"] = new JsonArray(command.Select(c => (JsonNode?)c).ToArray()) };

        var result = await server.PostAsync(Path, Reviews.Review("CONNECT", options, null, "test-uid", "nginx-pod", "default", "v1", false, ("", "v1", "PodExecOptions"), ("", "v1", "pods"), "exec"));

        AssertCommon(result);
        var op = Assert.Single(result.Patch)!;
        Assert.Equal("add", (string?)op["op"]);
        Assert.Equal("/command", (string?)op["path"]);
        Assert.Equal(expected, op["value"]!.AsArray().Select(v => (string)v!).ToArray());
    }

    [Fact]
    public async Task What_it_cannot_handle_is_allowed_unchanged_with_a_warning()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState());
        var pod = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c" }) } };

        var unknownSub = await server.PostAsync(Path, PodReview("UPDATE", pod, pod, "status"));
        var noContainers = await server.PostAsync(Path, PodReview("CREATE", new JsonObject { ["spec"] = new JsonObject() }, null, null));
        var badCommand = await server.PostAsync(Path, Reviews.Review("CONNECT", new JsonObject { ["command"] = "rm -rf /" }, null, "u", "p", "default", "v1", false, ("", "v1", "PodExecOptions"), ("", "v1", "pods"), "exec"));
        var otherKind = await server.PostAsync(Path, Reviews.Review("CONNECT", new JsonObject(), null, "u", "p", "default", "v1", false, ("", "v1", "PodAttachOptions"), ("", "v1", "pods"), "attach"));

        foreach (var result in new[] { unknownSub, noContainers, badCommand })
        {
            Assert.True(result.Allowed);
            Assert.Empty(result.Patch);
            Assert.Contains(result.Warnings, w => w.StartsWith("the security profiles operator did not add the exec metadata", StringComparison.Ordinal));
        }

        Assert.True(otherKind.Allowed);
        Assert.Empty(otherKind.Patch);
        Assert.Equal("pod exec request unmodified", otherKind.Message);
    }

    private static void AssertCommon(ReviewResult result)
    {
        Assert.True(result.Allowed);
        Assert.Equal(200, result.Code);
        Assert.Equal("UID added to execmetadata", result.Message);
        Assert.Equal("test-uid", (string?)result.AuditAnnotations?["SPO_EXEC_REQUEST_UID"]);
    }

    private static string PodReview(string operation, JsonNode pod, JsonNode? old, string? subResource) =>
        Reviews.Review(operation, pod, old, "test-uid", "debug-pod", "default", "v1", false, ("", "v1", "Pod"), ("", "v1", "pods"), subResource);
}
