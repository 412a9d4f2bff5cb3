using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Profiles.Selinux;

namespace SpoSdk.Tests.Hosting;

/// <summary>What the operator creates for the node (such as the SELinux installer and its HttpClient) it disposes with itself.</summary>
public sealed class OwnedInstallerTests
{
    [Fact]
    public async Task The_selinux_installer_the_factory_returns_is_disposed_with_the_operator()
    {
        DisposableInstaller? made = null;
        var host = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName("node-1").WithNodeRoot(root)
            .AddSelinux((_, _) => made = new DisposableInstaller()));
        await host.StopAsync();
        Assert.NotNull(made);
        Assert.False(made.Disposed);

        await host.DisposeAsync();

        Assert.True(made.Disposed);
    }

    [Fact]
    public async Task The_default_selinuxd_installer_is_disposed_with_the_operator()
    {
        SelinuxdPolicyInstaller? made = null;
        var host = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName("node-1").WithNodeRoot(root)
            .AddSelinux((files, _) => made = new SelinuxdPolicyInstaller(files)));

        await host.DisposeAsync();

        // Its HttpClient is private: a disposed one refuses every call.
        Assert.NotNull(made);
        var http = (HttpClient)typeof(SelinuxdPolicyInstaller).GetField("_http", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(made)!;
        Assert.Throws<ObjectDisposedException>(() => http.CancelPendingRequests());
    }

    private sealed class DisposableInstaller : ISelinuxPolicyInstaller, IDisposable
    {
        public bool Disposed { get; private set; }

        public Task<NodeInstallResult> InstallAsync(string profileName, string hostPath, CancellationToken cancellationToken) => Task.FromResult(NodeInstallResult.Done);

        public Task<NodeInstallResult> RemoveAsync(string profileName, string hostPath, CancellationToken cancellationToken) => Task.FromResult(NodeInstallResult.Done);

        public void Dispose() => Disposed = true;
    }
}
