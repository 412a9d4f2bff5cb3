namespace SpoSdk.Cli.Commands;

/// <summary>
/// The manifests under a directory, for the commands that take a tree (migrate, reconcile): files of the given
/// extensions at any depth, in ordinal path order so output is stable. Hidden files and folders (<c>.git</c>)
/// and symbolic links are skipped: a linked folder would read its manifests twice, or forever in a loop.
/// </summary>
internal static class ManifestFiles
{
    /// <summary>The files under <paramref name="directory"/> whose extension (any case) is one of <paramref name="extensions"/>.</summary>
    /// <exception cref="IOException">A folder could not be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A folder may not be read.</exception>
    public static List<string> Under(string directory, IReadOnlyCollection<string> extensions)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = false,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint,
        };
        return Directory.EnumerateFiles(directory, "*", options)
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
