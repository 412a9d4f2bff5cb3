using System.Text;
using System.Text.Json;
using SpoSdk.Api.Schema;
using SpoSdk.Api.V1;

namespace SpoSdk.Recording.Merging;

/// <summary>
/// The syscall-coverage annotation upstream main (after v1.0.0, PR #3355) puts on merged SeccompProfiles:
/// how many of the partial profiles used each syscall, as
/// <c>{"version":"v1","total":N,"syscalls":{"name":count,...}}</c> with names in ordinal order. Compute it
/// from the partials <b>before</b> merging them.
/// </summary>
public static class SyscallCoverage
{
    /// <summary>The annotation key.</summary>
    public const string AnnotationKey = "spo.x-k8s.io/syscall-coverage";

    /// <summary>
    /// The annotation value for <paramref name="partials"/>, or <c>""</c> when there are none or any of them
    /// is not a SeccompProfile. A name counts once per partial, whatever its action or how many rules name it.
    /// </summary>
    public static string Compute(IReadOnlyList<ISpoObject> partials)
    {
        ArgumentNullException.ThrowIfNull(partials);
        if (partials.Count == 0 || partials.Any(p => p is not SeccompProfile))
        {
            return string.Empty;
        }

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (SeccompProfile partial in partials)
        {
            foreach (var name in (partial.Spec?.Syscalls ?? []).SelectMany(r => r?.Names ?? []).Distinct(StringComparer.Ordinal))
            {
                counts[name] = counts.GetValueOrDefault(name) + 1;
            }
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("version", "v1");
            writer.WriteNumber("total", partials.Count);
            writer.WriteStartObject("syscalls");
            foreach (var (name, count) in counts)
            {
                writer.WriteNumber(name, count);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Sets the annotation on a merged profile, keeping other annotations; <c>""</c> changes nothing.</summary>
    public static void Annotate(SeccompProfile merged, string coverage)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(coverage);
        if (coverage.Length == 0)
        {
            return;
        }

        merged.Metadata ??= new();
        merged.Metadata.Annotations ??= new Dictionary<string, string>();
        merged.Metadata.Annotations[AnnotationKey] = coverage;
    }
}
