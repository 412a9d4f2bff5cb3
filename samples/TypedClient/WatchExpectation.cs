using SpoSdk.Api.V1;
using SpoSdk.Runtime.Backends;

namespace TypedClientSample;

/// <summary>The watch events the sample's own writes must cause, and those seen so far.</summary>
internal sealed class WatchExpectation(IReadOnlyList<string> created, string patched, bool expectDeletes)
{
    private readonly HashSet<string> _added = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);
    private bool _patchSeen;
    private int _modified;

    /// <summary>The counts seen, e.g. <c>11 (5 added, 1 modified, 5 deleted)</c>.</summary>
    public string Summary => _added.Count + _modified + _deleted.Count + " (" + _added.Count + " added, " + _modified + " modified, " + _deleted.Count + " deleted)";

    /// <summary>What has not been seen yet.</summary>
    public string Missing =>
        (created.Count - _added.Count) + " added, " + (_patchSeen ? 0 : 1) + " modified, " + (expectDeletes ? created.Count - _deleted.Count : 0) + " deleted";

    /// <summary>Counts one event; true once everything expected has been seen.</summary>
    public bool Observe(WatchEvent<SeccompProfile> change)
    {
        var name = change.Object?.Metadata.Name;
        switch (change.Type)
        {
            case WatchEventType.Added when name is not null:
                _added.Add(name);
                break;
            case WatchEventType.Modified when name is not null:
                // A real cluster's operator may also write (status, finalizers): count those, wait for ours.
                _modified++;
                _patchSeen |= name == patched && change.Object!.Spec.DefaultAction == SeccompAction.ScmpActLog;
                break;
            case WatchEventType.Deleted when name is not null:
                _deleted.Add(name);
                break;
        }

        return _added.Count == created.Count && _patchSeen && (!expectDeletes || _deleted.Count == created.Count);
    }
}
