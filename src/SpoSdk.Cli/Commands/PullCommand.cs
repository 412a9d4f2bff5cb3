using System.Text;
using SpoSdk.Cli.CommandLine;
using SpoSdk.Oci.Artifacts;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;
using SpoSdk.Oci.Signing;
using SpoSdk.Oci.Trust;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc pull REF [-o FILE] [--platform P] [--key PEM]... [--plain-http] [--disable-signature-verification]</c>:
/// a profile artifact (either layout) to a file or stdout, byte for byte as stored. The artifact is
/// refused unless a <c>--key</c> verifies its cosign signature, REF is pinned by digest, or signature
/// verification is disabled (also by <c>DISABLE_SIGNATURE_VERIFICATION</c>, as upstream). Exit codes: 0
/// pulled; 1 refused, or content that failed verification or holds no profile; 2 usage or registry errors.
/// </summary>
internal static class PullCommand
{
    private const string Usage = "usage: spoc pull REF [-o FILE] [--platform P] [--key PEM]... [--plain-http] [--disable-signature-verification] [-u USER]";
    private const UnixFileMode ReadableByAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr, CliProgress progress) =>
        RunAsync(args, stdin, stdout, stderr, Environment.GetEnvironmentVariable, null, progress);

    internal static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, HttpMessageHandler? handler, CliProgress? progress = null)
    {
        string? output = null, platformText = null, username = null;
        var plainHttp = false;
        var disable = OciCommandSupport.IsTrue(environment("DISABLE_SIGNATURE_VERIFICATION"));
        var keyFiles = new List<string>();
        var positional = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--plain-http":
                    plainHttp = true;
                    break;
                case "--disable-signature-verification" or "-s":
                    disable = true;
                    break;
                case "-o" or "--output" or "--output-file" or "--platform" or "-p" or "--key" or "-u" or "--username":
                    if (OciCommandSupport.Value(args, ref i, "pull", Usage, stderr) is not { } value)
                    {
                        return SpocApp.Failure;
                    }

                    switch (arg)
                    {
                        case "--key": keyFiles.Add(value); break;
                        case "--platform" or "-p": platformText = value; break;
                        case "-u" or "--username": username = value; break;
                        default: output = value; break;
                    }

                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        await stderr.WriteLineAsync("spoc pull: unknown option '" + arg + "'\n" + Usage).ConfigureAwait(false);
                        return SpocApp.Failure;
                    }

                    positional.Add(arg);
                    break;
            }
        }

        if (positional.Count != 1)
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        if (!OciReference.TryParse(positional[0], out var reference, out var referenceError))
        {
            await stderr.WriteLineAsync("spoc pull: " + referenceError).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        OciPlatform platform;
        try
        {
            platform = platformText is null ? OciPlatform.Current : OciPlatform.Parse(platformText);
        }
        catch (FormatException ex)
        {
            await stderr.WriteLineAsync("spoc pull: " + ex.Message).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        var keys = new List<CosignPublicKey>();
        foreach (var file in keyFiles)
        {
            var pem = await InputFile.ReadAsync(file, stdin, stderr).ConfigureAwait(false);
            if (pem is null)
            {
                return SpocApp.Failure;
            }

            try
            {
                keys.Add(CosignPublicKey.FromPem(pem, file));
            }
            catch (FormatException ex)
            {
                await stderr.WriteLineAsync("spoc pull: " + ex.Message).ConfigureAwait(false);
                return SpocApp.Failure;
            }
        }

        using var client = await OciCommandSupport.CreateClientAsync("pull", reference!, username, plainHttp, environment, handler, stderr).ConfigureAwait(false);
        if (client is null)
        {
            return SpocApp.Failure;
        }

        OciPullResult result;
        try
        {
            var policy = new OciTrustPolicy { PublicKeys = keys, DisableSignatureVerification = disable };
            progress?.Report("pulling " + reference);
            try
            {
                result = await new OciProfileClient(client).PullAsync(reference!, policy, platform).ConfigureAwait(false);
            }
            finally
            {
                progress?.Clear();
            }
        }
        catch (Exception ex) when (ex is OciTrustException or OciContentException or OciArtifactException)
        {
            await stderr.WriteLineAsync("spoc pull: " + ex.Message).ConfigureAwait(false);
            return SpocApp.Invalid;
        }
        catch (OciRegistryException ex)
        {
            await stderr.WriteLineAsync("spoc pull: " + ex.Message).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        foreach (var warning in result.Warnings)
        {
            await stderr.WriteLineAsync("spoc pull: warning: " + warning).ConfigureAwait(false);
        }

        await stderr.WriteLineAsync("spoc pull: " + result.Reference + ": " + result.Profile.Kind + "/" + result.Profile.Metadata.Name
            + " (" + (result.Layout == ProfileArtifactLayout.Kep6061 ? "KEP 6061" : "spo") + " layout; " + result.Trust.Detail + ")").ConfigureAwait(false);

        // The layer decoded as a profile, so it is UTF-8 text; writing it back keeps every byte.
        var text = StrictUtf8.GetString(result.Content);
        if (output is null or "-" or "/dev/stdout")
        {
            await stdout.WriteAsync(text).ConfigureAwait(false);
        }
        else
        {
            using var signals = new StopSignals();
            if (!await OutputFile.TryWriteAsync("pull", output, text, stderr, ReadableByAll).ConfigureAwait(false))
            {
                return SpocApp.Failure;
            }

            if (signals.Stopped)
            {
                return signals.ExitCode;
            }
        }

        return SpocApp.Success;
    }
}
