using System;
using System.Collections.Generic;
using System.Linq;
using SpoSdk.Generators.Diagnostics;
using SpoSdk.Generators.Infrastructure;
using SpoSdk.Generators.Model;

namespace SpoSdk.Generators.Planning;

/// <summary>
/// Compares a legacy version's schema with the hub's, field by field, and decides how the two
/// convert: identical fields copy, enum values pair up (exactly, else ignoring case), and every
/// field only one side has must be named in the conversion rules, else SPO1008. Nothing is left to
/// a runtime surprise.
/// </summary>
internal sealed class ConversionPlanner
{
    private readonly CrdDefinition _crd;
    private readonly CrdVersion _hub;
    private readonly CrdVersion _spoke;
    private readonly ConversionRule? _rule;
    private readonly string _filePath;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly List<EnumMapPlan> _enums = new();
    private readonly List<string> _hubOnly = new();
    private readonly List<string> _spokeOnly = new();
    private readonly HashSet<string> _enumPaths = new(StringComparer.Ordinal);

    private ConversionPlanner(CrdDefinition crd, CrdVersion hub, CrdVersion spoke, ConversionRule? rule, string filePath, List<DiagnosticInfo> diagnostics)
    {
        _crd = crd;
        _hub = hub;
        _spoke = spoke;
        _rule = rule;
        _filePath = filePath;
        _diagnostics = diagnostics;
    }

    public static ConversionPlan Plan(CrdDefinition crd, CrdVersion hub, CrdVersion spoke, ConversionRule? rule, string rootNamespace, string filePath, List<DiagnosticInfo> diagnostics)
    {
        var planner = new ConversionPlanner(crd, hub, spoke, rule, filePath, diagnostics);
        planner.Walk(hub.Schema, spoke.Schema, string.Empty);
        planner.CheckRules();
        return new ConversionPlan(
            rootNamespace,
            rootNamespace + "." + Identifiers.VersionNamespace(hub.Name),
            hub.Name,
            planner._enums.ToEquatableArray(),
            planner._hubOnly.Select(Segments).ToEquatableArray(),
            planner._spokeOnly.Select(Segments).ToEquatableArray());
    }

    /// <summary><c>spec.syscalls[].action</c> → <c>spec</c>, <c>syscalls</c>, <c>[]</c>, <c>action</c>.</summary>
    public static EquatableArray<string> Segments(string path)
    {
        var segments = new List<string>();
        foreach (var part in path.Split('.'))
        {
            var name = part;
            var items = 0;
            while (name.EndsWith("[]", StringComparison.Ordinal))
            {
                name = name.Substring(0, name.Length - 2);
                items++;
            }

            segments.Add(name);
            segments.AddRange(Enumerable.Repeat("[]", items));
        }

        return segments.ToEquatableArray();
    }

    private void Walk(SchemaNode hub, SchemaNode spoke, string path)
    {
        var hubShape = Shape(hub);
        var spokeShape = Shape(spoke);
        if (hubShape != spokeShape)
        {
            _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.IncompatibleConversion, _filePath, spoke.Span, _crd.Name, path, hubShape, _hub.Name, spokeShape, _spoke.Name));
            return;
        }

        switch (hubShape)
        {
            case "object":
                WalkProperties(hub, spoke, path);
                break;
            case "array" when hub.Items is not null && spoke.Items is not null:
                Walk(hub.Items, spoke.Items, path + "[]");
                break;
            case "map" when hub.AdditionalProperties is not null && spoke.AdditionalProperties is not null:
                Walk(hub.AdditionalProperties, spoke.AdditionalProperties, path + ".*");
                break;
            // Where only one side lists values the other takes any string: nothing to map.
            case "string" when hub.Enum.Count > 0 && spoke.Enum.Count > 0:
                PlanEnum(hub, spoke, path);
                break;
        }
    }

    private void WalkProperties(SchemaNode hub, SchemaNode spoke, string path)
    {
        foreach (var property in hub.Properties)
        {
            var childPath = path.Length == 0 ? property.Name : path + "." + property.Name;
            var counterpart = spoke.Properties.FirstOrDefault(p => p.Name == property.Name);
            if (counterpart is not null)
            {
                Walk(property.Schema, counterpart.Schema, childPath);
            }
            else if (Listed(_rule?.HubOnly, childPath))
            {
                _hubOnly.Add(childPath);
            }
            else
            {
                _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.IncompleteConversion, _filePath, property.Schema.Span, _crd.Name, childPath, _hub.Name, _spoke.Name, "hubOnly"));
            }
        }

        foreach (var property in spoke.Properties.Where(p => !hub.Properties.Any(h => h.Name == p.Name)))
        {
            var childPath = path.Length == 0 ? property.Name : path + "." + property.Name;
            if (Listed(_rule?.SpokeOnly, childPath))
            {
                _spokeOnly.Add(childPath);
            }
            else
            {
                _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.IncompleteConversion, _filePath, property.Schema.Span, _crd.Name, childPath, _spoke.Name, _hub.Name, "spokeOnly"));
            }
        }
    }

    private void PlanEnum(SchemaNode hub, SchemaNode spoke, string path)
    {
        var rule = _rule?.Enums.FirstOrDefault(e => e.Path == path);
        if (rule is not null)
        {
            _enumPaths.Add(path);
        }

        if (hub.Enum.Equals(spoke.Enum) && rule is null)
        {
            return;
        }

        // Values the other side cannot hold stay unpaired: the converter keeps them in the annotation.
        var spokeValues = new List<string>();
        var hubValues = new List<string>();
        foreach (var value in spoke.Enum)
        {
            var match = EnumValuePairing.Pair(hub.Enum, value);
            if (match is not null)
            {
                spokeValues.Add(value);
                hubValues.Add(match);
            }
        }

        _enums.Add(new EnumMapPlan(Segments(path), spokeValues.ToEquatableArray(), hubValues.ToEquatableArray(), rule?.EmptySpokeToHub, rule?.EmptyHubToSpoke));
    }

    private void CheckRules()
    {
        if (_rule is null)
        {
            return;
        }

        foreach (var enumRule in _rule.Enums.Where(e => !_enumPaths.Contains(e.Path)))
        {
            RuleError(enumRule.Span, "'" + enumRule.Path + "' is not an enum field of both " + _hub.Name + " and " + _spoke.Name + " " + _crd.Kind);
        }

        foreach (var hubOnly in _rule.HubOnly.Where(p => !_hubOnly.Contains(p.Path)))
        {
            RuleError(hubOnly.Span, "'" + hubOnly.Path + "' is not a field that only " + _hub.Name + " " + _crd.Kind + " has");
        }

        foreach (var spokeOnly in _rule.SpokeOnly.Where(p => !_spokeOnly.Contains(p.Path)))
        {
            RuleError(spokeOnly.Span, "'" + spokeOnly.Path + "' is not a field that only " + _spoke.Name + " " + _crd.Kind + " has");
        }
    }

    private void RuleError(SourceSpan span, string message) =>
        _diagnostics.Add(SpoDiagnostics.Info(SpoDiagnostics.InvalidConversionRule, _rule!.FilePath, span, message));

    private static bool Listed(EquatableArray<PathRule>? rules, string path) =>
        rules is { } list && list.Any(r => r.Path == path);

    private static string Shape(SchemaNode node) => node switch
    {
        { IntOrString: true } => "int-or-string",
        { Properties.Count: > 0 } => "object",
        { Type: "object", AdditionalProperties: not null } => "map",
        _ => node.Type ?? "any",
    };
}
