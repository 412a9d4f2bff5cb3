using System.Text.Json.Serialization;
using SpoSdk.Oci.References;

namespace SpoSdk.Oci.Content;

/// <summary>An OCI content descriptor: what a blob or manifest is, its digest and size.</summary>
public sealed record OciDescriptor
{
    /// <summary>The content's media type.</summary>
    [JsonPropertyName("mediaType")]
    public string MediaType { get; init; } = string.Empty;

    /// <summary>The content's digest, <c>algorithm:hex</c>.</summary>
    [JsonPropertyName("digest")]
    public string Digest { get; init; } = string.Empty;

    /// <summary>The content's size in bytes.</summary>
    [JsonPropertyName("size")]
    public long Size { get; init; }

    /// <summary>Annotations; written in ordinal key order, as Go's encoder writes maps.</summary>
    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>The content itself, base64, embedded (ORAS embeds the empty config <c>{}</c>).</summary>
    [JsonPropertyName("data")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Data { get; init; }

    /// <summary>The platform the content is for.</summary>
    [JsonPropertyName("platform")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OciPlatform? Platform { get; init; }

    /// <summary>The artifact type of a referenced manifest (referrers).</summary>
    [JsonPropertyName("artifactType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ArtifactType { get; init; }

    /// <summary>The parsed digest; throws <see cref="OciContentException"/> when the descriptor's digest is not a supported one.</summary>
    [JsonIgnore]
    public OciDigest ParsedDigest => OciDigest.TryParse(Digest, out var digest, out var error) ? digest : throw new OciContentException(error!);

    /// <summary>The annotation <paramref name="key"/>, or null.</summary>
    public string? Annotation(string key) => Annotations is not null && Annotations.TryGetValue(key, out var value) ? value : null;

    /// <summary>A descriptor of <paramref name="content"/> with <paramref name="mediaType"/>.</summary>
    public static OciDescriptor Of(ReadOnlySpan<byte> content, string mediaType) =>
        new() { MediaType = mediaType, Digest = OciDigest.Compute(content).ToString(), Size = content.Length };
}
