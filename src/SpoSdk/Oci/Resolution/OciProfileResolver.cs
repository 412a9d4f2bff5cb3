using SpoSdk.Api.V1;
using SpoSdk.Oci.Artifacts;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;
using SpoSdk.Oci.Trust;

namespace SpoSdk.Oci.Resolution;

/// <summary>Resolves <c>oci://</c> base profiles for the seccomp reconciler.</summary>
public interface IOciProfileResolver
{
    /// <summary>
    /// The SeccompProfile that <paramref name="baseProfileName"/> (<c>oci://REF</c>, or a bare reference)
    /// names, trusted under <paramref name="policy"/> (built by the caller from the SPOD's
    /// <c>disableOciArtifactSignatureVerification</c> and the configured keys). Each call returns a new
    /// object the caller may change. Throws <see cref="OciProfileResolutionException"/> with the status
    /// reason and message to report.
    /// </summary>
    Task<OciResolvedProfile> ResolveSeccompProfileAsync(string baseProfileName, OciTrustPolicy policy, CancellationToken cancellationToken = default);
}

/// <summary>A resolved <c>oci://</c> base profile.</summary>
/// <param name="Profile">A fresh copy of the profile.</param>
/// <param name="Reference">The reference, pinned to the manifest digest it resolved to.</param>
/// <param name="Trust">Why it was trusted.</param>
/// <param name="FromCache">Whether no registry request was needed.</param>
public sealed record OciResolvedProfile(SeccompProfile Profile, OciReference Reference, OciTrustDecision Trust, bool FromCache);

/// <summary>Settings of an <see cref="OciProfileResolver"/>.</summary>
public sealed record OciProfileResolverOptions
{
    /// <summary>How long a tag stays resolved to the digest it pointed to (upstream: 24 h).</summary>
    public TimeSpan TagCacheLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Entries of each cache (upstream: 1000).</summary>
    public int CacheCapacity { get; init; } = 1000;

    /// <summary>
    /// The most layer bytes the content cache keeps (default 64 MiB); the least recently used profiles
    /// go first. A layer may have up to <see cref="OciRegistryClientOptions.MaxBlobBytes"/> (16 MiB), so
    /// the count alone would let 1000 of them hold gigabytes. A larger layer than this is not cached.
    /// </summary>
    public long ContentCacheBytes { get; init; } = 64L << 20;

    /// <summary>The platform profiles are pulled for; this machine's when null (upstream: GOOS/GOARCH).</summary>
    public OciPlatform? Platform { get; init; }
}

/// <summary>Why an <c>oci://</c> base profile could not be resolved.</summary>
public enum OciResolutionFailure
{
    /// <summary>The reference does not parse.</summary>
    InvalidReference,

    /// <summary>The trust policy refused the artifact.</summary>
    NotTrusted,

    /// <summary>The registry could not be reached or refused the request.</summary>
    Registry,

    /// <summary>Content failed digest or size verification.</summary>
    Verification,

    /// <summary>The artifact holds no usable profile.</summary>
    InvalidArtifact,

    /// <summary>The artifact holds a profile of another kind.</summary>
    NotSeccompProfile,
}

/// <summary>An <c>oci://</c> base profile could not be resolved; nothing was cached.</summary>
public sealed class OciProfileResolutionException : Exception
{
    /// <summary>Upstream's event and metric reason for every failure to get a base profile from OCI.</summary>
    public const string CannotPullSeccompProfile = "CannotPullSeccompProfile";

    /// <summary>Creates the exception.</summary>
    public OciProfileResolutionException(string reference, OciResolutionFailure failure, string message, Exception? innerException = null)
        : base("cannot pull seccomp profile " + reference + ": " + message, innerException)
    {
        Reference = reference;
        Failure = failure;
    }

    /// <summary>The reference as given.</summary>
    public string Reference { get; }

    /// <summary>What went wrong.</summary>
    public OciResolutionFailure Failure { get; }

    /// <summary>The status/event reason: <see cref="CannotPullSeccompProfile"/>, as upstream.</summary>
    public string Reason => CannotPullSeccompProfile;
}

/// <summary>
/// Resolves <c>oci://</c> base profiles through two caches. A content-addressed one keeps the verified
/// layer bytes by manifest digest: a pinned reference is served from it forever (until evicted), since a
/// digest never names other content. A tag one maps the reference string (and trust policy) to the digest
/// it resolved to, for <see cref="OciProfileResolverOptions.TagCacheLifetime"/>. The content cache is bounded
/// by <see cref="OciProfileResolverOptions.CacheCapacity"/> entries and
/// <see cref="OciProfileResolverOptions.ContentCacheBytes"/> bytes, least recently used first. Only content that passed
/// digest verification, the trust policy and decoding is cached.
/// </summary>
public sealed class OciProfileResolver : IOciProfileResolver
{
    /// <summary>The prefix of OCI base profile names.</summary>
    public const string Scheme = "oci://";

    private readonly OciProfileClient _client;
    private readonly OciProfileResolverOptions _options;
    private readonly OciPlatform _platform;
    private readonly LruCache<string, (OciDigest Digest, OciTrustDecision Trust)> _tags;
    private readonly LruCache<OciDigest, CachedContent> _content;

    /// <summary>Creates the resolver.</summary>
    public OciProfileResolver(OciProfileClient client, OciProfileResolverOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new OciProfileResolverOptions();
        _platform = _options.Platform ?? OciPlatform.Current;
        var time = timeProvider ?? TimeProvider.System;
        _tags = new LruCache<string, (OciDigest, OciTrustDecision)>(_options.CacheCapacity, time);
        _content = new LruCache<OciDigest, CachedContent>(_options.CacheCapacity, time, _options.ContentCacheBytes, c => c.Content.LongLength);
    }

    /// <summary>Whether <paramref name="baseProfileName"/> names an OCI artifact.</summary>
    public static bool IsOciReference(string? baseProfileName) => baseProfileName?.StartsWith(Scheme, StringComparison.Ordinal) == true;

    /// <inheritdoc/>
    public async Task<OciResolvedProfile> ResolveSeccompProfileAsync(string baseProfileName, OciTrustPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseProfileName);
        ArgumentNullException.ThrowIfNull(policy);
        var text = IsOciReference(baseProfileName) ? baseProfileName[Scheme.Length..] : baseProfileName;
        if (!OciReference.TryParse(text, out var reference, out var error))
        {
            throw new OciProfileResolutionException(baseProfileName, OciResolutionFailure.InvalidReference, error!);
        }

        var tagKey = text + "\n" + policy.Fingerprint;
        OciDigest? known = reference!.Digest;
        OciTrustDecision? knownTrust = null;
        if (known is null && _tags.TryGet(tagKey, out var tagged))
        {
            (known, knownTrust) = tagged;
        }

        if (known is { } digest && _content.TryGet(digest, out var cached))
        {
            var trust = knownTrust ?? (cached.PolicyFingerprint == policy.Fingerprint ? cached.Trust : PinnedTrust(policy, digest));
            var pinned = reference.IsPinned ? reference : reference.WithDigest(digest);
            return new OciResolvedProfile(Seccomp(cached.Content, cached.Layout, pinned, baseProfileName), pinned, trust, FromCache: true);
        }

        OciPullResult pulled;
        try
        {
            pulled = await _client.PullAsync(known is { } d && !reference.IsPinned ? reference.WithDigest(d) : reference, policy, _platform, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken) is { } failure)
        {
            throw new OciProfileResolutionException(baseProfileName, failure, ex.Message, ex);
        }

        if (pulled.Profile is not SeccompProfile)
        {
            throw new OciProfileResolutionException(baseProfileName, OciResolutionFailure.NotSeccompProfile, "the artifact holds a " + pulled.Profile.Kind + ", not a SeccompProfile");
        }

        var profile = Seccomp(pulled.Content, pulled.Layout, pulled.Reference, baseProfileName);
        _content.Set(pulled.Digest, new CachedContent(pulled.Content, pulled.Layout, pulled.Trust, policy.Fingerprint));
        if (!reference.IsPinned)
        {
            _tags.Set(tagKey, (pulled.Digest, knownTrust ?? pulled.Trust), _options.TagCacheLifetime);
        }

        return new OciResolvedProfile(profile, pulled.Reference, knownTrust ?? pulled.Trust, FromCache: false);
    }

    /// <summary>The layer bytes the content cache holds.</summary>
    internal long CachedContentBytes => _content.Weight;

    /// <summary>Forgets every cached tag and profile.</summary>
    public void Clear()
    {
        _tags.Clear();
        _content.Clear();
    }

    private static OciTrustDecision PinnedTrust(OciTrustPolicy policy, OciDigest digest) => policy.DisableSignatureVerification
        ? new OciTrustDecision(OciTrustBasis.VerificationDisabled, "signature verification is disabled")
        : new OciTrustDecision(OciTrustBasis.PinnedDigest, "the reference is pinned to " + digest);

    // A cancellation the caller did not ask for is a registry timeout (HttpClient.Timeout's
    // TaskCanceledException), so a failure to pull; the caller's own passes through.
    private static OciResolutionFailure? Classify(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OciTrustException => OciResolutionFailure.NotTrusted,
        OciContentException => OciResolutionFailure.Verification,
        OciArtifactException => OciResolutionFailure.InvalidArtifact,
        OciRegistryException => OciResolutionFailure.Registry,
        OperationCanceledException when !cancellationToken.IsCancellationRequested => OciResolutionFailure.Registry,
        _ => null,
    };

    // Decoded afresh on every call: callers get an object of their own, and the cache holds only bytes.
    private static SeccompProfile Seccomp(byte[] content, ProfileArtifactLayout layout, OciReference reference, string baseProfileName)
    {
        var profile = ProfileArtifacts.Decode(content, layout, reference, out _);
        return profile as SeccompProfile
            ?? throw new OciProfileResolutionException(baseProfileName, OciResolutionFailure.NotSeccompProfile, "the artifact holds a " + profile.Kind + ", not a SeccompProfile");
    }

    private sealed record CachedContent(byte[] Content, ProfileArtifactLayout Layout, OciTrustDecision Trust, string PolicyFingerprint);
}
