using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace SpoSdk.Tests.Runtime.Backends;

/// <summary>The test API server at the HTTP level: URL shapes, discovery, Status bodies, patches, deletes, paging and watch streams.</summary>
public sealed class KubernetesApiTestServerTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IDisposable
{
    private const string Spo = "/apis/security-profiles-operator.x-k8s.io/v1";

    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Discovery_lists_every_group_version_and_resource()
    {
        var core = await GetJsonAsync("/api");
        Assert.Equal("APIVersions", (string?)core["kind"]);
        Assert.Equal("v1", (string?)core["versions"]![0]);

        var coreResources = Resources(await GetJsonAsync("/api/v1"));
        Assert.True((bool)coreResources["pods"]["namespaced"]!);
        Assert.False((bool)coreResources["nodes"]["namespaced"]!);
        Assert.Equal("po", (string?)coreResources["pods"]["shortNames"]![0]);
        Assert.Contains("pods/status", coreResources.Keys);
        Assert.DoesNotContain("events/status", coreResources.Keys);

        var groups = (await GetJsonAsync("/apis"))["groups"]!.AsArray();
        var spo = groups.Single(g => (string?)g!["name"] == "security-profiles-operator.x-k8s.io")!;
        Assert.Equal(["v1", "v1beta1", "v1alpha2", "v1alpha1"], spo["versions"]!.AsArray().Select(v => (string)v!["version"]!).ToArray());
        Assert.Equal("security-profiles-operator.x-k8s.io/v1", (string?)spo["preferredVersion"]!["groupVersion"]);
        Assert.Contains(groups, g => (string?)g!["name"] == "coordination.k8s.io");

        var v1 = Resources(await GetJsonAsync(Spo));
        Assert.Equal("sp", (string?)v1["seccompprofiles"]["shortNames"]![0]);
        Assert.Equal(["create", "delete", "get", "list", "patch", "update", "watch"], v1["seccompprofiles"]["verbs"]!.AsArray().Select(v => (string)v!).ToArray());
        Assert.Equal(8, v1.Keys.Count(k => !k.Contains('/', StringComparison.Ordinal)));
        Assert.Contains("profilerecordings", Resources(await GetJsonAsync("/apis/security-profiles-operator.x-k8s.io/v1alpha1")).Keys);
        Assert.Contains("leases", Resources(await GetJsonAsync("/apis/coordination.k8s.io/v1")).Keys);
        Assert.Equal("32", (string?)(await GetJsonAsync("/version"))["minor"]);

        foreach (var openapi in new[] { "/openapi/v2", "/swagger-2.0.0.pb-v1" })
        {
            using var response = await _http.GetAsync(openapi);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Server_side_apply_takes_yaml_needs_a_field_manager_and_reports_conflicts_as_causes()
    {
        const string Apply = "application/apply-patch+yaml";
        var path = Spo + "/seccompprofiles/" + Name("ssa");
        var yaml = "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: " + Name("ssa") + "\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n";
        var missing = await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, path, yaml, Apply), 400, "BadRequest");
        Assert.Contains("fieldManager", (string?)missing["message"], StringComparison.Ordinal);
        await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, path + "?fieldManager=a&force=maybe", yaml, Apply), 400, "BadRequest");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, path + "?fieldManager=a", "a: [", Apply), 400, "BadRequest");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Get, path), 404, "NotFound");

        var created = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, path + "?fieldManager=alice", yaml, Apply), expectSuccess: true);
        var entry = created["metadata"]!["managedFields"]!.AsArray().Single()!;
        Assert.Equal(("alice", "Apply", "FieldsV1"), ((string?)entry["manager"], (string?)entry["operation"], (string?)entry["fieldsType"]));
        Assert.Equal("""{"f:spec":{"f:defaultAction":{}}}""", entry["fieldsV1"]!.ToJsonString());

        var conflict = await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, path + "?fieldManager=bob", yaml.Replace("ERRNO", "LOG", StringComparison.Ordinal), Apply), 409, "Conflict");
        Assert.Equal("Apply failed with 1 conflict: conflict with \"alice\": .spec.defaultAction", (string?)conflict["message"]);
        var cause = Assert.Single(conflict["details"]!["causes"]!.AsArray())!;
        Assert.Equal(("FieldManagerConflict", "conflict with \"alice\"", ".spec.defaultAction"), ((string?)cause["reason"], (string?)cause["message"], (string?)cause["field"]));

        // The status subresource applies status alone, under its own managed-fields entry.
        var status = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, path + "/status?fieldManager=agent", yaml + "status:\n  status: Installed\n", Apply), expectSuccess: true);
        Assert.Equal(("Installed", "SCMP_ACT_ERRNO"), ((string?)status["status"]!["status"], (string?)status["spec"]!["defaultAction"]));
        Assert.Contains(status["metadata"]!["managedFields"]!.AsArray(), e => (string?)e!["manager"] == "agent" && (string?)e["subresource"] == "status");

        // Other writes are owned by the fieldManager parameter, else the User-Agent's product.
        using var request = new HttpRequestMessage(HttpMethod.Post, Spo + "/seccompprofiles") { Content = new StringContent(Profile("agent"), Encoding.UTF8, "application/json") };
        request.Headers.UserAgent.ParseAdd("my-tool/1.2");
        var posted = await ReadJsonAsync(await _http.SendAsync(request), expectSuccess: true);
        Assert.Equal(("my-tool", "Update"), ((string?)posted["metadata"]!["managedFields"]![0]!["manager"], (string?)posted["metadata"]!["managedFields"]![0]!["operation"]));
    }

    [Fact]
    public async Task Errors_are_Status_objects_with_the_real_codes_and_reasons()
    {
        await ExpectStatusAsync(await SendAsync(HttpMethod.Get, "/nonsense"), 404, "NotFound");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Get, "/apis/security-profiles-operator.x-k8s.io/v9/seccompprofiles"), 404, "NotFound");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Get, Spo + "/namespaces/default/seccompprofiles"), 404, "NotFound");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Get, Spo + "/profilebindings/x"), 404, "NotFound");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/events/x/status"), 404, "NotFound");

        var missing = await ExpectStatusAsync(await SendAsync(HttpMethod.Get, Spo + "/seccompprofiles/missing"), 404, "NotFound");
        Assert.Equal("seccompprofiles.security-profiles-operator.x-k8s.io \"missing\" not found", (string?)missing["message"]);
        Assert.Equal("seccompprofiles", (string?)missing["details"]!["kind"]);

        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles/x", Profile("x")), 405, "MethodNotAllowed");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/profilebindings", "{}"), 405, "MethodNotAllowed");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("x"), "text/plain"), 415, "UnsupportedMediaType");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", "{not json"), 400, "BadRequest");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", "[1]"), 400, "BadRequest");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", "{\"a\":\"" + new string('x', 3 * 1024 * 1024) + "\"}"), 413, "RequestEntityTooLarge");
        var mismatch = Profile("v").Replace("security-profiles-operator.x-k8s.io/v1", "security-profiles-operator.x-k8s.io/v1beta1", StringComparison.Ordinal);
        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", mismatch), 400, "BadRequest");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles?dryRun=All", Profile("dry")), 400, "BadRequest");

        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("once")), 201, null);
        var exists = await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("once")), 409, "AlreadyExists");
        Assert.Equal(Name("once"), (string?)exists["details"]!["name"]);

        var stale = Profile("once").Replace("\"name\":", "\"resourceVersion\":\"999999\",\"name\":", StringComparison.Ordinal);
        await ExpectStatusAsync(await SendAsync(HttpMethod.Put, Spo + "/seccompprofiles/" + Name("once"), stale), 409, "Conflict");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Put, Spo + "/seccompprofiles/other", stale), 400, "BadRequest");

        var invalid = await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("bad", "SCMP_ACT_NOPE")), 422, "Invalid");
        Assert.StartsWith("SeccompProfile.security-profiles-operator.x-k8s.io \"" + Name("bad") + "\" is invalid: spec.defaultAction: Unsupported value", (string?)invalid["message"], StringComparison.Ordinal);
        Assert.Equal("SeccompProfile", (string?)invalid["details"]!["kind"]);
        var cause = invalid["details"]!["causes"]![0]!;
        Assert.Equal(("spec.defaultAction", "FieldValueNotSupported"), ((string?)cause["field"], (string?)cause["reason"]));
    }

    [Fact]
    public async Task Field_validation_refuses_or_warns_about_unknown_fields()
    {
        var extra = Profile("extra").Replace("\"spec\":{", "\"spec\":{\"bogus\":1,", StringComparison.Ordinal);
        var strict = await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles?fieldValidation=Strict", extra), 400, "BadRequest");
        Assert.Equal("strict decoding error: unknown field \"spec.bogus\"", (string?)strict["message"]);

        using var warned = await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles?fieldValidation=Warn", extra);
        Assert.Equal(HttpStatusCode.Created, warned.StatusCode);
        Assert.Contains("unknown field", string.Join(" ", warned.Headers.GetValues("Warning")), StringComparison.Ordinal);
        Assert.Null((await ReadJsonAsync(warned))["spec"]!["bogus"]);
    }

    [Fact]
    public async Task Objects_take_their_namespace_from_the_url_and_cluster_scoped_ones_drop_it()
    {
        var binding = "{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"kind\":\"ProfileBinding\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"profileRef\":{\"kind\":\"SeccompProfile\",\"name\":\"x\"},\"image\":\"*\"}}";
        using var created = await SendAsync(HttpMethod.Post, Spo + "/namespaces/ns-" + _id + "/profilebindings", binding);
        Assert.Equal("ns-" + _id, (string?)(await ReadJsonAsync(created))["metadata"]!["namespace"]);
        var wrong = binding.Replace("\"name\":\"b\"", "\"name\":\"c\",\"namespace\":\"elsewhere\"", StringComparison.Ordinal);
        await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/namespaces/ns-" + _id + "/profilebindings", wrong), 400, "BadRequest");
        Assert.Single((await GetJsonAsync(Spo + "/profilebindings?labelSelector=&fieldSelector=metadata.namespace%3Dns-" + _id))["items"]!.AsArray());

        using var profile = await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("scoped").Replace("\"name\":", "\"namespace\":\"x\",\"name\":", StringComparison.Ordinal));
        Assert.Null((await ReadJsonAsync(profile))["metadata"]!["namespace"]);
    }

    [Fact]
    public async Task Merge_and_json_patches_apply_to_the_object_and_to_its_status()
    {
        await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("patched"));
        var path = Spo + "/seccompprofiles/" + Name("patched");

        var merged = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, path, "{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"defaultAction\":\"SCMP_ACT_LOG\"},\"status\":{\"status\":\"Installed\"}}", "application/merge-patch+json"));
        Assert.Equal("b", (string?)merged["metadata"]!["labels"]!["a"]);
        Assert.Equal("SCMP_ACT_LOG", (string?)merged["spec"]!["defaultAction"]);
        Assert.Null(merged["status"]);
        Assert.Equal(2, (int)merged["metadata"]!["generation"]!);

        var removed = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, path, "{\"metadata\":{\"labels\":{\"a\":null}}}", "application/merge-patch+json"));
        Assert.Null(removed["metadata"]!["labels"]?["a"]);

        var status = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, path + "/status", "{\"status\":{\"status\":\"Installed\"},\"spec\":{\"defaultAction\":\"SCMP_ACT_KILL\"}}", "application/merge-patch+json"));
        Assert.Equal("Installed", (string?)status["status"]!["status"]);
        Assert.Equal("SCMP_ACT_LOG", (string?)status["spec"]!["defaultAction"]);

        var jsonPatched = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, path, "[{\"op\":\"test\",\"path\":\"/spec/defaultAction\",\"value\":\"SCMP_ACT_LOG\"},{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"x/y\":\"1\"}},{\"op\":\"replace\",\"path\":\"/spec/defaultAction\",\"value\":\"SCMP_ACT_ERRNO\"}]", "application/json-patch+json"));
        Assert.Equal("1", (string?)jsonPatched["metadata"]!["annotations"]!["x/y"]);
        Assert.Equal("SCMP_ACT_ERRNO", (string?)jsonPatched["spec"]!["defaultAction"]);

        await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, path, "[{\"op\":\"test\",\"path\":\"/spec/defaultAction\",\"value\":\"SCMP_ACT_LOG\"}]", "application/json-patch+json"), 422, "Invalid");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, path, "{\"metadata\":{\"resourceVersion\":\"1\"}}", "application/merge-patch+json"), 409, "Conflict");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, path, "{\"spec\":{\"defaultAction\":\"NOPE\"}}", "application/merge-patch+json"), 422, "Invalid");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, path, "{}", "application/strategic-merge-patch+json"), 415, "UnsupportedMediaType");
        await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, Spo + "/seccompprofiles/missing-" + _id, "{}", "application/merge-patch+json"), 404, "NotFound");
    }

    [Fact]
    public async Task Strategic_merge_patches_without_lists_work_on_core_kinds()
    {
        await SendAsync(HttpMethod.Post, "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"smp-" + _id + "\",\"labels\":{\"a\":\"b\"}}}");
        var patched = await ReadJsonAsync(await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/smp-" + _id, "{\"metadata\":{\"labels\":{\"a\":\"c\"}}}", "application/strategic-merge-patch+json"));
        Assert.Equal("c", (string?)patched["metadata"]!["labels"]!["a"]);
        await ExpectStatusAsync(await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/smp-" + _id, "{\"metadata\":{\"finalizers\":[\"x\"]}}", "application/strategic-merge-patch+json"), 415, "UnsupportedMediaType");
    }

    [Fact]
    public async Task Deletes_answer_as_the_real_server_does()
    {
        using var created = await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("gone"));
        var uid = (string?)(await ReadJsonAsync(created))["metadata"]!["uid"];
        var mismatch = await ExpectStatusAsync(await SendAsync(HttpMethod.Delete, Spo + "/seccompprofiles/" + Name("gone"), "{\"preconditions\":{\"uid\":\"other\"}}"), 409, "Conflict");
        Assert.Equal("Operation cannot be fulfilled on seccompprofiles.security-profiles-operator.x-k8s.io \"" + Name("gone") + "\": Precondition failed: UID in precondition: other, UID in object meta: " + uid, (string?)mismatch["message"]);
        Assert.Equal((Name("gone"), "security-profiles-operator.x-k8s.io", "seccompprofiles"), ((string?)mismatch["details"]!["name"], (string?)mismatch["details"]!["group"], (string?)mismatch["details"]!["kind"]));

        var success = await ReadJsonAsync(await SendAsync(HttpMethod.Delete, Spo + "/seccompprofiles/" + Name("gone"), "{\"propagationPolicy\":\"Background\"}"));
        Assert.Equal(("Status", "Success", uid), ((string?)success["kind"], (string?)success["status"], (string?)success["details"]!["uid"]));
        await ExpectStatusAsync(await SendAsync(HttpMethod.Delete, Spo + "/seccompprofiles/" + Name("gone")), 404, "NotFound");

        var held = Profile("held").Replace("\"name\":", "\"finalizers\":[\"x/y\"],\"name\":", StringComparison.Ordinal);
        await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", held);
        var terminating = await ReadJsonAsync(await SendAsync(HttpMethod.Delete, Spo + "/seccompprofiles/" + Name("held")));
        Assert.Equal("SeccompProfile", (string?)terminating["kind"]);
        Assert.NotNull(terminating["metadata"]!["deletionTimestamp"]);

        await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-" + _id + "\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}");
        var pod = await ReadJsonAsync(await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/pod-" + _id));
        Assert.Equal("Pod", (string?)pod["kind"]);
        await ExpectStatusAsync(await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/x", "{\"propagationPolicy\":\"Sometimes\"}"), 422, "Invalid");
    }

    [Fact]
    public async Task A_delete_with_preconditions_never_deletes_a_newer_version()
    {
        // The preconditions and the deletion are one step: a delete racing an update either wins (the update then
        // finds nothing) or answers 409 (the update won); it never removes the version the update wrote.
        var bothWon = new List<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var path = Spo + "/seccompprofiles/" + Name("race" + i);
            var created = await ReadJsonAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("race" + i)));
            var version = (string)created["metadata"]!["resourceVersion"]!;
            var changed = (JsonObject)created.DeepClone();
            changed["spec"]!["defaultAction"] = "SCMP_ACT_LOG";
            var update = SendAsync(HttpMethod.Put, path, changed.ToJsonString());
            var delete = SendAsync(HttpMethod.Delete, path, "{\"preconditions\":{\"resourceVersion\":\"" + version + "\"}}");
            using var updated = await update;
            using var deleted = await delete;
            if (updated.IsSuccessStatusCode && deleted.IsSuccessStatusCode)
            {
                lock (bothWon)
                {
                    bothWon.Add(Name("race" + i));
                }
            }
            else if (!deleted.IsSuccessStatusCode)
            {
                Assert.Equal(HttpStatusCode.Conflict, deleted.StatusCode);
            }
        });

        Assert.Empty(bothWon);
    }

    [Fact]
    public async Task A_create_carrying_a_resourceVersion_is_a_500_as_on_the_real_server()
    {
        var body = Profile("versioned").Replace("\"name\":", "\"resourceVersion\":\"12345\",\"name\":", StringComparison.Ordinal);
        var status = await ExpectStatusAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", body), 500, null);
        Assert.Equal(("Failure", "resourceVersion should not be set on objects to be created", null), ((string?)status["status"], (string?)status["message"], status["reason"]));
        await ExpectStatusAsync(await SendAsync(HttpMethod.Get, Spo + "/seccompprofiles/" + Name("versioned")), 404, "NotFound");

        // What the real server cannot read as a version, or 0, it lets through and replaces.
        foreach (var (name, version) in new[] { ("zero", "0"), ("text", "abc") })
        {
            var created = await ReadJsonAsync(await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile(name).Replace("\"name\":", "\"resourceVersion\":\"" + version + "\",\"name\":", StringComparison.Ordinal)));
            Assert.NotEqual(version, (string?)created["metadata"]!["resourceVersion"]);
        }
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue_at_one_resourceVersion()
    {
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("page" + i).Replace("\"name\":", "\"labels\":{\"page\":\"" + _id + "\"},\"name\":", StringComparison.Ordinal));
        }

        var names = new List<string>();
        var versions = new HashSet<string>();
        string? next = null;
        do
        {
            var page = await GetJsonAsync(Spo + "/seccompprofiles?labelSelector=page%3D" + _id + "&limit=2" + (next is null ? string.Empty : "&continue=" + Uri.EscapeDataString(next)));
            Assert.Equal(("SeccompProfileList", "security-profiles-operator.x-k8s.io/v1"), ((string?)page["kind"], (string?)page["apiVersion"]));
            names.AddRange(page["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            versions.Add((string)page["metadata"]!["resourceVersion"]!);
            next = (string?)page["metadata"]!["continue"];

            // Something written between pages must not shift them.
            await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("noise" + names.Count));
        }
        while (next is not null);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => Name("page" + i)).ToArray(), names.ToArray());
        Assert.Single(versions);
        await ExpectStatusAsync(await SendAsync(HttpMethod.Get, Spo + "/seccompprofiles?continue=garbage"), 400, "BadRequest");
    }

    [Fact]
    public async Task A_watch_streams_initial_events_then_changes_filtered_by_selectors()
    {
        await SendAsync(HttpMethod.Post, Spo + "/seccompprofiles", Profile("present").Replace("\"name\":", "\"labels\":{\"w\":\"" + _id + "\"},\"name\":", StringComparison.Ordinal));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = await WatchAsync(Spo + "/seccompprofiles?watch=1&labelSelector=w%3D" + _id, cts.Token);
        var initial = await watch.NextAsync();
        Assert.Equal(("ADDED", Name("present")), ((string?)initial["type"], (string?)initial["object"]!["metadata"]!["name"]));

        // Losing the label leaves the selection: a DELETED for this watcher.
        await SendAsync(HttpMethod.Patch, Spo + "/seccompprofiles/" + Name("present"), "{\"metadata\":{\"labels\":{\"w\":null}}}", "application/merge-patch+json");
        Assert.Equal("DELETED", (string?)(await watch.NextAsync())["type"]);
        await SendAsync(HttpMethod.Patch, Spo + "/seccompprofiles/" + Name("present"), "{\"metadata\":{\"labels\":{\"w\":\"" + _id + "\"}}}", "application/merge-patch+json");
        Assert.Equal("ADDED", (string?)(await watch.NextAsync())["type"]);

        // The streaming-list form: the state, then a bookmark marking its end at the state's version.
        var now = (string)(await GetJsonAsync(Spo + "/seccompprofiles?labelSelector=w%3D" + _id))["metadata"]!["resourceVersion"]!;
        await using var list = await WatchAsync(Spo + "/seccompprofiles?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=w%3D" + _id, cts.Token);
        Assert.Equal("ADDED", (string?)(await list.NextAsync())["type"]);
        var end = await list.NextAsync();
        Assert.Equal(("BOOKMARK", "true", now), ((string?)end["type"], (string?)end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"], (string?)end["object"]!["metadata"]!["resourceVersion"]));
    }

    [Fact]
    public async Task The_legacy_watch_path_watches_one_object_in_the_requested_version()
    {
        var from = (string)(await GetJsonAsync("/apis/security-profiles-operator.x-k8s.io/v1alpha1/profilerecordings"))["metadata"]!["resourceVersion"]!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = await WatchAsync("/apis/security-profiles-operator.x-k8s.io/v1alpha1/watch/namespaces/ns-" + _id + "/profilerecordings/mine?resourceVersion=" + from, cts.Token);
        foreach (var name in new[] { "other", "mine" })
        {
            await ReadJsonAsync(await SendAsync(HttpMethod.Post, Spo + "/namespaces/ns-" + _id + "/profilerecordings", "{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"kind\":\"ProfileRecording\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"kind\":\"SeccompProfile\",\"recorder\":\"Logs\",\"podSelector\":{}}}"));
        }

        var added = await watch.NextAsync();
        Assert.Equal("mine", (string?)added["object"]!["metadata"]!["name"]);
        Assert.Equal("security-profiles-operator.x-k8s.io/v1alpha1", (string?)added["object"]!["apiVersion"]);
        Assert.Equal("logs", (string?)added["object"]!["spec"]!["recorder"]);
    }

    [Fact]
    public async Task A_watch_reports_bookmarks_ends_after_its_timeout_and_says_410_for_old_versions()
    {
        // A write first: on a fresh server the list says "0", and a watch from "0" starts with the current state instead of history.
        await SendAsync(HttpMethod.Post, "/api/v1/nodes", "{\"metadata\":{\"name\":\"seed-" + _id + "\"}}");
        var from = (string)(await GetJsonAsync("/api/v1/nodes"))["metadata"]!["resourceVersion"]!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using (var watch = await WatchAsync("/api/v1/nodes?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=" + from, cts.Token))
        {
            var bookmark = await watch.NextAsync();
            Assert.Equal(("BOOKMARK", "Node", "v1"), ((string?)bookmark["type"], (string?)bookmark["object"]!["kind"], (string?)bookmark["object"]!["apiVersion"]));
            Assert.True(long.Parse((string)bookmark["object"]!["metadata"]!["resourceVersion"]!) >= long.Parse(from));
            while (await watch.TryNextAsync() is not null)
            {
            }
        }

        for (var i = 0; i <= ResourceClientContract.WatchHistory; i++)
        {
            await SendAsync(HttpMethod.Post, "/api/v1/nodes", "{\"metadata\":{\"name\":\"n" + i + "-" + _id + "\"}}");
        }

        await using var expired = await WatchAsync("/api/v1/nodes?watch=true&resourceVersion=" + from, cts.Token);
        var error = await expired.NextAsync();
        Assert.Equal("ERROR", (string?)error["type"]);
        Assert.Equal((410, "Expired"), ((int)error["object"]!["code"]!, (string?)error["object"]!["reason"]));
        Assert.Null(await expired.TryNextAsync());
    }

    [Fact]
    public void The_kubeconfig_points_KubernetesClient_at_the_server()
    {
        var directory = Directory.CreateTempSubdirectory("spo-kubeconfig-");
        try
        {
            var path = fixture.Server.WriteKubeconfig(Path.Combine(directory.FullName, "nested", "config"), "team-a");
            var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            Assert.Equal(fixture.Server.BaseAddress.AbsoluteUri.TrimEnd('/'), configuration.Host.TrimEnd('/'));
            Assert.Equal("team-a", configuration.Namespace);
            Assert.Equal(IPAddress.Loopback.ToString(), fixture.Server.BaseAddress.Host);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // An APIResourceList's resources by name.
    private static Dictionary<string, JsonObject> Resources(JsonObject list) =>
        list["resources"]!.AsArray().ToDictionary(r => (string)r!["name"]!, r => r!.AsObject());

    private string Name(string name) => name + "-" + _id;

    private string Profile(string name, string action = "SCMP_ACT_ERRNO") =>
        "{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"kind\":\"SeccompProfile\",\"metadata\":{\"name\":\"" + Name(name) + "\"},\"spec\":{\"defaultAction\":\"" + action + "\"}}";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return await _http.SendAsync(request);
    }

    private async Task<JsonObject> GetJsonAsync(string path) => await ReadJsonAsync(await SendAsync(HttpMethod.Get, path), expectSuccess: true);

    private static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response, bool expectSuccess = true)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(!expectSuccess || response.IsSuccessStatusCode, (int)response.StatusCode + " " + text);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return JsonNode.Parse(text)!.AsObject();
        }
    }

    private static async Task<JsonObject> ExpectStatusAsync(HttpResponseMessage response, int code, string? reason)
    {
        var status = (int)response.StatusCode;
        var body = await ReadJsonAsync(response, expectSuccess: false);
        Assert.True(status == code, "expected " + code + ", got " + status + ": " + body.ToJsonString());
        if (reason is not null)
        {
            Assert.Equal(("Status", "Failure", reason, code), ((string?)body["kind"], (string?)body["status"], (string?)body["reason"], (int)body["code"]!));
        }

        return body;
    }

    private async Task<WatchReader> WatchAsync(string path, CancellationToken cancellationToken)
    {
        var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new WatchReader(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)), cancellationToken);
    }

    private sealed class WatchReader(HttpResponseMessage response, StreamReader reader, CancellationToken cancellationToken) : IAsyncDisposable
    {
        public async Task<JsonObject> NextAsync() => await TryNextAsync() ?? throw new InvalidOperationException("the watch ended");

        public async Task<JsonObject?> TryNextAsync()
        {
            var line = await reader.ReadLineAsync(cancellationToken);
            return line is null ? null : JsonNode.Parse(line)!.AsObject();
        }

        public ValueTask DisposeAsync()
        {
            reader.Dispose();
            response.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
