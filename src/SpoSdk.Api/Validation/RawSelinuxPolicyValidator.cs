using System.Collections.Frozen;
using System.Text;
using System.Text.Unicode;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Validation;

/// <summary>
/// Upstream's <c>RawSelinuxProfile.ValidatePolicy()</c>: the checks that keep a raw CIL policy
/// inside the block the node wraps it in, and away from the directives that change the whole
/// system policy. One linear pass, no recursion, no regular expressions, whatever the input.
/// </summary>
/// <remarks>
/// <para>
/// Upstream has two versions. v1 (<see cref="ValidateV1(string?)"/>) runs, in order: not blank; valid
/// Unicode (upstream: valid UTF-8; a .NET string is invalid when it holds a lone surrogate); no NUL;
/// then one pass over the code points that keeps parentheses balanced and rejects the
/// <see cref="RestrictedDirectives"/> as the first word after <c>(</c>. v1alpha2
/// (<see cref="ValidateV1Alpha2"/>) has only the first three checks.
/// </para>
/// <para>
/// Beyond upstream, the pass reads CIL as <c>secilc</c> does: a <c>;</c> starts a comment that runs to the end of
/// the line and a <c>"</c> a string that runs to the next <c>"</c>, and neither holds a directive or a parenthesis.
/// Upstream counts the characters in them, so <c>(;x⏎blockinherit container)</c> hid a restricted directive
/// behind a comment, and a <c>(</c> in a comment let a real <c>)</c> close the block the node wraps the policy in.
/// A quoted string where a directive stands is refused, as the compiler may take it for the keyword.
/// </para>
/// <para>
/// The webhook, the reconciler and <c>spoc validate</c> use <see cref="ValidateProfile"/>, which
/// applies the v1 rules to v1alpha2 objects too: upstream's webhook cannot decode v1alpha2 objects at
/// all, and its reconciler checks every object with the v1 rules before installing it, so a v1alpha2
/// object that only passed the v1alpha2 checks would be admitted and then fail on every node.
/// <see cref="ValidateForVersion"/> keeps upstream's per-version rules for callers that need them.
/// </para>
/// </remarks>
public static class RawSelinuxPolicyValidator
{
    /// <summary>The JSON path every violation is reported at.</summary>
    public const string PolicyPath = "$.spec.policy";

    /// <summary>The schema's limit on <c>spec.policy</c> (checked by the generated validator, not here).</summary>
    public const int MaxPolicyLength = 500000;

    /// <summary>The 34 CIL statements a raw policy may not open with, lower case.</summary>
    public static IReadOnlyList<string> RestrictedDirectives { get; } =
    [
        "block", "blockinherit", "blockstart", "booleanif", "category", "categoryorder", "class", "classmap",
        "classmapping", "classorder", "context", "dominance", "filecon", "genfscon", "level", "levelrange", "mls",
        "netifcon", "nodecon", "optional", "policycap", "portcon", "role", "roletype", "sensitivity",
        "sensitivityorder", "sid", "sidcontext", "sidorder", "tunable", "tunableif", "typepermissive", "user", "userrole",
    ];

    private static readonly FrozenSet<string> Restricted = RestrictedDirectives.ToFrozenSet(StringComparer.Ordinal);

    // "sensitivityorder"; longer words cannot be restricted, so they are never lower-cased or looked up.
    private static readonly int LongestDirective = RestrictedDirectives.Max(d => d.Length);

    /// <summary>Upstream v1's checks. Returns the first violation, or null when the policy is acceptable.</summary>
    public static SchemaViolation? ValidateV1(string? policy) => ValidateV1Alpha2(policy) ?? CheckStructure(policy!);

    /// <summary>
    /// Upstream v1's checks on the policy's UTF-8 bytes, for callers that hold bytes (invalid UTF-8
    /// cannot survive decoding into a string unchanged).
    /// </summary>
    public static SchemaViolation? ValidateV1(ReadOnlySpan<byte> utf8Policy)
    {
        // Go's TrimSpace treats an invalid byte as non-space, so a blank check comes first either way.
        var blank = true;
        var valid = true;
        for (var rest = utf8Policy; !rest.IsEmpty;)
        {
            if (Rune.DecodeFromUtf8(rest, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                valid = false;
                blank = false;
                break;
            }

            if (!Rune.IsWhiteSpace(rune))
            {
                blank = false;
                if (!Utf8.IsValid(rest))
                {
                    valid = false;
                }

                break;
            }

            rest = rest[consumed..];
        }

        if (blank)
        {
            return Violation("policy must not be empty");
        }

        return valid ? ValidateV1(Encoding.UTF8.GetString(utf8Policy)) : Violation("policy must be valid UTF-8");
    }

    /// <summary>Upstream v1alpha2's checks: not blank, valid Unicode, no NUL.</summary>
    public static SchemaViolation? ValidateV1Alpha2(string? policy)
    {
        if (string.IsNullOrWhiteSpace(policy))
        {
            return Violation("policy must not be empty");
        }

        if (!IsWellFormedUtf16(policy))
        {
            return Violation("policy must be valid UTF-8");
        }

        return policy.Contains('\0', StringComparison.Ordinal) ? Violation("policy must not contain null bytes") : null;
    }

    /// <summary>
    /// Upstream's rules for one served version: <c>v1</c> or <c>v1alpha2</c>, bare or as a full
    /// <c>apiVersion</c>.
    /// </summary>
    /// <exception cref="ArgumentException">RawSelinuxProfile is not served in that version.</exception>
    public static SchemaViolation? ValidateForVersion(string? policy, string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var slash = version.LastIndexOf('/');
        if (slash >= 0 && version[..slash] != V1.RawSelinuxProfile.KubeGroup)
        {
            throw new ArgumentException("RawSelinuxProfile is not served in " + version + ".", nameof(version));
        }

        return version[(slash + 1)..] switch
        {
            "v1" => ValidateV1(policy),
            "v1alpha2" => ValidateV1Alpha2(policy),
            _ => throw new ArgumentException("RawSelinuxProfile is not served in " + version + ".", nameof(version)),
        };
    }

    /// <summary>
    /// The check SpoSdk applies to a RawSelinuxProfile of any served version: the v1 rules (see the
    /// remarks on <see cref="RawSelinuxPolicyValidator"/>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="profile"/> is not a RawSelinuxProfile.</exception>
    public static SchemaViolation? ValidateProfile(ISpoObject profile)
    {
        ArgumentNullException.ThrowIfNull(profile);

        // The legacy version is exactly what this method exists to accept.
#pragma warning disable CS0618, SPO2001
        return profile switch
        {
            V1.RawSelinuxProfile v1 => ValidateV1(v1.Spec?.Policy),
            V1Alpha2.RawSelinuxProfile v1Alpha2 => ValidateV1(v1Alpha2.Spec?.Policy),
            _ => throw new ArgumentException("Not a RawSelinuxProfile: " + profile.Kind + " " + profile.ApiVersion + ".", nameof(profile)),
        };
#pragma warning restore CS0618, SPO2001
    }

    private static SchemaViolation Violation(string message) => new(PolicyPath, SchemaViolationType.Invalid, message);

    private static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    // Upstream's single pass, rune by rune. A word is a run of letters, digits, '_' and '-'
    // (Unicode letters and digits count, as Go's unicode.IsLetter/IsDigit); it is checked when it
    // ends, and only if it is the first word after '(' (whitespace and other characters between
    // '(' and the word keep that position, as upstream). Comments and strings are skipped whole (see the remarks).
    private static SchemaViolation? CheckStructure(string policy)
    {
        Span<char> word = stackalloc char[LongestDirective];
        var wordLength = 0;           // in code points; words longer than LongestDirective are only counted
        var wordCandidate = true;     // false once the word cannot be a restricted directive
        var atDirective = false;
        var depth = 0;
        var span = policy.AsSpan();
        while (!span.IsEmpty)
        {
            Rune.DecodeFromUtf16(span, out var rune, out var consumed);
            span = span[consumed..];
            if (rune.Value is ';' or '"')
            {
                // Ends a word as whitespace does; a comment then keeps the directive position, as whitespace does.
                var endedWord = wordLength > 0;
                if (EndWord(word, ref wordLength, ref wordCandidate, atDirective) is { } restricted)
                {
                    return restricted;
                }

                atDirective &= !endedWord;
                if (rune.Value == ';')
                {
                    // secilc's comment runs to its next newline token, "\n": no token it skips on the way (a string
                    // cannot hold "\n") reaches past one, and "\r" is not one.
                    var lineEnd = span.IndexOf('\n');
                    span = lineEnd < 0 ? default : span[lineEnd..];
                    continue;
                }

                // A string ends on its own line (secilc: "[^"\n]*"); one that does not is refused rather than guessed at.
                var close = span.IndexOfAny('"', '\n');
                if (close < 0 || span[close] != '"')
                {
                    return Violation("invalid policy: unterminated quoted string");
                }

                if (atDirective)
                {
                    return QuotedDirective(span[..close]);
                }

                span = span[(close + 1)..];
                continue;
            }

            if (rune.Value == '(' || rune.Value == ')')
            {
                if (EndWord(word, ref wordLength, ref wordCandidate, atDirective) is { } restricted)
                {
                    return restricted;
                }

                if (rune.Value == '(')
                {
                    depth++;
                    atDirective = true;
                }
                else
                {
                    if (--depth < 0)
                    {
                        return Violation("invalid policy: unmatched closing parenthesis ')' allows block escape");
                    }

                    atDirective = false;
                }
            }
            else if (Rune.IsLetter(rune) || Rune.IsDigit(rune) || rune.Value == '_' || rune.Value == '-')
            {
                // Go lower-cases rune by rune (unicode.ToLower), so the Kelvin sign counts as 'k'.
                var lower = Rune.ToLowerInvariant(rune);
                if (wordCandidate && wordLength < LongestDirective && lower.IsAscii)
                {
                    word[wordLength] = (char)lower.Value;
                }
                else
                {
                    wordCandidate = false;
                }

                wordLength++;
            }
            else if (wordLength > 0)
            {
                if (EndWord(word, ref wordLength, ref wordCandidate, atDirective) is { } restricted)
                {
                    return restricted;
                }

                atDirective = false;
            }
        }

        if (EndWord(word, ref wordLength, ref wordCandidate, atDirective) is { } last)
        {
            return last;
        }

        return depth != 0 ? Violation("invalid policy: unbalanced parentheses") : null;
    }

    // A quoted string where a directive stands: named as the directive when it spells one (as upstream, which reads
    // the word inside the quotes), refused either way.
    private static SchemaViolation QuotedDirective(ReadOnlySpan<char> quoted)
    {
        Span<char> lower = stackalloc char[LongestDirective];
        if (quoted.Length <= LongestDirective && quoted.ToLowerInvariant(lower) == quoted.Length
            && Restricted.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(lower[..quoted.Length], out var directive))
        {
            return Violation("invalid policy: use of restricted global directive '" + directive + "' is not allowed");
        }

        return Violation("invalid policy: a quoted string cannot stand where a directive does");
    }

    private static SchemaViolation? EndWord(Span<char> word, ref int length, ref bool candidate, bool atDirective)
    {
        SchemaViolation? result = null;
        if (length > 0 && atDirective && candidate)
        {
            var lookup = Restricted.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(word[..length], out var directive))
            {
                result = Violation("invalid policy: use of restricted global directive '" + directive + "' is not allowed");
            }
        }

        length = 0;
        candidate = true;
        return result;
    }
}
