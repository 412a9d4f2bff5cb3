using System.Text;
using SpoSdk.Migration;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc migrate [--check] [--diff] PATH...</c>: rewrites legacy and pre-1.0 SPO manifests to v1 in
/// place, in files and directory trees (<c>*.yaml</c>, <c>*.yml</c>, recursively, hidden folders and
/// symbolic links skipped). A file is written, atomically, only when it changes and every document in
/// it migrates to a valid v1 object; problems are printed to stderr as <c>FILE#DOC KIND/NAME: JSONPATH: message</c>.
/// <c>--check</c> prints one line per change instead and <c>--diff</c> a unified diff; both write nothing
/// and exit 1 when anything would change. Exit codes otherwise as <c>spoc validate</c>: 0 done,
/// 1 problems (those files untouched), 2 unreadable paths, usage errors or failed writes.
/// </summary>
internal static class MigrateCommand
{
    private const string UsageText = "usage: spoc migrate [--check] [--diff] PATH...";

    private static readonly string[] ManifestExtensions = [".yaml", ".yml"];

    // Decoding must fail on bytes that are not UTF-8: replacing them would change the file where nothing was migrated.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var check = false;
        var diff = false;
        var paths = new List<string>();
        var optionsEnded = false;
        foreach (var arg in args)
        {
            switch (arg)
            {
                case "--" when !optionsEnded:
                    optionsEnded = true;
                    break;
                case "--check" when !optionsEnded:
                    check = true;
                    break;
                case "--diff" when !optionsEnded:
                    diff = true;
                    break;
                case "-h" or "--help" when !optionsEnded:
                    await stdout.WriteLineAsync(UsageText).ConfigureAwait(false);
                    return SpocApp.Success;
                case "-":
                    await stderr.WriteLineAsync("spoc migrate: '-' is not supported: migrate rewrites files in place").ConfigureAwait(false);
                    return SpocApp.Failure;
                case var option when !optionsEnded && option.StartsWith('-'):
                    await stderr.WriteLineAsync("spoc migrate: unknown option '" + option + "'").ConfigureAwait(false);
                    return SpocApp.Failure;
                default:
                    paths.Add(arg);
                    break;
            }
        }

        if (paths.Count == 0)
        {
            await stderr.WriteLineAsync(UsageText).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        var exitCode = SpocApp.Success;
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (!Expand(path, files, out var error))
            {
                await stderr.WriteLineAsync("spoc: cannot read " + path + ": " + error).ConfigureAwait(false);
                exitCode = SpocApp.Failure;
            }
        }

        var migrator = new ManifestMigrator();
        var migrated = 0;
        var unchanged = 0;
        using var signals = new StopSignals();
        foreach (var file in files.Distinct(StringComparer.Ordinal))
        {
            // Ctrl-C or SIGTERM: the file being written was finished; no other is started.
            if (signals.Stopped)
            {
                await stderr.WriteLineAsync("spoc migrate: interrupted; the files not yet reached are unchanged").ConfigureAwait(false);
                exitCode = signals.ExitCode;
                break;
            }

            string text;
            try
            {
                text = StrictUtf8.GetString(await File.ReadAllBytesAsync(file).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
            {
                var reason = ex is DecoderFallbackException ? "not UTF-8 text" : ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : ex.Message;
                await stderr.WriteLineAsync("spoc: cannot read " + file + ": " + reason).ConfigureAwait(false);
                exitCode = SpocApp.Failure;
                continue;
            }

            MigrationResult result;
            try
            {
                result = migrator.Migrate(text, file);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // A failure the migrator did not foresee costs this file only: it stays as it was, and the run goes on.
                await stderr.WriteLineAsync(file + ": cannot migrate: unexpected " + ex.GetType().Name + ": " + ex.Message).ConfigureAwait(false);
                exitCode = Math.Max(exitCode, SpocApp.Invalid);
                continue;
            }

            foreach (var problem in result.Problems)
            {
                await stderr.WriteLineAsync(problem.ToString()).ConfigureAwait(false);
                exitCode = Math.Max(exitCode, SpocApp.Invalid);
            }

            if (check || diff)
            {
                if (check)
                {
                    foreach (var change in result.Changes)
                    {
                        await stdout.WriteLineAsync(change.ToString()).ConfigureAwait(false);
                    }
                }

                if (diff)
                {
                    await stdout.WriteAsync(UnifiedDiff.Create(result.OriginalText, result.Text, file, file)).ConfigureAwait(false);
                }

                if (result.IsChanged)
                {
                    exitCode = Math.Max(exitCode, SpocApp.Invalid);
                }

                continue;
            }

            if (!result.ShouldWrite)
            {
                unchanged += result.Problems.Count == 0 ? 1 : 0;
                continue;
            }

            // A reader sees the old file or the new one, never half of one; the file keeps its mode, a link stays a link.
            try
            {
                OutputFile.Write(file, StrictUtf8.GetBytes(result.Text), mode: null);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync("spoc: cannot write " + file + ": " + OutputFile.Reason(ex)).ConfigureAwait(false);
                exitCode = SpocApp.Failure;
                continue;
            }

            migrated++;
            await stdout.WriteLineAsync("spoc: migrated " + file + " (" + result.Changes.Count + " change(s))").ConfigureAwait(false);
        }

        if (!check && !diff)
        {
            exitCode = signals.Stopped ? signals.ExitCode : exitCode;
            await stdout.WriteLineAsync("spoc: " + migrated + " file(s) migrated, " + unchanged + " unchanged").ConfigureAwait(false);
        }

        return exitCode;
    }

    // A directory stands for its manifests at any depth, in ordinal order so output is stable.
    private static bool Expand(string path, List<string> files, out string error)
    {
        error = string.Empty;
        if (File.Exists(path))
        {
            files.Add(path);
            return true;
        }

        if (!Directory.Exists(path))
        {
            error = "file not found";
            return false;
        }

        try
        {
            files.AddRange(ManifestFiles.Under(path, ManifestExtensions));
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return false;
        }
    }
}
