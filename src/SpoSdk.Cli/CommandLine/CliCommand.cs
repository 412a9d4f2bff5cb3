namespace SpoSdk.Cli.CommandLine;

/// <summary>
/// One spoc command as the user meets it: what it is called, what it takes and how it is run. The help
/// text and the argument check both come from here, so help cannot list an option the command refuses,
/// nor the command receive an option help does not show.
/// </summary>
/// <param name="Name">The verb, e.g. <c>validate</c>.</param>
/// <param name="Usage">The synopsis after <c>spoc</c>; several forms on several lines.</param>
/// <param name="Summary">What the command does, in a sentence or two.</param>
/// <param name="Arguments">The positional arguments.</param>
/// <param name="Options">The options the command parses (<c>-h</c>/<c>--help</c> and <c>--verbose</c> are added to every command).</param>
/// <param name="Examples">Command lines to copy, each with <c>spoc</c> first.</param>
/// <param name="Run">Runs the command with the arguments that follow the verb.</param>
internal sealed record CliCommand(
    string Name,
    string Usage,
    string Summary,
    IReadOnlyList<CliArgument> Arguments,
    IReadOnlyList<CliOption> Options,
    IReadOnlyList<string> Examples,
    Func<CliInvocation, Task<int>> Run)
{
    /// <summary>
    /// Whether options end at the first argument (the command line of a program spoc runs, as for
    /// <c>record</c> and <c>run</c>): what follows is passed on untouched.
    /// </summary>
    public bool OptionsEndAtFirstArgument { get; init; }

    /// <summary>Whether <c>--</c> ends the options (and is passed on for the command to see); elsewhere it is refused.</summary>
    public bool AcceptsEndOfOptions { get; init; }

    /// <summary>
    /// The exit code for usage errors and failures of spoc itself: 2, except where the command's own
    /// exit code must stay distinguishable from it (<c>record</c> and <c>run</c> use 125).
    /// </summary>
    public int FailureExitCode { get; init; } = SpocApp.Failure;

    /// <summary>The option one of whose names is <paramref name="name"/>, or null.</summary>
    public CliOption? FindOption(string name) => Options.FirstOrDefault(o => o.Names.Contains(name, StringComparer.Ordinal));
}

/// <summary>A positional argument.</summary>
/// <param name="Name">How usage names it, e.g. <c>FILE...</c>.</param>
/// <param name="Description">What it is.</param>
/// <param name="Required">Whether the command needs at least one.</param>
internal sealed record CliArgument(string Name, string Description, bool Required = false);

/// <summary>An option.</summary>
/// <param name="Names">Every spelling, short ones first, e.g. <c>-o</c>, <c>--output</c>.</param>
/// <param name="Value">The value's placeholder, e.g. <c>FILE</c>; null for a flag.</param>
/// <param name="Description">What it does.</param>
internal sealed record CliOption(IReadOnlyList<string> Names, string? Value, string Description)
{
    /// <summary>Whether the value may be left out (<c>--base-syscalls</c> alone, or <c>--base-syscalls=LIST</c>).</summary>
    public bool ValueOptional { get; init; }

    /// <summary>Whether the command cannot run without it.</summary>
    public bool Required { get; init; }

    /// <summary>The long name, as error messages quote it.</summary>
    public string DisplayName => Names[^1];
}

/// <summary>What a command runs with.</summary>
/// <param name="Args">The arguments after the verb, without <c>--verbose</c>.</param>
/// <param name="Console">Where it reads and writes.</param>
/// <param name="Progress">Where a long run reports how far it is (nothing unless stderr is a terminal).</param>
internal sealed record CliInvocation(IReadOnlyList<string> Args, SpocConsole Console, CliProgress Progress);
