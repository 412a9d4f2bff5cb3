using Microsoft.CodeAnalysis;

namespace SpoSdk.Generators.Analyzers;

/// <summary>Recognises the model types the generator emits.</summary>
internal static class SpoSymbols
{
    /// <summary>The generator's name in its <c>[GeneratedCode]</c> attribute.</summary>
    public const string GeneratorName = "SpoSdk.Generators";

    /// <summary>The namespace the SDK's own models live under.</summary>
    public const string ApiNamespace = "SpoSdk.Api";

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
