using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using YamlDotNet.Core;

namespace SpoSdk.Migration;

/// <summary>
/// Rewrites legacy Security Profiles Operator manifests to v1 in their own text: apiVersion, the
/// legacy enum spellings of the generated conversion maps, and the pre-1.0 (v0.10) shapes
/// (<c>spec.disabled</c>, <c>permissive</c>, <c>complainMode</c>, recording kind <c>ApparmorProfile</c>,
/// SecurityProfileNodeStatus' top-level fields, the flat SecurityProfilesOperatorDaemon spec).
/// </summary>
/// <remarks>
/// Edits are made at the YAML parser's positions, never by writing documents anew, so everything a
/// rule does not touch stays byte for byte as it was: comments, key order, quoting, indentation,
/// line breaks, other documents, documents of other kinds. Every migrated document must then read
/// and validate as v1 with a strict <see cref="SpoSerializer"/>; a document that would not, or whose
/// legacy and v1 fields disagree, is reported as a <see cref="MigrationProblem"/> and left as it was.
/// Pure: no file access, no shared state; one instance may serve any number of threads.
/// </remarks>
public sealed class ManifestMigrator
{
    private readonly IReadOnlyList<ConversionMap> _maps;
    private readonly SpoKindRegistry _registry;
    private readonly SpoSerializer _serializer;

    /// <summary>Creates a migrator over the generated conversion maps and kinds.</summary>
    public ManifestMigrator()
        : this(Api.SpoGeneratedConversions.All, SpoKindRegistry.Default)
    {
    }

    /// <summary>Creates a migrator over the given conversion maps (for the legacy enum spellings) and kinds.</summary>
    public ManifestMigrator(IEnumerable<ConversionMap> maps, SpoKindRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(registry);
        _maps = maps.ToList();
        _registry = registry;
        _serializer = new SpoSerializer(new SpoSerializerOptions { Strict = true }, registry);
    }

    /// <summary>Migrates every SPO document of a YAML text.</summary>
    /// <param name="text">The manifests: one or more YAML documents, of any kinds.</param>
    /// <param name="source">A label for changes and problems, usually the file name.</param>
    public MigrationResult Migrate(string text, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);

        // Every line ends with a line break while working, so a moved block never needs one added.
        var newLine = new SourceText(text).NewLine;
        var addedBreak = text.Length > 0 && !text.EndsWith('\n') ? newLine : string.Empty;
        var work = text + addedBreak;

        var problems = new List<MigrationProblem>();
        var excluded = new HashSet<int>();
        while (true)
        {
            var failed = excluded.Count;
            Pass pass;
            try
            {
                pass = Run(work, source, excluded, problems);
            }
            catch (YamlException ex)
            {
                problems.Add(SyntaxProblem(text, source, ex));
                return new MigrationResult(source, text, text, [], problems);
            }

            // A document that failed is migrated no further: run again without it, so none of its edits remain.
            if (excluded.Count > failed)
            {
                continue;
            }

            var invalid = Validate(pass, source);
            if (invalid.Count == 0)
            {
                var migrated = pass.Text.EndsWith(addedBreak, StringComparison.Ordinal) ? pass.Text[..^addedBreak.Length] : pass.Text;
                return new MigrationResult(
                    source,
                    text,
                    pass.Changes.Count == 0 ? text : migrated,
                    pass.Changes,
                    problems.OrderBy(p => p.DocumentIndex).ToList());
            }

            foreach (var (index, documentProblems) in invalid)
            {
                excluded.Add(index);
                problems.AddRange(documentProblems);
            }
        }
    }

    // Reported as spoc validate reports it, with the document number, line and column.
    private MigrationProblem SyntaxProblem(string text, string source, YamlException ex)
    {
        var error = _serializer.Read(text, source).SyntaxError;
        return error is not null
            ? new MigrationProblem(source, error.DocumentIndex, null, null, null, error.Message, error.Line, error.Column)
            : new MigrationProblem(source, 1, null, null, null, ex.Message, ToInt(ex.Start.Line), ToInt(ex.Start.Column));
    }

    private Pass Run(string text, string source, HashSet<int> excluded, List<MigrationProblem> problems)
    {
        var changes = new List<MigrationChange>();

        var failed = excluded.Count;
        var restructured = Apply(text, source, excluded, problems, changes, LegacyShapeRules.Restructure);
        if (excluded.Count > failed)
        {
            // The caller runs again without the documents that failed.
            return new Pass(text, []);
        }

        var rewritten = Apply(restructured, source, excluded, problems, changes, editor =>
        {
            var maps = _maps.Where(m => m.Group == LegacyShapeRules.Group && m.Kind == editor.Kind).ToList();
            var own = maps.Where(m => m.SpokeVersion == editor.Version).ToList();
            LegacyShapeRules.Rewrite(editor, own.Count > 0 ? own : maps);
        });

        var ordered = changes.Select((change, order) => (change, order))
            .OrderBy(c => c.change.DocumentIndex)
            .ThenBy(c => c.change.Path == "$.apiVersion" ? 0 : 1)
            .ThenBy(c => c.order)
            .Select(c => c.change)
            .ToList();
        return new Pass(rewritten, ordered);
    }

    private string Apply(string text, string source, HashSet<int> excluded, List<MigrationProblem> problems, List<MigrationChange> changes, Action<DocumentEditor> rule)
    {
        var sourceText = new SourceText(text);
        var edits = new List<TextEdit>();
        var edited = new List<DocumentEditor>();
        foreach (var document in SourceYamlParser.Parse(text))
        {
            if (excluded.Contains(document.Index) || Editor(sourceText, source, document) is not { } editor)
            {
                continue;
            }

            Run(editor, rule);
            if (editor.Failed)
            {
                // One document's problem never stops the others; the file as a whole is not written.
                excluded.Add(document.Index);
                problems.AddRange(editor.Problems);
                changes.RemoveAll(c => c.DocumentIndex == document.Index);
                continue;
            }

            edits.AddRange(editor.Edits);
            changes.AddRange(editor.Changes);
            edited.Add(editor);
        }

        var result = SourceText.Apply(text, edits);
        if (edited.Count > 0 && !Parses(result, out _))
        {
            // Moved text can break YAML (an alias now before its anchor); find the documents whose edits do it.
            // Anchors belong to their document, so each is checked on its own lines: the work stays linear in the
            // number of documents. Only a document that fails there is checked in the whole text, which is what counts.
            foreach (var editor in edited)
            {
                if (!ParsesAlone(sourceText, editor) && !Parses(SourceText.Apply(text, editor.Edits), out var reason))
                {
                    excluded.Add(editor.Document.Index);
                    problems.Add(new MigrationProblem(source, editor.Document.Index, editor.Kind, editor.Name, null, "cannot migrate automatically: the result would not be valid YAML: " + reason));
                    changes.RemoveAll(c => c.DocumentIndex == editor.Document.Index);
                }
            }
        }

        return result;
    }

    // A rule that fails unexpectedly, or whose edits collide, fails its document only, never the run.
    private static void Run(DocumentEditor editor, Action<DocumentEditor> rule)
    {
        try
        {
            rule(editor);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException)
        {
            editor.Problem("$", "cannot migrate automatically: " + ex.Message);
            return;
        }

        var overlap = SourceText.FindOverlap(editor.Edits);
        if (overlap >= 0)
        {
            editor.Problem("$", "cannot migrate automatically: the edits of this document collide at offset " + overlap);
        }
    }

    // Whether the lines of the document, from the first edited or parsed one to the last, parse with its edits applied.
    private static bool ParsesAlone(SourceText text, DocumentEditor editor)
    {
        var root = editor.Document.Root!;
        var start = text.LineStart(Math.Min(root.Start, editor.Edits.Count == 0 ? root.Start : editor.Edits.Min(e => e.Start)));
        var end = text.NextLineStart(Math.Max(root.ContentEnd, editor.Edits.Count == 0 ? root.ContentEnd : editor.Edits.Max(e => e.End)));
        var slice = text.Text[start..end];
        var edits = editor.Edits.Select(e => e with { Start = e.Start - start, End = e.End - start });
        return Parses(SourceText.Apply(slice, edits), out _);
    }

    private static bool Parses(string text, out string reason)
    {
        try
        {
            SourceYamlParser.Parse(text);
            reason = string.Empty;
            return true;
        }
        catch (YamlException ex)
        {
            reason = ex.Message;
            return false;
        }
    }

    // An editor for a document of a known SPO kind, whatever its version; null for everything else.
    private DocumentEditor? Editor(SourceText text, string source, SourceDocument document)
    {
        if (document.Root is not SourceMapping root
            || root.Find("apiVersion")?.Value is not SourceScalar { IsString: true } apiVersion
            || root.Find("kind")?.Value is not SourceScalar { IsString: true } kind)
        {
            return null;
        }

        var slash = apiVersion.Value.LastIndexOf('/');
        if (slash < 0 || apiVersion.Value[..slash] != LegacyShapeRules.Group || !_registry.KnowsKind(LegacyShapeRules.Group, kind.Value))
        {
            return null;
        }

        string? name = null;
        if (root.Find("metadata")?.Value is SourceMapping metadata && metadata.Find("name")?.Value is SourceScalar { IsString: true } nameValue)
        {
            name = metadata.Find("namespace")?.Value is SourceScalar { IsString: true, Value.Length: > 0 } ns ? ns.Value + "/" + nameValue.Value : nameValue.Value;
        }

        return new DocumentEditor(text, source, document, root, kind.Value, apiVersion.Value[(slash + 1)..], name);
    }

    // Reads each changed document on its own, so a problem elsewhere in the stream cannot hide or cause its errors.
    private Dictionary<int, List<MigrationProblem>> Validate(Pass pass, string source)
    {
        var invalid = new Dictionary<int, List<MigrationProblem>>();
        var migrated = pass.Changes.Select(c => c.DocumentIndex).ToHashSet();
        if (migrated.Count == 0)
        {
            return invalid;
        }

        var firstChanges = new Dictionary<int, MigrationChange>();
        foreach (var change in pass.Changes)
        {
            firstChanges.TryAdd(change.DocumentIndex, change);
        }

        // Line numbers are counted on from the previous document, never from the start of the text again.
        var text = new SourceText(pass.Text);
        var counted = 0;
        var lineOffset = 0;
        foreach (var document in SourceYamlParser.Parse(pass.Text).Where(d => migrated.Contains(d.Index)))
        {
            var start = text.LineStart(document.Root!.Start);
            var end = text.NextLineStart(document.Root.ContentEnd);
            lineOffset += pass.Text.AsSpan(counted, start - counted).Count('\n');
            counted = start;
            var result = _serializer.Read(pass.Text[start..end], source);
            var changed = firstChanges[document.Index];
            var errors = result.Errors
                .Select(e => new MigrationProblem(source, document.Index, e.Kind ?? changed.Kind, e.Name ?? changed.Name, e.Path, e.Message, e.Line + lineOffset, e.Column))
                .ToList();
            if (result.Documents.Count != 1 && errors.Count == 0)
            {
                errors.Add(new MigrationProblem(source, document.Index, null, null, null, "the migrated document does not read back as one document"));
            }

            if (errors.Count > 0)
            {
                invalid[document.Index] = errors;
            }
        }

        return invalid;
    }

    private static int ToInt(long value) => (int)Math.Clamp(value, 0, int.MaxValue);

    private sealed record Pass(string Text, List<MigrationChange> Changes);
}
