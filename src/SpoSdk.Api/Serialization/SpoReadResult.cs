using System.Text;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Serialization;

/// <summary>What went wrong with a document.</summary>
public enum SpoReadErrorCategory
{
    /// <summary>The text is not valid YAML or JSON.</summary>
    Syntax,

    /// <summary>The document's apiVersion and kind are missing or name no registered kind.</summary>
    UnknownKind,

    /// <summary>A value has the wrong JSON type for its field.</summary>
    Decode,

    /// <summary>The object breaks a rule of its schema.</summary>
    Schema,
}

/// <summary>One problem found while reading manifests, naming the file, document, object and JSON path.</summary>
/// <param name="Category">What kind of problem.</param>
/// <param name="Source">The file name or other source label.</param>
/// <param name="DocumentIndex">The 1-based document number in the source.</param>
/// <param name="Kind">The object's kind, when known.</param>
/// <param name="Name">The object's name, <c>namespace/name</c> for namespaced objects, when known.</param>
/// <param name="Path">The JSON path of the offending value, when there is one.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Line">The 1-based line, for syntax errors.</param>
/// <param name="Column">The 1-based column, for syntax errors.</param>
public sealed record SpoReadError(
    SpoReadErrorCategory Category,
    string Source,
    int DocumentIndex,
    string? Kind,
    string? Name,
    string? Path,
    string Message,
    int? Line = null,
    int? Column = null)
{
    /// <summary>Formats the error as <c>FILE#DOC KIND/NAME: JSONPATH: message</c>.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(Source).Append('#').Append(DocumentIndex);
        if (Kind is not null)
        {
            builder.Append(' ').Append(Kind).Append('/').Append(Name ?? "<unnamed>");
        }

        builder.Append(": ");
        if (Line is { } line)
        {
            builder.Append("line ").Append(line).Append(", column ").Append(Column ?? 0).Append(": ");
        }
        else if (Path is not null)
        {
            builder.Append(Path).Append(": ");
        }

        return builder.Append(Message).ToString();
    }
}

/// <summary>One document read from a manifest stream.</summary>
/// <param name="Source">The file name or other source label.</param>
/// <param name="Index">The 1-based document number.</param>
/// <param name="Object">The typed object; null when the document could not be decoded.</param>
/// <param name="Errors">What is wrong with the document; empty when it is valid.</param>
public sealed record SpoDocument(string Source, int Index, ISpoObject? Object, IReadOnlyList<SpoReadError> Errors)
{
    /// <summary>Whether the document decoded and passed validation.</summary>
    public bool IsValid => Object is not null && Errors.Count == 0;
}

/// <summary>Everything read from one manifest stream.</summary>
/// <param name="Source">The file name or other source label.</param>
/// <param name="Documents">The documents, in order; empty when the stream had a syntax error.</param>
/// <param name="SyntaxError">The YAML or JSON syntax error that stopped reading, if any.</param>
public sealed record SpoReadResult(string Source, IReadOnlyList<SpoDocument> Documents, SpoReadError? SyntaxError)
{
    /// <summary>Every error: the syntax error, then each document's.</summary>
    public IEnumerable<SpoReadError> Errors =>
        (SyntaxError is null ? Enumerable.Empty<SpoReadError>() : [SyntaxError]).Concat(Documents.SelectMany(d => d.Errors));

    /// <summary>Whether every document decoded and passed validation.</summary>
    public bool IsValid => SyntaxError is null && Documents.All(d => d.IsValid);

    /// <summary>The decoded objects, valid or not.</summary>
    public IEnumerable<ISpoObject> Objects => Documents.Where(d => d.Object is not null).Select(d => d.Object!);
}

/// <summary>Thrown by the throwing read methods when any document has an error.</summary>
public sealed class SpoSerializationException : Exception
{
    /// <summary>Creates the exception from the errors found.</summary>
    public SpoSerializationException(IReadOnlyList<SpoReadError> errors)
        : base(errors.Count == 0 ? "The manifests could not be read." : string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    /// <summary>Every error found.</summary>
    public IReadOnlyList<SpoReadError> Errors { get; }
}
