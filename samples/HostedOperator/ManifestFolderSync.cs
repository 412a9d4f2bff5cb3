using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;

namespace HostedOperatorSample;

/// <summary>
/// Keeps the cluster in step with a folder of manifests (<c>*.yaml</c>, <c>*.yml</c>, <c>*.json</c>):
/// objects of added or changed files are created or updated (an update keeps the stored
/// resourceVersion, finalizers, status and any labels or annotations the operator added; an update
/// that would change nothing is not sent), and objects whose file — or whose document within a
/// file — disappeared are deleted. A file with errors is reported (file, document, object and JSON
/// path) and changes nothing: the cluster keeps what that file said last time it was good.
/// </summary>
/// <remarks>
/// Which objects came from which file outlives the process: every object the sync writes carries the label
/// <see cref="FolderLabel"/> (a hash of the folder's full path) and the annotation <see cref="FileAnnotation"/>
/// (the file's name), and the first sync reads them back from the cluster. So a file deleted, or a document removed,
/// while no sync ran still takes its objects with it; objects the folder never wrote are never touched.
/// </remarks>
public sealed class ManifestFolderSync : IDisposable
{
    /// <summary>The label on every object this sync wrote; its value is <see cref="FolderId"/>.</summary>
    public const string FolderLabel = "sposdk.io/manifest-folder";

    /// <summary>The annotation naming the file (in <see cref="Folder"/>) an object came from.</summary>
    public const string FileAnnotation = "sposdk.io/manifest-file";

    private static readonly string[] Patterns = ["*.yaml", "*.yml", "*.json"];
    private static readonly MethodInfo ListOne = typeof(ManifestFolderSync).GetMethod(nameof(ListTypedAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo ApplyOne = typeof(ManifestFolderSync).GetMethod(nameof(ApplyTypedAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo DeleteOne = typeof(ManifestFolderSync).GetMethod(nameof(DeleteTypedAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private readonly IClusterBackend _backend;
    private readonly SpoSerializer _serializer = new();
    private readonly TextWriter _errors;
    private readonly TimeProvider _time;
    private readonly TimeSpan _debounce;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, AppliedFile> _files = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;
    private ITimer? _pending;
    private CancellationToken _watching;
    private bool _recalled;

    /// <summary>Creates the sync; nothing happens until <see cref="SyncAsync"/> or <see cref="StartWatching"/>.</summary>
    /// <param name="backend">The cluster to write to.</param>
    /// <param name="folder">The manifests folder.</param>
    /// <param name="errors">Where problems are reported, one line each.</param>
    /// <param name="time">The clock for the debounce.</param>
    /// <param name="debounce">How long the folder must be quiet before a change is applied (editors write in several steps).</param>
    public ManifestFolderSync(IClusterBackend backend, string folder, TextWriter errors, TimeProvider time, TimeSpan debounce)
    {
        _backend = backend;
        Folder = folder;
        FolderId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(folder))))[..16];
        _errors = errors;
        _time = time;
        _debounce = debounce;
    }

    /// <summary>Raised after a sync that created, updated or deleted something.</summary>
    public event Action? Changed;

    /// <summary>The folder kept in step.</summary>
    public string Folder { get; }

    /// <summary>The value of <see cref="FolderLabel"/> on this folder's objects: the start of the SHA-256 of its full path.</summary>
    public string FolderId { get; }

    /// <summary>
    /// Applies every file that changed since the last sync and deletes what vanished. Returns how many
    /// files have errors. A failing write is reported and the next change to the folder retries it.
    /// </summary>
    public async Task<int> SyncAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_recalled)
            {
                await RecallAsync(cancellationToken).ConfigureAwait(false);
                _recalled = true;
            }

            var present = Patterns
                .SelectMany(pattern => Directory.EnumerateFiles(Folder, pattern))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToList();
            // Read every changed file first, then apply in dependency order across files: the SPOD
            // (the daemon's settings) first, base profiles before the profiles built on them,
            // bindings and recordings last, so nothing fails for a moment only for the file order.
            var failed = 0;
            var changed = false;
            var plans = new List<FilePlan>();
            foreach (var file in present)
            {
                var plan = await ReadFileAsync(file, cancellationToken).ConfigureAwait(false);
                failed += plan?.Valid == false ? 1 : 0;
                if (plan is { Valid: true })
                {
                    plans.Add(plan);
                }
            }

            var failedFiles = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (plan, obj) in plans.SelectMany(p => p.Objects.Select(o => (Plan: p, Object: o))).OrderBy(x => ApplyRank(x.Object)))
            {
                var applied = await ApplyAsync(plan.File, obj, cancellationToken).ConfigureAwait(false);
                changed |= applied.Wrote;
                if (applied.Object is { } ok)
                {
                    plan.Applied.Add(ok);
                }
                else
                {
                    failedFiles.Add(plan.File);
                }
            }

            foreach (var plan in plans)
            {
                // A document removed from the file (or renamed) goes from the cluster.
                var before = _files.TryGetValue(plan.File, out var previous) ? previous.Objects : [];
                var stale = before.Where(old => !plan.Applied.Any(o => o.SameObject(old))).ToList();
                changed |= await DeleteAllAsync(stale, cancellationToken).ConfigureAwait(false);

                // A failed write leaves the hash unset so the next sync tries the file again.
                var ok = !failedFiles.Contains(plan.File);
                failed += ok ? 0 : 1;
                _files[plan.File] = new AppliedFile(ok ? plan.Hash : string.Empty, ok, plan.Applied);
            }

            foreach (var gone in _files.Keys.Except(present, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList())
            {
                changed |= await DeleteAllAsync(_files[gone].Objects, cancellationToken).ConfigureAwait(false);
                _files.Remove(gone);
            }

            if (changed)
            {
                Changed?.Invoke();
            }

            return failed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads back from the cluster which of this folder's files wrote which objects, as the previous run left them.
    /// The hash stays unknown, so every file still there is read again; objects whose file is gone are deleted by the
    /// sync that follows. An annotation that is not a plain file name is not ours to act on: that object is left alone.
    /// </summary>
    private async Task RecallAsync(CancellationToken cancellationToken)
    {
        var recalled = new SortedDictionary<string, List<AppliedObject>>(StringComparer.Ordinal);
        foreach (var kind in SpoKindRegistry.Default.Kinds.Where(k => k.IsStorageVersion))
        {
            var listed = await ((Task<IReadOnlyList<(ObjectKey Key, string? File)>>)ListOne.MakeGenericMethod(kind.ModelType).Invoke(this, [cancellationToken])!).ConfigureAwait(false);
            foreach (var (key, file) in listed)
            {
                if (string.IsNullOrEmpty(file) || file != Path.GetFileName(file) || file is "." or "..")
                {
                    continue;
                }

                var path = Path.Combine(Folder, file);
                if (!recalled.TryGetValue(path, out var objects))
                {
                    recalled[path] = objects = [];
                }

                objects.Add(new AppliedObject(kind.ModelType, kind.Group, kind.Kind, key));
            }
        }

        foreach (var (path, objects) in recalled)
        {
            _files[path] = new AppliedFile(string.Empty, Valid: true, objects);
        }
    }

    private async Task<IReadOnlyList<(ObjectKey Key, string? File)>> ListTypedAsync<T>(CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var found = new List<(ObjectKey, string?)>();
        var options = new ListOptions(LabelSelector: FolderLabel + "=" + FolderId, Limit: 500);
        do
        {
            var page = await _backend.Resource<T>().ListAsync(null, options, cancellationToken).ConfigureAwait(false);
            found.AddRange(page.Items.Select(o => (ObjectKey.Of(o), o.Metadata.Annotations?.TryGetValue(FileAnnotation, out var file) == true ? file : null)));
            options = string.IsNullOrEmpty(page.Continue) ? null : options with { Continue = page.Continue };
        }
        while (options is not null);

        return found;
    }

    /// <summary>Watches the folder; each burst of changes is applied once it has been quiet for the debounce time.</summary>
    public void StartWatching(CancellationToken cancellationToken)
    {
        _watching = cancellationToken;
        _pending = _time.CreateTimer(_ => _ = SyncQuietlyAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(Folder) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        FileSystemEventHandler touched = (_, _) => _pending.Change(_debounce, Timeout.InfiniteTimeSpan);
        _watcher.Created += touched;
        _watcher.Changed += touched;
        _watcher.Deleted += touched;
        _watcher.Renamed += (_, _) => _pending.Change(_debounce, Timeout.InfiniteTimeSpan);

        // An overflowing event buffer loses events, not the folder: a full rescan catches up.
        _watcher.Error += (_, _) => _pending.Change(_debounce, Timeout.InfiniteTimeSpan);
        _watcher.EnableRaisingEvents = true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _watcher?.Dispose();
        _pending?.Dispose();
    }

    private async Task SyncQuietlyAsync()
    {
        try
        {
            await SyncAsync(_watching).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_watching.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nobody awaits a watcher-triggered sync: report it here (the folder vanished, the API
            // server is unreachable...); the next change to the folder tries again.
            await _errors.WriteLineAsync("error: syncing " + Folder + ": " + ex.Message).ConfigureAwait(false);
        }
    }

    // What to apply from a changed file; null when the file did not change since it was last read.
    private async Task<FilePlan?> ReadFileAsync(string file, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Mid-write or just deleted: the watcher fires again when it settles.
            await _errors.WriteLineAsync("error: " + file + ": " + ex.Message).ConfigureAwait(false);
            return new FilePlan(file, string.Empty, Valid: false, []);
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        _files.TryGetValue(file, out var previous);
        if (previous?.Hash == hash)
        {
            return previous.Valid ? null : new FilePlan(file, hash, Valid: false, []);
        }

        var result = _serializer.Read(text, file);
        var errors = result.Errors.ToList();
        if (errors.Count == 0)
        {
            return new FilePlan(file, hash, Valid: true, [.. result.Objects]);
        }

        foreach (var error in errors)
        {
            await _errors.WriteLineAsync("error: " + error).ConfigureAwait(false);
        }

        // The file changes nothing; what it applied when it was last good stays.
        _files[file] = new AppliedFile(hash, Valid: false, previous?.Objects ?? []);
        return new FilePlan(file, hash, Valid: false, []);
    }

    // Creates or updates one object; the object applied (null when the write failed) and whether anything was written.
    private async Task<(AppliedObject? Object, bool Wrote)> ApplyAsync(string file, ISpoObject obj, CancellationToken cancellationToken)
    {
        var type = ResourceType.Of(obj.GetType());
        if (type.IsNamespaced && string.IsNullOrEmpty(obj.Metadata.NamespaceProperty))
        {
            obj.Metadata.NamespaceProperty = "default";
        }

        // Marked as this folder's, so that a later run knows which file it came from (see RecallAsync).
        obj.Metadata.Labels ??= new Dictionary<string, string>();
        obj.Metadata.Labels[FolderLabel] = FolderId;
        obj.Metadata.Annotations ??= new Dictionary<string, string>();
        obj.Metadata.Annotations[FileAnnotation] = Path.GetFileName(file);
        var applied = new AppliedObject(obj.GetType(), type.Group, type.Kind, ObjectKey.Of(obj));
        try
        {
            return (applied, await ((Task<bool>)ApplyOne.MakeGenericMethod(obj.GetType()).Invoke(this, [obj, cancellationToken])!).ConfigureAwait(false));
        }
        catch (ResourceException ex)
        {
            await _errors.WriteLineAsync("error: " + file + ": " + type.Kind + " " + applied.Key + ": " + ex.Message).ConfigureAwait(false);
            return (null, false);
        }
    }

    private int ApplyRank(ISpoObject obj) => obj.Kind switch
    {
        "SecurityProfilesOperatorDaemon" => 0,
        "SeccompProfile" when _serializer.ToJsonNode(obj)["spec"]?["baseProfileName"] is null => 1,
        "ProfileBinding" or "ProfileRecording" => 3,
        _ => 2,
    };

    private async Task<bool> DeleteAllAsync(IEnumerable<AppliedObject> objects, CancellationToken cancellationToken)
    {
        var deleted = false;
        foreach (var obj in objects)
        {
            try
            {
                deleted |= await (Task<bool>)DeleteOne.MakeGenericMethod(obj.ModelType).Invoke(this, [obj.Key, cancellationToken])!;
            }
            catch (ResourceException ex)
            {
                await _errors.WriteLineAsync("error: deleting " + obj.Kind + " " + obj.Key + ": " + ex.Message).ConfigureAwait(false);
            }
        }

        return deleted;
    }

    private Task<bool> DeleteTypedAsync<T>(ObjectKey key, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        _backend.Resource<T>().DeleteAsync(key, cancellationToken);

    // Create, or update the stored object with the file's spec, labels and annotations; true when written.
    private async Task<bool> ApplyTypedAsync<T>(T desired, CancellationToken cancellationToken)
        where T : class, ISpoObject
    {
        var client = _backend.Resource<T>();
        var existing = await client.GetAsync(ObjectKey.Of(desired), cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            // A file saved with `kubectl get -o yaml` carries the resourceVersion it was read at, which a create
            // refuses (as the API server does); cleared on purpose, as kubectl create does.
            desired.Metadata.ResourceVersion = null;
            await client.CreateAsync(desired, cancellationToken).ConfigureAwait(false);
            return true;
        }

        // Compared with defaults applied, as the stored object has them: an unchanged file writes nothing.
        desired.ApplyDefaults();
        var stored = _serializer.ToJsonNode(existing).AsObject();
        var wanted = _serializer.ToJsonNode(desired).AsObject();
        var updated = (JsonObject)stored.DeepClone();
        updated["spec"] = wanted["spec"]?.DeepClone();
        var metadata = (JsonObject)updated["metadata"]!;
        foreach (var map in new[] { "labels", "annotations" })
        {
            if (wanted["metadata"]?[map] is JsonObject given)
            {
                var merged = metadata[map] as JsonObject ?? [];
                foreach (var (name, value) in given)
                {
                    merged[name] = value?.DeepClone();
                }

                metadata[map] = merged;
            }
        }

        if (JsonNode.DeepEquals(stored, updated))
        {
            return false;
        }

        var replacement = _serializer.ReadDocument(updated, desired.Kind + " " + desired.Metadata.Name, 1).Object as T
            ?? throw new InvalidOperationException("the updated " + desired.Kind + " " + desired.Metadata.Name + " could not be decoded");
        await client.UpdateAsync(replacement, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private sealed record FilePlan(string File, string Hash, bool Valid, IReadOnlyList<ISpoObject> Objects)
    {
        public List<AppliedObject> Applied { get; } = [];
    }

    private sealed record AppliedFile(string Hash, bool Valid, IReadOnlyList<AppliedObject> Objects);

    private sealed record AppliedObject(Type ModelType, string Group, string Kind, ObjectKey Key)
    {
        // The same object whatever version the file used for it.
        public bool SameObject(AppliedObject other) => Group == other.Group && Kind == other.Kind && Key == other.Key;
    }
}
