using System.Text.Json.Nodes;

namespace SpoSdk.Api.Serialization;

/// <summary>One non-empty document of a YAML stream, converted to JSON.</summary>
/// <param name="Root">The document's content; <see langword="null"/> when the document is an explicit null such as <c>--- null</c>.</param>
/// <param name="Index">The 1-based number of the document in the stream, not counting empty documents.</param>
/// <param name="StartLine">The 1-based line where the document's content starts.</param>
/// <param name="StartColumn">The 1-based column where the document's content starts.</param>
public sealed record YamlDocumentNode(JsonNode? Root, int Index, int StartLine, int StartColumn);
