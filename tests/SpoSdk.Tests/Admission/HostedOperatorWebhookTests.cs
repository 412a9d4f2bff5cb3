using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SpoSdk.Admission;
using SpoSdk.Api.V1;
using SpoSdk.AspNetCore.Webhooks;
using SpoSdk.Hosting;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Informers;
using SpoSdk.Tests.Admission.Infrastructure;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>
/// DESIGN.md's hosting shape end to end: <c>AddSecurityProfilesOperator</c> + <c>AddSpoWebhooks</c> +
/// <c>MapSpoWebhooks</c> in one process, the webhooks reading the operator's shared informers, and a
/// pod bound to a profile the operator itself installed — over HTTPS.
/// </summary>
public sealed class HostedOperatorWebhookTests : IDisposable
{
    private readonly string _nodeRoot = Path.Combine(Path.GetTempPath(), "spo-webhook-node-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_nodeRoot))
        {
            Directory.Delete(_nodeRoot, recursive: true);
        }
    }

    [Fact]
    public async Task A_pod_is_bound_to_a_profile_the_hosted_operator_installed()
    {
        await using var server = await WebhookServer.StartAsync(
            state: null,
            services: s => s.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeName("node-1").WithNodeRoot(_nodeRoot).AddSeccomp()));
        var spo = server.Services.GetRequiredService<SpoOperator>();
        await spo.Backend.Resource<SeccompProfile>().CreateAsync(new SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = "nginx-secure" },
            Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno, Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["read", "write"] }] },
        });
        await spo.Backend.Resource<ProfileBinding>().CreateAsync(NewBinding("nginx", ProfileBindingProfileKind.SeccompProfile, "nginx-secure", "nginx:1.27"));
        await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        var pod = PodWith([("web", "nginx:1.27")], []);

        var result = await server.PostAsync(SpoWebhooks.BindingPath, Pod("CREATE", pod));

        Assert.True(result.Allowed, result.Message);
        Assert.Equal("operator/nginx-secure.json", (string?)result.Apply(pod)["spec"]!["containers"]![0]!["securityContext"]!["seccompProfile"]!["localhostProfile"]);
        var binding = await spo.Backend.Resource<ProfileBinding>().GetAsync(new SpoSdk.Runtime.ObjectKey(Namespace, "nginx"));
        Assert.Equal([Namespace + "/pod-"], binding!.Status!.ActiveWorkloads);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Shared_informers_stop_with_the_operator_whatever_the_registration_order(bool webhooksFirst)
    {
        var services = new ServiceCollection();
        if (webhooksFirst)
        {
            services.AddSpoWebhooks();
        }

        services.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeName("node-1").WithNodeRoot(_nodeRoot).AddSeccomp());
        if (!webhooksFirst)
        {
            services.AddSpoWebhooks();
        }

        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var spo = provider.GetRequiredService<SpoOperator>();
        var factory = provider.GetRequiredService<InformerFactory>();
        await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        foreach (var service in Enumerable.Reverse(hosted))
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.True(factory.Lifetime.IsCancellationRequested);

        // After the host's stop a change to the cluster no longer reaches the operator's caches: a watcher started
        // now sees it, the shared informer (started by whichever hosted service came first) does not.
        await spo.Backend.Resource<SeccompProfile>().CreateAsync(new SeccompProfile { Metadata = new V1ObjectMeta { Name = "after-stop" }, Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno } });
        await using var control = new Informer<SeccompProfile>(spo.Backend.Resource<SeccompProfile>());
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var handler = control.AddHandler(e =>
        {
            if (e.Object.Metadata.Name == "after-stop")
            {
                seen.TrySetResult();
            }
        });
        control.Start();
        await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(factory.For<SeccompProfile>().Get(ObjectKey.Cluster("after-stop")));
    }
}
