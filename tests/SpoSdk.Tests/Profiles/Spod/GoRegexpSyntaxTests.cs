using SpoSdk.Profiles.Spod;

namespace SpoSdk.Tests.Profiles.Spod;

/// <summary>Go's regexp syntax (RE2) for the SPOD patterns upstream compiles with it.</summary>
public sealed class GoRegexpSyntaxTests
{
    [Theory]
    [InlineData("^(?P<user>[a-z]+)@example\\.com$")]
    [InlineData("^(?<user>[a-z]+)@(?P<domain>[a-z.]+)$")]
    [InlineData("^https://github\\.com/\\Qacme.io(\\E/.*$")]
    [InlineData("\\Qunterminated (")]
    [InlineData("^\\x{1F600}[\\x{41}-\\x{5A}\\x7a]$")]
    [InlineData("^\\pL+\\p{Greek}\\PN$")]
    [InlineData("(?U)a+(?i-s:b.)(?:c)(?)")]
    [InlineData("^[[:alpha:]]\\101\\0$")]
    [InlineData("^a{2,1000}\\b\\A\\z[\\d\\-\\]]$")]
    [InlineData("a{,1001}")] // not a repetition in Go: literal text
    public void Patterns_go_compiles_are_accepted(string pattern) => Assert.Null(GoRegexpSyntax.Problem(pattern));

    [Theory]
    [InlineData("a(?=b)", "invalid or unsupported Perl syntax: `(?=`")]
    [InlineData("(?<=a)b", "invalid or unsupported Perl syntax: `(?<`")]
    [InlineData("(?>a)", "invalid or unsupported Perl syntax: `(?>`")]
    [InlineData("(?(a)b|c)", "invalid or unsupported Perl syntax: `(?(`")]
    [InlineData("(?#note)a", "invalid or unsupported Perl syntax: `(?#`")]
    [InlineData("(?x)a b", "invalid or unsupported Perl syntax: `(?x`")]
    [InlineData("(?i-)a", "invalid or unsupported Perl syntax: `(?i-)`")]
    [InlineData("(?P=a)", "invalid or unsupported Perl syntax: `(?P`")]
    [InlineData("(a)\\1", "invalid escape sequence: `\\1`")]
    [InlineData("\\8", "invalid escape sequence: `\\8`")]
    [InlineData("(?<a>x)\\k<a>", "invalid escape sequence: `\\k`")]
    [InlineData("a\\Z", "invalid escape sequence: `\\Z`")]
    [InlineData("[\\b]", "invalid escape sequence: `\\b`")]
    [InlineData("\\x{110000}", "invalid escape sequence: `\\x{110000}`")]
    [InlineData("(?P<a-b>x)", "invalid named capture: `(?P<a-b>`")]
    [InlineData("(?<a>x)(?P<a>y)", "duplicate capture group name: `a`")]
    [InlineData("a{1001}", "invalid repeat count: 1001 (at most 1000)")]
    public void What_only_dotnet_has_is_refused_as_go_would(string pattern, string problem) => Assert.Equal(problem, GoRegexpSyntax.Problem(pattern));

    // What both engines refuse is left to .NET's parser.
    [Theory]
    [InlineData("(unclosed")]
    [InlineData("a**")]
    [InlineData("[z-a]")]
    [InlineData("a\\")]
    public void Errors_both_engines_share_are_refused(string pattern) => Assert.NotNull(GoRegexpSyntax.Problem(pattern));
}
