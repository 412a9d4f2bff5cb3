using SpoSdk.Cli.CommandLine;

namespace SpoSdk.Cli;

/// <summary>The <c>spoc</c> command line: dispatches to one command per verb.</summary>
/// <remarks>
/// Every command line is checked against the command's definition (<see cref="SpocCommands"/>) first:
/// <c>-h</c>/<c>--help</c> prints the command's help (exit 0); an unknown command or option, a missing
/// value or argument is one line on stderr (exit 2; 125 for record and run, whose own code is the
/// program's); an unexpected failure inside a command is one line too, or the whole exception with
/// <c>--verbose</c>.
/// </remarks>
public static class SpocApp
{
    /// <summary>Exit code: everything checked out.</summary>
    public const int Success = 0;

    /// <summary>Exit code: the input is wrong (violations, syntax errors).</summary>
    public const int Invalid = 1;

    /// <summary>Exit code: the command could not do its job (usage, unreadable files, unknown kinds).</summary>
    public const int Failure = 2;

    /// <summary>Runs one command line and returns its exit code (no progress: the writers are not a terminal).</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, new SpocConsole(stdin, stdout, stderr, ErrorIsTerminal: false));

    /// <summary>Runs one command line against <paramref name="console"/>, with the commands of <paramref name="commands"/> (null: every spoc command).</summary>
    internal static async Task<int> RunAsync(IReadOnlyList<string> args, SpocConsole console, IReadOnlyList<CliCommand>? commands = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        commands ??= SpocCommands.All;
        var stderr = console.Error;
        if (args.Count == 0)
        {
            await stderr.WriteAsync(CliHelp.Overview(commands)).ConfigureAwait(false);
            return Failure;
        }

        if (args[0] is "-h" or "--help" or "help")
        {
            // "spoc help COMMAND" as well as "spoc COMMAND --help".
            var topic = args.Count > 1 ? commands.FirstOrDefault(c => c.Name == args[1]) : null;
            await console.Out.WriteAsync(topic is null ? CliHelp.Overview(commands) : CliHelp.For(topic)).ConfigureAwait(false);
            return Success;
        }

        var command = commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            var what = args[0].StartsWith('-') ? "unknown option '" + args[0] + "' (a command comes first)" : "unknown command '" + args[0] + "'";
            await stderr.WriteLineAsync("spoc: " + what + "; see 'spoc --help'").ConfigureAwait(false);
            return Failure;
        }

        var checkedArgs = CliArguments.Check(command, args.Skip(1).ToList());
        if (checkedArgs.HelpRequested)
        {
            await console.Out.WriteAsync(CliHelp.For(command)).ConfigureAwait(false);
            return Success;
        }

        if (checkedArgs.Problem is { } problem)
        {
            await stderr.WriteLineAsync("spoc " + command.Name + ": " + problem + "; see 'spoc " + command.Name + " --help'").ConfigureAwait(false);
            return command.FailureExitCode;
        }

        var progress = new CliProgress(stderr, console.ErrorIsTerminal, console.Time);
        try
        {
            return await command.Run(new CliInvocation(checkedArgs.Args, console, progress)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A failure no command anticipated: one line naming it, unless the user asked for everything.
            progress.Clear();
            await stderr.WriteLineAsync(checkedArgs.Verbose ? "spoc " + command.Name + ": " + ex : "spoc " + command.Name + ": " + OneLine(ex) + " (--verbose shows the stack trace)").ConfigureAwait(false);
            return command.FailureExitCode;
        }
        finally
        {
            progress.Clear();
        }
    }

    // The message of the exception and the inner ones that add to it, on one line.
    private static string OneLine(Exception exception)
    {
        var parts = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = string.Join(' ', current.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            if (parts.Count == 0 || !parts[^1].Contains(message, StringComparison.Ordinal))
            {
                parts.Add(message);
            }
        }

        return exception.GetType().Name + ": " + string.Join(": ", parts);
    }
}
