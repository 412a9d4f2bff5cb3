using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Hosting;

namespace SpoSdk.Tests.Hosting;

/// <summary>One SDK instance as a host runs it: its own service provider and node root (a temp directory), started and stopped.</summary>
internal sealed class OperatorHost : IAsyncDisposable
{
    private bool _stopped;

    private OperatorHost(ServiceProvider provider, string root)
    {
        Provider = provider;
        Root = root;
        Operator = provider.GetRequiredService<SpoOperator>();
        Health = provider.GetRequiredService<SpoOperatorHealth>();
    }

    public ServiceProvider Provider { get; }

    public SpoOperator Operator { get; }

    public SpoOperatorHealth Health { get; }

    public string Root { get; }

    /// <summary>Builds an instance; <paramref name="beforeStart"/> sees it before it starts (e.g. to follow its health from the first change).</summary>
    public static async Task<OperatorHost> StartAsync(Action<SpoOperatorBuilder, string> configure, Action<OperatorHost>? beforeStart = null)
    {
        var root = Directory.CreateTempSubdirectory("spo-host-").FullName;
        var services = new ServiceCollection();
        services.AddSecurityProfilesOperator(spo => configure(spo, root));
        var host = new OperatorHost(services.BuildServiceProvider(), root);
        beforeStart?.Invoke(host);
        await host.Operator.StartAsync(CancellationToken.None);
        return host;
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await Operator.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Provider.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
