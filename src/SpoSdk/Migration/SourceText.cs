using System.Text;

namespace SpoSdk.Migration;

/// <summary>One replacement of a range of the source text.</summary>
/// <param name="Start">The first character replaced.</param>
/// <param name="End">The character after the last one replaced; equal to <paramref name="Start"/> for an insertion.</param>
/// <param name="Text">The new text.</param>
internal sealed record TextEdit(int Start, int End, string Text);

/// <summary>
/// Line and indentation facts about a YAML text, for editing it at parser positions. Every line,
/// the last included, ends with a line break: the migrator adds one to a text that lacks it and
/// takes it off again at the end, so moved blocks never need special cases at the end of the text.
/// </summary>
internal sealed class SourceText
{
    public SourceText(string text)
    {
        Text = text;
        var firstBreak = text.IndexOf('\n', StringComparison.Ordinal);
        NewLine = firstBreak > 0 && text[firstBreak - 1] == '\r' ? "\r\n" : "\n";
        FirstLineStart = text.StartsWith('\uFEFF') ? 1 : 0;
    }

    public string Text { get; }

    /// <summary>The text's line break, taken from its first line.</summary>
    public string NewLine { get; }

    // After a byte order mark, which stays where it is whatever moves.
    private int FirstLineStart { get; }

    /// <summary>Where the line holding <paramref name="position"/> starts.</summary>
    public int LineStart(int position)
    {
        var i = position;
        while (i > FirstLineStart && Text[i - 1] != '\n')
        {
            i--;
        }

        return Math.Max(i, FirstLineStart);
    }

    /// <summary>Where the line after the one holding <paramref name="position"/> starts; <paramref name="position"/> itself when it already starts a line.</summary>
    public int NextLineStart(int position)
    {
        if (position <= FirstLineStart || Text[position - 1] == '\n')
        {
            return position;
        }

        var i = Text.IndexOf('\n', position);
        return i < 0 ? Text.Length : i + 1;
    }

    /// <summary>The 0-based column of <paramref name="position"/>.</summary>
    public int Column(int position) => position - LineStart(position);

    /// <summary>Whether only spaces precede <paramref name="position"/> on its line.</summary>
    public bool StartsLine(int position)
    {
        for (var i = LineStart(position); i < position; i++)
        {
            if (Text[i] != ' ')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The column of the comment that fills the line starting at <paramref name="lineStart"/>, or -1 when the line is no comment line.</summary>
    public int CommentColumn(int lineStart)
    {
        var i = lineStart;
        while (i < Text.Length && Text[i] is ' ' or '\t')
        {
            i++;
        }

        return i < Text.Length && Text[i] == '#' ? i - lineStart : -1;
    }

    /// <summary>Where the line before the one starting at <paramref name="lineStart"/> starts, or -1 at the first line.</summary>
    public int PreviousLineStart(int lineStart) => lineStart <= FirstLineStart ? -1 : LineStart(lineStart - 1);

    /// <summary>
    /// Indents every non-blank line of <paramref name="block"/> (whole lines) by <paramref name="delta"/>
    /// more spaces, or fewer when negative. Shifting every line alike keeps block scalars, explicit
    /// indentation indicators and comments meaning what they meant.
    /// </summary>
    /// <param name="block">Whole lines.</param>
    /// <param name="delta">The spaces to add, or to take away when negative.</param>
    /// <param name="blockScalars">
    /// The ranges of <paramref name="block"/> holding block scalars, header to content end. Their lines of only
    /// spaces are shifted too: as long as the scalar's indentation or longer they are content ("  " under a
    /// four-space block is a line of two spaces), and shorter ones stay blank lines whatever the shift.
    /// </param>
    public static string Reindent(string block, int delta, IReadOnlyList<(int Start, int End)>? blockScalars = null)
    {
        if (delta == 0)
        {
            return block;
        }

        var builder = new StringBuilder(block.Length + 16);
        var lineStart = 0;
        while (lineStart < block.Length)
        {
            var lineEnd = block.IndexOf('\n', lineStart);
            lineEnd = lineEnd < 0 ? block.Length : lineEnd + 1;
            var line = block.AsSpan(lineStart, lineEnd - lineStart);
            var blank = line.Trim(" \t\r\n").IsEmpty;
            if (blank && (line.TrimEnd("\r\n").IsEmpty || !InBlockScalar(lineStart)))
            {
                builder.Append(line);
            }
            else if (delta > 0)
            {
                builder.Append(' ', delta).Append(line);
            }
            else
            {
                var spaces = 0;
                while (spaces < -delta && spaces < line.Length && line[spaces] == ' ')
                {
                    spaces++;
                }

                builder.Append(line[spaces..]);
            }

            lineStart = lineEnd;
        }

        return builder.ToString();

        bool InBlockScalar(int lineStart) => blockScalars?.Any(r => lineStart > r.Start && lineStart < r.End) == true;
    }

    /// <summary>Applies non-overlapping edits; insertions at a position go before a replacement starting there.</summary>
    public static string Apply(string text, IEnumerable<TextEdit> edits)
    {
        var ordered = Order(edits);
        if (ordered.Count == 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 256);
        var position = 0;
        foreach (var edit in ordered)
        {
            if (edit.Start < position)
            {
                throw new InvalidOperationException("overlapping edits at " + edit.Start);
            }

            builder.Append(text, position, edit.Start - position).Append(edit.Text);
            position = edit.End;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>Where the first of two overlapping edits starts, or -1 when <see cref="Apply"/> can take them.</summary>
    public static int FindOverlap(IEnumerable<TextEdit> edits)
    {
        var position = 0;
        foreach (var edit in Order(edits))
        {
            if (edit.Start < position || edit.End < edit.Start)
            {
                return edit.Start;
            }

            position = edit.End;
        }

        return -1;
    }

    private static List<TextEdit> Order(IEnumerable<TextEdit> edits) => edits.Select((edit, order) => (edit, order))
        .OrderBy(e => e.edit.Start)
        .ThenBy(e => e.edit.End)
        .ThenBy(e => e.order)
        .Select(e => e.edit)
        .ToList();
}
