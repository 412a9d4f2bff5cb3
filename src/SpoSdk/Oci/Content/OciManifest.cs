using System.Text.Json.Serialization;

namespace SpoSdk.Oci.Content;

/// <summary>An OCI image manifest (also read for Docker schema 2 manifests, which share its structure).</summary>
public sealed record OciManifest
{
    /// <summary>Always 2.</summary>
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>The manifest's own media type.</summary>
    [JsonPropertyName("mediaType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MediaType { get; init; } = OciMediaTypes.ImageManifest;

    /// <summary>The artifact type (image spec 1.1).</summary>
    [JsonPropertyName("artifactType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ArtifactType { get; init; }

    /// <summary>The config blob.</summary>
    [JsonPropertyName("config")]
    public OciDescriptor Config { get; init; } = new();

    /// <summary>The layers, in order.</summary>
    [JsonPropertyName("layers")]
    public IReadOnlyList<OciDescriptor> Layers { get; init; } = [];

    /// <summary>The manifest this one refers to (referrers).</summary>
    [JsonPropertyName("subject")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OciDescriptor? Subject { get; init; }

    /// <summary>Annotations; written in ordinal key order.</summary>
    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

/// <summary>An OCI image index (also read for Docker manifest lists).</summary>
public sealed record OciIndex
{
    /// <summary>Always 2.</summary>
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>The index's own media type.</summary>
    [JsonPropertyName("mediaType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MediaType { get; init; } = OciMediaTypes.ImageIndex;

    /// <summary>The artifact type (image spec 1.1).</summary>
    [JsonPropertyName("artifactType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ArtifactType { get; init; }

    /// <summary>The manifests.</summary>
    [JsonPropertyName("manifests")]
    public IReadOnlyList<OciDescriptor> Manifests { get; init; } = [];

    /// <summary>Annotations; written in ordinal key order.</summary>
    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
