using System.Text;

namespace SpoSdk.Migration;

/// <summary>What <see cref="ManifestMigrator.Migrate"/> made of one manifest text.</summary>
/// <param name="Source">The label the text was migrated under, usually its file name.</param>
/// <param name="OriginalText">The text as given.</param>
/// <param name="Text">
/// The migrated text: the original with the changes of every document that migrated cleanly applied,
/// byte for byte identical elsewhere. Documents with problems are left as they were.
/// </param>
/// <param name="Changes">Every change made, one per rewritten field, in document order.</param>
/// <param name="Problems">Why documents could not be migrated; when there are any, the text must not be written back.</param>
public sealed record MigrationResult(
    string Source,
    string OriginalText,
    string Text,
    IReadOnlyList<MigrationChange> Changes,
    IReadOnlyList<MigrationProblem> Problems)
{
    /// <summary>Whether migrating changes the text.</summary>
    public bool IsChanged => !string.Equals(Text, OriginalText, StringComparison.Ordinal);

    /// <summary>Whether the migrated text should replace the original: it differs and every document migrated.</summary>
    public bool ShouldWrite => IsChanged && Problems.Count == 0;
}

/// <summary>One field a migration rewrites, formatted as <c>FILE#DOC KIND/NAME: JSONPATH: what</c>.</summary>
/// <param name="Source">The file name or other source label.</param>
/// <param name="DocumentIndex">The 1-based document number, counted as SpoSerializer counts them.</param>
/// <param name="Kind">The object's kind.</param>
/// <param name="Name">The object's name, <c>namespace/name</c> when it has a namespace; null when unnamed.</param>
/// <param name="Path">The JSON path of the field in the document before the change.</param>
/// <param name="Description">What changes, e.g. <c>moved to $.spec.selinux.enable</c> or <c>logs -> Logs</c>.</param>
public sealed record MigrationChange(string Source, int DocumentIndex, string Kind, string? Name, string Path, string Description)
{
    /// <inheritdoc />
    public override string ToString() =>
        MigrationFormat.Line(Source, DocumentIndex, Kind, Name, Path, null, null, Description);
}

/// <summary>
/// Why a document cannot be migrated (a conflict, a layout the migrator does not rewrite, a result
/// that would not validate as v1, a syntax error), formatted as <c>FILE#DOC KIND/NAME: JSONPATH: message</c>
/// like <c>spoc validate</c>'s errors.
/// </summary>
/// <param name="Source">The file name or other source label.</param>
/// <param name="DocumentIndex">The 1-based document number.</param>
/// <param name="Kind">The object's kind, when known.</param>
/// <param name="Name">The object's name, when known.</param>
/// <param name="Path">The JSON path concerned, when there is one.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Line">The 1-based line, for syntax errors.</param>
/// <param name="Column">The 1-based column, for syntax errors.</param>
public sealed record MigrationProblem(
    string Source,
    int DocumentIndex,
    string? Kind,
    string? Name,
    string? Path,
    string Message,
    int? Line = null,
    int? Column = null)
{
    /// <inheritdoc />
    public override string ToString() => MigrationFormat.Line(Source, DocumentIndex, Kind, Name, Path, Line, Column, Message);
}

internal static class MigrationFormat
{
    public static string Line(string source, int document, string? kind, string? name, string? path, int? line, int? column, string message)
    {
        var builder = new StringBuilder(source).Append('#').Append(document);
        if (kind is not null)
        {
            builder.Append(' ').Append(kind).Append('/').Append(name ?? "<unnamed>");
        }

        builder.Append(": ");
        if (line is { } l)
        {
            builder.Append("line ").Append(l).Append(", column ").Append(column ?? 0).Append(": ");
        }
        else if (path is not null)
        {
            builder.Append(path).Append(": ");
        }

        return builder.Append(message).ToString();
    }
}
