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
    /// <summary>Writes <paramref name="text"/> as UTF-8 through <see cref="SpoSdk.IO.AtomicFile"/>.</summary>
    public static Task WriteAtomicallyAsync(string path, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        SpoSdk.IO.AtomicFile.Write(path, System.Text.Encoding.UTF8.GetBytes(text), mode);
        return Task.CompletedTask;
    }
}
