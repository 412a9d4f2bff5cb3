using System.Text;
using k8s;
using k8s.Models;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Hosting;
using SpoSdk.Runtime.Informers;

namespace HostedOperatorSample;

/// <summary>One line of the table: an object, its status and the node file it installs.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Namespace">The namespace; null for cluster-scoped kinds.</param>
/// <param name="Name">The name.</param>
/// <param name="Status">The status the operator reported, or <c>-</c> for kinds without one.</param>
/// <param name="NodeFile">Where on the node (under the node root) the profile is installed, or <c>-</c>.</param>
public sealed record StatusRow(string Kind, string? Namespace, string Name, string Status, string NodeFile);

/// <summary>
/// What the operator holds and installed, read from the operator's own informer caches (no extra API
/// calls), rendered as an aligned table in a stable order, and a <see cref="Changed"/> signal
/// whenever any of it changes.
/// </summary>
public sealed class StatusTable
{
    private const string Pending = "Pending";
    private const string None = "-";

    private readonly Func<IReadOnlyList<StatusRow>>[] _sources;

    /// <summary>
    /// Registers the informers it reads; call before the host starts so the operator starts them.
    /// <paramref name="profilesOnly"/> leaves out bindings, recordings and the SPOD (a daemon-only
    /// process may not read bindings, and would otherwise wait for an informer that never syncs).
    /// </summary>
    public StatusTable(InformerFactory informers, NodePaths paths, bool profilesOnly = false)
    {
        ArgumentNullException.ThrowIfNull(informers);
        ArgumentNullException.ThrowIfNull(paths);
        Func<IReadOnlyList<StatusRow>>[] profiles =
        [
            Source(informers.For<SeccompProfile>(), p => Row(p, p.Status?.Status?.Value, paths.SeccompProfile(p.Metadata.Name))),
            Source(informers.For<SelinuxProfile>(), p => Row(p, p.Status?.Status?.Value, NodePaths.SelinuxPolicy(p.Metadata.Name))),
            Source(informers.For<RawSelinuxProfile>(), p => Row(p, p.Status?.Status?.Value, NodePaths.SelinuxPolicy(p.Metadata.Name))),
            Source(informers.For<AppArmorProfile>(), p => Row(p, p.Status?.Status?.Value, NodePaths.AppArmorProfile(p.Metadata.Name))),
        ];
        _sources = profilesOnly
            ? profiles
            :
            [
                .. profiles,
                Source(informers.For<ProfileBinding>(), b => Row(b, None, None)),
                Source(informers.For<ProfileRecording>(), r => Row(r, None, None)),
                Source(informers.For<SecurityProfilesOperatorDaemon>(), d => Row(d, d.Status?.State?.Value, None)),
            ];
    }

    /// <summary>Raised (on an informer's thread) when any object in the table was added, changed or deleted.</summary>
    public event Action? Changed;

    /// <summary>The profile kinds: the rows whose status says whether an install worked.</summary>
    public static IReadOnlySet<string> ProfileKinds { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "SeccompProfile", "SelinuxProfile", "RawSelinuxProfile", "AppArmorProfile",
    };

    /// <summary>The current rows: kinds in a fixed order, then by namespace and name.</summary>
    public IReadOnlyList<StatusRow> Rows() => [.. _sources.SelectMany(source => source())];

    /// <summary>The rows as aligned text, one line each under a header naming the node root.</summary>
    public static string Render(IReadOnlyList<StatusRow> rows, string nodeRoot)
    {
        string[] header = ["KIND", "NAMESPACE", "NAME", "STATUS", "NODE FILE (under " + nodeRoot + ")"];
        var cells = rows.Select(r => new[] { r.Kind, r.Namespace ?? None, r.Name, r.Status, r.NodeFile }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length - 1).Select(c => cells.Max(line => line[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var line in cells)
        {
            for (var c = 0; c < widths.Length; c++)
            {
                text.Append(line[c].PadRight(widths[c] + 2));
            }

            text.Append(line[^1]).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Whether any profile ended in Error.</summary>
    public static bool HasErrors(IEnumerable<StatusRow> rows) =>
        rows.Any(r => ProfileKinds.Contains(r.Kind) && r.Status == "Error");

    private static StatusRow Row(IKubernetesObject<V1ObjectMeta> obj, string? status, string nodeFile) =>
        new(obj.Kind, obj.Metadata.NamespaceProperty, obj.Metadata.Name, string.IsNullOrEmpty(status) ? Pending : status, nodeFile);

    private Func<IReadOnlyList<StatusRow>> Source<T>(Informer<T> informer, Func<T, StatusRow> row)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        informer.AddHandler(_ => Changed?.Invoke());
        return () => [.. informer.List()
            .Select(row)
            .OrderBy(r => r.Namespace, StringComparer.Ordinal)
            .ThenBy(r => r.Name, StringComparer.Ordinal)];
    }
}
