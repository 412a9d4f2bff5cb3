using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Recording.Launch;
using SpoSdk.Recording.Seccomp;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc run --profile FILE [--type seccomp] [--] CMD [ARGS...]</c>: runs CMD under the seccomp filter of
/// FILE, a SeccompProfile (YAML or JSON, any served version) or a raw OCI runtime-spec seccomp JSON, as
/// upstream spoc does. The filter is built with libseccomp first, so an unsupported action, architecture
/// or flag is reported before anything runs; then a launcher child loads it on the thread that execs CMD.
/// Exit code: CMD's (128 + signal when a signal ended it); 127 when CMD is not found; 125 when spoc
/// itself fails (usage, unreadable or invalid profile, libseccomp errors).
/// </summary>
internal static class RunCommand
{
    private const int Failed = LauncherChild.LauncherFailed;

    private const string Usage = "usage: spoc run --profile FILE [--type seccomp] [--] CMD [ARGS...]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        string? profilePath = null;
        var i = 0;
        for (; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                i++;
                break;
            }

            if (!arg.StartsWith('-'))
            {
                break;
            }

            if (arg is not ("-p" or "--profile" or "-t" or "--type"))
            {
                await stderr.WriteLineAsync("spoc run: unknown option '" + arg + "'\n" + Usage).ConfigureAwait(false);
                return Failed;
            }

            if (++i >= args.Count)
            {
                await stderr.WriteLineAsync("spoc run: " + arg + " needs a value\n" + Usage).ConfigureAwait(false);
                return Failed;
            }

            if (arg is "-t" or "--type")
            {
                if (args[i] != "seccomp")
                {
                    await stderr.WriteLineAsync("spoc run: unsupported type '" + args[i] + "' (only seccomp)").ConfigureAwait(false);
                    return Failed;
                }
            }
            else
            {
                profilePath = args[i];
            }
        }

        if (profilePath is null || i >= args.Count)
        {
            await stderr.WriteLineAsync((profilePath is null ? "spoc run: --profile is required\n" : "spoc run: no command given\n") + Usage).ConfigureAwait(false);
            return Failed;
        }

        var definition = await ReadProfileAsync(profilePath, stdin, stderr).ConfigureAwait(false);
        if (definition is null)
        {
            return Failed;
        }

        try
        {
            foreach (var warning in SeccompFilterLoader.Check(definition))
            {
                await stderr.WriteLineAsync("spoc run: warning: " + warning).ConfigureAwait(false);
            }
        }
        catch (SeccompFilterException ex)
        {
            await stderr.WriteLineAsync("spoc run: " + profilePath + ": " + ex.Message).ConfigureAwait(false);
            return Failed;
        }

        if (definition.BaseProfileName is { } baseProfile)
        {
            await stderr.WriteLineAsync("spoc run: warning: baseProfileName " + baseProfile + " is not resolved locally; only this profile's rules apply").ConfigureAwait(false);
        }

        var command = args[i];
        var program = CommandLocator.Resolve(command);
        if (program is null)
        {
            await stderr.WriteLineAsync("spoc run: " + command + ": command not found").ConfigureAwait(false);
            return LauncherChild.NotFound;
        }

        await stderr.FlushAsync().ConfigureAwait(false);
        try
        {
            using var signals = new CommandSignals();
            return SeccompCommandRunner.Run(definition, program, args.Skip(i).ToList(), cancellationToken: signals.Stop);
        }
        catch (LaunchException ex)
        {
            await stderr.WriteLineAsync("spoc run: " + ex.Message).ConfigureAwait(false);
            return Failed;
        }
    }

    private static async Task<SeccompFilterDefinition?> ReadProfileAsync(string path, TextReader stdin, TextWriter stderr)
    {
        var text = await InputFile.ReadAsync(path, stdin, stderr).ConfigureAwait(false);
        if (text is null)
        {
            return null;
        }

        // JSON's own rules leave a repeated key open; JsonObject throws on one, and either value could be meant.
        if (DuplicateJsonKey(text) is { } duplicate)
        {
            await stderr.WriteLineAsync("spoc run: " + path + ": duplicate key " + duplicate).ConfigureAwait(false);
            return null;
        }

        try
        {
            // Raw runtime-spec JSON has no apiVersion/kind; anything else is read as a manifest.
            if (text.TrimStart().StartsWith('{') && JsonNode.Parse(text) is JsonObject json && json["kind"] is null && json["apiVersion"] is null)
            {
                return SeccompFilterDefinition.FromRawJson(json);
            }
        }
        catch (JsonException)
        {
            // Not JSON after all: let the manifest reader report it.
        }
        catch (SeccompFilterException ex)
        {
            await stderr.WriteLineAsync("spoc run: " + path + ": " + ex.Message).ConfigureAwait(false);
            return null;
        }

        var serializer = new SpoSerializer(new SpoSerializerOptions { Validate = false });
        var result = serializer.Read(text, path);
        if (result.SyntaxError is { } syntax)
        {
            await stderr.WriteLineAsync("spoc run: cannot parse " + path + ": " + syntax).ConfigureAwait(false);
            return null;
        }

        if (result.Documents.Count != 1 || result.Documents[0].Object is not { } profile || profile.Kind != SeccompProfile.KubeKind)
        {
            foreach (var error in result.Errors)
            {
                await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("spoc run: " + path + " must hold exactly one SeccompProfile (or raw seccomp JSON)").ConfigureAwait(false);
            return null;
        }

        var violations = serializer.Validate(profile).Where(v => !v.Path.StartsWith("$.metadata", StringComparison.Ordinal)).ToList();
        foreach (var violation in violations)
        {
            await stderr.WriteLineAsync("spoc run: " + path + ": " + violation).ConfigureAwait(false);
        }

        if (violations.Count > 0)
        {
            return null;
        }

        var hub = (SeccompProfile)SpoConverter.Default.Convert(profile, profile.KindInfo.Group + "/v1");
        return SeccompFilterDefinition.FromSpec(hub.Spec);
    }

    // The path of the first key repeated in one object of a JSON text; null when there is none or it is not JSON.
    private static string? DuplicateJsonKey(string text)
    {
        if (!text.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return DuplicateKey(document.RootElement, "$");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? DuplicateKey(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (DuplicateKey(item, path + "[" + index++ + "]") is { } inner)
                {
                    return inner;
                }
            }

            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var propertyPath = path + "." + property.Name;
            if (!seen.Add(property.Name))
            {
                return propertyPath;
            }

            if (DuplicateKey(property.Value, propertyPath) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }
}
