using System.Text;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Validation;
using SpoSdk.Tests.Audit;

namespace SpoSdk.Api.Tests.Validation;

/// <summary>rawselinuxprofile_test.go TestValidatePolicy (16 vectors), the per-version rules, and hostile inputs.</summary>
public sealed class RawSelinuxPolicyValidatorTests
{
    private const string Restricted = "invalid policy: use of restricted global directive '{0}' is not allowed";
    private const string Unmatched = "invalid policy: unmatched closing parenthesis ')' allows block escape";
    private const string Unbalanced = "invalid policy: unbalanced parentheses";

    public static TheoryData<string, string?> UpstreamVectors => new()
    {
        { "(allow container_t shadow_t (file (read open)))", null },
        { string.Empty, "policy must not be empty" },
        { "   \n\t  ", "policy must not be empty" },
        { "(allow container_t \x00 shadow_t (file (read)))", "policy must not contain null bytes" },
        { ") (typepermissive spc_t) (block x", Unmatched },
        { "(allow container_t (file (read)", Unbalanced },
        { "(((( )))) () (())", null },
        { "(typepermissive spc_t)", string.Format(null, Restricted, "typepermissive") },
        { "(classorder (file dir))", string.Format(null, Restricted, "classorder") },
        { "( \t \n typepermissive spc_t)", string.Format(null, Restricted, "typepermissive") },
        { "(TYPEPERMISSIVE spc_t)", string.Format(null, Restricted, "typepermissive") },
        { "(allow my_t my_test_t (file (read))) (mls (sensitivity s0))", string.Format(null, Restricted, "mls") },
        { "(allow container_t self (capability (sys_admin))) ) \n\t\t\t(typepermissive spc_t) (allow container_t shadow_t (file (read open))) (block x", Unmatched },
        { "(allow typepermissive file (read))", null },
        { "(type my_container_t) (typealias my_alias_t (my_container_t))", null },
    };

    [Theory]
    [MemberData(nameof(UpstreamVectors))]
    public void Upstream_vector(string policy, string? message)
    {
        var violation = RawSelinuxPolicyValidator.ValidateV1(policy);
        Assert.Equal(message, violation?.Message);
        if (violation is not null)
        {
            Assert.Equal("$.spec.policy", violation.Path);
            Assert.Equal(SchemaViolationType.Invalid, violation.Type);
        }

        // The byte form agrees for every valid UTF-8 input.
        Assert.Equal(message, RawSelinuxPolicyValidator.ValidateV1(Encoding.UTF8.GetBytes(policy))?.Message);
    }

    [Fact]
    public void Upstream_vector_invalid_utf8_bytes()
    {
        Assert.Equal("policy must be valid UTF-8", RawSelinuxPolicyValidator.ValidateV1([0xff, 0xfe, 0xfd])?.Message);
        Assert.Equal("policy must be valid UTF-8", RawSelinuxPolicyValidator.ValidateV1("(allow a b (file (read)))"u8.ToArray().Append((byte)0xc3).ToArray())?.Message);
        Assert.Equal("policy must be valid UTF-8", RawSelinuxPolicyValidator.ValidateV1([0x20, 0x09, 0x80])?.Message);    // blank, then a stray continuation byte
        Assert.Equal("policy must not be empty", RawSelinuxPolicyValidator.ValidateV1(" \u00a0\u3000\n"u8)?.Message);
    }

    [Fact]
    public void All_34_directives_are_restricted_in_any_case_at_the_first_position_only()
    {
        Assert.Equal(34, RawSelinuxPolicyValidator.RestrictedDirectives.Count);
        foreach (var directive in RawSelinuxPolicyValidator.RestrictedDirectives)
        {
            var expected = string.Format(null, Restricted, directive);
            Assert.Equal(expected, RawSelinuxPolicyValidator.ValidateV1("(" + directive + " x)")?.Message);
            Assert.Equal(expected, RawSelinuxPolicyValidator.ValidateV1("(allow a b (file (read)))\n(\n\t" + directive.ToUpperInvariant() + ")")?.Message);
            Assert.Equal(expected, RawSelinuxPolicyValidator.ValidateV1("((" + directive + "))")?.Message);
            Assert.Equal(expected, RawSelinuxPolicyValidator.ValidateV1("(" + directive)?.Message);              // checked before the balance
            Assert.Equal(expected, RawSelinuxPolicyValidator.ValidateV1("( \"" + directive + "\")")?.Message);     // quotes keep the position, as upstream
            Assert.Null(RawSelinuxPolicyValidator.ValidateV1("(allow " + directive + " x (file (read)))"));
            Assert.Null(RawSelinuxPolicyValidator.ValidateV1("(" + directive + "x y)"));
            Assert.Null(RawSelinuxPolicyValidator.ValidateV1("(x" + directive + " y)"));
            Assert.Null(RawSelinuxPolicyValidator.ValidateV1("(" + directive + "_ y)"));
        }
    }

    [Theory]
    [InlineData("(block.x y)", "block")]                      // '.' ends the word
    [InlineData("(block;x\n)", "block")]
    [InlineData("(bloc\u212A x)", "block")]                   // Kelvin sign lower-cases to 'k' (Go's unicode.ToLower does the same)
    [InlineData("(\u00a0typepermissive x)", "typepermissive")] // non-ASCII space before the word keeps the position
    public void Word_boundaries_and_unicode_case_folding_match_upstream(string policy, string directive)
    {
        Assert.Equal(string.Format(null, Restricted, directive), RawSelinuxPolicyValidator.ValidateV1(policy)?.Message);
    }

    [Theory]
    [InlineData("(blocké x)")]                                // a Unicode letter continues the word
    [InlineData("(block\u0661 x)")]                           // so does a Unicode digit (Arabic-Indic one)
    [InlineData("(\U0001D41Block x)")]                        // a supplementary-plane letter starts the word
    [InlineData("(ｂｌｏｃｋ x)")]                                // fullwidth letters are not ASCII, and secilc would not read them as the keyword
    [InlineData("(blockinheritance x)")]
    public void Unicode_letters_make_other_words(string policy)
    {
        Assert.Null(RawSelinuxPolicyValidator.ValidateV1(policy));
    }

    // Beyond upstream: CIL comments and strings are read as secilc reads them.
    [Theory]
    [InlineData("(;x\nblockinherit container)", "invalid policy: use of restricted global directive 'blockinherit' is not allowed")]
    [InlineData("(;x\r\n  typepermissive spc_t)", "invalid policy: use of restricted global directive 'typepermissive' is not allowed")]
    [InlineData("(allow mytype self (file (read)))\n;(\n)\n(type mytype)\n(;x\nblock inner ;)\n", Unmatched)]
    [InlineData("(allow a b (file (read))) ; (\n", null)]
    [InlineData("(allow a b (file (read))) ; )\n", null)]
    [InlineData("(typetransition a b process \"x(y\" c)", null)]
    [InlineData("(typetransition a b process \"x;y\" c) (typepermissive x)", "invalid policy: use of restricted global directive 'typepermissive' is not allowed")]
    [InlineData("(typetransition a b process \"x\" c) \")\" (", Unbalanced)]
    [InlineData("(typetransition a b process \"x c)", "invalid policy: unterminated quoted string")]
    [InlineData("(\"allow\" a b (file (read)))", "invalid policy: a quoted string cannot stand where a directive does")]
    [InlineData(";\"\rx\"\n(blockinherit container)\n;\"\n", "invalid policy: use of restricted global directive 'blockinherit' is not allowed")]
    [InlineData(";\"\rx\"\n) (allow a b (file (read))) (block y\n;\"\n", Unmatched)]
    [InlineData("(typetransition a b process \"x\ny\" c)", "invalid policy: unterminated quoted string")]
    public void Comments_and_strings_hide_neither_directives_nor_parentheses(string policy, string? message)
    {
        Assert.Equal(message, RawSelinuxPolicyValidator.ValidateV1(policy)?.Message);
    }

    [Fact]
    public void Lone_surrogates_are_invalid_unicode()
    {
        Assert.Equal("policy must be valid UTF-8", RawSelinuxPolicyValidator.ValidateV1("(allow a b (file (read))) \ud800")?.Message);
        Assert.Equal("policy must be valid UTF-8", RawSelinuxPolicyValidator.ValidateV1("\udc00(allow a b (file (read)))")?.Message);
        Assert.Equal("policy must be valid UTF-8", RawSelinuxPolicyValidator.ValidateV1Alpha2("(x \udbff)")?.Message);
        Assert.Null(RawSelinuxPolicyValidator.ValidateV1("(allow a b (file (read))) ;; \U0001F600"));
    }

    [Fact]
    public void Checks_run_in_upstream_order()
    {
        Assert.Equal("policy must not be empty", RawSelinuxPolicyValidator.ValidateV1((string?)null)?.Message);
        Assert.Equal("policy must be valid UTF-8", RawSelinuxPolicyValidator.ValidateV1("\0\ud800")?.Message);
        Assert.Equal("policy must not contain null bytes", RawSelinuxPolicyValidator.ValidateV1(") \0")?.Message);
        Assert.Equal(Unmatched, RawSelinuxPolicyValidator.ValidateV1(") (block x)")?.Message);
        Assert.Equal(string.Format(null, Restricted, "block"), RawSelinuxPolicyValidator.ValidateV1("(block x)) (")?.Message);
    }

    [Fact]
    public void V1alpha2_rules_stop_after_the_first_three_checks()
    {
        Assert.Null(RawSelinuxPolicyValidator.ValidateV1Alpha2("(blockinherit container) ) ("));
        Assert.Equal("policy must not be empty", RawSelinuxPolicyValidator.ValidateV1Alpha2(" ")?.Message);
        Assert.Equal("policy must not contain null bytes", RawSelinuxPolicyValidator.ValidateV1Alpha2("(a)\0")?.Message);

        Assert.Null(RawSelinuxPolicyValidator.ValidateForVersion("(blockinherit container)", "v1alpha2"));
        Assert.Null(RawSelinuxPolicyValidator.ValidateForVersion("(blockinherit container)", "security-profiles-operator.x-k8s.io/v1alpha2"));
        Assert.NotNull(RawSelinuxPolicyValidator.ValidateForVersion("(blockinherit container)", "v1"));
        Assert.NotNull(RawSelinuxPolicyValidator.ValidateForVersion("(blockinherit container)", "security-profiles-operator.x-k8s.io/v1"));
        Assert.Throws<ArgumentException>(() => RawSelinuxPolicyValidator.ValidateForVersion("(a)", "v1beta1"));
        Assert.Throws<ArgumentException>(() => RawSelinuxPolicyValidator.ValidateForVersion("(a)", "example.com/v1"));
    }

    [Fact]
    public void Objects_of_every_served_version_get_the_v1_rules()
    {
#pragma warning disable CS0618 // the legacy version is the point of this test
        var legacy = new V1Alpha2.RawSelinuxProfile { Metadata = new() { Name = "x" }, Spec = new() { Policy = "(blockinherit container)" } };
#pragma warning restore CS0618
        var hub = new V1.RawSelinuxProfile { Metadata = new() { Name = "x" }, Spec = new() { Policy = "(blockinherit container)" } };

        Assert.Equal(string.Format(null, Restricted, "blockinherit"), RawSelinuxPolicyValidator.ValidateProfile(legacy)?.Message);
        Assert.Equal(string.Format(null, Restricted, "blockinherit"), RawSelinuxPolicyValidator.ValidateProfile(hub)?.Message);
        Assert.Equal("policy must not be empty", RawSelinuxPolicyValidator.ValidateProfile(new V1.RawSelinuxProfile())?.Message);
        Assert.Throws<ArgumentException>(() => RawSelinuxPolicyValidator.ValidateProfile(new V1.SelinuxProfile()));
    }

    [Fact]
    public void Hostile_sizes_and_shapes_are_judged_correctly()
    {
        var cap = RawSelinuxPolicyValidator.MaxPolicyLength;
        foreach (var (_, shape, valid) in HostileShapes)
        {
            var policy = shape(cap);
            Assert.Equal(valid, RawSelinuxPolicyValidator.ValidateV1(policy) is null);
        }

        // Ten times the schema's cap: the length is the generated validator's concern; this one still judges it.
        Assert.Null(RawSelinuxPolicyValidator.ValidateV1(new string('(', 5 * cap) + new string(')', 5 * cap)));
    }

    [Fact]
    public void Hostile_shapes_cost_linear_time()
    {
        // Per-shape cost at a quarter of the cap against the full cap, in thread CPU time (the machine
        // may be loaded), best of three: linear work grows 4x, quadratic 16x; 10x leaves room for noise.
        var cap = RawSelinuxPolicyValidator.MaxPolicyLength;
        foreach (var (name, shape, _) in HostileShapes)
        {
            var small = shape(cap / 4);
            var large = shape(cap);
            var smallCost = BestOfThree(small);
            var largeCost = BestOfThree(large);
            Assert.True(largeCost < 10 * Math.Max(smallCost, 0.05), name + ": " + smallCost + " ms at cap/4, " + largeCost + " ms at cap");
        }

        static double BestOfThree(string policy) =>
            Enumerable.Range(0, 3).Min(_ => ThreadCpuClock.Measure(() => RawSelinuxPolicyValidator.ValidateV1(policy) is null ? 1 : 0));
    }

    private static IEnumerable<(string Name, Func<int, string> Shape, bool Valid)> HostileShapes =>
    [
        ("deep nesting", n => new string('(', n / 2) + new string(')', n / 2), true),
        ("large ordinary policy", n => string.Concat(Enumerable.Repeat("(allow process var_log_t (file (read open)))\n", n / 46)), true),
        ("one huge word", n => "(allow " + new string('a', n - 10) + ")", true),
        ("whitespace before the first word", n => "(" + new string(' ', n - 10) + "allow x)", true),
        ("huge non-ASCII word", n => "(" + string.Concat(Enumerable.Repeat("é", n - 10)) + ")", true),
        ("supplementary-plane letters", n => string.Concat(Enumerable.Repeat("(\U0001D41B)", n / 4)), true),
        ("never closed", n => new string('(', n), false),
        ("directive at the deepest point", n => new string('(', n - 20) + "typepermissive", false),
        ("escape at the very end", n => string.Concat(Enumerable.Repeat("()", n / 2)) + ")", false),
        ("NUL at the very end", n => string.Concat(Enumerable.Repeat("(allow)", n / 7)) + "\0", false),
        ("lone surrogate at the very end", n => string.Concat(Enumerable.Repeat("(allow)", n / 7)) + "\ud800", false),
    ];

    [Fact]
    public void Random_policies_agree_with_a_direct_port_of_upstream()
    {
        var random = new Random(144);
        // No ';' or '"': comments and strings are where this validator reads CIL as secilc does, not as upstream.
        string[] pieces = ["(", ")", " ", "\n", "\t", "block", "BLOCK", "mls", "allow", "typepermissive", "_", "-", ".", "é", "\u212A", "x", ",", "0"];
        for (var i = 0; i < 20_000; i++)
        {
            var policy = string.Concat(Enumerable.Range(0, random.Next(1, 20)).Select(_ => pieces[random.Next(pieces.Length)]));
            Assert.Equal(Reference(policy), RawSelinuxPolicyValidator.ValidateV1(policy)?.Message);
        }
    }

    // A straightforward transliteration of upstream's Go loop (allocating, slow, obviously right).
    private static string? Reference(string policy)
    {
        if (policy.Trim().Length == 0)
        {
            return "policy must not be empty";
        }

        var restricted = RawSelinuxPolicyValidator.RestrictedDirectives.ToHashSet();
        var depth = 0;
        var directive = new StringBuilder();
        var atDirective = false;
        string? Check()
        {
            var word = directive.ToString().ToLowerInvariant();
            return word.Length > 0 && atDirective && restricted.Contains(word) ? string.Format(null, Restricted, word) : null;
        }

        foreach (var rune in policy.EnumerateRunes())
        {
            if (rune.Value == '(')
            {
                if (Check() is { } e)
                {
                    return e;
                }

                depth++;
                directive.Clear();
                atDirective = true;
            }
            else if (rune.Value == ')')
            {
                if (Check() is { } e)
                {
                    return e;
                }

                depth--;
                if (depth < 0)
                {
                    return Unmatched;
                }

                directive.Clear();
                atDirective = false;
            }
            else if (Rune.IsLetter(rune) || Rune.IsDigit(rune) || rune.Value is '_' or '-')
            {
                directive.Append(rune.ToString());
            }
            else if (directive.Length > 0)
            {
                if (Check() is { } e)
                {
                    return e;
                }

                directive.Clear();
                atDirective = false;
            }
        }

        return Check() ?? (depth != 0 ? Unbalanced : null);
    }
}
