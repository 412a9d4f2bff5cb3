namespace SpoSdk.Generators.Tests;

/// <summary>Small, valid CRD texts to break on purpose, and line lookups for diagnostic locations.</summary>
internal static class TestCrds
{
    /// <summary>Where <see cref="Widget"/> puts extra spec properties (indented as keys of <c>spec.properties</c>).</summary>
    public const string SpecPropertyIndent = "              ";

    /// <summary>
    /// A namespaced <c>Widget</c> CRD (group example.com, one served storage version v1) whose spec has
    /// <c>size</c> plus <paramref name="specProperties"/>: YAML lines written as if at column 0, indented here.
    /// </summary>
    public static string Widget(string specProperties = "", string kind = "Widget", string plural = "widgets")
    {
        var extra = string.Concat(specProperties.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => SpecPropertyIndent + line + "\n"));
        return $"""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: {plural}.example.com
            spec:
              group: example.com
              names:
                kind: {kind}
                listKind: {kind}List
                plural: {plural}
                singular: {kind.ToLowerInvariant()}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      apiVersion:
                        type: string
                      kind:
                        type: string
                      metadata:
                        type: object
                      spec:
                        type: object
                        properties:
                          size:
                            type: integer
                            format: int32

            """.ReplaceLineEndings("\n") + extra;
    }

    /// <summary>A type-names document for one kind: schema path to type name.</summary>
    public static string TypeNames(string kind, params (string Path, string TypeName)[] entries) =>
        "kind: SpoSdkTypeNames\ntypeNames:\n  " + kind + ":\n" + string.Concat(entries.Select(e => "    " + e.Path + ": " + e.TypeName + "\n"));

    /// <summary>The 0-based number of the one line of <paramref name="text"/> that contains <paramref name="marker"/>.</summary>
    public static int LineOf(string text, string marker)
    {
        var lines = text.Split('\n');
        var matches = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(marker, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"expected exactly one line containing '{marker}', found {matches.Count}");
        return matches[0];
    }

    /// <summary>Replaces the one occurrence of <paramref name="oldValue"/>, failing when it is missing or repeated.</summary>
    public static string ReplaceOnce(string text, string oldValue, string newValue)
    {
        var index = text.IndexOf(oldValue, StringComparison.Ordinal);
        Assert.True(index >= 0 && text.IndexOf(oldValue, index + 1, StringComparison.Ordinal) < 0, $"expected exactly one '{oldValue}'");
        return string.Concat(text.AsSpan(0, index), newValue, text.AsSpan(index + oldValue.Length));
    }
}
