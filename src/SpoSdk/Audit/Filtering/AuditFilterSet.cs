using System.Text;
using System.Text.Json;

namespace SpoSdk.Audit.Filtering;

/// <summary>
/// Priority-ordered enricher filters. The first filter (lowest priority value) with a matching key decides the
/// level; with none, the level is <see cref="AuditFilterLevel.Metadata"/>. Immutable.
/// </summary>
public sealed class AuditFilterSet
{
    private readonly AuditFilter[] _filters;

    /// <summary>Orders <paramref name="filters"/> by ascending priority; equal priorities keep their order.</summary>
    public AuditFilterSet(IEnumerable<AuditFilter> filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        _filters = [.. filters.OrderBy(f => f.Priority)];
    }

    /// <summary>No filters: everything is <see cref="AuditFilterLevel.Metadata"/>.</summary>
    public static AuditFilterSet Empty { get; } = new([]);

    /// <summary>The filters in evaluation order.</summary>
    public IReadOnlyList<AuditFilter> Filters => _filters;

    /// <summary>The level the first matching filter decides, else <see cref="AuditFilterLevel.Metadata"/>.</summary>
    public AuditFilterLevel Evaluate<TSubject>(in TSubject subject)
        where TSubject : IAuditFilterSubject, allows ref struct
    {
        foreach (var filter in _filters)
        {
            if (filter.Matches(subject))
            {
                return filter.Level;
            }
        }

        return AuditFilterLevel.Metadata;
    }

    /// <summary>The level for an event as the log enricher's text line would carry it.</summary>
    public AuditFilterLevel Evaluate(in AuditEvent auditEvent, AuditEnrichment? enrichment) =>
        _filters.Length == 0 ? AuditFilterLevel.Metadata : Evaluate(new EnrichedLineFilterSubject(in auditEvent, enrichment));

    /// <summary>
    /// Parses the SPOD's JSON form, <c>[{"priority":100,"level":"None","matchKeys":["syscallID"],"matchValues":["50"]}]</c>,
    /// as upstream does: property names match case-insensitively, unknown properties are ignored, <c>null</c> is an empty set.
    /// </summary>
    /// <exception cref="FormatException">The text is not such an array.</exception>
    public static AuditFilterSet Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var filters = new List<AuditFilter>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        try
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.Null)
            {
                ExpectEnd(ref reader);
                return Empty;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw Error("the filters must be a JSON array", reader);
            }

            while (true)
            {
                Read(ref reader);
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    break;
                }

                filters.Add(ReadFilter(ref reader));
            }

            ExpectEnd(ref reader);
        }
        catch (JsonException ex)
        {
            throw new FormatException("invalid enricher filters: " + ex.Message, ex);
        }

        return new AuditFilterSet(filters);
    }

    /// <summary>As <see cref="Parse"/>, returning the error instead of throwing.</summary>
    public static bool TryParse(string json, out AuditFilterSet filters, out string? error)
    {
        try
        {
            filters = Parse(json);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            filters = Empty;
            error = ex.Message;
            return false;
        }
    }

    private static AuditFilter ReadFilter(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            // Go leaves a zero filter for a null element: priority 0, no keys, so it never matches.
            return new AuditFilter(0, AuditFilterLevel.Metadata);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error("each filter must be a JSON object", reader);
        }

        var priority = 0;
        var level = AuditFilterLevel.Metadata;
        List<string>? keys = null;
        List<string>? values = null;
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            var name = reader.GetString()!;
            Read(ref reader);
            if (name.Equals("priority", StringComparison.OrdinalIgnoreCase))
            {
                if (reader.TokenType == JsonTokenType.Number)
                {
                    priority = reader.TryGetInt32(out var p) ? p : throw Error("priority must be an integer", reader);
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw Error("priority must be an integer", reader);
                }
            }
            else if (name.Equals("level", StringComparison.OrdinalIgnoreCase))
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    // Upstream compares with "None" exactly; any other level logs.
                    level = reader.ValueTextEquals("None"u8) ? AuditFilterLevel.None : AuditFilterLevel.Metadata;
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw Error("level must be a string", reader);
                }
            }
            else if (name.Equals("matchKeys", StringComparison.OrdinalIgnoreCase))
            {
                keys = ReadStrings(ref reader, "matchKeys");
            }
            else if (name.Equals("matchValues", StringComparison.OrdinalIgnoreCase))
            {
                values = ReadStrings(ref reader, "matchValues");
            }
            else
            {
                reader.Skip();
            }
        }

        return new AuditFilter(priority, level, keys, values);
    }

    private static List<string>? ReadStrings(ref Utf8JsonReader reader, string property)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Error(property + " must be an array of strings", reader);
        }

        var list = new List<string>();
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return list;
            }

            list.Add(reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Null => string.Empty,
                _ => throw Error(property + " must be an array of strings", reader),
            });
        }
    }

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new FormatException("invalid enricher filters: unexpected end of JSON input");
        }
    }

    private static void ExpectEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw Error("unexpected data after the filters", reader);
        }
    }

    private static FormatException Error(string message, in Utf8JsonReader reader) =>
        new("invalid enricher filters: " + message + " (at byte " + reader.TokenStartIndex + ")");
}
