using System.Text;
using SpoSdk.Cli.CommandLine;
using SpoSdk.Oci.Artifacts;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc push REF FILE... [--layout spo|kep6061] [--platform P]... [--annotation K=V]... [--plain-http]</c>:
/// profiles to a registry as an OCI artifact. Without <c>--layout</c> the layout follows the input as
/// upstream (profile objects: spo; raw runtime-spec seccomp JSON: kep6061). Platforms pair with files in
/// order; without any, the single file is for this machine's platform, as upstream's default of
/// <c>runtime.GOOS/GOARCH</c> (layer <c>profile-linux-amd64.yaml</c> bound to <c>linux/amd64</c> on such a
/// machine). A KEP 6061 artifact is platform independent and takes no default. Credentials:
/// <c>USERNAME</c>/<c>PASSWORD</c> (or <c>-u</c>) as upstream, else the docker config's <c>auths</c>.
/// Prints the pushed reference pinned to its digest.
/// </summary>
internal static class PushCommand
{
    private const string Usage = "usage: spoc push REF FILE... [--layout spo|kep6061] [--platform P]... [--annotation K=V]... [--plain-http] [-u USER]";

    public static Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr, CliProgress progress) =>
        RunAsync(args, stdin, stdout, stderr, Environment.GetEnvironmentVariable, null, progress);

    internal static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, HttpMessageHandler? handler, CliProgress? progress = null)
    {
        string? layoutText = null, username = null;
        var plainHttp = false;
        var positional = new List<string>();
        var platforms = new List<string>();
        var annotations = new Dictionary<string, string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--plain-http":
                    plainHttp = true;
                    break;
                case "--layout" or "--platform" or "--platforms" or "-p" or "--annotation" or "--annotations" or "-a" or "-f" or "--profiles" or "-u" or "--username":
                    if (OciCommandSupport.Value(args, ref i, "push", Usage, stderr) is not { } value)
                    {
                        return SpocApp.Failure;
                    }

                    switch (arg)
                    {
                        case "--layout": layoutText = value; break;
                        case "-u" or "--username": username = value; break;
                        case "-f" or "--profiles": positional.Add(value); break;
                        case "--annotation" or "--annotations" or "-a":
                            if (!TryAnnotation(value, out var key, out var text))
                            {
                                await stderr.WriteLineAsync("spoc push: wrong annotation format '" + value + "' (KEY=VALUE)").ConfigureAwait(false);
                                return SpocApp.Failure;
                            }

                            annotations[key] = text;
                            break;
                        default: platforms.Add(value); break;
                    }

                    break;
                default:
                    if (arg.StartsWith('-') && arg != "-")
                    {
                        await stderr.WriteLineAsync("spoc push: unknown option '" + arg + "'\n" + Usage).ConfigureAwait(false);
                        return SpocApp.Failure;
                    }

                    positional.Add(arg);
                    break;
            }
        }

        if (positional.Count < 2 || layoutText is not (null or "spo" or "kep6061"))
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        if (!OciReference.TryParse(positional[0], out var reference, out var referenceError))
        {
            await stderr.WriteLineAsync("spoc push: " + referenceError).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        var paths = positional.Skip(1).ToList();
        var parsedPlatforms = new List<OciPlatform>();
        try
        {
            parsedPlatforms.AddRange(platforms.Select(OciPlatform.Parse));
        }
        catch (FormatException ex)
        {
            await stderr.WriteLineAsync("spoc push: " + ex.Message).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        if (parsedPlatforms.Count == 0 && paths.Count > 1)
        {
            await stderr.WriteLineAsync("spoc push: multiple profiles provided but no platforms set").ConfigureAwait(false);
            return SpocApp.Failure;
        }

        if (parsedPlatforms.Count > 0 && parsedPlatforms.Count != paths.Count)
        {
            await stderr.WriteLineAsync("spoc push: number of profiles and platforms do not match").ConfigureAwait(false);
            return SpocApp.Failure;
        }

        if (parsedPlatforms.Select(p => p.ToString()).Distinct().Count() != parsedPlatforms.Count)
        {
            await stderr.WriteLineAsync("spoc push: duplicate platforms defined: " + string.Join(", ", platforms)).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        var files = new List<OciProfileFile>();
        for (var i = 0; i < paths.Count; i++)
        {
            var text = await InputFile.ReadAsync(paths[i], stdin, stderr).ConfigureAwait(false);
            if (text is null)
            {
                return SpocApp.Failure;
            }

            var content = Encoding.UTF8.GetBytes(text);
            files.Add(new OciProfileFile(content, paths[i], parsedPlatforms.Count > 0 ? parsedPlatforms[i] : DefaultPlatform(content, layoutText)));
        }

        using var client = await OciCommandSupport.CreateClientAsync("push", reference!, username, plainHttp, environment, handler, stderr).ConfigureAwait(false);
        if (client is null)
        {
            return SpocApp.Failure;
        }

        ProfileArtifactLayout? layout = layoutText switch { "spo" => ProfileArtifactLayout.Spo, "kep6061" => ProfileArtifactLayout.Kep6061, _ => null };
        try
        {
            OciPushResult result;
            progress?.Report("pushing " + files.Count + " profile(s) to " + reference);
            try
            {
                result = await new OciProfileClient(client).PushAsync(reference!, files, layout, annotations).ConfigureAwait(false);
            }
            finally
            {
                progress?.Clear();
            }


            foreach (var warning in result.Warnings)
            {
                await stderr.WriteLineAsync("spoc push: warning: " + warning).ConfigureAwait(false);
            }

            await stdout.WriteLineAsync(result.Reference.ToString()).ConfigureAwait(false);
            return SpocApp.Success;
        }
        catch (OciArtifactException ex)
        {
            await stderr.WriteLineAsync("spoc push: " + ex.Message).ConfigureAwait(false);
            return SpocApp.Invalid;
        }
        catch (Exception ex) when (ex is OciRegistryException or OciContentException)
        {
            await stderr.WriteLineAsync("spoc push: " + ex.Message).ConfigureAwait(false);
            return SpocApp.Failure;
        }
    }

    // Upstream binds a profile pushed without --platform to runtime.GOOS/GOARCH; a KEP 6061 artifact
    // (asked for, or chosen for raw runtime-spec JSON) has no platform, so it gets none rather than a
    // warning that the default was ignored.
    private static OciPlatform? DefaultPlatform(byte[] content, string? layoutText) =>
        layoutText == "kep6061" || (layoutText is null && RuntimeSpecSeccomp.TryParse(content, out _, out _)) ? null : OciPlatform.Current;

    // KEY=VALUE; upstream's KEY:VALUE is accepted when there is no '=' (values keep later separators).
    private static bool TryAnnotation(string value, out string key, out string text)
    {
        var separator = value.IndexOf('=');
        if (separator < 0)
        {
            separator = value.IndexOf(':');
        }

        key = separator > 0 ? value[..separator].Trim() : string.Empty;
        text = separator > 0 ? value[(separator + 1)..].Trim() : string.Empty;
        return key.Length > 0;
    }
}
