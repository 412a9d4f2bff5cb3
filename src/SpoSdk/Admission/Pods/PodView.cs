using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SpoSdk.Admission.Pods;

/// <summary>One container of a pod as the webhooks see it.</summary>
/// <param name="Pointer">The container's JSON pointer, e.g. <c>/spec/initContainers/0</c>.</param>
/// <param name="Name">The container name.</param>
/// <param name="Image">The image exactly as written in the pod.</param>
/// <param name="IsInit">Whether it is an init container.</param>
/// <param name="SecurityContext">Its <c>securityContext</c>; Undefined when absent or null.</param>
public sealed record PodContainer(string Pointer, string Name, string Image, bool IsInit, JsonElement SecurityContext)
{
    /// <summary>Whether the container runs privileged.</summary>
    public bool IsPrivileged =>
        SecurityContext.ValueKind == JsonValueKind.Object && SecurityContext.TryGetProperty("privileged"u8, out var value) && value.ValueKind == JsonValueKind.True;
}

/// <summary>
/// A read-only view of a pod's JSON: the fields the binding and recording webhooks read, checked
/// for the types the Kubernetes API gives them. Nothing is copied out of the JSON except strings.
/// </summary>
public sealed class PodView
{
    private PodView(JsonElement root)
    {
        Root = root;
    }

    /// <summary>The pod JSON.</summary>
    public JsonElement Root { get; }

    /// <summary>metadata.name, or empty.</summary>
    public string Name { get; private set; } = string.Empty;

    /// <summary>metadata.generateName, or empty.</summary>
    public string GenerateName { get; private set; } = string.Empty;

    /// <summary>metadata.labels (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; private set; } = Empty;

    /// <summary>metadata.annotations (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; private set; } = Empty;

    /// <summary>Whether metadata.annotations is an object (so single keys can be patched).</summary>
    public bool HasAnnotationsObject { get; private set; }

    /// <summary>Whether metadata is an object.</summary>
    public bool HasMetadataObject { get; private set; }

    /// <summary>Containers, then init containers: the order upstream matches images in.</summary>
    public IReadOnlyList<PodContainer> Containers { get; private set; } = [];

    /// <summary>spec.securityContext; Undefined when absent or null.</summary>
    public JsonElement PodSecurityContext { get; private set; }

    /// <summary>Whether spec is an object.</summary>
    public bool HasSpecObject { get; private set; }

    private static IReadOnlyDictionary<string, string> Empty { get; } = new Dictionary<string, string>();

    /// <summary>Reads a pod; false with a reason when the JSON is not shaped like a pod.</summary>
    public static bool TryRead(JsonElement pod, [NotNullWhen(true)] out PodView? view, [NotNullWhen(false)] out string? error)
    {
        view = null;
        if (pod.ValueKind != JsonValueKind.Object)
        {
            error = "the object is not a pod";
            return false;
        }

        var result = new PodView(pod);
        error = result.ReadMetadata() ?? result.ReadSpec();
        if (error is not null)
        {
            return false;
        }

        view = result;
        return true;
    }

    private string? ReadMetadata()
    {
        if (!Root.TryGetProperty("metadata"u8, out var metadata) || metadata.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return "metadata is not an object";
        }

        HasMetadataObject = true;
        if (OptionalString(metadata, "name"u8, "metadata.name", out var name) is { } e1)
        {
            return e1;
        }

        if (OptionalString(metadata, "generateName"u8, "metadata.generateName", out var generateName) is { } e2)
        {
            return e2;
        }

        Name = name;
        GenerateName = generateName;
        if (StringMap(metadata, "labels"u8, "metadata.labels", out var labels, out _) is { } e3)
        {
            return e3;
        }

        if (StringMap(metadata, "annotations"u8, "metadata.annotations", out var annotations, out var isObject) is { } e4)
        {
            return e4;
        }

        Labels = labels;
        Annotations = annotations;
        HasAnnotationsObject = isObject;
        return null;
    }

    private string? ReadSpec()
    {
        if (!Root.TryGetProperty("spec"u8, out var spec) || spec.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (spec.ValueKind != JsonValueKind.Object)
        {
            return "spec is not an object";
        }

        HasSpecObject = true;
        var containers = new List<PodContainer>();
        if ((ReadContainers(spec, "containers"u8, "containers", false, containers) ?? ReadContainers(spec, "initContainers"u8, "initContainers", true, containers)) is { } error)
        {
            return error;
        }

        Containers = containers;
        if (spec.TryGetProperty("securityContext"u8, out var securityContext) && securityContext.ValueKind != JsonValueKind.Null)
        {
            if (securityContext.ValueKind != JsonValueKind.Object)
            {
                return "spec.securityContext is not an object";
            }

            PodSecurityContext = securityContext;
        }

        return null;
    }

    private static string? ReadContainers(JsonElement spec, ReadOnlySpan<byte> property, string field, bool init, List<PodContainer> into)
    {
        if (!spec.TryGetProperty(property, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            return "spec." + field + " is not a list";
        }

        var index = 0;
        foreach (var container in list.EnumerateArray())
        {
            var where = "spec." + field + "[" + index + "]";
            if (container.ValueKind != JsonValueKind.Object)
            {
                return where + " is not an object";
            }

            var image = string.Empty;
            if ((OptionalString(container, "name"u8, where + ".name", out var name) ?? OptionalString(container, "image"u8, where + ".image", out image)) is { } error)
            {
                return error;
            }

            var securityContext = default(JsonElement);
            if (container.TryGetProperty("securityContext"u8, out var sc) && sc.ValueKind != JsonValueKind.Null)
            {
                if (sc.ValueKind != JsonValueKind.Object)
                {
                    return where + ".securityContext is not an object";
                }

                securityContext = sc;
            }

            into.Add(new PodContainer("/spec/" + field + "/" + index, name, image, init, securityContext));
            index++;
        }

        return null;
    }

    private static string? OptionalString(JsonElement obj, ReadOnlySpan<byte> property, string field, out string value)
    {
        value = string.Empty;
        if (!obj.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return field + " is not a string";
        }

        value = element.GetString()!;
        return null;
    }

    private static string? StringMap(JsonElement obj, ReadOnlySpan<byte> property, string field, out IReadOnlyDictionary<string, string> map, out bool isObject)
    {
        map = Empty;
        isObject = false;
        if (!obj.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return field + " is not an object";
        }

        isObject = true;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                return field + "[" + entry.Name + "] is not a string";
            }

            result[entry.Name] = entry.Value.GetString()!;
        }

        map = result;
        return null;
    }
}
