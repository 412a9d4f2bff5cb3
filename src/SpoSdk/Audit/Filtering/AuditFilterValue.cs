namespace SpoSdk.Audit.Filtering;

/// <summary>The kind of an <see cref="AuditFilterValue"/>.</summary>
public enum AuditFilterValueKind
{
    /// <summary>The key does not exist.</summary>
    Missing = 0,

    /// <summary>The key exists with a null value (a JSON record's unknown <c>resource</c>): matches only filters without values.</summary>
    Null,

    /// <summary>A string, compared ordinally.</summary>
    String,

    /// <summary>An integer, compared with filter values that parse as integers.</summary>
    Integer,

    /// <summary>Anything else (an object, a list): matches only filters without values.</summary>
    Other,
}

/// <summary>One value of an event as a filter sees it; built without allocating.</summary>
public readonly struct AuditFilterValue
{
    private AuditFilterValue(AuditFilterValueKind kind, ReadOnlyMemory<char> text, long integer)
    {
        Kind = kind;
        Text = text;
        Integer = integer;
    }

    /// <summary>The key does not exist.</summary>
    public static AuditFilterValue Missing => default;

    /// <summary>The key exists with a null value.</summary>
    public static AuditFilterValue Null => new(AuditFilterValueKind.Null, default, 0);

    /// <summary>The key exists with a value no filter value can equal.</summary>
    public static AuditFilterValue Other => new(AuditFilterValueKind.Other, default, 0);

    /// <summary>What the value is.</summary>
    public AuditFilterValueKind Kind { get; }

    /// <summary>The text of a <see cref="AuditFilterValueKind.String"/>.</summary>
    public ReadOnlyMemory<char> Text { get; }

    /// <summary>The number of an <see cref="AuditFilterValueKind.Integer"/>.</summary>
    public long Integer { get; }

    /// <summary>A string value; null gives <see cref="Null"/>.</summary>
    public static AuditFilterValue FromString(string? value) =>
        value is null ? Null : new(AuditFilterValueKind.String, value.AsMemory(), 0);

    /// <summary>A string value from an event field (an absent field counts as an empty string, as upstream's zero values).</summary>
    public static AuditFilterValue FromText(AuditText value) => new(AuditFilterValueKind.String, value.Memory, 0);

    /// <summary>An integer value.</summary>
    public static AuditFilterValue FromInteger(long value) => new(AuditFilterValueKind.Integer, default, value);
}
