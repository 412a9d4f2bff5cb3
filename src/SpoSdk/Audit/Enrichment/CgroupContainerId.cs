using System.Buffers;
using System.Text;

namespace SpoSdk.Audit.Enrichment;

/// <summary>
/// Finds the container id in a <c>/proc/&lt;pid&gt;/cgroup</c> file, cgroup v1 (<c>4:cpu,cpuacct:/path</c>, one line
/// per hierarchy) or v2 (<c>0::/path</c>). A container's cgroup is a path segment holding its 64-hex id, bare or in a
/// runtime's unit name:
/// <list type="bullet">
/// <item>containerd: <c>cri-containerd-&lt;id&gt;.scope</c> (systemd driver), <c>/kubepods/&lt;qos&gt;/pod&lt;uid&gt;/&lt;id&gt;</c> (cgroupfs)</item>
/// <item>CRI-O: <c>crio-&lt;id&gt;.scope</c>, <c>crio-&lt;id&gt;</c> (cgroupfs)</item>
/// <item>docker: <c>docker-&lt;id&gt;.scope</c>, <c>/docker/&lt;id&gt;</c></item>
/// <item>pods under systemd: <c>kubepods-burstable-pod&lt;uid&gt;.slice/&lt;container segment&gt;</c></item>
/// </list>
/// </summary>
/// <remarks>
/// Rules (upstream takes the last <c>[0-9a-f]{64}</c> match on the first line that has one):
/// <list type="number">
/// <item>The first line that yields an id wins.</item>
/// <item>On a line with a pod segment (<c>pod&lt;uid&gt;</c> or <c>kubepods-…-pod&lt;uid&gt;.slice</c>), the id is the
/// container segment right after the <b>first</b> pod segment: the container the kubelet created. A process that can
/// create cgroups below its own (nested runtimes, a writable cgroupfs) then cannot pass for another container by naming
/// a deeper cgroup after it, and docker-in-a-pod resolves to the pod's container, which is what the pod lookup knows.</item>
/// <item>On other lines the last container segment wins (docker-in-docker outside Kubernetes, as upstream).</item>
/// <item><c>crio-conmon-&lt;id&gt;</c> is CRI-O's monitor process, which runs on the host: not the container unless
/// <c>includeConmon</c> is set (upstream v1.0.0 returns its id).</item>
/// </list>
/// One pass over the bytes; lines longer than <see cref="MaxLineBytes"/> are skipped; nothing here throws.
/// </remarks>
public static class CgroupContainerId
{
    /// <summary>Longer lines are not cgroup paths a runtime writes (PATH_MAX is 4096) and are skipped.</summary>
    public const int MaxLineBytes = 4096 + 64;

    /// <summary>The length of a container id.</summary>
    public const int IdLength = 64;

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdef"u8);

    private static readonly SearchValues<byte> PrefixBytes = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-"u8);

    private static readonly SearchValues<byte> PodUidBytes = SearchValues.Create("0123456789abcdef-_"u8);

    private static ReadOnlySpan<byte> ConmonPrefix => "crio-conmon-"u8;

    private static ReadOnlySpan<byte> ScopeSuffix => ".scope"u8;

    /// <summary>The container id named by the file, or null when it names none.</summary>
    public static string? Find(ReadOnlySpan<byte> cgroupFile, bool includeConmon = false)
    {
        var rest = cgroupFile;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            if (line.Length <= MaxLineBytes && FindInLine(line, includeConmon) is { } id)
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>The container id on one line (<c>hierarchy:controllers:path</c>), or null.</summary>
    public static string? FindInLine(ReadOnlySpan<byte> line, bool includeConmon = false)
    {
        var first = line.IndexOf((byte)':');
        if (first < 0)
        {
            return null;
        }

        var second = line[(first + 1)..].IndexOf((byte)':');
        if (second < 0)
        {
            return null;
        }

        var path = line[(first + 1 + second + 1)..];
        ReadOnlySpan<byte> last = default;
        var afterPod = false;
        var sawPod = false;
        while (true)
        {
            var slash = path.IndexOf((byte)'/');
            var segment = slash < 0 ? path : path[..slash];
            if (afterPod)
            {
                // Only the kubelet-made child of the pod's cgroup counts.
                return TryGetId(segment, includeConmon, out var id) ? Id(id) : null;
            }

            if (!sawPod && IsPodSegment(segment))
            {
                sawPod = afterPod = true;
            }
            else if (TryGetId(segment, includeConmon, out var id))
            {
                last = id;
            }

            if (slash < 0)
            {
                break;
            }

            path = path[(slash + 1)..];
        }

        return sawPod || last.IsEmpty ? null : Id(last);
    }

    // pod<uid> (cgroupfs) or kubepods[-<qos>]-pod<uid>.slice (systemd, dashes of the uid as underscores).
    private static bool IsPodSegment(ReadOnlySpan<byte> segment)
    {
        if (segment.StartsWith("pod"u8))
        {
            return IsPodUid(segment[3..]);
        }

        if (!segment.StartsWith("kubepods"u8) || !segment.EndsWith(".slice"u8))
        {
            return false;
        }

        var pod = segment.LastIndexOf("-pod"u8);
        return pod >= 0 && IsPodUid(segment[(pod + 4)..^".slice".Length]);
    }

    // A pod uid (36 chars with dashes) or a static pod's config hash (32 hex).
    private static bool IsPodUid(ReadOnlySpan<byte> uid) => uid.Length >= 32 && !uid.ContainsAnyExcept(PodUidBytes);

    // <id>, or <prefix>-<id> with an optional .scope, where the prefix is a runtime's name ([a-z0-9-]).
    private static bool TryGetId(ReadOnlySpan<byte> segment, bool includeConmon, out ReadOnlySpan<byte> id)
    {
        id = default;
        if (segment.EndsWith(ScopeSuffix))
        {
            segment = segment[..^ScopeSuffix.Length];
        }

        if (segment.Length < IdLength)
        {
            return false;
        }

        var candidate = segment[^IdLength..];
        var prefix = segment[..^IdLength];
        if (candidate.ContainsAnyExcept(HexDigits) || (prefix.Length > 0 && (prefix[^1] != '-' || prefix.ContainsAnyExcept(PrefixBytes))))
        {
            return false;
        }

        if (!includeConmon && prefix.EndsWith(ConmonPrefix))
        {
            return false;
        }

        id = candidate;
        return true;
    }

    private static string Id(ReadOnlySpan<byte> hex) => Encoding.ASCII.GetString(hex);
}
