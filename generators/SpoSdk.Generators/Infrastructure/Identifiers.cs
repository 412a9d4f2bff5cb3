using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace SpoSdk.Generators.Infrastructure;

/// <summary>Turns wire names (JSON keys, enum values, versions) into C# identifiers.</summary>
internal static class Identifiers
{
    public static bool IsValidTypeName(string name) =>
        SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None && char.IsUpper(name[0]);

    // Lower-case ASCII, as the API server requires (a DNS-1035 label): v1Beta1 would share v1beta1's namespace.
    public static bool IsValidVersion(string version) =>
        version.Length >= 2 && version[0] == 'v' && version.Skip(1).All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    /// <summary><c>v1alpha2</c> → <c>V1Alpha2</c>.</summary>
    public static string VersionNamespace(string version)
    {
        var builder = new StringBuilder();
        var upperNext = true;
        foreach (var c in version)
        {
            if (char.IsLetter(c) && upperNext)
            {
                builder.Append(char.ToUpperInvariant(c));
                upperNext = false;
            }
            else
            {
                builder.Append(c);
                upperNext = char.IsDigit(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// <c>defaultAction</c> → <c>DefaultAction</c>; <c>SCMP_ACT_KILL</c> → <c>ScmpActKill</c>;
    /// <c>x-foo.bar</c> → <c>XFooBar</c>. Words split on non-alphanumerics and on lower-to-upper changes.
    /// </summary>
    public static string Pascal(string wireName)
    {
        var words = SplitWords(wireName);
        var builder = new StringBuilder();
        var allUpper = wireName.Any(char.IsLetter) && !wireName.Any(char.IsLower);
        foreach (var word in words)
        {
            builder.Append(char.ToUpperInvariant(word[0]));
            var rest = word.Substring(1);
            builder.Append(allUpper ? rest.ToLowerInvariant() : rest);
        }

        var result = builder.ToString();
        if (result.Length == 0)
        {
            return "Empty";
        }

        return char.IsDigit(result[0]) ? "Value" + result : result;
    }

    /// <summary>A crude but predictable English singular for list item type names.</summary>
    public static string Singular(string pascalName)
    {
        if (pascalName.EndsWith("ies", System.StringComparison.Ordinal) && pascalName.Length > 3)
        {
            return pascalName.Substring(0, pascalName.Length - 3) + "y";
        }

        foreach (var suffix in new[] { "sses", "shes", "ches", "xes" })
        {
            if (pascalName.EndsWith(suffix, System.StringComparison.Ordinal))
            {
                return pascalName.Substring(0, pascalName.Length - 2);
            }
        }

        if (pascalName.EndsWith("s", System.StringComparison.Ordinal) && !pascalName.EndsWith("ss", System.StringComparison.Ordinal) && pascalName.Length > 1)
        {
            return pascalName.Substring(0, pascalName.Length - 1);
        }

        return pascalName + "Item";
    }

    /// <summary>Escapes text for an XML doc comment.</summary>
    public static string XmlEscape(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>A C# string literal for <paramref name="value"/>.</summary>
    public static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    public static string Literal(double value) =>
        value == System.Math.Floor(value) && System.Math.Abs(value) < 1e15
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture) + "d";

    private static List<string> SplitWords(string name)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c) || c > 127)
            {
                Flush();
                continue;
            }

            if (current.Length > 0 && char.IsUpper(c) && char.IsLower(current[current.Length - 1]))
            {
                Flush();
            }

            current.Append(c);
        }

        Flush();
        return words;

        void Flush()
        {
            if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }
    }
}
