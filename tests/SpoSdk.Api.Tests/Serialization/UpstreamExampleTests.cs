using System.Text.Json.Nodes;
using SpoSdk.Api.Serialization;
using Xunit.Abstractions;

namespace SpoSdk.Api.Tests.Serialization;

/// <summary>Every SPO manifest upstream ships must read, validate, write and read back unchanged.</summary>
public sealed class UpstreamExampleTests(ITestOutputHelper output)
{
    private readonly SpoSerializer _serializer = new();

    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        var folder = Path.GetFullPath(Path.Combine(TestPaths.RepositoryRoot, "..", "shared", "upstream", "examples"));
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                // The Pod manifests are core kinds, not SPO objects.
                if (!file!.StartsWith("pod", StringComparison.Ordinal))
                {
                    data.Add(file);
                }
            }
        }
        else
        {
            data.Add("(none)");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Example_reads_validates_and_round_trips(string file)
    {
        var folder = TestPaths.Upstream("examples", output);
        if (folder is null)
        {
            return;
        }

        var result = _serializer.ReadFile(Path.Combine(folder, file));
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        Assert.NotEmpty(result.Documents);

        foreach (var document in result.Documents)
        {
            var original = _serializer.ToJsonNode(document.Object!);
            var yaml = _serializer.ToYaml(document.Object!);
            var reread = _serializer.Read(yaml, file + " (written)");
            Assert.True(reread.IsValid, yaml + Environment.NewLine + string.Join(Environment.NewLine, reread.Errors));
            var again = _serializer.ToJsonNode(Assert.Single(reread.Documents).Object!);
            Assert.True(JsonNode.DeepEquals(original, again), "round trip changed the object:" + Environment.NewLine + yaml);
        }
    }

    [Fact]
    public void Examples_cover_every_kind_the_examples_folder_has()
    {
        var folder = TestPaths.Upstream("examples", output);
        if (folder is null)
        {
            return;
        }

        var kinds = Directory.EnumerateFiles(folder, "*.yaml")
            .Where(f => !Path.GetFileName(f).StartsWith("pod", StringComparison.Ordinal))
            .SelectMany(f => _serializer.ReadFile(f).Objects)
            .Select(o => o.Kind)
            .ToHashSet();
        Assert.Superset(new HashSet<string> { "SeccompProfile", "SelinuxProfile", "RawSelinuxProfile", "AppArmorProfile", "ProfileBinding", "ProfileRecording", "SecurityProfilesOperatorDaemon" }, kinds);
    }
}
