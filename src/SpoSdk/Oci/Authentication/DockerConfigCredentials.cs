using System.Text;
using System.Text.Json;

namespace SpoSdk.Oci.Authentication;

/// <summary>
/// Credentials from a docker <c>config.json</c>: the <c>auths</c> map, each entry with a base64
/// <c>auth</c> (<c>user:password</c>) or <c>username</c> and <c>password</c>. Entry keys may be
/// <c>host[:port]</c> or URLs (<c>https://index.docker.io/v1/</c> is Docker Hub). Credential helpers
/// (<c>credsStore</c>, <c>credHelpers</c>) and OAuth identity tokens are not run or used: they are
/// listed in <see cref="Unsupported"/> so a caller can say why a registry gets no credential.
/// The file is read once, when the provider is created.
/// </summary>
public sealed class DockerConfigCredentials : IRegistryCredentialProvider
{
    private readonly Dictionary<string, RegistryCredential> _credentials = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _unsupported = [];

    private DockerConfigCredentials(string? path)
    {
        Path = path;
    }

    /// <summary>The file read; null when none was found.</summary>
    public string? Path { get; }

    /// <summary>What the file asks for that is not supported (credential helpers, identity tokens).</summary>
    public IReadOnlyList<string> Unsupported => _unsupported;

    /// <summary>
    /// Reads <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>; a missing file means no
    /// credentials. Throws <see cref="FormatException"/> when the file is not valid JSON.
    /// </summary>
    /// <param name="dockerConfigDirectory">The value of <c>DOCKER_CONFIG</c>, passed in so the library reads no environment itself.</param>
    /// <param name="homeDirectory">The user's home directory.</param>
    public static DockerConfigCredentials Load(string? dockerConfigDirectory, string? homeDirectory)
    {
        var path = !string.IsNullOrEmpty(dockerConfigDirectory)
            ? System.IO.Path.Combine(dockerConfigDirectory, "config.json")
            : string.IsNullOrEmpty(homeDirectory) ? null : System.IO.Path.Combine(homeDirectory, ".docker", "config.json");
        return path is not null && File.Exists(path) ? FromJson(File.ReadAllText(path), path) : new DockerConfigCredentials(null);
    }

    /// <summary>Parses the text of a <c>config.json</c>; throws <see cref="FormatException"/> when it is malformed.</summary>
    public static DockerConfigCredentials FromJson(string json, string? path = null)
    {
        var provider = new DockerConfigCredentials(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException("docker config " + (path ?? "<input>") + " is not valid JSON: " + ex.Message, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("docker config " + (path ?? "<input>") + " is not a JSON object");
            }

            if (root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String)
            {
                provider._unsupported.Add("credsStore '" + store.GetString() + "' (credential helpers are not run)");
            }

            if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
            {
                foreach (var helper in helpers.EnumerateObject())
                {
                    provider._unsupported.Add("credHelpers for " + helper.Name + " (credential helpers are not run)");
                }
            }

            if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in auths.EnumerateObject())
                {
                    provider.Add(entry.Name, entry.Value);
                }
            }
        }

        return provider;
    }

    /// <inheritdoc/>
    public ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_credentials.TryGetValue(NormalizeKey(registry), out var credential) ? credential : null);

    private static string NormalizeKey(string key)
    {
        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/');
        if (slash >= 0)
        {
            host = host[..slash];
        }

        return host is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? "docker.io" : host;
    }

    private void Add(string key, JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        string? username = null, password = null;
        if (entry.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(auth.GetString()))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.GetString()!));
            }
            catch (FormatException ex)
            {
                throw new FormatException("docker config " + (Path ?? "<input>") + ": auths['" + key + "'].auth is not base64", ex);
            }

            var colon = decoded.IndexOf(':');
            if (colon < 0)
            {
                throw new FormatException("docker config " + (Path ?? "<input>") + ": auths['" + key + "'].auth is not user:password");
            }

            (username, password) = (decoded[..colon], decoded[(colon + 1)..]);
        }
        else if (entry.TryGetProperty("username", out var user) && user.ValueKind == JsonValueKind.String
            && entry.TryGetProperty("password", out var pass) && pass.ValueKind == JsonValueKind.String)
        {
            (username, password) = (user.GetString(), pass.GetString());
        }

        if (entry.TryGetProperty("identitytoken", out var token) && token.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(token.GetString()))
        {
            _unsupported.Add("identitytoken for " + key + " (OAuth refresh tokens are not used)");
        }

        if (!string.IsNullOrEmpty(username) && password is not null)
        {
            _credentials[NormalizeKey(key)] = new RegistryCredential(username, password);
        }
    }
}
