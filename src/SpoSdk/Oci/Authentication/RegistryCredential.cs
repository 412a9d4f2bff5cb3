namespace SpoSdk.Oci.Authentication;

/// <summary>A username and password (or token used as password) for one registry.</summary>
/// <param name="Username">The user name.</param>
/// <param name="Password">The password or access token.</param>
public sealed record RegistryCredential(string Username, string Password)
{
    /// <summary>Never prints the password.</summary>
    public override string ToString() => "RegistryCredential { Username = " + Username + " }";
}

/// <summary>Finds the credential to use for a registry.</summary>
public interface IRegistryCredentialProvider
{
    /// <summary>The credential for <paramref name="registry"/> (<c>host[:port]</c>, <c>docker.io</c> for Docker Hub), or null for anonymous access.</summary>
    ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken = default);
}

/// <summary>One fixed credential for every registry, or for one registry only (spoc's <c>USERNAME</c>/<c>PASSWORD</c>).</summary>
/// <param name="Credential">The credential.</param>
/// <param name="Registry">The only registry it is for; null for all.</param>
public sealed record StaticRegistryCredentials(RegistryCredential Credential, string? Registry = null) : IRegistryCredentialProvider
{
    /// <inheritdoc/>
    public ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Registry is null || string.Equals(Registry, registry, StringComparison.OrdinalIgnoreCase) ? Credential : null);
}

/// <summary>Asks each provider in turn; the first credential found wins.</summary>
/// <param name="Providers">The providers, in order.</param>
public sealed record ChainedRegistryCredentials(IReadOnlyList<IRegistryCredentialProvider> Providers) : IRegistryCredentialProvider
{
    /// <inheritdoc/>
    public async ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken = default)
    {
        foreach (var provider in Providers)
        {
            if (await provider.GetCredentialAsync(registry, cancellationToken).ConfigureAwait(false) is { } credential)
            {
                return credential;
            }
        }

        return null;
    }
}
