using System.Text;

namespace SpoSdk.Generators.Tests;

/// <summary>
/// Compares generated sources with checked-in golden files. The expected text is only ever read from
/// the golden files; it is written from the generator's output solely on the opt-in re-approve switch
/// (<c>SPOSDK_APPROVE=1</c>), which is refused under <c>CI=true</c>. See <c>Golden/README.md</c>.
/// </summary>
internal static class GoldenFiles
{
    /// <summary>The environment variable that re-approves golden files when set to <c>1</c>.</summary>
    public const string ApproveVariable = "SPOSDK_APPROVE";

    /// <summary>The failure message after re-approving.</summary>
    public const string ApprovedMessage = "golden files re-approved; review the diff and run again without SPOSDK_APPROVE";

    private const string ReceivedMarker = ".received";
    private const int ContextLines = 3;
    private const int MaxChangedLinesShown = 12;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The golden folder of one test case in the source tree: <c>tests/SpoSdk.Generators.Tests/Golden/&lt;name&gt;</c>.</summary>
    public static string DirectoryFor(string name) =>
        Path.Combine(GeneratorHarness.RepositoryRoot, "tests", "SpoSdk.Generators.Tests", "Golden", name);

    /// <summary>Whether the environment asks to re-approve golden files.</summary>
    public static bool ApproveRequested => Environment.GetEnvironmentVariable(ApproveVariable) == "1";

    /// <summary>Whether this is a CI run.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks <paramref name="actual"/> (hint name to source) against the golden folder, per the environment.</summary>
    public static void Verify(string directory, IReadOnlyDictionary<string, string> actual) =>
        Verify(directory, actual, ApproveRequested, IsCi);

    /// <summary>
    /// Checks <paramref name="actual"/> against the golden folder: every generated source must have a
    /// golden file with the same text (line endings aside), and every golden file a generated source.
    /// With <paramref name="approve"/>, writes the actual sources as the new golden files instead and fails,
    /// unless <paramref name="ci"/>, where approving is refused.
    /// </summary>
    public static void Verify(string directory, IReadOnlyDictionary<string, string> actual, bool approve, bool ci)
    {
        if (approve)
        {
            Approve(directory, actual, ci);
            return;
        }

        var failures = new List<string>();
        var goldenNames = GoldenNames(directory);
        foreach (var stale in goldenNames.Where(name => !actual.ContainsKey(name)).Order(StringComparer.Ordinal))
        {
            failures.Add($"{stale}: golden file exists but the generator no longer produces this source.");
        }

        foreach (var (hintName, source) in actual.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var goldenPath = Path.Combine(directory, hintName);
            var actualText = Normalize(source);
            if (!File.Exists(goldenPath))
            {
                failures.Add($"{hintName}: generated, but there is no golden file {goldenPath}.");
                WriteReceived(goldenPath, actualText);
                continue;
            }

            var expectedText = Normalize(File.ReadAllText(goldenPath));
            if (expectedText == actualText)
            {
                DeleteReceived(goldenPath);
                continue;
            }

            failures.Add($"{hintName}: differs from its golden file.{Environment.NewLine}{Diff(hintName, expectedText, actualText)}");
            WriteReceived(goldenPath, actualText);
        }

        if (failures.Count > 0)
        {
            Assert.Fail(
                $"Generated sources do not match the golden files in {directory}:{Environment.NewLine}{Environment.NewLine}"
                + string.Join(Environment.NewLine + Environment.NewLine, failures)
                + $"{Environment.NewLine}{Environment.NewLine}The actual text is written beside each golden file as *.received.cs. "
                + $"If the change is intended, run the tests once with {ApproveVariable}=1 and review the diff (see Golden/README.md).");
        }
    }

    /// <summary>
    /// A unified-diff style excerpt: the first differing line numbers, the changed lines (from the first to
    /// the last difference, shortened) and a few lines of context.
    /// </summary>
    public static string Diff(string name, string expected, string actual)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var prefix = 0;
        while (prefix < expectedLines.Length && prefix < actualLines.Length && expectedLines[prefix] == actualLines[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < expectedLines.Length - prefix && suffix < actualLines.Length - prefix
            && expectedLines[expectedLines.Length - 1 - suffix] == actualLines[actualLines.Length - 1 - suffix])
        {
            suffix++;
        }

        var removed = expectedLines[prefix..(expectedLines.Length - suffix)];
        var added = actualLines[prefix..(actualLines.Length - suffix)];
        var contextStart = Math.Max(0, prefix - ContextLines);
        var builder = new StringBuilder()
            .Append("first difference at line ").Append(prefix + 1)
            .Append(" (golden: ").Append(expectedLines.Length).Append(" lines, actual: ").Append(actualLines.Length).AppendLine(" lines)")
            .Append("--- golden/").AppendLine(name)
            .Append("+++ actual/").AppendLine(name)
            .Append("@@ -").Append(contextStart + 1).Append(',').Append(prefix - contextStart + removed.Length)
            .Append(" +").Append(contextStart + 1).Append(',').Append(prefix - contextStart + added.Length).AppendLine(" @@");
        for (var i = contextStart; i < prefix; i++)
        {
            builder.Append(' ').AppendLine(expectedLines[i]);
        }

        AppendChanged(builder, '-', removed);
        AppendChanged(builder, '+', added);
        for (var i = expectedLines.Length - suffix; i < Math.Min(expectedLines.Length, expectedLines.Length - suffix + ContextLines); i++)
        {
            builder.Append(' ').AppendLine(expectedLines[i]);
        }

        return builder.ToString().TrimEnd();
    }

    private static void Approve(string directory, IReadOnlyDictionary<string, string> actual, bool ci)
    {
        if (ci)
        {
            Assert.Fail($"{ApproveVariable}=1 is refused under CI=true: golden files are re-approved by a developer who reviews the diff, never by CI.");
        }

        Directory.CreateDirectory(directory);
        foreach (var name in GoldenNames(directory).Where(name => !actual.ContainsKey(name)))
        {
            File.Delete(Path.Combine(directory, name));
        }

        foreach (var (hintName, source) in actual)
        {
            var goldenPath = Path.Combine(directory, hintName);
            File.WriteAllText(goldenPath, Normalize(source), Utf8NoBom);
            DeleteReceived(goldenPath);
        }

        Assert.Fail(ApprovedMessage);
    }

    private static void AppendChanged(StringBuilder builder, char marker, string[] lines)
    {
        foreach (var line in lines.Take(MaxChangedLinesShown))
        {
            builder.Append(marker).AppendLine(line);
        }

        if (lines.Length > MaxChangedLinesShown)
        {
            builder.Append(marker).Append(" ... ").Append(lines.Length - MaxChangedLinesShown).AppendLine(" more lines");
        }
    }

    private static List<string> GoldenNames(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.cs").Select(path => Path.GetFileName(path)).Where(name => !name.Contains(ReceivedMarker, StringComparison.Ordinal)).ToList()
            : new List<string>();

    private static string ReceivedPath(string goldenPath) =>
        Path.Combine(Path.GetDirectoryName(goldenPath)!, Path.GetFileNameWithoutExtension(goldenPath) + ReceivedMarker + Path.GetExtension(goldenPath));

    private static void WriteReceived(string goldenPath, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(goldenPath)!);
        File.WriteAllText(ReceivedPath(goldenPath), text, Utf8NoBom);
    }

    private static void DeleteReceived(string goldenPath)
    {
        var received = ReceivedPath(goldenPath);
        if (File.Exists(received))
        {
            File.Delete(received);
        }
    }

    // A checkout with CRLF line endings must not fail the comparison.
    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
