using SpoSdk.Generators.Infrastructure;

namespace SpoSdk.Generators.Model;

/// <summary>Where something stands in a YAML file: enough to build a Roslyn location later.</summary>
internal sealed record SourceSpan(int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public static readonly SourceSpan None = new(0, 0, 0, 0, 0, 0);
}

/// <summary>One OpenAPI v3 schema node of a CRD, reduced to what code generation needs.</summary>
internal sealed record SchemaNode
{
    public string? Description { get; init; }

    public string? Type { get; init; }

    public string? Format { get; init; }

    public EquatableArray<string> Enum { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The default as compact JSON text.</summary>
    public string? DefaultJson { get; init; }

    public string? Pattern { get; init; }

    public long? MinLength { get; init; }

    public long? MaxLength { get; init; }

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public bool ExclusiveMinimum { get; init; }

    public bool ExclusiveMaximum { get; init; }

    public long? MinItems { get; init; }

    public long? MaxItems { get; init; }

    public long? MinProperties { get; init; }

    public long? MaxProperties { get; init; }

    public bool Nullable { get; init; }

    public EquatableArray<SchemaProperty> Properties { get; init; } = EquatableArray<SchemaProperty>.Empty;

    public EquatableArray<string> Required { get; init; } = EquatableArray<string>.Empty;

    public SchemaNode? Items { get; init; }

    public SchemaNode? AdditionalProperties { get; init; }

    public bool IntOrString { get; init; }

    /// <summary>Whether the node has <c>anyOf</c> alternatives (only meaningful with int-or-string).</summary>
    public bool AnyOf { get; init; }

    public bool PreserveUnknownFields { get; init; }

    public bool EmbeddedResource { get; init; }

    public string? ListType { get; init; }

    public EquatableArray<string> ListMapKeys { get; init; } = EquatableArray<string>.Empty;

    public string? MapType { get; init; }

    public SourceSpan Span { get; init; } = SourceSpan.None;
}

/// <summary>A named property of an object schema, in file order.</summary>
internal sealed record SchemaProperty(string Name, SchemaNode Schema);

/// <summary>A printer column of a CRD version.</summary>
internal sealed record PrinterColumn(string Name, string Type, string JsonPath, int Priority);

/// <summary>One served version of a CRD.</summary>
internal sealed record CrdVersion(
    string Name,
    bool Served,
    bool Storage,
    bool HasStatusSubresource,
    EquatableArray<PrinterColumn> PrinterColumns,
    SchemaNode Schema,
    SourceSpan Span);

/// <summary>One CustomResourceDefinition.</summary>
internal sealed record CrdDefinition(
    string Name,
    string Group,
    string Kind,
    string ListKind,
    string Plural,
    string Singular,
    EquatableArray<string> ShortNames,
    bool Namespaced,
    EquatableArray<CrdVersion> Versions,
    SourceSpan Span);

/// <summary>What reading one additional file produced: its CRDs and the problems found.</summary>
internal sealed record CrdFile(string Path, EquatableArray<CrdDefinition> Definitions, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>Type-name overrides, when the file is a type-names file.</summary>
    public EquatableArray<TypeNameOverride> TypeNames { get; init; } = EquatableArray<TypeNameOverride>.Empty;

    /// <summary>Conversion rules, when the file is a conversion-rules file.</summary>
    public EquatableArray<ConversionRule> ConversionRules { get; init; } = EquatableArray<ConversionRule>.Empty;
}

/// <summary>What the schemas cannot say about converting one legacy version of a kind to and from the hub.</summary>
internal sealed record ConversionRule(
    string Kind,
    string SpokeVersion,
    EquatableArray<EnumRule> Enums,
    EquatableArray<PathRule> HubOnly,
    EquatableArray<PathRule> SpokeOnly,
    string FilePath,
    SourceSpan Span);

/// <summary>The empty-value defaults of one enum field, e.g. upstream reading an empty recorder as Logs.</summary>
internal sealed record EnumRule(string Path, string? EmptySpokeToHub, string? EmptyHubToSpoke, SourceSpan Span);

/// <summary>A schema path named by a rule, with where the rule says it.</summary>
internal sealed record PathRule(string Path, SourceSpan Span);

/// <summary>An explicit C# name for the type generated at one schema path of one kind (e.g. <c>spec.syscalls[].action</c>).</summary>
internal sealed record TypeNameOverride(string Kind, string SchemaPath, string TypeName);

/// <summary>A diagnostic as plain data, turned into a Roslyn diagnostic only when reported.</summary>
internal sealed record DiagnosticInfo(string Id, string FilePath, SourceSpan Span, EquatableArray<string> Arguments);
