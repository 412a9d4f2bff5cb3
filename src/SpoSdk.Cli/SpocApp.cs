using SpoSdk.Cli.Commands;

namespace SpoSdk.Cli;

/// <summary>The <c>spoc</c> command line: dispatches to one command per verb.</summary>
public static class SpocApp
{
    /// <summary>Exit code: everything checked out.</summary>
    public const int Success = 0;

    /// <summary>Exit code: the input is wrong (violations, syntax errors).</summary>
    public const int Invalid = 1;

    /// <summary>Exit code: the command could not do its job (usage, unreadable files, unknown kinds).</summary>
    public const int Failure = 2;

    private const string Usage = """
        usage: spoc <command> [options]

        commands:
          validate [--lenient] FILE...   check SPO manifests (YAML or JSON, multi-document; '-' reads stdin,
                                         a directory reads its *.yaml, *.yml and *.json files)
        """;

    /// <summary>Runs one command line and returns its exit code.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Count == 0 ? stderr : stdout!).WriteLine(Usage);
            return Task.FromResult(args.Count == 0 ? Failure : Success);
        }

        return args[0] switch
        {
            "validate" => ValidateCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            _ => UnknownCommand(args[0], stderr),
        };
    }

    private static Task<int> UnknownCommand(string command, TextWriter stderr)
    {
        stderr.WriteLine("spoc: unknown command '" + command + "'");
        stderr.WriteLine(Usage);
        return Task.FromResult(Failure);
    }
}
