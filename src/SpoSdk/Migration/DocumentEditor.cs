using System.Text;
using System.Text.RegularExpressions;
using SpoSdk.Api.Schema;
using YamlDotNet.Core;

namespace SpoSdk.Migration;

/// <summary>
/// Collects the text edits, changes and problems of one SPO document during one migration pass,
/// with the editing operations the rules are built from. Edits are made against the text the pass
/// parsed; nothing is applied until the pass is over, and a document with a problem applies none.
/// </summary>
internal sealed partial class DocumentEditor
{
    private const int DefaultIndentStep = 2;

    private readonly Dictionary<SourceMapping, (SortedSet<int> Indexes, List<TextEdit> Edits)> _flowRemovals = new(ReferenceEqualityComparer.Instance);

    public DocumentEditor(SourceText source, string label, SourceDocument document, SourceMapping root, string kind, string version, string? name)
    {
        Source = source;
        Label = label;
        Document = document;
        Root = root;
        Kind = kind;
        Version = version;
        Name = name;
    }

    public SourceText Source { get; }

    public string Label { get; }

    public SourceDocument Document { get; }

    public SourceMapping Root { get; }

    public string Kind { get; }

    /// <summary>The version part of the document's apiVersion.</summary>
    public string Version { get; }

    public string? Name { get; }

    public List<TextEdit> Edits { get; } = [];

    public List<MigrationChange> Changes { get; } = [];

    public List<MigrationProblem> Problems { get; } = [];

    public bool Failed => Problems.Count > 0;

    public void Change(string path, string description) =>
        Changes.Add(new MigrationChange(Label, Document.Index, Kind, Name, path, description));

    public void Problem(string path, string message) =>
        Problems.Add(new MigrationProblem(Label, Document.Index, Kind, Name, path, message));

    /// <summary>Replaces a scalar's value, keeping its quoting (or taking <paramref name="style"/>) where the new value allows it.</summary>
    public void ReplaceScalar(SourceScalar scalar, string value, ScalarStyle? style = null)
    {
        var text = FormatScalar(value, style ?? scalar.Style);

        // "key:" with nothing after the colon needs a space before the new value.
        if (scalar.Start == scalar.ContentEnd && scalar.Start > 0 && Source.Text[scalar.Start - 1] == ':')
        {
            text = " " + text;
        }

        Edits.Add(new TextEdit(scalar.Start, scalar.ContentEnd, text));
    }

    /// <summary>Renames a key in place, keeping its quoting.</summary>
    public void RenameKey(SourceEntry entry, string name)
    {
        var key = entry.KeyScalar!;
        Edits.Add(new TextEdit(key.Start, key.ContentEnd, FormatScalar(name, key.Style)));
    }

    /// <summary>
    /// The whole lines an entry of a block mapping occupies: the comment lines right above its key at
    /// the key's column, the key and its value, and the comment lines right after it that are indented
    /// deeper than the key (so they belong to its value). Blank lines stay where they are.
    /// </summary>
    public bool TryEntryBlock(SourceEntry entry, string path, out int start, out int end)
    {
        start = end = 0;
        if (entry.KeyScalar is null || !Source.StartsLine(entry.Key.Start))
        {
            Problem(path, "cannot migrate automatically: the key does not start its line");
            return false;
        }

        var text = Source.Text;
        var column = Source.Column(entry.Key.Start);
        start = Source.LineStart(entry.Key.Start);
        for (var previous = Source.PreviousLineStart(start); previous >= 0 && Source.CommentColumn(previous) == column; previous = Source.PreviousLineStart(previous))
        {
            start = previous;
        }

        end = Source.NextLineStart(Math.Max(entry.Value.ContentEnd, entry.Key.ContentEnd));
        while (end < text.Length && Source.CommentColumn(end) > column)
        {
            var lineBreak = text.IndexOf('\n', end);
            end = lineBreak < 0 ? text.Length : lineBreak + 1;
        }

        return true;
    }

    /// <summary>Removes an entry with its comments (block style) or with its separating comma (flow style).</summary>
    public bool RemoveEntry(SourceMapping parent, SourceEntry entry, string path)
    {
        if (!parent.IsFlow)
        {
            if (!TryEntryBlock(entry, path, out var start, out var end))
            {
                return false;
            }

            Edits.Add(new TextEdit(start, end, string.Empty));
            return true;
        }

        // Removals from one flow mapping are laid out together: each run of removed entries takes the comma
        // after it, or before it when it ends the mapping, so two removals never claim the same comma.
        if (!_flowRemovals.TryGetValue(parent, out var removal))
        {
            removal = (new SortedSet<int>(), new List<TextEdit>());
            _flowRemovals.Add(parent, removal);
        }

        removal.Indexes.Add(parent.Entries.IndexOf(entry));
        Edits.RemoveAll(edit => removal.Edits.Exists(own => ReferenceEquals(own, edit)));
        removal.Edits.Clear();
        var entries = parent.Entries;
        var indexes = removal.Indexes.ToList();
        for (var run = 0; run < indexes.Count;)
        {
            var first = indexes[run];
            var last = first;
            while (run + 1 < indexes.Count && indexes[run + 1] == last + 1)
            {
                last = indexes[++run];
            }

            run++;
            removal.Edits.Add(
                last + 1 < entries.Count ? new TextEdit(entries[first].Key.Start, entries[last + 1].Key.Start, string.Empty)
                : first > 0 ? new TextEdit(entries[first - 1].Value.ContentEnd, entries[last].Value.ContentEnd, string.Empty)
                : new TextEdit(entries[first].Key.Start, entries[last].Value.ContentEnd, string.Empty));
        }

        Edits.AddRange(removal.Edits);
        return true;
    }

    /// <summary>
    /// Moves entries of a block mapping under its key <paramref name="group"/>, renaming each: creates the
    /// group where the first moved entry was when it is missing, appends to it when it is a block mapping,
    /// and turns it into one when it is <c>{}</c> or null. The moved text keeps its comments and is
    /// re-indented as a whole.
    /// </summary>
    /// <returns>False after reporting a problem when the entries cannot be moved.</returns>
    public bool MoveInto(SourceMapping parent, string parentPath, int step, string group, IReadOnlyList<(SourceEntry Entry, string NewName)> moves)
    {
        var groupPath = JsonPath.Property(parentPath, group);
        var blocks = new List<(int Start, int End, string Text, List<(int Start, int End)> BlockScalars)>();
        foreach (var (entry, newName) in moves)
        {
            if (!TryEntryBlock(entry, JsonPath.Property(parentPath, entry.KeyScalar?.Value ?? "?"), out var start, out var end))
            {
                return false;
            }

            var key = entry.KeyScalar!;
            var newKey = FormatScalar(newName, key.Style);
            var text = Source.Text[start..key.Start] + newKey + Source.Text[key.ContentEnd..end];

            // Where the entry's block scalars lie in the moved text, which starts at start and has the new key.
            var shift = newKey.Length - (key.ContentEnd - key.Start) - start;
            var scalars = BlockScalars(entry.Value).Select(s => (s.Start + shift, s.ContentEnd + shift)).ToList();
            blocks.Add((start, end, text, scalars));
        }

        var parentColumn = Source.Column(parent.Entries[0].Key.Start);
        var groupEntry = parent.Find(group);
        switch (groupEntry?.Value)
        {
            case null:
                {
                    var header = new string(' ', parentColumn) + group + ":" + Source.NewLine;
                    Edits.Add(new TextEdit(blocks[0].Start, blocks[0].End, header + Render(parentColumn + step)));
                    RemoveBlocks(1);
                    return true;
                }

            case SourceMapping { IsFlow: false } mapping:
                {
                    if (!TryEntryBlock(groupEntry, groupPath, out _, out var groupEnd))
                    {
                        return false;
                    }

                    Edits.Add(new TextEdit(groupEnd, groupEnd, Render(Source.Column(mapping.Entries[0].Key.Start))));
                    RemoveBlocks(0);
                    return true;
                }

            case SourceMapping { IsFlow: true, Entries.Count: 0 } or SourceScalar { IsNull: true }:
                {
                    var colon = FindColon(groupEntry);
                    if (colon < 0)
                    {
                        Problem(groupPath, "cannot migrate automatically: unexpected layout of " + groupPath);
                        return false;
                    }

                    // "group: {}" or "group: null" becomes "group:" with the moved entries below it.
                    Edits.Add(new TextEdit(colon + 1, groupEntry.Value.ContentEnd, string.Empty));
                    var at = Source.NextLineStart(groupEntry.Value.ContentEnd);
                    Edits.Add(new TextEdit(at, at, Render(parentColumn + step)));
                    RemoveBlocks(0);
                    return true;
                }

            case SourceMapping:
                Problem(groupPath, "cannot migrate flow-style " + groupPath + " automatically; rewrite it in block style first");
                return false;
            default:
                Problem(groupPath, "cannot migrate: " + groupPath + " is not a mapping");
                return false;
        }

        string Render(int column)
        {
            var builder = new StringBuilder();
            foreach (var block in blocks)
            {
                builder.Append(SourceText.Reindent(block.Text, column - parentColumn, block.BlockScalars));
            }

            return builder.ToString();
        }

        void RemoveBlocks(int from)
        {
            foreach (var block in blocks.Skip(from))
            {
                Edits.Add(new TextEdit(block.Start, block.End, string.Empty));
            }
        }
    }

    /// <summary>Turns <c>key: value</c> into <c>key:</c> followed by <c>  inner: value</c> on the next line.</summary>
    public bool WrapScalar(SourceEntry entry, SourceScalar value, string innerKey, int step, string path)
    {
        var colon = FindColon(entry);
        var valueText = Source.Text[value.Start..value.ContentEnd];
        if (colon < 0 || !Source.StartsLine(entry.Key.Start) || valueText.Contains('\n', StringComparison.Ordinal))
        {
            Problem(path, "cannot migrate automatically: unexpected layout of " + path);
            return false;
        }

        var indent = new string(' ', Source.Column(entry.Key.Start) + step);
        Edits.Add(new TextEdit(colon + 1, value.ContentEnd, Source.NewLine + indent + innerKey + ": " + valueText));
        return true;
    }

    /// <summary>
    /// How far this document indents a nested block mapping below its key: measured at the first
    /// such mapping under the root (usually metadata), two spaces when there is none.
    /// </summary>
    public int IndentStep(SourceEntry? preferred = null)
    {
        foreach (var entry in preferred is null ? Root.Entries : [preferred, .. Root.Entries])
        {
            if (entry.Value is SourceMapping { IsFlow: false, Entries.Count: > 0 } mapping
                && Source.StartsLine(entry.Key.Start)
                && Source.StartsLine(mapping.Entries[0].Key.Start))
            {
                var step = Source.Column(mapping.Entries[0].Key.Start) - Source.Column(entry.Key.Start);
                if (step > 0)
                {
                    return step;
                }
            }
        }

        return DefaultIndentStep;
    }

    /// <summary>Whether two nodes hold the same data (as SpoSerializer would read them).</summary>
    public static bool SameValue(SourceNode a, SourceNode b) => (a, b) switch
    {
        (SourceScalar x, SourceScalar y) when x.IsNull || y.IsNull => x.IsNull && y.IsNull,
        (SourceScalar x, SourceScalar y) when x.Boolean is not null || y.Boolean is not null => x.Boolean == y.Boolean,
        (SourceScalar x, SourceScalar y) => x.IsString == y.IsString && x.Value == y.Value,
        (SourceMapping x, SourceMapping y) => SameEntries(x, y),
        (SourceSequence x, SourceSequence y) => x.Items.Count == y.Items.Count && x.Items.Zip(y.Items).All(p => SameValue(p.First, p.Second)),
        _ => false,
    };

    /// <summary>How a value reads in a message: the scalar as written, or its kind of node.</summary>
    public string Describe(SourceNode node) => node switch
    {
        SourceScalar { IsNull: true } => "null",
        SourceScalar scalar when scalar.Style == ScalarStyle.Plain => scalar.Value,
        SourceScalar scalar => "\"" + scalar.Value + "\"",
        SourceMapping => "a mapping",
        SourceSequence => "a list",
        _ => "an alias",
    };

    private static IEnumerable<SourceScalar> BlockScalars(SourceNode node) => node switch
    {
        SourceScalar { Style: ScalarStyle.Literal or ScalarStyle.Folded } scalar => [scalar],
        SourceMapping mapping => mapping.Entries.SelectMany(e => BlockScalars(e.Key).Concat(BlockScalars(e.Value))),
        SourceSequence sequence => sequence.Items.SelectMany(BlockScalars),
        _ => [],
    };

    // By key, through a lookup so that large mappings compare in linear time; the first of duplicate keys counts, as in Find.
    private static bool SameEntries(SourceMapping x, SourceMapping y)
    {
        if (x.Entries.Count != y.Entries.Count)
        {
            return false;
        }

        var values = new Dictionary<string, SourceNode>(StringComparer.Ordinal);
        foreach (var entry in y.Entries)
        {
            if (entry.KeyScalar is { } key)
            {
                values.TryAdd(key.Value, entry.Value);
            }
        }

        return x.Entries.All(e => e.KeyScalar is { } key && values.TryGetValue(key.Value, out var other) && SameValue(e.Value, other));
    }

    private int FindColon(SourceEntry entry)
    {
        var text = Source.Text;
        var i = entry.Key.ContentEnd;
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }

        return i < text.Length && text[i] == ':' ? i : -1;
    }

    /// <summary>A scalar in the given style, falling back to double quotes where the style cannot hold the value.</summary>
    private static string FormatScalar(string value, ScalarStyle style) => style switch
    {
        ScalarStyle.SingleQuoted => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'",
        ScalarStyle.Plain when IsSafePlain(value) => value,
        _ => DoubleQuoted(value),
    };

    private static bool IsSafePlain(string value) =>
        SafePlainPattern().IsMatch(value) && value.ToLowerInvariant() is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n");

    private static string DoubleQuoted(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                '\n' => builder.Append("\\n"),
                '\t' => builder.Append("\\t"),
                _ when char.IsControl(c) => builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"').ToString();
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_./-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafePlainPattern();
}
