using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Hosting;

/// <summary>
/// One shared informer per resource type and SDK instance, as controller-runtime shares its cache:
/// every controller reading SeccompProfiles reads the same cache.
/// </summary>
public sealed class InformerFactory : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(Type Type, string? Namespace), IInformer> _informers = new();
    private readonly IClusterBackend _backend;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory? _loggers;
    private readonly object _gate = new();

    // Every shared informer runs until this ends: when the token given to StartAll ends (the operator stops) or the
    // factory is disposed, whoever started the informer first (the operator, or the webhooks' admission state).
    private readonly CancellationTokenSource _lifetime = new();
    private CancellationTokenRegistration _startedBy;
    private bool _started;
    private int _disposed;

    /// <summary>Creates the factory over a backend.</summary>
    public InformerFactory(IClusterBackend backend, TimeProvider time, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
        _time = time;
        _loggers = loggers;
    }

    /// <summary>The informer for <typeparamref name="T"/> (of one namespace, or all).</summary>
    /// <remarks>Once <see cref="StartAll"/> has run, a new informer starts as it is made (a leader's controllers may ask for one late).</remarks>
    public Informer<T> For<T>(string? @namespace = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate)
        {
            if (_informers.TryGetValue((typeof(T), @namespace), out var existing))
            {
                return (Informer<T>)existing;
            }

            var informer = new Informer<T>(_backend.Resource<T>(), new InformerOptions(@namespace), _time, _loggers?.CreateLogger<Informer<T>>());
            _informers[(typeof(T), @namespace)] = informer;
            if (_started)
            {
                informer.Start(_lifetime.Token);
            }

            return informer;
        }
    }

    /// <summary>Whether every informer made so far has filled its cache.</summary>
    public bool HasSynced => _informers.Values.All(i => i.HasSynced);

    /// <summary>
    /// Starts every informer made so far, and every later one as it is made. Every shared informer, including one
    /// already started through <see cref="Lifetime"/>, stops when <paramref name="cancellationToken"/> ends or the
    /// factory is disposed. Only the first call's token counts.
    /// </summary>
    public void StartAll(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_started)
            {
                _started = true;
                _startedBy = cancellationToken.Register(static lifetime => ((CancellationTokenSource)lifetime!).Cancel(), _lifetime);
            }

            foreach (var informer in _informers.Values)
            {
                informer.Start(_lifetime.Token);
            }
        }
    }

    /// <summary>
    /// The token to start a shared informer with when it is needed before <see cref="StartAll"/> runs (an informer
    /// starts once, so the first start decides when it stops): it ends with the token given to <see cref="StartAll"/>,
    /// or when the factory is disposed.
    /// </summary>
    internal CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Waits until every informer made so far has filled its cache.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_informers.Values.Select(i => i.WaitForSyncAsync(cancellationToken)));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _startedBy.DisposeAsync().ConfigureAwait(false);
        await _lifetime.CancelAsync().ConfigureAwait(false);
        foreach (var informer in _informers.Values)
        {
            await informer.DisposeAsync().ConfigureAwait(false);
        }

        _lifetime.Dispose();
    }
}
