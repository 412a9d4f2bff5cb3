using SpoSdk.Api.V1;
using SpoSdk.Api.Validation;

namespace SpoSdk.Translators.Selinux;

/// <summary>
/// A RawSelinuxProfile to the CIL file selinuxd installs: the policy, checked with
/// <see cref="RawSelinuxPolicyValidator.ValidateV1(string?)"/>, trimmed, its continuation lines
/// indented by four spaces, wrapped as upstream does in <c>(block &lt;name&gt;_&lt;namespace&gt; … )</c>
/// (no newline after the closing parenthesis).
/// </summary>
/// <remarks>
/// The namespace part is always empty: RawSelinuxProfile is cluster-scoped, so the API server clears
/// <c>metadata.namespace</c> and upstream v1.0.0 writes <c>(block &lt;name&gt;_</c>. This translator
/// ignores a namespace an in-process backend may have kept, so the block (and hence the process type
/// pods must use, <see cref="ProcessType"/>) is <c>&lt;name&gt;_.process</c> on every backend and the
/// same as upstream's, which keeps policies installed by upstream byte-identical. Upstream's
/// <c>status.usage</c> says <c>&lt;name&gt;.process</c>, a type that does not exist for raw profiles;
/// reconcilers should report <see cref="ProcessType"/> instead.
/// </remarks>
public static class RawSelinuxProfileCilTranslator
{
    /// <summary>The CIL block a raw profile is wrapped in: <c>&lt;name&gt;_</c>.</summary>
    public static string BlockName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name + "_";
    }

    /// <summary>The process type a raw profile's block declares (if its policy declares <c>process</c>): <c>&lt;name&gt;_.process</c>.</summary>
    public static string ProcessType(string name) => BlockName(name) + ".process";

    /// <summary>Validates <paramref name="profile"/> and wraps its policy.</summary>
    public static TranslationResult Translate(RawSelinuxProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var errors = new List<TranslationError>();
        var name = profile.Metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new TranslationError("$.metadata.name", TranslationErrorKind.Invalid, "name must be set"));
        }
        else if (!CilNames.IsDeclarationName(BlockName(name)))
        {
            errors.Add(new TranslationError("$.metadata.name", TranslationErrorKind.Invalid, "name " + ErrorText.Quote(name) + " cannot name a CIL block: it must start with a letter and hold only letters, digits, '_' and '-'"));
        }

        var policy = profile.Spec?.Policy;
        if (RawSelinuxPolicyValidator.ValidateV1(policy) is { } violation)
        {
            errors.Add(new TranslationError(violation.Path, TranslationErrorKind.Invalid, violation.Message));
        }

        if (errors.Count > 0)
        {
            return TranslationResult.Failure(errors);
        }

        // Go's strings.TrimSpace and .NET's Trim() remove the same (Unicode White_Space) characters.
        var body = policy!.Trim().Replace("\n", "\n    ", StringComparison.Ordinal).Trim();
        return TranslationResult.Success("(block " + BlockName(name!) + "\n    " + body + "\n)");
    }
}
