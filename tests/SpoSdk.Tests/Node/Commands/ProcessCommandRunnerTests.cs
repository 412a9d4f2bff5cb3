using SpoSdk.Node.Commands;

namespace SpoSdk.Tests.Node.Commands;

/// <summary>The argument-array seam: no shell, exact argv, bounded output, time limits.</summary>
public sealed class ProcessCommandRunnerTests
{
    private readonly ProcessCommandRunner _runner = new();

    [Fact]
    public async Task Arguments_reach_the_program_unchanged_and_unexpanded()
    {
        string[] hostile = ["$(touch /tmp/spo-pwned)", "a b", "`id`", "; rm -rf /", "'\"", "*", "--", "-n", "\n", string.Empty, "ünïcødé"];

        var result = await _runner.RunAsync("/usr/bin/printf", ["%s\\0", .. hostile]);

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal([.. hostile, string.Empty], result.StandardOutput.Split('\0'));
        Assert.False(File.Exists("/tmp/spo-pwned"));
    }

    [Fact]
    public async Task Exit_code_stdin_and_environment()
    {
        var result = await _runner.RunAsync("/bin/sh", ["-c", "cat; echo \"$SPO_TEST_VAR\" >&2; exit 3"], new CommandOptions
        {
            StandardInput = "from stdin\n",
            Environment = new Dictionary<string, string?> { ["SPO_TEST_VAR"] = "set" },
        });

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("from stdin\n", result.StandardOutput);
        Assert.Equal("set\n", result.StandardError);
    }

    [Fact]
    public async Task Output_beyond_the_cap_is_dropped_not_buffered()
    {
        var result = await _runner.RunAsync("/bin/sh", ["-c", "head -c 5000000 /dev/zero | tr '\\0' x"], new CommandOptions { MaxOutputChars = 1000 });

        Assert.True(result.Succeeded);
        Assert.Equal(1000, result.StandardOutput.Length);
        Assert.True(result.OutputTruncated);
    }

    [Fact]
    public async Task A_program_over_its_time_limit_is_killed()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => _runner.RunAsync("/bin/sleep", ["30"], new CommandOptions { Timeout = TimeSpan.FromMilliseconds(200) }));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancellation_kills_the_program()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _runner.RunAsync("/bin/sleep", ["30"], cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task Missing_programs_and_nul_arguments_are_errors()
    {
        await Assert.ThrowsAsync<CommandNotFoundException>(() => _runner.RunAsync("/nonexistent/program", []));
        await Assert.ThrowsAsync<ArgumentException>(() => _runner.RunAsync("/bin/echo", ["a\0b"]));
        await Assert.ThrowsAsync<ArgumentException>(() => _runner.RunAsync(string.Empty, []));
    }

    [Fact]
    public void Locator_prefers_the_given_paths_then_path()
    {
        Assert.Equal("/bin/sh", ExecutableLocator.Find("sh", "/bin/sh"));
        Assert.NotNull(ExecutableLocator.Find("sh", "/nonexistent/sh"));
        Assert.Null(ExecutableLocator.Find("spo-no-such-program-" + Guid.NewGuid().ToString("N")));
        Assert.Throws<ArgumentException>(() => ExecutableLocator.Find("../sh"));
    }
}
