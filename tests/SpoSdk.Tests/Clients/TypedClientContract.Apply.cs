using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Tests.Clients;

/// <summary>
/// Server-side apply and status patches through the generated typed clients, on every backend: field
/// ownership per manager, conflicts with causes, force, removal of omitted fields, list merge types from
/// the CRD schema, status left alone, no write for an unchanged apply.
/// </summary>
public abstract partial class TypedClientContract
{
    [Fact]
    public async Task Apply_creates_the_object_and_an_unchanged_reapply_writes_nothing()
    {
        var profiles = Clients.SeccompProfiles;
        var created = await profiles.ApplyAsync(Profile("created", SeccompAction.ScmpActErrno), new ApplyOptions("alice"));
        Assert.Equal(SeccompAction.ScmpActErrno, created.Spec.DefaultAction);
        var entry = Assert.Single(created.Metadata.ManagedFields);
        Assert.Equal(("alice", "Apply", "security-profiles-operator.x-k8s.io/v1"), (entry.Manager, entry.Operation, entry.ApiVersion));
        Assert.Contains("\"f:defaultAction\"", JsonSerializer.Serialize(entry.FieldsV1), StringComparison.Ordinal);

        var again = await profiles.ApplyAsync(Profile("created", SeccompAction.ScmpActErrno), new ApplyOptions("alice"));
        Assert.Equal(created.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
        Assert.Equal(created.Metadata.ResourceVersion, (await profiles.GetAsync(Name("created")))!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task A_field_another_manager_owns_with_another_value_conflicts_until_forced()
    {
        var profiles = Clients.SeccompProfiles;
        await profiles.ApplyAsync(Profile("contested", SeccompAction.ScmpActErrno), new ApplyOptions("alice"));

        var conflict = await Assert.ThrowsAsync<ResourceConflictException>(() => profiles.ApplyAsync(Profile("contested", SeccompAction.ScmpActLog), new ApplyOptions("bob")));
        Assert.Equal((409, "Conflict"), (conflict.Status.Code, conflict.Status.Reason));
        var cause = Assert.Single(conflict.Status.Causes);
        Assert.Equal(("FieldManagerConflict", ".spec.defaultAction", "conflict with \"alice\""), (cause.Reason, cause.Field, cause.Message));
        Assert.Contains("Apply failed with 1 conflict", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(SeccompAction.ScmpActErrno, (await profiles.GetAsync(Name("contested")))!.Spec.DefaultAction);

        var forced = await profiles.ApplyAsync(Profile("contested", SeccompAction.ScmpActLog), new ApplyOptions("bob", Force: true));
        Assert.Equal(SeccompAction.ScmpActLog, forced.Spec.DefaultAction);
        Assert.DoesNotContain(forced.Metadata.ManagedFields, e => e.Manager == "alice" && JsonSerializer.Serialize(e.FieldsV1).Contains("f:defaultAction", StringComparison.Ordinal));

        // Ownership moved: now alice conflicts with bob.
        var back = await Assert.ThrowsAsync<ResourceConflictException>(() => profiles.ApplyAsync(Profile("contested", SeccompAction.ScmpActErrno), new ApplyOptions("alice")));
        Assert.Equal("conflict with \"bob\"", Assert.Single(back.Status.Causes).Message);
    }

    [Fact]
    public async Task Appliers_of_the_same_value_share_a_field_and_an_omitted_field_goes_only_when_nobody_owns_it()
    {
        var profiles = Clients.SeccompProfiles;
        await profiles.ApplyAsync(Profile("shared", SeccompAction.ScmpActErrno, new() { ["a"] = "1", ["b"] = "2" }), new ApplyOptions("alice"));
        await profiles.ApplyAsync(Profile("shared", SeccompAction.ScmpActErrno, new() { ["b"] = "2" }), new ApplyOptions("bob"));

        var dropped = await profiles.ApplyAsync(Profile("shared", SeccompAction.ScmpActErrno, new() { ["a"] = "1" }), new ApplyOptions("alice"));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, dropped.Metadata.Labels);

        var none = await profiles.ApplyAsync(Profile("shared", SeccompAction.ScmpActErrno), new ApplyOptions("alice"));
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, none.Metadata.Labels);
    }

    [Fact]
    public async Task Updates_and_patches_record_their_manager_so_an_apply_conflicts_with_them()
    {
        var profiles = Clients.SeccompProfiles;
        var created = await profiles.CreateAsync(Profile("updated", SeccompAction.ScmpActErrno));
        var creator = Assert.Single(created.Metadata.ManagedFields);
        Assert.Equal("Update", creator.Operation);

        // The same value is shared without a conflict; another value conflicts with the creator.
        await profiles.ApplyAsync(Profile("updated", SeccompAction.ScmpActErrno), new ApplyOptions("alice"));
        var conflict = await Assert.ThrowsAsync<ResourceConflictException>(() => profiles.ApplyAsync(Profile("updated", SeccompAction.ScmpActLog), new ApplyOptions("alice")));
        Assert.StartsWith("conflict with \"" + creator.Manager + "\" using ", Assert.Single(conflict.Status.Causes).Message, StringComparison.Ordinal);

        // A patch takes the field over from the applier.
        await profiles.PatchAsync(Name("updated"), ResourcePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["x"] = "y" } } }));
        var patched = await profiles.ApplyAsync(Profile("updated", SeccompAction.ScmpActErrno, new() { ["x"] = "z" }), new ApplyOptions("alice", Force: true));
        Assert.Equal("z", patched.Metadata.Labels["x"]);
    }

    [Fact]
    public async Task An_atomic_list_is_one_field_and_map_and_set_lists_merge_item_by_item()
    {
        var profiles = Clients.SeccompProfiles;
        var syscalls = Profile("atomic", SeccompAction.ScmpActErrno);
        syscalls.Spec.Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["read"] }];
        await profiles.ApplyAsync(syscalls, new ApplyOptions("alice"));
        syscalls.Spec.Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["write"] }];
        var atomic = await Assert.ThrowsAsync<ResourceConflictException>(() => profiles.ApplyAsync(syscalls, new ApplyOptions("bob")));
        Assert.Contains(atomic.Status.Causes, c => c.Field == ".spec.syscalls");

        var daemons = Clients.SecurityProfilesOperatorDaemons;
        await daemons.ApplyAsync(Daemon("""{"daemonResourceRequirements":{"claims":[{"name":"a"}]},"selinux":{"options":{"allowedSystemProfiles":["x"]}}}"""), new ApplyOptions("alice"));
        var merged = await daemons.ApplyAsync(Daemon("""{"daemonResourceRequirements":{"claims":[{"name":"b","request":"gpu"}]},"selinux":{"options":{"allowedSystemProfiles":["y"]}}}"""), new ApplyOptions("bob"));
        Assert.Equal(["a", "b"], Spec(merged)["daemonResourceRequirements"]!["claims"]!.AsArray().Select(c => (string)c!["name"]!).ToArray());
        Assert.Equal(["x", "y"], Spec(merged)["selinux"]!["options"]!["allowedSystemProfiles"]!.AsArray().Select(v => (string)v!).ToArray());

        var conflict = await Assert.ThrowsAsync<ResourceConflictException>(() => daemons.ApplyAsync(Daemon("""{"daemonResourceRequirements":{"claims":[{"name":"b","request":"tpu"}]}}"""), new ApplyOptions("alice")));
        Assert.Equal(".spec.daemonResourceRequirements.claims[name=\"b\"].request", Assert.Single(conflict.Status.Causes).Field);

        // alice gives up her item and her set value; bob's stay.
        var dropped = await daemons.ApplyAsync(Daemon("""{}"""), new ApplyOptions("alice"));
        Assert.Equal(["b"], Spec(dropped)["daemonResourceRequirements"]!["claims"]!.AsArray().Select(c => (string)c!["name"]!).ToArray());
        Assert.Equal(["y"], Spec(dropped)["selinux"]!["options"]!["allowedSystemProfiles"]!.AsArray().Select(v => (string)v!).ToArray());
    }

    [Fact]
    public async Task A_main_resource_apply_leaves_status_alone_and_status_patches_touch_only_status()
    {
        var profiles = Clients.SeccompProfiles;
        var created = await profiles.ApplyAsync(Profile("status", SeccompAction.ScmpActErrno), new ApplyOptions("alice"));
        Assert.Null(created.Status);

        var installed = await profiles.PatchStatusAsync(Name("status"), ResourcePatch.Merge(new JsonObject
        {
            ["status"] = new JsonObject { ["status"] = "Installed" },
            ["spec"] = new JsonObject { ["defaultAction"] = "SCMP_ACT_KILL" },
        }));
        Assert.Equal((SeccompProfileState.Installed, SeccompAction.ScmpActErrno), (installed.Status!.Status, installed.Spec.DefaultAction));

        var withStatus = Profile("status", SeccompAction.ScmpActErrno);
        withStatus.Status = new SeccompProfileStatus { Status = SeccompProfileState.Pending };
        var applied = await profiles.ApplyAsync(withStatus, new ApplyOptions("alice"));
        Assert.Equal(SeccompProfileState.Installed, applied.Status!.Status);
        Assert.Equal(installed.Metadata.ResourceVersion, applied.Metadata.ResourceVersion);

        var jsonPatched = await profiles.PatchStatusAsync(Name("status"), ResourcePatch.Json(new JsonArray(
            new JsonObject { ["op"] = "replace", ["path"] = "/status/status", ["value"] = "Terminating" })));
        Assert.Equal(SeccompProfileState.Terminating, jsonPatched.Status!.Status);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => profiles.PatchStatusAsync(Name("nobody"), ResourcePatch.Merge(new JsonObject())));

        var binding = await Clients.ProfileBindings.ApplyAsync(Binding("bound", Ns), new ApplyOptions("alice"));
        var boundStatus = await Clients.ProfileBindings.PatchStatusAsync(Ns, "bound", ResourcePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["ignored"] = "yes" } } }));
        Assert.Equal(binding.Metadata.Labels, boundStatus.Metadata.Labels);
    }

    [Fact]
    public async Task Bad_applies_are_typed_errors()
    {
        var profiles = Clients.SeccompProfiles;
        var missing = await Assert.ThrowsAsync<ResourceBadRequestException>(() => profiles.ApplyAsync(Profile("bad", SeccompAction.ScmpActErrno), new ApplyOptions(string.Empty)));
        Assert.Equal(400, missing.Status.Code);
        Assert.Contains("fieldManager", missing.Message, StringComparison.Ordinal);
        Assert.Null(await profiles.GetAsync(Name("bad")));

        var first = await profiles.ApplyAsync(Profile("bad", SeccompAction.ScmpActErrno), new ApplyOptions("alice"));
        var readBack = await Assert.ThrowsAsync<ResourceBadRequestException>(() => profiles.ApplyAsync(first, new ApplyOptions("alice")));
        Assert.Equal("metadata.managedFields must be nil", readBack.Message);
        await profiles.ApplyAsync(Profile("bad", SeccompAction.ScmpActErrno, new() { ["v"] = "2" }), new ApplyOptions("alice"));
        var stale = Profile("bad", SeccompAction.ScmpActErrno, new() { ["v"] = "3" });
        stale.Metadata.ResourceVersion = first.Metadata.ResourceVersion;
        await Assert.ThrowsAsync<ResourceConflictException>(() => profiles.ApplyAsync(stale, new ApplyOptions("alice")));

        var invalid = await Assert.ThrowsAsync<ResourceInvalidException>(() => Clients.ProfileBindings.ApplyAsync(Binding("invalid", Ns, image: null), new ApplyOptions("alice")));
        Assert.Contains(invalid.Status.Causes, c => c.Field == "spec.image");
        Assert.Null(await Clients.ProfileBindings.GetAsync(Ns, "invalid"));
    }

    private static JsonObject Spec(SecurityProfilesOperatorDaemon daemon) =>
        new SpoSerializer().ToJsonNode(daemon)["spec"]!.AsObject();

    private SeccompProfile Profile(string name, SeccompAction action, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = Name(name), Labels = labels },
        Spec = new SeccompProfileSpec { DefaultAction = action },
    };

    private SecurityProfilesOperatorDaemon Daemon(string spec) =>
        new SpoSerializer(new SpoSerializerOptions { Validate = false }).Deserialize<SecurityProfilesOperatorDaemon>(new JsonObject
        {
            ["apiVersion"] = "security-profiles-operator.x-k8s.io/v1",
            ["kind"] = "SecurityProfilesOperatorDaemon",
            ["metadata"] = new JsonObject { ["name"] = "spod", ["namespace"] = Ns },
            ["spec"] = JsonNode.Parse(spec),
        }.ToJsonString());
}
