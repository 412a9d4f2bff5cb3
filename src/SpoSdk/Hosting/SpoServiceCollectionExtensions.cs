using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SpoSdk.Node.Files;

namespace SpoSdk.Hosting;

/// <summary>The one call that hosts the Security Profiles Operator in your process.</summary>
public static class SpoServiceCollectionExtensions
{
    /// <summary>
    /// Adds the operator, configured by <paramref name="configure"/>, as a hosted service:
    /// <code>services.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeRoot("./.spo/node").AddSeccomp());</code>
    /// The configuration is checked here: a missing backend or component fails at once with a clear message.
    /// Call it once per service collection: a second call throws <see cref="InvalidOperationException"/>, as each
    /// SDK instance needs its own service provider.
    /// </summary>
    public static IServiceCollection AddSecurityProfilesOperator(this IServiceCollection services, Action<SpoOperatorBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        // A second registration would replace the first's singletons (settings, backend, informers) and leave one
        // hosted operator running the last configuration only: refuse it rather than drop a configuration silently.
        if (services.Any(d => d.ServiceType == typeof(SpoOperator)))
        {
            throw new InvalidOperationException(
                "AddSecurityProfilesOperator: already registered in this service collection; each SDK instance needs its own service provider");
        }

        var settings = new SpoOperatorBuilder();
        configure(settings);
        var problems = settings.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("AddSecurityProfilesOperator: " + string.Join("; ", problems));
        }

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(settings);
        services.AddSingleton(settings.Backend!);
        services.AddSingleton<InformerFactory>();
        Clients.SpoClientsServiceCollectionExtensions.AddSpoClients(services);
        services.AddSingleton<INodeFileSystem>(_ => new LocalNodeFileSystem(settings.NodeRoot));
        if (settings.OciKeys is { } keys)
        {
            Oci.OciServiceCollectionExtensions.AddSpoOci(services);
            services.AddSingleton<Profiles.Seccomp.IOciBaseProfileSource>(sp => new Profiles.Seccomp.OciBaseProfileSource(sp.GetRequiredService<Oci.Resolution.IOciProfileResolver>(), keys));
        }

        // The SPO counters exist once per SDK instance: the node reconcilers and the log enricher share them.
        services.TryAddSingleton(sp => new Audit.Metrics.SpodMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<SpoOperator>();
        services.AddHostedService(sp => sp.GetRequiredService<SpoOperator>());
        services.AddSingleton(sp => new SpoOperatorHealth(settings.Manager, settings.Daemon, settings.Manager && settings.LeaderElectionFor(sp.GetRequiredService<Runtime.Backends.IClusterBackend>())));
        services.AddSingleton(sp => new Profiles.Spod.SpodSettingsProvider(sp.GetRequiredService<InformerFactory>().For<Api.V1.SecurityProfilesOperatorDaemon>(settings.OperatorNamespace), settings.OperatorNamespace));
        return services;
    }
}
