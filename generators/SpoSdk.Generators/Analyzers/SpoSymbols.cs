using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace SpoSdk.Generators.Analyzers;

/// <summary>Recognises the model types the generator emits.</summary>
internal static class SpoSymbols
{
    /// <summary>The generator's name in its <c>[GeneratedCode]</c> attribute.</summary>
    public const string GeneratorName = "SpoSdk.Generators";

    /// <summary>The namespace the SDK's own models live under.</summary>
    public const string ApiNamespace = "SpoSdk.Api";

    /// <summary>Every generated root model implements this; a compilation that cannot see it has no SPO models to check.</summary>
    public const string SpoObjectMetadataName = "SpoSdk.Api.Schema.ISpoObject";

    /// <summary>The attribute the generator puts on each string-enum member with its exact wire value.</summary>
    public const string WireValueAttributeMetadataName = "SpoSdk.Api.Schema.SpoWireValueAttribute";

    /// <summary>
    /// The analyzers' cheap pre-check, run once per compilation: without SpoSdk.Api referenced no generated model
    /// can exist, so the analyzers register nothing and unrelated code costs them one type lookup.
    /// </summary>
    public static bool ReferencesSpoApi(Compilation compilation) =>
        compilation.GetTypeByMetadataName(SpoObjectMetadataName) is not null;

    /// <summary>
    /// The static members of a generated string enum with their wire values, in declaration order. The wire value
    /// comes from <c>[SpoWireValue]</c>; it is null for enums generated before that attribute existed.
    /// </summary>
    public static List<KeyValuePair<IPropertySymbol, string?>> EnumMembers(INamedTypeSymbol enumType)
    {
        var members = new List<KeyValuePair<IPropertySymbol, string?>>();
        foreach (var member in enumType.GetMembers())
        {
            if (member is not IPropertySymbol { IsStatic: true } property || !SymbolEqualityComparer.Default.Equals(property.Type, enumType))
            {
                continue;
            }

            string? wireValue = null;
            foreach (var attribute in property.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == WireValueAttributeMetadataName
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string value)
                {
                    wireValue = value;
                }
            }

            members.Add(new KeyValuePair<IPropertySymbol, string?>(property, wireValue));
        }

        return members;
    }

    /// <summary>Whether the type carries <c>[GeneratedCode("SpoSdk.Generators", ...)]</c>.</summary>
    public static bool HasGeneratorAttribute(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            var attributeClass = attribute.AttributeClass;
            if (attributeClass is { Name: "GeneratedCodeAttribute" }
                && attributeClass.ContainingNamespace?.ToDisplayString() == "System.CodeDom.Compiler"
                && attribute.ConstructorArguments.Length > 0
                && attribute.ConstructorArguments[0].Value is string tool
                && tool == GeneratorName)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the type is a generated SPO model: under <c>SpoSdk.Api</c> or marked by the generator.</summary>
    public static bool IsSpoModel(INamedTypeSymbol type)
    {
        var ns = type.ContainingNamespace;
        if (ns is null || ns.IsGlobalNamespace)
        {
            return false;
        }

        var name = ns.ToDisplayString();
        return name.StartsWith(ApiNamespace + ".", System.StringComparison.Ordinal) || HasGeneratorAttribute(type);
    }

    /// <summary>Whether <paramref name="type"/> is the generated model <paramref name="typeName"/>.</summary>
    public static bool IsSpoModel(ITypeSymbol? type, string typeName) =>
        type is INamedTypeSymbol named && named.Name == typeName && IsSpoModel(named);
}
