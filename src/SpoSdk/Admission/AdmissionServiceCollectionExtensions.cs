using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using SpoSdk.Admission.Binding;
using SpoSdk.Admission.ExecMetadata;
using SpoSdk.Admission.Recording;
using SpoSdk.Admission.State;
using SpoSdk.Admission.Validation;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Admission;

/// <summary>Settings of all admission webhooks, for <see cref="AdmissionServiceCollectionExtensions.AddSpoAdmission"/>.</summary>
public sealed class SpoAdmissionOptions
{
    /// <summary>Body cap and time budget of every review.</summary>
    public AdmissionProcessingOptions Processing { get; set; } = new();

    /// <summary>The binding webhook.</summary>
    public ProfileBindingWebhookOptions Binding { get; set; } = new();

    /// <summary>The recording webhook.</summary>
    public ProfileRecordingWebhookOptions Recording { get; set; } = new();
}

/// <summary>Registers the admission webhooks in a service collection.</summary>
public static class AdmissionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the four webhook handlers, the <see cref="AdmissionReviewProcessor"/> that runs them, and
    /// — unless <see cref="IAdmissionLookups"/> and <see cref="IWorkloadBookkeeping"/> are registered
    /// already — a <see cref="ClusterAdmissionState"/> over the registered <see cref="IClusterBackend"/>,
    /// reading the operator's shared informers when <c>AddSecurityProfilesOperator</c> registered them.
    /// </summary>
    public static IServiceCollection AddSpoAdmission(this IServiceCollection services, Action<SpoAdmissionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new SpoAdmissionOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new ClusterAdmissionState(
            sp.GetService<IClusterBackend>() ?? throw new InvalidOperationException("The admission webhooks need an IClusterBackend (or IAdmissionLookups and IWorkloadBookkeeping) registered."),
            time: sp.GetRequiredService<TimeProvider>(),
            loggers: sp.GetService<ILoggerFactory>(),
            informers: sp.GetService<Hosting.InformerFactory>()));
        services.TryAddSingleton<IAdmissionLookups>(sp => sp.GetRequiredService<ClusterAdmissionState>());
        services.TryAddSingleton<IWorkloadBookkeeping>(sp => sp.GetRequiredService<ClusterAdmissionState>());
        services.TryAddSingleton(sp => new AdmissionReviewProcessor(
            sp.GetRequiredService<SpoAdmissionOptions>().Processing,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<AdmissionReviewProcessor>>()));
        services.TryAddSingleton(sp => new ProfileBindingWebhook(
            sp.GetRequiredService<IAdmissionLookups>(),
            sp.GetRequiredService<IWorkloadBookkeeping>(),
            sp.GetRequiredService<SpoAdmissionOptions>().Binding,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ProfileBindingWebhook>>()));
        services.TryAddSingleton(sp => new ProfileRecordingWebhook(
            sp.GetRequiredService<IAdmissionLookups>(),
            sp.GetRequiredService<IWorkloadBookkeeping>(),
            sp.GetRequiredService<SpoAdmissionOptions>().Recording,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ProfileRecordingWebhook>>()));
        services.TryAddSingleton<ExecMetadataWebhook>();
        services.TryAddSingleton<RawSelinuxProfileWebhook>();
        return services;
    }
}
