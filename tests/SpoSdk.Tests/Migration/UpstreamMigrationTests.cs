using System.Text.Json.Nodes;
using SpoSdk.Api.Serialization;
using SpoSdk.Migration;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Migration;

/// <summary>
/// Migration against upstream data: every manifest shape buildable from the v0.10.1 CRD schemas
/// migrates to a valid v1 object that means what a hand-written reshaping plus the existing
/// converter says it means, keeping every comment; the 1.0 examples are already v1 and stay as they are.
/// </summary>
public sealed class UpstreamMigrationTests(ITestOutputHelper output)
{
    private const string Absent = "(upstream folder absent)";

    private static readonly Lazy<Dictionary<string, V010Example>> Examples = new(() => V010Examples.All().ToDictionary(e => e.Name));

    private readonly ManifestMigrator _migrator = new();
    private readonly SpoSerializer _serializer = new();

    public static TheoryData<string> ExampleNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Examples.Value.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        if (data.Count == 0)
        {
            data.Add(Absent);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleNames))]
    public void V010_example_migrates_to_the_equivalent_valid_v1_object(string name)
    {
        if (name == Absent)
        {
            Assert.Null(V010Examples.Upstream("crds-v0.10.1", output));
            return;
        }

        var example = Examples.Value[name];
        output.WriteLine(example.Yaml);

        var result = _migrator.Migrate(example.Yaml, "example.yaml");
        output.WriteLine(result.Text);

        Assert.True(result.Problems.Count == 0, string.Join("\n", result.Problems));
        Assert.True(result.ShouldWrite);
        foreach (var comment in example.Comments)
        {
            Assert.True(Occurrences(result.Text, comment + "\n") == 1, "comment lost or duplicated: " + comment);
        }

        var read = _serializer.Read(result.Text, "migrated");
        Assert.True(read.IsValid, string.Join("\n", read.Errors));
        var expected = _serializer.ReadDocument(V010Examples.ExpectedV1(example), "expected", 1);
        Assert.True(expected.IsValid, string.Join("\n", expected.Errors));
        var actualJson = _serializer.ToJsonNode(read.Objects.Single());
        var expectedJson = _serializer.ToJsonNode(expected.Object!);
        Assert.True(JsonNode.DeepEquals(expectedJson, actualJson), "expected\n" + expectedJson + "\nactual\n" + actualJson);

        var again = _migrator.Migrate(result.Text, "example.yaml");
        Assert.Empty(again.Changes);
        Assert.Same(result.Text, again.Text);
    }

    [Fact]
    public void Every_shape_of_every_kind_is_covered()
    {
        if (V010Examples.Upstream("crds-v0.10.1", output) is null)
        {
            return;
        }

        var kinds = Examples.Value.Values.Select(e => e.Kind).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(
            ["AppArmorProfile", "ProfileBinding", "ProfileRecording", "RawSelinuxProfile", "SeccompProfile", "SecurityProfileNodeStatus", "SecurityProfilesOperatorDaemon", "SelinuxProfile"],
            kinds);

        // The legacy fields each appear, with both boolean values, in some example.
        foreach (var legacy in new[] { "disabled: true", "disabled: false", "permissive: true", "complainMode: false", "\nnodeName:", "enableSelinux:", "webhookOptions:", "ApparmorProfile" })
        {
            Assert.Contains(Examples.Value.Values, e => e.Yaml.Contains(legacy, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Upstream_v1_examples_are_left_byte_for_byte()
    {
        var folder = V010Examples.Upstream("examples", output);
        if (folder is null)
        {
            return;
        }

        var files = Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var result = _migrator.Migrate(text, file);
            Assert.Empty(result.Problems);
            Assert.Empty(result.Changes);
            Assert.Same(text, result.Text);
        }
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
