using System.Text;
using System.Text.Json;
using SpoSdk.Oci.References;

namespace SpoSdk.Oci.Signing;

/// <summary>
/// Cosign's "simple signing" payload, the JSON a key signature signs:
/// <c>{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},"type":"cosign container image signature"},"optional":null}</c>.
/// </summary>
/// <param name="DockerReference">The repository the signer named (<c>registry/repository</c>).</param>
/// <param name="ManifestDigest">The manifest digest that is signed.</param>
public sealed record CosignPayload(string DockerReference, string ManifestDigest)
{
    /// <summary>The <c>critical.type</c> every cosign payload carries.</summary>
    public const string SignatureType = "cosign container image signature";

    /// <summary>The payload for <paramref name="digest"/> in <paramref name="repository"/>.</summary>
    public static CosignPayload For(OciReference repository, OciDigest digest)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return new CosignPayload(repository.Name, digest.ToString());
    }

    /// <summary>Parses a payload; throws <see cref="FormatException"/> when it is not a cosign simple-signing payload.</summary>
    public static CosignPayload Parse(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var json = JsonDocument.ParseValue(ref reader);
            var critical = json.RootElement.GetProperty("critical");
            var type = critical.GetProperty("type").GetString();
            if (type != SignatureType)
            {
                throw new FormatException("payload type is '" + type + "', not '" + SignatureType + "'");
            }

            var digest = critical.GetProperty("image").GetProperty("docker-manifest-digest").GetString()
                ?? throw new FormatException("payload has no docker-manifest-digest");
            var identity = critical.TryGetProperty("identity", out var id) && id.TryGetProperty("docker-reference", out var r) ? r.GetString() : null;
            return new CosignPayload(identity ?? string.Empty, digest);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("not a cosign simple-signing payload: " + ex.Message, ex);
        }
    }

    /// <summary>The payload bytes, in cosign's field order.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("critical");
            writer.WriteStartObject("identity");
            writer.WriteString("docker-reference", DockerReference);
            writer.WriteEndObject();
            writer.WriteStartObject("image");
            writer.WriteString("docker-manifest-digest", ManifestDigest);
            writer.WriteEndObject();
            writer.WriteString("type", SignatureType);
            writer.WriteEndObject();
            writer.WriteNull("optional");
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <inheritdoc/>
    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}
