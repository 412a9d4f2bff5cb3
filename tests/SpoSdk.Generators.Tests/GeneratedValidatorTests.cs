using Microsoft.CodeAnalysis;
using SpoSdk.Api.Conversion;

namespace SpoSdk.Generators.Tests;

/// <summary>
/// What the validators and conversion maps generated from small CRDs do at run time: the Widget model is
/// generated, compiled and loaded, a spec is read from JSON and <c>Validate</c> reports what the API server would.
/// </summary>
public sealed class GeneratedValidatorTests
{
    private const string CrdPath = "/repo/crds/widget.yaml";

    private const string NullableSchema =
        "tags:\n  type: array\n  items:\n    type: string\n    nullable: true\n"
        + "labels:\n  type: object\n  additionalProperties:\n    type: string\n    nullable: true\n"
        + "note:\n  type: string\n  nullable: true\n"
        + "mode:\n  type: string\n  enum: [On, Off]\n  nullable: true\n"
        + "count:\n  type: integer\n  nullable: true\n"
        + "names:\n  type: array\n  items:\n    type: string\n"
        + "annotations:\n  type: object\n  additionalProperties:\n    type: string\n"
        + "title:\n  type: string";

    private const string TwoKeyListMap =
        "mounts:\n  type: array\n  x-kubernetes-list-type: map\n  x-kubernetes-list-map-keys: [name, path]\n  items:\n    type: object\n    required: [name, path]\n"
        + "    properties:\n      name:\n        type: string\n      path:\n        type: string";

    [Fact]
    public void NullableItemsAndFieldsAreValid()
    {
        // nullable: true lets the API server keep a null item, map value or field, a required one included.
        var violations = Validate(NullableSchema, "note, mode, count, title", "{\"tags\":[\"a\",null],\"labels\":{\"x\":null},\"note\":null,\"mode\":null,\"count\":null,\"title\":\"t\"}");

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void NullsWhereTheSchemaIsNotNullableAreStillReported()
    {
        var violations = Validate(NullableSchema, "note, mode, count, title", "{\"names\":[\"a\",null],\"annotations\":{\"x\":null},\"note\":null,\"title\":null}");

        Assert.Equal(3, violations.Count);
        Assert.Contains(violations, v => v.Contains("names[1]", StringComparison.Ordinal) && v.Contains("must not be null", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("annotations", StringComparison.Ordinal) && v.Contains("must not be null", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("title", StringComparison.Ordinal) && v.Contains("Required", StringComparison.Ordinal));
    }

    [Fact]
    public void ListMapKeysContainingTheSeparatorAreNotDuplicates()
    {
        var violations = Validate(TwoKeyListMap, null, "{\"mounts\":[{\"name\":\"a/b\",\"path\":\"c\"},{\"name\":\"a\",\"path\":\"b/c\"}]}");

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void ListMapWithTwoKeysReportsARealDuplicateWithEveryKey()
    {
        var violations = Validate(TwoKeyListMap, null, "{\"mounts\":[{\"name\":\"a/b\",\"path\":\"c\"},{\"name\":\"a\",\"path\":\"b/c\"},{\"name\":\"a/b\",\"path\":\"c\"}]}");

        var violation = Assert.Single(violations);
        Assert.Contains("mounts[2]", violation, StringComparison.Ordinal);
        Assert.Contains("Duplicate value: {\"name\":\"a/b\",\"path\":\"c\"}", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void CaseVariantSpokeEnumValuesConvertFromHub()
    {
        // A legacy enum listing two case variants of one hub value: both convert up, so the map is not invertible.
        var spoke = "  - name: v1beta1\n    served: true\n    storage: false\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          apiVersion:\n            type: string\n          kind:\n            type: string\n          metadata:\n            type: object\n          spec:\n            type: object\n            properties:\n              size:\n                type: integer\n                format: int32\n              mode:\n                type: string\n                enum: [always, Always]\n";
        var text = TestCrds.ReplaceOnce(TestCrds.Widget("mode:\n  type: string\n  enum: [Always]"), "  versions:\n", "  versions:\n" + spoke);
        var run = GeneratorHarness.RunYaml(CrdPath, text);
        Assert.Null(run.Generator.Exception);
        var spokeSource = run.Sources.Single(s => s.Key.Contains("V1Beta1", StringComparison.Ordinal)).Value;
        Assert.Contains("[\"always\"] = \"Always\", [\"Always\"] = \"Always\"", spokeSource, StringComparison.Ordinal);

        var conversion = new EnumConversion(
            new SchemaPath("spec", "mode"),
            new Dictionary<string, string>(StringComparer.Ordinal) { ["always"] = "Always", ["Always"] = "Always" },
            null,
            null);

        // The spoke value spelled as the hub value is the inverse, whichever order the map lists them in.
        Assert.Equal("Always", Assert.Single(conversion.HubToSpoke, p => p.Key == "Always").Value);
        var reversed = conversion with { SpokeToHub = new Dictionary<string, string>(StringComparer.Ordinal) { ["Always"] = "Always", ["always"] = "Always" } };
        Assert.Equal("Always", reversed.HubToSpoke["Always"]);
    }

    /// <summary>
    /// Generates, compiles and loads the Widget model (<paramref name="required"/>: the spec's required fields),
    /// reads the spec JSON and returns what Validate reports.
    /// </summary>
    private static List<string> Validate(string specProperties, string? required, string specJson)
    {
        var crd = TestCrds.Widget(specProperties);
        if (required is not null)
        {
            crd = TestCrds.ReplaceOnce(crd, "            type: object\n            properties:\n              size:", "            type: object\n            required: [" + required + "]\n            properties:\n              size:");
        }

        var run = GeneratorHarness.RunYaml(CrdPath, crd);
        Assert.Empty(run.Diagnostics);
        var problems = run.OutputCompilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, GeneratorHarness.Format(problems.Take(5)));
        using var stream = new MemoryStream();
        var emit = run.OutputCompilation.Emit(stream);
        Assert.True(emit.Success, GeneratorHarness.Format(emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
        var context = new System.Runtime.Loader.AssemblyLoadContext("generated-validator", isCollectible: true);
        try
        {
            stream.Position = 0;
            var assembly = context.LoadFromStream(stream);
            var type = assembly.GetType(GeneratorHarness.GoldenNamespace + ".V1.Widget", throwOnError: true)!;
            var json = "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\",\"namespace\":\"d\"},\"spec\":" + specJson + "}";
            var model = System.Text.Json.JsonSerializer.Deserialize(json, type, new System.Text.Json.JsonSerializerOptions())!;
            var validation = new SpoSdk.Api.Schema.SchemaValidationContext();
            type.GetMethod("Validate")!.Invoke(model, new object[] { validation });
            return validation.Violations.Select(v => v.ToString()!).ToList();
        }
        finally
        {
            context.Unload();
        }
    }
}
