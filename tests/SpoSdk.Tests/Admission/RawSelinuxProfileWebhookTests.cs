using System.Text.Json.Nodes;
using SpoSdk.Admission;
using SpoSdk.Tests.Admission.Infrastructure;

namespace SpoSdk.Tests.Admission;

/// <summary>
/// <c>/validate-rawselinuxprofile</c> with upstream's <c>TestValidatePolicy</c> vectors
/// (test-vectors.md §1.6.2) sent as v1 and as v1alpha2 objects — both held to the v1 rules — over HTTPS.
/// </summary>
public sealed class RawSelinuxProfileWebhookTests : IAsyncLifetime
{
    private const string Path = SpoWebhooks.RawSelinuxProfileValidationPath;
    // Upstream's vector is the bytes ff fe fd, which JSON cannot carry (the API server would send
    // U+FFFD); the nearest a review can come is escaped lone surrogates, sent as this text.
    private const string InvalidUtf8 = "<escaped lone surrogates>";
    private WebhookServer? _server;

    public static TheoryData<string, string?> Vectors => new()
    {
        { "(allow container_t shadow_t (file (read open)))", null },
        { "", "policy must not be empty" },
        { "   \n\t  ", "policy must not be empty" },
        { "(allow container_t \0 shadow_t (file (read)))", "policy must not contain null bytes" },
        { InvalidUtf8, "policy must be valid UTF-8" },
        { ") (typepermissive spc_t) (block x", "unmatched closing parenthesis" },
        { "(allow container_t (file (read)", "unbalanced parentheses" },
        { "(((( )))) () (())", null },
        { "(typepermissive spc_t)", "restricted global directive 'typepermissive'" },
        { "(classorder (file dir))", "restricted global directive 'classorder'" },
        { "( \t \n typepermissive spc_t)", "restricted global directive 'typepermissive'" },
        { "(TYPEPERMISSIVE spc_t)", "restricted global directive 'typepermissive'" },
        { "(allow my_t my_test_t (file (read))) (mls (sensitivity s0))", "restricted global directive 'mls'" },
        { "(allow container_t self (capability (sys_admin))) ) \n\t\t\t(typepermissive spc_t) (allow container_t shadow_t (file (read open))) (block x", "unmatched closing parenthesis" },
        { "(allow typepermissive file (read))", null },
        { "(type my_container_t) (typealias my_alias_t (my_container_t))", null },
    };

    public async Task InitializeAsync() => _server = await WebhookServer.StartAsync(new FakeAdmissionState());

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Theory]
    [MemberData(nameof(Vectors))]
    public async Task Policy_vectors_as_v1_objects(string policy, string? error) => await AssertVerdict("v1", "CREATE", policy, error);

    [Theory]
    [MemberData(nameof(Vectors))]
    public async Task Policy_vectors_as_v1alpha2_objects_get_the_v1_rules(string policy, string? error) => await AssertVerdict("v1alpha2", "UPDATE", policy, error);

    [Fact]
    public async Task Upstreams_example_is_refused_because_the_validator_wins()
    {
        await AssertVerdict("v1", "CREATE", "(blockinherit container)\n(allow process var_log_t (file (open read getattr)))", "restricted global directive 'blockinherit'");
    }

    [Fact]
    public async Task Delete_is_allowed_and_undecodable_objects_get_400()
    {
        var delete = await _server!.PostAsync(Path, Review("DELETE", null, "v1"));
        var wrongKind = await _server.PostAsync(Path, Review("CREATE", new JsonObject { ["apiVersion"] = "security-profiles-operator.x-k8s.io/v1", ["kind"] = "SelinuxProfile", ["metadata"] = new JsonObject { ["name"] = "x" } }, "v1"));
        var badShape = await _server.PostAsync(Path, Review("CREATE", new JsonObject { ["apiVersion"] = "security-profiles-operator.x-k8s.io/v1", ["kind"] = "RawSelinuxProfile", ["spec"] = new JsonObject { ["policy"] = new JsonArray(1, 2) } }, "v1"));
        var oldVersion = await _server.PostAsync(Path, Review("CREATE", Profile("v1beta1", "(allow a b (file (read)))"), "v1"));
        var tooLong = await _server.PostAsync(Path, Review("CREATE", Profile("v1", "(allow a b (file (read)))" + new string(' ', 500_000)), "v1"));

        Assert.True(delete.Allowed);
        foreach (var result in new[] { wrongKind, badShape, oldVersion })
        {
            Assert.False(result.Allowed);
            Assert.Equal(400, result.Code);
        }

        Assert.False(tooLong.Allowed);
        Assert.Equal(403, tooLong.Code);
    }

    // Only a changed policy is judged: the daemon removing its finalizer from a profile whose stored policy the rules
    // in force refuse (created before the webhook, or under older rules) must pass, or the profile is never deleted.
    [Fact]
    public async Task An_update_that_keeps_the_policy_is_allowed_and_one_that_changes_it_is_judged()
    {
        const string Refused = "(blockinherit container)\n(allow process var_log_t (file (open read getattr)))";
        var old = Profile("v1", Refused);
        old["metadata"]!["finalizers"] = new JsonArray("node-a-deleted");
        var finalizerRemoved = Profile("v1", Refused);
        finalizerRemoved["metadata"]!["deletionTimestamp"] = "2026-11-27T12:00:00Z";

        var kept = await _server!.PostAsync(Path, Update(finalizerRemoved, old));
        var changed = await _server.PostAsync(Path, Update(Profile("v1", Refused + "\n(allow process var_log_t (file (write)))"), old));
        var madeRefusable = await _server.PostAsync(Path, Update(Profile("v1", Refused), Profile("v1", "(allow a b (file (read)))")));

        Assert.True(kept.Allowed, kept.Message);
        Assert.False(changed.Allowed);
        Assert.Contains("blockinherit", changed.Message, StringComparison.Ordinal);
        Assert.False(madeRefusable.Allowed);
    }

    private static string Update(JsonNode obj, JsonNode old) =>
        Reviews.Review("UPDATE", obj, old, "raw-uid", "errorlogger", string.Empty, "v1", false,
            ("security-profiles-operator.x-k8s.io", "v1", "RawSelinuxProfile"), ("security-profiles-operator.x-k8s.io", "v1", "rawselinuxprofiles"), null);

    private async Task AssertVerdict(string version, string operation, string policy, string? error)
    {
        // The policy goes in as escaped JSON text, so lone surrogates reach the server as the wire has them.
        var review = Review(operation, Profile(version, "@@POLICY@@"), "v1beta1").Replace("\"@@POLICY@@\"", policy == InvalidUtf8 ? "\"\\udcff\\udcfe\"" : JsonLiteral(policy), StringComparison.Ordinal);
        var result = await _server!.PostAsync(Path, review);

        Assert.Equal("admission.k8s.io/v1beta1", result.ApiVersion);
        if (policy == InvalidUtf8)
        {
            // An escaped lone surrogate does not decode to a string: refused before the validator sees it.
            Assert.False(result.Allowed);
            Assert.Contains(result.Code, new[] { 400, 403 });
        }
        else if (error is null)
        {
            Assert.True(result.Allowed, result.Message);
            Assert.Equal(200, result.Code);
        }
        else
        {
            Assert.False(result.Allowed);
            Assert.Equal(403, result.Code);
            Assert.Equal("Forbidden", result.Reason);
            Assert.Contains(error, result.Message, StringComparison.Ordinal);
        }
    }

    private static string JsonLiteral(string text) =>
        "\"" + string.Concat(text.Select(c => c is < ' ' or '"' or '\\' or > '~' ? "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture) : c.ToString())) + "\"";

    private static JsonObject Profile(string version, string policy) => new()
    {
        ["apiVersion"] = "security-profiles-operator.x-k8s.io/" + version,
        ["kind"] = "RawSelinuxProfile",
        ["metadata"] = new JsonObject { ["name"] = "errorlogger", ["uid"] = "0b0b" },
        ["spec"] = new JsonObject { ["policy"] = policy },
    };

    private static string Review(string operation, JsonNode? obj, string reviewVersion) =>
        Reviews.Review(operation, obj, operation == "DELETE" ? Profile("v1", "(x)") : null, "raw-uid", "errorlogger", string.Empty, reviewVersion, false,
            ("security-profiles-operator.x-k8s.io", "v1", "RawSelinuxProfile"), ("security-profiles-operator.x-k8s.io", "v1", "rawselinuxprofiles"), null);
}
