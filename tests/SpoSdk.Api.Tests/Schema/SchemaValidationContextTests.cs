using System.Text.RegularExpressions;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Tests.Schema;

/// <summary>The checks generated validators call, with Kubernetes' wording and paths.</summary>
public sealed class SchemaValidationContextTests
{
    [Fact]
    public void Paths_follow_entered_properties_and_items()
    {
        var context = new SchemaValidationContext(strict: true);
        Assert.Equal("$", context.CurrentPath);
        Assert.True(context.IsValid);

        context.Enter("spec");
        context.Enter("syscalls");
        context.EnterIndex(3);
        Assert.Equal("$.spec.syscalls[3]", context.CurrentPath);
        context.Required("action");
        context.Exit();
        context.Exit();
        context.Enter("allow");
        context.Report("@self", SchemaViolationType.Invalid, "bad");

        Assert.False(context.IsValid);
        Assert.Equal(["$.spec.syscalls[3].action", "$.spec.allow['@self']"], context.Violations.Select(v => v.Path));
        Assert.Equal("$.spec.syscalls[3].action: Required value", context.Violations[0].ToString());
    }

    [Theory]
    [InlineData(0.5, 1.0, false, null, false, "Invalid value: 0.5: should be greater than or equal to 1")]
    [InlineData(1.0, 1.0, true, null, false, "Invalid value: 1: should be greater than 1")]
    [InlineData(2.5, null, false, 2.0, false, "Invalid value: 2.5: should be less than or equal to 2")]
    [InlineData(2.0, null, false, 2.0, true, "Invalid value: 2: should be less than 2")]
    public void Numbers_outside_their_bounds_are_invalid(double value, double? minimum, bool exclusiveMinimum, double? maximum, bool exclusiveMaximum, string message)
    {
        var context = new SchemaValidationContext(strict: true);

        context.Range("weight", value, minimum, exclusiveMinimum, maximum, exclusiveMaximum);

        var violation = Assert.Single(context.Violations);
        Assert.Equal("$.weight", violation.Path);
        Assert.Equal(message, violation.Message);
    }

    [Fact]
    public void Numbers_within_bounds_and_integers_at_them_pass()
    {
        var context = new SchemaValidationContext(strict: true);

        context.Range("weight", 1.0, 1.0, false, 2.0, false);
        context.Range("count", 0L, 0L, false, 10L, false);

        Assert.True(context.IsValid);

        context.Range("count", 10L, 0L, false, 10L, true);
        Assert.Equal("Invalid value: 10: should be less than 10", Assert.Single(context.Violations).Message);
    }

    [Fact]
    public void List_sizes_and_lengths_in_code_points()
    {
        var context = new SchemaValidationContext(strict: true);

        context.Items("names", 0, 1, null);
        context.Items("names", 3, null, 2);
        context.Items("names", 2, 1, 2);
        context.Length("image", "😀😀", null, 2);
        context.Length("image", "😀😀😀", null, 2);
        context.Length("image", string.Empty, 1, null);

        Assert.Equal(
            ["Too few: 0: must have at least 1 items", "Too many: 3: must have at most 2 items", "Too long: may not be longer than 2 characters", "Invalid value: \"\": should be at least 1 chars long"],
            context.Violations.Select(v => v.Message));
        Assert.Equal([SchemaViolationType.TooFew, SchemaViolationType.TooMany, SchemaViolationType.TooMany, SchemaViolationType.Invalid], context.Violations.Select(v => v.Type));
    }

    [Fact]
    public void Duplicates_are_described_by_their_value()
    {
        var context = new SchemaValidationContext(strict: true);

        context.UniqueItems<string?>("names", ["a", null, "a", null]);
        context.UniqueItems("ports", [80, 443, 80]);
        context.UniqueItems("ids", [Guid.Empty.ToString(), Guid.Empty.ToString()]);
        context.UniqueItems("flags", [new Flag("x"), new Flag("x")]);

        Assert.Equal(["$.names[2]", "$.names[3]", "$.ports[2]", "$.ids[1]", "$.flags[1]"], context.Violations.Select(v => v.Path));
        Assert.Equal(["Duplicate value: \"a\"", "Duplicate value: null", "Duplicate value: 80", "Duplicate value: \"00000000-0000-0000-0000-000000000000\"", "Duplicate value: \"flag x\""], context.Violations.Select(v => v.Message));
    }

    [Fact]
    public void Map_lists_report_repeated_keys_and_skip_missing_items()
    {
        var context = new SchemaValidationContext(strict: true);

        context.UniqueKeys<Flag?>("flags", [new Flag("a"), null, new Flag("b"), new Flag("a")], f => f!.Name);

        var violation = Assert.Single(context.Violations);
        Assert.Equal("$.flags[3]", violation.Path);
        Assert.Equal("Duplicate value: a", violation.Message);
    }

    [Fact]
    public void Map_lists_with_several_keys_compare_the_keys_one_by_one()
    {
        var context = new SchemaValidationContext(strict: true);
        (string? Name, string? Path)?[] mounts = [("a/b", "c"), ("a", "b/c"), null, ("a", null), ("a", ""), ("a/b", "c")];

        context.UniqueKeys("mounts", mounts, ["name", "path"], m => [m!.Value.Name, m.Value.Path]);

        // A missing key counts as empty, as with one key; no joined text makes two different keys meet.
        Assert.Equal(["$.mounts[4]", "$.mounts[5]"], context.Violations.Select(v => v.Path));
        Assert.Equal(["Duplicate value: {\"name\":\"a\",\"path\":\"\"}", "Duplicate value: {\"name\":\"a/b\",\"path\":\"c\"}"], context.Violations.Select(v => v.Message));
    }

    [Fact]
    public void Unknown_fields_count_only_when_strict_and_come_sorted()
    {
        var fields = new Dictionary<string, System.Text.Json.JsonElement> { ["zeta"] = default, ["alpha"] = default };

        var lenient = new SchemaValidationContext(strict: false);
        lenient.UnknownFields(fields);
        Assert.True(lenient.IsValid);

        var strict = new SchemaValidationContext(strict: true);
        strict.UnknownFields(fields);
        strict.UnknownFields(null);
        Assert.Equal(["$.alpha", "$.zeta"], strict.Violations.Select(v => v.Path));
        Assert.All(strict.Violations, v => Assert.Equal(SchemaViolationType.UnknownField, v.Type));
    }

    [Fact]
    public void Patterns_the_linear_engine_cannot_run_still_work_with_a_timeout()
    {
        var linear = SchemaValidationContext.CreatePattern("^[a-z]+$");
        var backreference = SchemaValidationContext.CreatePattern("^(a+)\\1$");

        Assert.True((linear.Options & RegexOptions.NonBacktracking) != 0);
        Assert.True((backreference.Options & RegexOptions.NonBacktracking) == 0);
        Assert.NotEqual(Regex.InfiniteMatchTimeout, backreference.MatchTimeout);

        var context = new SchemaValidationContext(strict: true);
        context.Pattern("name", "aaaa", backreference, "^(a+)\\1$");
        context.Pattern("name", "aaa", backreference, "^(a+)\\1$");
        Assert.Equal("Invalid value: \"aaa\": should match '^(a+)\\1$'", Assert.Single(context.Violations).Message);
    }

    private sealed record Flag(string Name)
    {
        public override string ToString() => "flag " + Name;
    }

    [Theory]
    [InlineData("^a$", "^a\\z")]
    [InlineData("^[$]$", "^[$]\\z")]
    [InlineData("^a\\$b$", "^a\\$b\\z")]
    [InlineData("^[^]$]+$", "^[^]$]+\\z")]
    [InlineData("^[\\]$]$", "^[\\]$]\\z")]
    [InlineData("^\\d+$", "^[0-9]+\\z")]
    [InlineData("^[\\d.]\\w\\S$", "^[0-9.][0-9A-Za-z_][^\\t\\n\\f\\r ]\\z")]
    [InlineData("^[\\w-.]$", "^[0-9A-Za-z_\\x2D.]\\z")] // Go: a '-' after a class escape is a member, never a range
    [InlineData("^[\\D-]$", "^[\\u0000-/:-\\uFFFF\\x2D]\\z")]
    public void Go_patterns_keep_their_meaning(string go, string dotnet) => Assert.Equal(dotnet, SchemaValidationContext.FromGoSyntax(go));

    [Theory]
    [InlineData("^[a-z]+$", "abc", true)]
    [InlineData("^[a-z]+$", "abc\n", false)]
    [InlineData("^\\d+$", "123", true)]
    [InlineData("^\\d+$", "\u0661\u0662", false)] // Arabic-Indic digits: \d in .NET, not in Go
    [InlineData("^/proc(/.*)?$", "/proc/1", true)]
    [InlineData("^/proc(/.*)?$", "/proc\n", false)]
    [InlineData("^[\\D]+$", "\u0663", true)] // Go's \D takes a non-ASCII digit, inside a class too
    [InlineData("^[\\D]+$", "3", false)]
    [InlineData("^[\\W]+$", "\u00e9", true)]
    [InlineData("^[\\W]+$", "a", false)]
    [InlineData("^[\\S]+$", "\u000b", true)] // Go's \s has no vertical tab
    [InlineData("^[\\S]+$", " ", false)]
    [InlineData("(?m)^a$", "a\nb", true)]
    [InlineData("^[\\s-z]$", "A", false)] // whitespace, '-' or 'z' in Go, not the range ' '..'z'
    [InlineData("^[\\s-z]$", "-", true)]
    [InlineData("^[\\w-.]+$", "a-b.c_1", true)]
    [InlineData("^[\\w-.]+$", "a+b", false)]
    [InlineData("^[\\w--/]$", ".", true)] // Go: word characters and the range '-'..'/'
    public void Patterns_match_as_the_api_server_matches(string pattern, string value, bool matches) =>
        Assert.Equal(matches, SchemaValidationContext.CreatePattern(pattern).IsMatch(value));
}
