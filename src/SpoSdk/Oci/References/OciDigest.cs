using System.Security.Cryptography;

namespace SpoSdk.Oci.References;

/// <summary>
/// A content digest, <c>algorithm:encoded</c>, as OCI descriptors and references carry it. Only the
/// registered algorithms <c>sha256</c> and <c>sha512</c> are accepted: content is verified against
/// every digest, and a digest this SDK cannot compute could not be verified.
/// </summary>
public readonly record struct OciDigest
{
    private const string Sha256Name = "sha256";
    private const string Sha512Name = "sha512";

    private OciDigest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    /// <summary>The algorithm, <c>sha256</c> or <c>sha512</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The lowercase hexadecimal hash.</summary>
    public string Encoded { get; }

    /// <summary>The form used by the referrers tag schema and cosign: <c>sha256-&lt;hex&gt;</c>.</summary>
    public string TagForm => Algorithm + "-" + Encoded;

    /// <summary>The SHA-256 digest of <paramref name="content"/>.</summary>
    public static OciDigest Compute(ReadOnlySpan<byte> content) => new(Sha256Name, Convert.ToHexStringLower(SHA256.HashData(content)));

    /// <summary>The digest of <paramref name="content"/> with <paramref name="algorithm"/>.</summary>
    public static OciDigest Compute(string algorithm, ReadOnlySpan<byte> content) => algorithm switch
    {
        Sha256Name => Compute(content),
        Sha512Name => new(Sha512Name, Convert.ToHexStringLower(SHA512.HashData(content))),
        _ => throw new ArgumentException("unsupported digest algorithm '" + algorithm + "'", nameof(algorithm)),
    };

    /// <summary>Parses <c>algorithm:hex</c>; throws <see cref="FormatException"/> when it is not a supported digest.</summary>
    public static OciDigest Parse(string value) =>
        TryParse(value, out var digest, out var error) ? digest : throw new FormatException(error);

    /// <summary>Parses <c>algorithm:hex</c>, explaining in <paramref name="error"/> what is wrong otherwise.</summary>
    public static bool TryParse(string? value, out OciDigest digest, out string? error)
    {
        digest = default;
        var colon = value?.IndexOf(':') ?? -1;
        if (value is null || colon <= 0)
        {
            error = "invalid digest '" + value + "': expected algorithm:hex";
            return false;
        }

        var algorithm = value[..colon];
        var encoded = value[(colon + 1)..];
        var length = algorithm switch { Sha256Name => 64, Sha512Name => 128, _ => -1 };
        if (length < 0)
        {
            error = "unsupported digest algorithm '" + algorithm + "' in '" + value + "' (supported: sha256, sha512)";
            return false;
        }

        if (encoded.Length != length || !encoded.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            error = "invalid digest '" + value + "': " + algorithm + " needs " + length + " lowercase hex characters";
            return false;
        }

        digest = new OciDigest(algorithm, encoded);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="content"/> hashes to this digest.</summary>
    public bool Matches(ReadOnlySpan<byte> content)
    {
        var actual = Compute(Algorithm, content);
        return CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(actual.Encoded),
            System.Text.Encoding.ASCII.GetBytes(Encoded));
    }

    /// <inheritdoc/>
    public override string ToString() => Algorithm is null ? string.Empty : Algorithm + ":" + Encoded;
}
