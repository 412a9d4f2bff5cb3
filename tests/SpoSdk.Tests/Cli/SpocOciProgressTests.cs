using SpoSdk.Cli.CommandLine;
using SpoSdk.Cli.Commands;
using SpoSdk.Tests.Oci;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Cli;

/// <summary><c>spoc push</c> and <c>spoc pull</c> against a real docker-registry: a status line while the registry works, only on a terminal.</summary>
public sealed class SpocOciProgressTests : IClassFixture<PlainRegistryFixture>, IDisposable
{
    private readonly PlainRegistryFixture _registry;
    private readonly ITestOutputHelper _output;
    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-oci-progress-").FullName;

    public SpocOciProgressTests(PlainRegistryFixture registry, ITestOutputHelper output)
    {
        _registry = registry;
        _output = output;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Push_and_pull_show_progress_only_when_stderr_is_a_terminal(bool terminal)
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var profile = Path.Combine(_dir, "web.yaml");
        await File.WriteAllTextAsync(profile, ProfileArtifactTests.Seccomp);
        var target = _registry.Registry + "/progress/web-" + (terminal ? "tty" : "pipe") + ":v1";

        var (pushCode, pushed, pushErrors) = await RunAsync(terminal, (o, e, p) => PushCommand.RunAsync([target, profile, "--plain-http"], TextReader.Null, o, e, NoEnvironment, null, p));
        var (pullCode, pulled, pullErrors) = await RunAsync(terminal, (o, e, p) => PullCommand.RunAsync([pushed.Trim(), "--plain-http"], TextReader.Null, o, e, NoEnvironment, null, p));

        Assert.True(pushCode == 0, pushErrors);
        Assert.True(pullCode == 0, pullErrors);
        Assert.Equal(ProfileArtifactTests.Seccomp, pulled);
        if (terminal)
        {
            Assert.Equal("\rpushing 1 profile(s) to " + target + "\u001b[K\r\u001b[K", pushErrors);
            Assert.StartsWith("\rpulling " + pushed.Trim() + "\u001b[K\r\u001b[Kspoc pull: ", pullErrors, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(string.Empty, pushErrors);
            Assert.StartsWith("spoc pull: ", pullErrors, StringComparison.Ordinal);
        }
    }

    // No variable of the test process leaks in (a developer's USERNAME or docker config).
    private static string? NoEnvironment(string name) => null;

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(bool terminal, Func<TextWriter, TextWriter, CliProgress, Task<int>> run)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await run(stdout, stderr, new CliProgress(stderr, terminal, TimeProvider.System));
        return (code, stdout.ToString(), stderr.ToString());
    }
}
