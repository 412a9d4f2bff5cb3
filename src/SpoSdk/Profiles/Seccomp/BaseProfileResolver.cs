using SpoSdk.Api.V1;

namespace SpoSdk.Profiles.Seccomp;

/// <summary>Where an <c>oci://</c> base profile comes from (the OCI distribution client and its cache).</summary>
public interface IOciBaseProfileSource
{
    /// <summary>
    /// The profile at <paramref name="reference"/> (<c>oci://REF</c>), trusted per the trust policy;
    /// <paramref name="disableSignatureVerification"/> is the SPOD switch of that name.
    /// </summary>
    Task<SeccompProfile> PullAsync(string reference, bool disableSignatureVerification, CancellationToken cancellationToken);
}

/// <summary>The OCI base-profile source over the registry client's resolver: content-addressed cache, digest checks, cosign keys.</summary>
/// <param name="resolver">The resolver.</param>
/// <param name="keys">The public keys a base profile's signature may verify with.</param>
public sealed class OciBaseProfileSource(Oci.Resolution.IOciProfileResolver resolver, IReadOnlyList<Oci.Signing.CosignPublicKey>? keys = null) : IOciBaseProfileSource
{
    /// <inheritdoc />
    public async Task<SeccompProfile> PullAsync(string reference, bool disableSignatureVerification, CancellationToken cancellationToken)
    {
        var policy = new Oci.Trust.OciTrustPolicy { PublicKeys = keys ?? [], DisableSignatureVerification = disableSignatureVerification };
        return (await resolver.ResolveSeccompProfileAsync(reference, policy, cancellationToken).ConfigureAwait(false)).Profile;
    }
}

/// <summary>A base profile chain that cannot be resolved: missing, cyclic, too deep, or not pullable.</summary>
public sealed class BaseProfileException(string reason, string message) : Exception(message)
{
    /// <summary>The event reason upstream uses for this failure.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Resolves a profile's <c>baseProfileName</c> chain, local names or <c>oci://</c> references, at
/// most 15 deep as upstream, refusing cycles, and returns the spec with the union of every
/// ancestor's syscalls. Only syscalls are inherited; everything else is the profile's own.
/// </summary>
public sealed class BaseProfileResolver
{
    /// <summary>Upstream's recursion limit.</summary>
    public const int MaxDepth = 15;

    /// <summary>The prefix of a base profile kept in an OCI registry.</summary>
    public const string OciPrefix = "oci://";

    private readonly Func<string, SeccompProfile?> _localProfiles;
    private readonly IOciBaseProfileSource? _oci;

    /// <summary>Creates a resolver.</summary>
    /// <param name="localProfiles">Looks up a SeccompProfile by name (e.g. from an informer).</param>
    /// <param name="oci">Pulls <c>oci://</c> bases; null when OCI bases are not configured.</param>
    public BaseProfileResolver(Func<string, SeccompProfile?> localProfiles, IOciBaseProfileSource? oci = null)
    {
        ArgumentNullException.ThrowIfNull(localProfiles);
        _localProfiles = localProfiles;
        _oci = oci;
    }

    /// <summary>The spec to install: the profile's own, with the merged syscalls of its base chain.</summary>
    /// <param name="profile">The profile.</param>
    /// <param name="disableSignatureVerification">The SPOD switch for <c>oci://</c> bases.</param>
    /// <param name="cancellationToken">Cancels the resolution.</param>
    public async Task<SeccompProfileSpec> ResolveAsync(SeccompProfile profile, bool disableSignatureVerification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var syscalls = SyscallUnion.Normalize(profile.Spec.Syscalls ?? []);
        var seen = new HashSet<string>(StringComparer.Ordinal) { profile.Metadata.Name };
        var baseName = profile.Spec.BaseProfileName;
        for (var depth = 0; !string.IsNullOrEmpty(baseName); depth++)
        {
            if (depth >= MaxDepth)
            {
                throw new BaseProfileException("InvalidSeccompProfile", "max recursion level of " + MaxDepth + " reached resolving base profiles of " + profile.Metadata.Name);
            }

            if (!seen.Add(baseName))
            {
                throw new BaseProfileException("InvalidSeccompProfile", "base profiles of " + profile.Metadata.Name + " form a cycle at " + baseName);
            }

            var parent = await LoadAsync(baseName, disableSignatureVerification, cancellationToken).ConfigureAwait(false);
            syscalls = SyscallUnion.Merge(parent.Spec.Syscalls, syscalls);
            baseName = parent.Spec.BaseProfileName;
        }

        return new SeccompProfileSpec
        {
            State = profile.Spec.State,
            BaseProfileName = profile.Spec.BaseProfileName,
            DefaultAction = profile.Spec.DefaultAction,
            Architectures = profile.Spec.Architectures,
            ListenerPath = profile.Spec.ListenerPath,
            ListenerMetadata = profile.Spec.ListenerMetadata,
            Syscalls = syscalls.Count > 0 ? syscalls : null,
            Flags = profile.Spec.Flags,
        };
    }

    private async Task<SeccompProfile> LoadAsync(string name, bool disableSignatureVerification, CancellationToken cancellationToken)
    {
        if (name.StartsWith(OciPrefix, StringComparison.Ordinal))
        {
            if (_oci is null)
            {
                throw new BaseProfileException("CannotPullSeccompProfile", "base profile " + name + " is in an OCI registry, but no OCI source is configured");
            }

            try
            {
                return await _oci.PullAsync(name, disableSignatureVerification, cancellationToken).ConfigureAwait(false);
            }
            // A cancellation the caller did not ask for is a registry timeout (HttpClient.Timeout's
            // TaskCanceledException): a failure to pull, reported as such, not a stop.
            catch (Exception ex) when (ex is not BaseProfileException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw new BaseProfileException("CannotPullSeccompProfile", "cannot pull base profile " + name + ": " + ex.Message);
            }
        }

        return _localProfiles(name) ?? throw new BaseProfileException("InvalidSeccompProfile", "base profile " + name + " does not exist");
    }
}
