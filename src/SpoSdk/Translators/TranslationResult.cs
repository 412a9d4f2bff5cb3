namespace SpoSdk.Translators;

/// <summary>Why a profile could not be translated; lets a reconciler choose the status, event and retry.</summary>
public enum TranslationErrorKind
{
    /// <summary>A value breaks a rule of the translator (characters, shape); fixing the profile is the only cure.</summary>
    Invalid,

    /// <summary>A profile the translated one refers to does not exist (yet); creating it may cure this.</summary>
    NotFound,

    /// <summary>The operator's policy (SPOD allow or deny lists) forbids a value; changing either may cure this.</summary>
    NotAllowed,
}

/// <summary>One reason a profile could not be translated, at the JSON path of the offending value.</summary>
/// <param name="Path">The JSON path in the profile object, e.g. <c>$.spec.abstract.filesystem.readOnlyPaths[2]</c>.</param>
/// <param name="Kind">What kind of problem.</param>
/// <param name="Message">What is wrong; one line, control characters escaped.</param>
public sealed record TranslationError(string Path, TranslationErrorKind Kind, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Path + ": " + Message;
}

/// <summary>The text a translator produced, or every reason it produced none.</summary>
public sealed class TranslationResult
{
    private TranslationResult(string? text, IReadOnlyList<TranslationError> errors)
    {
        Text = text;
        Errors = errors;
    }

    /// <summary>The translated policy; null when <see cref="Errors"/> is not empty.</summary>
    public string? Text { get; }

    /// <summary>Every problem found, in the order of the profile's fields; empty on success.</summary>
    public IReadOnlyList<TranslationError> Errors { get; }

    /// <summary>Whether the translation produced text.</summary>
    public bool Succeeded => Text is not null;

    /// <summary>A successful result.</summary>
    public static TranslationResult Success(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new TranslationResult(text, []);
    }

    /// <summary>A failed result; <paramref name="errors"/> must not be empty.</summary>
    public static TranslationResult Failure(IReadOnlyList<TranslationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count);
        return new TranslationResult(null, errors);
    }

    /// <summary>The text, or a <see cref="ProfileTranslationException"/> listing the errors.</summary>
    public string GetTextOrThrow() => Text ?? throw new ProfileTranslationException(Errors);
}

/// <summary>Thrown by <see cref="TranslationResult.GetTextOrThrow"/> when a translation failed.</summary>
public sealed class ProfileTranslationException : Exception
{
    /// <summary>Creates the exception from the errors found.</summary>
    public ProfileTranslationException(IReadOnlyList<TranslationError> errors)
        : base(string.Join(Environment.NewLine, errors ?? throw new ArgumentNullException(nameof(errors))))
    {
        Errors = errors;
    }

    /// <summary>Every error found.</summary>
    public IReadOnlyList<TranslationError> Errors { get; }
}
