using k8s.Models;
using SpoSdk.Api.V1;
using SpoSdk.Node.Commands;
using SpoSdk.Profiles.AppArmor;
using SpoSdk.Runtime;
using SpoSdk.Tests.Translators;
using SpoSdk.Translators.AppArmor;
using Xunit.Abstractions;
using static SpoSdk.Tests.Translators.AppArmor.AppArmorVectors;

namespace SpoSdk.Tests.Profiles.AppArmor;

/// <summary>
/// AppArmorProfiles on one node: file-based under a temp node root (every written profile compiled
/// by the real <c>apparmor_parser -Q -K</c>), and loaded through a recording runner where the node
/// root plays the host.
/// </summary>
public sealed class AppArmorNodeReconcilerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_profile_is_written_as_crd2armor_renders_it_and_the_real_parser_compiles_the_file()
    {
        await using var node = new LsmNodeFixture();
        await node.AppArmor.CreateAsync(Profile("nginx-profile", AppArmorProfileMode.Enforce));
        await node.AppArmor.CreateAsync(Profile("nginx-complain", AppArmorProfileMode.Complain));

        await node.SettleAsync(async () => (await node.AppArmor.ListAsync()).Items.All(p => p.Status?.Status == AppArmorProfileState.Installed));

        Assert.Equal(NginxEnforce, await File.ReadAllTextAsync(node.AppArmorFile("nginx-profile")));
        Assert.Contains("profile nginx-complain flags=(complain,attach_disconnected,mediate_deleted) {", await File.ReadAllTextAsync(node.AppArmorFile("nginx-complain")), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(node.AppArmorFile("nginx-profile")));
        var profile = (await node.AppArmor.GetAsync(ObjectKey.Cluster("nginx-profile")))!;
        Assert.Contains("node-1-deleted", profile.Metadata.Finalizers);
        Assert.Equal(("True", "Available"), (profile.Status!.Conditions!.Single().Status.Value, profile.Status.Conditions!.Single().Reason));

        await AssertNodeProfilesCompileAsync(node);
    }

    // One real `apparmor_parser -Q -K` run over every profile file the reconciler wrote.
    private async Task AssertNodeProfilesCompileAsync(LsmNodeFixture node)
    {
        var files = Directory.GetFiles(Path.Combine(node.Root, "etc/apparmor.d")).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        if (TranslatorTestEnvironment.RequiredTool("apparmor_parser", "apparmor", output, AppArmorPolicyChecker.ParserLocations.ToArray()) is { } parser)
        {
            var result = await new AppArmorPolicyChecker(new ProcessCommandRunner(), parser).CheckFilesAsync(files);
            Assert.True(result.Succeeded, "apparmor_parser -Q -K rejected the written files: " + result.StandardError);
        }
    }

    [Fact]
    public async Task A_profile_the_kernel_already_has_from_the_host_is_refused_and_its_file_left_alone_while_our_own_resyncs()
    {
        await using var node = new LsmNodeFixture();
        var kernelList = Path.Combine(node.Root, "sys/kernel/security/apparmor/profiles");
        Directory.CreateDirectory(Path.GetDirectoryName(kernelList)!);
        await File.WriteAllTextAsync(kernelList, "docker-default (enforce)\nhost-nginx (enforce)\nhost-nginx-extra (complain)\n");
        Directory.CreateDirectory(Path.GetDirectoryName(node.AppArmorFile("host-nginx"))!);
        await File.WriteAllTextAsync(node.AppArmorFile("host-nginx"), "# the host's own profile\n");

        await node.AppArmor.CreateAsync(Profile("host-nginx", AppArmorProfileMode.Enforce));
        await node.AppArmor.CreateAsync(Profile("ours", AppArmorProfileMode.Enforce));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("host-nginx")))?.Status?.Status == AppArmorProfileState.Error
            && (await node.AppArmor.GetAsync(ObjectKey.Cluster("ours")))?.Status?.Status == AppArmorProfileState.Installed);

        var warning = Assert.Single(await node.WarningsAsync("AppArmorProfile", "host-nginx"));
        Assert.Equal("CannotSaveAppArmorProfile", warning.Reason);
        Assert.StartsWith("profile exists: the kernel of node node-1 already has an AppArmor profile named host-nginx", warning.Message, StringComparison.Ordinal);
        Assert.Equal("# the host's own profile\n", await File.ReadAllTextAsync(node.AppArmorFile("host-nginx")));

        // Once the kernel lists our own profile, a resync of it is not a conflict.
        await File.AppendAllTextAsync(kernelList, "ours (enforce)\n");
        await node.AppArmor.UpdateAsync(WithAnnotation((await node.AppArmor.GetAsync(ObjectKey.Cluster("ours")))!));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("ours")))?.Status?.Status == AppArmorProfileState.Installed);
        Assert.Empty(await node.WarningsAsync("AppArmorProfile", "ours"));
    }

    private static AppArmorProfile WithAnnotation(AppArmorProfile profile)
    {
        profile.Metadata.Annotations ??= new Dictionary<string, string>();
        profile.Metadata.Annotations["touched"] = "yes";
        return profile;
    }

    [Fact]
    public async Task The_spod_gate_refuses_profiles_until_apparmor_is_enabled()
    {
        await using var node = new LsmNodeFixture();
        await node.SetSpodAsync(new SecurityProfilesOperatorDaemonSpec());
        await node.AppArmor.CreateAsync(Profile("gated", AppArmorProfileMode.Enforce));

        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("gated")))?.Status?.Status == AppArmorProfileState.Error);
        Assert.False(File.Exists(node.AppArmorFile("gated")));
        Assert.Contains(await node.WarningsAsync("AppArmorProfile", "gated"), e => e.Reason == "AppArmorDisabled" && e.Message == "AppArmor support is off: SecurityProfilesOperatorDaemon security-profiles-operator/spod does not set spec.enableAppArmor=true");

        await node.SetSpodAsync(new SecurityProfilesOperatorDaemonSpec { EnableAppArmor = true });
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("gated")))?.Status?.Status == AppArmorProfileState.Installed);
        Assert.True(File.Exists(node.AppArmorFile("gated")));
        await AssertNodeProfilesCompileAsync(node);
    }

    [Fact]
    public async Task A_rule_that_could_inject_policy_is_an_error_with_its_json_path_and_nothing_is_written()
    {
        await using var node = new LsmNodeFixture();
        var profile = Profile("injected", AppArmorProfileMode.Enforce);
        profile.Spec!.Abstract!.Filesystem!.ReadOnlyPaths = ["/etc/nginx/**", "/usr/bin/nginx, /etc/passwd"];
        await node.AppArmor.CreateAsync(profile);

        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("injected")))?.Status?.Status == AppArmorProfileState.Error);
        var warning = Assert.Single(await node.WarningsAsync("AppArmorProfile", "injected"));
        Assert.Equal("CannotSaveAppArmorProfile", warning.Reason);
        Assert.StartsWith("$.spec.abstract.filesystem.readOnlyPaths[1]: ", warning.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(node.AppArmorFile("injected")));
    }

    [Fact]
    public async Task The_parser_loads_replaces_and_removes_with_argument_arrays_and_a_resync_runs_nothing()
    {
        var runner = new RecordingCommandRunner();
        await using var node = new LsmNodeFixture(loader: files => new AppArmorParserLoader(runner, files, "/usr/sbin/apparmor_parser"), prepareRoot: root => LsmNodeFixture.WriteHostFile(root, AppArmorKernel.Switch, "Y\n"));
        var file = node.AppArmorFile("web");
        await node.AppArmor.CreateAsync(Profile("web", AppArmorProfileMode.Enforce));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("web")))?.Status?.Status == AppArmorProfileState.Installed);
        var load = Assert.Single(runner.Calls);
        Assert.Equal("/usr/sbin/apparmor_parser", load.FileName);
        Assert.Equal(["-r", "-K", "--", file], load.Arguments);
        Assert.True(load.FileExisted);

        await node.AppArmor.UpdateWithRetryAsync(ObjectKey.Cluster("web"), p => { p.Spec!.Mode = AppArmorProfileMode.Complain; return true; });
        await node.SettleAsync(() => Task.FromResult(runner.Calls.Count == 2));
        Assert.Equal(["-r", "-K", "--", file], runner.Calls[1].Arguments);
        Assert.Contains("flags=(complain,", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

        node.Resync();
        await node.SettleAsync(() => Task.FromResult(true));
        Assert.Equal(2, runner.Calls.Count);
        await AssertNodeProfilesCompileAsync(node);

        await node.AppArmor.DeleteAsync(ObjectKey.Cluster("web"));
        await node.SettleAsync(async () => await node.AppArmor.GetAsync(ObjectKey.Cluster("web")) is null);
        var unload = runner.Calls[^1];
        Assert.Equal(["-R", "--", file], unload.Arguments);
        Assert.True(unload.FileExisted, "apparmor_parser -R reads the profile names from the file, so it must still be there");
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task On_a_kernel_without_apparmor_or_when_the_parser_fails_the_status_says_why()
    {
        var runner = new RecordingCommandRunner { ExitCode = 1, StandardError = "AppArmor parser error at line 7:\nsyntax error" };
        await using var node = new LsmNodeFixture(loader: files => new AppArmorParserLoader(runner, files, "/usr/sbin/apparmor_parser"));
        await node.AppArmor.CreateAsync(Profile("nokernel", AppArmorProfileMode.Enforce));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("nokernel")))?.Status?.Status == AppArmorProfileState.Error);
        Assert.Contains(await node.WarningsAsync("AppArmorProfile", "nokernel"), e => e.Message == "AppArmor is not enabled in the kernel of this node (/sys/module/apparmor/parameters/enabled is not Y)");
        Assert.Empty(runner.Calls);

        LsmNodeFixture.WriteHostFile(node.Root, AppArmorKernel.Switch, "Y\n");
        await node.AppArmor.CreateAsync(Profile("broken", AppArmorProfileMode.Enforce));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("broken")))?.Status?.Status == AppArmorProfileState.Error);
        Assert.Contains(await node.WarningsAsync("AppArmorProfile", "broken"), e => e.Message == "apparmor_parser could not load broken (exit 1): AppArmor parser error at line 7: syntax error");
    }

    private static AppArmorProfile Profile(string name, AppArmorProfileMode mode) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new AppArmorProfileSpec { Mode = mode, Abstract = Nginx() },
    };

    // Host profile files are named after the binary (usr.sbin.cupsd) but define the binary's path: the kernel's list
    // does not show them under the file's name, the file itself does.
    [Fact]
    public async Task A_host_file_at_the_path_is_never_replaced_whatever_profile_it_defines()
    {
        await using var node = new LsmNodeFixture();
        LsmNodeFixture.WriteHostFile(node.Root, "/sys/kernel/security/apparmor/profiles", "/usr/sbin/cupsd (enforce)\n");
        LsmNodeFixture.WriteHostFile(node.Root, "/etc/apparmor.d/usr.sbin.cupsd", "# host profile for /usr/sbin/cupsd\n");

        await node.AppArmor.CreateAsync(Profile("usr.sbin.cupsd", AppArmorProfileMode.Enforce));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("usr.sbin.cupsd")))?.Status?.Status == AppArmorProfileState.Error);

        Assert.Equal("# host profile for /usr/sbin/cupsd\n", await File.ReadAllTextAsync(node.AppArmorFile("usr.sbin.cupsd")));
        await node.AppArmor.DeleteAsync(ObjectKey.Cluster("usr.sbin.cupsd"));
        await node.SettleAsync(async () => await node.AppArmor.GetAsync(ObjectKey.Cluster("usr.sbin.cupsd")) is null);
        Assert.True(File.Exists(node.AppArmorFile("usr.sbin.cupsd")));
    }

    // A file an operator generated (written before a restart that lost its claim, or by upstream's operator) is
    // not a host profile: it is managed as ours.
    [Fact]
    public async Task A_generated_file_at_the_path_is_not_taken_for_a_host_profile()
    {
        await using var node = new LsmNodeFixture();
        LsmNodeFixture.WriteHostFile(node.Root, "/etc/apparmor.d/web", "\n" + AppArmorProfileGenerator.GeneratedMarker + "\n#include <tunables/global>\nprofile web {}\n");

        await node.AppArmor.CreateAsync(Profile("web", AppArmorProfileMode.Enforce));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("web")))?.Status?.Status == AppArmorProfileState.Installed);

        Assert.Contains("profile web flags=", await File.ReadAllTextAsync(node.AppArmorFile("web")), StringComparison.Ordinal);
    }

    // /etc/apparmor.d holds directories (abstractions, tunables, local, disable, force-complain): a profile of such a
    // name ends in an Error status with an event, not in an exception retried forever behind a Pending status.
    [Fact]
    public async Task An_apparmor_profile_named_like_a_directory_of_etc_apparmor_d_ends_in_error()
    {
        await using var node = new LsmNodeFixture(prepareRoot: root => Directory.CreateDirectory(Path.Combine(root, "etc/apparmor.d/tunables")));

        await node.AppArmor.CreateAsync(Profile("tunables", AppArmorProfileMode.Enforce));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("tunables")))?.Status?.Status == AppArmorProfileState.Error);

        var warning = Assert.Single(await node.WarningsAsync("AppArmorProfile", "tunables"));
        Assert.Equal(("CannotSaveAppArmorProfile", "/etc/apparmor.d/tunables is a directory, not a file on node node-1; AppArmorProfile/tunables was not installed"), (warning.Reason, warning.Message));
        Assert.True(Directory.Exists(node.AppArmorFile("tunables")));
    }

    // Upstream's operator before a migration, or this daemon restarted between the load and its first status write: the
    // profile is both in the kernel's list and in a file carrying the generated marker, and it is ours to manage.
    [Fact]
    public async Task A_profile_an_operator_generated_and_loaded_before_is_taken_over_not_refused()
    {
        await using var node = new LsmNodeFixture();
        LsmNodeFixture.WriteHostFile(node.Root, "/sys/kernel/security/apparmor/profiles", "web (enforce)\n");
        LsmNodeFixture.WriteHostFile(node.Root, "/etc/apparmor.d/web", "\n" + AppArmorProfileGenerator.GeneratedMarker + "\n#include <tunables/global>\nprofile web {}\n");

        await node.AppArmor.CreateAsync(Profile("web", AppArmorProfileMode.Enforce));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("web")))?.Status?.Status == AppArmorProfileState.Installed);

        Assert.Contains("profile web flags=", await File.ReadAllTextAsync(node.AppArmorFile("web")), StringComparison.Ordinal);
        Assert.Empty(await node.WarningsAsync("AppArmorProfile", "web"));
    }
}
