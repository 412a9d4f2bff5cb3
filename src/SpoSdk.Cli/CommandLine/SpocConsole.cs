namespace SpoSdk.Cli.CommandLine;

/// <summary>The streams a spoc run uses, and whether stderr is a terminal (the seam tests set).</summary>
/// <param name="In">Standard input.</param>
/// <param name="Out">Standard output: results.</param>
/// <param name="Error">Standard error: problems, and progress when <paramref name="ErrorIsTerminal"/>.</param>
/// <param name="ErrorIsTerminal">Whether stderr is a terminal, so progress may be shown on it.</param>
internal sealed record SpocConsole(TextReader In, TextWriter Out, TextWriter Error, bool ErrorIsTerminal)
{
    /// <summary>
    /// Whether stdout is a terminal too: a command that streams results there (audit) then shows no
    /// progress, whose status line would land in the middle of its output.
    /// </summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>The time progress updates are paced by.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The process's own console.</summary>
    public static SpocConsole System() => new(Console.In, Console.Out, Console.Error, !Console.IsErrorRedirected) { OutputIsTerminal = !Console.IsOutputRedirected };
}
