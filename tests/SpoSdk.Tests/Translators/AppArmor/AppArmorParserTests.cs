using System.Text;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Node.Commands;
using SpoSdk.Translators.AppArmor;
using Xunit.Abstractions;
using static SpoSdk.Tests.Translators.AppArmor.AppArmorVectors;

namespace SpoSdk.Tests.Translators.AppArmor;

/// <summary>
/// Generated policies compile with the real <c>apparmor_parser -Q -K</c> (Debian package
/// <c>apparmor</c>): every accepted upstream vector, the spec sample, upstream's example manifests and
/// seeded random abstracts. Each test batches its policies into one parser run in its own temporary directory.
/// </summary>
public sealed class AppArmorParserTests(ITestOutputHelper output) : IDisposable
{
    private const int RandomProfiles = 120;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("spo-apparmor-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Accepted_upstream_vectors_and_the_sample_compile()
    {
        var policies = new List<(string Label, string Text)>();
        foreach (var vector in Upstream.Where(v => v.Ok))
        {
            foreach (var mode in new[] { AppArmorProfileMode.Enforce, AppArmorProfileMode.Complain })
            {
                var name = vector.Name.Length == 0 ? vector.Id + "-" + mode : vector.Name;
                policies.Add((vector.Id + " " + mode, AppArmorProfileGenerator.Generate(name, mode, AbstractWith(vector.Field, vector.Values)).GetTextOrThrow()));
            }
        }

        policies.Add(("sample enforce", NginxEnforce));
        policies.Add(("sample complain", NginxComplain));
        policies.Add(("all capabilities", AppArmorProfileGenerator.Generate("caps", null, AbstractWith(Field.Capability, AppArmorProfileGenerator.CapabilityNames.ToList())).GetTextOrThrow()));
        await AssertCompilesAsync(policies);
    }

    // The parser's own reading of the generated header: the profile's name and mode are the ones asked for.
    [Theory]
    [InlineData("web", "Complain", "complain")]
    [InlineData("/usr/sbin/nginx", "Complain", "complain")]
    [InlineData("web", "Enforce", "enforce")]
    public async Task The_parser_reads_the_name_and_mode_given(string name, string mode, string parsedMode)
    {
        if (Parser() is not { } parser)
        {
            return;
        }

        var lines = await DumpAsync(parser, AppArmorProfileGenerator.Generate(name, AppArmorProfileMode.FromValue(mode), Nginx()).GetTextOrThrow());

        Assert.Contains("Name:\t\t" + name, lines);
        Assert.Contains("Mode: " + parsedMode, lines);
    }

    // An empty name is accepted as upstream (test-vectors §1.4.4, §1.5) and the text is upstream's,
    // "profile  flags=(...) {". apparmor_parser reads the flags as the profile's name and, with no flags
    // left, loads it in enforce mode even when complain was asked for; spoc convert warns about it.
    [Fact]
    public async Task An_empty_name_writes_upstreams_text_which_the_parser_reads_as_named_after_the_flags()
    {
        var text = AppArmorProfileGenerator.Generate(string.Empty, AppArmorProfileMode.Complain, Nginx()).GetTextOrThrow();

        Assert.Equal(NginxComplain.Replace("\nprofile nginx-profile flags=(", "\nprofile  flags=(", StringComparison.Ordinal), text);
        if (Parser() is not { } parser)
        {
            return;
        }

        var lines = await DumpAsync(parser, text);

        Assert.Contains("Name:\t\tflags=(complain,attach_disconnected,mediate_deleted)", lines);
        Assert.DoesNotContain("Mode: complain", lines);
    }

    [Fact]
    public async Task Upstream_example_profiles_compile()
    {
        if (TranslatorTestEnvironment.Upstream("examples", output) is not { } examples)
        {
            return;
        }

        var serializer = new SpoSerializer();
        var policies = Directory.EnumerateFiles(examples, "apparmorprofile*.yaml").Order(StringComparer.Ordinal)
            .SelectMany(file => serializer.ReadFile(file).Objects.OfType<AppArmorProfile>().Select((p, i) => (Label: Path.GetFileName(file) + "#" + i, Profile: p)))
            .Select(e => (e.Label, AppArmorProfileGenerator.Generate(e.Profile).GetTextOrThrow()))
            .ToList();
        Assert.Equal(4, policies.Count);
        await AssertCompilesAsync(policies);
    }

    [Fact]
    public async Task Random_valid_abstracts_compile()
    {
        var random = new Random(20260622);
        var policies = new List<(string Label, string Text)>();
        for (var i = 0; i < RandomProfiles; i++)
        {
            var (name, mode, @abstract) = RandomAbstracts.Next(random, i);
            var result = AppArmorProfileGenerator.Generate(name, mode, @abstract);
            Assert.True(result.Succeeded, "random input " + i + " rejected: " + string.Join("; ", result.Errors));
            policies.Add(("random " + i, result.Text!));
        }

        await AssertCompilesAsync(policies);
    }

    [Fact]
    public async Task What_upstream_v1_0_0_would_write_for_accepted_inputs_does_not_compile()
    {
        // Why the generator deviates: v1.0.0 renders these accepted inputs verbatim and the parser rejects them.
        if (Parser() is not { } parser)
        {
            return;
        }

        var checker = new AppArmorPolicyChecker(new ProcessCommandRunner(), parser);
        foreach (var (bad, fixedLine) in new[]
        {
            ("  /My Documents/test file r,", "  \"/My Documents/test file\" r,"),
            ("  ptrace (read), r,", "  ptrace (read),"),
            ("  capability DAC_OVERRIDE,", "  capability dac_override,"),
        })
        {
            var broken = await checker.CheckAsync(NginxEnforce.Replace("  /run/nginx.pid rwlk,", bad, StringComparison.Ordinal));
            var repaired = await checker.CheckAsync(NginxEnforce.Replace("  /run/nginx.pid rwlk,", fixedLine, StringComparison.Ordinal));
            Assert.False(broken.Succeeded, bad);
            Assert.True(repaired.Succeeded, fixedLine + "\n" + repaired.StandardError);
        }
    }

    // apparmor_parser -Q -K -d: compiles without loading and prints the structures it built ("Name:\t\t...", "Mode: ...").
    private async Task<string[]> DumpAsync(string parser, string text)
    {
        var file = Path.Combine(_dir.FullName, "dump-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(file, text);

        var dump = await new ProcessCommandRunner().RunAsync(parser, ["-Q", "-K", "-d", file]);

        Assert.True(dump.Succeeded, dump.StandardError);
        return (dump.StandardOutput + dump.StandardError).Split('\n');
    }

    private string? Parser() => TranslatorTestEnvironment.RequiredTool("apparmor_parser", "apparmor", output, [.. AppArmorPolicyChecker.ParserLocations]);

    private async Task AssertCompilesAsync(IReadOnlyList<(string Label, string Text)> policies)
    {
        if (Parser() is not { } parser)
        {
            return;
        }

        var files = new List<string>();
        for (var i = 0; i < policies.Count; i++)
        {
            var file = Path.Combine(_dir.FullName, "policy-" + i);
            await File.WriteAllTextAsync(file, policies[i].Text);
            files.Add(file);
        }

        var checker = new AppArmorPolicyChecker(new ProcessCommandRunner(), parser);
        var batch = await checker.CheckFilesAsync(files);
        if (batch.Succeeded)
        {
            output.WriteLine("apparmor_parser -Q -K compiled " + files.Count + " policies");
            return;
        }

        // Find the culprits one by one, only on failure.
        var failures = new StringBuilder();
        for (var i = 0; i < files.Count; i++)
        {
            var single = await checker.CheckFilesAsync([files[i]]);
            if (!single.Succeeded)
            {
                failures.Append(policies[i].Label).Append(":\n").Append(single.StandardError).Append(policies[i].Text).Append('\n');
            }
        }

        Assert.Fail("apparmor_parser rejected generated policies (exit " + batch.ExitCode + "):\n" + batch.StandardError + "\n" + failures);
    }
}
