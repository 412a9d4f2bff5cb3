using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using SpoSdk.Generators.Diagnostics;
using SpoSdk.Generators.Infrastructure;
using SpoSdk.Generators.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SpoSdk.Generators.Parsing;

/// <summary>
/// Reads CustomResourceDefinitions and type-names files from YAML text into value-equatable
/// models. Never throws: every problem becomes a diagnostic with a location in the file.
/// </summary>
internal sealed class CrdReader
{
    public const string TypeNamesKind = "SpoSdkTypeNames";

    public const string ConversionRulesKind = "SpoSdkConversionRules";

    // Deeper or larger schemas than this are not CRDs anyone writes; the limits keep a hostile file
    // (aliases make cycles and exponential trees) from hanging or crashing the compiler.
    private const int MaxSchemaDepth = 64;
    private const int MaxSchemaNodes = 100_000;

    private readonly string _path;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly List<CrdDefinition> _definitions = new();
    private readonly List<TypeNameOverride> _typeNames = new();
    private readonly List<ConversionRule> _conversionRules = new();
    private string _context = string.Empty;
    private int _schemaBudget;

    // Every node of the definition's schemas so far, by reference: an alias is the anchored node met again.
    private HashSet<YamlNode> _schemaNodes = new(ReferenceComparer.Instance);

    private CrdReader(string path)
    {
        _path = path;
    }

    public static CrdFile Read(string path, string? text)
    {
        var reader = new CrdReader(path);
        reader.ReadStream(text ?? string.Empty);
        return new CrdFile(path, reader._definitions.ToEquatableArray(), reader._diagnostics.ToEquatableArray())
        {
            TypeNames = reader._typeNames.ToEquatableArray(),
            ConversionRules = reader._conversionRules.ToEquatableArray(),
        };
    }

    private void ReadStream(string text)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.InvalidYaml, _path, Span(ex.Start, ex.End), Path.GetFileName(_path), ex.Message));
            return;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner throws these instead of a YamlException for some broken input (an unclosed
            // flow sequence such as "plural: [widgets", an escape of no character such as "\UFFFFFFFF", a tag
            // that is no URI such as "!<>"); the last event parsed is the closest known position.
            var span = parser.Current is { } last ? Span(last.Start, last.End) : SourceSpan.None;
            _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.InvalidYaml, _path, span, Path.GetFileName(_path), ex.Message));
            return;
        }

        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root)
            {
                continue;
            }

            var kind = Scalar(root, "kind");
            if (kind == "CustomResourceDefinition")
            {
                ReadDefinition(root);
            }
            else if (kind == TypeNamesKind)
            {
                ReadTypeNames(root);
            }
            else if (kind == ConversionRulesKind)
            {
                ReadConversionRules(root);
            }
        }
    }

    private void ReadDefinition(YamlMappingNode root)
    {
        var name = Scalar(Child<YamlMappingNode>(root, "metadata"), "name") ?? "(unnamed)";
        _context = name;
        _schemaBudget = MaxSchemaNodes;
        _schemaNodes = new HashSet<YamlNode>(ReferenceComparer.Instance);
        var spec = Child<YamlMappingNode>(root, "spec");
        if (spec is null)
        {
            Malformed(root, "spec is missing");
            return;
        }

        var names = Child<YamlMappingNode>(spec, "names");
        var group = Scalar(spec, "group");
        var kind = names is null ? null : Scalar(names, "kind");
        var plural = names is null ? null : Scalar(names, "plural");
        if (group is null || kind is null || plural is null)
        {
            Malformed((YamlNode?)names ?? spec, "spec.group, spec.names.kind and spec.names.plural are required");
            return;
        }

        if (!Identifiers.IsValidTypeName(kind))
        {
            Malformed(names!, "spec.names.kind '" + kind + "' is not a valid C# type name");
            return;
        }

        // The list type is generated under this name too.
        var listKind = Scalar(names!, "listKind") ?? kind + "List";
        if (!Identifiers.IsValidTypeName(listKind))
        {
            Malformed(names!, "spec.names.listKind '" + listKind + "' is not a valid C# type name");
            return;
        }

        var versions = new List<CrdVersion>();
        var versionNodes = Child<YamlSequenceNode>(spec, "versions");
        if (versionNodes is null || versionNodes.Children.Count == 0)
        {
            Malformed(spec, "spec.versions must list at least one version");
            return;
        }

        var rejected = false;
        foreach (var versionNode in versionNodes.Children)
        {
            if (ReadVersion(versionNode) is not { } version)
            {
                rejected = true;
            }
            else if (versions.Any(v => string.Equals(v.Name, version.Name, StringComparison.OrdinalIgnoreCase)))
            {
                // The API server refuses a repeated version; here both would be one namespace and one generated file.
                Malformed(versionNode, "version " + version.Name + " is listed twice");
                rejected = true;
            }
            else
            {
                versions.Add(version);
            }
        }

        // A rejected version has its own error; which one was meant to be the storage version is unknown.
        if (!rejected && versions.Count(v => v.Storage) != 1)
        {
            Malformed(versionNodes, "exactly one version must have storage: true");
        }

        var scope = Scalar(spec, "scope");
        if (scope != "Namespaced" && scope != "Cluster")
        {
            Malformed(spec, "spec.scope must be Namespaced or Cluster");
            return;
        }

        var shortNames = Child<YamlSequenceNode>(names!, "shortNames")?.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToEquatableArray()
            ?? EquatableArray<string>.Empty;
        _definitions.Add(new CrdDefinition(
            name,
            group,
            kind,
            listKind,
            plural,
            Scalar(names!, "singular") ?? kind.ToLowerInvariant(),
            shortNames,
            scope == "Namespaced",
            versions.ToEquatableArray(),
            Span(root)));
    }

    private CrdVersion? ReadVersion(YamlNode node)
    {
        if (node is not YamlMappingNode version || Scalar(version, "name") is not { } name)
        {
            Malformed(node, "every version needs a name");
            return null;
        }

        if (!Identifiers.IsValidVersion(name))
        {
            Malformed(version, "version name '" + name + "' must look like v1, v1beta1 or v1alpha2");
            return null;
        }

        var schemaNode = Child<YamlMappingNode>(Child<YamlMappingNode>(version, "schema"), "openAPIV3Schema");
        if (schemaNode is null)
        {
            Malformed(version, "version " + name + " has no schema.openAPIV3Schema");
            return null;
        }

        // Aliases repeat a subtree (exponentially, nested) at the cost of a few characters, and every copy comes out
        // as C#: a 2 KB CRD once made 700 MB. controller-gen never writes them, so a schema has none.
        if (FirstRepeatedNode(schemaNode) is { } repeated)
        {
            Malformed(repeated, "version " + name + ": openAPIV3Schema uses a YAML alias" + (repeated.Anchor.IsEmpty ? string.Empty : " (*" + repeated.Anchor.Value + ")") + "; write the schema out without anchors and aliases");
            return null;
        }

        var columns = Child<YamlSequenceNode>(version, "additionalPrinterColumns")?.Children.OfType<YamlMappingNode>()
            .Select(c => new PrinterColumn(
                Scalar(c, "name") ?? string.Empty,
                Scalar(c, "type") ?? string.Empty,
                Scalar(c, "jsonPath") ?? string.Empty,
                int.TryParse(Scalar(c, "priority"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : 0))
            .ToEquatableArray() ?? EquatableArray<PrinterColumn>.Empty;

        return new CrdVersion(
            name,
            Scalar(version, "served") == "true",
            Scalar(version, "storage") == "true",
            Child<YamlMappingNode>(Child<YamlMappingNode>(version, "subresources"), "status") is not null,
            columns,
            ReadSchema(schemaNode, depth: 0, "$"),
            Span(version));
    }

    /// <summary>The first node of <paramref name="schema"/> met a second time in this definition's schemas (through an alias), or null.</summary>
    private YamlNode? FirstRepeatedNode(YamlNode schema)
    {
        // Iterative: a schema may nest deeper than the stack allows recursion.
        var pending = new Stack<YamlNode>();
        pending.Push(schema);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (!_schemaNodes.Add(node))
            {
                return node;
            }

            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var entry in mapping.Children)
                    {
                        pending.Push(entry.Value);
                        pending.Push(entry.Key);
                    }

                    break;
                case YamlSequenceNode sequence:
                    for (var i = sequence.Children.Count - 1; i >= 0; i--)
                    {
                        pending.Push(sequence.Children[i]);
                    }

                    break;
            }
        }

        return null;
    }

    private SchemaNode ReadSchema(YamlMappingNode node, int depth, string jsonPath)
    {
        if (depth > MaxSchemaDepth || --_schemaBudget < 0)
        {
            // Report once per definition: past the budget every remaining node would say the same.
            if (_schemaBudget >= -1)
            {
                _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.UnsupportedSchema, _path, Span(node), _context, jsonPath, depth > MaxSchemaDepth ? "the schema nests deeper than " + MaxSchemaDepth + " levels (a recursive alias?)" : "the schema has more than " + MaxSchemaNodes + " nodes (recursive aliases?)"));
            }

            _schemaBudget = Math.Min(_schemaBudget, -2);
            return new SchemaNode { Span = Span(node), PreserveUnknownFields = true };
        }

        var properties = new List<SchemaProperty>();
        if (Child<YamlMappingNode>(node, "properties") is { } props)
        {
            foreach (var entry in props.Children)
            {
                if (entry.Key is YamlScalarNode key && entry.Value is YamlMappingNode value)
                {
                    properties.Add(new SchemaProperty(key.Value ?? string.Empty, ReadSchema(value, depth + 1, jsonPath + ".properties." + key.Value)));
                }
                else
                {
                    Malformed(entry.Value, "property schemas must be mappings keyed by name at " + jsonPath);
                }
            }
        }

        SchemaNode? items = null;
        if (Child<YamlMappingNode>(node, "items") is { } itemsNode)
        {
            items = ReadSchema(itemsNode, depth + 1, jsonPath + ".items");
        }

        SchemaNode? additional = null;
        if (Child<YamlMappingNode>(node, "additionalProperties") is { } additionalNode)
        {
            additional = ReadSchema(additionalNode, depth + 1, jsonPath + ".additionalProperties");
        }

        var intOrString = Scalar(node, "x-kubernetes-int-or-string") == "true";
        string? defaultJson = null;
        if (node.Children.TryGetValue(new YamlScalarNode("default"), out var defaultNode))
        {
            defaultJson = YamlToJson.Convert(defaultNode);
            if (defaultJson is null)
            {
                _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.UnsupportedSchema, _path, Span(defaultNode), _context, jsonPath + ".default", "the default is recursive or too large; it is not applied"));
            }
        }

        var pattern = Scalar(node, "pattern");
        if (pattern is not null && PatternError(pattern) is { } patternError)
        {
            _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.InvalidPattern, _path, Span(node), _context, jsonPath, pattern, patternError));
            pattern = null;
        }

        return new SchemaNode
        {
            Description = Scalar(node, "description"),
            Type = Scalar(node, "type"),
            Format = Scalar(node, "format"),
            Enum = Child<YamlSequenceNode>(node, "enum")?.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToEquatableArray() ?? EquatableArray<string>.Empty,
            DefaultJson = defaultJson,
            Pattern = pattern,
            MinLength = Long(node, "minLength"),
            MaxLength = Long(node, "maxLength"),
            Minimum = Bound(node, "minimum", jsonPath),
            Maximum = Bound(node, "maximum", jsonPath),
            ExclusiveMinimum = Scalar(node, "exclusiveMinimum") == "true",
            ExclusiveMaximum = Scalar(node, "exclusiveMaximum") == "true",
            MinItems = Long(node, "minItems"),
            MaxItems = Long(node, "maxItems"),
            MinProperties = Long(node, "minProperties"),
            MaxProperties = Long(node, "maxProperties"),
            Nullable = Scalar(node, "nullable") == "true",
            Properties = properties.ToEquatableArray(),
            Required = Child<YamlSequenceNode>(node, "required")?.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToEquatableArray() ?? EquatableArray<string>.Empty,
            Items = items,
            AdditionalProperties = additional,
            IntOrString = intOrString,
            AnyOf = Child<YamlSequenceNode>(node, "anyOf") is not null,
            PreserveUnknownFields = Scalar(node, "x-kubernetes-preserve-unknown-fields") == "true",
            EmbeddedResource = Scalar(node, "x-kubernetes-embedded-resource") == "true",
            ListType = Scalar(node, "x-kubernetes-list-type"),
            ListMapKeys = Child<YamlSequenceNode>(node, "x-kubernetes-list-map-keys")?.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToEquatableArray() ?? EquatableArray<string>.Empty,
            MapType = Scalar(node, "x-kubernetes-map-type"),
            Span = Span(node),
        };
    }

    private void ReadTypeNames(YamlMappingNode root)
    {
        _context = "type names";
        if (Child<YamlMappingNode>(root, "typeNames") is not { } kinds)
        {
            _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.InvalidTypeNames, _path, Span(root), "expected a 'typeNames' mapping of kind to (schema path to type name)"));
            return;
        }

        foreach (var kindEntry in kinds.Children)
        {
            if (kindEntry.Key is not YamlScalarNode kind || kindEntry.Value is not YamlMappingNode paths)
            {
                _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.InvalidTypeNames, _path, Span(kindEntry.Key), "each kind must map schema paths to type names"));
                continue;
            }

            foreach (var pathEntry in paths.Children)
            {
                var path = (pathEntry.Key as YamlScalarNode)?.Value;
                var typeName = (pathEntry.Value as YamlScalarNode)?.Value;
                if (path is null || typeName is null || !Identifiers.IsValidTypeName(typeName))
                {
                    _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.InvalidTypeNames, _path, Span(pathEntry.Value), "'" + typeName + "' is not a valid C# type name"));
                    continue;
                }

                _typeNames.Add(new TypeNameOverride(kind.Value ?? string.Empty, path, typeName));
            }
        }
    }

    private void ReadConversionRules(YamlMappingNode root)
    {
        if (Child<YamlMappingNode>(root, "conversions") is not { } kinds)
        {
            RuleError(root, "expected a 'conversions' mapping of kind to legacy version to rules");
            return;
        }

        foreach (var kindEntry in kinds.Children)
        {
            if (kindEntry.Key is not YamlScalarNode { Value: { } kind } || kindEntry.Value is not YamlMappingNode versions)
            {
                RuleError(kindEntry.Key, "each kind must map legacy versions to rules");
                continue;
            }

            foreach (var versionEntry in versions.Children)
            {
                if (versionEntry.Key is not YamlScalarNode { Value: { } version } || versionEntry.Value is not YamlMappingNode rules)
                {
                    RuleError(versionEntry.Key, "each version must map to rules (enums, hubOnly, spokeOnly)");
                    continue;
                }

                var enums = new List<EnumRule>();
                if (Child<YamlMappingNode>(rules, "enums") is { } enumRules)
                {
                    foreach (var enumEntry in enumRules.Children)
                    {
                        if (enumEntry.Key is YamlScalarNode { Value: { } path } && enumEntry.Value is YamlMappingNode defaults)
                        {
                            enums.Add(new EnumRule(path, Scalar(defaults, "emptySpokeToHub"), Scalar(defaults, "emptyHubToSpoke"), Span(enumEntry.Key)));
                        }
                        else
                        {
                            RuleError(enumEntry.Key, "an enum rule maps a schema path to {emptySpokeToHub, emptyHubToSpoke}");
                        }
                    }
                }

                _conversionRules.Add(new ConversionRule(kind, version, enums.ToEquatableArray(), Paths(rules, "hubOnly"), Paths(rules, "spokeOnly"), _path, Span(versionEntry.Key)));
            }
        }

        EquatableArray<PathRule> Paths(YamlMappingNode rules, string key) =>
            Child<YamlSequenceNode>(rules, key)?.Children.OfType<YamlScalarNode>().Select(p => new PathRule(p.Value ?? string.Empty, Span(p))).ToEquatableArray()
            ?? EquatableArray<PathRule>.Empty;
    }

    private void RuleError(YamlNode node, string message) =>
        _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.InvalidConversionRule, _path, Span(node), message));

    private static string? PatternError(string pattern)
    {
        try
        {
            // As SchemaValidationContext.CreatePattern compiles it: a pattern .NET reads but whose translation
            // it cannot would otherwise throw in the generated type's initializer.
            _ = new System.Text.RegularExpressions.Regex(SpoSdk.Api.Schema.GoPatternTranslation.FromGoSyntax(pattern), System.Text.RegularExpressions.RegexOptions.CultureInvariant);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    private void Malformed(YamlNode node, string message) =>
        _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.MalformedCrd, _path, Span(node), _context, message));

    private static T? Child<T>(YamlMappingNode? node, string key)
        where T : YamlNode =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child as T : null;

    private static string? Scalar(YamlMappingNode? node, string key) => Child<YamlScalarNode>(node, key)?.Value;

    private static long? Long(YamlMappingNode node, string key) =>
        long.TryParse(Scalar(node, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A minimum or maximum: a finite number, or null (and SPO1002) for what C# cannot spell as a literal.</summary>
    private double? Bound(YamlMappingNode node, string key, string jsonPath)
    {
        if (Child<YamlScalarNode>(node, key) is not { } scalar || scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        // NaN, Infinity and 1e400 parse (as NaN and infinities): the API server refuses them, and their literals would not compile.
        if (double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && !double.IsNaN(value) && !double.IsInfinity(value))
        {
            return value;
        }

        Malformed(scalar, key + " '" + scalar.Value + "' at " + jsonPath + " is not a finite number; it is not enforced");
        return null;
    }

    private static SourceSpan Span(YamlNode node) => Span(node.Start, node.End);

    private static SourceSpan Span(Mark start, Mark end)
    {
        var startIndex = (int)Math.Max(0, start.Index);
        var endIndex = (int)Math.Max(startIndex, end.Index);
        return new SourceSpan(
            startIndex,
            endIndex - startIndex,
            (int)Math.Max(0, start.Line - 1),
            (int)Math.Max(0, start.Column - 1),
            (int)Math.Max(0, end.Line - 1),
            (int)Math.Max(0, end.Column - 1));
    }

    /// <summary>Nodes by identity: YamlNode's own equality compares (and hashes) whole subtrees.</summary>
    private sealed class ReferenceComparer : IEqualityComparer<YamlNode>
    {
        public static readonly ReferenceComparer Instance = new();

        public bool Equals(YamlNode? x, YamlNode? y) => ReferenceEquals(x, y);

        public int GetHashCode(YamlNode obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}
