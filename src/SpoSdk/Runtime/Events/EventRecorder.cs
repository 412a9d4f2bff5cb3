using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Runtime.Events;

/// <summary>Records Kubernetes Events about objects, with upstream's reasons.</summary>
public interface IEventRecorder
{
    /// <summary>Records an event; failures to record are swallowed (events are best effort).</summary>
    Task RecordAsync(IKubernetesObject<V1ObjectMeta> about, EventKind kind, string reason, string message, CancellationToken cancellationToken = default);
}

/// <summary>Whether an event reports normal operation or a problem.</summary>
public enum EventKind
{
    /// <summary>Normal operation.</summary>
    Normal,

    /// <summary>Something went wrong.</summary>
    Warning,
}

/// <summary>
/// Writes core/v1 Events through a backend. Repeats of the same reason and message about the same
/// object are counted on the existing event instead of adding new ones, while that event lives (the
/// API server keeps events an hour after their last write). What was recorded is remembered for that
/// hour and for at most 4096 events, so profiles created and deleted for good do not grow the
/// recorder without bound.
/// </summary>
public sealed class EventRecorder : IEventRecorder
{
    /// <summary>How many recorded events are remembered for counting repeats; the least recently written are forgotten first.</summary>
    internal const int Capacity = 4096;

    // The API server's default --event-ttl: an event not written again for this long is gone.
    private static readonly TimeSpan EventLifetime = TimeSpan.FromHours(1);

    private readonly object _gate = new();
    private readonly Dictionary<(string Uid, string Reason, string Message), (string Name, DateTime Written)> _recorded = new();
    private readonly IResourceClient<Corev1Event> _events;
    private readonly string _component;
    private readonly string? _host;
    private readonly string _eventNamespace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _sequence;

    /// <summary>Creates a recorder.</summary>
    /// <param name="backend">Where events are written.</param>
    /// <param name="component">The reporting component, e.g. <c>spod</c>.</param>
    /// <param name="host">The node, for node-side events.</param>
    /// <param name="eventNamespace">Where events about cluster-scoped objects go (Kubernetes puts them in <c>default</c>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where events that could not be written are logged.</param>
    public EventRecorder(IClusterBackend backend, string component, string? host = null, string eventNamespace = "default", TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _events = backend.Resource<Corev1Event>();
        _component = component;
        _host = host;
        _eventNamespace = eventNamespace;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> about, EventKind kind, string reason, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(about);
        var now = _time.GetUtcNow().UtcDateTime;
        var ns = string.IsNullOrEmpty(about.Metadata.NamespaceProperty) ? _eventNamespace : about.Metadata.NamespaceProperty;
        var key = (about.Metadata.Uid ?? about.Metadata.Name, reason, message);
        string? existing = null;
        lock (_gate)
        {
            if (_recorded.TryGetValue(key, out var recorded))
            {
                if (now - recorded.Written < EventLifetime)
                {
                    existing = recorded.Name;
                }
                else
                {
                    _recorded.Remove(key);
                }
            }
        }

        try
        {
            if (existing is not null && await _events.GetAsync(new ObjectKey(ns, existing), cancellationToken).ConfigureAwait(false) is { } repeat)
            {
                repeat.Count = (repeat.Count ?? 1) + 1;
                repeat.LastTimestamp = now;
                await _events.UpdateAsync(repeat, cancellationToken).ConfigureAwait(false);
                Remember(key, existing, now);
                return;
            }

            var suffix = "." + _time.GetUtcNow().ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture) + Interlocked.Increment(ref _sequence).ToString("x", CultureInfo.InvariantCulture);

            // A long object name would make the event's name invalid and the event would be lost: shorten the name part.
            var name = about.Metadata.Name[..Math.Min(about.Metadata.Name.Length, Api.Schema.MetadataRules.MaxNameLength - suffix.Length)].TrimEnd('.', '-') + suffix;
            await _events.CreateAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                    InvolvedObject = new V1ObjectReference
                    {
                        ApiVersion = about.ApiVersion,
                        Kind = about.Kind,
                        Name = about.Metadata.Name,
                        NamespaceProperty = about.Metadata.NamespaceProperty,
                        Uid = about.Metadata.Uid,
                        ResourceVersion = about.Metadata.ResourceVersion,
                    },
                    Reason = reason,
                    Message = message,
                    Type = kind.ToString(),
                    Count = 1,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Source = new V1EventSource { Component = _component, Host = _host },
                    ReportingComponent = _component,
                    ReportingInstance = _host,
                },
                cancellationToken).ConfigureAwait(false);
            Remember(key, name, now);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // Events are best effort: a reconcile never fails because its event could not be written (an API error, an
            // unreachable server, a request timeout); only the caller's own cancellation goes through.
            _logger.LogInformation(ex, "Could not record event {Reason} about {Kind} {Name}", reason, about.Kind, about.Metadata.Name);
        }
    }

    /// <summary>How many recorded events are remembered now (at most <see cref="Capacity"/>).</summary>
    internal int Remembered
    {
        get
        {
            lock (_gate)
            {
                return _recorded.Count;
            }
        }
    }

    private void Remember((string Uid, string Reason, string Message) key, string name, DateTime now)
    {
        lock (_gate)
        {
            _recorded[key] = (name, now);
            if (_recorded.Count <= Capacity)
            {
                return;
            }

            // Over capacity: forget what has expired, then the least recently written down to three quarters, so
            // the scan runs once per quarter of the capacity, not on every event.
            var keep = Capacity * 3 / 4;
            foreach (var (old, _) in _recorded.Where(r => now - r.Value.Written >= EventLifetime).ToList())
            {
                _recorded.Remove(old);
            }

            foreach (var (old, _) in _recorded.OrderBy(r => r.Value.Written).Take(Math.Max(0, _recorded.Count - keep)).ToList())
            {
                _recorded.Remove(old);
            }
        }
    }
}
