namespace SpoSdk.Cli.CommandLine;

/// <summary>
/// A command line checked against its <see cref="CliCommand"/> before the command sees it: help
/// asked for, <c>--verbose</c> taken out, <c>--option=value</c> split in two, and the first problem
/// (unknown option, missing value, missing argument) as one sentence.
/// </summary>
/// <param name="Args">What the command receives.</param>
/// <param name="HelpRequested">Whether <c>-h</c> or <c>--help</c> came before the options ended.</param>
/// <param name="Verbose">Whether <c>--verbose</c> came before the options ended.</param>
/// <param name="Problem">The first thing wrong, or null.</param>
internal sealed record CliArguments(IReadOnlyList<string> Args, bool HelpRequested, bool Verbose, string? Problem)
{
    /// <summary>The options every command takes besides its own.</summary>
    public static readonly IReadOnlyList<CliOption> Common =
    [
        new(["-h", "--help"], null, "print this help and exit"),
        new(["--verbose"], null, "on an unexpected failure, print the whole exception (stack trace included)"),
    ];

    /// <summary>Checks <paramref name="args"/> (what follows the verb) against <paramref name="command"/>.</summary>
    public static CliArguments Check(CliCommand command, IReadOnlyList<string> args)
    {
        var passed = new List<string>(args.Count);
        var help = false;
        var verbose = false;
        string? problem = null;
        var positionals = 0;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if ((arg == "--" && command.AcceptsEndOfOptions) || (command.OptionsEndAtFirstArgument && !IsOption(arg)))
            {
                // Everything after belongs to the arguments (for record and run: the program's command line).
                positionals += args.Count - i - (arg == "--" ? 1 : 0);
                passed.AddRange(args.Skip(i));
                break;
            }

            if (!IsOption(arg))
            {
                positionals++;
                passed.Add(arg);
                continue;
            }

            switch (arg)
            {
                case "-h" or "--help":
                    help = true;
                    continue;
                case "--verbose":
                    verbose = true;
                    continue;
            }

            var equals = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=', StringComparison.Ordinal) : -1;
            var name = equals > 0 ? arg[..equals] : arg;
            var option = command.FindOption(name);
            if (option is null)
            {
                problem ??= "unknown option '" + name + "'";
                continue;
            }

            if (option.Value is null)
            {
                if (equals > 0)
                {
                    problem ??= "option '" + name + "' takes no value";
                }

                passed.Add(arg);
            }
            else if (option.ValueOptional)
            {
                // Passed as written: the command tells "--x", "--x=V" and "--x V" apart itself.
                passed.Add(arg);
                if (equals < 0 && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                {
                    passed.Add(args[++i]);
                }
            }
            else if (equals > 0)
            {
                passed.Add(name);
                passed.Add(arg[(equals + 1)..]);
            }
            else if (i + 1 < args.Count)
            {
                passed.Add(arg);
                passed.Add(args[++i]);
            }
            else
            {
                problem ??= "option '" + name + "' needs a value (" + option.Value + ")";
            }
        }

        if (problem is null)
        {
            problem = command.Options.FirstOrDefault(o => o.Required && !o.Names.Any(n => passed.Contains(n, StringComparer.Ordinal))) is { } missing
                ? "missing option '" + missing.DisplayName + " " + missing.Value + "'"
                : command.Arguments.Where(a => a.Required).Skip(positionals).FirstOrDefault() is { } argument
                    ? "missing argument " + argument.Name
                    : null;
        }

        return new CliArguments(passed, help, verbose, problem);
    }

    private static bool IsOption(string arg) => arg.Length > 1 && arg[0] == '-';
}
