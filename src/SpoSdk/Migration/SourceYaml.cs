using SpoSdk.Api.Serialization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SpoSdk.Migration;

/// <summary>A YAML node with the character offsets of its source text, so edits can be made in place.</summary>
internal abstract class SourceNode
{
    protected SourceNode(int start)
    {
        Start = start;
    }

    /// <summary>Where the node's text starts, anchor and tag included.</summary>
    public int Start { get; }

    /// <summary>
    /// Where the node's own text ends: after a scalar's last non-blank character (after all of it for
    /// block scalars that keep trailing line breaks), after a flow collection's closing bracket, after a
    /// block collection's last child. Unlike the parser's end marks this never runs into the comments
    /// and blank lines that follow the node.
    /// </summary>
    public abstract int ContentEnd { get; }
}

/// <summary>A scalar: its value as parsed and how it was written.</summary>
internal sealed class SourceScalar : SourceNode
{
    private const string CoreTagPrefix = "tag:yaml.org,2002:";

    public SourceScalar(int start, int contentEnd, string value, ScalarStyle style, string? tag)
        : base(start)
    {
        ContentEnd = contentEnd;
        Value = value;
        Style = style;
        Tag = tag;
    }

    public override int ContentEnd { get; }

    public string Value { get; }

    public ScalarStyle Style { get; }

    /// <summary>The explicit tag, if any.</summary>
    public string? Tag { get; }

    /// <summary>Whether the scalar reads as null under the YAML 1.2 core schema (which is how SpoSerializer reads it).</summary>
    public bool IsNull =>
        Style == ScalarStyle.Plain
        && (Tag is null || Tag == CoreTagPrefix + "null")
        && Value is "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The boolean the scalar reads as under the YAML 1.2 core schema, or null when it is no boolean.</summary>
    public bool? Boolean =>
        Style != ScalarStyle.Plain || (Tag is not null && Tag != CoreTagPrefix + "bool")
            ? null
            : Value switch
            {
                "true" or "True" or "TRUE" => true,
                "false" or "False" or "FALSE" => false,
                _ => null,
            };

    /// <summary>Whether the scalar reads as a string (quoted, or plain and neither null nor boolean).</summary>
    public bool IsString => Style != ScalarStyle.Plain || Tag == CoreTagPrefix + "str" || (!IsNull && Boolean is null);
}

/// <summary>A mapping, block or flow style.</summary>
internal sealed class SourceMapping : SourceNode
{
    private int _flowEnd;

    public SourceMapping(int start, bool isFlow)
        : base(start)
    {
        IsFlow = isFlow;
    }

    public bool IsFlow { get; }

    public List<SourceEntry> Entries { get; } = [];

    public override int ContentEnd => IsFlow || Entries.Count == 0 ? _flowEnd : Entries[^1].Value.ContentEnd;

    /// <summary>The entry whose key is the scalar <paramref name="key"/>, if any.</summary>
    public SourceEntry? Find(string key) => Entries.Find(e => e.Key is SourceScalar scalar && scalar.Value == key);

    internal void Close(int end) => _flowEnd = end;
}

/// <summary>One key and its value.</summary>
internal sealed record SourceEntry(SourceNode Key, SourceNode Value)
{
    /// <summary>The key's scalar, or null for complex keys.</summary>
    public SourceScalar? KeyScalar => Key as SourceScalar;
}

/// <summary>A sequence, block or flow style.</summary>
internal sealed class SourceSequence : SourceNode
{
    private int _flowEnd;

    public SourceSequence(int start, bool isFlow)
        : base(start)
    {
        IsFlow = isFlow;
    }

    public bool IsFlow { get; }

    public List<SourceNode> Items { get; } = [];

    public override int ContentEnd => IsFlow || Items.Count == 0 ? _flowEnd : Items[^1].ContentEnd;

    internal void Close(int end) => _flowEnd = end;
}

/// <summary>An alias (<c>*name</c>).</summary>
internal sealed class SourceAlias : SourceNode
{
    public SourceAlias(int start, int end)
        : base(start)
    {
        ContentEnd = end;
    }

    public override int ContentEnd { get; }
}

/// <summary>One non-empty document of a stream, numbered from 1 as SpoSerializer numbers them.</summary>
internal sealed record SourceDocument(int Index, SourceNode? Root);

/// <summary>Builds <see cref="SourceNode"/> trees from YamlDotNet's parser events and their marks.</summary>
internal static class SourceYamlParser
{
    /// <summary>
    /// Parses every document; throws <see cref="YamlException"/> for invalid YAML (also where YamlDotNet itself throws
    /// framework exceptions) and for collections nested deeper than <see cref="YamlReadLimits.MaxDepth"/> of the default
    /// limits, which SpoSerializer (and so validate) refuses too: past it the parser's work grows with the square of the depth.
    /// </summary>
    public static IReadOnlyList<SourceDocument> Parse(string text)
    {
        var maxDepth = YamlReadLimits.Default.MaxDepth;
        using var reader = new StringReader(text);

        // YamlDotNet would read a byte order mark as part of the first scalar; marks then count from after it.
        var offset = 0;
        if (text.StartsWith('\uFEFF'))
        {
            reader.Read();
            offset = 1;
        }

        var scanner = new Scanner(reader, skipComments: true);
        var parser = new Parser(scanner);
        var documents = new List<SourceDocument>();
        var open = new Stack<(SourceNode Node, SourceNode? PendingKey)>();
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        SourceNode? root = null;
        var empty = false;

        while (MoveNext())
        {
            switch (parser.Current)
            {
                case DocumentStart:
                    root = null;
                    empty = false;
                    anchors.Clear();
                    break;
                case DocumentEnd:
                    if (!empty)
                    {
                        documents.Add(new SourceDocument(documents.Count + 1, root));
                    }

                    break;
                case Scalar scalar:
                    if (open.Count == 0 && scalar is { Style: ScalarStyle.Plain, Value.Length: 0, Tag.IsEmpty: true, Anchor.IsEmpty: true })
                    {
                        // The parser stands an empty plain scalar in for a document without content; SpoSerializer skips those.
                        empty = true;
                        break;
                    }

                    Remember(scalar.Anchor);
                    Attach(ScalarNode(text, scalar, offset));
                    break;
                case AnchorAlias alias:
                    // The parser leaves aliases unresolved; a moved anchor must still come before its aliases.
                    if (!anchors.Contains(alias.Value.Value))
                    {
                        throw new YamlException(alias.Start, alias.End, "alias *" + alias.Value.Value + " is used before its anchor");
                    }

                    Attach(new SourceAlias(Index(alias.Start, offset), Index(alias.End, offset)));
                    break;
                case MappingStart mapping:
                    TooDeep(mapping);
                    Remember(mapping.Anchor);
                    open.Push((new SourceMapping(Index(mapping.Start, offset), mapping.Style == MappingStyle.Flow), null));
                    break;
                case SequenceStart sequence:
                    TooDeep(sequence);
                    Remember(sequence.Anchor);
                    open.Push((new SourceSequence(Index(sequence.Start, offset), sequence.Style == SequenceStyle.Flow), null));
                    break;
                case MappingEnd or SequenceEnd:
                    {
                        var (node, _) = open.Pop();

                        // A flow collection's end mark sits on its closing bracket.
                        var end = Index(parser.Current.Start, offset) + 1;
                        if (node is SourceMapping map)
                        {
                            map.Close(end);
                        }
                        else
                        {
                            ((SourceSequence)node).Close(end);
                        }

                        Attach(node);
                        break;
                    }
            }
        }

        return documents;

        bool MoveNext()
        {
            try
            {
                return parser.MoveNext();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // As YamlJson does: YamlDotNet reports a few malformed inputs (tags that are not URIs, escapes of no
                // character) with framework exceptions; they are syntax errors all the same.
                throw new YamlException(scanner.CurrentPosition, scanner.CurrentPosition, "malformed YAML (" + e.Message + ")", e);
            }
        }

        void TooDeep(ParsingEvent start)
        {
            if (open.Count >= maxDepth)
            {
                throw new YamlException(start.Start, start.End, "mappings and sequences are nested more than " + maxDepth + " levels deep");
            }
        }

        void Remember(AnchorName anchor)
        {
            if (!anchor.IsEmpty)
            {
                anchors.Add(anchor.Value);
            }
        }

        void Attach(SourceNode node)
        {
            if (open.Count == 0)
            {
                root = node;
                return;
            }

            var (parent, pendingKey) = open.Pop();
            switch (parent)
            {
                case SourceMapping map when pendingKey is null:
                    open.Push((map, node));
                    return;
                case SourceMapping map:
                    map.Entries.Add(new SourceEntry(pendingKey, node));
                    break;
                case SourceSequence sequence:
                    sequence.Items.Add(node);
                    break;
            }

            open.Push((parent, null));
        }
    }

    private static SourceScalar ScalarNode(string text, Scalar scalar, int offset)
    {
        var start = Index(scalar.Start, offset);
        var end = Index(scalar.End, offset);
        if (scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded && !KeepsTrailingBreaks(text, start, end))
        {
            // A block scalar's end mark lies past the blank lines after it, which belong to whatever follows.
            while (end > start && text[end - 1] is ' ' or '\t' or '\r' or '\n')
            {
                end--;
            }
        }

        var tag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? null : scalar.Tag.Value;
        return new SourceScalar(start, end, scalar.Value, scalar.Style, tag);
    }

    // "|+" and ">+" make the trailing line breaks part of the value; the header is the rest of the first line.
    private static bool KeepsTrailingBreaks(string text, int start, int end)
    {
        var lineEnd = text.IndexOf('\n', start);
        var header = text.AsSpan(start, (lineEnd < 0 || lineEnd > end ? end : lineEnd) - start);
        var comment = header.IndexOf('#');
        return (comment < 0 ? header : header[..comment]).Contains('+');
    }

    private static int Index(Mark mark, int offset) => checked((int)mark.Index + offset);
}
