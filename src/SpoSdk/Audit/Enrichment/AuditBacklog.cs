namespace SpoSdk.Audit.Enrichment;

/// <summary>
/// Events waiting for their container, in arrival order, bounded in total and per process, each dropped after a
/// time to live. Not thread-safe: the <see cref="AuditEnricher"/> holds its lock around every call.
/// </summary>
internal sealed class AuditBacklog
{
    private readonly LinkedList<Entry> _arrival = new();
    private readonly Dictionary<int, LinkedList<Entry>> _byPid = new();
    private readonly int _capacity;
    private readonly int _perProcess;
    private readonly TimeSpan _timeToLive;
    private readonly TimeProvider _time;

    public AuditBacklog(int capacity, int perProcess, TimeSpan timeToLive, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perProcess);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        _capacity = capacity;
        _perProcess = perProcess;
        _timeToLive = timeToLive;
        _time = time;
    }

    public int Count => _arrival.Count;

    /// <summary>Adds an event; returns how many older events it pushed out.</summary>
    public int Add(AuditEvent auditEvent, ProcessResolution resolution)
    {
        var dropped = 0;
        var pid = resolution.Identity.Pid;
        if (_byPid.TryGetValue(pid, out var ofProcess) && ofProcess.Count >= _perProcess)
        {
            Remove(ofProcess.First!.Value);
            dropped++;
        }

        if (_arrival.Count >= _capacity)
        {
            Remove(_arrival.First!.Value);
            dropped++;
        }

        var entry = new Entry(auditEvent, resolution, _time.GetUtcNow() + _timeToLive);
        entry.ArrivalNode = _arrival.AddLast(entry);
        if (!_byPid.TryGetValue(pid, out ofProcess))
        {
            _byPid[pid] = ofProcess = new LinkedList<Entry>();
        }

        entry.ProcessNode = ofProcess.AddLast(entry);
        return dropped;
    }

    /// <summary>
    /// Takes the waiting events of exactly this process, oldest first. Events of an earlier process with the same PID
    /// (another start time) stay: they belong to another container.
    /// </summary>
    public List<Entry> TakeProcess(ProcessIdentity identity)
    {
        var taken = new List<Entry>();
        if (_byPid.TryGetValue(identity.Pid, out var ofProcess))
        {
            foreach (var entry in ofProcess.Where(e => e.Resolution.Identity == identity).ToList())
            {
                Remove(entry);
                taken.Add(entry);
            }
        }

        return taken;
    }

    /// <summary>Takes the waiting events of processes already known to run in <paramref name="containerId"/>, oldest first.</summary>
    public List<Entry> TakeContainer(string containerId)
    {
        var taken = _arrival.Where(e => string.Equals(e.Resolution.ContainerId, containerId, StringComparison.Ordinal)).ToList();
        foreach (var entry in taken)
        {
            Remove(entry);
        }

        return taken;
    }

    /// <summary>Drops the events whose time is up; returns how many.</summary>
    public int Expire()
    {
        var now = _time.GetUtcNow();
        var expired = 0;

        // Every entry lives equally long, so arrival order is expiry order.
        while (_arrival.First is { } first && first.Value.ExpiresAt <= now)
        {
            Remove(first.Value);
            expired++;
        }

        return expired;
    }

    private void Remove(Entry entry)
    {
        _arrival.Remove(entry.ArrivalNode!);
        var pid = entry.Resolution.Identity.Pid;
        var ofProcess = _byPid[pid];
        ofProcess.Remove(entry.ProcessNode!);
        if (ofProcess.Count == 0)
        {
            _byPid.Remove(pid);
        }
    }

    internal sealed class Entry(AuditEvent auditEvent, ProcessResolution resolution, DateTimeOffset expiresAt)
    {
        public AuditEvent Event { get; } = auditEvent;

        public ProcessResolution Resolution { get; } = resolution;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public LinkedListNode<Entry>? ArrivalNode { get; set; }

        public LinkedListNode<Entry>? ProcessNode { get; set; }
    }
}
