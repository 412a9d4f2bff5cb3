using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.IO;

namespace SpoSdk.Runtime.Backends.InMemory;

/// <summary>
/// Keeps store objects as files: <c>DIR/GROUP/KIND/NAMESPACE/NAME.json</c> (<c>_core</c> and
/// <c>_cluster</c> stand in for the empty group and namespace). Names are validated DNS names by
/// then, so they cannot leave the directory. Writes are <see cref="AtomicFile"/> writes.
/// </summary>
internal sealed class ObjectFiles(string directory)
{
    private const string CoreGroup = "_core";
    private const string ClusterScope = "_cluster";

    private IEnumerable<(StoredKeyParts Key, JsonObject Json)> LoadAllRaw()
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(directory, file).Split(Path.DirectorySeparatorChar);
            if (relative.Length != 4 || JsonNode.Parse(File.ReadAllText(file)) is not JsonObject json)
            {
                continue;
            }

            yield return (new StoredKeyParts(relative[0] == CoreGroup ? string.Empty : relative[0], relative[1], relative[2] == ClusterScope ? null : relative[2], Path.GetFileNameWithoutExtension(relative[3])), json);
        }
    }

    public IEnumerable<(StoreKindKey Kind, ObjectKey Key, JsonObject Json)> LoadAll() =>
        LoadAllRaw().Select(item => (new StoreKindKey(item.Key.Group, item.Key.Kind), new ObjectKey(item.Key.Namespace, item.Key.Name), item.Json));

    public void Write(StoreKind kind, ObjectKey key, JsonObject json)
    {
        var path = PathOf(kind, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            json.WriteTo(writer);
        }

        AtomicFile.Write(path, buffer.WrittenSpan, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    public void Delete(StoreKind kind, ObjectKey key) => File.Delete(PathOf(kind, key));

    private string PathOf(StoreKind kind, ObjectKey key) => Path.Combine(
        directory,
        kind.Group.Length == 0 ? CoreGroup : kind.Group,
        kind.Kind,
        key.Namespace ?? ClusterScope,
        key.Name + ".json");
}

/// <summary>Where a persisted object belongs: group, kind, namespace and name.</summary>
internal readonly record struct StoredKeyParts(string Group, string Kind, string? Namespace, string Name);

/// <summary>Group and kind of a persisted object; matched to a <see cref="StoreKind"/> when its clients first use it.</summary>
internal readonly record struct StoreKindKey(string Group, string Kind);
