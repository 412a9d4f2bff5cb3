using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SpoSdk.Api.Tests.Crds;

/// <summary>
/// Checks that the project's own CRDs in <c>crds/</c> have exactly the schema structure of the upstream
/// Security Profiles Operator CRDs in <c>../shared/upstream/crds</c>. Descriptions and metadata other than
/// <c>metadata.name</c> are free to differ; everything else (names, versions, printer columns, types,
/// formats, enums, defaults, validations and x-kubernetes-* markers) must match.
/// </summary>
public sealed class CrdEquivalenceTests
{
    private const string CrdKind = "CustomResourceDefinition";
    private const string DescriptionKey = "description";
    private const string RequiredKey = "required";
    private const string PropertiesKey = "properties";
    private const int ExpectedCrdCount = 8;

    private static readonly Regex SimpleKey = new("^[A-Za-z0-9_$@-]+$", RegexOptions.CultureInvariant);
    private static readonly Regex CoreNull = new("^(~|null|Null|NULL|)$", RegexOptions.CultureInvariant);
    private static readonly Regex CoreBool = new("^(true|True|TRUE|false|False|FALSE)$", RegexOptions.CultureInvariant);
    private static readonly Regex CoreDecimalInt = new("^[-+]?[0-9]+$", RegexOptions.CultureInvariant);
    private static readonly Regex CoreOctalInt = new("^0o[0-7]+$", RegexOptions.CultureInvariant);
    private static readonly Regex CoreHexInt = new("^0x[0-9a-fA-F]+$", RegexOptions.CultureInvariant);
    private static readonly Regex CoreFloat = new(
        @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant);
    private static readonly Regex CoreInfinity = new(@"^[-+]?\.(inf|Inf|INF)$", RegexOptions.CultureInvariant);
    private static readonly Regex CoreNaN = new(@"^\.(nan|NaN|NAN)$", RegexOptions.CultureInvariant);

    private readonly ITestOutputHelper _output;

    /// <summary>Creates the test class with xunit's per-test output sink.</summary>
    /// <param name="output">Receives the skip notice when the upstream folder is absent.</param>
    public CrdEquivalenceTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>
    /// Every upstream CRD has a structurally identical counterpart in crds/, and crds/ holds nothing else.
    /// </summary>
    [Fact]
    public void ProjectCrdsAreStructurallyEquivalentToUpstream()
    {
        var repositoryRoot = GetRepositoryRoot();
        var upstreamDirectory = Path.GetFullPath(Path.Combine(repositoryRoot, "..", "shared", "upstream", "crds"));
        if (!Directory.Exists(upstreamDirectory))
        {
            var message = $"Upstream CRD folder '{upstreamDirectory}' does not exist; CRD equivalence not checked.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.Ordinal))
            {
                Assert.Fail(message + " It is required when CI=true.");
            }

            _output.WriteLine(message);
            return;
        }

        var ours = LoadCrds(Path.Combine(repositoryRoot, "crds"), requireSingleDocumentPerFile: true);
        var upstream = LoadCrds(upstreamDirectory, requireSingleDocumentPerFile: false);

        Assert.Equal(ExpectedCrdCount, upstream.Count);
        var missing = upstream.Keys.Except(ours.Keys).Order(StringComparer.Ordinal).ToList();
        var unexpected = ours.Keys.Except(upstream.Keys).Order(StringComparer.Ordinal).ToList();
        Assert.True(
            missing.Count == 0 && unexpected.Count == 0,
            $"CRDs missing from crds/: [{string.Join(", ", missing)}]; "
            + $"CRDs in crds/ without upstream counterpart: [{string.Join(", ", unexpected)}].");

        var differences = new List<string>();
        foreach (var (name, expected) in upstream.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            differences.AddRange(CompareCrd(name, expected, ours[name]));
        }

        _output.WriteLine($"Compared {upstream.Count} CRDs: {differences.Count} difference(s).");
        Assert.True(
            differences.Count == 0,
            $"{differences.Count} structural difference(s) between crds/ and upstream:{Environment.NewLine}"
            + string.Join(Environment.NewLine, differences));
    }

    /// <summary>The comparer reports a changed enum value and a removed required entry at their exact paths.</summary>
    [Fact]
    public void ComparerReportsExactlyTheMutatedPaths()
    {
        var file = Path.Combine(GetRepositoryRoot(), "crds", "seccompprofile.yaml");
        var original = LoadSingleDocument(file);
        var copy = LoadSingleDocument(file);
        var name = Scalar(Child(Child(original, "metadata"), "name"));
        const string specPath = "$.spec.versions[0].schema.openAPIV3Schema.properties.spec";

        Assert.Empty(CompareCrd(name, original, copy));

        var spec = Navigate(copy, "spec", "versions", 0, "schema", "openAPIV3Schema", PropertiesKey, "spec");
        var defaultActionEnum = (YamlSequenceNode)Navigate(spec, PropertiesKey, "defaultAction", "enum");
        var replacedEnumValue = Scalar(defaultActionEnum.Children[2]);
        defaultActionEnum.Children[2] = new YamlScalarNode("SCMP_ACT_BOGUS");
        var required = (YamlSequenceNode)Child(spec, RequiredKey);
        var removedRequired = Scalar(required.Children[0]);
        required.Children.RemoveAt(0);

        var differences = CompareCrd(name, original, copy);

        Assert.Equal(
            new[]
            {
                $"{name}: {specPath}.properties.defaultAction.enum[2]: "
                    + $"expected '{replacedEnumValue}' but was 'SCMP_ACT_BOGUS'",
                $"{name}: {specPath}.required: missing entry '{removedRequired}'",
            },
            differences);
    }

    /// <summary>
    /// Descriptions, extra metadata, the order of <c>required</c> entries and the quoting style of strings do not
    /// count as differences; a string that looks like a bool is still different from the bool.
    /// </summary>
    [Fact]
    public void ComparerIgnoresDescriptionsRequiredOrderAndQuotingButNotScalarTypes()
    {
        var file = Path.Combine(GetRepositoryRoot(), "crds", "seccompprofile.yaml");
        var original = LoadSingleDocument(file);
        var copy = LoadSingleDocument(file);
        var name = Scalar(Child(Child(original, "metadata"), "name"));
        var version = Navigate(copy, "spec", "versions", 0);
        var schema = Navigate(version, "schema", "openAPIV3Schema");
        var status = Navigate(schema, PropertiesKey, "status");

        ((YamlMappingNode)schema).Children[new YamlScalarNode(DescriptionKey)] = new YamlScalarNode("Changed.");
        var conditionRequired = (YamlSequenceNode)Navigate(status, PropertiesKey, "conditions", "items", RequiredKey);
        var reversed = conditionRequired.Children.Reverse().ToList();
        conditionRequired.Children.Clear();
        foreach (var entry in reversed)
        {
            conditionRequired.Children.Add(entry);
        }

        var statusEnum = (YamlSequenceNode)Navigate(
            status, PropertiesKey, "conditions", "items", PropertiesKey, "status", "enum");
        statusEnum.Children[2] = new YamlScalarNode("Unknown") { Style = ScalarStyle.DoubleQuoted };
        ((YamlMappingNode)copy).Children[new YamlScalarNode("metadata")] = new YamlMappingNode(
            new YamlScalarNode("name"), new YamlScalarNode(name) { Style = ScalarStyle.SingleQuoted });

        Assert.Empty(CompareCrd(name, original, copy));

        ((YamlMappingNode)version).Children[new YamlScalarNode("served")] =
            new YamlScalarNode("true") { Style = ScalarStyle.DoubleQuoted };
        statusEnum.Children[0] = new YamlScalarNode("True") { Style = ScalarStyle.Plain };

        Assert.Equal(
            new[]
            {
                $"{name}: $.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.conditions.items"
                    + ".properties.status.enum[0]: expected 'True' (string) but was 'true' (bool)",
                $"{name}: $.spec.versions[0].served: expected 'true' (bool) but was 'true' (string)",
            },
            CompareCrd(name, original, copy).Order(StringComparer.Ordinal));
    }

    /// <summary>Compares one CRD document; every difference is reported as "name: path: problem".</summary>
    internal static IReadOnlyList<string> CompareCrd(string crdName, YamlNode expected, YamlNode actual)
    {
        var differences = new List<string>();
        CompareNode(expected, actual, "$", parentKey: null, problem => differences.Add($"{crdName}: {problem}"));
        return differences;
    }

    private static void CompareNode(
        YamlNode expected, YamlNode actual, string path, string? parentKey, Action<string> report)
    {
        switch (expected, actual)
        {
            case (YamlMappingNode expectedMap, YamlMappingNode actualMap):
                CompareMapping(expectedMap, actualMap, path, parentKey, report);
                break;
            case (YamlSequenceNode expectedSequence, YamlSequenceNode actualSequence)
                when parentKey == RequiredKey && AllScalars(expectedSequence) && AllScalars(actualSequence):
                CompareAsSet(expectedSequence, actualSequence, path, report);
                break;
            case (YamlSequenceNode expectedSequence, YamlSequenceNode actualSequence):
                CompareSequence(expectedSequence, actualSequence, path, report);
                break;
            case (YamlScalarNode expectedScalar, YamlScalarNode actualScalar):
                var expectedValue = Normalize(expectedScalar);
                var actualValue = Normalize(actualScalar);
                if (expectedValue != actualValue)
                {
                    var withTypes = expectedValue.Type != actualValue.Type;
                    report(
                        $"{path}: expected {Describe(expectedValue, withTypes)} "
                        + $"but was {Describe(actualValue, withTypes)}");
                }

                break;
            default:
                report($"{path}: expected {NodeKind(expected)} but was {NodeKind(actual)}");
                break;
        }
    }

    private static void CompareMapping(
        YamlMappingNode expected, YamlMappingNode actual, string path, string? parentKey, Action<string> report)
    {
        // Inside "properties" the keys are field names, so a field called "description" is still compared.
        var isPropertyMap = parentKey == PropertiesKey;
        var isRootMetadata = path == "$.metadata";
        var expectedEntries = Entries(expected, path, report);
        var actualEntries = Entries(actual, path, report);

        foreach (var (key, expectedValue) in expectedEntries)
        {
            if (IsIgnored(key, isPropertyMap, isRootMetadata))
            {
                continue;
            }

            var childPath = AppendKey(path, key);
            if (actualEntries.TryGetValue(key, out var actualValue))
            {
                CompareNode(expectedValue, actualValue, childPath, isPropertyMap ? null : key, report);
            }
            else
            {
                report($"{childPath}: missing");
            }
        }

        foreach (var key in actualEntries.Keys)
        {
            if (!expectedEntries.ContainsKey(key) && !IsIgnored(key, isPropertyMap, isRootMetadata))
            {
                report($"{AppendKey(path, key)}: unexpected key");
            }
        }
    }

    private static bool IsIgnored(string key, bool isPropertyMap, bool isRootMetadata) =>
        isRootMetadata ? key != "name" : !isPropertyMap && key == DescriptionKey;

    private static void CompareSequence(
        YamlSequenceNode expected, YamlSequenceNode actual, string path, Action<string> report)
    {
        var common = Math.Min(expected.Children.Count, actual.Children.Count);
        for (var i = 0; i < common; i++)
        {
            CompareNode(expected.Children[i], actual.Children[i], $"{path}[{i}]", parentKey: null, report);
        }

        for (var i = common; i < expected.Children.Count; i++)
        {
            report($"{path}[{i}]: missing");
        }

        for (var i = common; i < actual.Children.Count; i++)
        {
            report($"{path}[{i}]: unexpected item {DescribeNode(actual.Children[i])}");
        }
    }

    private static void CompareAsSet(
        YamlSequenceNode expected, YamlSequenceNode actual, string path, Action<string> report)
    {
        var expectedValues = expected.Children.Select(node => Normalize((YamlScalarNode)node)).ToList();
        var actualValues = actual.Children.Select(node => Normalize((YamlScalarNode)node)).ToList();
        foreach (var value in expectedValues.Except(actualValues))
        {
            report($"{path}: missing entry {Describe(value, withType: false)}");
        }

        foreach (var value in actualValues.Except(expectedValues))
        {
            report($"{path}: unexpected entry {Describe(value, withType: false)}");
        }

        if (expectedValues.Count != actualValues.Count
            && expectedValues.ToHashSet().SetEquals(actualValues))
        {
            report($"{path}: expected {expectedValues.Count} entries but was {actualValues.Count}");
        }
    }

    private static Dictionary<string, YamlNode> Entries(YamlMappingNode mapping, string path, Action<string> report)
    {
        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                report($"{path}: unsupported non-scalar mapping key {DescribeNode(keyNode)}");
                continue;
            }

            if (!entries.TryAdd(key, value))
            {
                report($"{AppendKey(path, key)}: duplicate key");
            }
        }

        return entries;
    }

    private static bool AllScalars(YamlSequenceNode sequence) =>
        sequence.Children.All(node => node is YamlScalarNode);

    private static string AppendKey(string path, string key) =>
        SimpleKey.IsMatch(key) ? $"{path}.{key}" : $"{path}['{key}']";

    /// <summary>
    /// Resolves a scalar with the YAML 1.2 core schema: quoted and block scalars are strings, plain scalars may
    /// be null, bool, int or float, and the value is put into canonical form (e.g. <c>True</c> becomes
    /// <c>true</c>, <c>0x10</c> becomes <c>16</c>). Explicit standard tags win over the style.
    /// </summary>
    private static TypedScalar Normalize(YamlScalarNode node)
    {
        var text = node.Value ?? string.Empty;
        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        return tag switch
        {
            null or "!" when node.Style is ScalarStyle.Plain or ScalarStyle.Any => ResolvePlain(text),
            null or "!" or "tag:yaml.org,2002:str" => new TypedScalar("string", text),
            "tag:yaml.org,2002:null" => new TypedScalar("null", "null"),
            "tag:yaml.org,2002:bool" => new TypedScalar("bool", text.ToLowerInvariant()),
            "tag:yaml.org,2002:int" or "tag:yaml.org,2002:float" => ResolvePlain(text),
            _ => new TypedScalar(tag, text),
        };
    }

    private static TypedScalar ResolvePlain(string text)
    {
        if (CoreNull.IsMatch(text))
        {
            return new TypedScalar("null", "null");
        }

        if (CoreBool.IsMatch(text))
        {
            return new TypedScalar("bool", text.ToLowerInvariant());
        }

        if (CoreDecimalInt.IsMatch(text))
        {
            return Integer(BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        }

        if (CoreOctalInt.IsMatch(text))
        {
            return Integer(text[2..].Aggregate(BigInteger.Zero, (value, digit) => (value * 8) + (digit - '0')));
        }

        if (CoreHexInt.IsMatch(text))
        {
            return Integer(
                BigInteger.Parse("0" + text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        }

        if (CoreFloat.IsMatch(text))
        {
            var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            return new TypedScalar("float", value.ToString("R", CultureInfo.InvariantCulture));
        }

        if (CoreInfinity.IsMatch(text))
        {
            return new TypedScalar("float", text.StartsWith('-') ? "-.inf" : ".inf");
        }

        return CoreNaN.IsMatch(text) ? new TypedScalar("float", ".nan") : new TypedScalar("string", text);
    }

    private static TypedScalar Integer(BigInteger value) =>
        new("int", value.ToString(CultureInfo.InvariantCulture));

    private static string Describe(TypedScalar value, bool withType) =>
        withType ? $"'{value.Text}' ({value.Type})" : $"'{value.Text}'";

    private static string DescribeNode(YamlNode node) =>
        node is YamlScalarNode scalar ? Describe(Normalize(scalar), withType: false) : NodeKind(node);

    private static string NodeKind(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a sequence",
        YamlScalarNode scalar => $"scalar {Describe(Normalize(scalar), withType: true)}",
        _ => node.NodeType.ToString(),
    };

    private static string GetRepositoryRoot()
    {
        var root = typeof(CrdEquivalenceTests).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "RepositoryRoot")?.Value;
        Assert.False(string.IsNullOrEmpty(root), "Assembly metadata 'RepositoryRoot' is not set.");
        return root!;
    }

    private static Dictionary<string, YamlMappingNode> LoadCrds(string directory, bool requireSingleDocumentPerFile)
    {
        Assert.True(Directory.Exists(directory), $"CRD folder '{directory}' does not exist.");
        var crds = new Dictionary<string, YamlMappingNode>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(directory)
            .Where(file => Path.GetExtension(file) is ".yaml" or ".yml")
            // Upstream kustomize patches (e.g. patches-conversion_webhook.yaml) are partial CRDs, not definitions.
            .Where(file => !Path.GetFileName(file).StartsWith("patches-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

        foreach (var file in files)
        {
            var documents = LoadDocuments(file);
            if (requireSingleDocumentPerFile)
            {
                Assert.True(
                    documents.Count == 1,
                    $"'{file}' must hold exactly one YAML document but holds {documents.Count}.");
            }

            foreach (var root in documents.OfType<YamlMappingNode>())
            {
                if (!root.Children.TryGetValue(new YamlScalarNode("kind"), out var kind)
                    || kind is not YamlScalarNode { Value: CrdKind })
                {
                    // Besides CRDs, crds/ holds the generator's own settings (kinds named SpoSdk*), e.g. type-names.yaml,
                    // and the kustomization that makes the folder a kustomize base for the deploy manifests.
                    var isGeneratorSettings = kind is YamlScalarNode { Value: { } settingsKind } && (settingsKind.StartsWith("SpoSdk", StringComparison.Ordinal) || settingsKind == "Kustomization");
                    Assert.False(requireSingleDocumentPerFile && !isGeneratorSettings, $"'{file}' does not hold a {CrdKind}.");
                    continue;
                }

                var name = Scalar(Child(Child(root, "metadata"), "name"));
                Assert.True(crds.TryAdd(name, root), $"CRD '{name}' is defined more than once (again in '{file}').");
            }
        }

        return crds;
    }

    private static List<YamlNode> LoadDocuments(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file, Encoding.UTF8))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(document => document.RootNode).ToList();
    }

    private static YamlNode LoadSingleDocument(string file)
    {
        var documents = LoadDocuments(file);
        Assert.Single(documents);
        return documents[0];
    }

    private static YamlNode Child(YamlNode node, string key)
    {
        var mapping = Assert.IsType<YamlMappingNode>(node);
        Assert.True(mapping.Children.TryGetValue(new YamlScalarNode(key), out var child), $"Missing key '{key}'.");
        return child;
    }

    private static YamlNode Navigate(YamlNode node, params object[] steps)
    {
        foreach (var step in steps)
        {
            node = step switch
            {
                string key => Child(node, key),
                int index => Assert.IsType<YamlSequenceNode>(node).Children[index],
                _ => throw new ArgumentException($"Unsupported path step '{step}'.", nameof(steps)),
            };
        }

        return node;
    }

    private static string Scalar(YamlNode node) => Assert.IsType<YamlScalarNode>(node).Value ?? string.Empty;

    private readonly record struct TypedScalar(string Type, string Text);
}
