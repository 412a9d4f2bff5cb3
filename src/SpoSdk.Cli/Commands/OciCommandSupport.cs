using SpoSdk.Oci.Authentication;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;

namespace SpoSdk.Cli.Commands;

/// <summary>What <c>spoc push</c> and <c>spoc pull</c> share: credentials, the registry client, error reporting.</summary>
internal static class OciCommandSupport
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The registry client for one command: credentials from <c>USERNAME</c>/<c>PASSWORD</c> (or
    /// <c>--username</c>) for the reference's registry first, then the docker config's <c>auths</c>.
    /// </summary>
    public static async Task<OciRegistryClient?> CreateClientAsync(string command, OciReference reference, string? username, bool plainHttp, Func<string, string?> environment, HttpMessageHandler? handler, TextWriter stderr)
    {
        var providers = new List<IRegistryCredentialProvider>();
        username ??= environment("USERNAME");
        var password = environment("PASSWORD");
        if (!string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(password))
        {
            providers.Add(new StaticRegistryCredentials(new RegistryCredential(username, password), reference.Registry));
        }

        DockerConfigCredentials dockerConfig;
        try
        {
            dockerConfig = DockerConfigCredentials.Load(environment("DOCKER_CONFIG"), environment("HOME"));
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync("spoc " + command + ": " + ex.Message).ConfigureAwait(false);
            return null;
        }

        providers.Add(dockerConfig);
        if (providers.Count == 1 && await dockerConfig.GetCredentialAsync(reference.Registry).ConfigureAwait(false) is null)
        {
            foreach (var unsupported in dockerConfig.Unsupported)
            {
                await stderr.WriteLineAsync("spoc " + command + ": note: " + dockerConfig.Path + ": " + unsupported).ConfigureAwait(false);
            }
        }

        var http = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null) { Timeout = Timeout };
        return new OciRegistryClient(http, new OciRegistryClientOptions { PlainHttp = plainHttp }, new ChainedRegistryCredentials(providers), disposeHttpClient: true);
    }

    /// <summary>The value after an option, or null after printing that it is missing.</summary>
    public static string? Value(IReadOnlyList<string> args, ref int i, string command, string usage, TextWriter stderr)
    {
        if (i + 1 < args.Count)
        {
            return args[++i];
        }

        stderr.WriteLine("spoc " + command + ": " + args[i] + " needs a value\n" + usage);
        return null;
    }

    /// <summary>Whether an environment switch like <c>DISABLE_SIGNATURE_VERIFICATION</c> is on.</summary>
    public static bool IsTrue(string? value) => value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("yes", StringComparison.OrdinalIgnoreCase));
}
