using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Api.V1;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.Defaults;

/// <summary>
/// Keeps the manager's default profiles (<see cref="DefaultProfiles"/>) in the cluster, keyed on the SPOD
/// (manager role, so it runs on the leader only): while the SPOD enables the log enricher the
/// <c>log-enricher-trace</c> SeccompProfile exists as <see cref="DefaultProfiles.LogEnricherTrace"/> says,
/// created when missing and put back when someone changed it; an unchanged profile is not written.
/// </summary>
/// <remarks>
/// As upstream's manager, it never deletes the profile when the enricher is turned off: pods recorded
/// earlier may still point at it. Other labels and annotations a user put on it are kept; the spec is ours.
/// </remarks>
public sealed class DefaultProfilesReconciler : IReconciler<SecurityProfilesOperatorDaemon>
{
    private readonly IResourceClient<SeccompProfile> _profiles;
    private readonly SpodSettingsProvider _spod;
    private readonly Informer<SeccompProfile> _cache;
    private readonly ILogger _logger;

    /// <summary>Creates the reconciler.</summary>
    /// <param name="backend">Where the profiles are written.</param>
    /// <param name="spod">The SPOD settings (whether the log enricher is on).</param>
    /// <param name="profiles">The SeccompProfile informer, read first so an unchanged profile costs no request.</param>
    /// <param name="logger">Where creations and repairs are logged.</param>
    public DefaultProfilesReconciler(IClusterBackend backend, SpodSettingsProvider spod, Informer<SeccompProfile> profiles, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(spod);
        ArgumentNullException.ThrowIfNull(profiles);
        _profiles = backend.Resource<SeccompProfile>();
        _spod = spod;
        _cache = profiles;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The SPOD's key when <paramref name="profile"/> is a default profile (to watch SeccompProfiles with); else none.</summary>
    public IEnumerable<ObjectKey> SpodKeysFor(SeccompProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile.Metadata?.Name == DefaultProfiles.LogEnricherTraceName ? [_spod.Key] : [];
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (key != _spod.Key || !_spod.Current.LogEnricherEnabled)
        {
            return ReconcileResult.Done;
        }

        var profileKey = new ObjectKey(null, DefaultProfiles.LogEnricherTraceName);
        if (_cache.Get(profileKey) is { Metadata.DeletionTimestamp: null } cached && DefaultProfiles.IsLogEnricherTrace(cached))
        {
            return ReconcileResult.Done;
        }

        var written = await _profiles.UpdateWithRetryAsync(profileKey, Repair, cancellationToken).ConfigureAwait(false);
        if (written is not null)
        {
            return ReconcileResult.Done;
        }

        if (await _profiles.GetAsync(profileKey, cancellationToken).ConfigureAwait(false) is not null)
        {
            // Present and already right (the cache was behind), or being deleted: its deletion event brings us back.
            return ReconcileResult.Done;
        }

        try
        {
            await _profiles.CreateAsync(DefaultProfiles.LogEnricherTrace(), cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Created the default SeccompProfile {Profile}", DefaultProfiles.LogEnricherTraceName);
        }
        catch (ResourceAlreadyExistsException)
        {
            // Created meanwhile (by a previous leader finishing its last write): its event brings us back to check it.
        }

        return ReconcileResult.Done;
    }

    private bool Repair(SeccompProfile profile)
    {
        if (profile.Metadata.DeletionTimestamp is not null || DefaultProfiles.IsLogEnricherTrace(profile))
        {
            return false;
        }

        profile.Metadata.Labels ??= new Dictionary<string, string>();
        profile.Metadata.Labels[DefaultProfiles.AppLabel] = DefaultProfiles.AppLabelValue;
        profile.Spec = DefaultProfiles.LogEnricherTraceSpec();
        _logger.LogInformation("Restored the default SeccompProfile {Profile}", DefaultProfiles.LogEnricherTraceName);
        return true;
    }
}
