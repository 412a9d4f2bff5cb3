using System.Text.Json.Nodes;
using k8s.Models;
using SpoSdk.Api.V1;

namespace SpoSdk.Tests.Admission.Infrastructure;

/// <summary>AdmissionReview payloads shaped as the API server sends them, and the objects in them.</summary>
internal static class Reviews
{
    public const string Namespace = "test-ns";

    /// <summary>A review of a pod operation.</summary>
    public static string Pod(string operation, JsonNode? pod, JsonNode? oldPod = null, string uid = "test-uid", string name = "", string ns = Namespace, string version = "v1", bool dryRun = false) =>
        Review(operation, pod, oldPod, uid, name, ns, version, dryRun, kind: ("", "v1", "Pod"), resource: ("", "v1", "pods"), subResource: null);

    /// <summary>Any review.</summary>
    public static string Review(
        string operation,
        JsonNode? obj,
        JsonNode? oldObj,
        string uid,
        string name,
        string ns,
        string version,
        bool dryRun,
        (string Group, string Version, string Kind) kind,
        (string Group, string Version, string Resource) resource,
        string? subResource)
    {
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["kind"] = kind.Kind },
            ["resource"] = new JsonObject { ["group"] = resource.Group, ["version"] = resource.Version, ["resource"] = resource.Resource },
            ["requestKind"] = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["kind"] = kind.Kind },
            ["requestResource"] = new JsonObject { ["group"] = resource.Group, ["version"] = resource.Version, ["resource"] = resource.Resource },
            ["name"] = name,
            ["namespace"] = ns,
            ["operation"] = operation,
            ["userInfo"] = new JsonObject { ["username"] = "kubernetes-admin", ["groups"] = new JsonArray("system:masters", "system:authenticated") },
            ["object"] = obj?.DeepClone(),
            ["oldObject"] = oldObj?.DeepClone(),
            ["dryRun"] = dryRun,
            ["options"] = operation switch
            {
                "CREATE" => new JsonObject { ["kind"] = "CreateOptions", ["apiVersion"] = "meta.k8s.io/v1" },
                "DELETE" => new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "meta.k8s.io/v1" },
                _ => null,
            },
        };
        if (subResource is not null)
        {
            request["subResource"] = subResource;
        }

        return new JsonObject
        {
            ["kind"] = "AdmissionReview",
            ["apiVersion"] = "admission.k8s.io/" + version,
            ["request"] = request,
        }.ToJsonString();
    }

    /// <summary>Upstream's test pod: generateName <c>pod-</c>, one container <c>{container, foo}</c>.</summary>
    public static JsonObject TestPod(params (string Name, string Image)[] containers) => PodWith(containers, []);

    /// <summary>A pod with containers and init containers, as the API server has it at CREATE (defaults applied, no name yet).</summary>
    public static JsonObject PodWith((string Name, string Image)[] containers, (string Name, string Image)[] initContainers, string generateName = "pod-", string? name = null, JsonObject? labels = null)
    {
        if (containers.Length == 0 && initContainers.Length == 0)
        {
            containers = [("container", "foo")];
        }

        var metadata = new JsonObject { ["generateName"] = generateName, ["namespace"] = Namespace, ["creationTimestamp"] = null };
        if (name is not null)
        {
            metadata["name"] = name;
        }

        if (labels is not null)
        {
            metadata["labels"] = labels;
        }

        var spec = new JsonObject
        {
            ["containers"] = new JsonArray(containers.Select(Container).ToArray<JsonNode?>()),
            ["restartPolicy"] = "Always",
            ["terminationGracePeriodSeconds"] = 30,
            ["dnsPolicy"] = "ClusterFirst",
            ["serviceAccountName"] = "default",
            ["securityContext"] = new JsonObject(),
            ["schedulerName"] = "default-scheduler",
            ["enableServiceLinks"] = true,
            ["preemptionPolicy"] = "PreemptLowerPriority",
        };
        if (initContainers.Length > 0)
        {
            spec["initContainers"] = new JsonArray(initContainers.Select(Container).ToArray<JsonNode?>());
        }

        return new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = metadata,
            ["spec"] = spec,
            ["status"] = new JsonObject(),
        };
    }

    public static JsonObject Container((string Name, string Image) c) => new()
    {
        ["name"] = c.Name,
        ["image"] = c.Image,
        ["resources"] = new JsonObject(),
        ["terminationMessagePath"] = "/dev/termination-log",
        ["terminationMessagePolicy"] = "File",
        ["imagePullPolicy"] = "Always",
    };

    /// <summary>The first container's node (tests tweak it).</summary>
    public static JsonObject FirstContainer(JsonNode pod) => pod["spec"]!["containers"]![0]!.AsObject();

    public static ProfileBinding NewBinding(string name, ProfileBindingProfileKind kind, string profile, string image, params string[] activeWorkloads) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
        Spec = new ProfileBindingSpec { ProfileRef = new ProfileBindingProfileRef { Kind = kind, Name = profile }, Image = image },
        Status = activeWorkloads.Length == 0 ? null : new ProfileBindingStatus { ActiveWorkloads = [.. activeWorkloads] },
    };

    public static ProfileRecording NewRecording(string name, ProfileRecordingProfileKind kind, ProfileRecordingRecorder recorder, Dictionary<string, string>? matchLabels = null, IList<string>? containers = null, params string[] activeWorkloads) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
        Spec = new ProfileRecordingSpec
        {
            Kind = kind,
            Recorder = recorder,
            PodSelector = new ProfileRecordingLabelSelector { MatchLabels = matchLabels ?? [] },
            Containers = containers,
        },
        Status = activeWorkloads.Length == 0 ? null : new ProfileRecordingStatus { ActiveWorkloads = [.. activeWorkloads] },
    };
}
