using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpoSdk.Admission.Pods;

/// <summary>
/// Collects the changes the webhooks want on a pod (securityContext fields per container and at pod
/// level, annotations) and turns them into the smallest JSON patch against the original JSON: a
/// value equal to what is there yields no operation, and several fields under a missing
/// securityContext become one <c>add</c> of the whole object, so the operations never overwrite
/// each other. Later settings of the same field win, which is how overlapping bindings resolve.
/// </summary>
public sealed class PodPatchBuilder
{
    private readonly PodView _pod;
    private readonly SortedDictionary<string, JsonNode>[] _containers;
    private readonly SortedDictionary<string, JsonNode> _podLevel = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string?> _annotations = new(StringComparer.Ordinal);

    /// <summary>Starts an empty plan for <paramref name="pod"/>.</summary>
    public PodPatchBuilder(PodView pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _pod = pod;
        _containers = new SortedDictionary<string, JsonNode>[pod.Containers.Count];
    }

    /// <summary>Sets <c>securityContext.&lt;field&gt;</c> of a container (index into <see cref="PodView.Containers"/>).</summary>
    public void SetContainerField(int container, string field, JsonNode value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        (_containers[container] ??= new SortedDictionary<string, JsonNode>(StringComparer.Ordinal))[field] = value;
    }

    /// <summary>Sets <c>spec.securityContext.&lt;field&gt;</c>.</summary>
    public void SetPodField(string field, JsonNode value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        _podLevel[field] = value;
    }

    /// <summary>Sets an annotation.</summary>
    public void SetAnnotation(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _annotations[key] = value;
    }

    /// <summary>Removes an annotation (nothing when it is not there).</summary>
    public void RemoveAnnotation(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _annotations[key] = null;
    }

    /// <summary>A container's <c>securityContext.&lt;field&gt;</c> as the pod has it; Undefined when absent or null.</summary>
    public JsonElement OriginalContainerField(int container, string field) => Member(_pod.Containers[container].SecurityContext, field);

    /// <summary><c>spec.securityContext.&lt;field&gt;</c> as the pod has it; Undefined when absent or null.</summary>
    public JsonElement OriginalPodField(string field) => Member(_pod.PodSecurityContext, field);

    /// <summary>The value a container's field will have after the patch: planned, else original (null when neither).</summary>
    public JsonNode? FinalContainerField(int container, string field) =>
        _containers[container] is { } planned && planned.TryGetValue(field, out var value) ? value : ToNode(OriginalContainerField(container, field));

    /// <summary>The value the pod-level field will have after the patch.</summary>
    public JsonNode? FinalPodField(string field) => _podLevel.TryGetValue(field, out var value) ? value : ToNode(OriginalPodField(field));

    /// <summary>The operations, in pod order: containers, pod level, annotations.</summary>
    public IReadOnlyList<JsonPatchOperation> Build()
    {
        var operations = new List<JsonPatchOperation>();
        for (var i = 0; i < _containers.Length; i++)
        {
            if (_containers[i] is { } fields)
            {
                AddFields(operations, _pod.Containers[i].Pointer + "/securityContext", _pod.Containers[i].SecurityContext, fields);
            }
        }

        if (_podLevel.Count > 0)
        {
            if (_pod.HasSpecObject)
            {
                AddFields(operations, "/spec/securityContext", _pod.PodSecurityContext, _podLevel);
            }
            else
            {
                operations.Add(JsonPatchOperation.Add("/spec", new JsonObject { ["securityContext"] = ObjectOf(_podLevel) }));
            }
        }

        AddAnnotations(operations);
        return operations;
    }

    private void AddAnnotations(List<JsonPatchOperation> operations)
    {
        if (_annotations.Count == 0)
        {
            return;
        }

        if (!_pod.HasAnnotationsObject)
        {
            var added = new JsonObject();
            foreach (var (key, value) in _annotations)
            {
                if (value is not null)
                {
                    added[key] = value;
                }
            }

            if (added.Count > 0)
            {
                operations.Add(_pod.HasMetadataObject
                    ? JsonPatchOperation.Add("/metadata/annotations", added)
                    : JsonPatchOperation.Add("/metadata", new JsonObject { ["annotations"] = added }));
            }

            return;
        }

        foreach (var (key, value) in _annotations)
        {
            var exists = _pod.Annotations.TryGetValue(key, out var current);
            if (value is null)
            {
                if (exists)
                {
                    operations.Add(JsonPatchOperation.Remove("/metadata/annotations/" + JsonPointer.Escape(key)));
                }
            }
            else if (!exists || current != value)
            {
                operations.Add(JsonPatchOperation.Add("/metadata/annotations/" + JsonPointer.Escape(key), value));
            }
        }
    }

    private static void AddFields(List<JsonPatchOperation> operations, string pointer, JsonElement existing, SortedDictionary<string, JsonNode> fields)
    {
        if (existing.ValueKind != JsonValueKind.Object)
        {
            operations.Add(JsonPatchOperation.Add(pointer, ObjectOf(fields)));
            return;
        }

        foreach (var (field, value) in fields)
        {
            var current = Member(existing, field);
            if (current.ValueKind == JsonValueKind.Undefined || !JsonNode.DeepEquals(ToNode(current), value))
            {
                operations.Add(JsonPatchOperation.Add(pointer + "/" + JsonPointer.Escape(field), value.DeepClone()));
            }
        }
    }

    private static JsonObject ObjectOf(SortedDictionary<string, JsonNode> fields)
    {
        var result = new JsonObject();
        foreach (var (field, value) in fields)
        {
            result[field] = value.DeepClone();
        }

        return result;
    }

    private static JsonElement Member(JsonElement obj, string field) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : default;

    private static JsonNode? ToNode(JsonElement element) => element.ValueKind == JsonValueKind.Undefined ? null : JsonNode.Parse(element.GetRawText());
}
