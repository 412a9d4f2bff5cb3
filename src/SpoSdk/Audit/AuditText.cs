namespace SpoSdk.Audit;

/// <summary>
/// A text field of an <see cref="AuditEvent"/>: a slice of the event's single backing string, so reading
/// it never allocates. Distinguishes an absent field (<see cref="IsPresent"/> false) from an empty one.
/// </summary>
public readonly struct AuditText : IEquatable<AuditText>
{
    private readonly string? _source;
    private readonly int _start;
    private readonly int _length;

    internal AuditText(string source, int start, int length)
    {
        _source = source;
        _start = start;
        _length = length;
    }

    /// <summary>An absent field.</summary>
    public static AuditText Absent => default;

    /// <summary>Whether the record carried the field.</summary>
    public bool IsPresent => _source is not null;

    /// <summary>Whether the field is absent or empty.</summary>
    public bool IsEmpty => _length == 0;

    /// <summary>The length in UTF-16 code units.</summary>
    public int Length => _length;

    /// <summary>The characters (empty when absent).</summary>
    public ReadOnlySpan<char> Span => _source is null ? default : _source.AsSpan(_start, _length);

    /// <summary>The characters as memory (empty when absent).</summary>
    public ReadOnlyMemory<char> Memory => _source is null ? default : _source.AsMemory(_start, _length);

    /// <summary>Wraps a whole string; null gives an absent field.</summary>
    public static AuditText From(string? value) => value is null ? default : new AuditText(value, 0, value.Length);

    /// <summary>The text as a new string (empty when absent); allocates unless the slice is the whole backing string.</summary>
    public override string ToString()
    {
        if (_source is null)
        {
            return string.Empty;
        }

        return _start == 0 && _length == _source.Length ? _source : _source.Substring(_start, _length);
    }

    /// <summary>The text as a string, or null when absent.</summary>
    public string? ToStringOrNull() => _source is null ? null : ToString();

    /// <summary>Ordinal comparison; an absent field equals only another absent field.</summary>
    public bool Equals(AuditText other) => IsPresent == other.IsPresent && Span.SequenceEqual(other.Span);

    /// <summary>Ordinal comparison with a string; null stands for an absent field.</summary>
    public bool Equals(string? value) => value is null ? !IsPresent : IsPresent && Span.SequenceEqual(value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj switch
    {
        AuditText text => Equals(text),
        string value => Equals(value),
        _ => false,
    };

    /// <inheritdoc/>
    public override int GetHashCode() => IsPresent ? string.GetHashCode(Span, StringComparison.Ordinal) : 0;

    /// <summary>Ordinal equality.</summary>
    public static bool operator ==(AuditText left, AuditText right) => left.Equals(right);

    /// <summary>Ordinal inequality.</summary>
    public static bool operator !=(AuditText left, AuditText right) => !left.Equals(right);

    /// <summary>The characters (empty when absent).</summary>
    public static implicit operator ReadOnlySpan<char>(AuditText text) => text.Span;
}
