using Microsoft.Extensions.Time.Testing;
using SpoSdk.Cli;
using SpoSdk.Cli.CommandLine;

namespace SpoSdk.Tests.Cli;

/// <summary>
/// What every spoc command shares: <c>--help</c>/<c>-h</c> written from the command's definition, one-line
/// usage errors with exit 2 (125 for record and run), unexpected failures on one line unless
/// <c>--verbose</c>, and progress on stderr only when stderr is a terminal.
/// </summary>
public sealed class SpocCommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Every command name, from the definitions spoc dispatches on.</summary>
    public static TheoryData<string> Commands() => [.. SpocCommands.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_shows_usage_arguments_every_option_and_an_example(string name)
    {
        var command = SpocCommands.All.Single(c => c.Name == name);
        foreach (var flag in new[] { "--help", "-h" })
        {
            var (code, stdout, stderr) = await RunAsync(name, flag);

            Assert.Equal(0, code);
            Assert.Equal(string.Empty, stderr);
            Assert.StartsWith("usage: spoc " + name + " ", stdout, StringComparison.Ordinal);
            foreach (var option in command.Options.Concat(CliArguments.Common))
            {
                foreach (var spelling in option.Names)
                {
                    Assert.Matches(@"(^|[\s,\[|])" + System.Text.RegularExpressions.Regex.Escape(spelling) + @"($|[\s,\[\]=|])", stdout.Split("options:")[1]);
                }
            }

            foreach (var argument in command.Arguments)
            {
                Assert.Contains("  " + argument.Name + " ", stdout.Split("arguments:")[1], StringComparison.Ordinal);
            }

            Assert.NotEmpty(command.Examples);
            Assert.All(command.Examples, example => Assert.Contains("  " + example + Environment.NewLine, stdout, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_wins_over_other_arguments_and_spoc_help_command_is_the_same(string name)
    {
        var (helpCode, help, _) = await RunAsync(name, "--help");
        var (code, stdout, stderr) = await RunAsync(name, "--no-such-option", "-h");
        var (topicCode, topic, _) = await RunAsync("help", name);

        Assert.Equal((0, 0, 0), (helpCode, code, topicCode));
        Assert.Equal(string.Empty, stderr);
        Assert.Equal(help, stdout);
        Assert.Equal(help, topic);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task An_unknown_option_is_one_line_naming_it(string name)
    {
        var command = SpocCommands.All.Single(c => c.Name == name);

        var (code, stdout, stderr) = await RunAsync(name, "--bogus", "x");

        Assert.Equal(command.FailureExitCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("spoc " + name + ": unknown option '--bogus'; see 'spoc " + name + " --help'", Assert.Single(Lines(stderr)));
    }

    /// <summary>Every spelling of every option each command defines.</summary>
    public static TheoryData<string, string> DefinedOptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var command in SpocCommands.All)
        {
            foreach (var spelling in command.Options.SelectMany(o => o.Names))
            {
                data.Add(command.Name, spelling);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DefinedOptions))]
    public async Task Every_defined_option_is_one_the_command_parses_and_bad_values_never_crash(string name, string spelling)
    {
        var command = SpocCommands.All.Single(c => c.Name == name);
        var option = command.FindOption(spelling)!;
        var missing = Path.Combine(_dir, "missing.yaml");
        var value = Path.Combine(_dir, "x");

        // The option with a value no command accepts as is, then just enough for the command to start
        // (nothing it reaches exists, so nothing runs, connects or is written).
        string[] given = option.Value is null ? [spelling] : option.ValueOptional ? [spelling + "=read"] : [spelling, value];
        string[] rest = name switch
        {
            "reconcile" => ["--manifests", missing, "--node-root", _dir],
            "push" => ["127.0.0.1:1/p:v1", missing],
            "pull" => ["127.0.0.1:1/p@sha256:" + new string('0', 64), "--key", missing],
            "record" => [Path.Combine(_dir, "no-such-program")],
            "run" => ["--profile", missing, Path.Combine(_dir, "no-such-program")],
            _ => [missing],
        };
        if (name == "run" && spelling is "-p" or "--profile")
        {
            rest = [Path.Combine(_dir, "no-such-program")];
        }

        var (_, _, stderr) = await RunAsync([name, .. given, .. rest]);

        Assert.DoesNotContain("unknown option", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("needs a value", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("--verbose shows the stack trace", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(value), "nothing is written");
    }

    [Fact]
    public async Task Overview_lists_every_command_on_stdout_and_exits_zero()
    {
        var (code, stdout, stderr) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        Assert.All(SpocCommands.All, c => Assert.Contains("  " + c.Usage.Split('\n')[0], stdout, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, 2, "spoc: unknown command 'frobnicate'; see 'spoc --help'")]
    [InlineData(new[] { "--lenient" }, 2, "spoc: unknown option '--lenient' (a command comes first); see 'spoc --help'")]
    [InlineData(new[] { "convert", "--to" }, 2, "spoc convert: option '--to' needs a value (VERSION); see 'spoc convert --help'")]
    [InlineData(new[] { "validate", "--lenient=yes", "a.yaml" }, 2, "spoc validate: option '--lenient' takes no value; see 'spoc validate --help'")]
    [InlineData(new[] { "convert", "a.yaml", "b.yaml" }, 2, "spoc convert: without --to, convert takes exactly one PROFILE (got 2); see 'spoc convert --help'")]
    [InlineData(new[] { "convert", "--to", "v1", "--format", "toml", "a.yaml" }, 2, "spoc convert: --format must be yaml or json, not 'toml'; see 'spoc convert --help'")]
    [InlineData(new[] { "convert", "--to", "v1", "-p", "/bin/x", "a.yaml" }, 2, "spoc convert: --program applies only without --to; see 'spoc convert --help'")]
    [InlineData(new[] { "validate" }, 2, "spoc validate: missing argument FILE...; see 'spoc validate --help'")]
    [InlineData(new[] { "validate", "--", "a.yaml" }, 2, "spoc validate: unknown option '--'; see 'spoc validate --help'")]
    [InlineData(new[] { "reconcile", "--manifests", "m" }, 2, "spoc reconcile: missing option '--node-root DIR'; see 'spoc reconcile --help'")]
    [InlineData(new[] { "push", "registry.example/p:v1" }, 2, "spoc push: missing argument FILE...; see 'spoc push --help'")]
    [InlineData(new[] { "run", "--profile", "p.yaml" }, 125, "spoc run: missing argument CMD [ARGS...]; see 'spoc run --help'")]
    [InlineData(new[] { "record", "--type" }, 125, "spoc record: option '--type' needs a value (seccomp|raw-seccomp|apparmor|all); see 'spoc record --help'")]
    public async Task Usage_errors_are_one_line_naming_the_problem(string[] args, int exitCode, string line)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(exitCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(line, Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task Option_equals_value_reaches_the_command_as_two_arguments()
    {
        var profile = Path.Combine(_dir, "p.yaml");
        await File.WriteAllTextAsync(profile, "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: p}\nspec: {defaultAction: SCMP_ACT_ERRNO}\n");

        var (code, stdout, stderr) = await RunAsync("convert", "--to=v1", profile);

        Assert.True(code == 0, stderr);
        Assert.Contains("apiVersion: security-profiles-operator.x-k8s.io/v1\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_after_the_program_of_record_and_run_are_the_programs()
    {
        var command = SpocCommands.All.Single(c => c.Name == "run");

        var checkedArgs = CliArguments.Check(command, ["--profile", "p.yaml", "ls", "--verbose", "--help", "-x"]);

        Assert.Null(checkedArgs.Problem);
        Assert.False(checkedArgs.HelpRequested);
        Assert.False(checkedArgs.Verbose);
        Assert.Equal(["--profile", "p.yaml", "ls", "--verbose", "--help", "-x"], checkedArgs.Args);
    }

    [Fact]
    public async Task An_unexpected_failure_is_one_line_without_verbose_and_the_whole_exception_with_it()
    {
        CliCommand failing = new("explode", "explode", "Fails.", [], [], ["spoc explode"], _ => throw new InvalidOperationException("the disk\nvanished", new IOException("EIO")));

        var (code, _, stderr) = await RunAsync([failing], "explode");
        var (verboseCode, _, verbose) = await RunAsync([failing], "explode", "--verbose");

        Assert.Equal((2, 2), (code, verboseCode));
        Assert.Equal("spoc explode: InvalidOperationException: the disk vanished: EIO (--verbose shows the stack trace)", Assert.Single(Lines(stderr)));
        Assert.StartsWith("spoc explode: System.InvalidOperationException: the disk", verbose, StringComparison.Ordinal);
        Assert.Contains("System.IO.IOException: EIO", verbose, StringComparison.Ordinal);
        Assert.Contains(" at ", verbose, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reconcile_shows_progress_only_when_stderr_is_a_terminal(bool terminal)
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        for (var i = 0; i < 3; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(manifests, "p" + i + ".yaml"), "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: p" + i + "}\nspec: {defaultAction: SCMP_ACT_ERRNO}\n");
        }

        var (code, stdout, stderr) = await RunAsync(terminal, "reconcile", "--manifests", manifests, "--node-root", Path.Combine(_dir, "root"));

        Assert.True(code == 0, stderr);
        Assert.Equal(3, Lines(stdout).Length);
        if (terminal)
        {
            Assert.StartsWith("\rreading manifests 1/3\u001b[K", stderr, StringComparison.Ordinal);
            Assert.EndsWith("\r\u001b[K", stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(string.Empty, stderr);
        }
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task Audit_shows_progress_only_when_stderr_is_a_terminal_and_stdout_is_not(bool terminal, bool outputTerminal)
    {
        var log = Path.Combine(_dir, "audit.log");
        await File.WriteAllTextAsync(log, string.Concat(Enumerable.Repeat("type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=0 success=yes exit=0 pid=1 comm=\"x\"\n", 5_000)));
        using var stdout = new StringWriter();
        using var stderrWriter = new StringWriter();

        var code = await SpocApp.RunAsync(["audit", log], new SpocConsole(TextReader.Null, stdout, stderrWriter, terminal) { OutputIsTerminal = outputTerminal });

        var stderr = stderrWriter.ToString();
        Assert.Equal(0, code);
        if (terminal && !outputTerminal)
        {
            Assert.Matches(@"^\rreading log [0-9.]+/[0-9.]+ MiB \(\d+%\)\u001b\[K", stderr);
            Assert.EndsWith("\r\u001b[K", stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(string.Empty, stderr);
        }
    }

    [Fact]
    public void Progress_updates_no_more_often_than_its_interval()
    {
        var time = new FakeTimeProvider();
        using var stderr = new StringWriter();
        var progress = new CliProgress(stderr, enabled: true, time);

        progress.Report("a");
        progress.Report("b");
        time.Advance(CliProgress.Interval);
        progress.Report("c");
        progress.Clear();
        progress.Clear();

        Assert.Equal("\ra\u001b[K\rc\u001b[K\r\u001b[K", stderr.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(false, args);

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(bool terminal, params string[] args) => RunAsync(null, terminal, args);

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyList<CliCommand> commands, params string[] args) => RunAsync(commands, false, args);

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyList<CliCommand>? commands, bool terminal, string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(args, new SpocConsole(TextReader.Null, stdout, stderr, terminal), commands);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
