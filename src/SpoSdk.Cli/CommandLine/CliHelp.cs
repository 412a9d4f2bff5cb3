using System.Text;

namespace SpoSdk.Cli.CommandLine;

/// <summary>The help texts, written from the command definitions.</summary>
internal static class CliHelp
{
    private const int NameColumn = 34;

    /// <summary><c>spoc --help</c>: every command's synopsis and summary.</summary>
    public static string Overview(IReadOnlyList<CliCommand> commands)
    {
        var text = new StringBuilder()
            .AppendLine("usage: spoc <command> [options]")
            .AppendLine()
            .AppendLine("commands:");
        foreach (var command in commands)
        {
            foreach (var line in command.Usage.Split('\n'))
            {
                text.Append("  ").AppendLine(line);
            }

            text.Append("      ").AppendLine(command.Summary);
        }

        return text
            .AppendLine()
            .AppendLine("Run 'spoc <command> --help' for a command's arguments, options and an example.")
            .ToString();
    }

    /// <summary><c>spoc COMMAND --help</c>: usage, summary, arguments, options and examples.</summary>
    public static string For(CliCommand command)
    {
        var text = new StringBuilder();
        var usage = command.Usage.Split('\n');
        text.Append("usage: spoc ").AppendLine(usage[0]);
        foreach (var line in usage.Skip(1))
        {
            text.Append("       spoc ").AppendLine(line);
        }

        text.AppendLine().AppendLine(command.Summary);
        if (command.Arguments.Count > 0)
        {
            text.AppendLine().AppendLine("arguments:");
            foreach (var argument in command.Arguments)
            {
                Row(text, argument.Name, argument.Description);
            }
        }

        text.AppendLine().AppendLine("options:");
        foreach (var option in command.Options.Concat(CliArguments.Common))
        {
            var value = option.Value is null ? string.Empty : option.ValueOptional ? "[=" + option.Value + "]" : " " + option.Value;
            Row(text, string.Join(", ", option.Names) + value, option.Description + (option.Required ? " (required)" : string.Empty));
        }

        text.AppendLine().AppendLine(command.Examples.Count == 1 ? "example:" : "examples:");
        foreach (var example in command.Examples)
        {
            text.Append("  ").AppendLine(example);
        }

        return text.ToString();
    }

    // A name column, then the description; a long name gets the description on its own line.
    private static void Row(StringBuilder text, string name, string description)
    {
        text.Append("  ").Append(name);
        if (name.Length + 2 < NameColumn)
        {
            text.Append(' ', NameColumn - name.Length - 2);
        }
        else
        {
            text.AppendLine().Append(' ', NameColumn);
        }

        text.AppendLine(description);
    }
}
