namespace SpoSdk.Runtime.Backends.InMemory;

/// <summary>Settings of an <see cref="InMemoryObjectStore"/>.</summary>
public sealed record InMemoryStoreOptions
{
    /// <summary>
    /// Where objects are kept across restarts (one JSON file per object, written atomically), or
    /// null to keep them in memory only.
    /// </summary>
    public string? PersistenceDirectory { get; init; }

    /// <summary>How many changes a watch can resume from; older resourceVersions get 410 Gone.</summary>
    public int WatchHistory { get; init; } = 10_000;

    /// <summary>
    /// How many undelivered events a watcher may have before it is dropped with 410 Gone (it then
    /// lists again). Events are shared references, so a roomy buffer costs little, while a tight one
    /// turns every write burst into full relists.
    /// </summary>
    public int WatcherCapacity { get; init; } = 100_000;

    /// <summary>
    /// How often a watch reports a bookmark (the version it has reached) so a client can resume
    /// after a long quiet spell without 410 Gone; null for none. The API server's is about a minute.
    /// </summary>
    public TimeSpan? BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);
}
