using System.Diagnostics.Metrics;
using SpoSdk.Audit;
using SpoSdk.Audit.Metrics;
using SpoSdk.Audit.Parsing;
using SpoSdk.Audit.Sources;

namespace SpoSdk.Tests.Audit.Metrics;

/// <summary>Upstream's metric names and label sets, bounded label values, and the pipeline's own counters.</summary>
public sealed class SpodMetricsTests
{
    private static readonly AuditEnrichment Pod = new() { NodeName = "worker-1", Namespace = "default", PodName = "my-pod", ContainerName = "nginx" };

    [Fact]
    public void Distinct_executables_names_and_paths_never_add_series()
    {
        using var factory = new TestMeterFactory();
        var metrics = new SpodMetrics(factory);
        using var series = new SeriesRecorder(metrics.Meter);
        var parser = new AuditLineParser();

        Feed(0, 1_000);
        var seriesAfterFirstThousand = series.Distinct;
        Feed(1_000, 100_000);

        Assert.Equal(seriesAfterFirstThousand, series.Distinct);
        Assert.Equal(
            [
                "security_profiles_operator_apparmor_profile_audit_total{apparmor=DENIED,container=nginx,namespace=default,node=worker-1,operation=exec,pod=my-pod,profile=profile-name}",
                "security_profiles_operator_apparmor_profile_denial_total{operation=exec,profile=profile-name}",
                "security_profiles_operator_seccomp_profile_audit_total{container=nginx,namespace=default,node=worker-1,pod=my-pod,syscall=clone}",
                "security_profiles_operator_selinux_profile_audit_total{container=nginx,namespace=default,node=worker-1,pod=my-pod,scontext=system_u:system_r:container_t:s0:c4,c808,tcontext=system_u:object_r:var_lib_t:s0}",
            ],
            series.Keys);
        Assert.Equal(33_334, series.Total("security_profiles_operator_seccomp_profile_audit_total"));
        Assert.Equal(33_333, series.Total("security_profiles_operator_selinux_profile_audit_total"));
        Assert.Equal(33_333, series.Total("security_profiles_operator_apparmor_profile_audit_total"));
        Assert.Equal(33_333, series.Total("security_profiles_operator_apparmor_profile_denial_total"));

        void Feed(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                // One event per number, the types taking turns: 100,000 distinct executables, comms, names and paths.
                var line = (i % 3) switch
                {
                    0 => $"""type=SECCOMP msg=audit(1744780616.598:{i}): auid=4294967295 uid=0 gid=0 pid={1000 + i} comm="c{i}" exe="/opt/app-{i}/bin/x" sig=0 arch=c000003e syscall=56 compat=0""",
                    1 => $"""type=AVC msg=audit(1613173578.156:{i}): avc:  denied  {"{"} read {"}"} for  pid={1000 + i} comm="c{i}" path="/data/file-{i}" name="n{i}" dev="tmpfs" ino={i} scontext=system_u:system_r:container_t:s0:c4,c808 tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0""",
                    _ => $"""audit: type=1400 audit(1668191154.949:{i}): apparmor="DENIED" operation="exec" profile="profile-name" name="/usr/local/bin/app-{i}" pid={1000 + i} comm="c{i}" requested_mask="x" denied_mask="x" fsuid=65534 ouid=0""",
                };
                Assert.True(parser.TryParse(line, out var auditEvent), line);
                Assert.True(metrics.RecordAudit(auditEvent, Pod));
            }
        }
    }

    [Fact]
    public void Label_values_past_the_cap_share_one_overflow_value()
    {
        using var factory = new TestMeterFactory();
        var metrics = new SpodMetrics(factory, new SpodMetricsOptions { MaxValuesPerLabel = 50 });
        using var series = new SeriesRecorder(metrics.Meter);
        var parser = new AuditLineParser();
        Assert.True(parser.TryParse(AuditLines.A4, out var seccomp));

        for (var i = 0; i < 10_000; i++)
        {
            metrics.RecordAudit(seccomp, Pod with { PodName = $"pod-{i}" });
        }

        Assert.Equal(51, series.Distinct);
        Assert.Contains(series.Keys, key => key.Contains("pod=_overflow", StringComparison.Ordinal));
        Assert.Equal(10_000, series.Total("security_profiles_operator_seccomp_profile_audit_total"));
    }

    [Fact]
    public void Each_label_has_its_own_cap_so_many_values_of_one_never_push_another_into_overflow()
    {
        using var factory = new TestMeterFactory();
        var metrics = new SpodMetrics(factory, new SpodMetricsOptions { MaxValuesPerLabel = 10 });
        using var series = new SeriesRecorder(metrics.Meter);
        var parser = new AuditLineParser();

        // Recording tokens carry a nonce (one value each), and every pod has its own MCS pair in scontext.
        for (var i = 0; i < 20; i++)
        {
            metrics.SeccompBpfResolved("worker-1", 4026532494, $"recording-nginx-{i}-1744780616");
            var avc = $"""type=AVC msg=audit(1613173578.156:{i}): avc:  denied  {"{"} read {"}"} for  pid=7 comm="c" scontext=system_u:system_r:container_t:s0:c{i},c808 tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0""";
            Assert.True(parser.TryParse(avc, out var selinux), avc);
            metrics.RecordAudit(selinux, Pod);
        }

        // A target type first seen now, and an AppArmor profile first seen now.
        var late = """type=AVC msg=audit(1613173578.156:99): avc:  denied  { read } for  pid=7 comm="c" scontext=system_u:system_r:container_t:s0:c99,c808 tcontext=system_u:object_r:etc_t:s0 tclass=file permissive=0""";
        Assert.True(parser.TryParse(late, out var lateSelinux), late);
        metrics.RecordAudit(lateSelinux, Pod);
        var apparmor = """audit: type=1400 audit(1668191154.949:64): apparmor="DENIED" operation="exec" profile="nginx-profile" name="/x" pid=4166 comm="tini" """;
        Assert.True(parser.TryParse(apparmor, out var denial), apparmor);
        metrics.RecordAudit(denial, Pod);

        Assert.Contains(series.Keys, key => key.StartsWith("security_profiles_operator_apparmor_profile_audit_total{", StringComparison.Ordinal) && key.Contains("profile=nginx-profile", StringComparison.Ordinal));
        Assert.Contains(series.Keys, key => key.StartsWith("security_profiles_operator_selinux_profile_audit_total{", StringComparison.Ordinal)
            && key.Contains("scontext=_overflow", StringComparison.Ordinal) && key.Contains("tcontext=system_u:object_r:etc_t:s0", StringComparison.Ordinal));
    }

    [Fact]
    public void A_counter_holds_at_most_the_series_cap_however_its_label_values_combine()
    {
        using var factory = new TestMeterFactory();
        var metrics = new SpodMetrics(factory, new SpodMetricsOptions { MaxValuesPerLabel = 10, MaxSeriesPerCounter = 25 });
        using var series = new SeriesRecorder(metrics.Meter);
        var parser = new AuditLineParser();

        // Forged AppArmor records (logger(1) writes to syslog), each label within its own cap of 10: 10^3 combinations
        // (10^9 at the default caps) where the per-label caps alone let every one have its series.
        for (var p = 0; p < 10; p++)
        {
            for (var o = 0; o < 10; o++)
            {
                for (var v = 0; v < 10; v++)
                {
                    var line = $"audit: type=1400 audit(1668191154.949:{(p * 100) + (o * 10) + v}): apparmor=\"V{v}\" operation=\"O{o}\" profile=\"P{p}\" name=\"/x\" pid=4166 comm=\"tini\"";
                    Assert.True(parser.TryParse(line, out var auditEvent), line);
                    Assert.True(metrics.RecordAudit(auditEvent, Pod));
                }
            }
        }

        Assert.Equal(26, series.Distinct);
        Assert.Contains(
            "security_profiles_operator_apparmor_profile_audit_total{apparmor=_overflow,container=_overflow,namespace=_overflow,node=_overflow,operation=_overflow,pod=_overflow,profile=_overflow}",
            series.Keys);
        Assert.Equal(1000, series.Total(SpodMetrics.AppArmorProfileAuditTotal));

        // A combination admitted before the cap keeps its own series.
        Assert.True(parser.TryParse("audit: type=1400 audit(1668191154.949:1): apparmor=\"V0\" operation=\"O0\" profile=\"P0\" name=\"/x\" pid=4166 comm=\"tini\"", out var first));
        metrics.RecordAudit(first, Pod);
        Assert.Equal(26, series.Distinct);
        Assert.Equal(2, series.Of(SpodMetrics.AppArmorProfileAuditTotal + "{apparmor=V0,container=nginx,namespace=default,node=worker-1,operation=O0,pod=my-pod,profile=P0}"));
    }

    [Fact]
    public void Seccomp_events_without_a_known_syscall_name_are_not_counted_as_upstream_skips_them()
    {
        using var factory = new TestMeterFactory();
        var metrics = new SpodMetrics(factory);
        using var series = new SeriesRecorder(metrics.Meter);
        Assert.True(new AuditLineParser().TryParse(AuditLines.A4.Replace("syscall=56", "syscall=99999", StringComparison.Ordinal), out var unknown));

        Assert.False(metrics.RecordAudit(unknown, Pod));
        Assert.False(metrics.RecordAudit(default, Pod));
        Assert.Equal(0, series.Distinct);
    }

    [Fact]
    public void Profile_operation_and_error_counters_use_upstream_names_and_values()
    {
        using var factory = new TestMeterFactory();
        var metrics = new SpodMetrics(factory);
        using var series = new SeriesRecorder(metrics.Meter);

        metrics.SeccompProfileChanged(ProfileOperation.Update);
        metrics.SeccompProfileChanged(ProfileOperation.Delete);
        metrics.SeccompProfileFailed(SeccompProfileErrorReason.CannotSaveSeccompProfile);
        metrics.SelinuxProfileChanged(ProfileOperation.Update);
        metrics.SelinuxProfileFailed(SelinuxProfileErrorReason.CannotContactSelinuxd);
        metrics.AppArmorProfileChanged(ProfileOperation.Delete);
        metrics.AppArmorProfileFailed("nginx-profile", AppArmorProfileErrorReason.CannotLoadAppArmorProfile);
        metrics.SeccompBpfResolved("worker-1", 4026532494, "recording-token");

        Assert.Equal(
            [
                "security_profiles_operator_apparmor_profile_error_total{profile=nginx-profile,reason=CannotLoadAppArmorProfile}",
                "security_profiles_operator_apparmor_profile_total{operation=delete}",
                "security_profiles_operator_seccomp_profile_bpf_total{mount_namespace=4026532494,node=worker-1,profile=recording-token}",
                "security_profiles_operator_seccomp_profile_error_total{reason=CannotSaveSeccompProfile}",
                "security_profiles_operator_seccomp_profile_total{operation=delete}",
                "security_profiles_operator_seccomp_profile_total{operation=update}",
                "security_profiles_operator_selinux_profile_error_total{reason=CannotContactSelinuxd}",
                "security_profiles_operator_selinux_profile_total{operation=update}",
            ],
            series.Keys);
        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.SeccompProfileFailed((SeccompProfileErrorReason)99));
    }

    [Fact]
    public void Two_sdk_instances_count_apart()
    {
        using var first = new TestMeterFactory();
        using var second = new TestMeterFactory();
        var one = new SpodMetrics(first);
        var two = new SpodMetrics(second);
        using var firstSeries = new SeriesRecorder(one.Meter);
        using var secondSeries = new SeriesRecorder(two.Meter);

        one.SeccompProfileChanged(ProfileOperation.Update);

        Assert.Equal(1, firstSeries.Total(SpodMetrics.SeccompProfileTotal));
        Assert.Equal(0, secondSeries.Total(SpodMetrics.SeccompProfileTotal));
    }

    [Fact]
    public async Task Pipeline_counters_report_source_and_parser_skips()
    {
        using var factory = new TestMeterFactory();
        var pipeline = new AuditPipelineMetrics(factory);
        var dir = Directory.CreateTempSubdirectory("spo-metrics-");
        try
        {
            var log = Path.Join(dir.FullName, "audit.log");
            File.WriteAllText(log, string.Empty);
            await using var tailer = new AuditLogTailer(log, new AuditLogSourceOptions { NodeRoot = dir.FullName, MaxLineBytes = 1024 });
            var parser = new AuditLineParser();
            using var trackSource = pipeline.Track(tailer.Counters);
            using var trackParser = pipeline.Track(parser.Counters);
            await tailer.PollAsync();
            File.AppendAllText(log, $"{AuditLines.A4}\n{new string('x', 2000)}\ntype=SECCOMP msg=audit(1.2:3): nothing else\n");
            await tailer.PollAsync();
            Assert.True(tailer.Reader.TryRead(out var batch));
            var sink = new NullSink();
            new AuditStreamParser(parser).Write(batch.Lines.Span, ref sink);

            var observed = Observe(factory);

            Assert.Equal(2, observed["spo_sdk_audit_log_lines_total{}"]);
            Assert.Equal(1, observed["spo_sdk_audit_log_oversized_lines_total{stage=source}"]);
            Assert.Equal(0, observed["spo_sdk_audit_log_oversized_lines_total{stage=parser}"]);
            Assert.Equal(parser.Counters.RejectedLines, observed["spo_sdk_audit_log_rejected_lines_total{}"]);
            Assert.Equal(0, observed["spo_sdk_audit_log_dropped_lines_total{}"]);
            Assert.Equal(0, observed["spo_sdk_audit_log_rotations_total{kind=rename}"]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Pipeline_counters_keep_what_a_session_that_ended_counted()
    {
        using var factory = new TestMeterFactory();
        var pipeline = new AuditPipelineMetrics(factory);
        var first = new AuditLogSourceCounters();
        first.AddDropped(500);
        first.AddLines(7);
        var firstParser = new AuditParserCounters();
        firstParser.AddRejected();
        var tracking = pipeline.Track(first);
        var trackingParser = pipeline.Track(firstParser);
        tracking.Dispose();
        trackingParser.Dispose();
        tracking.Dispose();

        // A SPOD change restarts the session: a new tailer and parser count from zero, and the sums go on from 500.
        var second = new AuditLogSourceCounters();
        second.AddDropped(300);
        using var again = pipeline.Track(second);
        using var againParser = pipeline.Track(new AuditParserCounters());

        var observed = Observe(factory);
        Assert.Equal(800, observed["spo_sdk_audit_log_dropped_lines_total{}"]);
        Assert.Equal(7, observed["spo_sdk_audit_log_lines_total{}"]);
        Assert.Equal(1, observed["spo_sdk_audit_log_rejected_lines_total{}"]);
    }

    private static Dictionary<string, long> Observe(TestMeterFactory factory)
    {
        var observed = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (factory.Owns(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => observed[SeriesRecorder.Key(instrument, tags)] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return observed;
    }

    private struct NullSink : IAuditEventSink
    {
        public readonly void OnEvent(in AuditEvent auditEvent)
        {
        }
    }

    /// <summary>An <see cref="IMeterFactory"/> of one test: its meters are scoped to it, so parallel tests never see each other's.</summary>
    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public bool Owns(Meter meter) => meter.Scope == this;

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }

    /// <summary>Counts measurements per series (instrument and tag combination) of one meter.</summary>
    private sealed class SeriesRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _series = new(StringComparer.Ordinal);

        public SeriesRecorder(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var key = Key(instrument, tags);
                lock (_series)
                {
                    _series[key] = _series.GetValueOrDefault(key) + value;
                }
            });
            _listener.Start();
        }

        public int Distinct
        {
            get
            {
                lock (_series)
                {
                    return _series.Count;
                }
            }
        }

        public List<string> Keys
        {
            get
            {
                lock (_series)
                {
                    return [.. _series.Keys.Order(StringComparer.Ordinal)];
                }
            }
        }

        public static string Key(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var pairs = new List<string>(tags.Length);
            foreach (var tag in tags)
            {
                pairs.Add($"{tag.Key}={tag.Value}");
            }

            pairs.Sort(StringComparer.Ordinal);
            return $"{instrument.Name}{{{string.Join(',', pairs)}}}";
        }

        public long Total(string instrument)
        {
            lock (_series)
            {
                return _series.Where(pair => pair.Key.StartsWith(instrument + "{", StringComparison.Ordinal)).Sum(pair => pair.Value);
            }
        }

        public long Of(string key)
        {
            lock (_series)
            {
                return _series.GetValueOrDefault(key);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
