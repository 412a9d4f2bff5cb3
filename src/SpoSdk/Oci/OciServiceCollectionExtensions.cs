using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SpoSdk.Oci.Artifacts;
using SpoSdk.Oci.Authentication;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.Resolution;

namespace SpoSdk.Oci;

/// <summary>Settings for <see cref="OciServiceCollectionExtensions.AddSpoOci"/>.</summary>
public sealed class OciServiceOptions
{
    /// <summary>How the registry client talks to registries.</summary>
    public OciRegistryClientOptions Registry { get; set; } = new();

    /// <summary>Cache and platform settings of the <c>oci://</c> resolver.</summary>
    public OciProfileResolverOptions Resolver { get; set; } = new();

    /// <summary>Makes the HTTP handler under the registry client (TLS trust, proxy); a <see cref="SocketsHttpHandler"/> when null.</summary>
    public Func<IServiceProvider, HttpMessageHandler>? HttpMessageHandlerFactory { get; set; }
}

/// <summary>Registers OCI distribution of profiles in a service collection.</summary>
public static class OciServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="OciRegistryClient"/> (owning its own <see cref="HttpClient"/>), the
    /// <see cref="OciProfileClient"/> and the <see cref="IOciProfileResolver"/>, unless already registered.
    /// Credentials come from a registered <see cref="IRegistryCredentialProvider"/>, if any; time from
    /// the registered <see cref="TimeProvider"/>, else the system clock.
    /// </summary>
    public static IServiceCollection AddSpoOci(this IServiceCollection services, Action<OciServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new OciServiceOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var handler = options.HttpMessageHandlerFactory?.Invoke(sp) ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
            var http = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromMinutes(5) };
            return new OciRegistryClient(http, options.Registry, sp.GetService<IRegistryCredentialProvider>(), sp.GetRequiredService<TimeProvider>(), disposeHttpClient: true);
        });
        services.TryAddSingleton(sp => new OciProfileClient(sp.GetRequiredService<OciRegistryClient>()));
        services.TryAddSingleton<IOciProfileResolver>(sp => new OciProfileResolver(sp.GetRequiredService<OciProfileClient>(), options.Resolver, sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
