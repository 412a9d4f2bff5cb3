using System.Diagnostics.Metrics;
using Prometheus;

namespace SpoSdk.AspNetCore.Metrics;

/// <summary>
/// Feeds the instruments of chosen meters of one <see cref="IMeterFactory"/> into prometheus-net collectors of
/// one <see cref="CollectorRegistry"/>, under the instruments' own names.
/// </summary>
/// <remarks>
/// Why not prometheus-net's <c>MeterAdapter</c>: it prefixes every name with the meter's name
/// (<c>sposdk_spod_security_profiles_operator_…</c>, not upstream's names), exports counters as gauges, drops a
/// series after five quiet minutes (an SPO error counter that stopped rising would vanish), and by default
/// writes into the process-wide default registry. Here counters stay counters with upstream's names, series
/// live as long as the SDK instance (label values are already capped where they are made, see
/// <c>SpodMetrics</c>), and only meters whose <see cref="Meter.Scope"/> is this instance's factory are heard,
/// so two SDK instances in one process never see each other's numbers. The text format is prometheus-net's.
/// </remarks>
internal sealed class MeterCollectorBridge : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly IMeterFactory _scope;
    private readonly HashSet<string> _meterNames;
    private readonly IMetricFactory _collectors;
    private readonly Func<Instrument, double[]> _buckets;
    private readonly object _observeGate = new();
    private readonly List<InstrumentState> _observables = new();
    private volatile bool _disposed;

    public MeterCollectorBridge(IMeterFactory scope, IEnumerable<string> meterNames, CollectorRegistry registry, Func<Instrument, double[]> buckets)
    {
        _scope = scope;
        _meterNames = new HashSet<string>(meterNames, StringComparer.Ordinal);
        _collectors = Prometheus.Metrics.WithCustomRegistry(registry);
        _buckets = buckets;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.SetMeasurementEventCallback<byte>(OnMeasurement);
        _listener.SetMeasurementEventCallback<short>(OnMeasurement);
        _listener.SetMeasurementEventCallback<int>(OnMeasurement);
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<float>(OnMeasurement);
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.SetMeasurementEventCallback<decimal>(OnMeasurement);
        _listener.Start();

        // Observable instruments (gauges such as workqueue_depth) are read when a scrape asks.
        registry.AddBeforeCollectCallback(ObserveAll);
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!ReferenceEquals(instrument.Meter.Scope, _scope) || !_meterNames.Contains(instrument.Meter.Name))
        {
            return;
        }

        var state = new InstrumentState(instrument, this);
        if (state.Observable)
        {
            lock (_observeGate)
            {
                _observables.Add(state);
            }
        }

        listener.EnableMeasurementEvents(instrument, state);
    }

    private static void OnMeasurement<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        where T : struct
    {
        if (state is InstrumentState target)
        {
            target.Record(ToDouble(measurement), tags);
        }
    }

    private static double ToDouble<T>(T value)
        where T : struct => value switch
        {
            byte b => b,
            short s => s,
            int i => i,
            long l => l,
            float f => f,
            double d => d,
            decimal m => (double)m,
            _ => double.NaN,
        };

    private void ObserveAll()
    {
        if (_disposed)
        {
            return;
        }

        // One scrape at a time: each round marks the series it saw and drops those no longer reported.
        lock (_observeGate)
        {
            foreach (var state in _observables)
            {
                state.BeginRound();
            }

            _listener.RecordObservableInstruments();
            foreach (var state in _observables)
            {
                state.EndRound();
            }
        }
    }

    private enum InstrumentKind
    {
        Counter,
        UpDownCounter,
        Gauge,
        Histogram,
    }

    // One instrument's collector, made on its first measurement, when its label names are first known.
    private sealed class InstrumentState(Instrument instrument, MeterCollectorBridge owner)
    {
        private readonly object _gate = new();
        private readonly Dictionary<string, string[]> _seenThisRound = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string[]> _seenLastRound = new(StringComparer.Ordinal);
        private Collector? _collector;
        private string[] _tagKeys = [];
        private bool _failed;

        private readonly InstrumentKind _kind = KindOf(instrument);

        public bool Observable { get; } = instrument.IsObservable;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (double.IsNaN(value))
            {
                return;
            }

            string[] labels;
            Collector collector;
            lock (_gate)
            {
                if (_failed)
                {
                    return;
                }

                try
                {
                    collector = _collector ??= Create(tags);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // A measurement callback must never throw: the exception would surface in the code that counted.
                    // An instrument prometheus-net cannot take (say, a name clash with another kind) is left out.
                    _failed = true;
                    return;
                }

                labels = LabelValues(tags);
                if (Observable)
                {
                    _seenThisRound[string.Join('\0', labels)] = labels;
                }
            }

            switch (_kind)
            {
                case InstrumentKind.Counter:
                    // A .NET counter reports increments; an observable one reports its running total.
                    var counter = ((Counter)collector).WithLabels(labels);
                    if (Observable)
                    {
                        counter.IncTo(value);
                    }
                    else
                    {
                        counter.Inc(Math.Max(0, value));
                    }

                    break;
                case InstrumentKind.UpDownCounter:
                    ((Gauge)collector).WithLabels(labels).Inc(value);
                    break;
                case InstrumentKind.Gauge:
                    ((Gauge)collector).WithLabels(labels).Set(value);
                    break;
                case InstrumentKind.Histogram:
                    ((Histogram)collector).WithLabels(labels).Observe(value);
                    break;
            }
        }

        public void BeginRound()
        {
            lock (_gate)
            {
                _seenThisRound.Clear();
            }
        }

        public void EndRound()
        {
            lock (_gate)
            {
                if (_collector is null)
                {
                    return;
                }

                foreach (var (key, labels) in _seenLastRound)
                {
                    if (!_seenThisRound.ContainsKey(key))
                    {
                        Remove(_collector, labels);
                    }
                }

                _seenLastRound.Clear();
                foreach (var (key, labels) in _seenThisRound)
                {
                    _seenLastRound[key] = labels;
                }
            }
        }

        private static void Remove(Collector collector, string[] labels)
        {
            switch (collector)
            {
                case Counter counter:
                    counter.RemoveLabelled(labels);
                    break;
                case Gauge gauge:
                    gauge.RemoveLabelled(labels);
                    break;
                case Histogram histogram:
                    histogram.RemoveLabelled(labels);
                    break;
            }
        }

        // Label names are the first measurement's tag keys, sorted so the output is stable whatever order the tags came in.
        private Collector Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var keys = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                keys[i] = tags[i].Key;
            }

            Array.Sort(keys, StringComparer.Ordinal);
            var names = keys.Select(k => PrometheusName(k, allowColon: false)).ToArray();
            var name = PrometheusName(instrument.Name, allowColon: true);
            var help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
            Collector collector = _kind switch
            {
                InstrumentKind.Histogram => owner._collectors.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = names, Buckets = owner._buckets(instrument) }),
                InstrumentKind.Counter => owner._collectors.CreateCounter(name, help, names),
                _ => owner._collectors.CreateGauge(name, help, names),
            };
            _tagKeys = keys;
            return collector;
        }

        // Upstream's names pass unchanged; anything Prometheus does not allow becomes '_' (as prometheus-net's adapter does).
        private static string PrometheusName(string name, bool allowColon)
        {
            var chars = name.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                var c = chars[i];
                var allowed = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
                chars[i] = allowed ? c : '_';
            }

            return chars.Length == 0 ? "_" : new string(chars);
        }

        private static InstrumentKind KindOf(Instrument instrument)
        {
            var type = instrument.GetType();
            var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>))
            {
                return InstrumentKind.Counter;
            }

            if (definition == typeof(UpDownCounter<>))
            {
                return InstrumentKind.UpDownCounter;
            }

            return definition == typeof(Histogram<>) ? InstrumentKind.Histogram : InstrumentKind.Gauge;
        }

        // Values in the first measurement's (sorted) tag order; a tag it did not have is left out, a missing one is empty.
        private string[] LabelValues(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var values = new string[_tagKeys.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = string.Empty;
                foreach (var tag in tags)
                {
                    if (tag.Key == _tagKeys[i])
                    {
                        values[i] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                        break;
                    }
                }
            }

            return values;
        }
    }
}
