using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SpoSdk.Admission;
using SpoSdk.Admission.State;
using SpoSdk.Conversion;

namespace SpoSdk.AspNetCore.Webhooks;

/// <summary>Registers everything <see cref="AdmissionEndpoints.MapSpoWebhooks"/> serves.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Adds the conversion webhook (<see cref="ConversionServiceCollectionExtensions.AddSpoConversion"/>),
    /// the admission webhooks (<see cref="AdmissionServiceCollectionExtensions.AddSpoAdmission"/>) and a
    /// hosted service that fills the admission caches at startup, so the first pods are not judged
    /// against an empty cache or made to wait for it.
    /// </summary>
    public static IServiceCollection AddSpoWebhooks(this IServiceCollection services, Action<SpoAdmissionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSpoConversion();
        services.AddSpoAdmission(configure);
        services.AddHostedService<AdmissionStateWarmup>();
        return services;
    }

    // Starts ClusterAdmissionState when it is the state in use; a host that brought its own state skips this.
    private sealed class AdmissionStateWarmup(IServiceProvider services, ILogger<AdmissionStateWarmup>? logger = null) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            ClusterAdmissionState? state;
            try
            {
                state = services.GetService<IAdmissionLookups>() as ClusterAdmissionState;
            }
            catch (InvalidOperationException ex)
            {
                // No backend: mapping the endpoints reports that; starting the host need not fail twice.
                logger?.LogWarning(ex, "The admission state is not available");
                return Task.CompletedTask;
            }

            if (state is not null)
            {
                // Not awaited: a slow API server must not hold the host's start; lookups wait for the sync themselves.
                _ = state.StartAsync(CancellationToken.None).ContinueWith(
                    t => logger?.LogWarning(t.Exception, "Filling the admission caches failed"),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted,
                    TaskScheduler.Default);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
