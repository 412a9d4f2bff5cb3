using SpoSdk.Generators.Infrastructure;
using SpoSdk.Generators.Model;

namespace SpoSdk.Generators.Planning;

/// <summary>How a property's value is represented in C#.</summary>
internal enum TypeShape
{
    String,
    Int32,
    Int64,
    Double,
    Boolean,
    DateTime,
    IntOrString,
    Json,
    JsonObject,
    Enum,
    Class,
    List,
    Map,
    ObjectMeta,
}

/// <summary>A C# type for a schema node; <see cref="Element"/> is the item or value type of lists and maps.</summary>
internal sealed record TypeRef(TypeShape Shape, string? Name = null, TypeRef? Element = null)
{
    public bool IsValueType => Shape is TypeShape.Int32 or TypeShape.Int64 or TypeShape.Double or TypeShape.Boolean or TypeShape.DateTime or TypeShape.Enum;
}

/// <summary>One property of a generated class.</summary>
internal sealed record PropertyPlan(string JsonName, string CsName, TypeRef Type, bool Required, SchemaNode Schema);

/// <summary>A generated class for an object schema.</summary>
internal sealed record ClassPlan(string Name, string SchemaPath, string? Description, EquatableArray<PropertyPlan> Properties, bool PreservesUnknownFields);

/// <summary>A generated string-backed enum.</summary>
internal sealed record EnumPlan(string Name, string SchemaPath, string? Description, EquatableArray<string> Values, EquatableArray<string> MemberNames);

/// <summary>One enum field whose values are spelled differently in a legacy version: parallel spoke and hub values.</summary>
internal sealed record EnumMapPlan(EquatableArray<string> Segments, EquatableArray<string> SpokeValues, EquatableArray<string> HubValues, string? EmptySpokeToHub, string? EmptyHubToSpoke);

/// <summary>How a legacy version converts to and from the hub.</summary>
internal sealed record ConversionPlan(
    string RootNamespace,
    string HubNamespace,
    string HubVersion,
    EquatableArray<EnumMapPlan> Enums,
    EquatableArray<EquatableArray<string>> HubOnly,
    EquatableArray<EquatableArray<string>> SpokeOnly);

/// <summary>Everything generated for one served version of one kind.</summary>
internal sealed record VersionPlan(
    string Version,
    string Namespace,
    bool IsStorage,
    string? HubNamespace,
    ClassPlan Root,
    EquatableArray<ClassPlan> Classes,
    EquatableArray<EnumPlan> Enums,
    ConversionPlan? Conversion);

/// <summary>Everything generated for one kind.</summary>
internal sealed record KindPlan(
    string Group,
    string Kind,
    string ListKind,
    string Plural,
    string Singular,
    EquatableArray<string> ShortNames,
    bool Namespaced,
    EquatableArray<VersionPlan> Versions,
    SourceSpan Span);

/// <summary>The generator's plan for one CRD file: what to emit and what to report.</summary>
internal sealed record FilePlan(string FilePath, EquatableArray<KindPlan> Kinds, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>The facts the kind registry needs about one kind version; small so the registry step stays cached across description edits.</summary>
internal sealed record KindEntry(string Namespace, string Kind, string Version, bool IsStorage, string FilePath, SourceSpan Span);
