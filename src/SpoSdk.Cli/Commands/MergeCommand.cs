using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Recording;
using SpoSdk.Recording.Merging;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc merge [-o OUT] [--check] FILE...</c>: the union of profiles of one kind (every document of
/// every file, any served version), normalised as upstream's merger does (<see cref="ProfileMerger"/>),
/// written as v1 YAML to OUT (default <c>$TMPDIR/profile.yaml</c>, as upstream; <c>-</c> is stdout).
/// With <c>--check</c> nothing is written: exit 0 when the first profile already covers the others, else
/// 1 with the merged profile on stderr. Exit 1 for unparsable or mixed inputs, 2 for usage errors and
/// unreadable files; nothing is written on error.
/// </summary>
internal static class MergeCommand
{
    private const string Usage = "usage: spoc merge [-o OUT] [--check] FILE...";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        string? output = null;
        var check = false;
        var files = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "-o" or "--output-file" or "--output":
                    if (++i >= args.Count)
                    {
                        await stderr.WriteLineAsync("spoc merge: " + args[i - 1] + " needs a value\n" + Usage).ConfigureAwait(false);
                        return SpocApp.Failure;
                    }

                    output = args[i];
                    break;
                case "-c" or "--check":
                    check = true;
                    break;
                case var option when option.StartsWith('-') && option != "-":
                    await stderr.WriteLineAsync("spoc merge: unknown option '" + option + "'\n" + Usage).ConfigureAwait(false);
                    return SpocApp.Failure;
                default:
                    files.Add(args[i]);
                    break;
            }
        }

        if (files.Count == 0)
        {
            await stderr.WriteLineAsync("spoc merge: no profiles provided\n" + Usage).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        var serializer = new SpoSerializer(new SpoSerializerOptions { Validate = false });
        var profiles = new List<ISpoObject>();
        foreach (var file in files)
        {
            string text;
            try
            {
                text = file == "-" ? await stdin.ReadToEndAsync().ConfigureAwait(false) : await File.ReadAllTextAsync(file).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : ex.Message;
                await stderr.WriteLineAsync("spoc merge: open profile: " + file + ": " + reason).ConfigureAwait(false);
                return SpocApp.Failure;
            }

            var result = serializer.Read(text, file);
            if (result.SyntaxError is { } syntax)
            {
                await stderr.WriteLineAsync("spoc merge: cannot parse yaml: " + syntax).ConfigureAwait(false);
                return SpocApp.Invalid;
            }

            var problems = result.Errors.Select(e => e.ToString()).ToList();
            foreach (var document in result.Documents.Where(d => d.Object is not null))
            {
                // Like upstream, a profile without metadata (or name) may be merged; the rest of the schema holds.
                problems.AddRange(serializer.Validate(document.Object!)
                    .Where(v => !v.Path.StartsWith("$.metadata", StringComparison.Ordinal))
                    .Select(v => file + "#" + document.Index + " " + document.Object!.Kind + ": " + v));
                profiles.Add(document.Object!);
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await stderr.WriteLineAsync(problem).ConfigureAwait(false);
                }

                return SpocApp.Invalid;
            }
        }

        ISpoObject merged;
        try
        {
            merged = ProfileMerger.Merge(profiles);
        }
        catch (ProfileMergeException ex)
        {
            await stderr.WriteLineAsync("spoc merge: merge profiles: " + ex.Message).ConfigureAwait(false);
            return SpocApp.Invalid;
        }

        var yaml = ProfileYaml.Write([merged]);
        if (check)
        {
            if (ProfileMerger.FirstCoversAll(profiles))
            {
                return SpocApp.Success;
            }

            await stderr.WriteLineAsync("spoc merge: " + files[0] + " does not cover all other profiles; merged profile:").ConfigureAwait(false);
            await stderr.WriteAsync(yaml).ConfigureAwait(false);
            return SpocApp.Invalid;
        }

        if (output == "-")
        {
            await stdout.WriteAsync(yaml).ConfigureAwait(false);
            return SpocApp.Success;
        }

        output ??= Path.Combine(Path.GetTempPath(), "profile.yaml");
        using var signals = new StopSignals();
        if (!await OutputFile.TryWriteAsync("merge", output, yaml, stderr).ConfigureAwait(false))
        {
            return SpocApp.Failure;
        }

        await stderr.WriteLineAsync("spoc merge: merged " + profiles.Count + " profiles into " + output).ConfigureAwait(false);
        return signals.Stopped ? signals.ExitCode : SpocApp.Success;
    }
}
