using SpoSdk.Api.Serialization;
using SpoSdk.Api.Validation;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc validate [--lenient] FILE...</c>: prints one line per problem to stderr as
/// <c>FILE#DOC KIND/NAME: JSONPATH: message</c>. Exit 0 when all is valid, 1 for violations and
/// syntax errors, 2 for unreadable files and unknown kinds. Besides the schema, RawSelinuxProfile
/// policies get the checks the webhook and the node apply (<see cref="RawSelinuxPolicyValidator"/>).
/// </summary>
internal static class ValidateCommand
{
    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var lenient = false;
        var inputs = new List<string>();
        foreach (var arg in args)
        {
            if (arg == "--lenient")
            {
                lenient = true;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                await stderr.WriteLineAsync("spoc validate: unknown option '" + arg + "'").ConfigureAwait(false);
                return SpocApp.Failure;
            }
            else
            {
                inputs.Add(arg);
            }
        }

        if (inputs.Count == 0)
        {
            await stderr.WriteLineAsync("usage: spoc validate [--lenient] FILE...").ConfigureAwait(false);
            return SpocApp.Failure;
        }

        var serializer = new SpoSerializer(new SpoSerializerOptions { Strict = !lenient });
        var exitCode = SpocApp.Success;
        var documents = 0;
        foreach (var file in Expand(inputs))
        {
            var text = await InputFile.ReadAsync(file, stdin, stderr).ConfigureAwait(false);
            if (text is null)
            {
                exitCode = SpocApp.Failure;
                continue;
            }

            var result = serializer.Read(text, file);
            documents += result.Documents.Count;
            IEnumerable<SpoReadError> errors = result.SyntaxError is { } syntax
                ? [syntax]
                : result.Documents.SelectMany(d => d.Errors.Concat(RawSelinuxPolicyErrors(d)));
            foreach (var error in errors)
            {
                await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                var code = error.Category == SpoReadErrorCategory.UnknownKind ? SpocApp.Failure : SpocApp.Invalid;
                exitCode = Math.Max(exitCode, code);
            }
        }

        if (exitCode == SpocApp.Success)
        {
            await stdout.WriteLineAsync("spoc: " + documents + " document(s) valid").ConfigureAwait(false);
        }

        return exitCode;
    }

    // The schema cannot express the raw SELinux policy rules (balanced parentheses, restricted
    // directives) that the webhook and the node enforce; report them like schema violations.
    private static IEnumerable<SpoReadError> RawSelinuxPolicyErrors(SpoDocument document)
    {
        if (document.Object is { KindInfo.Kind: Api.V1.RawSelinuxProfile.KubeKind } profile
            && RawSelinuxPolicyValidator.ValidateProfile(profile) is { } violation)
        {
            yield return new SpoReadError(SpoReadErrorCategory.Schema, document.Source, document.Index, profile.Kind, profile.Metadata?.Name, violation.Path, violation.Message);
        }
    }

    // A directory stands for its manifests, in ordinal order so output is stable.
    private static IEnumerable<string> Expand(IEnumerable<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (input != "-" && Directory.Exists(input))
            {
                foreach (var file in Directory.EnumerateFiles(input)
                    .Where(f => ManifestExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                yield return input;
            }
        }
    }
}
