using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SpoSdk.Api.Conversion;

namespace SpoSdk.Conversion;

/// <summary>Registers version conversion in a service collection.</summary>
public static class ConversionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="SpoConverter"/> for every generated SPO kind (unless one is registered
    /// already) and the <see cref="ConversionReviewHandler"/> that serves it to the API server.
    /// </summary>
    public static IServiceCollection AddSpoConversion(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(SpoConverter.Default);
        services.TryAddSingleton<ConversionReviewHandler>();
        return services;
    }
}
