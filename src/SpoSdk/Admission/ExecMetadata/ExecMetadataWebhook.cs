using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpoSdk.Admission.ExecMetadata;

/// <summary>
/// <c>/mutate-v1-exec-metadata</c>: puts the admission request's UID into what <c>kubectl exec</c> and
/// <c>kubectl debug</c> start, as <c>SPO_EXEC_REQUEST_UID=&lt;uid&gt;</c>, so the JSON enricher can tie
/// the processes it sees to the API server's audit event (runtime.md §4.5). Fails open: anything it
/// cannot handle is allowed unchanged with a warning (its webhooks use failurePolicy Ignore).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>PodExecOptions</c> (pods/exec, CONNECT): the command is an argument array and stays one —
/// nothing is ever joined or passed through a shell. Every element that starts with
/// <c>SPO_EXEC_REQUEST_UID=</c> is replaced as a whole by <c>SPO_EXEC_REQUEST_UID=&lt;uid&gt;</c>, so a
/// later assignment in an <c>env</c> chain cannot override the real UID. Unless the command already
/// starts with <c>env SPO_EXEC_REQUEST_UID=…</c> (this webhook's own earlier output), the elements
/// <c>env</c>, <c>SPO_EXEC_REQUEST_UID=&lt;uid&gt;</c> are put in front. Upstream matched
/// <c>^SPO_EXEC_REQUEST_UID=.*$</c> with Go's RE2, where <c>.</c> stops at a newline, so an argument
/// with an embedded newline escaped the rewrite; a prefix test on the whole element has no such gap.
/// Upstream also skipped the <c>env</c> prefix whenever any argument matched (so
/// <c>echo SPO_EXEC_REQUEST_UID=x</c> ran without the variable); here the prefix is always there.</item>
/// <item>Pods (the kubectl-debug node pods): container 0 gets the variable in its env, replacing any
/// entry of that name.</item>
/// <item>pods/ephemeralcontainers: every ephemeral container that is new in this request (not in
/// the old object, no status yet) gets it; the env of a started ephemeral container is immutable.</item>
/// <item>Patches use <c>add</c>, which also works where <c>env</c> is absent (later upstream fix: its
/// v1.0.0 <c>replace</c> fails on a container without env).</item>
/// <item>Every response carries the audit annotation <c>SPO_EXEC_REQUEST_UID: &lt;uid&gt;</c>.</item>
/// </list>
/// </remarks>
public sealed class ExecMetadataWebhook : IAdmissionHandler
{
    /// <summary>The variable's name.</summary>
    public const string ExecRequestUid = "SPO_EXEC_REQUEST_UID";

    /// <summary>The message of a successful mutation.</summary>
    public const string PatchedMessage = "UID added to execmetadata";

    /// <summary>The message when nothing is changed.</summary>
    public const string UnmodifiedMessage = "pod exec request unmodified";

    private const string Assignment = ExecRequestUid + "=";

    /// <inheritdoc />
    public string Name => SpoWebhooks.ExecMetadataName;

    /// <inheritdoc />
    public AdmissionResponse Failed(int code, string message) =>
        AdmissionResponse.Allow(UnmodifiedMessage).WithWarnings(["the security profiles operator did not add the exec metadata: " + message]);

    /// <inheritdoc />
    public ValueTask<AdmissionResponse> HandleAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (patch, error) = request.Kind.Kind switch
        {
            "PodExecOptions" => ExecPatch(request),
            "Pod" => request.SubResource switch
            {
                "" => DebugPodPatch(request),
                "ephemeralcontainers" => EphemeralPatch(request),
                _ => ([], "unsupported pod sub resource: " + request.SubResource),
            },
            _ => (null, null),
        };

        if (patch is null && error is null)
        {
            return ValueTask.FromResult(AdmissionResponse.Allow(UnmodifiedMessage));
        }

        if (error is not null)
        {
            return ValueTask.FromResult(Failed(400, error));
        }

        var response = AdmissionResponse.Patched(patch!, PatchedMessage) with
        {
            AuditAnnotations = new Dictionary<string, string> { [ExecRequestUid] = request.Uid },
        };
        return ValueTask.FromResult(response);
    }

    private static (IReadOnlyList<JsonPatchOperation>? Patch, string? Error) ExecPatch(AdmissionRequest request)
    {
        if (!request.HasObject)
        {
            return (null, "the request has no PodExecOptions");
        }

        var command = new List<string>();
        if (request.Object.TryGetProperty("command"u8, out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                return (null, "command is not a list");
            }

            foreach (var element in list.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String)
                {
                    return (null, "command has an element that is not a string");
                }

                command.Add(element.GetString()!);
            }
        }

        var ours = Assignment + request.Uid;
        var alreadyPrefixed = command.Count >= 2 && command[0] == "env" && command[1].StartsWith(Assignment, StringComparison.Ordinal);
        var result = new JsonArray();
        if (!alreadyPrefixed)
        {
            result.Add("env");
            result.Add(ours);
        }

        foreach (var argument in command)
        {
            result.Add(argument.StartsWith(Assignment, StringComparison.Ordinal) ? ours : argument);
        }

        return ([JsonPatchOperation.Add("/command", result)], null);
    }

    private static (IReadOnlyList<JsonPatchOperation>? Patch, string? Error) DebugPodPatch(AdmissionRequest request)
    {
        if (!TryContainers(request.Object, "containers"u8, out var containers, out var error))
        {
            return (null, error);
        }

        if (containers.Count == 0)
        {
            return (null, "failed to find a container");
        }

        return WithEnv(containers[0], request.Uid, "/spec/containers/0/env", out var operation, out error) ? ([operation!], null) : (null, error);
    }

    private static (IReadOnlyList<JsonPatchOperation>? Patch, string? Error) EphemeralPatch(AdmissionRequest request)
    {
        if (!TryContainers(request.Object, "ephemeralContainers"u8, out var containers, out var error))
        {
            return (null, error);
        }

        var started = new HashSet<string>(StringComparer.Ordinal);
        if (TryContainers(request.OldObject, "ephemeralContainers"u8, out var old, out _))
        {
            started.UnionWith(old.Select(NameOf));
        }

        if (request.Object.TryGetProperty("status"u8, out var status) && status.ValueKind == JsonValueKind.Object
            && status.TryGetProperty("ephemeralContainerStatuses"u8, out var statuses) && statuses.ValueKind == JsonValueKind.Array)
        {
            started.UnionWith(statuses.EnumerateArray().Select(NameOf));
        }

        var operations = new List<JsonPatchOperation>();
        for (var i = 0; i < containers.Count; i++)
        {
            if (started.Contains(NameOf(containers[i])))
            {
                continue;
            }

            if (!WithEnv(containers[i], request.Uid, "/spec/ephemeralContainers/" + i + "/env", out var operation, out error))
            {
                return (null, error);
            }

            operations.Add(operation!);
        }

        return (operations, null);
    }

    // The container's env without any entry of our name, plus ours at the end.
    private static bool WithEnv(JsonElement container, string uid, string pointer, out JsonPatchOperation? operation, out string? error)
    {
        operation = null;
        error = null;
        var env = new JsonArray();
        if (container.TryGetProperty("env"u8, out var current) && current.ValueKind != JsonValueKind.Null)
        {
            if (current.ValueKind != JsonValueKind.Array)
            {
                error = "env is not a list";
                return false;
            }

            foreach (var variable in current.EnumerateArray())
            {
                if (variable.ValueKind != JsonValueKind.Object)
                {
                    error = "env has an entry that is not an object";
                    return false;
                }

                if (!(variable.TryGetProperty("name"u8, out var name) && name.ValueKind == JsonValueKind.String && name.ValueEquals(ExecRequestUid)))
                {
                    env.Add(JsonNode.Parse(variable.GetRawText()));
                }
            }
        }

        env.Add(new JsonObject { ["name"] = ExecRequestUid, ["value"] = uid });
        operation = JsonPatchOperation.Add(pointer, env);
        return true;
    }

    private static bool TryContainers(JsonElement pod, ReadOnlySpan<byte> field, out List<JsonElement> containers, out string? error)
    {
        containers = [];
        error = null;
        if (pod.ValueKind != JsonValueKind.Object)
        {
            error = "the request has no pod";
            return false;
        }

        if (!pod.TryGetProperty("spec"u8, out var spec) || spec.ValueKind != JsonValueKind.Object
            || !spec.TryGetProperty(field, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            error = "the pod's containers are not a list";
            return false;
        }

        foreach (var container in list.EnumerateArray())
        {
            if (container.ValueKind != JsonValueKind.Object)
            {
                error = "the pod has a container that is not an object";
                return false;
            }

            containers.Add(container);
        }

        return true;
    }

    private static string NameOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("name"u8, out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : string.Empty;
}
