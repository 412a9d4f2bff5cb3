using SpoSdk.Api.Conversion;
using SpoSdk.Api.Schema;
using YamlDotNet.Core;

namespace SpoSdk.Migration;

/// <summary>
/// The rewrites from pre-1.0 (v0.10) and legacy SPO manifests to v1 (api.md §13). Two passes, each
/// on a fresh parse: <see cref="Restructure"/> moves fields to where v1 keeps them, then
/// <see cref="Rewrite"/> renames and re-spells in place, so enum spellings are found at their v1 paths
/// whether or not a field was moved first.
/// </summary>
internal static class LegacyShapeRules
{
    /// <summary>The SPO API group.</summary>
    public const string Group = "security-profiles-operator.x-k8s.io";

    private const string SecurityProfileNodeStatus = "SecurityProfileNodeStatus";
    private const string SecurityProfilesOperatorDaemon = "SecurityProfilesOperatorDaemon";

    /// <summary>v0.10's flat SPOD spec fields and the group and name v1 keeps each under.</summary>
    private static readonly (string Flat, string Group, string Name)[] SpodMoves =
    [
        ("enableSelinux", "selinux", "enable"),
        ("selinuxTypeTag", "selinux", "typeTag"),
        ("selinuxOptions", "selinux", "options"),
        ("enableLogEnricher", "enricher", "enableLogEnricher"),
        ("logEnricherFilters", "enricher", "logEnricherFilters"),
        ("logEnricherSource", "enricher", "logEnricherSource"),
        ("enableJsonEnricher", "enricher", "enableJsonEnricher"),
        ("jsonEnricherFilters", "enricher", "jsonEnricherFilters"),
        ("jsonEnricherOptions", "enricher", "jsonEnricherOptions"),
        ("enableBpfRecorder", "enricher", "enableBpfRecorder"),
        ("staticWebhookConfig", "webhook", "staticConfig"),
        ("webhookOptions", "webhook", "options"),
        ("tolerations", "scheduling", "tolerations"),
        ("affinity", "scheduling", "affinity"),
        ("priorityClassName", "scheduling", "priorityClassName"),
        ("allowedSyscalls", "security", "allowedSyscalls"),
        ("allowedSeccompActions", "security", "allowedSeccompActions"),
        ("disableOciArtifactSignatureVerification", "security", "disableOciArtifactSignatureVerification"),
    ];

    /// <summary>v0.10's booleans that v1 spells as enums: (kinds, old key, new key, value for true, value for false).</summary>
    private static readonly (string[] Kinds, string Legacy, string Key, string WhenTrue, string WhenFalse)[] BooleanFields =
    [
        (["SeccompProfile", "SelinuxProfile", "RawSelinuxProfile", "AppArmorProfile"], "disabled", "state", "Disabled", "Enabled"),
        (["SelinuxProfile"], "permissive", "mode", "Permissive", "Enforcing"),
        (["AppArmorProfile"], "complainMode", "mode", "Complain", "Enforce"),
    ];

    /// <summary>Pass 1: SPOD flat fields into their groups; SPNS top-level nodeName and status under spec and status.</summary>
    public static void Restructure(DocumentEditor editor)
    {
        // A legacy object written by a conversion from v1 keeps what its version cannot hold in this
        // annotation; only the converter can put that back, and text edits would silently drop it.
        if (editor.Version != "v1"
            && (editor.Root.Find("metadata")?.Value as SourceMapping)?.Find("annotations")?.Value is SourceMapping annotations
            && annotations.Find(SpoConverter.ConversionDataAnnotation) is not null)
        {
            editor.Problem(
                JsonPath.Property("$.metadata.annotations", SpoConverter.ConversionDataAnnotation),
                "cannot migrate in place: the object holds data set aside by a conversion; convert it with 'spoc convert --to v1' instead");
            return;
        }

        switch (editor.Kind)
        {
            case SecurityProfilesOperatorDaemon:
                GroupSpodFields(editor);
                break;
            case SecurityProfileNodeStatus:
                NestNodeStatusFields(editor);
                break;
        }
    }

    /// <summary>Pass 2: apiVersion, v0.10 booleans to enums, v0.10 enum spellings, and the legacy enum spellings of the conversion maps.</summary>
    public static void Rewrite(DocumentEditor editor, IEnumerable<ConversionMap> maps)
    {
        var root = editor.Root;
        if (editor.Version != "v1" && root.Find("apiVersion")?.Value is SourceScalar apiVersion)
        {
            editor.ReplaceScalar(apiVersion, Group + "/v1");
            editor.Change("$.apiVersion", apiVersion.Value + " -> " + Group + "/v1");
        }

        var spec = root.Find("spec")?.Value as SourceMapping;
        foreach (var (kinds, legacy, key, whenTrue, whenFalse) in BooleanFields)
        {
            if (spec is not null && kinds.Contains(editor.Kind))
            {
                BooleanToEnum(editor, spec, legacy, key, whenTrue, whenFalse);
            }
        }

        // v0.10 spelled the AppArmor kind "ApparmorProfile" in recordings; 1.0 accepts only "AppArmorProfile".
        if (editor.Kind == "ProfileRecording" && spec?.Find("kind")?.Value is SourceScalar { IsString: true, Value: "ApparmorProfile" } recordedKind)
        {
            editor.ReplaceScalar(recordedKind, "AppArmorProfile");
            editor.Change("$.spec.kind", "ApparmorProfile -> AppArmorProfile");
        }

        foreach (var map in maps)
        {
            foreach (var conversion in map.Enums)
            {
                foreach (var (scalar, path) in Find(root, conversion.Path.Segments, 0, JsonPath.Root))
                {
                    if (!scalar.IsString)
                    {
                        continue;
                    }

                    var hub = conversion.SpokeToHub.TryGetValue(scalar.Value, out var mapped)
                        ? mapped
                        : scalar.Value.Length == 0 ? conversion.EmptySpokeToHub : null;
                    if (hub is not null && hub != scalar.Value)
                    {
                        editor.ReplaceScalar(scalar, hub);
                        editor.Change(path, (scalar.Value.Length == 0 ? "\"\"" : scalar.Value) + " -> " + hub);
                    }
                }
            }
        }
    }

    private static void BooleanToEnum(DocumentEditor editor, SourceMapping spec, string legacy, string key, string whenTrue, string whenFalse)
    {
        var entry = spec.Find(legacy);
        if (entry is null)
        {
            return;
        }

        var path = "$.spec." + legacy;
        var scalar = entry.Value as SourceScalar;
        var flag = scalar?.Boolean ?? (scalar is { IsNull: true } ? false : null);
        if (flag is not { } value)
        {
            editor.Problem(path, "cannot migrate: expected true or false, found " + editor.Describe(entry.Value));
            return;
        }

        var target = value ? whenTrue : whenFalse;
        var existing = spec.Find(key);
        if (existing is null)
        {
            // A boolean in a JSON-style mapping ("disabled": true) becomes a JSON string, so JSON stays JSON.
            editor.RenameKey(entry, key);
            editor.ReplaceScalar(scalar!, target, entry.KeyScalar?.Style == ScalarStyle.DoubleQuoted ? ScalarStyle.DoubleQuoted : null);
            editor.Change(path, "replaced by $.spec." + key + ": " + target);
        }
        else if (existing.Value is SourceScalar { IsString: true } current && current.Value == target)
        {
            if (editor.RemoveEntry(spec, entry, path))
            {
                editor.Change(path, "removed (same as $.spec." + key + ": " + target + ")");
            }
        }
        else
        {
            editor.Problem(path, "cannot migrate: " + legacy + ": " + editor.Describe(entry.Value) + " conflicts with " + key + ": " + editor.Describe(existing.Value));
        }
    }

    private static void GroupSpodFields(DocumentEditor editor)
    {
        var specEntry = editor.Root.Find("spec");
        if (specEntry?.Value is not SourceMapping spec)
        {
            return;
        }

        var flat = spec.Entries
            .Select(entry => (entry, move: Array.Find(SpodMoves, m => m.Flat == entry.KeyScalar?.Value)))
            .Where(p => p.move.Flat is not null)
            .ToList();
        if (flat.Count == 0)
        {
            return;
        }

        if (spec.IsFlow)
        {
            editor.Problem("$.spec", "cannot migrate flow-style $.spec automatically; rewrite it in block style first");
            return;
        }

        var step = editor.IndentStep(specEntry);
        foreach (var group in flat.GroupBy(p => p.move.Group))
        {
            var groupPath = "$.spec." + group.Key;
            var groupMapping = spec.Find(group.Key)?.Value as SourceMapping;
            var moves = new List<(SourceEntry, string)>();
            var changes = new List<(string Path, string Description)>();
            foreach (var (entry, (flatName, _, name)) in group)
            {
                var path = "$.spec." + flatName;
                var target = groupPath + "." + name;
                if (groupMapping?.Find(name) is { } existing)
                {
                    if (!DocumentEditor.SameValue(entry.Value, existing.Value))
                    {
                        editor.Problem(path, "cannot migrate: conflicts with " + target);
                    }
                    else if (editor.RemoveEntry(spec, entry, path))
                    {
                        editor.Change(path, "removed (same value as " + target + ")");
                    }
                }
                else
                {
                    moves.Add((entry, name));
                    changes.Add((path, "moved to " + target));
                }
            }

            if (moves.Count > 0 && editor.MoveInto(spec, "$.spec", step, group.Key, moves))
            {
                changes.ForEach(c => editor.Change(c.Path, c.Description));
            }
        }
    }

    private static void NestNodeStatusFields(DocumentEditor editor)
    {
        var root = editor.Root;
        var nodeName = root.Find("nodeName");
        var status = root.Find("status");
        var statusValue = status?.Value as SourceScalar;
        if (statusValue is { IsNull: true })
        {
            statusValue = null;
        }

        if (nodeName is null && statusValue is null)
        {
            return;
        }

        if (root.IsFlow)
        {
            editor.Problem("$", "cannot migrate flow-style $ automatically; rewrite it in block style first");
            return;
        }

        var step = editor.IndentStep();
        if (nodeName is not null)
        {
            if ((root.Find("spec")?.Value as SourceMapping)?.Find("nodeName") is { } existing)
            {
                if (!DocumentEditor.SameValue(nodeName.Value, existing.Value))
                {
                    editor.Problem("$.nodeName", "cannot migrate: conflicts with $.spec.nodeName");
                }
                else if (editor.RemoveEntry(root, nodeName, "$.nodeName"))
                {
                    editor.Change("$.nodeName", "removed (same value as $.spec.nodeName)");
                }
            }
            else if (editor.MoveInto(root, JsonPath.Root, step, "spec", [(nodeName, "nodeName")]))
            {
                editor.Change("$.nodeName", "moved to $.spec.nodeName");
            }
        }

        if (statusValue is not null && editor.WrapScalar(status!, statusValue, "status", step, "$.status"))
        {
            editor.Change("$.status", "moved to $.status.status");
        }
    }

    /// <summary>Every scalar at a conversion map's schema path, with its concrete JSON path.</summary>
    private static IEnumerable<(SourceScalar Scalar, string Path)> Find(SourceNode node, IReadOnlyList<string> segments, int depth, string path)
    {
        if (depth == segments.Count)
        {
            if (node is SourceScalar scalar)
            {
                yield return (scalar, path);
            }

            yield break;
        }

        switch (segments[depth], node)
        {
            case (SchemaPath.AnyItem, SourceSequence sequence):
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    foreach (var found in Find(sequence.Items[i], segments, depth + 1, JsonPath.Index(path, i)))
                    {
                        yield return found;
                    }
                }

                break;
            case (SchemaPath.AnyValue, SourceMapping map):
                foreach (var entry in map.Entries.Where(e => e.KeyScalar is not null))
                {
                    foreach (var found in Find(entry.Value, segments, depth + 1, JsonPath.Property(path, entry.KeyScalar!.Value)))
                    {
                        yield return found;
                    }
                }

                break;
            case (var name, SourceMapping map) when name is not SchemaPath.AnyItem and not SchemaPath.AnyValue:
                if (map.Find(name) is { } child)
                {
                    foreach (var found in Find(child.Value, segments, depth + 1, JsonPath.Property(path, name)))
                    {
                        yield return found;
                    }
                }

                break;
        }
    }
}
