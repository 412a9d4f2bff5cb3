using System.Text;
using Microsoft.CodeAnalysis;

namespace SpoSdk.Generators.Tests;

/// <summary>Broken or foreign YAML never makes the generator throw, and YAML that is no CRD is ignored.</summary>
public sealed class RobustnessTests
{
    private const int Seed = 20_240_611;
    private const int Mutations = 300;

    [Fact]
    public void RandomlyMutatedCrdsNeverCrashTheGenerator()
    {
        var originals = GeneratorHarness.LoadAllCrds();
        var typeNames = originals.Single(t => Path.GetFileName(t.Path) == "type-names.yaml");
        var random = new Random(Seed);
        var failures = new List<string>();
        var diagnosticsSeen = 0;
        for (var i = 0; i < Mutations; i++)
        {
            var original = originals[random.Next(originals.Length)];
            var (kind, text) = Mutate(random, original.Text);
            var mutated = original.WithText(text);
            var inputs = ReferenceEquals(original, typeNames)
                ? new AdditionalText[] { originals.Single(t => Path.GetFileName(t.Path) == "seccompprofile.yaml"), mutated }
                : new AdditionalText[] { mutated, typeNames };

            var driver = GeneratorHarness.CreateDriver(inputs, trackSteps: false).RunGenerators(GeneratorHarness.CreateCompilation());
            var result = driver.GetRunResult();
            var generator = result.Results.Single();
            var lineCount = text.Split('\n').Length;
            var problems = new List<string>();
            if (generator.Exception is { } exception)
            {
                problems.Add("threw " + exception.GetType().Name + ": " + exception.Message);
            }

            foreach (var diagnostic in result.Diagnostics)
            {
                if (diagnostic.Id is "CS8785" or "AD0001" || !diagnostic.Id.StartsWith("SPO", StringComparison.Ordinal))
                {
                    problems.Add("reported " + diagnostic);
                }
                else if (diagnostic.Location.SourceSpan.End > text.Length || diagnostic.Location.GetLineSpan().StartLinePosition.Line > lineCount)
                {
                    // Line == lineCount is allowed: YamlDotNet puts the end of a text without a final line
                    // break on the line after it.
                    problems.Add("located past the end of the file: " + diagnostic);
                }
            }

            diagnosticsSeen += result.Diagnostics.Length;
            if (problems.Count > 0)
            {
                failures.Add($"mutation #{i} ({kind}) of {Path.GetFileName(original.Path)}: {string.Join("; ", problems)}");
            }
        }

        Assert.True(failures.Count == 0, $"seed {Seed}: {failures.Count} of {Mutations} mutations broke the generator:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(20))}");

        // The mutations must actually break things, or this test proves nothing.
        Assert.True(diagnosticsSeen > Mutations / 4, $"only {diagnosticsSeen} diagnostics over {Mutations} mutations");
    }

    [Theory]
    [InlineData("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  level: debug\n  spec: |\n    kind: CustomResourceDefinition\n")]
    [InlineData("deployment.yml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n")]
    [InlineData("values.yaml", "# just comments\n---\n- a list\n- at the root\n---\nplain scalar\n")]
    [InlineData("empty.yaml", "")]
    [InlineData("notes.txt", "kind: CustomResourceDefinition\nnot: yaml by extension\n")]
    public void NonCrdFilesProduceNothing(string fileName, string text)
    {
        var run = GeneratorHarness.RunYaml("/repo/manifests/" + fileName, text);

        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.Sources);
    }

    // YamlDotNet throws ArgumentException, not YamlException, for an escape of no character and a tag that is no URI.
    [Theory]
    [InlineData("description: \"\\UFFFFFFFF\"")]
    [InlineData("description: !<> x")]
    public void ArgumentExceptionsOfTheYamlParserAreSpo1001(string line)
    {
        var text = TestCrds.Widget("color:\n  type: string\n  " + line);

        var run = GeneratorHarness.RunYaml("/repo/crds/widget.yaml", text);

        Assert.Null(run.Generator.Exception);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("SPO1001", diagnostic.Id);
        Assert.Equal(TestCrds.LineOf(text, line), diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    private static (string Kind, string Text) Mutate(Random random, string text)
    {
        switch (random.Next(7))
        {
            case 0:
                return ("truncated", text[..random.Next(text.Length)]);
            case 1:
                var bytes = Encoding.UTF8.GetBytes(text);
                var flips = 1 + random.Next(8);
                for (var i = 0; i < flips; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 + random.Next(255));
                }

                return ($"{flips} byte flips", Encoding.UTF8.GetString(bytes));
            case 2:
                var lines = text.Split('\n').ToList();
                var deleted = 1 + random.Next(5);
                for (var i = 0; i < deleted && lines.Count > 1; i++)
                {
                    lines.RemoveAt(random.Next(lines.Count));
                }

                return ($"{deleted} lines deleted", string.Join('\n', lines));
            case 3:
                var shifted = text.Split('\n');
                var line = random.Next(shifted.Length);
                shifted[line] = random.Next(2) == 0 ? " " + shifted[line] : shifted[line].TrimStart();
                return ($"line {line + 1} re-indented", string.Join('\n', shifted));
            case 4:
                var swapped = text.Split('\n');
                var a = random.Next(swapped.Length);
                var b = random.Next(swapped.Length);
                (swapped[a], swapped[b]) = (swapped[b], swapped[a]);
                return ($"lines {a + 1} and {b + 1} swapped", string.Join('\n', swapped));
            case 5:
                // An unclosed flow collection before a scalar value: YamlDotNet fails on some of these
                // with exceptions other than YamlException.
                var valued = text.Split('\n');
                var candidates = Enumerable.Range(0, valued.Length).Where(i => valued[i].Contains(": ", StringComparison.Ordinal) && !valued[i].EndsWith(": ", StringComparison.Ordinal)).ToList();
                var target = candidates.Count == 0 ? 0 : candidates[random.Next(candidates.Count)];
                var opener = random.Next(2) == 0 ? "[" : "{";
                var colon = valued[target].IndexOf(": ", StringComparison.Ordinal);
                valued[target] = colon < 0 ? opener + valued[target] : valued[target].Insert(colon + 2, opener);
                return ($"'{opener}' opened on line {target + 1}", string.Join('\n', valued));
            default:
                const string Specials = "[]{}:-&*!|>#'\"%@`,?\t";
                var at = random.Next(text.Length);
                var special = Specials[random.Next(Specials.Length)];
                return ($"'{special}' inserted at {at}", text.Insert(at, special.ToString()));
        }
    }
}
