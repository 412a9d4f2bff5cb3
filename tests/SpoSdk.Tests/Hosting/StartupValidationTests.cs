using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Hosting;

namespace SpoSdk.Tests.Hosting;

/// <summary>A configuration that cannot work fails <c>AddSecurityProfilesOperator</c> at once, naming the option.</summary>
public sealed class StartupValidationTests
{
    public static TheoryData<string, Action<SpoOperatorBuilder>> Conflicts => new()
    {
        { "no backend", spo => spo.AddSeccomp() },
        { "no component", spo => spo.UseInMemoryBackend() },
        { "ManagerOnly() and DaemonOnly() both called", spo => spo.UseInMemoryBackend().AddSeccomp().ManagerOnly().DaemonOnly() },
        { "ManagerOnly() and DaemonOnly() both called", spo => spo.UseInMemoryBackend().AddSeccomp().DaemonOnly().ManagerOnly() },
        { "AddLogEnricher() with ManagerOnly()", spo => spo.UseInMemoryBackend().AddSeccomp().AddLogEnricher().ManagerOnly() },
        { "AddSelinux(installer) with ManagerOnly()", spo => spo.UseInMemoryBackend().AddSelinux((files, runner) => new SpoSdk.Profiles.Selinux.SemodulePolicyInstaller(runner, files)).ManagerOnly() },
        { "UseOciBaseProfiles(...) with ManagerOnly()", spo => spo.UseInMemoryBackend().AddSeccomp().UseOciBaseProfiles().ManagerOnly() },
        { "WithLeaderElection() with DaemonOnly()", spo => spo.UseInMemoryBackend().AddSeccomp().DaemonOnly().WithLeaderElection() },
        { "WithExpectedNodes(...) with DaemonOnly()", spo => spo.UseInMemoryBackend().AddSeccomp().DaemonOnly().WithExpectedNodes("node-1") },
        { "InstallCrds() with DaemonOnly()", spo => spo.UseInMemoryBackend().AddSeccomp().DaemonOnly().InstallCrds() },
        { "AddRecording() on a node needs AddLogEnricher()", spo => spo.UseInMemoryBackend().AddRecording() },
        { "WithLeaderElection(): LeaderElectionOptions.LeaseDuration", spo => spo.UseInMemoryBackend().AddSeccomp().WithLeaderElection(o => o.LeaseDuration = TimeSpan.FromSeconds(5)) },
        { "WithLeaderElection(): LeaderElectionOptions.LeaseName", spo => spo.UseInMemoryBackend().AddSeccomp().WithLeaderElection(o => o.LeaseName = "Not_A_Name") },
        { "node name \"Node_1\"", spo => spo.UseInMemoryBackend().AddSeccomp().WithNodeName("Node_1") },
        { "WithOperatorNamespace(): \"Not_A_Namespace\"", spo => spo.UseInMemoryBackend().AddSeccomp().WithOperatorNamespace("Not_A_Namespace") },
        { "AddLogEnricher(): Enricher must not be null", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.Enricher = null!) },
        { "AddLogEnricher(): Enricher.Filters", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.Enricher = o.Enricher with { Filters = null! }) },
        { "AddLogEnricher(): Enricher.BacklogCapacity must", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.Enricher = o.Enricher with { BacklogCapacity = 0 }) },
        { "AddLogEnricher(): Enricher.BacklogCapacityPerProcess", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.Enricher = o.Enricher with { BacklogCapacityPerProcess = 0 }) },
        { "AddLogEnricher(): Enricher.BacklogTimeToLive", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.Enricher = o.Enricher with { BacklogTimeToLive = TimeSpan.Zero }) },
        { "AddLogEnricher(): Enricher.SweepInterval", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.Enricher = o.Enricher with { SweepInterval = TimeSpan.Zero }) },
        { "AddLogEnricher(): ProcRoot", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.ProcRoot = string.Empty) },
        { "AddLogEnricher(): DrainTimeout must be at most", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.DrainTimeout = TimeSpan.MaxValue) },
        { "AddLogEnricher(): DrainTimeout must be positive", spo => spo.UseInMemoryBackend().AddLogEnricher(o => o.DrainTimeout = Timeout.InfiniteTimeSpan) },
    };

    [Theory]
    [MemberData(nameof(Conflicts))]
    public void A_conflicting_configuration_fails_at_registration_naming_the_option(string expected, Action<SpoOperatorBuilder> configure)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddSecurityProfilesOperator(configure));

        Assert.StartsWith("AddSecurityProfilesOperator: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddSecurityProfilesOperator(spo => spo.AddLogEnricher().ManagerOnly().DaemonOnly().ManagerOnly()));

        Assert.Contains("no backend", error.Message, StringComparison.Ordinal);
        Assert.Contains("ManagerOnly() and DaemonOnly() both called", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddLogEnricher() with ManagerOnly()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_registration_in_one_service_collection_is_refused()
    {
        var services = new ServiceCollection();
        services.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeName("node-a").AddSeccomp());

        var error = Assert.Throws<InvalidOperationException>(() => services.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeName("node-b").AddAppArmor()));

        Assert.Contains("its own service provider", error.Message, StringComparison.Ordinal);
        Assert.Single(services, d => d.ServiceType == typeof(SpoOperator));
    }

    [Fact]
    public void Two_different_backends_are_refused_when_the_second_is_set()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().UseBackend(sp => throw new InvalidOperationException("not reached"))));

        Assert.Contains("two backends configured (in-memory and custom)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Consistent_role_configurations_are_accepted(bool manager)
    {
        var services = new ServiceCollection().AddSecurityProfilesOperator(spo =>
        {
            spo.UseInMemoryBackend().WithNodeRoot(Path.Combine(Path.GetTempPath(), "spo-validation-unused")).AddSeccomp().AddAppArmor();
            _ = manager ? spo.ManagerOnly().WithLeaderElection().WithExpectedNodes("node-1") : spo.DaemonOnly().AddLogEnricher().AddRecording();
        });

        Assert.Contains(services, d => d.ServiceType == typeof(SpoOperator));
        Assert.Contains(services, d => d.ServiceType == typeof(SpoOperatorHealth));
    }

    [Fact]
    public void The_host_root_with_the_in_memory_backend_is_allowed_for_installing_manifests_without_a_cluster()
    {
        // spoc reconcile --node-root / does exactly this on a node: files in, profiles installed.
        var services = new ServiceCollection().AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeRoot("/").AddSeccomp());

        Assert.Contains(services, d => d.ServiceType == typeof(SpoOperator));
    }
}
