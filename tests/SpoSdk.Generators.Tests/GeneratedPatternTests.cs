using System.Runtime.Loader;
using System.Text.Json;
using SpoSdk.Api.Schema;

namespace SpoSdk.Generators.Tests;

/// <summary>CRD patterns in a generated model: what the generator accepts, the model's validator compiles and enforces.</summary>
public sealed class GeneratedPatternTests
{
    // Go (and the API server) read [\w-.] as word characters, '-' and '.'; translated to ASCII ranges the '-'
    // once started a range ('_'..'.', reversed) and the model's static Regex threw in its type initializer.
    [Theory]
    [InlineData(@"^[\w-.]+@example[.]com$", "a-b.c@example.com", true)]
    [InlineData(@"^[\w-\.]+@example[.]com$", "a-b.c@example.com", true)]
    [InlineData(@"^[\w-\.]+@example[.]com$", "a+b@example.com", false)]
    [InlineData(@"^[\s-z]+$", "A", false)]
    [InlineData(@"^[\s-z]+$", "z- z", true)]
    public void GeneratedValidatorEnforcesAClassEscapeFollowedByAHyphen(string pattern, string value, bool valid)
    {
        var run = GeneratorHarness.RunYaml("/repo/crds/widget.yaml", TestCrds.Widget("email:\n  type: string\n  pattern: '" + pattern + "'"));

        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("SPO", StringComparison.Ordinal));
        var violations = Validate(run, "{\"email\":" + JsonSerializer.Serialize(value) + "}");
        Assert.Equal(valid, violations.Count == 0);
    }

    // SPO1005 checks the pattern as the validator compiles it (translated from Go's syntax), so a pattern the
    // generator lets through never throws in the model's type initializer.
    [Theory]
    [InlineData("[a-")]
    [InlineData(@"[a-\d]")]
    [InlineData(@"\pL")]
    [InlineData(@"^[\w-.]+$")]
    [InlineData(@"^[\w--/]$")]
    [InlineData(@"^[\D-z]$")]
    public void PatternIsSpo1005ExactlyWhenTheValidatorCannotCompileIt(string pattern)
    {
        var run = GeneratorHarness.RunYaml("/repo/crds/widget.yaml", TestCrds.Widget("email:\n  type: string\n  pattern: '" + pattern + "'"));

        var compiles = Record.Exception(() => SchemaValidationContext.CreatePattern(pattern)) is null;
        Assert.Equal(!compiles, run.Diagnostics.Any(d => d.Id == "SPO1005"));
    }

    /// <summary>Compiles and loads the generated Widget model, reads the spec JSON and returns what Validate reports.</summary>
    private static List<SchemaViolation> Validate(GeneratorRun run, string specJson)
    {
        using var stream = new MemoryStream();
        var emit = run.OutputCompilation.Emit(stream);
        Assert.True(emit.Success, GeneratorHarness.Format(emit.Diagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Take(5)));
        var context = new AssemblyLoadContext("generated-pattern", isCollectible: true);
        try
        {
            stream.Position = 0;
            var type = context.LoadFromStream(stream).GetType(GeneratorHarness.GoldenNamespace + ".V1.Widget", throwOnError: true)!;
            var json = "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\",\"namespace\":\"d\"},\"spec\":" + specJson + "}";
            var model = JsonSerializer.Deserialize(json, type)!;
            var validation = new SchemaValidationContext();

            // A pattern the Regex cannot compile surfaces here as a TargetInvocationException (TypeInitializationException inside).
            type.GetMethod("Validate")!.Invoke(model, [validation]);
            return validation.Violations.ToList();
        }
        finally
        {
            context.Unload();
        }
    }
}
