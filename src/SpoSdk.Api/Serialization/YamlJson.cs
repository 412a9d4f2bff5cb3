using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SpoSdk.Api.Serialization;

/// <summary>
/// Bounds on the work <see cref="YamlJson.ParseDocuments"/> does for one stream, so that hostile input fails
/// with a <see cref="YamlSyntaxException"/> instead of exhausting memory or the stack.
/// </summary>
public sealed record YamlReadLimits
{
    /// <summary>The limits used when none are given.</summary>
    public static YamlReadLimits Default { get; } = new();

    /// <summary>
    /// The most JSON nodes (objects, arrays and values) the whole stream may produce; default 1,000,000.
    /// Every use of an alias counts all the nodes it copies, which is what stops "billion laughs" alias bombs.
    /// </summary>
    public int MaxNodes
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 1_000_000;

    /// <summary>
    /// The deepest nesting of mappings and sequences allowed, the outermost counting as 1; default 256.
    /// It also bounds the recursion used to copy aliased nodes.
    /// </summary>
    public int MaxDepth
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 256;
}

/// <summary>
/// Converts YAML streams to <see cref="JsonNode"/> trees the way Kubernetes tooling reads manifests (YAML 1.2 core
/// schema scalars, strict mapping keys, anchors and merge keys expanded), and writes trees back as kubectl-style
/// block YAML.
/// </summary>
internal static partial class YamlJson
{
    private const string CoreTagPrefix = "tag:yaml.org,2002:";

    // No integer with more significant digits than this fits in a double in base 8, 10 or 16 (8^400 > 2^1024).
    private const int MaxIntegerDigits = 400;

    private const int IndentStep = 2;

    // YAML caps implicit ("key: value") keys at 1024 characters; longer keys need the explicit "? key" form.
    private const int MaxImplicitKeyLength = 1024;

    private const int MaxTextLengthInMessages = 80;

    private static readonly BigInteger MaxDecimal = new(decimal.MaxValue);

    // Words a reader could take for something other than a string: YAML 1.1 booleans and specials as well as
    // the 1.2 core schema's, compared case-insensitively, and the merge key.
    private static readonly FrozenSet<string> ReservedPlainWords = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf", ".nan", "<<");

    /// <summary>
    /// Reads every document of a YAML stream (JSON is accepted too, being YAML) into JSON nodes.
    /// </summary>
    /// <remarks>
    /// Empty documents (nothing but comments, or a stray <c>---</c>) are skipped and not counted, as kubectl
    /// does, so <see cref="YamlDocumentNode.Index"/> numbers only the documents returned. A document that is an
    /// explicit null (<c>--- null</c>) is returned with a <see langword="null"/> root.
    /// Plain scalars resolve by the YAML 1.2 core schema; integers beyond <see cref="long"/> become decimal or
    /// double numbers, and numbers JSON cannot hold (infinities, NaN, integers beyond double) stay strings.
    /// The tags <c>!!str</c>, <c>!!binary</c> and <c>!</c> force a string, <c>!!int</c>, <c>!!float</c>,
    /// <c>!!bool</c> and <c>!!null</c> force their type or fail; other tags are ignored.
    /// Mapping keys keep their source text, must be strings and must be unique, as in Kubernetes' strict
    /// decoding. Each alias becomes a deep copy of its anchored node; merge keys (<c>&lt;&lt;</c>) are expanded.
    /// </remarks>
    /// <param name="text">The YAML stream.</param>
    /// <param name="limits">Bounds on the work done; <see cref="YamlReadLimits.Default"/> when omitted.</param>
    /// <returns>The non-empty documents, in stream order.</returns>
    /// <exception cref="YamlSyntaxException">The stream is not valid YAML, cannot be represented as JSON, or exceeds <paramref name="limits"/>.</exception>
    public static IReadOnlyList<YamlDocumentNode> ParseDocuments(string text, YamlReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new StreamConverter(text, limits ?? YamlReadLimits.Default).Convert();
    }

    /// <summary>Writes one JSON tree as a kubectl-style block YAML document ending with a newline.</summary>
    /// <param name="node">The tree; <see langword="null"/> is written as <c>null</c>.</param>
    /// <returns>The YAML text.</returns>
    public static string ToYaml(JsonNode? node)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteYaml(writer, node);
        return writer.ToString();
    }

    /// <summary>Writes JSON trees as one YAML stream, the documents separated by <c>---</c> lines.</summary>
    /// <param name="documents">The trees, in order.</param>
    /// <returns>The YAML text; empty when there are no documents.</returns>
    public static string ToYamlStream(IEnumerable<JsonNode?> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var separate = false;
        foreach (var document in documents)
        {
            if (separate)
            {
                writer.Write("---\n");
            }

            WriteYaml(writer, document);
            separate = true;
        }

        return writer.ToString();
    }

    /// <summary>
    /// Writes one JSON tree as kubectl-style block YAML: properties in their existing order, nested mappings
    /// indented by two spaces, sequences at the indentation of their key, strings plain when that reads back as
    /// the same string and double-quoted or as literal blocks otherwise. Output always ends with a newline.
    /// </summary>
    /// <remarks>
    /// <see cref="ParseDocuments"/> reads the output back as an equal tree, numbers keeping their integer or
    /// floating-point kind, with two exceptions: NaN and infinities, which JSON cannot hold either, are written
    /// as <c>.nan</c> and <c>.inf</c> and read back as strings; lone surrogates are written as they are (YAML has
    /// no escape for them), so they survive only while the text stays UTF-16.
    /// </remarks>
    /// <param name="writer">Where to write.</param>
    /// <param name="node">The tree; <see langword="null"/> is written as <c>null</c>.</param>
    public static void WriteYaml(TextWriter writer, JsonNode? node)
    {
        ArgumentNullException.ThrowIfNull(writer);
        new BlockEmitter(writer).WriteDocument(node);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^0o[0-7]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex OctalInteger();

    [GeneratedRegex(@"^0x[0-9a-fA-F]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex HexInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex FloatNumber();

    private static JsonNode? ResolvePlain(string text)
    {
        if (IsNull(text))
        {
            return null;
        }

        if (TryReadBool(text, out var flag))
        {
            return JsonValue.Create(flag);
        }

        // Most plain scalars in manifests are words; only these can start a core-schema number.
        var mayBeNumber = text[0] is (>= '0' and <= '9') or '-' or '+' or '.';
        return mayBeNumber && (TryReadInteger(text, out var number) || TryReadFloat(text, out number))
            ? number
            : JsonValue.Create(text);
    }

    private static bool IsNull(string text) => text is "" or "~" or "null" or "Null" or "NULL";

    private static bool TryReadBool(string text, out bool value)
    {
        value = text is "true" or "True" or "TRUE";
        return value || text is "false" or "False" or "FALSE";
    }

    private static bool TryReadInteger(string text, [NotNullWhen(true)] out JsonNode? node)
    {
        if (DecimalInteger().IsMatch(text))
        {
            node = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? JsonValue.Create(value)
                : CreateLargeInteger(text.AsSpan(text[0] is '-' or '+' ? 1 : 0), 10, negative: text[0] == '-');
        }
        else if (OctalInteger().IsMatch(text) || HexInteger().IsMatch(text))
        {
            node = CreateLargeInteger(text.AsSpan(2), text[1] == 'x' ? 16 : 8, negative: false);
        }
        else
        {
            node = null;
        }

        return node is not null;
    }

    // Returns null when the value does not fit a finite double, which JSON numbers must.
    private static JsonNode? CreateLargeInteger(ReadOnlySpan<char> digits, int radix, bool negative)
    {
        digits = digits.TrimStart('0');
        if (digits.Length > MaxIntegerDigits)
        {
            return null;
        }

        var value = BigInteger.Zero;
        foreach (var digit in digits)
        {
            value = (value * radix) + (char.IsAsciiDigit(digit) ? digit - '0' : (digit | 0x20) - 'a' + 10);
        }

        value = negative ? -value : value;
        if (value >= long.MinValue && value <= long.MaxValue)
        {
            return JsonValue.Create((long)value);
        }

        if (BigInteger.Abs(value) <= MaxDecimal)
        {
            return JsonValue.Create((decimal)value);
        }

        // BigInteger's own conversion truncates; parsing the decimal text rounds to the nearest double.
        var approximation = double.Parse(value.ToString(CultureInfo.InvariantCulture), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return double.IsFinite(approximation) ? JsonValue.Create(approximation) : null;
    }

    private static bool TryReadFloat(string text, [NotNullWhen(true)] out JsonNode? node)
    {
        node = null;
        if (!FloatNumber().IsMatch(text))
        {
            return false;
        }

        // Overflow gives infinity, which JSON cannot hold.
        var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        node = double.IsFinite(value) ? JsonValue.Create(value) : null;
        return node is not null;
    }

    private static string? CoreTagName(TagName tag) =>
        !tag.IsEmpty && tag.Value.StartsWith(CoreTagPrefix, StringComparison.Ordinal) ? tag.Value[CoreTagPrefix.Length..] : null;

    private static string DescribeText(string text)
    {
        var shown = text.Length <= MaxTextLengthInMessages ? text : string.Concat(text.AsSpan(0, MaxTextLengthInMessages), "...");
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteDoubleQuoted(writer, shown);
        return writer.ToString();
    }

    private static int ToInt(long value) => (int)Math.Clamp(value, 0, int.MaxValue);

    private static bool IsPlainSafe(string text)
    {
        if (text.Length == 0 || !HasOnlySafeCharacters(text, allowLineFeed: false))
        {
            return false;
        }

        if (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]) || "-?:,[]{}#&*!|>'\"%@`".Contains(text[0]))
        {
            return false;
        }

        // "..." opens a document end marker at the start of a line; ": " and " #" split or end a plain scalar.
        return !LooksNumeric(text)
            && !text.StartsWith("...", StringComparison.Ordinal)
            && !text.EndsWith(':')
            && !text.Contains(": ", StringComparison.Ordinal)
            && !text.Contains(" #", StringComparison.Ordinal)
            && !ReservedPlainWords.Contains(text);
    }

    // Anything a core-schema (or YAML 1.1) reader might take for a number: a digit after an optional sign and dot.
    private static bool LooksNumeric(string text)
    {
        var rest = text.AsSpan();
        rest = rest[0] is '-' or '+' ? rest[1..] : rest;
        rest = rest.StartsWith('.') ? rest[1..] : rest;
        return !rest.IsEmpty && char.IsAsciiDigit(rest[0]);
    }

    private static bool IsLiteralBlockSafe(string text)
    {
        // Trailing spaces would be invisible (and stripped by editors); a text of only line breaks gives the
        // block no line to take its indentation from.
        return text.Contains('\n')
            && HasOnlySafeCharacters(text, allowLineFeed: true)
            && !text.Contains(" \n", StringComparison.Ordinal)
            && !text.EndsWith(' ')
            && !text.AsSpan().TrimStart('\n').IsEmpty;
    }

    private static bool HasOnlySafeCharacters(string text, bool allowLineFeed)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (!IsSafeCharacter(c) && !(allowLineFeed && c == '\n'))
            {
                return false;
            }
        }

        return true;
    }

    // Printable and unambiguous on its own: YamlDotNet treats U+2028 and U+2029 as line breaks, and the byte
    // order mark, non-characters and lone surrogates are not printable YAML.
    private static bool IsSafeCharacter(char c) =>
        !char.IsControl(c) && !char.IsSurrogate(c) && c is not ('\u2028' or '\u2029' or '\uFEFF' or '\uFFFE' or '\uFFFF');

    private static void WriteDoubleQuoted(TextWriter writer, string text)
    {
        writer.Write('"');
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",

                // Surrogates stay raw: pairs are ordinary characters, and YamlDotNet rejects an escaped lone one.
                _ when IsSafeCharacter(c) || char.IsSurrogate(c) => null,
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
            };
            if (escape is not null)
            {
                writer.Write(text.AsSpan(start, i - start));
                writer.Write(escape);
                start = i + 1;
            }
        }

        writer.Write(text.AsSpan(start));
        writer.Write('"');
    }

    /// <summary>An anchored node, with what is needed to charge and place its copies.</summary>
    /// <param name="Node">The node aliases copy.</param>
    /// <param name="KeyText">The scalar's source text, for aliases used as mapping keys; null for collections and nulls.</param>
    /// <param name="Size">How many nodes a copy charges (an upper bound when merge keys were involved).</param>
    /// <param name="Height">How many levels of collections the node spans (0 for a scalar).</param>
    /// <param name="IsOpen">The node is still being read, so an alias to it would be recursive.</param>
    private readonly record struct AnchoredNode(JsonNode? Node, string? KeyText, int Size, int Height, bool IsOpen = false);

    /// <summary>A mapping or sequence being read.</summary>
    private sealed class Frame(JsonNode container, AnchorName anchor, Mark start)
    {
        public JsonNode Container { get; } = container;

        public AnchorName Anchor { get; } = anchor;

        public Mark Start { get; } = start;

        /// <summary>The key whose value comes next; null while a mapping expects a key.</summary>
        public string? Key { get; set; }

        public bool KeyIsMerge { get; set; }

        public List<JsonObject>? MergeSources { get; set; }

        /// <summary>Where merged properties go: where the merge key stood among the explicit ones.</summary>
        public int MergeIndex { get; set; }

        public int Size { get; set; } = 1;

        public int Height { get; set; } = 1;

        public bool ExpectsKey => Container is JsonObject && Key is null;
    }

    /// <summary>Turns the parser's event stream into JSON documents without recursion.</summary>
    private sealed class StreamConverter
    {
        private const string ComplexKey = "complex mapping keys (a mapping or sequence used as a key) are not supported";
        private const string NonStringKey = "mapping key must be a string";

        private readonly Scanner _scanner;
        private readonly Parser _parser;
        private readonly YamlReadLimits _limits;
        private readonly List<YamlDocumentNode> _documents = [];
        private readonly Dictionary<string, AnchoredNode> _anchors = new(StringComparer.Ordinal);
        private readonly Stack<Frame> _open = new();
        private int _nodeCount;
        private JsonNode? _root;
        private Mark _rootStart;
        private bool _isEmptyDocument;

        public StreamConverter(string text, YamlReadLimits limits)
        {
            var reader = new StringReader(text);
            if (text.StartsWith('\uFEFF'))
            {
                reader.Read(); // A byte order mark may open the stream; YamlDotNet would make it part of the first scalar.
            }

            _scanner = new Scanner(reader, skipComments: true);
            _parser = new Parser(_scanner);
            _limits = limits;
        }

        public IReadOnlyList<YamlDocumentNode> Convert()
        {
            while (MoveNext())
            {
                switch (_parser.Current)
                {
                    case DocumentStart:
                        StartDocument();
                        break;
                    case DocumentEnd:
                        EndDocument();
                        break;
                    case Scalar scalar:
                        OnScalar(scalar);
                        break;
                    case AnchorAlias alias:
                        OnAlias(alias);
                        break;
                    case MappingStart mapping:
                        Open(new JsonObject(), mapping, "map");
                        break;
                    case SequenceStart sequence:
                        Open(new JsonArray(), sequence, "seq");
                        break;
                    case MappingEnd or SequenceEnd:
                        Close();
                        break;
                }
            }

            return _documents;
        }

        private bool MoveNext()
        {
            try
            {
                return _parser.MoveNext();
            }
            catch (YamlException e)
            {
                throw Error(e.Message, e.Start, e);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // YamlDotNet reports a few malformed inputs (tags that are not URIs, escaped lone surrogates)
                // with framework exceptions; they are syntax errors all the same.
                var message = e is ArgumentException { ParamName: { } name }
                    ? e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal)
                    : e.Message;
                throw Error($"malformed YAML ({message})", _scanner.CurrentPosition, e);
            }
        }

        private void StartDocument()
        {
            _anchors.Clear(); // Anchors are scoped to their document.
            _root = null;
            _isEmptyDocument = false;
        }

        private void EndDocument()
        {
            if (!_isEmptyDocument)
            {
                _documents.Add(new YamlDocumentNode(_root, _documents.Count + 1, ToInt(_rootStart.Line), ToInt(_rootStart.Column)));
            }
        }

        private void OnScalar(Scalar scalar)
        {
            if (_open.TryPeek(out var frame) && frame.ExpectsKey)
            {
                ReadKey(frame, scalar);
                return;
            }

            // The parser stands an empty plain scalar in for a document with no content.
            if (_open.Count == 0 && scalar is { Style: ScalarStyle.Plain, Value.Length: 0, Tag.IsEmpty: true, Anchor.IsEmpty: true })
            {
                _isEmptyDocument = true;
                return;
            }

            var node = ConvertScalar(scalar);
            Remember(scalar.Anchor, new AnchoredNode(node, node is null ? null : scalar.Value, Size: 1, Height: 0));
            Attach(node, size: 1, height: 0, scalar.Start);
        }

        private void ReadKey(Frame frame, Scalar scalar)
        {
            // Keys keep their source text ("0x1F" stays "0x1F"); converting still checks an explicit tag.
            var node = ConvertScalar(scalar);
            if (node is null)
            {
                throw Error(NonStringKey, scalar.Start);
            }

            Remember(scalar.Anchor, new AnchoredNode(node, scalar.Value, Size: 1, Height: 0));
            var isMerge = scalar is { Style: ScalarStyle.Plain, Value: "<<", Tag.IsEmpty: true };
            SetKey(frame, scalar.Value, isMerge, scalar.Start);
        }

        private void OnAlias(AnchorAlias alias)
        {
            var anchor = Resolve(alias);
            if (_open.TryPeek(out var frame) && frame.ExpectsKey)
            {
                if (anchor.KeyText is null)
                {
                    throw Error(anchor.Node is null ? NonStringKey : ComplexKey, alias.Start);
                }

                SetKey(frame, anchor.KeyText, isMerge: false, alias.Start);
                return;
            }

            if (_open.Count + anchor.Height > _limits.MaxDepth)
            {
                throw DepthError(alias.Start);
            }

            // Charged before copying, so an alias bomb fails before it allocates.
            Charge(anchor.Size, alias.Start);
            Attach(anchor.Node?.DeepClone(), anchor.Size, anchor.Height, alias.Start);
        }

        private AnchoredNode Resolve(AnchorAlias alias)
        {
            var name = alias.Value.Value;
            if (!_anchors.TryGetValue(name, out var anchor))
            {
                throw Error($"alias *{name} has no anchor &{name} before it in this document", alias.Start);
            }

            return anchor.IsOpen
                ? throw Error($"alias *{name} refers to a node that contains it; recursive structures cannot be represented as JSON", alias.Start)
                : anchor;
        }

        private void Open(JsonNode container, NodeEvent start, string kind)
        {
            if (_open.TryPeek(out var parent) && parent.ExpectsKey)
            {
                throw Error(ComplexKey, start.Start);
            }

            if (_open.Count >= _limits.MaxDepth)
            {
                throw DepthError(start.Start);
            }

            var tag = CoreTagName(start.Tag);
            if (tag is "str" or "binary" or "null" or "bool" or "int" or "float" or "map" or "seq" && tag != kind)
            {
                throw Error($"a {(kind == "map" ? "mapping" : "sequence")} cannot be read as !!{tag}", start.Start);
            }

            Charge(1, start.Start);
            if (!start.Anchor.IsEmpty)
            {
                _anchors[start.Anchor.Value] = new AnchoredNode(null, null, 0, 0, IsOpen: true);
            }

            _open.Push(new Frame(container, start.Anchor, start.Start));
        }

        private void Close()
        {
            var frame = _open.Pop();
            if (frame.MergeSources is { } sources)
            {
                Merge((JsonObject)frame.Container, sources, frame.MergeIndex);
            }

            Remember(frame.Anchor, new AnchoredNode(frame.Container, null, frame.Size, frame.Height));
            Attach(frame.Container, frame.Size, frame.Height, frame.Start);
        }

        private void SetKey(Frame frame, string key, bool isMerge, Mark start)
        {
            var isDuplicate = isMerge ? frame.MergeSources is not null : ((JsonObject)frame.Container).ContainsKey(key);
            if (isDuplicate)
            {
                throw Error($"duplicate mapping key {DescribeText(key)}", start);
            }

            frame.Key = key;
            frame.KeyIsMerge = isMerge;
        }

        private void Attach(JsonNode? node, int size, int height, Mark start)
        {
            if (!_open.TryPeek(out var frame))
            {
                _root = node;
                _rootStart = start;
                return;
            }

            frame.Size += size;
            frame.Height = Math.Max(frame.Height, height + 1);
            switch (frame.Container)
            {
                case JsonArray array:
                    array.Add(node);
                    break;
                case JsonObject mapping when frame.KeyIsMerge:
                    frame.MergeSources = MergeSources(node, start);
                    frame.MergeIndex = mapping.Count;
                    Charge(size, start); // Merging copies the properties once more.
                    break;
                case JsonObject mapping:
                    mapping.Add(frame.Key!, node);
                    break;
            }

            frame.Key = null;
            frame.KeyIsMerge = false;
        }

        private List<JsonObject> MergeSources(JsonNode? value, Mark start) => value switch
        {
            JsonObject mapping => [mapping],
            JsonArray sequence when sequence.All(item => item is JsonObject) => [.. sequence.Cast<JsonObject>()],
            _ => throw Error("the merge key << needs a mapping or a sequence of mappings", start),
        };

        private static void Merge(JsonObject target, List<JsonObject> sources, int index)
        {
            foreach (var source in sources)
            {
                foreach (var (key, value) in source)
                {
                    // Explicit keys, then earlier sources, win. Copies, because an anchor may still refer to the source.
                    if (!target.ContainsKey(key))
                    {
                        target.Insert(index++, key, value?.DeepClone());
                    }
                }
            }
        }

        private JsonNode? ConvertScalar(Scalar scalar)
        {
            Charge(1, scalar.Start);
            var text = scalar.Value;
            var tag = CoreTagName(scalar.Tag);
            switch (tag)
            {
                case "str" or "binary":
                    return JsonValue.Create(text);
                case "null" when IsNull(text):
                    return null;
                case "bool" when TryReadBool(text, out var flag):
                    return JsonValue.Create(flag);
                case "int" when TryReadInteger(text, out var integer):
                    return integer;
                case "float" when TryReadFloat(text, out var number):
                    return number;
                case "null" or "bool" or "int" or "float" or "map" or "seq":
                    throw Error($"{DescribeText(text)} cannot be read as !!{tag}", scalar.Start);
                default:
                    // Quoted and block scalars are strings, and so are plain ones under the non-specific tag "!".
                    return scalar.Style == ScalarStyle.Plain && !scalar.Tag.IsNonSpecific ? ResolvePlain(text) : JsonValue.Create(text);
            }
        }

        private void Remember(AnchorName name, AnchoredNode anchor)
        {
            if (!name.IsEmpty)
            {
                _anchors[name.Value] = anchor;
            }
        }

        private void Charge(int nodes, Mark start)
        {
            if (nodes > _limits.MaxNodes - _nodeCount)
            {
                throw Error($"the stream expands to more than {_limits.MaxNodes} nodes (each use of an alias counts the nodes it copies)", start);
            }

            _nodeCount += nodes;
        }

        private YamlSyntaxException DepthError(Mark start) =>
            Error($"mappings and sequences are nested more than {_limits.MaxDepth} levels deep", start);

        private YamlSyntaxException Error(string reason, Mark start, Exception? inner = null) =>
            new(reason, ToInt(start.Line), ToInt(start.Column), _documents.Count + 1, inner);
    }

    /// <summary>Writes kubectl-style block YAML.</summary>
    private sealed class BlockEmitter(TextWriter writer)
    {
        private const string Spaces = "                                ";

        public void WriteDocument(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject { Count: > 0 } mapping:
                    WriteMapping(mapping, indent: 0, continuesLine: false);
                    break;
                case JsonArray { Count: > 0 } sequence:
                    WriteSequence(sequence, indent: 0, continuesLine: false);
                    break;
                default:
                    WriteScalarLine(node, ownerIndent: 0, allowBlock: false);
                    break;
            }
        }

        // continuesLine: the first entry goes on the current line, after a sequence item's "- ".
        private void WriteMapping(JsonObject mapping, int indent, bool continuesLine)
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            foreach (var (key, value) in mapping)
            {
                if (!continuesLine)
                {
                    WriteIndent(indent);
                }

                continuesLine = false;
                WriteKey(key, indent);
                switch (value)
                {
                    case JsonObject { Count: > 0 } child:
                        writer.Write('\n');
                        WriteMapping(child, indent + IndentStep, continuesLine: false);
                        break;
                    case JsonArray { Count: > 0 } child:
                        writer.Write('\n');
                        WriteSequence(child, indent, continuesLine: false); // kubectl puts "- " level with the key.
                        break;
                    default:
                        writer.Write(' ');
                        WriteScalarLine(value, indent, allowBlock: true);
                        break;
                }
            }
        }

        private void WriteSequence(JsonArray sequence, int indent, bool continuesLine)
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            foreach (var item in sequence)
            {
                if (!continuesLine)
                {
                    WriteIndent(indent);
                }

                continuesLine = false;
                writer.Write("- ");
                switch (item)
                {
                    case JsonObject { Count: > 0 } child:
                        WriteMapping(child, indent + IndentStep, continuesLine: true);
                        break;
                    case JsonArray { Count: > 0 } child:
                        WriteSequence(child, indent + IndentStep, continuesLine: true);
                        break;
                    default:
                        WriteScalarLine(item, indent, allowBlock: true);
                        break;
                }
            }
        }

        private void WriteKey(string key, int indent)
        {
            var text = key;
            if (!IsPlainSafe(key))
            {
                using var quoted = new StringWriter(CultureInfo.InvariantCulture);
                WriteDoubleQuoted(quoted, key);
                text = quoted.ToString();
            }

            if (text.Length > MaxImplicitKeyLength)
            {
                writer.Write("? ");
                writer.Write(text);
                writer.Write('\n');
                WriteIndent(indent);
            }
            else
            {
                writer.Write(text);
            }

            writer.Write(':');
        }

        // ownerIndent: the indentation of the key or "- " the scalar belongs to; block content goes one step deeper.
        private void WriteScalarLine(JsonNode? node, int ownerIndent, bool allowBlock)
        {
            switch (node)
            {
                case null:
                    writer.Write("null");
                    break;
                case JsonObject:
                    writer.Write("{}");
                    break;
                case JsonArray:
                    writer.Write("[]");
                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    var text = value.TryGetValue(out string? direct) ? direct : (string)JsonNode.Parse(value.ToJsonString())!;
                    if (allowBlock && !IsPlainSafe(text) && IsLiteralBlockSafe(text))
                    {
                        WriteLiteralBlock(text, ownerIndent + IndentStep);
                        return; // The block ends its own last line.
                    }

                    WriteInlineString(text);
                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                    writer.Write(FormatNumber(value));
                    break;
                default:
                    // Booleans, and whatever else a value wraps, are valid YAML as their JSON text.
                    writer.Write(node.ToJsonString());
                    break;
            }

            writer.Write('\n');
        }

        private void WriteInlineString(string text)
        {
            if (IsPlainSafe(text))
            {
                writer.Write(text);
            }
            else
            {
                WriteDoubleQuoted(writer, text);
            }
        }

        private void WriteLiteralBlock(string text, int indent)
        {
            var body = text.AsSpan().TrimEnd('\n');
            var trailingLineBreaks = text.Length - body.Length;

            writer.Write('|');
            if (text.AsSpan().TrimStart('\n')[0] == ' ')
            {
                // Otherwise the reader would take the leading spaces for indentation.
                writer.Write((char)('0' + IndentStep));
            }

            writer.Write(trailingLineBreaks switch { 0 => "-", 1 => "", _ => "+" });
            writer.Write('\n');
            foreach (var range in body.Split('\n'))
            {
                var line = body[range];
                if (!line.IsEmpty)
                {
                    WriteIndent(indent);
                    writer.Write(line);
                }

                writer.Write('\n');
            }

            // "|+" keeps line breaks beyond the one ending the last line: write them as empty lines.
            for (var i = 1; i < trailingLineBreaks; i++)
            {
                writer.Write('\n');
            }
        }

        private static string FormatNumber(JsonValue value)
        {
            // Numbers parsed from JSON keep their text. CLR floating-point values get a decimal point if they lack
            // one, so that 1.0 reads back as a float, not an integer.
            if (!value.TryGetValue(out JsonElement _))
            {
                if (value.TryGetValue(out double number))
                {
                    return FormatFloatingPoint(number, number.ToString("R", CultureInfo.InvariantCulture));
                }

                if (value.TryGetValue(out float single))
                {
                    return FormatFloatingPoint(single, single.ToString("R", CultureInfo.InvariantCulture));
                }
            }

            return value.ToJsonString();
        }

        private static string FormatFloatingPoint(double value, string shortest) => value switch
        {
            double.NaN => ".nan",
            double.PositiveInfinity => ".inf",
            double.NegativeInfinity => "-.inf",
            _ when shortest.AsSpan().IndexOfAny('.', 'E', 'e') >= 0 => shortest,
            _ => shortest + ".0",
        };

        private void WriteIndent(int width)
        {
            for (; width > Spaces.Length; width -= Spaces.Length)
            {
                writer.Write(Spaces);
            }

            writer.Write(Spaces.AsSpan(0, width));
        }
    }
}
