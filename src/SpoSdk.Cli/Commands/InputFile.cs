namespace SpoSdk.Cli.Commands;

/// <summary>Reading command inputs: a path, or <c>-</c> for stdin; failures are reported, not thrown.</summary>
internal static class InputFile
{
    /// <summary>The text of <paramref name="path"/>, or null after printing why it could not be read.</summary>
    public static async Task<string?> ReadAsync(string path, TextReader stdin, TextWriter stderr)
    {
        try
        {
            return path == "-" ? await stdin.ReadToEndAsync().ConfigureAwait(false) : await File.ReadAllTextAsync(path).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : ex.Message;
            await stderr.WriteLineAsync("spoc: cannot read " + path + ": " + reason).ConfigureAwait(false);
            return null;
        }
    }
}

/// <summary>Writing command outputs so a reader never sees half a file.</summary>
internal static class OutputFile
{
    /// <summary>Writes to a temporary file beside <paramref name="path"/>, then renames it over the target.</summary>
    public static async Task WriteAtomicallyAsync(string path, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            await using (var stream = new FileStream(temporary, options))
            await using (var writer = new StreamWriter(stream))
            {
                await writer.WriteAsync(text).ConfigureAwait(false);
                await writer.FlushAsync().ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
