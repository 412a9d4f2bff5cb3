using System.Text.Json.Nodes;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.Apply;

namespace SpoSdk.Tests.Runtime.Backends.Apply;

/// <summary>
/// Field ownership on JSON trees with the SPO CRD schemas: the FieldsV1 sets written (map-list items by key
/// with ".", set items by value, atomic lists whole), and what updates do to other managers' fields.
/// </summary>
public sealed class FieldOwnershipTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly FieldSchema Spod = FieldSchemas.Spo.For("security-profiles-operator.x-k8s.io", "SecurityProfilesOperatorDaemon", "v1")!;

    [Fact]
    public void An_apply_records_map_items_by_key_set_items_by_value_and_atomic_lists_whole()
    {
        var applied = Daemon("""
            {"daemonResourceRequirements":{"claims":[{"name":"a","request":"gpu"}]},
             "selinux":{"options":{"allowedSystemProfiles":["x"]}},
             "scheduling":{"tolerations":[{"key":"k","operator":"Exists"}]},
             "imagePullSecrets":[{"name":"pull"}]}
            """);

        var result = FieldOwnership.Apply(null, applied, "alice", force: false, FieldScope.Main, Spod, Now);

        var entry = Assert.Single(result["metadata"]!["managedFields"]!.AsArray())!;
        Assert.Equal("2026-01-02T03:04:05Z", (string?)entry["time"]);
        AssertJson(
            """{"f:spec":{"f:daemonResourceRequirements":{"f:claims":{"k:{\"name\":\"a\"}":{".":{},"f:name":{},"f:request":{}}}},"f:imagePullSecrets":{"k:{\"name\":\"pull\"}":{}},"f:scheduling":{"f:tolerations":{}},"f:selinux":{"f:options":{"f:allowedSystemProfiles":{"v:\"x\"":{}}}}}}""",
            entry["fieldsV1"]);
    }

    [Fact]
    public void An_update_takes_changed_fields_from_appliers_and_removed_fields_from_everyone()
    {
        var live = FieldOwnership.Apply(null, Daemon("""{"verbosity":1,"enableProfiling":true}"""), "alice", force: false, FieldScope.Main, Spod, Now);
        var updated = (JsonObject)live.DeepClone();
        updated["spec"]!["verbosity"] = 0;
        updated["spec"]!.AsObject().Remove("enableProfiling");

        FieldOwnership.RecordUpdate(live, updated, "editor", FieldScope.Main, Spod, Now);

        var entries = updated["metadata"]!["managedFields"]!.AsArray();
        var editor = Assert.Single(entries)!;
        Assert.Equal(("editor", "Update"), ((string?)editor["manager"], (string?)editor["operation"]));
        AssertJson("""{"f:spec":{"f:verbosity":{}}}""", editor["fieldsV1"]);

        // alice owns nothing now, so her next apply of the old value is not a conflict with her own past.
        var again = Assert.Throws<ResourceConflictException>(() => FieldOwnership.Apply(updated, Daemon("""{"verbosity":1}"""), "alice", force: false, FieldScope.Main, Spod, Now));
        Assert.Equal("conflict with \"editor\" using security-profiles-operator.x-k8s.io/v1", Assert.Single(again.Status.Causes).Message);
    }

    [Fact]
    public void An_update_that_changes_nothing_keeps_the_managed_fields_as_they_were()
    {
        var live = FieldOwnership.Apply(null, Daemon("""{"verbosity":1}"""), "alice", force: false, FieldScope.Main, Spod, Now);
        var same = (JsonObject)live.DeepClone();
        same["metadata"]!.AsObject().Remove("managedFields");

        FieldOwnership.RecordUpdate(live, same, "editor", FieldScope.Main, Spod, Now.AddHours(1));

        Assert.True(JsonNode.DeepEquals(live["metadata"]!["managedFields"], same["metadata"]!["managedFields"]));
    }

    // Compared as JSON: the serializer escapes quotes inside keys its own way.
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), "expected " + expected + ", got " + actual?.ToJsonString());

    private static JsonObject Daemon(string spec) => new()
    {
        ["apiVersion"] = "security-profiles-operator.x-k8s.io/v1",
        ["kind"] = "SecurityProfilesOperatorDaemon",
        ["metadata"] = new JsonObject { ["name"] = "spod", ["namespace"] = "security-profiles-operator" },
        ["spec"] = JsonNode.Parse(spec),
    };
}
