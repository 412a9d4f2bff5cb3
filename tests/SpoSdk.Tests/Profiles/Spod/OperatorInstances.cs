using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Hosting;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.Tests.Profiles.Spod;

/// <summary>SDK instances (SpoOperator, each with its own service provider and node root) sharing one backend, as several nodes of one cluster.</summary>
internal sealed class OperatorInstances : IAsyncDisposable
{
    public const string OperatorNamespace = "security-profiles-operator";

    private readonly List<(ServiceProvider Provider, SpoOperator Operator, string Root)> _running = new();

    public OperatorInstances(IClusterBackend? backend = null)
    {
        Backend = backend ?? new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
    }

    public IClusterBackend Backend { get; }

    public IResourceClient<SecurityProfilesOperatorDaemon> Spods => Backend.Resource<SecurityProfilesOperatorDaemon>();

    public static ObjectKey SpodKey => new(OperatorNamespace, "spod");

    /// <summary>Starts an instance on <paramref name="node"/> with seccomp; <paramref name="configure"/> picks roles and the like.</summary>
    public async Task<SpoOperator> StartAsync(string node, Action<SpoOperatorBuilder>? configure = null)
    {
        var root = Directory.CreateTempSubdirectory("spo-spod-").FullName;
        var services = new ServiceCollection();
        services.AddSecurityProfilesOperator(spo =>
        {
            spo.UseBackend(_ => new SharedBackend(Backend)).WithNodeName(node).WithNodeRoot(root).AddSeccomp();
            configure?.Invoke(spo);
        });
        var provider = services.BuildServiceProvider();
        var instance = provider.GetRequiredService<SpoOperator>();
        await instance.StartAsync(CancellationToken.None);
        _running.Add((provider, instance, root));
        return instance;
    }

    /// <summary>Stops an instance cleanly (its heartbeat Lease goes with it).</summary>
    public async Task StopAsync(SpoOperator instance)
    {
        var entry = _running.Single(r => r.Operator == instance);
        _running.Remove(entry);
        await entry.Operator.StopAsync(CancellationToken.None);
        await entry.Provider.DisposeAsync();
        Directory.Delete(entry.Root, recursive: true);
    }

    public Task CreateSpodAsync(SecurityProfilesOperatorDaemonSpec? spec = null) => Spods.CreateAsync(SpodSettingsTests.Spod(spec ?? new SecurityProfilesOperatorDaemonSpec()));

    public Task<V1Node> CreateNodeAsync(string name, V1Taint? taint = null) => Backend.Resource<V1Node>().CreateAsync(new V1Node
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NodeSpec { Taints = taint is null ? null : [taint] },
    });

    /// <summary>Waits until the SPOD's status satisfies <paramref name="condition"/>; returns it.</summary>
    public async Task<SecurityProfilesOperatorDaemon> WaitForSpodAsync(Func<SecurityProfilesOperatorDaemon, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var spod = await Spods.GetAsync(SpodKey);
            if (spod is not null && condition(spod))
            {
                return spod;
            }

            Assert.True(DateTime.UtcNow < deadline, "the SPOD did not reach the expected status; it is " + spod?.Status?.State?.Value + ": " + spod?.Status?.Conditions?.FirstOrDefault()?.Message);
            await Task.Delay(20);
        }
    }

    public static SpodCondition Ready(SecurityProfilesOperatorDaemon spod) => Assert.Single(spod.Status!.Conditions!, c => c.Type == "Ready");

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _running.ToList())
        {
            await StopAsync(entry.Operator);
        }
    }

    // The service provider disposes what its factories made; the shared backend outlives every instance.
    private sealed class SharedBackend(IClusterBackend inner) : IClusterBackend
    {
        public IResourceClient<T> Resource<T>()
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.Resource<T>();
    }
}
