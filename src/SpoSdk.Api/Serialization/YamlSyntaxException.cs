namespace SpoSdk.Api.Serialization;

/// <summary>
/// A YAML stream could not be converted to JSON: its syntax is invalid, it uses a construct JSON cannot
/// represent (a complex or duplicate mapping key, a recursive alias), or it exceeds a <see cref="YamlReadLimits"/>.
/// </summary>
public sealed class YamlSyntaxException : Exception
{
    internal YamlSyntaxException(string reason, int line, int column, int documentIndex, Exception? innerException = null)
        : base($"line {line}, column {column}: {reason}", innerException)
    {
        Reason = reason;
        Line = line;
        Column = column;
        DocumentIndex = documentIndex;
    }

    /// <summary>What is wrong, without the position, for callers that format locations themselves.</summary>
    public string Reason { get; }

    /// <summary>The 1-based line in the stream where the problem was found.</summary>
    public int Line { get; }

    /// <summary>The 1-based column in the stream where the problem was found.</summary>
    public int Column { get; }

    /// <summary>
    /// The 1-based number of the document being read when the problem was found, counted the way
    /// <see cref="YamlDocumentNode.Index"/> counts: empty documents before it are not counted.
    /// </summary>
    public int DocumentIndex { get; }
}
