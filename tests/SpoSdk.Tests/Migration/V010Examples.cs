using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SpoSdk.Api.Conversion;
using Xunit.Abstractions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace SpoSdk.Tests.Migration;

/// <summary>One manifest in a pre-1.0 shape, as YAML text, with the JSON it stands for.</summary>
public sealed record V010Example(string Name, string Kind, string Yaml, JsonObject Json, IReadOnlyList<string> Comments)
{
    public override string ToString() => Name;
}

/// <summary>
/// Builds manifests of every kind from the v0.10.1 CRD schemas in ../shared/upstream/crds-v0.10.1:
/// every field filled in (with each boolean true, then false, and enum values in turn), and one
/// manifest per top-level field. Written as block YAML with a unique comment above most keys and
/// after some values, and strings in plain, single- and double-quoted style in turn.
/// </summary>
internal static partial class V010Examples
{
    public const string Group = "security-profiles-operator.x-k8s.io";

    private static readonly string[] SpodFlat =
    [
        "enableSelinux", "selinuxTypeTag", "selinuxOptions", "enableLogEnricher", "logEnricherFilters", "logEnricherSource",
        "enableJsonEnricher", "jsonEnricherFilters", "jsonEnricherOptions", "enableBpfRecorder", "staticWebhookConfig",
        "webhookOptions", "tolerations", "affinity", "priorityClassName", "allowedSyscalls", "allowedSeccompActions",
        "disableOciArtifactSignatureVerification",
    ];

    public static string RepositoryRoot { get; } = typeof(V010Examples).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>
    /// The upstream folder, or null outside CI when it is absent (the test then says so and returns);
    /// under CI=true a missing folder fails the test, since no integration test may skip there.
    /// </summary>
    public static string? Upstream(string sub, ITestOutputHelper? output = null)
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "upstream", sub));
        if (Directory.Exists(path))
        {
            return path;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI=true but the upstream reference folder is missing: " + path);
        output?.WriteLine("upstream reference data not found at " + path + "; nothing to migrate here");
        return null;
    }

    /// <summary>Every example for every kind of the v0.10.1 CRDs; empty when the folder is absent.</summary>
    public static IReadOnlyList<V010Example> All()
    {
        var folder = Upstream("crds-v0.10.1");
        if (folder is null)
        {
            return [];
        }

        var examples = new List<V010Example>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
        {
            foreach (var crd in LoadDocuments(file))
            {
                var names = (Dictionary<object, object>)((Dictionary<object, object>)crd["spec"])["names"];
                var kind = (string)names["kind"];
                var namespaced = (string)((Dictionary<object, object>)crd["spec"])["scope"] == "Namespaced";
                var version = (Dictionary<object, object>)((List<object>)((Dictionary<object, object>)crd["spec"])["versions"])[0];
                var schema = (Dictionary<object, object>)((Dictionary<object, object>)version["schema"])["openAPIV3Schema"];
                var apiVersion = Group + "/" + (string)version["name"];
                var properties = Properties(schema).Where(p => p.Key is not ("apiVersion" or "kind" or "metadata")).ToList();

                for (var variant = 0; variant < 3; variant++)
                {
                    var generator = new Generator(variant, _ => true);
                    examples.Add(Build(kind + " all fields #" + variant, kind, apiVersion, namespaced, schema, generator));
                }

                // One manifest per top-level field (and per spec field), with only the required fields besides.
                foreach (var (name, _) in properties)
                {
                    // spec stays, with its required fields: v1 requires it of most kinds.
                    var generator = new Generator(0, path => path == "spec" || Under(path, name));
                    examples.Add(Build(kind + " only " + name, kind, apiVersion, namespaced, schema, generator));
                }

                if (properties.FirstOrDefault(p => p.Key == "spec").Value is { } spec)
                {
                    foreach (var (name, _) in Properties(spec))
                    {
                        var field = "spec." + name;
                        var generator = new Generator(1, path => path == "spec" || Under(path, field));
                        examples.Add(Build(kind + " only " + field, kind, apiVersion, namespaced, schema, generator));
                    }
                }
            }
        }

        return examples;
    }

    /// <summary>
    /// What the example means in v1, worked out on its JSON independently of the migrator: the §13
    /// reshaping by hand, then the existing hub-and-spoke converter for apiVersion and enum spellings.
    /// </summary>
    public static JsonObject ExpectedV1(V010Example example)
    {
        var json = (JsonObject)example.Json.DeepClone();
        var spec = json["spec"] as JsonObject;
        switch (example.Kind)
        {
            case "SeccompProfile" or "SelinuxProfile" or "RawSelinuxProfile" or "AppArmorProfile":
                Rename(spec, "disabled", "state", "Disabled", "Enabled");
                Rename(spec, "permissive", "mode", "Permissive", "Enforcing");
                Rename(spec, "complainMode", "mode", "Complain", "Enforce");
                break;
            case "ProfileRecording" when spec is not null && (string?)spec["kind"] == "ApparmorProfile":
                spec["kind"] = "AppArmorProfile";
                break;
            case "SecurityProfileNodeStatus":
                if (json["nodeName"] is { } nodeName)
                {
                    json.Remove("nodeName");
                    var target = json["spec"] as JsonObject ?? new JsonObject();
                    json["spec"] = target;
                    target["nodeName"] = nodeName;
                }

                if (json["status"] is JsonValue status)
                {
                    json["status"] = new JsonObject { ["status"] = status.DeepClone() };
                }

                break;
            case "SecurityProfilesOperatorDaemon" when spec is not null:
                foreach (var flat in SpodFlat.Where(spec.ContainsKey))
                {
                    var (group, name) = flat switch
                    {
                        "enableSelinux" => ("selinux", "enable"),
                        "selinuxTypeTag" => ("selinux", "typeTag"),
                        "selinuxOptions" => ("selinux", "options"),
                        "staticWebhookConfig" => ("webhook", "staticConfig"),
                        "webhookOptions" => ("webhook", "options"),
                        "tolerations" or "affinity" or "priorityClassName" => ("scheduling", flat),
                        "allowedSyscalls" or "allowedSeccompActions" or "disableOciArtifactSignatureVerification" => ("security", flat),
                        _ => ("enricher", flat),
                    };
                    var value = spec[flat]!.DeepClone();
                    spec.Remove(flat);
                    var target = spec[group] as JsonObject ?? new JsonObject();
                    spec[group] = target;
                    target[name] = value;
                }

                break;
        }

        SpoConverter.Default.ConvertInPlace(json, "v1");
        return json;

        static void Rename(JsonObject? spec, string legacy, string key, string whenTrue, string whenFalse)
        {
            if (spec?[legacy] is JsonValue value)
            {
                spec.Remove(legacy);
                spec[key] = value.GetValue<bool>() ? whenTrue : whenFalse;
            }
        }
    }

    private static V010Example Build(string name, string kind, string apiVersion, bool namespaced, Dictionary<object, object> schema, Generator generator)
    {
        var json = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["metadata"] = namespaced
                ? new JsonObject { ["name"] = "example", ["namespace"] = "security-profiles-operator" }
                : new JsonObject { ["name"] = "example" },
        };
        foreach (var (key, property) in Properties(schema).Where(p => p.Key is not ("apiVersion" or "kind" or "metadata")))
        {
            var required = Required(schema).Contains(key);
            if ((required || generator.Wants(key)) && generator.Value(property, key, required) is { } value)
            {
                json[key] = value;
            }
        }

        var writer = new YamlWriter();
        writer.WriteMapping(json, 0);
        return new V010Example(name, kind, writer.ToString(), json, writer.Comments);
    }

    private static bool Under(string path, string field) =>
        path == field || path.StartsWith(field + ".", StringComparison.Ordinal) || path.StartsWith(field + "[", StringComparison.Ordinal);

    private static IEnumerable<Dictionary<object, object>> LoadDocuments(string file)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(File.ReadAllText(file)));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            yield return deserializer.Deserialize<Dictionary<object, object>>(parser);
        }
    }

    private static IEnumerable<KeyValuePair<string, Dictionary<object, object>>> Properties(Dictionary<object, object> schema) =>
        schema.TryGetValue("properties", out var properties)
            ? ((Dictionary<object, object>)properties).Select(p => KeyValuePair.Create((string)p.Key, (Dictionary<object, object>)p.Value))
            : [];

    private static HashSet<string> Required(Dictionary<object, object> schema) =>
        schema.TryGetValue("required", out var required) ? ((List<object>)required).Cast<string>().ToHashSet() : [];

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainSafe();

    /// <summary>Values for a schema: valid in v1 too, booleans and enum choices by variant.</summary>
    private sealed class Generator(int variant, Func<string, bool> wants)
    {
        private int _strings;

        public bool Wants(string path) => wants(path);

        public JsonNode? Value(Dictionary<object, object> schema, string path, bool required)
        {
            var name = path[(path.LastIndexOf('.') + 1)..].Replace("[]", string.Empty, StringComparison.Ordinal);
            if (schema.ContainsKey("x-kubernetes-int-or-string"))
            {
                return "1";
            }

            if (schema.TryGetValue("enum", out var values))
            {
                var list = (List<object>)values;
                return (string)list[variant % list.Count];
            }

            switch (schema.TryGetValue("type", out var type) ? (string)type : "object")
            {
                case "boolean":
                    return variant != 1;
                case "integer":
                    return schema.TryGetValue("minimum", out var minimum) ? Math.Max(1, int.Parse((string)minimum, CultureInfo.InvariantCulture)) : 1;
                case "string":
                    return StringFor(path, name, schema);
                case "array":
                    var item = Value((Dictionary<object, object>)schema["items"], path + "[]", required: true);
                    return item is null ? null : new JsonArray(item);
                default:
                    var obj = new JsonObject();
                    if (schema.TryGetValue("additionalProperties", out var additional) && additional is Dictionary<object, object> valueSchema)
                    {
                        obj["key" + variant] = Value(valueSchema, path + ".*", required: true);
                        return obj;
                    }

                    var requiredKeys = Required(schema);
                    foreach (var (key, property) in Properties(schema))
                    {
                        var childPath = path + "." + key;
                        var childRequired = requiredKeys.Contains(key);
                        if ((childRequired || wants(childPath)) && Value(property, childPath, childRequired) is { } value)
                        {
                            obj[key] = value;
                        }
                    }

                    return obj;
            }
        }

        // Strings the v1 schemas constrain (patterns, formats, enums v0.10 did not have) get values that pass there.
        private JsonNode StringFor(string path, string name, Dictionary<object, object> schema)
        {
            if (schema.TryGetValue("format", out var format) && (string)format == "date-time")
            {
                return "2024-01-02T03:04:05Z";
            }

            return (path, name) switch
            {
                (_, "hostProcVolumePath") => "/proc",
                (_, "listenerPath") => "/var/run/security-profiles-operator/agent.sock",
                (_, "baseProfileName") => "base",
                ("status" or "status.status", _) => "Installed",
                ("status.state", _) => variant == 0 ? "RUNNING" : "PENDING",
                (_, "logEnricherSource") => variant == 0 ? "bpf" : "auditd",
                (_, "reason") when path.Contains("conditions", StringComparison.Ordinal) => "Available",
                (_, "status") when path.Contains("conditions", StringComparison.Ordinal) => "True",
                (_, "type") when path.Contains("conditions", StringComparison.Ordinal) => "Ready",
                (_, "failurePolicy") => "Fail",
                (_, "operator") when path.Contains("tolerations", StringComparison.Ordinal) => "Exists",
                (_, "operator") => "In",
                (_, "effect") => "NoSchedule",
                (_, "logEnricherFilters" or "jsonEnricherFilters") => "[{\"priority\": 100, \"level\": \"Metadata\", \"matchKeys\": [\"node\"]}]",
                (_, "policy") => "(allow process var_log_t (dir (open read)))",
                (_, "allowedSeccompActions" or "defaultAction" or "action") => "SCMP_ACT_LOG",
                (_, "architectures") => "SCMP_ARCH_X86_64",
                (_, "flags") => "SECCOMP_FILTER_FLAG_LOG",
                _ => "value-" + (++_strings).ToString(CultureInfo.InvariantCulture),
            };
        }
    }

    /// <summary>Block YAML with a unique comment above most keys and after some scalars, and quoting styles in turn.</summary>
    private sealed class YamlWriter
    {
        private readonly StringBuilder _text = new();
        private readonly List<string> _comments = [];
        private int _scalars;

        public IReadOnlyList<string> Comments => _comments;

        public override string ToString() => _text.ToString();

        public void WriteMapping(JsonObject mapping, int indent, bool firstInlined = false)
        {
            var first = true;
            foreach (var (key, value) in mapping)
            {
                var pad = first && firstInlined ? string.Empty : new string(' ', indent);
                if (!(first && firstInlined))
                {
                    Comment(indent, "about " + key);
                }

                first = false;
                switch (value)
                {
                    case JsonObject { Count: 0 }:
                        _text.Append(pad).Append(key).Append(": {}\n");
                        break;
                    case JsonObject child:
                        _text.Append(pad).Append(key).Append(":\n");
                        WriteMapping(child, indent + 2);
                        break;
                    case JsonArray list:
                        _text.Append(pad).Append(key).Append(":\n");
                        WriteSequence(list, indent);
                        break;
                    default:
                        _text.Append(pad).Append(key).Append(": ").Append(Scalar(value));
                        if (++_scalars % 3 == 0)
                        {
                            var note = "# note " + _comments.Count.ToString(CultureInfo.InvariantCulture);
                            _comments.Add(note);
                            _text.Append("  ").Append(note);
                        }

                        _text.Append('\n');
                        break;
                }
            }
        }

        private void WriteSequence(JsonArray list, int indent)
        {
            foreach (var item in list)
            {
                _text.Append(' ', indent).Append("- ");
                switch (item)
                {
                    case JsonObject { Count: > 0 } obj:
                        WriteMapping(obj, indent + 2, firstInlined: true);
                        break;
                    case JsonArray:
                        throw new NotSupportedException("nested lists do not occur in the SPO schemas");
                    default:
                        _text.Append(Scalar(item)).Append('\n');
                        break;
                }
            }
        }

        private void Comment(int indent, string about)
        {
            var comment = "# " + _comments.Count.ToString(CultureInfo.InvariantCulture) + " " + about;
            _comments.Add(comment);
            _text.Append(' ', indent).Append(comment).Append('\n');
        }

        private string Scalar(JsonNode? value)
        {
            if (value is null)
            {
                return "null";
            }

            if (value.GetValueKind() != System.Text.Json.JsonValueKind.String)
            {
                return value.ToJsonString();
            }

            var text = value.GetValue<string>();
            var style = _scalars % 3;
            if (style == 0 && PlainSafe().IsMatch(text) && text.ToLowerInvariant() is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off"))
            {
                return text;
            }

            return style == 1 && !text.Contains('\n', StringComparison.Ordinal)
                ? "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'"
                : System.Text.Json.JsonSerializer.Serialize(text);
        }
    }
}
