using k8s.Models;
using SpoSdk.Api.V1;
using SpoSdk.Profiles.Spod;

namespace SpoSdk.Tests.Profiles.Spod;

/// <summary>The SPOD state machine and daemon placement, as pure functions of what is observed.</summary>
public sealed class SpodRolloutTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_first_rollout_goes_pending_creating_running_and_a_new_generation_goes_updating_then_running()
    {
        string[] nodes = ["node-a", "node-b"];
        var gen1 = Settings(generation: 1);

        var pending = SpodRollout.Evaluate(null, gen1, nodes, [], Now);
        Assert.Equal((SpodState.Pending, "Pending", "waiting for the daemon on node-a, node-b"), (pending.State, pending.Reason, pending.Message));
        Assert.Null(pending.RecheckAfter);

        var creating = SpodRollout.Evaluate(pending.State, gen1, nodes, [Beat("node-a", 1)], Now);
        Assert.Equal((SpodState.Creating, "Creating", "the daemon runs on 1 of 2 node(s); waiting for node-b"), (creating.State, creating.Reason, creating.Message));

        var running = SpodRollout.Evaluate(creating.State, gen1, nodes, [Beat("node-a", 1), Beat("node-b", 1)], Now);
        Assert.Equal((SpodState.Running, "Available", true), (running.State, running.Reason, running.IsReady));
        Assert.Equal("the daemon runs on all 2 expected node(s) with SPOD generation 1", running.Message);

        var gen2 = Settings(generation: 2);
        var updating = SpodRollout.Evaluate(running.State, gen2, nodes, [Beat("node-a", 2), Beat("node-b", 1)], Now);
        Assert.Equal((SpodState.Updating, "Updating", "1 of 2 node(s) run SPOD generation 2; waiting for node-b"), (updating.State, updating.Reason, updating.Message));
        Assert.False(updating.IsReady);

        var updated = SpodRollout.Evaluate(updating.State, gen2, nodes, [Beat("node-a", 2), Beat("node-b", 2)], Now);
        Assert.Equal(SpodState.Running, updated.State);
    }

    [Fact]
    public void A_heartbeat_that_runs_out_makes_a_running_spod_updating_and_the_recheck_lands_just_after_the_expiry()
    {
        var settings = Settings(generation: 3);
        var aging = Beat("node-a", 3, renewedAgo: TimeSpan.FromSeconds(30));

        var running = SpodRollout.Evaluate(SpodState.Running, settings, ["node-a"], [aging], Now);
        Assert.Equal(SpodState.Running, running.State);
        Assert.Equal(TimeSpan.FromSeconds(10) + TimeSpan.FromMilliseconds(50), running.RecheckAfter);

        var expired = SpodRollout.Evaluate(running.State, settings, ["node-a"], [aging], Now + running.RecheckAfter!.Value);
        Assert.Equal((SpodState.Updating, "0 of 1 node(s) run SPOD generation 3; waiting for node-a"), (expired.State, expired.Message));
    }

    [Fact]
    public void Heartbeats_of_nodes_not_expected_do_not_count_and_long_waiting_lists_are_cut()
    {
        var nodes = Enumerable.Range(1, 8).Select(i => "node-" + i).ToArray();

        var status = SpodRollout.Evaluate(null, Settings(generation: 1), nodes, [Beat("elsewhere", 1)], Now);

        Assert.Equal((SpodState.Pending, "waiting for the daemon on node-1, node-2, node-3, node-4, node-5 and 3 more"), (status.State, status.Message));
    }

    [Fact]
    public void Invalid_configuration_is_an_error_whatever_runs_and_fixing_it_is_an_update()
    {
        var broken = SpodSettings.From(SpodSettingsTests.Spod(new SecurityProfilesOperatorDaemonSpec
        {
            Security = new SecurityProfilesOperatorDaemonSecurity { AllowedSeccompActions = [SpodSeccompAction.ScmpActKill] },
        }));

        var error = SpodRollout.Evaluate(SpodState.Running, broken, ["node-a"], [Beat("node-a", 0)], Now);
        Assert.Equal((SpodState.Error, "Unavailable", false), (error.State, error.Reason, error.IsReady));
        Assert.Contains("spec.security.allowedSeccompActions[0]: seccomp action not allowed: SCMP_ACT_KILL", error.Message, StringComparison.Ordinal);

        var fixedSettings = Settings(generation: 2);
        Assert.Equal(SpodState.Updating, SpodRollout.Evaluate(error.State, fixedSettings, ["node-a"], [Beat("node-a", 1)], Now).State);
    }

    [Fact]
    public void Without_nodes_the_spod_is_pending()
    {
        var status = SpodRollout.Evaluate(SpodState.Running, Settings(generation: 1), [], [Beat("node-a", 1)], Now);

        Assert.Equal((SpodState.Pending, "no node to run the daemon on"), (status.State, status.Message));
    }

    [Fact]
    public void Placement_follows_tolerations_and_the_os_label()
    {
        var plain = Node("plain");
        var controlPlane = Node("cp", taint: new V1Taint { Key = "node-role.kubernetes.io/control-plane", Effect = "NoSchedule" });
        var gpu = Node("gpu", taint: new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" });
        var preferNot = Node("prefer", taint: new V1Taint { Key = "dedicated", Value = "gpu", Effect = "PreferNoSchedule" });
        var cordoned = Node("cordoned", taint: new V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" });
        var windows = Node("win", os: "windows");

        var defaults = SpodSettings.Default;
        Assert.Equal(
            ["plain", "cp", "prefer", "cordoned"],
            new[] { plain, controlPlane, gpu, preferNot, cordoned, windows }.Where(n => DaemonPlacement.RunsOn(n, defaults)).Select(n => n.Metadata.Name));

        var tolerateGpu = SpodSettings.From(SpodSettingsTests.Spod(new SecurityProfilesOperatorDaemonSpec
        {
            Scheduling = new SecurityProfilesOperatorDaemonScheduling { Tolerations = [new SpodToleration { Key = "dedicated", Operator = "Equal", Value = "gpu", Effect = "NoSchedule" }] },
        }));
        Assert.True(DaemonPlacement.RunsOn(gpu, tolerateGpu));
        Assert.False(DaemonPlacement.RunsOn(controlPlane, tolerateGpu));
        Assert.False(DaemonPlacement.Tolerates(new DaemonToleration("dedicated", null, "cpu", null), gpu.Spec.Taints[0]));
        Assert.True(DaemonPlacement.Tolerates(new DaemonToleration(null, "Exists", null, null), gpu.Spec.Taints[0]));
    }

    private static SpodSettings Settings(long generation)
    {
        var spod = SpodSettingsTests.Spod(new SecurityProfilesOperatorDaemonSpec());
        spod.Metadata.Generation = generation;
        return SpodSettings.From(spod);
    }

    private static DaemonHeartbeatView Beat(string node, long generation, TimeSpan? renewedAgo = null) =>
        new(node, generation, Now - (renewedAgo ?? TimeSpan.FromSeconds(1)), DaemonHeartbeat.DefaultLeaseDuration);

    private static V1Node Node(string name, V1Taint? taint = null, string os = "linux") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/os"] = os } },
        Spec = new V1NodeSpec { Taints = taint is null ? null : [taint] },
    };
}
