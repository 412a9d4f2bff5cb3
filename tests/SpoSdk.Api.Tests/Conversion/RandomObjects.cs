using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace SpoSdk.Api.Tests.Conversion;

/// <summary>
/// Builds random objects of any kind and version straight from the CRD schemas in crds/: every
/// optional field may be there or not, enums take known values, unknown values and empty strings,
/// and objects sometimes carry fields no schema knows. Deterministic for a seed.
/// </summary>
internal sealed class RandomObjects
{
    private static readonly string[] Words = ["a", "b", "web", "Zz", "ü-ß", "x.y", "@self", "with space", "0", "true"];

    private readonly Dictionary<(string Kind, string Version), (YamlMappingNode Schema, bool Namespaced, string Group)> _schemas = new();

    public RandomObjects()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "crds"), "*.yaml"))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            if (stream.Documents[0].RootNode is not YamlMappingNode root || Text(root, "kind") != "CustomResourceDefinition")
            {
                continue;
            }

            var spec = (YamlMappingNode)root["spec"];
            var kind = Text((YamlMappingNode)spec["names"], "kind")!;
            foreach (YamlMappingNode version in (YamlSequenceNode)spec["versions"])
            {
                var schema = (YamlMappingNode)((YamlMappingNode)version["schema"])["openAPIV3Schema"];
                _schemas[(kind, Text(version, "name")!)] = (schema, Text(spec, "scope") == "Namespaced", Text(spec, "group")!);
            }
        }
    }

    public IEnumerable<(string Kind, string Version)> Versions => _schemas.Keys.OrderBy(k => k.Kind).ThenBy(k => k.Version);

    public JsonObject Create(string kind, string version, int seed)
    {
        var random = new Random(seed);
        var (schema, namespaced, group) = _schemas[(kind, version)];
        var spec = Property(schema, "spec");
        var status = Property(schema, "status");
        var obj = new JsonObject
        {
            ["apiVersion"] = group + "/" + version,
            ["kind"] = kind,
            ["metadata"] = Metadata(random, namespaced),
        };
        if (spec is not null)
        {
            obj["spec"] = Value(spec, random, 0);
        }

        if (status is not null && random.Next(3) > 0)
        {
            obj["status"] = Value(status, random, 0);
        }

        return obj;
    }

    private static JsonObject Metadata(Random random, bool namespaced)
    {
        var metadata = new JsonObject { ["name"] = "obj-" + random.Next(1000) };
        if (namespaced)
        {
            metadata["namespace"] = "ns-" + random.Next(10);
        }

        if (random.Next(2) == 0)
        {
            metadata["labels"] = new JsonObject { ["app"] = Word(random) };
        }

        if (random.Next(2) == 0)
        {
            metadata["annotations"] = new JsonObject { ["note"] = Word(random) };
        }

        return metadata;
    }

    private JsonNode Value(YamlMappingNode schema, Random random, int depth)
    {
        if (Text(schema, "x-kubernetes-int-or-string") == "true")
        {
            return random.Next(2) == 0 ? JsonValue.Create(random.Next(1000)) : JsonValue.Create(random.Next(1000) + "Mi");
        }

        switch (Text(schema, "type"))
        {
            case "object" when schema.Children.ContainsKey("properties"):
                var obj = new JsonObject();
                var required = schema.Children.TryGetValue("required", out var req) ? ((YamlSequenceNode)req).Select(n => ((YamlScalarNode)n).Value!).ToHashSet() : [];
                foreach (var (key, value) in (YamlMappingNode)schema["properties"])
                {
                    var name = ((YamlScalarNode)key).Value!;
                    if (required.Contains(name) || (depth < 6 && random.Next(5) < 3))
                    {
                        obj[name] = Value((YamlMappingNode)value, random, depth + 1);
                    }
                }

                // A field no schema knows: lenient reads keep it, conversions must carry it.
                if (random.Next(10) == 0)
                {
                    obj["futureField" + random.Next(3)] = Word(random);
                }

                return obj;
            case "object" when schema.Children.TryGetValue("additionalProperties", out var values) && values is YamlMappingNode valueSchema:
                var map = new JsonObject();
                for (var i = random.Next(3); i > 0; i--)
                {
                    map[Word(random) + i] = Value(valueSchema, random, depth + 1);
                }

                return map;
            case "object":
                return new JsonObject();
            case "array":
                var array = new JsonArray();
                var min = int.Parse(Text(schema, "minItems") ?? "0", CultureInfo.InvariantCulture);
                var max = Math.Min(int.Parse(Text(schema, "maxItems") ?? "3", CultureInfo.InvariantCulture), 3);
                for (var i = random.Next(min, Math.Max(min, max) + 1); i > 0; i--)
                {
                    array.Add(Value((YamlMappingNode)schema["items"], random, depth + 1));
                }

                return array;
            case "string" when schema.Children.TryGetValue("enum", out var values):
                var known = ((YamlSequenceNode)values).Select(n => ((YamlScalarNode)n).Value!).ToList();
                return random.Next(10) switch
                {
                    0 => JsonValue.Create("Unknown" + random.Next(3)),
                    1 => JsonValue.Create(string.Empty),
                    _ => JsonValue.Create(known[random.Next(known.Count)]),
                };
            case "string" when Text(schema, "format") == "date-time":
                return JsonValue.Create(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(random.Next(100_000_000)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            case "string":
                return JsonValue.Create(Word(random));
            case "integer":
                var minimum = long.Parse(Text(schema, "minimum") ?? "-5", CultureInfo.InvariantCulture);
                return JsonValue.Create(minimum + random.Next(1000));
            case "number":
                return JsonValue.Create(random.NextDouble() * 100);
            case "boolean":
                return JsonValue.Create(random.Next(2) == 0);
            default:
                return JsonValue.Create(Word(random));
        }
    }

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static YamlMappingNode? Property(YamlMappingNode schema, string name) =>
        schema.Children.TryGetValue("properties", out var props) && ((YamlMappingNode)props).Children.TryGetValue(name, out var value) ? (YamlMappingNode)value : null;

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? (value as YamlScalarNode)?.Value : null;
}
