using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc convert --to VERSION FILE... [-o OUT] [--format yaml|json]</c> converts manifests between
/// served versions, as JSON when every input is JSON and YAML otherwise unless <c>--format</c> says. Without <c>--to</c>, <c>spoc convert PROFILE [-o OUT] [-p PROGRAM]</c> keeps
/// upstream spoc's meaning: a profile object to the raw form a node uses.
/// </summary>
internal static class ConvertCommand
{
    private const string SeeHelp = "; see 'spoc convert --help'";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        string? to = null, output = null, format = null, program = null;
        var files = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--to" or "-o" or "--output" or "--format" or "-p" or "--program")
            {
                if (i + 1 >= args.Count)
                {
                    await stderr.WriteLineAsync("spoc convert: option '" + arg + "' needs a value" + SeeHelp).ConfigureAwait(false);
                    return SpocApp.Failure;
                }

                var value = args[++i];
                switch (arg)
                {
                    case "--to": to = value; break;
                    case "-o" or "--output": output = value; break;
                    case "--format": format = value; break;
                    default: program = value; break;
                }
            }
            else if (arg.StartsWith('-') && arg != "-")
            {
                await stderr.WriteLineAsync("spoc convert: unknown option '" + arg + "'" + SeeHelp).ConfigureAwait(false);
                return SpocApp.Failure;
            }
            else
            {
                files.Add(arg);
            }
        }

        // One line naming what is wrong, rather than the synopsis to puzzle over.
        var problem = files.Count == 0 ? "no FILE given"
            : format is not (null or "yaml" or "json") ? "--format must be yaml or json, not '" + format + "'"
            : to is null && files.Count != 1 ? "without --to, convert takes exactly one PROFILE (got " + files.Count + ")"
            : to is null && format is not null ? "--format needs --to (the raw form has one format)"
            : to is not null && program is not null ? "--program applies only without --to"
            : null;
        if (problem is not null)
        {
            await stderr.WriteLineAsync("spoc convert: " + problem + SeeHelp).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        var (code, text) = to is null
            ? await RawProfileConverter.ConvertAsync(files[0], program, stdin, stderr).ConfigureAwait(false)
            : await ConvertVersionsAsync(files, to, format, stdin, stderr).ConfigureAwait(false);
        if (text is null)
        {
            return code;
        }

        if (output is null)
        {
            await stdout.WriteAsync(text).ConfigureAwait(false);
        }
        else if (code != SpocApp.Success)
        {
            // Part of the input in OUT would pass for all of it (and, converting in place, delete the rest).
            await stderr.WriteLineAsync("spoc convert: " + output + " not written: not every document converted").ConfigureAwait(false);
        }
        else
        {
            using var signals = new StopSignals();
            if (!await OutputFile.TryWriteAsync("convert", output, text, stderr).ConfigureAwait(false))
            {
                return SpocApp.Failure;
            }

            if (signals.Stopped)
            {
                return signals.ExitCode;
            }
        }

        return code;
    }

    // Without --format, the output keeps the input's format: JSON when every input was JSON, else YAML.
    private static async Task<(int Code, string? Text)> ConvertVersionsAsync(IReadOnlyList<string> files, string to, string? format, TextReader stdin, TextWriter stderr)
    {
        var allJson = true;
        var serializer = new SpoSerializer();
        var converted = new List<ISpoObject>();
        var code = SpocApp.Success;
        foreach (var file in files)
        {
            var text = await InputFile.ReadAsync(file, stdin, stderr).ConfigureAwait(false);
            if (text is null)
            {
                code = SpocApp.Failure;
                continue;
            }

            var result = serializer.Read(text, file);
            foreach (var error in result.Errors)
            {
                await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                code = Math.Max(code, error.Category == SpoReadErrorCategory.UnknownKind ? SpocApp.Failure : SpocApp.Invalid);
            }

            allJson = allJson && format is null && IsJson(text);

            // As convert without --to and merge: nothing to convert is an error, not an empty success.
            if (result.Documents.Count == 0 && result.SyntaxError is null)
            {
                await stderr.WriteLineAsync("spoc convert: " + file + " holds no documents").ConfigureAwait(false);
                code = Math.Max(code, SpocApp.Invalid);
            }

            foreach (var document in result.Documents.Where(d => d.IsValid))
            {
                try
                {
                    converted.Add(SpoConverter.Default.Convert(document.Object!, to));
                }
                catch (SpoConversionException ex)
                {
                    await stderr.WriteLineAsync(file + "#" + document.Index + " " + document.Object!.Kind + "/" + document.Object.Metadata.Name + ": " + ex.Message).ConfigureAwait(false);
                    code = SpocApp.Failure;
                }
            }
        }

        if (converted.Count == 0)
        {
            return (code, null);
        }

        if ((format ?? (allJson ? "json" : "yaml")) == "yaml")
        {
            return (code, serializer.ToYaml(converted));
        }

        // Several objects in JSON become a v1 List, as kubectl prints them.
        JsonNode json = converted.Count == 1
            ? serializer.ToJsonNode(converted[0])
            : new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray(converted.Select(o => (JsonNode?)serializer.ToJsonNode(o)).ToArray()) };
        return (code, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    // JSON is YAML too; only a strict JSON parse tells a JSON file from YAML that happens to start with '{'.
    private static bool IsJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
