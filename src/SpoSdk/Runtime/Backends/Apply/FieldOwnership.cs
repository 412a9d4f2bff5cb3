using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpoSdk.Runtime.Backends.Apply;

/// <summary>Which part of an object a write covers, as the API server splits managed fields.</summary>
public enum FieldScope
{
    /// <summary>The whole object (kinds without a status subresource).</summary>
    Whole,

    /// <summary>Everything but <c>status</c> (the main resource of a kind with a status subresource).</summary>
    Main,

    /// <summary>Only <c>status</c> (the status subresource).</summary>
    Status,
}

/// <summary>
/// Server-side apply and field ownership (<c>metadata.managedFields</c>) on JSON trees, the one place
/// both the in-memory cluster and the test API server use. Fields are tracked per manager and
/// operation in the FieldsV1 form (<c>f:</c> fields, <c>k:</c> items of map lists, <c>v:</c> items of
/// sets, <c>.</c> for an item itself). An apply merges granularly (objects by key, map lists by their
/// keys, sets by value, other lists whole), fails with a 409 listing each field another manager owns
/// with a different value unless forced (force moves ownership), and removes fields the manager
/// applied before and now omits when nobody else owns them. An update or patch makes its manager the
/// owner of every field it changed.
/// </summary>
public static class FieldOwnership
{
    private const char Separator = '\0';
    private const string ApplyOperation = "Apply";
    private const string UpdateOperation = "Update";

    // Fields the server sets or that identify the object: nobody owns them.
    private static readonly HashSet<string> UnownedMetadata = new(StringComparer.Ordinal)
    {
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink", "generateName",
    };

    /// <summary>
    /// The object after <paramref name="manager"/>'s apply of <paramref name="applied"/> on <paramref name="live"/>
    /// (null: the object is created), with its managed fields. <paramref name="live"/> is not changed.
    /// Throws <see cref="ResourceConflictException"/> (409, one <c>FieldManagerConflict</c> cause per field)
    /// when another manager owns a field with a different value and <paramref name="force"/> is false.
    /// </summary>
    /// <param name="live">The current object, in the applied object's version; null when it does not exist.</param>
    /// <param name="applied">The applier's intent: only the fields it cares about.</param>
    /// <param name="manager">The field manager.</param>
    /// <param name="force">Whether to take over conflicting fields.</param>
    /// <param name="scope">Which part the apply covers; fields outside it are ignored.</param>
    /// <param name="schema">The kind's schema (list types and keys); null merges objects granularly and lists whole.</param>
    /// <param name="now">The time recorded on the manager's entry when its fields change.</param>
    public static JsonObject Apply(JsonObject? live, JsonObject applied, string manager, bool force, FieldScope scope, FieldSchema? schema, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentException.ThrowIfNullOrEmpty(manager);
        var intent = InScope(applied, scope);
        var appliedFields = Fields(intent, schema, scope);
        var entries = live is null ? [] : ReadEntries(live);
        var subresource = scope == FieldScope.Status ? "status" : null;

        var conflicts = new List<(Entry Entry, string Path)>();
        if (live is not null)
        {
            foreach (var entry in entries.Where(e => e.Manager != manager))
            {
                foreach (var path in entry.Fields.Where(p => appliedFields.Contains(p) && !p.EndsWith(Separator + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                {
                    if (!JsonNode.DeepEquals(ValueAt(live, path), ValueAt(intent, path)))
                    {
                        conflicts.Add((entry, path));
                    }
                }
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            throw Conflict(conflicts);
        }

        foreach (var (entry, path) in conflicts)
        {
            entry.Fields.Remove(path);
        }

        // A created object's status starts empty: a main-resource apply never writes it.
        var result = live is null ? (JsonObject)intent.DeepClone() : (JsonObject)Merge(live, intent, schema);

        var previous = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == ApplyOperation && e.Subresource == subresource);
        if (previous is not null)
        {
            var others = entries.Where(e => !ReferenceEquals(e, previous)).SelectMany(e => e.Fields).ToHashSet(StringComparer.Ordinal);
            // Whole items first (their key fields find them), then the deepest fields.
            var dropped = previous.Fields.Where(p => !appliedFields.Contains(p))
                .OrderBy(p => p.EndsWith(Separator + ".", StringComparison.Ordinal) ? 0 : 1)
                .ThenByDescending(p => p.Length)
                .ThenBy(p => p, StringComparer.Ordinal);
            foreach (var path in dropped)
            {
                if (!IsOwned(others, path))
                {
                    Remove(result, path);
                }
            }
        }

        var apiVersion = Text(applied["apiVersion"]);
        if (previous is null)
        {
            entries.Add(new Entry(manager, ApplyOperation, apiVersion, Timestamp(now), subresource, appliedFields));
        }
        else if (!previous.Fields.SetEquals(appliedFields) || previous.ApiVersion != apiVersion)
        {
            // The time moves only when what the manager owns changes, so an unchanged re-apply writes nothing.
            previous.Fields = appliedFields;
            previous.ApiVersion = apiVersion;
            previous.Time = Timestamp(now);
        }

        WriteEntries(result, entries);
        return result;
    }

    /// <summary>
    /// Records an update (create, update, patch) by <paramref name="manager"/> on <paramref name="after"/>:
    /// the managed fields of <paramref name="before"/> (null: created), with every field the write changed
    /// or added now owned by the manager (operation Update) and taken from the others, and every removed
    /// field owned by nobody. A write that changed nothing in <paramref name="scope"/> keeps them as they were.
    /// Managed fields <paramref name="after"/> carried are replaced.
    /// </summary>
    public static void RecordUpdate(JsonObject? before, JsonObject after, string manager, FieldScope scope, FieldSchema? schema, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentException.ThrowIfNullOrEmpty(manager);
        var entries = before is null ? [] : ReadEntries(before);
        var old = before is null ? new HashSet<string>(StringComparer.Ordinal) : Fields(InScope(before, scope), schema, scope);
        var current = Fields(InScope(after, scope), schema, scope);
        var changed = current.Where(p => !old.Contains(p) || (!p.EndsWith(Separator + ".", StringComparison.Ordinal) && !JsonNode.DeepEquals(ValueAt(before!, p), ValueAt(after, p)))).ToHashSet(StringComparer.Ordinal);
        var removed = old.Where(p => !current.Contains(p)).ToList();
        if (changed.Count > 0 || removed.Count > 0)
        {
            foreach (var entry in entries)
            {
                entry.Fields.ExceptWith(changed);
                entry.Fields.ExceptWith(removed);
            }

            var subresource = scope == FieldScope.Status ? "status" : null;
            var apiVersion = Text(after["apiVersion"]);
            var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == UpdateOperation && e.Subresource == subresource && e.ApiVersion == apiVersion);
            if (mine is null)
            {
                mine = new Entry(manager, UpdateOperation, apiVersion, Timestamp(now), subresource, new HashSet<string>(StringComparer.Ordinal));
                entries.Add(mine);
            }

            mine.Fields.UnionWith(changed);
            mine.Time = Timestamp(now);
        }

        WriteEntries(after, entries);
    }

    /// <summary>The managed fields an object carries, without their times (what a no-op check compares).</summary>
    public static JsonNode? ManagedFieldsWithoutTimes(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj["metadata"]?["managedFields"] is not JsonArray array)
        {
            return null;
        }

        var copy = (JsonArray)array.DeepClone();
        foreach (var entry in copy.OfType<JsonObject>())
        {
            entry.Remove("time");
        }

        return copy;
    }

    /// <summary>The path as the API server prints it in conflicts: <c>.spec.claims[name="a"].request</c>.</summary>
    internal static string Describe(string path)
    {
        var text = new StringBuilder();
        foreach (var token in path.Split(Separator))
        {
            if (token.StartsWith("f:", StringComparison.Ordinal))
            {
                text.Append('.').Append(token, 2, token.Length - 2);
            }
            else if (token.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(token[2..]) is JsonObject key)
            {
                text.Append('[').Append(string.Join(",", key.Select(p => p.Key + "=" + p.Value?.ToJsonString()))).Append(']');
            }
            else if (token.StartsWith("v:", StringComparison.Ordinal))
            {
                text.Append("[=").Append(token, 2, token.Length - 2).Append(']');
            }
        }

        return text.ToString();
    }

    /// <summary>The field paths (FieldsV1 tokens joined by NUL) an object sets within <paramref name="scope"/>.</summary>
    internal static HashSet<string> Fields(JsonObject obj, FieldSchema? schema, FieldScope scope)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            if (value is null || name is "apiVersion" or "kind" || !Covers(scope, name))
            {
                continue;
            }

            if (name == "metadata" && value is JsonObject metadata)
            {
                foreach (var (field, child) in metadata.Where(p => p.Value is not null && !UnownedMetadata.Contains(p.Key)))
                {
                    Collect(child!, null, "f:metadata" + Separator + "f:" + field, fields);
                }
            }
            else
            {
                Collect(value, schema?.Property(name), "f:" + name, fields);
            }
        }

        return fields;
    }

    private static bool Covers(FieldScope scope, string topLevelField) => scope switch
    {
        FieldScope.Main => topLevelField != "status",
        FieldScope.Status => topLevelField == "status",
        _ => true,
    };

    // The object restricted to the scope (plus identity), without nulls, which set nothing, and without
    // the server's bookkeeping (resourceVersion, managed fields), which an applier cannot set.
    private static JsonObject InScope(JsonObject obj, FieldScope scope)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (value is not null && (name is "apiVersion" or "kind" or "metadata" || Covers(scope, name)))
            {
                copy[name] = WithoutNulls(value);
            }
        }

        if (copy["metadata"] is JsonObject metadata)
        {
            foreach (var bookkeeping in new[] { "resourceVersion", "managedFields", "uid", "creationTimestamp", "generation", "deletionTimestamp", "selfLink" })
            {
                metadata.Remove(bookkeeping);
            }
        }

        return copy;
    }

    private static JsonNode WithoutNulls(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)WithoutNulls(p.Value!)))),
        _ => node.DeepClone(),
    };

    private static void Collect(JsonNode node, FieldSchema? schema, string path, HashSet<string> fields)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0 && schema?.IsAtomicMap != true:
                foreach (var (name, child) in obj.Where(p => p.Value is not null))
                {
                    Collect(child!, schema?.Property(name), path + Separator + "f:" + name, fields);
                }

                break;
            case JsonArray array when array.Count > 0 && schema?.ListType == ListMergeType.Map:
                foreach (var item in array.OfType<JsonObject>())
                {
                    var element = path + Separator + ItemKey(item, schema.ListMapKeys);
                    if (schema.Items?.IsAtomicMap == true)
                    {
                        fields.Add(element);
                        continue;
                    }

                    fields.Add(element + Separator + ".");
                    foreach (var (name, child) in item.Where(p => p.Value is not null))
                    {
                        Collect(child!, schema.Items?.Property(name), element + Separator + "f:" + name, fields);
                    }
                }

                break;
            case JsonArray array when array.Count > 0 && schema?.ListType == ListMergeType.Set:
                foreach (var item in array)
                {
                    fields.Add(path + Separator + "v:" + (item?.ToJsonString() ?? "null"));
                }

                break;
            default:
                fields.Add(path);
                break;
        }
    }

    private static string ItemKey(JsonObject item, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var name in keys)
        {
            key[name] = item[name]?.DeepClone();
        }

        return "k:" + key.ToJsonString();
    }

    // Live merged with the intent: objects key by key, map lists item by item, sets by value, the rest replaced.
    private static JsonNode Merge(JsonNode? live, JsonNode intent, FieldSchema? schema)
    {
        switch (intent)
        {
            case JsonObject applied when live is JsonObject current && schema?.IsAtomicMap != true:
                var merged = (JsonObject)current.DeepClone();
                foreach (var (name, value) in applied)
                {
                    merged[name] = Merge(current[name], value!, schema?.Property(name));
                }

                return merged;
            case JsonArray applied when live is JsonArray current && schema?.ListType == ListMergeType.Map:
                var items = (JsonArray)current.DeepClone();
                foreach (var item in applied.OfType<JsonObject>())
                {
                    var key = ItemKey(item, schema.ListMapKeys);
                    var index = IndexOf(items, n => n is JsonObject o && ItemKey(o, schema.ListMapKeys) == key);
                    if (index < 0)
                    {
                        items.Add(item.DeepClone());
                    }
                    else
                    {
                        items[index] = Merge(items[index], item, schema.Items);
                    }
                }

                return items;
            case JsonArray applied when live is JsonArray current && schema?.ListType == ListMergeType.Set:
                var set = (JsonArray)current.DeepClone();
                foreach (var item in applied.Where(a => !current.Any(c => JsonNode.DeepEquals(c, a))))
                {
                    set.Add(item?.DeepClone());
                }

                return set;
            default:
                return intent.DeepClone();
        }
    }

    private static int IndexOf(JsonArray array, Func<JsonNode?, bool> match)
    {
        for (var i = 0; i < array.Count; i++)
        {
            if (match(array[i]))
            {
                return i;
            }
        }

        return -1;
    }

    // A field is still wanted when another entry owns it or, for an item, anything inside it.
    private static bool IsOwned(HashSet<string> others, string path)
    {
        if (others.Contains(path))
        {
            return true;
        }

        var item = path.EndsWith(Separator + ".", StringComparison.Ordinal) ? path[..^1] : null;
        return item is not null && others.Any(p => p.StartsWith(item, StringComparison.Ordinal));
    }

    private static JsonNode? ValueAt(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var token in path.Split(Separator))
        {
            if (token == ".")
            {
                continue;
            }

            node = Step(node, token, out _, out _);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    private static void Remove(JsonObject root, string path)
    {
        var tokens = path.Split(Separator);
        if (tokens[^1] == ".")
        {
            tokens = tokens[..^1];
        }

        JsonNode? node = root;
        foreach (var token in tokens[..^1])
        {
            node = Step(node, token, out _, out _);
            if (node is null)
            {
                return;
            }
        }

        var last = tokens[^1];
        if (node is JsonObject obj && last.StartsWith("f:", StringComparison.Ordinal))
        {
            obj.Remove(last[2..]);
        }
        else if (Step(node, last, out var index, out var array) is not null && array is not null)
        {
            array.RemoveAt(index);
        }
    }

    // One FieldsV1 token down; for list items, also the list and the item's index.
    private static JsonNode? Step(JsonNode? node, string token, out int index, out JsonArray? list)
    {
        index = -1;
        list = null;
        if (token.StartsWith("f:", StringComparison.Ordinal))
        {
            return node is JsonObject obj && obj.TryGetPropertyValue(token[2..], out var child) ? child : null;
        }

        if (node is not JsonArray array)
        {
            return null;
        }

        list = array;
        if (token.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(token[2..]) is JsonObject key)
        {
            index = IndexOf(array, n => n is JsonObject item && key.All(k => JsonNode.DeepEquals(item[k.Key], k.Value)));
        }
        else if (token.StartsWith("v:", StringComparison.Ordinal))
        {
            var value = JsonNode.Parse(token[2..]);
            index = IndexOf(array, n => JsonNode.DeepEquals(n, value));
        }

        return index < 0 ? null : array[index];
    }

    private static ResourceConflictException Conflict(List<(Entry Entry, string Path)> conflicts)
    {
        var causes = conflicts
            .Select(c => new ResourceStatusCause(Describe(c.Path), "conflict with " + Who(c.Entry), "FieldManagerConflict"))
            .ToList();
        var message = new StringBuilder("Apply failed with ")
            .Append(conflicts.Count.ToString(CultureInfo.InvariantCulture))
            .Append(conflicts.Count == 1 ? " conflict: " : " conflicts: ");
        if (conflicts.Count == 1)
        {
            message.Append(causes[0].Message).Append(": ").Append(causes[0].Field);
        }
        else
        {
            message.Append(string.Join("; ", causes.GroupBy(c => c.Message).Select(g => g.Key.Replace("conflict with", "conflicts with", StringComparison.Ordinal) + ":\n- " + string.Join("\n- ", g.Select(c => c.Field)))));
        }

        return new ResourceConflictException(new ResourceStatus(409, "Conflict", message.ToString(), causes));
    }

    // Appliers are named; updaters also by the version they wrote, as the API server words it.
    private static string Who(Entry entry) =>
        "\"" + entry.Manager + "\"" + (entry.Operation == UpdateOperation && entry.ApiVersion is { } version ? " using " + version : string.Empty);

    private static List<Entry> ReadEntries(JsonObject obj)
    {
        var entries = new List<Entry>();
        if (obj["metadata"]?["managedFields"] is not JsonArray array)
        {
            return entries;
        }

        foreach (var item in array.OfType<JsonObject>())
        {
            var fields = new HashSet<string>(StringComparer.Ordinal);
            if (item["fieldsV1"] is JsonObject tree)
            {
                ReadTree(tree, string.Empty, fields);
            }

            entries.Add(new Entry(Text(item["manager"]) ?? string.Empty, Text(item["operation"]) ?? UpdateOperation, Text(item["apiVersion"]), Text(item["time"]), Text(item["subresource"]) is { Length: > 0 } s ? s : null, fields));
        }

        return entries;
    }

    private static void ReadTree(JsonObject tree, string prefix, HashSet<string> fields)
    {
        foreach (var (token, child) in tree)
        {
            var path = prefix.Length == 0 ? token : prefix + Separator + token;
            if (child is JsonObject { Count: > 0 } children)
            {
                ReadTree(children, path, fields);
            }
            else
            {
                fields.Add(path);
            }
        }
    }

    private static void WriteEntries(JsonObject obj, List<Entry> entries)
    {
        var metadata = obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());
        var kept = entries.Where(e => e.Fields.Count > 0).ToList();
        if (kept.Count == 0)
        {
            metadata.Remove("managedFields");
            return;
        }

        var array = new JsonArray();
        foreach (var entry in kept)
        {
            var item = new JsonObject { ["manager"] = entry.Manager, ["operation"] = entry.Operation };
            if (entry.ApiVersion is not null)
            {
                item["apiVersion"] = entry.ApiVersion;
            }

            if (entry.Time is not null)
            {
                item["time"] = entry.Time;
            }

            item["fieldsType"] = "FieldsV1";
            item["fieldsV1"] = Tree(entry.Fields);
            if (entry.Subresource is not null)
            {
                item["subresource"] = entry.Subresource;
            }

            array.Add(item);
        }

        metadata["managedFields"] = array;
    }

    // Sorted, so the same ownership always serialises the same ("." first, as the API server writes it).
    private static JsonObject Tree(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var token in path.Split(Separator))
            {
                node = node[token] as JsonObject ?? (JsonObject)(node[token] = new JsonObject());
            }
        }

        return root;
    }

    private static string Timestamp(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private sealed class Entry(string manager, string operation, string? apiVersion, string? time, string? subresource, HashSet<string> fields)
    {
        public string Manager { get; } = manager;

        public string Operation { get; } = operation;

        public string? ApiVersion { get; set; } = apiVersion;

        public string? Time { get; set; } = time;

        public string? Subresource { get; } = subresource;

        public HashSet<string> Fields { get; set; } = fields;
    }
}
