using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Admission.Recording;
using SpoSdk.Api.V1;
using SpoSdk.Audit;
using SpoSdk.Recording.Recorders;

namespace SpoSdk.Recording.Logs;

/// <summary>
/// The <c>Logs</c> recorder (runtime.md §4.3, §5.4): gathers, per recorded container, the syscalls of its
/// seccomp audit records and the permissions of its SELinux AVCs, from enriched audit events whose
/// <see cref="AuditEnrichment.RecordProfile"/> carries the recording token of an active ProfileRecording.
/// Feed it with <see cref="Record"/>; <see cref="RecordingCollector"/> turns what it gathered into profiles.
/// </summary>
/// <remarks>
/// <para>Bounded: at most <see cref="LogRecorderOptions.MaxSyscallsPerContainer"/> syscall names and
/// <see cref="LogRecorderOptions.MaxAvcEntriesPerContainer"/> AVC entries per container, and
/// <see cref="LogRecorderOptions.MaxContainersPerRecording"/> containers per recording; what a cap turns away is
/// counted in <see cref="Counters"/> and named in the collected profile's omissions.</para>
/// <para>Differences from upstream, on purpose: the syscall name comes from the record's own <c>arch=</c>
/// (upstream uses the enricher's architecture, so 32-bit calls got wrong names) and the profile lists every
/// architecture seen; names and architectures are sorted (upstream: map order); events of a recording that
/// is gone or being deleted are not kept (its profiles were already produced), nor late events of a container
/// whose profile was already collected (<see cref="LogRecorderCounters.Retired"/>).</para>
/// Thread-safe: events may be recorded from several threads while profiles are collected.
/// </remarks>
public sealed class LogRecorder : IProfileRecorder
{
    private readonly ConcurrentDictionary<string, ContainerLog> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Recording), int> _perRecording = new();
    private readonly HashSet<(string Namespace, string Recording)> _warnedFull = new();

    // Tokens already collected, per recording: the last audit lines of a container (its exit_group) are often read after
    // its pod was collected, and must not open a log that nobody collects again and that holds one of the recording's
    // container places. Only a token that had a log is retired, so only recordings that were active have entries (a pod
    // naming recordings that do not exist adds nothing); the newest MaxContainersPerRecording per recording are kept
    // (late lines come seconds after the collection), all of a recording until Forget.
    private readonly Dictionary<(string Namespace, string Recording), RetiredTokens> _retired = new();
    private readonly object _gate = new();
    private readonly IActiveRecordings _active;
    private readonly LogRecorderOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a recorder that keeps events of the recordings <paramref name="active"/> reports.</summary>
    public LogRecorder(IActiveRecordings active, LogRecorderOptions? options = null, ILogger<LogRecorder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(active);
        _active = active;
        _options = options ?? new LogRecorderOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public ProfileRecordingRecorder Recorder => ProfileRecordingRecorder.Logs;

    /// <summary>What happened to the events given so far.</summary>
    public LogRecorderCounters Counters { get; } = new();

    /// <summary>The recordings whose collected tokens are remembered (for tests).</summary>
    internal int RetiredRecordings
    {
        get
        {
            lock (_gate)
            {
                return _retired.Count;
            }
        }
    }

    /// <summary>How many containers have recorded data right now.</summary>
    public int ContainerCount => _containers.Count;

    /// <summary>Completes once the recordings that exist are known, so that <see cref="Record"/> judges events by all of them.</summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken) => _active.WhenKnownAsync(cancellationToken);

    /// <inheritdoc />
    public bool CanRecord(ProfileRecordingProfileKind kind) =>
        kind == ProfileRecordingProfileKind.SeccompProfile || kind == ProfileRecordingProfileKind.SelinuxProfile;

    /// <summary>
    /// Adds one enriched event to its container's recording. Returns whether the event was kept; events
    /// without a token, of other types, or of recordings that are not active are ignored.
    /// </summary>
    public bool Record(in AuditEvent auditEvent, AuditEnrichment enrichment)
    {
        ArgumentNullException.ThrowIfNull(enrichment);
        var token = enrichment.RecordProfile;
        if (string.IsNullOrEmpty(token) || auditEvent.Type is not (AuditEventType.Seccomp or AuditEventType.Selinux))
        {
            return false;
        }

        if (!_containers.TryGetValue(token, out var log) && (log = Open(token, enrichment.Namespace)) is null)
        {
            return false;
        }

        if (!_active.IsActive(log.Namespace, log.Recording))
        {
            Counters.AddInactive();
            return false;
        }

        var kept = auditEvent.Type == AuditEventType.Seccomp ? AddSyscall(log, auditEvent) : AddAvc(log, auditEvent);
        if (kept)
        {
            Counters.AddRecorded();
        }

        return kept;
    }

    /// <inheritdoc />
    public ValueTask<RecordedProfile?> CollectAsync(RecordingTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!_containers.TryGetValue(target.Token, out var log))
        {
            return ValueTask.FromResult<RecordedProfile?>(null);
        }

        lock (log)
        {
            RecordedProfile? result = null;
            if (target.Kind == ProfileRecordingProfileKind.SeccompProfile && log.Syscalls.Count > 0)
            {
                var profile = new SeccompProfile
                {
                    Spec = new SeccompProfileSpec
                    {
                        DefaultAction = SeccompAction.ScmpActErrno,
                        Architectures = log.Architectures.Order(StringComparer.Ordinal).Select(SeccompArchitecture.FromValue).ToList(),
                        Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = log.Syscalls.Order(StringComparer.Ordinal).ToList() }],
                    },
                };
                result = new RecordedProfile(profile, Omissions(log.DroppedSyscalls, "syscall name", _options.MaxSyscallsPerContainer, log.UnknownSyscalls, "syscall number(s) unknown on the record's architecture"));
            }
            else if (target.Kind == ProfileRecordingProfileKind.SelinuxProfile && log.Avcs.Count > 0)
            {
                var spec = SelinuxAllowMap.ToSpec(log.Avcs.Select(p => KeyValuePair.Create(p.Key, (IEnumerable<string>)p.Value)));
                result = new RecordedProfile(new SelinuxProfile { Spec = spec }, Omissions(log.DroppedAvcEntries, "AVC entry", _options.MaxAvcEntriesPerContainer, log.MalformedContexts, "AVC(s) with a malformed target context"));
            }

            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public void Reset(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (_gate)
        {
            if (_containers.TryRemove(token, out var log))
            {
                Release(log);
                var key = (log.Namespace, log.Recording);
                if (!_retired.TryGetValue(key, out var retired))
                {
                    _retired[key] = retired = new RetiredTokens();
                }

                retired.Add(token, _options.MaxContainersPerRecording);
            }
        }
    }

    /// <inheritdoc />
    public void Forget(string @namespace, string recordingName)
    {
        lock (_gate)
        {
            foreach (var (token, log) in _containers)
            {
                if (log.Namespace == @namespace && log.Recording == recordingName && _containers.TryRemove(token, out _))
                {
                    Release(log);
                }
            }

            _warnedFull.Remove((@namespace, recordingName));
            _retired.Remove((@namespace, recordingName));
        }
    }

    private static IReadOnlyList<string> Omissions(long dropped, string what, int cap, long skipped, string skippedWhat)
    {
        var result = new List<string>();
        if (dropped > 0)
        {
            result.Add(dropped.ToString(CultureInfo.InvariantCulture) + " " + what + "(s) beyond the cap of " + cap.ToString(CultureInfo.InvariantCulture) + " per container were not recorded");
        }

        if (skipped > 0)
        {
            result.Add(skipped.ToString(CultureInfo.InvariantCulture) + " " + skippedWhat + " were skipped");
        }

        return result;
    }

    private ContainerLog? Open(string token, string? @namespace)
    {
        if (string.IsNullOrEmpty(@namespace) || !RecordingAnnotations.TryParseToken(token, out var recording, out _, out _, out _))
        {
            Counters.AddInvalidToken();
            return null;
        }

        if (!_active.IsActive(@namespace, recording))
        {
            Counters.AddInactive();
            return null;
        }

        lock (_gate)
        {
            if (_containers.TryGetValue(token, out var existing))
            {
                return existing;
            }

            if (_retired.TryGetValue((@namespace, recording), out var retired) && retired.Contains(token))
            {
                Counters.AddRetired();
                return null;
            }

            var key = (@namespace, recording);
            _perRecording.TryGetValue(key, out var count);
            if (count >= _options.MaxContainersPerRecording)
            {
                Counters.AddRejectedContainer();
                if (_warnedFull.Add(key))
                {
                    _logger.LogWarning(
                        "Recording {Namespace}/{Recording} already records {Count} containers; further containers are not recorded until some are collected",
                        @namespace,
                        recording,
                        count);
                }

                return null;
            }

            _perRecording[key] = count + 1;
            var log = new ContainerLog(@namespace, recording);
            _containers[token] = log;
            return log;
        }
    }

    // Called under _gate.
    private void Release(ContainerLog log)
    {
        var key = (log.Namespace, log.Recording);
        if (_perRecording.TryGetValue(key, out var count))
        {
            if (count <= 1)
            {
                _perRecording.Remove(key);
                _warnedFull.Remove(key);
            }
            else
            {
                _perRecording[key] = count - 1;
            }
        }
    }

    private bool AddSyscall(ContainerLog log, in AuditEvent auditEvent)
    {
        var name = auditEvent.SyscallName;
        if (name is null)
        {
            Counters.AddUnknownSyscall();
            lock (log)
            {
                log.UnknownSyscalls++;
            }

            return false;
        }

        var arch = SeccompArchitectures.Of(auditEvent.Arch.IsPresent ? auditEvent.Arch : _options.FallbackArch);
        lock (log)
        {
            if (arch?.Value is { } archName)
            {
                log.Architectures.Add(archName);
            }

            if (log.Syscalls.Contains(name))
            {
                return true;
            }

            if (log.Syscalls.Count >= _options.MaxSyscallsPerContainer)
            {
                log.DroppedSyscalls++;
                Counters.AddDroppedSyscall();
                return false;
            }

            log.Syscalls.Add(name);
            return true;
        }
    }

    private bool AddAvc(ContainerLog log, in AuditEvent auditEvent)
    {
        if (!SelinuxAllowMap.TryGetTargetType(auditEvent.Tcontext.Span, out var type) || !auditEvent.Tclass.IsPresent)
        {
            Counters.AddMalformedContext();
            lock (log)
            {
                log.MalformedContexts++;
            }

            return false;
        }

        var key = (type, auditEvent.Tclass.ToString());
        var perms = auditEvent.GetPerms();
        lock (log)
        {
            if (!log.Avcs.TryGetValue(key, out var set))
            {
                log.Avcs[key] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            var kept = false;
            foreach (var perm in perms)
            {
                if (set.Contains(perm))
                {
                    kept = true;
                }
                else if (log.AvcEntries >= _options.MaxAvcEntriesPerContainer)
                {
                    log.DroppedAvcEntries++;
                    Counters.AddDroppedAvcEntry();
                }
                else
                {
                    set.Add(perm);
                    log.AvcEntries++;
                    kept = true;
                }
            }

            if (set.Count == 0)
            {
                log.Avcs.Remove(key);
            }

            return kept;
        }
    }

    // Insertion-ordered set of tokens that drops its oldest beyond a bound; guarded by _gate.
    private sealed class RetiredTokens
    {
        private readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
        private readonly Queue<string> _order = new();

        public bool Contains(string token) => _tokens.Contains(token);

        public void Add(string token, int bound)
        {
            if (!_tokens.Add(token))
            {
                return;
            }

            _order.Enqueue(token);
            while (_order.Count > bound)
            {
                _tokens.Remove(_order.Dequeue());
            }
        }
    }

    // What one recorded container did; guarded by locking the instance.
    private sealed class ContainerLog(string @namespace, string recording)
    {
        public string Namespace { get; } = @namespace;

        public string Recording { get; } = recording;

        public HashSet<string> Syscalls { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Architectures { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string Type, string Class), HashSet<string>> Avcs { get; } = new();

        public int AvcEntries { get; set; }

        public long DroppedSyscalls { get; set; }

        public long DroppedAvcEntries { get; set; }

        public long UnknownSyscalls { get; set; }

        public long MalformedContexts { get; set; }
    }
}
