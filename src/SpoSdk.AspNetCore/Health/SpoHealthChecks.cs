using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SpoSdk.AspNetCore.Health;

/// <summary>
/// <c>/healthz</c> (liveness) and <c>/readyz</c> (readiness) through ASP.NET Core health checks.
/// </summary>
/// <remarks>
/// Liveness only says the process answers HTTP: restarting a pod because the API server is slow would not help.
/// Readiness waits for the informers' caches, so nothing is judged from a half-filled cache. Leader state is
/// reported in <c>/readyz</c>'s data but a follower stays ready, as in controller-runtime, where leader election
/// gates the controllers, not the probes: a follower still serves webhooks and its node's daemon work, and
/// failing it would make a Deployment's rollout wait on a lease.
/// </remarks>
public static class SpoHealthChecks
{
    /// <summary>The liveness check's name and tag.</summary>
    public const string LiveTag = "spo-live";

    /// <summary>The readiness check's name and tag.</summary>
    public const string ReadyTag = "spo-ready";

    /// <summary>Adds the liveness and readiness checks and <see cref="ISpoOperatorHealth"/> (needs <c>AddSecurityProfilesOperator</c>).</summary>
    public static IHealthChecksBuilder AddSpoHealthChecks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ISpoOperatorHealth, HostedOperatorHealth>();
        return services.AddHealthChecks()
            .AddCheck(LiveTag, () => HealthCheckResult.Healthy("process responsive"), [LiveTag])
            .Add(new HealthCheckRegistration(ReadyTag, sp => new ReadinessCheck(sp.GetRequiredService<ISpoOperatorHealth>()), HealthStatus.Unhealthy, [ReadyTag]));
    }

    /// <summary>Maps <c>/healthz</c> (checks tagged <see cref="LiveTag"/>) and <c>/readyz</c> (tagged <see cref="ReadyTag"/>): 200 or 503 with the status as text.</summary>
    public static IEndpointConventionBuilder MapSpoHealth(this IEndpointRouteBuilder endpoints, string livePath = "/healthz", string readyPath = "/readyz")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var live = endpoints.MapHealthChecks(livePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        var ready = endpoints.MapHealthChecks(readyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return new Metrics.EndpointConventionGroup(live, ready);
    }

    private sealed class ReadinessCheck(ISpoOperatorHealth health) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var leader = health.IsLeader;
            var data = new Dictionary<string, object> { ["informersSynced"] = health.InformersSynced };
            if (leader is { } isLeader)
            {
                data["leader"] = isLeader;
            }

            var role = leader switch
            {
                true => "; leader",
                false => "; follower",
                null => string.Empty,
            };
            return Task.FromResult(health.InformersSynced
                ? HealthCheckResult.Healthy("informers synced" + role, data)
                : HealthCheckResult.Unhealthy("informers not synced yet" + role, data: data));
        }
    }
}
