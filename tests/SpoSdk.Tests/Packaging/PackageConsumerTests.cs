using Xunit.Abstractions;

namespace SpoSdk.Tests.Packaging;

/// <summary>
/// The packages as a user meets them: a fresh project restored from the local feed, built with the
/// real SDK and run, and spoc installed as a dotnet tool and run.
/// </summary>
[Collection(PackagingCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PackageConsumerTests(PackedFeed feed, ITestOutputHelper output)
{
    [Fact]
    public async Task A_fresh_project_gets_models_from_its_own_crds_and_uses_them_with_the_sdk_kinds()
    {
        feed.AssertPacked();
        var directory = Path.Combine(feed.Root, "consumer");
        var manifest = ConsumerProject.Write(directory, feed);

        var build = await feed.Dotnet.DotnetAsync(directory, "build", "-c", "Release", "-nologo", "-nodeReuse:false", "-clp:ErrorsOnly;Summary");
        output.WriteLine("restore + build: " + Seconds(build));
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("0 Warning(s)", build.Stdout, StringComparison.Ordinal);

        // Restored from the feed, not from a project reference or the machine's cache.
        foreach (var id in new[] { "sposdk", "sposdk.api", "sposdk.generators" })
        {
            Assert.True(Directory.Exists(Path.Combine(feed.PackagesFolder, id, feed.Version)), id + " " + feed.Version + " was not restored into " + feed.PackagesFolder);
        }

        var run = await feed.Dotnet.DotnetAsync(directory, Path.Combine(directory, "bin", "Release", "net10.0", "Consumer.dll"), manifest);
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Stderr);
        var lines = run.StdoutLines;

        // The consumer's catalog holds its own kind only, in the namespace it asked for.
        var ns = ConsumerProject.ModelNamespace;
        Assert.Equal("own kinds: Widget acme.example.com/v1 " + ns + ".V1.Widget, Widget acme.example.com/v1alpha1 " + ns + ".V1Alpha1.Widget", lines[0]);
        Assert.Equal("valid widget: 0 violations", lines[1]);
        Assert.Equal("round-trip: same YAML, size 5, color Red", lines[2]);
        Assert.Equal("conversion: " + ns + ".V1Alpha1.Widget acme.example.com/v1alpha1, back to v1 with same YAML", lines[3]);
        var tooBig = Assert.Single(lines, l => l.StartsWith("invalid widget: ", StringComparison.Ordinal));
        Assert.Contains("$.spec.size", tooBig, StringComparison.Ordinal);
        Assert.Contains("100", tooBig, StringComparison.Ordinal);

        // A multi-document file mixing the consumer's kind and SpoSdk's, read by one serializer.
        Assert.Contains("document 1: Widget/from-file (acme.example.com/v1) valid", lines);
        Assert.Contains("document 1 widget: size 7, profile web", lines);
        Assert.Contains("document 2: SeccompProfile/web (security-profiles-operator.x-k8s.io/v1) valid", lines);
        var json = Assert.Single(lines, l => l.StartsWith("document 2 seccomp json: ", StringComparison.Ordinal));
        Assert.Contains("\"defaultAction\":\"SCMP_ACT_ERRNO\"", json, StringComparison.Ordinal);
        Assert.Contains("\"names\":[\"read\",\"write\"]", json, StringComparison.Ordinal);

        // The broken Widget: every problem, named by object and JSON path.
        var errors = lines.Where(l => l.StartsWith("document 3 error: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, errors.Length);
        Assert.Contains(errors, e => e.EndsWith("#3 Widget/default/broken: $.spec.colour: unknown field \"colour\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.EndsWith("#3 Widget/default/broken: $.spec.size: Invalid value: 0: should be greater than or equal to 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spoc_installs_from_the_feed_as_a_dotnet_tool_and_runs()
    {
        feed.AssertPacked();
        var directory = Path.Combine(feed.Root, "tool");
        var manifest = ConsumerProject.Write(directory, feed);
        var toolPath = Path.Combine(directory, "tools");

        var install = await feed.Dotnet.DotnetAsync(directory, "tool", "install", "SpoSdk.Cli", "--version", feed.Version, "--tool-path", toolPath, "--add-source", feed.Feed);
        output.WriteLine("tool install: " + Seconds(install));
        Assert.True(install.ExitCode == 0, install.ToString());

        var spoc = Path.Combine(toolPath, "spoc");
        var help = await feed.Dotnet.RunAsync(spoc, directory, "--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.StartsWith("usage: spoc <command>", help.Stdout, StringComparison.Ordinal);
        foreach (var command in new[] { "validate", "convert", "migrate", "record", "run", "merge", "push", "pull" })
        {
            Assert.Contains("\n  " + command + " ", help.Stdout, StringComparison.Ordinal);
        }

        // The installed tool does real work: SpoSdk's kinds pass, a kind it does not serve is named as unknown.
        var profile = Path.Combine(directory, "profile.yaml");
        File.WriteAllText(profile, "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: web\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n");
        var valid = await feed.Dotnet.RunAsync(spoc, directory, "validate", profile);
        Assert.True(valid.ExitCode == 0, valid.ToString());
        Assert.Equal("spoc: 1 document(s) valid", valid.Stdout.Trim());

        var mixed = await feed.Dotnet.RunAsync(spoc, directory, "validate", manifest);
        output.WriteLine(mixed.ToString());
        Assert.Equal(2, mixed.ExitCode); // 2: unknown kinds
        Assert.Contains(manifest + "#1 Widget/default/from-file: $.kind: unknown kind: Widget (acme.example.com/v1)", mixed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("#2", mixed.Stderr, StringComparison.Ordinal);
    }

    private static string Seconds(CommandResult result) =>
        result.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s";
}
