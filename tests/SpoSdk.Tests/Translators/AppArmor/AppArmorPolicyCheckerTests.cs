using SpoSdk.Node.Commands;
using SpoSdk.Translators.AppArmor;

namespace SpoSdk.Tests.Translators.AppArmor;

/// <summary>The checker's command line, through a recording <see cref="ICommandRunner"/>.</summary>
public sealed class AppArmorPolicyCheckerTests
{
    [Fact]
    public async Task Parser_gets_an_argument_array_that_never_reads_a_file_as_an_option()
    {
        var runner = new RecordingRunner();
        var checker = new AppArmorPolicyChecker(runner, "/usr/sbin/apparmor_parser", baseDirectory: "/node/etc/apparmor.d");

        await checker.CheckFilesAsync(["/tmp/a b", "/tmp/-K", "/tmp/$(id)"]);

        var (fileName, arguments) = Assert.Single(runner.Calls);
        Assert.Equal("/usr/sbin/apparmor_parser", fileName);
        Assert.Equal(["-Q", "-K", "--base=/node/etc/apparmor.d", "--", "/tmp/a b", "/tmp/-K", "/tmp/$(id)"], arguments);
    }

    [Fact]
    public async Task Checking_text_uses_a_private_file_that_is_removed_afterwards()
    {
        var runner = new RecordingRunner();
        var checker = new AppArmorPolicyChecker(runner, "apparmor_parser");

        var result = await checker.CheckAsync("profile p {}\n");

        Assert.True(result.Succeeded);
        var file = Assert.Single(runner.Calls).Arguments[^1];
        Assert.Equal("profile p {}\n", runner.Contents);
        Assert.False(File.Exists(file));
    }

    private sealed class RecordingRunner : ICommandRunner
    {
        public List<(string FileName, IReadOnlyList<string> Arguments)> Calls { get; } = [];

        public string? Contents { get; private set; }

        public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, CommandOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls.Add((fileName, arguments.ToArray()));
            Contents = File.Exists(arguments[^1]) ? File.ReadAllText(arguments[^1]) : null;
            return Task.FromResult(new CommandResult(0, string.Empty, string.Empty));
        }
    }
}
