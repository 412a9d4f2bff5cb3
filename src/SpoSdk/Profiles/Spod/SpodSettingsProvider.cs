using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.Spod;

/// <summary>A change of the effective SPOD settings.</summary>
/// <param name="Previous">The settings before.</param>
/// <param name="Current">The settings now.</param>
public sealed record SpodSettingsChange(SpodSettings Previous, SpodSettings Current);

/// <summary>
/// The SPOD settings of one SDK instance: reads the SPOD (<c>spod</c> in the operator namespace)
/// from the instance's informer, keeps <see cref="Current"/> and says when it changes. Before the
/// informer has seen the object, and while none exists, <see cref="Current"/> is
/// <see cref="SpodSettings.Default"/>.
/// </summary>
public sealed class SpodSettingsProvider
{
    private readonly object _gate = new();
    private SpodSettings _current = SpodSettings.Default;

    /// <summary>Creates the provider and subscribes to <paramref name="spods"/>.</summary>
    /// <param name="spods">An informer over the operator namespace's SPOD objects.</param>
    /// <param name="operatorNamespace">The operator namespace.</param>
    /// <param name="spodName">The SPOD's name (upstream's <c>SPOD_NAME</c>, default <c>spod</c>).</param>
    public SpodSettingsProvider(Informer<SecurityProfilesOperatorDaemon> spods, string operatorNamespace, string spodName = "spod")
    {
        ArgumentNullException.ThrowIfNull(spods);
        ArgumentException.ThrowIfNullOrEmpty(operatorNamespace);
        ArgumentException.ThrowIfNullOrEmpty(spodName);
        Key = new ObjectKey(operatorNamespace, spodName);
        Informer = spods;
        spods.AddHandler(OnSpodEvent);
        Refresh();
    }

    /// <summary>Raised after <see cref="Current"/> changed, on the informer's thread; handlers should only queue work.</summary>
    public event EventHandler<SpodSettingsChange>? Changed;

    /// <summary>The SPOD's key.</summary>
    public ObjectKey Key { get; }

    /// <summary>The informer the settings come from.</summary>
    public Informer<SecurityProfilesOperatorDaemon> Informer { get; }

    /// <summary>The effective settings now.</summary>
    public SpodSettings Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    private void OnSpodEvent(InformerEvent<SecurityProfilesOperatorDaemon> change)
    {
        if (change.Object.Metadata.Name == Key.Name && change.Object.Metadata.NamespaceProperty == Key.Namespace)
        {
            Refresh();
        }
    }

    // Reads the cache rather than the event, so a late or repeated event can never roll the settings back.
    private void Refresh()
    {
        SpodSettings previous, fresh;
        lock (_gate)
        {
            fresh = SpodSettings.From(Informer.Get(Key));
            if (_current.SameAs(fresh))
            {
                return;
            }

            previous = _current;
            _current = fresh;
        }

        Changed?.Invoke(this, new SpodSettingsChange(previous, fresh));
    }
}
