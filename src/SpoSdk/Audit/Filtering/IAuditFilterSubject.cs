namespace SpoSdk.Audit.Filtering;

/// <summary>Something filters can look into: upstream's log map, keyed by name.</summary>
public interface IAuditFilterSubject
{
    /// <summary>
    /// The value under <paramref name="key"/>. A key with <c>/</c> descends into nested objects
    /// (<c>resource/pod</c>); return <see cref="AuditFilterValue.Missing"/> when the path does not exist.
    /// </summary>
    AuditFilterValue GetValue(ReadOnlySpan<char> key);
}
