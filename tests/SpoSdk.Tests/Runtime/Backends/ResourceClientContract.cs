using k8s.Models;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.Kubernetes;

#pragma warning disable CS0618 // legacy-version clients are part of the contract

namespace SpoSdk.Tests.Runtime.Backends;

/// <summary>
/// What every <see cref="IClusterBackend"/> must do, whatever sits behind it: the in-memory cluster,
/// or a Kubernetes API server over HTTP. Each derived class supplies a backend whose watch history
/// holds <see cref="WatchHistory"/> changes and whose watches report a bookmark at least every
/// <see cref="BookmarkInterval"/>. Tests may share a backend, so every object name is unique to its test.
/// </summary>
public abstract class ResourceClientContract
{
    /// <summary>The watch history the backend under test keeps.</summary>
    public const int WatchHistory = 64;

    /// <summary>How often the backend under test reports bookmarks on a quiet watch.</summary>
    public static readonly TimeSpan BookmarkInterval = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    protected abstract IClusterBackend Backend { get; }

    private IResourceClient<SeccompProfile> Seccomp => Backend.Resource<SeccompProfile>();

    private string Ns => "ns-" + _id;

    [Fact]
    public async Task Create_get_update_list_and_delete_round_trip()
    {
        var created = await Seccomp.CreateAsync(Profile("web"));
        Assert.Equal(Name("web"), created.Metadata.Name);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal(SeccompProfileSpecState.Enabled, created.Spec.State);
        Assert.Equal("security-profiles-operator.x-k8s.io/v1", created.ApiVersion);

        var read = await Seccomp.GetAsync(ObjectKey.Cluster(Name("web")));
        Assert.Equal(created.Metadata.ResourceVersion, read!.Metadata.ResourceVersion);
        read.Metadata.Labels = new Dictionary<string, string> { ["owner"] = _id };
        var updated = await Seccomp.UpdateAsync(read);
        Assert.Equal(_id, updated.Metadata.Labels["owner"]);
        Assert.True(long.Parse(updated.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));

        var listed = await Seccomp.ListAsync(options: new ListOptions("owner=" + _id));
        Assert.Equal(Name("web"), Assert.Single(listed.Items).Metadata.Name);
        Assert.Empty((await Seccomp.ListAsync(Ns, new ListOptions("owner=" + _id))).Items);
        Assert.True(long.Parse(listed.ResourceVersion) >= long.Parse(updated.Metadata.ResourceVersion));

        Assert.True(await Seccomp.DeleteAsync(ObjectKey.Cluster(Name("web"))));
        Assert.Null(await Seccomp.GetAsync(ObjectKey.Cluster(Name("web"))));
        Assert.False(await Seccomp.DeleteAsync(ObjectKey.Cluster(Name("web"))));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Seccomp.UpdateAsync(updated));
    }

    [Fact]
    public async Task Creating_an_existing_name_is_409_AlreadyExists()
    {
        await Seccomp.CreateAsync(Profile("dup"));
        var error = await Assert.ThrowsAsync<ResourceAlreadyExistsException>(() => Seccomp.CreateAsync(Profile("dup")));
        Assert.Equal((409, "AlreadyExists"), (error.Code, error.Reason));
    }

    [Fact]
    public async Task A_create_carrying_a_resourceVersion_is_refused_as_the_API_server_refuses_it()
    {
        var versioned = Profile("versioned");
        versioned.Metadata.ResourceVersion = "12345";
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => Seccomp.CreateAsync(versioned));
        Assert.Equal((500, "resourceVersion should not be set on objects to be created"), (error.Code, error.Message));
        Assert.Null(await Seccomp.GetAsync(ObjectKey.Cluster(Name("versioned"))));
    }

    [Fact]
    public async Task A_stale_update_is_409_Conflict_and_generation_counts_spec_changes_only()
    {
        await Seccomp.CreateAsync(Profile("stale"));
        var first = (await Seccomp.GetAsync(ObjectKey.Cluster(Name("stale"))))!;
        var second = (await Seccomp.GetAsync(ObjectKey.Cluster(Name("stale"))))!;

        first.Metadata.Annotations = new Dictionary<string, string> { ["note"] = "metadata only" };
        var annotated = await Seccomp.UpdateAsync(first);
        Assert.Equal(1, annotated.Metadata.Generation);

        second.Spec.DefaultAction = SeccompAction.ScmpActLog;
        var error = await Assert.ThrowsAsync<ResourceConflictException>(() => Seccomp.UpdateAsync(second));
        Assert.Equal((409, "Conflict"), (error.Code, error.Reason));

        annotated.Spec.DefaultAction = SeccompAction.ScmpActLog;
        Assert.Equal(2, (await Seccomp.UpdateAsync(annotated)).Metadata.Generation);
    }

    [Fact]
    public async Task A_write_that_changes_nothing_keeps_the_resourceVersion_and_makes_no_event()
    {
        // As on the API server: the stored object comes back unchanged, with its version, and no watcher hears of it.
        var created = await Seccomp.CreateAsync(Profile("noop"));
        var key = ObjectKey.Cluster(Name("noop"));
        Assert.Equal(created.Metadata.ResourceVersion, (await Seccomp.UpdateAsync(created)).Metadata.ResourceVersion);
        Assert.Equal(created.Metadata.ResourceVersion, (await Seccomp.PatchAsync(key, ResourcePatch.Merge(new System.Text.Json.Nodes.JsonObject()))).Metadata.ResourceVersion);
        var samePatch = ResourcePatch.Merge(new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["defaultAction"] = "SCMP_ACT_ERRNO" } });
        Assert.Equal(created.Metadata.ResourceVersion, (await Seccomp.PatchAsync(key, samePatch)).Metadata.ResourceVersion);
        Assert.Equal(created.Metadata.ResourceVersion, (await Seccomp.UpdateStatusAsync(created)).Metadata.ResourceVersion);

        created.Status = new SeccompProfileStatus { Status = SeccompProfileState.Installed };
        var installed = await Seccomp.UpdateStatusAsync(created);
        Assert.NotEqual(created.Metadata.ResourceVersion, installed.Metadata.ResourceVersion);
        var again = await Seccomp.UpdateStatusAsync(installed);
        Assert.Equal(installed.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
        Assert.Equal(installed.Metadata.ManagedFields.Select(m => (m.Manager, m.Time)), again.Metadata.ManagedFields.Select(m => (m.Manager, m.Time)));
        Assert.Equal(installed.Metadata.ResourceVersion, (await Seccomp.PatchStatusAsync(key, ResourcePatch.Merge(new System.Text.Json.Nodes.JsonObject { ["status"] = new System.Text.Json.Nodes.JsonObject { ["status"] = "Installed" } }))).Metadata.ResourceVersion);

        // Leases have no status subresource and no generation: the same holds for the whole object.
        var leases = Backend.Resource<V1Lease>();
        var lease = await leases.CreateAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "noop", NamespaceProperty = Ns }, Spec = new V1LeaseSpec { HolderIdentity = "a" } });
        Assert.Equal(lease.Metadata.ResourceVersion, (await leases.UpdateAsync(lease)).Metadata.ResourceVersion);

        // The next event a watch from the last real write sees is the next real change.
        var changed = (await Seccomp.GetAsync(key))!;
        changed.Metadata.Annotations = new Dictionary<string, string> { ["note"] = "changed" };
        var annotated = await Seccomp.UpdateAsync(changed);
        Assert.NotEqual(installed.Metadata.ResourceVersion, annotated.Metadata.ResourceVersion);
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var change in Seccomp.WatchAsync(null, installed.Metadata.ResourceVersion, cts.Token))
        {
            if (change.Type != WatchEventType.Bookmark && change.Object!.Metadata.Name == Name("noop"))
            {
                Assert.Equal((WatchEventType.Modified, annotated.Metadata.ResourceVersion), (change.Type, change.ResourceVersion));
                break;
            }
        }
    }

    [Fact]
    public async Task A_watch_from_a_version_older_than_the_history_is_410_Gone()
    {
        var old = (await Seccomp.ListAsync()).ResourceVersion;
        for (var i = 0; i <= WatchHistory + 2; i++)
        {
            await Seccomp.CreateAsync(Profile("churn-" + i));
        }

        using var cts = new CancellationTokenSource(Patience);
        var error = await Assert.ThrowsAsync<ResourceGoneException>(async () =>
        {
            await foreach (var unused in Seccomp.WatchAsync(null, old, cts.Token))
            {
            }
        });
        Assert.Equal(410, error.Code);
    }

    [Fact]
    public async Task Finalizers_hold_deletion_behind_a_deletionTimestamp()
    {
        var held = Profile("held");
        held.Metadata.Finalizers = ["spo.x-k8s.io/test"];
        await Seccomp.CreateAsync(held);

        Assert.True(await Seccomp.DeleteAsync(ObjectKey.Cluster(Name("held"))));
        var terminating = (await Seccomp.GetAsync(ObjectKey.Cluster(Name("held"))))!;
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.True(await Seccomp.DeleteAsync(ObjectKey.Cluster(Name("held"))));

        terminating.Metadata.Finalizers.Clear();
        await Seccomp.UpdateAsync(terminating);
        Assert.Null(await Seccomp.GetAsync(ObjectKey.Cluster(Name("held"))));
    }

    [Fact]
    public async Task Status_is_written_through_the_status_subresource_only()
    {
        var created = await Seccomp.CreateAsync(Profile("status"));
        created.Status = new SeccompProfileStatus { Status = SeccompProfileState.Installed };
        var updated = await Seccomp.UpdateAsync(created);
        Assert.Null(updated.Status);

        updated.Status = new SeccompProfileStatus { Status = SeccompProfileState.Installed, LocalhostProfile = "operator/x.json" };
        updated.Spec.DefaultAction = SeccompAction.ScmpActKill;
        var withStatus = await Seccomp.UpdateStatusAsync(updated);
        Assert.Equal(SeccompProfileState.Installed, withStatus.Status!.Status);
        Assert.Equal("operator/x.json", withStatus.Status.LocalhostProfile);
        Assert.Equal(SeccompAction.ScmpActErrno, withStatus.Spec.DefaultAction);
        Assert.Equal(1, withStatus.Metadata.Generation);

        updated.Status.Status = SeccompProfileState.Pending;
        await Assert.ThrowsAsync<ResourceConflictException>(() => Seccomp.UpdateStatusAsync(updated));
    }

    [Fact]
    public async Task Legacy_versions_convert_both_ways()
    {
        var legacy = Backend.Resource<Api.V1Alpha1.ProfileRecording>();
        var created = await legacy.CreateAsync(new Api.V1Alpha1.ProfileRecording
        {
            Metadata = new V1ObjectMeta { Name = "rec", NamespaceProperty = Ns },
            Spec = new Api.V1Alpha1.ProfileRecordingSpec
            {
                Kind = Api.V1Alpha1.ProfileRecordingProfileKind.SeccompProfile,
                Recorder = Api.V1Alpha1.ProfileRecordingRecorder.Logs,
                PodSelector = new Api.V1Alpha1.ProfileRecordingLabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        });
        Assert.Equal("security-profiles-operator.x-k8s.io/v1alpha1", created.ApiVersion);
        Assert.Equal("logs", created.Spec.Recorder.Value);

        var hub = (await Backend.Resource<ProfileRecording>().GetAsync(new ObjectKey(Ns, "rec")))!;
        Assert.Equal(ProfileRecordingRecorder.Logs, hub.Spec.Recorder);
        Assert.Equal(ProfileRecordingMergeStrategy.None, hub.Spec.MergeStrategy);

        hub.Spec.DisableProfileAfterRecording = true;
        await Backend.Resource<ProfileRecording>().UpdateAsync(hub);
        var back = (await legacy.ListAsync(Ns)).Items.Single();
        Assert.Equal("logs", back.Spec.Recorder.Value);
        Assert.True(back.Spec.DisableProfileAfterRecording == true);
    }

    [Fact]
    public async Task Invalid_objects_are_422_with_every_cause_and_unknown_fields_are_pruned()
    {
        var bad = Profile("bad");
        bad.Spec.DefaultAction = SeccompAction.FromValue("SCMP_ACT_NOPE");
        bad.Spec.ListenerPath = "/tmp/x";
        var error = await Assert.ThrowsAsync<ResourceInvalidException>(() => Seccomp.CreateAsync(bad));
        Assert.Equal((422, "Invalid"), (error.Code, error.Reason));
        Assert.Equal(["spec.defaultAction", "spec.listenerPath"], error.Causes.Select(c => c.Field).ToArray());
        Assert.Contains("SCMP_ACT_NOPE", error.Causes[0].Message, StringComparison.Ordinal);

        var extra = Profile("extra");
        extra.Spec.UnknownFields = new Dictionary<string, System.Text.Json.JsonElement> { ["bogus"] = System.Text.Json.JsonDocument.Parse("1").RootElement };
        Assert.Null((await Seccomp.CreateAsync(extra)).Spec.UnknownFields);

        var badName = Profile("Bad_Name");
        badName.Metadata.Name = "Bad_Name";
        Assert.Equal("metadata.name", Assert.Single((await Assert.ThrowsAsync<ResourceInvalidException>(() => Seccomp.CreateAsync(badName))).Causes).Field);

        var unplaced = new ProfileBinding { Metadata = new V1ObjectMeta { Name = "b" }, Spec = new ProfileBindingSpec { ProfileRef = new ProfileBindingProfileRef { Kind = ProfileBindingProfileKind.SeccompProfile, Name = "x" }, Image = "*" } };
        Assert.Contains(
            (await Assert.ThrowsAsync<ResourceInvalidException>(() => Backend.Resource<ProfileBinding>().CreateAsync(unplaced))).Causes,
            c => c.Field == "metadata.namespace");
    }

    [Fact]
    public async Task Label_and_field_selectors_and_namespaces_filter_lists()
    {
        var pods = Backend.Resource<V1Pod>();
        var other = Ns + "-other";
        foreach (var (name, ns, node, app) in new[] { ("a", Ns, "n1", "web"), ("b", Ns, "n2", "web"), ("c", Ns, "n1", "db"), ("d", other, "n1", "web") })
        {
            await pods.CreateAsync(Pod(name, ns, node, app));
        }

        Assert.Equal(["a", "c"], (await pods.ListAsync(Ns, new ListOptions(FieldSelector: "spec.nodeName=n1"))).Items.Select(p => p.Metadata.Name).ToArray());
        Assert.Equal(["a"], (await pods.ListAsync(Ns, new ListOptions("app in (web, api)", "spec.nodeName=n1"))).Items.Select(p => p.Metadata.Name).ToArray());
        Assert.Equal(["a", "b"], (await pods.ListAsync(Ns, new ListOptions("app!=db"))).Items.Select(p => p.Metadata.Name).ToArray());
        var everywhere = await pods.ListAsync(null, new ListOptions("app=web", "spec.nodeName=n1"));
        Assert.Equal([(Ns, "a"), (other, "d")], everywhere.Items.Where(p => p.Metadata.NamespaceProperty.StartsWith(Ns, StringComparison.Ordinal)).Select(p => (p.Metadata.NamespaceProperty, p.Metadata.Name)).ToArray());
        Assert.All(everywhere.Items, p => Assert.Equal(("v1", "Pod"), (p.ApiVersion, p.Kind)));

        var error = await Assert.ThrowsAnyAsync<ResourceException>(() => pods.ListAsync(Ns, new ListOptions("app in web")));
        Assert.Contains(error.Code, new[] { 400, 422 });
    }

    [Fact]
    public async Task A_watch_sees_additions_changes_deletions_and_bookmarks()
    {
        var from = (await Seccomp.ListAsync()).ResourceVersion;
        using var cts = new CancellationTokenSource(Patience);
        var seen = new List<WatchEvent<SeccompProfile>>();
        var writes = Task.Run(async () =>
        {
            var created = await Seccomp.CreateAsync(Profile("watched"));
            created.Spec.DefaultAction = SeccompAction.ScmpActLog;
            await Seccomp.UpdateAsync(created);
            await Seccomp.DeleteAsync(ObjectKey.Cluster(Name("watched")));
        });

        string? deletedAt = null;
        await foreach (var change in Seccomp.WatchAsync(null, from, cts.Token))
        {
            if (change.Object is { } obj && obj.Metadata.Name != Name("watched"))
            {
                continue;
            }

            seen.Add(change);
            if (change.Type == WatchEventType.Deleted)
            {
                deletedAt = change.ResourceVersion;
            }

            if (change.Type == WatchEventType.Bookmark && deletedAt is not null)
            {
                break;
            }
        }

        await writes;
        var changes = seen.Where(e => e.Type != WatchEventType.Bookmark).ToList();
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], changes.Select(e => e.Type).ToArray());
        Assert.Equal(SeccompAction.ScmpActLog, changes[1].Object!.Spec.DefaultAction);
        Assert.Equal(changes.Select(e => e.Object!.Metadata.ResourceVersion), changes.Select(e => e.ResourceVersion));
        Assert.True(changes.Select(e => long.Parse(e.ResourceVersion)).SequenceEqual(changes.Select(e => long.Parse(e.ResourceVersion)).Order()));

        var bookmark = seen[^1];
        Assert.Null(bookmark.Object);
        Assert.True(long.Parse(bookmark.ResourceVersion) >= long.Parse(deletedAt!));
    }

    [Fact]
    public async Task A_watch_of_one_namespace_sees_only_that_namespace()
    {
        var pods = Backend.Resource<V1Pod>();
        var from = (await pods.ListAsync(Ns)).ResourceVersion;
        await pods.CreateAsync(Pod("elsewhere", Ns + "-other", "n1", "web"));
        await pods.CreateAsync(Pod("here", Ns, "n1", "web"));

        using var cts = new CancellationTokenSource(Patience);
        await foreach (var change in pods.WatchAsync(Ns, from, cts.Token))
        {
            if (change.Type != WatchEventType.Bookmark)
            {
                Assert.Equal((WatchEventType.Added, "here"), (change.Type, change.Object!.Metadata.Name));
                break;
            }
        }
    }

    [Fact]
    public async Task A_watch_with_a_selector_sees_objects_enter_and_leave_the_selection()
    {
        var pods = Backend.Resource<V1Pod>();
        var node = "node-" + _id;
        // Listed after a first change: on a fresh API server version "0" would mean "from the current state".
        await pods.CreateAsync(Pod("other-node", Ns, node + "-x", "web"));
        var from = (await pods.ListAsync(Ns)).ResourceVersion;
        await pods.CreateAsync(Pod("other-node-2", Ns, node + "-x", "web"));
        var mine = await pods.CreateAsync(Pod("mine", Ns, node, "web"));
        mine.Metadata.Labels["app"] = "db";
        var relabelled = await pods.UpdateAsync(mine);
        await pods.DeleteAsync(new ObjectKey(Ns, "mine"));

        var seen = new List<(WatchEventType, string, string)>();
        var versions = new List<(string Event, string Object)>();
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var change in pods.WatchAsync(Ns, from, new ListOptions("app=web", "spec.nodeName=" + node), cts.Token))
        {
            if (change.Type != WatchEventType.Bookmark)
            {
                seen.Add((change.Type, change.Object!.Metadata.Name, change.Object.Metadata.Labels["app"]));
                versions.Add((change.ResourceVersion, change.Object.Metadata.ResourceVersion));
                if (seen.Count == 2)
                {
                    break;
                }
            }
        }

        // Relabelled to app=db, the pod left the selection: a deletion to this watcher, carrying the object as the watcher
        // last saw it (still app=web) at the relabelling's version, as the watch cache sends it; the real deletion is invisible.
        Assert.Equal([(WatchEventType.Added, "mine", "web"), (WatchEventType.Deleted, "mine", "web")], seen);
        Assert.Equal((relabelled.Metadata.ResourceVersion, relabelled.Metadata.ResourceVersion), versions[1]);
    }

    // An update that removes the last finalizer deletes the object without storing its own content: a filtered watch
    // judges and sends that deletion by the state it last saw, as the API server's watch cache does.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_deletion_by_the_last_finalizer_is_seen_by_the_state_the_watcher_last_saw(bool matchedBefore)
    {
        var name = Name(matchedBefore ? "leaves" : "enters");
        var labels = (bool web) => web ? new Dictionary<string, string> { ["app"] = "web", ["run"] = _id } : new Dictionary<string, string> { ["run"] = _id };
        await Seccomp.CreateAsync(new SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels(matchedBefore), Finalizers = ["example.com/hold"] },
            Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
        });
        await Seccomp.DeleteAsync(ObjectKey.Cluster(name));
        var from = (await Seccomp.ListAsync()).ResourceVersion;
        var last = (await Seccomp.GetAsync(ObjectKey.Cluster(name)))!;
        last.Metadata.Labels = labels(!matchedBefore);
        last.Metadata.Finalizers = [];
        await Seccomp.UpdateAsync(last);
        var marker = Name("marker");
        await Seccomp.CreateAsync(new SeccompProfile { Metadata = new V1ObjectMeta { Name = marker, Labels = labels(true) }, Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno } });

        var seen = new List<(WatchEventType, string, string?)>();
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var change in Seccomp.WatchAsync(null, from, new ListOptions("app=web,run=" + _id), cts.Token))
        {
            if (change.Type != WatchEventType.Bookmark)
            {
                seen.Add((change.Type, change.Object!.Metadata.Name, (change.Object.Metadata.Labels is { } l && l.TryGetValue("app", out var app) ? app : null)));
                if (change.Object.Metadata.Name == marker)
                {
                    break;
                }
            }
        }

        Assert.Equal(
            matchedBefore ? [(WatchEventType.Deleted, name, "web"), (WatchEventType.Added, marker, "web")] : [(WatchEventType.Added, marker, "web")],
            seen);
    }

    // Unfiltered too: the update that removes the last finalizer is never stored, so the deletion carries the last
    // stored state (finalizer and old labels still on it) at the deletion's resourceVersion, as etcd's previous value.
    [Fact]
    public async Task A_deletion_by_the_last_finalizer_carries_the_last_stored_state()
    {
        var name = Name("last-state");
        await Seccomp.CreateAsync(new SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "web" }, Finalizers = ["example.com/hold"] },
            Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
        });
        await Seccomp.DeleteAsync(ObjectKey.Cluster(name));
        var from = (await Seccomp.ListAsync()).ResourceVersion;
        var last = (await Seccomp.GetAsync(ObjectKey.Cluster(name)))!;
        last.Metadata.Labels = new Dictionary<string, string> { ["app"] = "db" };
        last.Metadata.Finalizers = [];
        await Seccomp.UpdateAsync(last);
        var after = (await Seccomp.ListAsync()).ResourceVersion;

        using var cts = new CancellationTokenSource(Patience);
        await foreach (var change in Seccomp.WatchAsync(null, from, null, cts.Token))
        {
            if (change.Type == WatchEventType.Bookmark || change.Object!.Metadata.Name != name)
            {
                continue;
            }

            Assert.Equal(WatchEventType.Deleted, change.Type);
            Assert.Equal("web", change.Object.Metadata.Labels["app"]);
            Assert.Equal(["example.com/hold"], change.Object.Metadata.Finalizers);
            Assert.NotNull(change.Object.Metadata.DeletionTimestamp);
            Assert.Equal(after, change.Object.Metadata.ResourceVersion);
            break;
        }

        Assert.Null(await Seccomp.GetAsync(ObjectKey.Cluster(name)));
    }

    [Fact]
    public async Task Core_kinds_round_trip_with_their_scopes()
    {
        var ns = await Backend.Resource<V1Namespace>().CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
        Assert.Null(ns.Metadata.NamespaceProperty);
        var node = await Backend.Resource<V1Node>().CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "node-" + _id, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-" + _id } } });
        node.Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }] };
        Assert.Equal("True", (await Backend.Resource<V1Node>().UpdateStatusAsync(node)).Status.Conditions.Single().Status);

        var leases = Backend.Resource<V1Lease>();
        var lease = await leases.CreateAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "spo-leader", NamespaceProperty = Ns },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 },
        });
        lease.Spec.HolderIdentity = "b";
        Assert.Equal("b", (await leases.UpdateAsync(lease)).Spec.HolderIdentity);
        await Assert.ThrowsAsync<ResourceConflictException>(() => leases.UpdateAsync(lease));

        var created = await Backend.Resource<Corev1Event>().CreateAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = "web.", NamespaceProperty = Ns },
            InvolvedObject = new V1ObjectReference { Kind = "SeccompProfile", Name = "web" },
            Reason = "SavedSeccompProfile",
            Message = "saved",
            Type = "Normal",
        });
        Assert.StartsWith("web.", created.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("SavedSeccompProfile", Assert.Single((await Backend.Resource<Corev1Event>().ListAsync(Ns)).Items).Reason);
    }

    private string Name(string name) => name + "-" + _id;

    private SeccompProfile Profile(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = Name(name) },
        Spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["read"] }],
        },
    };

    private static V1Pod Pod(string name, string ns, string node, string app) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "nginx" }] },
    };
}
