using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using SpoSdk.AspNetCore.Auth;
using SpoSdk.AspNetCore.Tls;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.Kubernetes;

namespace SpoSdk.AspNetCore.Metrics;

/// <summary>Registers and maps the SDK instance's Prometheus endpoints.</summary>
public static class MetricsEndpointExtensions
{
    /// <summary>
    /// Adds <see cref="SpoMetricsExporter"/> (this instance's meters in Prometheus form) and the
    /// <see cref="MetricsAccessFilter"/>. The filter asks the cluster through a registered
    /// <see cref="IMetricsAccessReview"/>, else through the Kubernetes backend's client.
    /// </summary>
    public static IServiceCollection AddSpoMetrics(this IServiceCollection services, Action<SpoMetricsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.AddOptions<SpoMetricsOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SpoMetricsExporter>();
        services.TryAddSingleton(sp =>
        {
            var backend = sp.GetService<IClusterBackend>();
            var review = new Lazy<IMetricsAccessReview?>(() =>
                sp.GetService<IMetricsAccessReview>() ?? (backend is KubernetesBackend kubernetes ? new KubernetesMetricsAccessReview(kubernetes.Client) : null));
            return new MetricsAccessFilter(
                sp.GetRequiredService<IOptions<SpoMetricsOptions>>(),
                () => review.Value,
                backend,
                sp.GetService<SpodSettingsProvider>(),
                sp.GetService<TimeProvider>(),
                sp.GetService<ILogger<MetricsAccessFilter>>());
        });
        return services;
    }

    /// <summary>
    /// Maps the SPO counters at <see cref="SpoMetricsOptions.SpodPath"/> (upstream's <c>/metrics-spod</c>) and the
    /// controller metrics at <see cref="SpoMetricsOptions.RuntimePath"/> (<c>/metrics</c>), in Prometheus text
    /// format (OpenMetrics when the scraper asks for it), each behind the <see cref="MetricsAccessFilter"/>.
    /// Needs <see cref="AddSpoMetrics"/>.
    /// </summary>
    /// <returns>The endpoints' conventions (both paths).</returns>
    public static IEndpointConventionBuilder MapSpoMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var exporter = services.GetService<SpoMetricsExporter>()
            ?? throw new InvalidOperationException("MapSpoMetrics needs services.AddSpoMetrics().");
        var options = services.GetRequiredService<IOptions<SpoMetricsOptions>>().Value;
        var filter = services.GetRequiredService<MetricsAccessFilter>();
        var builders = new List<IEndpointConventionBuilder>
        {
            Map(endpoints, options.SpodPath, exporter.SpodRegistry, filter, exporter.ScrapeRequests),
        };
        if (options.RuntimePath is { } runtimePath)
        {
            builders.Add(Map(endpoints, runtimePath, exporter.RuntimeRegistry, filter, scrapes: null));
        }

        return new EndpointConventionGroup([.. builders]);
    }

    /// <summary>
    /// Adds a metrics listener: with a certificate (a <see cref="ReloadingCertificate"/> over cert-manager files,
    /// rotated without restart) HTTPS, as upstream serves metrics; without one plain HTTP, as upstream does under
    /// <c>enableInsecureMetricsAccess</c>.
    /// </summary>
    public static ListenOptions? ListenSpoMetrics(this KestrelServerOptions kestrel, IPAddress address, int port, ReloadingCertificate? certificate)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(address);
        ListenOptions? listener = null;
        kestrel.Listen(address, port, listen =>
        {
            listener = listen;
            if (certificate is not null)
            {
                listen.UseSpoWebhookTls(certificate);
            }
        });
        return listener;
    }

    private static IEndpointConventionBuilder Map(IEndpointRouteBuilder endpoints, string path, CollectorRegistry registry, MetricsAccessFilter filter, Counter? scrapes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.Use(async (context, next) =>
        {
            if (!await filter.AllowAsync(context).ConfigureAwait(false))
            {
                return;
            }

            await next(context).ConfigureAwait(false);

            // Counted after the answer, as Go's promhttp does: a scrape does not see itself.
            scrapes?.WithLabels(context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        });
        pipeline.UseMiddleware<MetricServerMiddleware>(new MetricServerMiddleware.Settings { Registry = registry });
        return endpoints.Map(path, pipeline.Build()).WithDisplayName("SpoSdk metrics " + path);
    }
}
