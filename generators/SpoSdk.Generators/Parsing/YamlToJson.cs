using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SpoSdk.Generators.Parsing;

/// <summary>Turns a small YAML value (a schema default) into compact JSON text, resolving plain scalars by the YAML 1.2 core schema.</summary>
internal static class YamlToJson
{
    // Aliases can make a default cyclic or exponentially large; defaults are small, so these bounds never bite real CRDs.
    private const int MaxDepth = 64;
    private const int MaxNodes = 10_000;

    private static readonly Regex IntegerPattern = new("^[-+]?[0-9]+$", RegexOptions.CultureInvariant);
    private static readonly Regex FloatPattern = new(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant);

    /// <summary>Converts <paramref name="node"/>, or returns null when it is cyclic or too large to be a default.</summary>
    public static string? Convert(YamlNode node)
    {
        var builder = new StringBuilder();
        var budget = MaxNodes;
        return Write(builder, node, 0, ref budget) ? builder.ToString() : null;
    }

    private static bool Write(StringBuilder builder, YamlNode node, int depth, ref int budget)
    {
        if (depth > MaxDepth || --budget < 0)
        {
            return false;
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                builder.Append('{');
                var first = true;
                foreach (var entry in mapping.Children)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    WriteString(builder, (entry.Key as YamlScalarNode)?.Value ?? string.Empty);
                    builder.Append(':');
                    if (!Write(builder, entry.Value, depth + 1, ref budget))
                    {
                        return false;
                    }
                }

                builder.Append('}');
                break;
            case YamlSequenceNode sequence:
                builder.Append('[');
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    if (!Write(builder, sequence.Children[i], depth + 1, ref budget))
                    {
                        return false;
                    }
                }

                builder.Append(']');
                break;
            case YamlScalarNode scalar:
                WriteScalar(builder, scalar);
                break;
            default:
                builder.Append("null");
                break;
        }

        return true;
    }

    private static void WriteScalar(StringBuilder builder, YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            WriteString(builder, value);
            return;
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                builder.Append("null");
                return;
            case "true" or "True" or "TRUE":
                builder.Append("true");
                return;
            case "false" or "False" or "FALSE":
                builder.Append("false");
                return;
        }

        if (IntegerPattern.IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            builder.Append(integer.ToString(CultureInfo.InvariantCulture));
        }
        else if (FloatPattern.IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            builder.Append(number.ToString("R", CultureInfo.InvariantCulture));
        }
        else
        {
            WriteString(builder, value);
        }
    }

    private static void WriteString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < ' ')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }
}
