using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// The default installer (runtime.md §2.5): selinuxd watches <c>/etc/selinux.d</c> and installs what
/// appears there, so installing is asking selinuxd, over HTTP on its unix socket, whether it is ready
/// (<c>GET /ready</c> → <c>{"ready": bool}</c>) and what became of the policy
/// (<c>GET /policies/&lt;name&gt;</c>: 404 = not seen yet, 200 <c>{"msg": …, "status": "Installed"|"Failed"}</c>).
/// </summary>
public sealed class SelinuxdPolicyInstaller : ISelinuxPolicyInstaller, IDisposable
{
    /// <summary>selinuxd's socket on the host.</summary>
    public const string DefaultSocketPath = "/var/run/selinuxd/selinuxd.sock";

    private readonly INodeFileSystem _files;
    private readonly HttpClient _http;

    /// <summary>Creates the installer.</summary>
    /// <param name="files">The node's files (for the kernel check and the socket's local path).</param>
    /// <param name="socketHostPath">selinuxd's socket, as a host path under the node root.</param>
    /// <param name="timeout">The longest one request may take.</param>
    public SelinuxdPolicyInstaller(INodeFileSystem files, string socketHostPath = DefaultSocketPath, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentException.ThrowIfNullOrEmpty(socketHostPath);
        _files = files;
        var socket = NodeInstallCommand.LocalPath(files, socketHostPath);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await client.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(client, ownsSocket: true);
                }
                catch
                {
                    client.Dispose();
                    throw;
                }
            },
        };

        // The host part is ignored: every request goes to the socket.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://unix/"), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    /// <inheritdoc />
    /// <remarks>selinuxd installs from its watch of <c>/etc/selinux.d</c>, on its own time.</remarks>
    public bool AppliesFilesLater => true;

    /// <inheritdoc />
    /// <remarks>selinuxd takes every name with an extension that appears in its directory for a policy, and a name without one (this) for nothing.</remarks>
    public string? StagingSubdirectory => DefaultStagingSubdirectory;

    /// <summary>Where policies are staged before they are renamed into selinuxd's directory.</summary>
    public const string DefaultStagingSubdirectory = "spo-staging";

    /// <inheritdoc />
    public async Task<NodeInstallResult> InstallAsync(string profileName, string hostPath, CancellationToken cancellationToken)
    {
        var (waiting, found, status, message) = await AskAsync(profileName, cancellationToken).ConfigureAwait(false);
        return waiting ?? (found, status) switch
        {
            (false, _) => NodeInstallResult.InProgress("selinuxd has not picked up policy " + profileName + " yet"),
            (true, "Installed") => NodeInstallResult.Done,
            (true, "Failed") => NodeInstallResult.Failed("selinuxd failed to install policy " + profileName + ": " + message),
            _ => NodeInstallResult.Failed("selinuxd reported policy " + profileName + " as " + (status ?? "(no status)") + ", which is not a status it documents"),
        };
    }

    /// <inheritdoc />
    public async Task<NodeInstallResult> RemoveAsync(string profileName, string hostPath, CancellationToken cancellationToken)
    {
        var (waiting, found, status, message) = await AskAsync(profileName, cancellationToken).ConfigureAwait(false);
        return waiting ?? (found, status) switch
        {
            (false, _) => NodeInstallResult.Done,
            (true, "Failed") => NodeInstallResult.Failed("selinuxd failed to remove policy " + profileName + ": " + message),
            _ => NodeInstallResult.InProgress("selinuxd has not removed policy " + profileName + " yet"),
        };
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    // The kernel check, selinuxd's readiness, then the policy's status; a selinuxd that cannot be
    // reached (not started yet, restarting) is waited for like one that is not ready.
    private async Task<(NodeInstallResult? Waiting, bool Found, string? Status, string Message)> AskAsync(string policyName, CancellationToken cancellationToken)
    {
        if (SelinuxPolicyInstallers.KernelSupport(_files) is { } unsupported)
        {
            return (unsupported, false, null, string.Empty);
        }

        try
        {
            using (var response = await _http.GetAsync("ready", cancellationToken).ConfigureAwait(false))
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                if (!response.IsSuccessStatusCode || json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("ready", out var ready) || ready.ValueKind != JsonValueKind.True)
                {
                    return (NodeInstallResult.InProgress("selinuxd is not ready"), false, null, string.Empty);
                }
            }

            var (found, status, message) = await PolicyAsync(policyName, cancellationToken).ConfigureAwait(false);
            return (null, found, status, message);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (NodeInstallResult.Unreachable("selinuxd cannot be reached: " + ex.Message), false, null, string.Empty);
        }
    }

    private async Task<(bool Found, string? Status, string Message)> PolicyAsync(string policyName, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("policies/" + Uri.EscapeDataString(policyName), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return (false, null, string.Empty);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return response.IsSuccessStatusCode ? (true, Text("status"), Text("msg") ?? string.Empty) : (true, "HTTP " + (int)response.StatusCode, body);
        }
        catch (JsonException)
        {
            return (true, "unreadable (" + (int)response.StatusCode + ")", body);
        }
    }
}
