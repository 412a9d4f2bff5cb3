using SpoSdk.Migration;

namespace SpoSdk.Tests.Migration;

/// <summary><see cref="UnifiedDiff"/>: hunks, context, line numbers and the edge cases of diff -u.</summary>
public sealed class UnifiedDiffTests
{
    [Fact]
    public void Equal_texts_give_an_empty_diff()
    {
        Assert.Equal(string.Empty, UnifiedDiff.Create("a\nb\n", "a\nb\n", "x", "x"));
    }

    [Fact]
    public void One_changed_line_with_three_lines_of_context()
    {
        var diff = UnifiedDiff.Create(Lines(1, 10), Lines(1, 10).Replace("5\n", "five\n", StringComparison.Ordinal), "old", "new");

        Assert.Equal("--- old\t\n+++ new\t\n" + """
            @@ -2,7 +2,7 @@
             2
             3
             4
            -5
            +five
             6
             7
             8

            """, diff);
    }

    [Fact]
    public void Changes_close_together_share_a_hunk_and_far_apart_get_their_own()
    {
        var changed = Lines(1, 30)
            .Replace("\n3\n", "\nthree\n", StringComparison.Ordinal)
            .Replace("\n9\n", "\nnine\n", StringComparison.Ordinal)
            .Replace("\n25\n", "\n", StringComparison.Ordinal);

        var diff = UnifiedDiff.Create(Lines(1, 30), changed, "a", "b");

        Assert.Equal("--- a\t\n+++ b\t\n" + """
            @@ -1,12 +1,12 @@
             1
             2
            -3
            +three
             4
             5
             6
             7
             8
            -9
            +nine
             10
             11
             12
            @@ -22,7 +22,6 @@
             22
             23
             24
            -25
             26
             27
             28

            """, diff);
    }

    [Fact]
    public void Insertion_at_the_start_shows_the_following_line_as_context()
    {
        var diff = UnifiedDiff.Create("a\n", "new\na\n", "a", "b");

        Assert.Equal("--- a\t\n+++ b\t\n@@ -1 +1,2 @@\n+new\n a\n", diff);
    }

    [Fact]
    public void Pure_insertion_and_deletion_use_count_zero()
    {
        Assert.Equal("--- a\t\n+++ b\t\n@@ -0,0 +1 @@\n+x\n", UnifiedDiff.Create(string.Empty, "x\n", "a", "b"));
        Assert.Equal("--- a\t\n+++ b\t\n@@ -1 +0,0 @@\n-x\n", UnifiedDiff.Create("x\n", string.Empty, "a", "b"));
    }

    [Fact]
    public void Missing_final_line_break_is_marked()
    {
        var diff = UnifiedDiff.Create("a\nb", "a\nc", "a", "b");

        Assert.Equal("--- a\t\n+++ b\t\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n", diff);
    }

    [Fact]
    public void Crlf_lines_keep_their_line_breaks()
    {
        var diff = UnifiedDiff.Create("a\r\nb\r\n", "a\r\nc\r\n", "a", "b");

        Assert.Equal("--- a\t\n+++ b\t\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n", diff);
    }

    [Fact]
    public void Diff_is_minimal_for_moved_blocks()
    {
        var diff = UnifiedDiff.Create("x\na\nb\nc\ny\n", "x\nb\nc\na\ny\n", "a", "b");

        Assert.Equal("--- a\t\n+++ b\t\n@@ -1,5 +1,5 @@\n x\n-a\n b\n c\n+a\n y\n", diff);
    }

    // GNU patch takes a header's file name up to a tab; without one it cuts a name at its first space.
    [Fact]
    public void Header_labels_end_with_a_tab_as_diff_u_writes_them()
    {
        var diff = UnifiedDiff.Create("a\n", "b\n", "my dir/old file.yaml", "my dir/new file.yaml");

        Assert.StartsWith("--- my dir/old file.yaml\t\n+++ my dir/new file.yaml\t\n@@ -1 +1 @@\n", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void Applying_the_hunks_turns_old_into_new()
    {
        var random = new Random(42);
        for (var round = 0; round < 200; round++)
        {
            var a = RandomLines(random);
            var b = RandomLines(random);
            var diff = UnifiedDiff.Create(a, b, "a", "b");
            Assert.Equal(b, Patch(a, diff));
        }
    }

    private static string RandomLines(Random random)
    {
        var count = random.Next(0, 25);
        return string.Concat(Enumerable.Range(0, count).Select(_ => "l" + random.Next(0, 6) + "\n"));
    }

    // A minimal patch(1): walks the hunks, checking context and deleted lines against the old text.
    private static string Patch(string old, string diff)
    {
        var oldLines = old.Split('\n')[..^1].ToList();
        var result = new List<string>();
        var position = 0;
        foreach (var line in diff.Split('\n')[..^1].Skip(2))
        {
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                var start = int.Parse(line.Split(' ')[1].TrimStart('-').Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
                var count = line.Split(' ')[1].Contains(',', StringComparison.Ordinal) ? int.Parse(line.Split(' ')[1].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
                var target = count == 0 ? start : start - 1;
                result.AddRange(oldLines.Skip(position).Take(target - position));
                position = target;
            }
            else if (line[0] == ' ' || line[0] == '-')
            {
                Assert.Equal(oldLines[position], line[1..]);
                position++;
                if (line[0] == ' ')
                {
                    result.Add(line[1..]);
                }
            }
            else
            {
                result.Add(line[1..]);
            }
        }

        result.AddRange(oldLines.Skip(position));
        return string.Concat(result.Select(l => l + "\n"));
    }

    private static string Lines(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => i + "\n"));
}
