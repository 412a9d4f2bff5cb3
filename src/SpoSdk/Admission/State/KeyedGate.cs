namespace SpoSdk.Admission.State;

/// <summary>
/// One writer at a time per key, in this process: admissions of many pods at once (a StatefulSet with parallel pod
/// management, a batch of Jobs) that all change one owner's status would otherwise race each other into conflicts.
/// Entries live only while someone holds or waits for them.
/// </summary>
/// <typeparam name="TKey">The key.</typeparam>
internal sealed class KeyedGate<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, Entry> _entries = new();

    /// <summary>Waits for <paramref name="key"/>'s turn; dispose the result to end it.</summary>
    public async ValueTask<Turn> EnterAsync(TKey key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries.Add(key, entry);
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }

        return new Turn(this, key, entry);
    }

    /// <summary>How many keys have a holder or waiters (for tests: entries do not pile up).</summary>
    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    private void Leave(TKey key, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
            }
        }
    }

    /// <summary>A key's turn; disposing it lets the next waiter in.</summary>
    internal readonly struct Turn(KeyedGate<TKey> gate, TKey key, Entry entry) : IDisposable
    {
        public void Dispose()
        {
            entry.Semaphore.Release();
            gate.Leave(key, entry);
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
