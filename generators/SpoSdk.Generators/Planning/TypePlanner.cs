using System;
using System.Collections.Generic;
using System.Linq;
using SpoSdk.Generators.Diagnostics;
using SpoSdk.Generators.Infrastructure;
using SpoSdk.Generators.Model;

namespace SpoSdk.Generators.Planning;

/// <summary>
/// Decides the C# shape of every schema node: type names, property names, enums. Naming rule:
/// a nested type is named after its parent type plus the property (children of <c>Kind</c>Spec drop
/// the <c>Spec</c>), list items take the singular; the type-names file overrides any of them by
/// schema path (<c>spec.syscalls[].action</c>, map values as <c>spec.allow.*</c>).
/// </summary>
internal sealed class TypePlanner
{
    // Members every generated class or enum has; a schema property may not take these names.
    private static readonly HashSet<string> ReservedMembers = new(StringComparer.Ordinal)
    {
        "UnknownFields", "Validate", "ApplyDefaults", "KindInfo", "Info", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone",
        "ConversionMap", "ConvertToHub", "ConvertFromHub",
    };

    private static readonly HashSet<string> ReservedEnumMembers = new(StringComparer.Ordinal)
    {
        "Value", "IsKnown", "KnownValues", "FromValue", "Equals", "GetHashCode", "ToString", "GetType",
    };

    private readonly CrdDefinition _crd;
    private readonly string _filePath;
    private readonly IReadOnlyDictionary<string, string> _overrides;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly List<ClassPlan> _classes = new();
    private readonly Dictionary<string, EnumPlan> _enums = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _typeNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchemaNode> _classShapes = new(StringComparer.Ordinal);

    private TypePlanner(CrdDefinition crd, string filePath, IReadOnlyDictionary<string, string> overrides, List<DiagnosticInfo> diagnostics)
    {
        _crd = crd;
        _filePath = filePath;
        _overrides = overrides;
        _diagnostics = diagnostics;
    }

    public static FilePlan Plan(CrdFile file, string rootNamespace, EquatableArray<TypeNameOverride> typeNames, EquatableArray<ConversionRule> conversionRules)
    {
        var diagnostics = new List<DiagnosticInfo>(file.Diagnostics);
        var kinds = new List<KindPlan>();
        // Ignoring case: generated file names (hint names) are, so Widget and WIDGET of one file would collide.
        var seenKinds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var crd in file.Definitions)
        {
            if (seenKinds.TryGetValue(crd.Kind, out var seen))
            {
                var reason = seen == crd.Kind
                    ? "the kind is defined twice in this file; the second definition is ignored"
                    : "kinds " + seen + " and " + crd.Kind + " of one file differ only in case, as their generated file names would; the second definition is ignored";
                diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.NameClash, file.Path, crd.Span, crd.Name, crd.Kind, reason));
                continue;
            }

            seenKinds.Add(crd.Kind, crd.Kind);

            var overrides = typeNames.Where(t => t.Kind == crd.Kind).GroupBy(t => t.SchemaPath).ToDictionary(g => g.Key, g => g.First().TypeName, StringComparer.Ordinal);
            var storage = crd.Versions.FirstOrDefault(v => v.Storage);
            var hubNamespace = storage is null ? null : rootNamespace + "." + Identifiers.VersionNamespace(storage.Name);
            var versions = new List<VersionPlan>();
            foreach (var version in crd.Versions.Where(v => v.Served))
            {
                var planner = new TypePlanner(crd, file.Path, overrides, diagnostics);
                var conversion = storage is null || version.Storage
                    ? null
                    : ConversionPlanner.Plan(crd, storage, version, conversionRules.FirstOrDefault(r => r.Kind == crd.Kind && r.SpokeVersion == version.Name), rootNamespace, file.Path, diagnostics);
                versions.Add(planner.PlanVersion(version, rootNamespace + "." + Identifiers.VersionNamespace(version.Name), hubNamespace, conversion));
            }

            kinds.Add(new KindPlan(crd.Group, crd.Kind, crd.ListKind, crd.Plural, crd.Singular, crd.ShortNames, crd.Namespaced, versions.ToEquatableArray(), crd.Span));
        }

        return new FilePlan(file.Path, kinds.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    private VersionPlan PlanVersion(CrdVersion version, string ns, string? hubNamespace, ConversionPlan? conversion)
    {
        Claim(_crd.Kind, "$", version.Schema.Span);
        Claim(_crd.ListKind, "$ (list)", version.Schema.Span);
        var root = PlanClass(_crd.Kind, string.Empty, WithObjectBasics(version.Schema), isRoot: true);
        return new VersionPlan(
            version.Name,
            ns,
            version.Storage,
            version.Storage ? null : hubNamespace,
            root,
            _classes.Where(c => c.Name != root.Name).ToEquatableArray(),
            _enums.Values.ToEquatableArray(),
            conversion);
    }

    /// <summary>
    /// The API server lets a CRD schema leave out apiVersion, kind and metadata; every object still
    /// has them, and the model needs them to be a Kubernetes object.
    /// </summary>
    private static SchemaNode WithObjectBasics(SchemaNode root)
    {
        var missing = new[] { ("apiVersion", "string"), ("kind", "string"), ("metadata", "object") }
            .Where(basic => !root.Properties.Any(p => p.Name == basic.Item1))
            .Select(basic => new SchemaProperty(basic.Item1, new SchemaNode { Type = basic.Item2 }))
            .ToList();
        return missing.Count == 0 ? root : root with { Properties = missing.Concat(root.Properties).ToEquatableArray() };
    }

    private ClassPlan PlanClass(string name, string schemaPath, SchemaNode schema, bool isRoot)
    {
        // Reserve the slot first so classes come out parent before child.
        var slot = _classes.Count;
        _classes.Add(null!);
        var properties = new List<PropertyPlan>();
        var memberNames = new HashSet<string>(ReservedMembers, StringComparer.Ordinal) { name };
        var nameBase = name == _crd.Kind + "Spec" ? _crd.Kind : name;
        foreach (var property in schema.Properties)
        {
            var csName = Identifiers.Pascal(property.Name);
            if (!memberNames.Add(csName))
            {
                Report(SpoDiagnostics.NameClash, property.Schema.Span, _crd.Name, csName, "property '" + property.Name + "' of " + name);
                csName += "Value";
                memberNames.Add(csName);
            }

            var childPath = schemaPath.Length == 0 ? property.Name : schemaPath + "." + property.Name;
            var type = isRoot ? RootPropertyType(property, childPath, nameBase) : PlanType(property.Schema, childPath, nameBase, Identifiers.Pascal(property.Name));
            properties.Add(new PropertyPlan(property.Name, csName, type, schema.Required.Items.Contains(property.Name), property.Schema));
        }

        var plan = new ClassPlan(name, schemaPath, schema.Description, properties.ToEquatableArray(), schema.PreserveUnknownFields);
        _classes[slot] = plan;
        return plan;
    }

    private TypeRef RootPropertyType(SchemaProperty property, string path, string nameBase) => property.Name switch
    {
        "apiVersion" or "kind" => new TypeRef(TypeShape.String),
        "metadata" => new TypeRef(TypeShape.ObjectMeta),
        "spec" or "status" when property.Schema.Type == "object" && property.Schema.Properties.Count > 0 =>
            ClassType(_overrides.TryGetValue(path, out var overridden) ? overridden : nameBase + Identifiers.Pascal(property.Name), path, property.Schema),
        _ => PlanType(property.Schema, path, nameBase, Identifiers.Pascal(property.Name)),
    };

    private TypeRef PlanType(SchemaNode schema, string path, string nameBase, string pascal)
    {
        var overridden = _overrides.TryGetValue(path, out var o) ? o : null;
        if (schema.AnyOf && !schema.IntOrString)
        {
            Report(SpoDiagnostics.UnsupportedSchema, schema.Span, _crd.Name, path, "anyOf is only supported together with x-kubernetes-int-or-string; its alternatives are not checked");
        }

        if (schema.IntOrString)
        {
            return new TypeRef(TypeShape.IntOrString);
        }

        if (schema.EmbeddedResource)
        {
            return new TypeRef(TypeShape.JsonObject);
        }

        switch (schema.Type)
        {
            case "object" when schema.Properties.Count > 0:
                return ClassType(overridden ?? nameBase + pascal, path, schema);
            case "object" when schema.AdditionalProperties is { } values:
                return new TypeRef(TypeShape.Map, Element: PlanType(values, path + ".*", nameBase, pascal + "Value"));
            case "object":
                return new TypeRef(TypeShape.JsonObject);
            case "array" when schema.Items is { } items:
                return new TypeRef(TypeShape.List, Element: PlanType(items, path + "[]", nameBase, Identifiers.Singular(pascal)));
            case "array":
                Report(SpoDiagnostics.UnsupportedSchema, schema.Span, _crd.Name, path, "an array without items; the property is generated as raw JSON");
                return new TypeRef(TypeShape.Json);
            case "string" when schema.Enum.Count > 0:
                return EnumType(overridden ?? nameBase + pascal, path, schema);
            case "string":
                return new TypeRef(schema.Format == "date-time" ? TypeShape.DateTime : TypeShape.String);
            case "integer":
                return new TypeRef(schema.Format == "int32" ? TypeShape.Int32 : TypeShape.Int64);
            case "number":
                return new TypeRef(TypeShape.Double);
            case "boolean":
                return new TypeRef(TypeShape.Boolean);
            case null when schema.PreserveUnknownFields || schema.AnyOf:
                return new TypeRef(TypeShape.Json);
            default:
                Report(SpoDiagnostics.UnsupportedSchema, schema.Span, _crd.Name, path, "type '" + (schema.Type ?? "(none)") + "' is not supported; the property is generated as raw JSON");
                return new TypeRef(TypeShape.Json);
        }
    }

    private TypeRef ClassType(string name, string path, SchemaNode schema)
    {
        // Paths named alike share one class when their schemas agree in everything but descriptions.
        var shape = Shape(schema);
        if (_classShapes.TryGetValue(name, out var existing) && existing.Equals(shape))
        {
            return new TypeRef(TypeShape.Class, name);
        }

        var unique = Claim(name, path, schema.Span);
        _classShapes[unique] = shape;
        var nested = PlanClass(unique, path, schema, isRoot: false);
        return new TypeRef(TypeShape.Class, nested.Name);
    }

    /// <summary>The schema without descriptions and source positions: what decides whether two paths can share a class.</summary>
    private static SchemaNode Shape(SchemaNode schema) => schema with
    {
        Description = null,
        Span = SourceSpan.None,
        Properties = schema.Properties.Select(p => new SchemaProperty(p.Name, Shape(p.Schema))).ToEquatableArray(),
        Items = schema.Items is null ? null : Shape(schema.Items),
        AdditionalProperties = schema.AdditionalProperties is null ? null : Shape(schema.AdditionalProperties),
    };

    private TypeRef EnumType(string name, string path, SchemaNode schema)
    {
        // Two paths may share one enum type by naming it the same, as long as the values agree.
        if (_enums.TryGetValue(name, out var existing))
        {
            if (!existing.Values.Equals(schema.Enum))
            {
                Report(SpoDiagnostics.NameClash, schema.Span, _crd.Name, name, existing.SchemaPath + " and " + path + " have different values");
            }

            return new TypeRef(TypeShape.Enum, name);
        }

        name = Claim(name, path, schema.Span);
        var members = new List<string>();
        var used = new HashSet<string>(ReservedEnumMembers, StringComparer.Ordinal) { name };
        foreach (var value in schema.Enum)
        {
            var member = Identifiers.Pascal(value);
            var candidate = member;
            for (var i = 2; !used.Add(candidate); i++)
            {
                candidate = member + i;
            }

            members.Add(candidate);
        }

        _enums[name] = new EnumPlan(name, path, schema.Description, schema.Enum, members.ToEquatableArray());
        return new TypeRef(TypeShape.Enum, name);
    }

    /// <summary>Reserves a type name; on a clash reports it and returns a numbered name so the output still compiles.</summary>
    private string Claim(string name, string path, SourceSpan span)
    {
        if (_typeNames.TryGetValue(name, out var other))
        {
            Report(SpoDiagnostics.NameClash, span, _crd.Name, name, other + " and " + path);
            var numbered = name;
            for (var i = 2; _typeNames.ContainsKey(numbered); i++)
            {
                numbered = name + i;
            }

            name = numbered;
        }

        _typeNames[name] = path;
        return name;
    }

    private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, SourceSpan span, params string[] arguments) =>
        _diagnostics.Add(SpoDiagnostics.Info(descriptor, _filePath, span, arguments));
}
