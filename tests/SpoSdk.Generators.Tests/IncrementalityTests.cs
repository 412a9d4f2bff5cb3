using Microsoft.CodeAnalysis;
using Steps = SpoSdk.Generators.CrdModelGenerator.Steps;

namespace SpoSdk.Generators.Tests;

/// <summary>
/// The generator's pipeline caches what did not change: C# edits cost nothing, and editing one CRD
/// re-plans only that file (tracking names in <see cref="CrdModelGenerator.Steps"/>).
/// </summary>
public sealed class IncrementalityTests
{
    private const string EditedFile = "profilebinding.yaml";

    private static readonly string[] TrackedStepNames = { Steps.ReadCrd, Steps.TypeNames, Steps.PlanTypes, Steps.KindEntries };

    [Fact]
    public void UnrelatedSyntaxTreeEditReusesEveryStepAndOutput()
    {
        var placeholder = GeneratorHarness.Parse("namespace Scratch;\n\ninternal static class Placeholder\n{\n}\n", "Placeholder.cs");
        var compilation = GeneratorHarness.CreateCompilation(placeholder);
        var driver = GeneratorHarness.CreateDriver(GeneratorHarness.LoadAllCrds()).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();

        var edited = compilation.ReplaceSyntaxTree(
            placeholder,
            GeneratorHarness.Parse("namespace Scratch;\n\ninternal static class Placeholder\n{\n}\n\ninternal sealed class Added\n{\n}\n", "Placeholder.cs"));
        driver = driver.RunGenerators(edited);
        var second = driver.GetRunResult().Results.Single();

        Assert.Null(second.Exception);
        foreach (var name in TrackedStepNames)
        {
            Assert.True(second.TrackedSteps.TryGetValue(name, out var steps) && !steps.IsEmpty, $"no tracked step '{name}' in the second run");
        }

        var rerun = second.TrackedSteps
            .SelectMany(pair => pair.Value.SelectMany(step => step.Outputs.Select(output => $"{pair.Key} [{FileOf(step)}]: {output.Reason}")
                .Where((_, i) => step.Outputs[i].Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))))
            .ToList();
        Assert.True(rerun.Count == 0, "steps re-run after an unrelated C# edit:" + Environment.NewLine + string.Join(Environment.NewLine, rerun));

        Assert.NotEmpty(second.TrackedOutputSteps);
        var outputsRerun = second.TrackedOutputSteps
            .SelectMany(pair => pair.Value.SelectMany(step => step.Outputs.Where(o => o.Reason != IncrementalStepRunReason.Cached).Select(o => $"{pair.Key}: {o.Reason}")))
            .ToList();
        Assert.True(outputsRerun.Count == 0, "source outputs re-run after an unrelated C# edit:" + Environment.NewLine + string.Join(Environment.NewLine, outputsRerun));

        Assert.Equal(Texts(first), Texts(second));
    }

    [Fact]
    public void DescriptionEditInOneCrdReplansOnlyThatFile()
    {
        var texts = GeneratorHarness.LoadAllCrds();
        Assert.True(texts.Length >= 9, "expected the 8 CRDs and type-names.yaml in crds/");
        var original = texts.Single(t => Path.GetFileName(t.Path) == EditedFile);
        var compilation = GeneratorHarness.CreateCompilation();
        var driver = GeneratorHarness.CreateDriver(texts).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();

        var edited = original.WithText(EditFirstDescription(original.Text));
        driver = driver.ReplaceAdditionalText(original, edited).RunGenerators(compilation);
        var second = driver.GetRunResult().Results.Single();

        Assert.Null(second.Exception);
        Assert.Empty(second.Diagnostics);
        AssertReasons(second, Steps.ReadCrd, texts.Length, edited: IncrementalStepRunReason.Modified);
        AssertReasons(second, Steps.PlanTypes, texts.Length, edited: IncrementalStepRunReason.Modified);

        // A description is no catalog fact: the edited file's entries are recomputed and found equal.
        AssertReasons(second, Steps.KindEntries, texts.Length, edited: IncrementalStepRunReason.Unchanged);
        Assert.All(
            second.TrackedSteps[Steps.TypeNames].SelectMany(step => step.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{Steps.TypeNames}: {output.Reason}"));

        // Only the edited file's two sources change, and only by the description.
        var before = Texts(first);
        var after = Texts(second);
        Assert.Equal(before.Keys, after.Keys);
        var changed = before.Keys.Where(hint => before[hint] != after[hint]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "profilebinding.ProfileBinding.V1.g.cs" }, changed);
        Assert.Contains("(edited for the incrementality test)", after[changed[0]], StringComparison.Ordinal);
    }

    /// <summary>Appends text to the first description line of the root schema of the first version.</summary>
    private static string EditFirstDescription(string yaml)
    {
        var lines = yaml.Split('\n');
        var schema = Array.FindIndex(lines, line => line.TrimStart().StartsWith("openAPIV3Schema:", StringComparison.Ordinal));
        var description = Array.FindIndex(lines, schema + 1, line => line.TrimStart().StartsWith("description: ", StringComparison.Ordinal));
        Assert.True(schema >= 0 && description > schema, "no description below openAPIV3Schema");
        lines[description] += " (edited for the incrementality test)";
        return string.Join('\n', lines);
    }

    /// <summary>Asserts one output per input file, <paramref name="edited"/> for the edited file, Cached or Unchanged for the rest.</summary>
    private static void AssertReasons(GeneratorRunResult result, string stepName, int fileCount, IncrementalStepRunReason edited)
    {
        var steps = result.TrackedSteps[stepName];
        var byFile = steps.Select(step => (File: FileOf(step), Reasons: step.Outputs.Select(o => o.Reason).ToList())).ToList();
        var description = string.Join(Environment.NewLine, byFile.Select(f => $"  {f.File}: {string.Join(", ", f.Reasons)}"));
        Assert.True(byFile.Count == fileCount && byFile.All(f => f.Reasons.Count == 1), $"{stepName}: expected one output per file:{Environment.NewLine}{description}");
        foreach (var (file, reasons) in byFile)
        {
            var ok = Path.GetFileName(file) == EditedFile
                ? reasons[0] == edited
                : reasons[0] is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged;
            Assert.True(ok, $"{stepName}: unexpected reason for {file}:{Environment.NewLine}{description}");
        }
    }

    private static Dictionary<string, string> Texts(GeneratorRunResult result) =>
        result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);

    /// <summary>The YAML file a step worked on: from its output (a model with a path) or, failing that, from its inputs.</summary>
    private static string? FileOf(IncrementalGeneratorRunStep step)
    {
        foreach (var (value, _) in step.Outputs)
        {
            if (PathOf(value) is { } path)
            {
                return path;
            }
        }

        foreach (var (source, index) in step.Inputs)
        {
            if ((PathOf(source.Outputs[index].Value) ?? FileOf(source)) is { } path)
            {
                return path;
            }
        }

        return null;
    }

    // The pipeline models are internal to the generator; their path is read by name.
    private static string? PathOf(object? value) => value switch
    {
        null => null,
        AdditionalText text => text.Path,
        _ => (value.GetType().GetProperty("FilePath") ?? value.GetType().GetProperty("Path"))?.GetValue(value) as string,
    };
}
