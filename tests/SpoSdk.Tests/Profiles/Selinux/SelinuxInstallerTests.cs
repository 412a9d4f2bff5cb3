using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using SpoSdk.Api.V1;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Profiles.Selinux;
using SpoSdk.Runtime;

namespace SpoSdk.Tests.Profiles.Selinux;

/// <summary>
/// The kernel-side SELinux installers: semodule through a recording runner in the full node flow,
/// and selinuxd's status protocol over real HTTP on a unix socket.
/// </summary>
public sealed class SelinuxInstallerTests
{
    [Fact]
    public async Task Semodule_installs_and_removes_by_argument_array_and_an_unchanged_resync_runs_nothing()
    {
        var runner = new RecordingCommandRunner();
        await using var node = new LsmNodeFixture(installer: files => new SemodulePolicyInstaller(runner, files, "/usr/sbin/semodule"), prepareRoot: root => LsmNodeFixture.WriteHostFile(root, SelinuxPolicyInstallers.KernelMarker, "1"));
        await node.Selinux.CreateAsync(SelinuxNodeReconcilerTests.Profile("web"));
        await node.SettleAsync(async () => (await node.Selinux.GetAsync(ObjectKey.Cluster("web")))?.Status?.Status == SelinuxProfileState.Installed);

        var install = Assert.Single(runner.Calls);
        Assert.Equal("/usr/sbin/semodule", install.FileName);
        Assert.Equal(["-i", node.SelinuxFile("web")], install.Arguments);
        Assert.True(install.FileExisted);

        node.Resync();
        await node.SettleAsync(() => Task.FromResult(true));
        Assert.Single(runner.Calls);

        await node.Selinux.DeleteAsync(ObjectKey.Cluster("web"));
        await node.SettleAsync(async () => await node.Selinux.GetAsync(ObjectKey.Cluster("web")) is null);
        Assert.Equal(["-r", "web"], runner.Calls[^1].Arguments);
        Assert.False(File.Exists(node.SelinuxFile("web")));
    }

    [Fact]
    public async Task Semodule_failures_and_a_kernel_without_selinux_are_status_errors()
    {
        var runner = new RecordingCommandRunner { ExitCode = 1, StandardError = "Failed to resolve typeattributeset statement\nsemodule: Failed!" };
        await using var node = new LsmNodeFixture(installer: files => new SemodulePolicyInstaller(runner, files, "/usr/sbin/semodule"));
        await node.Selinux.CreateAsync(SelinuxNodeReconcilerTests.Profile("nokernel"));
        await node.SettleAsync(async () => (await node.Selinux.GetAsync(ObjectKey.Cluster("nokernel")))?.Status?.Status == SelinuxProfileState.Error);
        Assert.Contains(await node.WarningsAsync("SelinuxProfile", "nokernel"), e => e.Message == "SELinux is not enabled in the kernel of this node (/sys/fs/selinux is absent)");
        Assert.Empty(runner.Calls);

        LsmNodeFixture.WriteHostFile(node.Root, SelinuxPolicyInstallers.KernelMarker, "1");
        await node.Selinux.CreateAsync(SelinuxNodeReconcilerTests.Profile("refused"));
        await node.SettleAsync(async () => (await node.Selinux.GetAsync(ObjectKey.Cluster("refused")))?.Status?.Status == SelinuxProfileState.Error);
        Assert.Contains(await node.WarningsAsync("SelinuxProfile", "refused"), e => e.Message == "semodule could not install refused (exit 1): Failed to resolve typeattributeset statement semodule: Failed!");
    }

    [Fact]
    public async Task Selinuxd_status_protocol_drives_in_progress_installed_failed_and_removed()
    {
        var root = Directory.CreateTempSubdirectory("spo-selinuxd-").FullName;
        try
        {
            LsmNodeFixture.WriteHostFile(root, SelinuxPolicyInstallers.KernelMarker, "1");
            await using var selinuxd = new FakeSelinuxd(root + SelinuxdPolicyInstaller.DefaultSocketPath);
            using var installer = new SelinuxdPolicyInstaller(new LocalNodeFileSystem(root));

            selinuxd.Ready = false;
            Assert.Equal(NodeInstallResult.InProgress("selinuxd is not ready"), await installer.InstallAsync("web", "/etc/selinux.d/web.cil", default));

            selinuxd.Ready = true;
            Assert.Equal(NodeInstallState.InProgress, (await installer.InstallAsync("web", "/etc/selinux.d/web.cil", default)).State);

            selinuxd.Policies["web"] = "{\"msg\":\"\",\"status\":\"Installed\"}";
            Assert.Equal(NodeInstallResult.Done, await installer.InstallAsync("web", "/etc/selinux.d/web.cil", default));

            selinuxd.Policies["bad"] = "{\"msg\":\"Failed to resolve allow statement\",\"status\":\"Failed\"}";
            Assert.Equal(NodeInstallResult.Failed("selinuxd failed to install policy bad: Failed to resolve allow statement"), await installer.InstallAsync("bad", "/etc/selinux.d/bad.cil", default));

            selinuxd.Policies["odd"] = "{\"status\":\"Frobnicated\"}";
            Assert.Equal(NodeInstallState.Failed, (await installer.InstallAsync("odd", "/etc/selinux.d/odd.cil", default)).State);

            Assert.Equal(NodeInstallState.InProgress, (await installer.RemoveAsync("web", "/etc/selinux.d/web.cil", default)).State);
            selinuxd.Policies.TryRemove("web", out _);
            Assert.Equal(NodeInstallResult.Done, await installer.RemoveAsync("web", "/etc/selinux.d/web.cil", default));
            Assert.Contains("GET /policies/web", selinuxd.Requests);
            Assert.Contains("GET /ready", selinuxd.Requests);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Selinuxd_that_cannot_be_reached_is_waited_for_and_a_kernel_without_selinux_fails()
    {
        var root = Directory.CreateTempSubdirectory("spo-selinuxd-").FullName;
        try
        {
            using var installer = new SelinuxdPolicyInstaller(new LocalNodeFileSystem(root));
            Assert.Equal(NodeInstallResult.Failed("SELinux is not enabled in the kernel of this node (/sys/fs/selinux is absent)"), await installer.InstallAsync("web", "/etc/selinux.d/web.cil", default));

            LsmNodeFixture.WriteHostFile(root, SelinuxPolicyInstallers.KernelMarker, "1");
            var waiting = await installer.InstallAsync("web", "/etc/selinux.d/web.cil", default);
            Assert.Equal(NodeInstallState.InProgress, waiting.State);
            Assert.StartsWith("selinuxd cannot be reached: ", waiting.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Only_the_host_root_uses_the_kernel_installer()
    {
        var root = Directory.CreateTempSubdirectory("spo-selinuxd-").FullName;
        try
        {
            var kernel = new SemodulePolicyInstaller(new RecordingCommandRunner(), new LocalNodeFileSystem(root));
            Assert.IsType<FileOnlyProfileInstaller>(FileOnlyProfileInstaller.ForNode<ISelinuxPolicyInstaller>(new LocalNodeFileSystem(root), kernel));
            Assert.Same(kernel, FileOnlyProfileInstaller.ForNode<ISelinuxPolicyInstaller>(new HostRoot(), kernel));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class HostRoot : INodeFileSystem
    {
        public string Root => "/";

        public byte[]? ReadAllBytes(string hostPath) => null;

        public bool WriteIfChanged(string hostPath, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, string? stagingSubdirectory = null) => throw new InvalidOperationException("never written in this test");

        public bool Delete(string hostPath) => throw new InvalidOperationException("never written in this test");
    }

    /// <summary>selinuxd's HTTP API on a real unix socket: one request per connection, answered from the set state.</summary>
    private sealed class FakeSelinuxd : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;

        public FakeSelinuxd(string socketPath)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
            _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            _listener.Listen(16);
            _serving = ServeAsync();
        }

        public volatile bool Ready = true;

        public ConcurrentDictionary<string, string> Policies { get; } = new(StringComparer.Ordinal);

        public ConcurrentBag<string> Requests { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Dispose();
            await _serving.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptAsync(_stop.Token);
                await using var stream = new NetworkStream(client);
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                var line = request.ToString().Split("\r\n")[0];
                var target = string.Join(' ', line.Split(' ').Take(2));
                Requests.Add(target);
                var (code, body) = target switch
                {
                    "GET /ready" => ("200 OK", Ready ? "{\"ready\":true}" : "{\"ready\":false}"),
                    _ when target.StartsWith("GET /policies/", StringComparison.Ordinal) && Policies.TryGetValue(target["GET /policies/".Length..], out var policy) => ("200 OK", policy),
                    _ => ("404 Not Found", "{}"),
                };
                var response = "HTTP/1.1 " + code + "\r\nContent-Type: application/json\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\nConnection: close\r\n\r\n" + body;
                await stream.WriteAsync(Encoding.UTF8.GetBytes(response), _stop.Token);
            }
        }
    }
}
