using SpoSdk.Api.V1;

namespace SpoSdk.Recording.AppArmor;

/// <summary>How a recorded file was used.</summary>
[Flags]
public enum FileAccessKind
{
    /// <summary>Not used.</summary>
    None = 0,

    /// <summary>Opened for reading.</summary>
    Read = 1,

    /// <summary>Opened for writing, created, or removed.</summary>
    Write = 2,

    /// <summary>Mapped executable (a library).</summary>
    Exec = 4,

    /// <summary>Executed as a program.</summary>
    Spawn = 8,
}

/// <summary>
/// What a recorded command did that an AppArmor profile governs: files by access, executables, and
/// socket kinds. Bounded like upstream's recorder: at most <see cref="MaxTrackedPaths"/> distinct
/// (normalised) paths, and paths of at most <see cref="MaxPathBytes"/> bytes; what does not fit is
/// counted in <see cref="DroppedPaths"/> and <see cref="OverlongPaths"/>. Not thread-safe.
/// </summary>
public sealed class AppArmorActivity
{
    /// <summary>Upstream's cap on distinct paths per recording (<c>maxTrackedPaths</c>).</summary>
    public const int MaxTrackedPaths = 10_000;

    /// <summary>Upstream's path buffer (<c>pathMax</c>): longer paths cannot be recorded.</summary>
    public const int MaxPathBytes = 4095;

    private readonly Dictionary<string, FileAccessKind> _files = new(StringComparer.Ordinal);

    /// <summary>Distinct paths not recorded because <see cref="MaxTrackedPaths"/> was reached.</summary>
    public int DroppedPaths { get; private set; }

    /// <summary>Paths not recorded because they exceed <see cref="MaxPathBytes"/>.</summary>
    public int OverlongPaths { get; private set; }

    /// <summary>Whether a TCP socket (stream, IPv4 or IPv6) was created.</summary>
    public bool UsedTcp { get; private set; }

    /// <summary>Whether a UDP socket (datagram, IPv4 or IPv6) was created.</summary>
    public bool UsedUdp { get; private set; }

    /// <summary>Whether a raw or packet socket was created.</summary>
    public bool UsedRaw { get; private set; }

    /// <summary>The recorded paths (escaped and normalised) and how they were used.</summary>
    public IReadOnlyDictionary<string, FileAccessKind> Files => _files;

    /// <summary>Records an access to an absolute path (escaped with <see cref="AppArmorPathRules.Escape"/>, normalised, excluded prefixes skipped).</summary>
    public void AddFile(string path, FileAccessKind access)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '/' || access == FileAccessKind.None)
        {
            return;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            OverlongPaths++;
            return;
        }

        // Escaped first: the globs the normalisation adds are then the only ones, and every rule is one the generator accepts.
        path = AppArmorPathRules.Normalize(AppArmorPathRules.Escape(path));
        if (AppArmorPathRules.IsExcluded(path))
        {
            return;
        }

        if (_files.TryGetValue(path, out var existing))
        {
            _files[path] = existing | access;
        }
        else if (_files.Count >= MaxTrackedPaths)
        {
            DroppedPaths++;
        }
        else
        {
            _files[path] = access;
        }
    }

    /// <summary>Counts a path that could not be read because it exceeds the buffer.</summary>
    public void AddOverlongPath() => OverlongPaths++;

    /// <summary>
    /// Records a socket by family and type. Only IPv4/IPv6 stream and datagram sockets count as TCP and
    /// UDP (upstream counts any stream socket, a Unix one too, as TCP); raw sockets of any family and
    /// packet sockets count as raw.
    /// </summary>
    public void AddSocket(int family, int type)
    {
        const int Inet = 2, Inet6 = 10, Packet = 17;
        const int Stream = 1, Datagram = 2, Raw = 3;
        var kind = type & 0xf;
        if (kind == Raw || family == Packet)
        {
            UsedRaw = true;
        }
        else if (family is Inet or Inet6)
        {
            UsedTcp |= kind == Stream;
            UsedUdp |= kind == Datagram;
        }
    }

    /// <summary>
    /// The profile abstract, classified as upstream does: executed files are executables; executable
    /// mappings are libraries unless under a known library prefix or the recorded program itself;
    /// read-write, read-only and write-only paths skip what <c>abstractions/base</c> grants; "(deleted)"
    /// paths are skipped, except anonymous huge pages, which need <c>/</c> read-write; two or more
    /// read-write files in one directory become <c>dir/*</c>. Every list is sorted (ordinal). The network
    /// block is always present with explicit booleans; capabilities cannot be observed with ptrace and are
    /// left out.
    /// </summary>
    /// <param name="programPath">The recorded program's canonical path (excluded from the libraries).</param>
    public AppArmorProfileAbstract ToAbstract(string? programPath)
    {
        var executables = new List<string>();
        var libraries = new List<string>();
        var readOnly = new List<string>();
        var writeOnly = new List<string>();
        var readWrite = new List<string>();
        programPath = programPath is null ? null : AppArmorPathRules.Escape(programPath);
        foreach (var (path, access) in _files)
        {
            if (path == "/anon_hugepage (deleted)")
            {
                readWrite.Add("/");
                continue;
            }

            if (path.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                continue;
            }

            var knownLibrary = AppArmorPathRules.StartsWithAny(path, AppArmorPathRules.KnownLibraryPrefixes) || path == programPath;
            var knownRead = AppArmorPathRules.StartsWithAny(path, AppArmorPathRules.KnownReadPrefixes);
            var knownWrite = AppArmorPathRules.StartsWithAny(path, AppArmorPathRules.KnownWritePrefixes);
            if (access.HasFlag(FileAccessKind.Spawn))
            {
                executables.Add(path);
            }
            else if (access.HasFlag(FileAccessKind.Exec))
            {
                if (!knownLibrary)
                {
                    libraries.Add(path);
                }
            }
            else if (access.HasFlag(FileAccessKind.Read | FileAccessKind.Write))
            {
                if (!knownRead && !knownWrite && !knownLibrary)
                {
                    readWrite.Add(path);
                }
            }
            else if (access.HasFlag(FileAccessKind.Read))
            {
                if (!knownRead)
                {
                    readOnly.Add(path);
                }
            }
            else if (!knownWrite)
            {
                writeOnly.Add(path);
            }
        }

        var result = new AppArmorProfileAbstract
        {
            Network = new AppArmorProfileAbstractNetwork
            {
                AllowRaw = UsedRaw,
                AllowedProtocols = new AppArmorProfileAllowedProtocols { AllowTcp = UsedTcp, AllowUdp = UsedUdp },
            },
        };
        if (executables.Count > 0 || libraries.Count > 0)
        {
            result.Executable = new AppArmorProfileAbstractExecutable { AllowedExecutables = Sorted(executables), AllowedLibraries = Sorted(libraries) };
        }

        var collapsed = CollapseDirectories(readWrite);
        if (readOnly.Count > 0 || writeOnly.Count > 0 || collapsed.Count > 0)
        {
            result.Filesystem = new AppArmorProfileAbstractFilesystem { ReadOnlyPaths = Sorted(readOnly), WriteOnlyPaths = Sorted(writeOnly), ReadWritePaths = Sorted(collapsed) };
        }

        return result;
    }

    // Programs such as nginx create randomly named files in a directory on every start; two or more
    // read-write files in one directory allow the whole directory (read-only paths stay exact).
    private static List<string> CollapseDirectories(List<string> paths)
    {
        var perDirectory = paths.GroupBy(DirectoryOf, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return paths.Select(p => perDirectory[DirectoryOf(p)] > 1 ? (DirectoryOf(p) == "/" ? "/*" : DirectoryOf(p) + "/*") : p)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static string DirectoryOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static List<string>? Sorted(List<string> values) => values.Count == 0 ? null : values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}
