using System.Globalization;
using System.Text;

namespace SpoSdk.Migration;

/// <summary>
/// Unified diffs of two texts by lines (Myers' O(ND) algorithm), in the format <c>diff -u</c> and
/// <c>git diff</c> write and <c>patch</c> reads: <c>---</c>/<c>+++</c> headers, <c>@@</c> hunks with
/// context lines. Lines are compared with their line breaks and written with them, so a CRLF file
/// gives a patch that applies to it; a last line without a break is marked
/// <c>\ No newline at end of file</c>.
/// </summary>
public static class UnifiedDiff
{
    // Beyond this many steps of the edit graph kept for backtracking, the diff is no longer worth
    // minimizing: the changed middle is written as one deletion and one insertion instead.
    private const long MaxTraceCells = 16_000_000;

    /// <summary>The unified diff of two texts; empty when they are equal.</summary>
    /// <param name="oldText">The text before.</param>
    /// <param name="newText">The text after.</param>
    /// <param name="oldLabel">The name on the <c>---</c> line.</param>
    /// <param name="newLabel">The name on the <c>+++</c> line.</param>
    /// <param name="context">How many unchanged lines to show around each change; 3 by default.</param>
    public static string Create(string oldText, string newText, string oldLabel, string newLabel, int context = 3)
    {
        ArgumentNullException.ThrowIfNull(oldText);
        ArgumentNullException.ThrowIfNull(newText);
        ArgumentOutOfRangeException.ThrowIfNegative(context);
        if (string.Equals(oldText, newText, StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var a = SplitLines(oldText);
        var b = SplitLines(newText);
        var script = EditScript(a, b);

        var output = new StringBuilder();
        // A tab ends each name, as diff -u writes it: patch takes a name up to a tab, and without one cuts it at a space.
        output.Append("--- ").Append(oldLabel).Append("\t\n");
        output.Append("+++ ").Append(newLabel).Append("\t\n");

        var i = 0;
        while (i < script.Count)
        {
            if (script[i].Op == Op.Equal)
            {
                i++;
                continue;
            }

            // A hunk: this change, and every later one separated from it by at most 2 × context unchanged lines.
            var first = Math.Max(0, i - context);
            var last = i;
            for (var j = i; j < script.Count; j++)
            {
                if (script[j].Op != Op.Equal)
                {
                    last = j;
                }
                else if (j - last > 2 * context)
                {
                    break;
                }
            }

            var end = Math.Min(script.Count, last + 1 + context);
            WriteHunk(output, a, b, script, first, end);
            i = end;
        }

        return output.ToString();
    }

    private static void WriteHunk(StringBuilder output, List<string> a, List<string> b, List<Step> script, int first, int end)
    {
        int oldCount = 0, newCount = 0;
        for (var k = first; k < end; k++)
        {
            oldCount += script[k].Op != Op.Insert ? 1 : 0;
            newCount += script[k].Op != Op.Delete ? 1 : 0;
        }

        output.Append("@@ -").Append(Range(script[first].OldIndex, oldCount))
            .Append(" +").Append(Range(script[first].NewIndex, newCount)).Append(" @@\n");
        for (var k = first; k < end; k++)
        {
            var (op, oldIndex, newIndex) = script[k];
            var (prefix, line) = op switch
            {
                Op.Equal => (' ', a[oldIndex]),
                Op.Delete => ('-', a[oldIndex]),
                _ => ('+', b[newIndex]),
            };
            output.Append(prefix).Append(line);
            if (!line.EndsWith('\n'))
            {
                output.Append("\n\\ No newline at end of file\n");
            }
        }
    }

    // "start,count" with 1-based start; an empty range names the line before it, and ",1" is left out.
    private static string Range(int start, int count) => count switch
    {
        0 => start.ToString(CultureInfo.InvariantCulture) + ",0",
        1 => (start + 1).ToString(CultureInfo.InvariantCulture),
        _ => (start + 1).ToString(CultureInfo.InvariantCulture) + "," + count.ToString(CultureInfo.InvariantCulture),
    };

    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var lineBreak = text.IndexOf('\n', start);
            var end = lineBreak < 0 ? text.Length : lineBreak + 1;
            lines.Add(text[start..end]);
            start = end;
        }

        return lines;
    }

    private static List<Step> EditScript(List<string> a, List<string> b)
    {
        // Lines as numbers, so the inner loop compares integers.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var x = a.Select(l => Id(l)).ToArray();
        var y = b.Select(l => Id(l)).ToArray();

        var prefix = 0;
        while (prefix < x.Length && prefix < y.Length && x[prefix] == y[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < x.Length - prefix && suffix < y.Length - prefix && x[^(suffix + 1)] == y[^(suffix + 1)])
        {
            suffix++;
        }

        var script = new List<Step>(x.Length + y.Length);
        for (var k = 0; k < prefix; k++)
        {
            script.Add(new Step(Op.Equal, k, k));
        }

        Middle(x.AsSpan(prefix, x.Length - prefix - suffix).ToArray(), y.AsSpan(prefix, y.Length - prefix - suffix).ToArray(), prefix, script);
        for (var k = suffix; k > 0; k--)
        {
            script.Add(new Step(Op.Equal, x.Length - k, y.Length - k));
        }

        return script;

        int Id(string line)
        {
            if (!ids.TryGetValue(line, out var id))
            {
                id = ids.Count;
                ids.Add(line, id);
            }

            return id;
        }
    }

    // Myers' greedy forward search. Round d's starting diagonals are kept (only the 2d + 3 that round
    // can read) to backtrack the path; a change too large for that falls back to delete-all, insert-all.
    private static void Middle(int[] x, int[] y, int offset, List<Step> script)
    {
        int n = x.Length, m = y.Length, max = n + m;
        var trace = new List<int[]>();
        var done = n == 0 || m == 0;
        long cells = 0;
        var v = new int[(2 * max) + 3];
        for (var d = 0; d <= max && !done; d++)
        {
            cells += (2 * d) + 3;
            if (cells > MaxTraceCells)
            {
                break;
            }

            trace.Add(v[(max - d)..(max + d + 3)]);
            for (var k = -d; k <= d; k += 2)
            {
                var down = k == -d || (k != d && v[max + 1 + k - 1] < v[max + 1 + k + 1]);
                var i = down ? v[max + 1 + k + 1] : v[max + 1 + k - 1] + 1;
                var j = i - k;
                while (i < n && j < m && x[i] == y[j])
                {
                    i++;
                    j++;
                }

                v[max + 1 + k] = i;
                if (i >= n && j >= m)
                {
                    done = true;
                    break;
                }
            }
        }

        if (!done || n == 0 || m == 0)
        {
            AddRange(script, Op.Delete, offset, 0, n, offset);
            AddRange(script, Op.Insert, offset + n, offset, m, offset);
            return;
        }

        // Backtrack from (n, m): each round ends in a diagonal run, preceded by one insertion or deletion.
        var steps = new List<Step>();
        int px = n, py = m;
        for (var d = trace.Count - 1; d >= 0; d--)
        {
            var previous = trace[d];
            var k = px - py;
            var down = k == -d || (k != d && previous[k - 1 + d + 1] < previous[k + 1 + d + 1]);
            var prevK = down ? k + 1 : k - 1;
            var prevX = previous[prevK + d + 1];
            var prevY = prevX - prevK;
            while (px > prevX && py > prevY)
            {
                px--;
                py--;
                steps.Add(new Step(Op.Equal, offset + px, offset + py));
            }

            if (d == 0)
            {
                break;
            }

            if (down)
            {
                py--;
                steps.Add(new Step(Op.Insert, offset + px, offset + py));
            }
            else
            {
                px--;
                steps.Add(new Step(Op.Delete, offset + px, offset + py));
            }
        }

        steps.Reverse();
        script.AddRange(steps);
    }

    private static void AddRange(List<Step> script, Op op, int oldStart, int newStart, int count, int offset)
    {
        for (var k = 0; k < count; k++)
        {
            script.Add(op == Op.Delete ? new Step(op, oldStart + k, offset) : new Step(op, oldStart, newStart + k));
        }
    }

    private enum Op
    {
        Equal,
        Delete,
        Insert,
    }

    private readonly record struct Step(Op Op, int OldIndex, int NewIndex);
}
