using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SpoSdk.Oci.Authentication;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Oci;

/// <summary>
/// A real Debian docker-registry (distribution 2.8) on 127.0.0.1 and a free port, with its config and
/// storage in a temporary folder, started as a child process and stopped with the test class.
/// </summary>
public abstract class RegistryFixture : IAsyncLifetime
{
    private const int StartAttempts = 5;
    private readonly OutputLog _log = new();
    private Process? _process;

    protected RegistryFixture()
    {
        Root = Directory.CreateTempSubdirectory("sposdk-registry-").FullName;
    }

    /// <summary>Why the registry is not running (outside CI only), or null.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>The temporary folder holding config, storage and auth files.</summary>
    public string Root { get; }

    /// <summary>The registry's storage root.</summary>
    public string DataDirectory => Path.Combine(Root, "data");

    /// <summary>The port it listens on.</summary>
    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Registry => "127.0.0.1:" + Port;

    /// <summary>What the registry logged.</summary>
    public string Log => _log.ToString();

    /// <summary>The programs the class needs besides docker-registry.</summary>
    protected virtual string[] Tools => ["docker-registry"];

    /// <summary>The scheme the registry speaks.</summary>
    protected virtual string Scheme => "http";

    /// <summary>Writes a test's early-return message and says whether to return (outside CI, tools missing).</summary>
    public bool SkipIfUnavailable(ITestOutputHelper output)
    {
        if (Unavailable is null)
        {
            return false;
        }

        // Unreachable under CI=true (the fixture already failed there), stated here too: no test may skip in CI.
        Assert.False(ExternalTools.InCi, "CI=true but " + Unavailable);
        output.WriteLine("Not run here (outside CI): " + Unavailable);
        return true;
    }

    /// <summary><c>127.0.0.1:port/repository:tag</c> as a reference.</summary>
    public OciReference Reference(string repositoryAndTag) => OciReference.Parse(Registry + "/" + repositoryAndTag);

    /// <summary>A handler that reaches the registry (TLS fixtures trust their own certificate).</summary>
    public virtual HttpMessageHandler CreateHandler() => new SocketsHttpHandler();

    /// <summary>A registry client for this registry.</summary>
    public OciRegistryClient CreateClient(IRegistryCredentialProvider? credentials = null, bool plainHttp = false, OciRegistryClientOptions? options = null, TimeProvider? time = null) =>
        new(new HttpClient(CreateHandler()) { Timeout = TimeSpan.FromSeconds(30) }, (options ?? new OciRegistryClientOptions()) with { PlainHttp = plainHttp || (options?.PlainHttp ?? false) }, credentials, time, disposeHttpClient: true);

    /// <summary>Where the registry keeps the blob <paramref name="digest"/>.</summary>
    public string BlobPath(OciDigest digest) =>
        Path.Combine(DataDirectory, "docker", "registry", "v2", "blobs", digest.Algorithm, digest.Encoded[..2], digest.Encoded, "data");

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Unavailable = ExternalTools.Missing(Tools);
        if (Unavailable is not null)
        {
            return;
        }

        await PrepareAsync();
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var config = Path.Combine(Root, "config.yml");
            await File.WriteAllTextAsync(config, Config());
            var info = new ProcessStartInfo(ExternalTools.Find("docker-registry")!)
            {
                ArgumentList = { "serve", config },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            _process = Process.Start(info)!;
            _process.OutputDataReceived += (_, e) => _log.Add(e.Data);
            _process.ErrorDataReceived += (_, e) => _log.Add(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            if (await WaitReadyAsync())
            {
                return;
            }

            // Most likely another process took the port between probing and binding: try another.
            await StopAsync();
            if (attempt == StartAttempts)
            {
                throw new InvalidOperationException("docker-registry did not start:\n" + Log);
            }
        }
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        await StopAsync();
        await DisposeExtrasAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a dying process; the temp folder is cleaned by the OS eventually.
        }
    }

    /// <summary>Prepares auth or TLS files before the registry starts.</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    /// <summary>Stops whatever <see cref="PrepareAsync"/> started.</summary>
    protected virtual Task DisposeExtrasAsync() => Task.CompletedTask;

    /// <summary>Extra top-level YAML (auth) and http settings (tls).</summary>
    protected virtual string AuthYaml => string.Empty;

    /// <summary>Extra lines under <c>http:</c>, indented four spaces.</summary>
    protected virtual string HttpYaml => string.Empty;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string Config() => $"""
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: {DataDirectory}
          delete:
            enabled: true
          maintenance:
            uploadpurging:
              enabled: false
        http:
          addr: 127.0.0.1:{Port}
          secret: sposdk-test-secret
        {HttpYaml}
        {AuthYaml}
        """;

    private async Task<bool> WaitReadyAsync()
    {
        using var http = new HttpClient(CreateHandler()) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline && !_process!.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(Scheme + "://" + Registry + "/v2/");
                return true;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
        }

        return false;
    }

    private async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _process = null;
    }
}

/// <summary>A registry without authentication, with skopeo for cross-checks.</summary>
public sealed class PlainRegistryFixture : RegistryFixture
{
    protected override string[] Tools => ["docker-registry", "skopeo"];
}
