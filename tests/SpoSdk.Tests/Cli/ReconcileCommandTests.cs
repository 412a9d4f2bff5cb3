using SpoSdk.Cli;

namespace SpoSdk.Tests.Cli;

/// <summary><c>spoc reconcile</c>: a one-shot node run over a folder of manifests.</summary>
public sealed class ReconcileCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-reconcile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Installs_every_profile_and_reports_each()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        await File.WriteAllTextAsync(Path.Combine(manifests, "profiles.yaml"), """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: base}
            spec:
              defaultAction: SCMP_ACT_ERRNO
              syscalls: [{action: SCMP_ACT_ALLOW, names: [read, write]}]
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: app}
            spec:
              defaultAction: SCMP_ACT_ERRNO
              baseProfileName: base
              syscalls: [{action: SCMP_ACT_ALLOW, names: [openat]}]
            """);
        var root = Path.Combine(_dir, "root");

        var (code, stdout, stderr) = await RunAsync("reconcile", "--manifests", manifests, "--node-root", root, "--node-name", "worker-1");

        Assert.True(code == 0, stderr);
        Assert.Equal(
            [
                "SeccompProfile\tapp\tInstalled\t/var/lib/kubelet/seccomp/operator/app.json",
                "SeccompProfile\tbase\tInstalled\t/var/lib/kubelet/seccomp/operator/base.json",
            ],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"names\":[\"openat\",\"read\",\"write\"]", await File.ReadAllTextAsync(Path.Combine(root, "var/lib/kubelet/seccomp/operator/app.json")));
    }

    [Fact]
    public async Task A_manifest_saved_from_a_cluster_with_its_resourceVersion_is_installed()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        await File.WriteAllTextAsync(Path.Combine(manifests, "dump.yaml"), "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: dumped, resourceVersion: \"4711\"}\nspec: {defaultAction: SCMP_ACT_ERRNO}\n");

        var (code, stdout, stderr) = await RunAsync("reconcile", "--manifests", manifests, "--node-root", Path.Combine(_dir, "root"));

        Assert.True(code == 0, stderr);
        Assert.StartsWith("SeccompProfile\tdumped\tInstalled\t", stdout.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_in_error_exits_one_with_the_reason()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        await File.WriteAllTextAsync(Path.Combine(manifests, "p.yaml"), "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: orphan}\nspec: {defaultAction: SCMP_ACT_ERRNO, baseProfileName: nowhere}\n");

        var (code, stdout, _) = await RunAsync("reconcile", "--manifests", manifests, "--node-root", Path.Combine(_dir, "root"));

        Assert.Equal(1, code);
        Assert.Equal("SeccompProfile\torphan\tError\tbase profile nowhere does not exist", stdout.Trim());
    }

    private const string Spod = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SecurityProfilesOperatorDaemon
        metadata: {name: spod, namespace: security-profiles-operator}
        spec:
          enableAppArmor: true
          selinux: {enableRawSelinuxProfiles: true}
        """;

    [Fact]
    public async Task Every_profile_kind_is_installed_and_reported_by_kind_then_name()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        await File.WriteAllTextAsync(Path.Combine(manifests, "spod.yaml"), Spod);
        await File.WriteAllTextAsync(Path.Combine(manifests, "profiles.yaml"), """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: sc}
            spec: {defaultAction: SCMP_ACT_LOG}
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: AppArmorProfile
            metadata: {name: aa}
            spec:
              abstract:
                filesystem: {readOnlyPaths: [/etc/nginx/**]}
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SelinuxProfile
            metadata: {name: se}
            spec:
              allow: {var_log_t: {file: [read, open]}}
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
            kind: RawSelinuxProfile
            metadata: {name: raw}
            spec:
              policy: |
                (type process)
            """);
        var root = Path.Combine(_dir, "root");

        var (code, stdout, stderr) = await RunAsync("reconcile", "--manifests", manifests, "--node-root", root);

        Assert.True(code == 0, stderr + stdout);
        Assert.Equal(
            [
                "AppArmorProfile\taa\tInstalled\t/etc/apparmor.d/aa",
                "RawSelinuxProfile\traw\tInstalled\t/etc/selinux.d/raw.cil",
                "SeccompProfile\tsc\tInstalled\t/var/lib/kubelet/seccomp/operator/sc.json",
                "SelinuxProfile\tse\tInstalled\t/etc/selinux.d/se.cil",
            ],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("(block se\n(blockinherit container)\n(allow process var_log_t ( file ( open read )))\n)\n", await File.ReadAllTextAsync(Path.Combine(root, "etc/selinux.d/se.cil")));
        Assert.Equal("(block raw_\n    (type process)\n)", await File.ReadAllTextAsync(Path.Combine(root, "etc/selinux.d/raw.cil")));
        Assert.Contains("profile aa flags=(enforce,attach_disconnected,mediate_deleted) {", await File.ReadAllTextAsync(Path.Combine(root, "etc/apparmor.d/aa")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.yaml", "b.yaml", "SelinuxProfile", "RawSelinuxProfile")]
    [InlineData("b.yaml", "a.yaml", "RawSelinuxProfile", "SelinuxProfile")]
    public async Task Two_profiles_writing_one_node_file_the_first_in_manifest_order_wins_and_the_later_is_an_error(string selinuxFile, string rawFile, string winner, string loser)
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        await File.WriteAllTextAsync(Path.Combine(manifests, "0-spod.yaml"), Spod);
        await File.WriteAllTextAsync(Path.Combine(manifests, selinuxFile), "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SelinuxProfile\nmetadata: {name: shared}\nspec: {allow: {var_log_t: {file: [read]}}}\n");
        await File.WriteAllTextAsync(Path.Combine(manifests, rawFile), "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: RawSelinuxProfile\nmetadata: {name: shared}\nspec: {policy: '(type process)'}\n");
        var root = Path.Combine(_dir, "root");

        for (var run = 0; run < 3; run++)
        {
            var (code, stdout, _) = await RunAsync("reconcile", "--manifests", manifests, "--node-root", root);

            Assert.Equal(1, code);
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => l.Split('\t')[0]);
            Assert.Equal(winner + "\tshared\tInstalled\t/etc/selinux.d/shared.cil", lines[winner]);
            Assert.Equal(loser + "\tshared\tError\t/etc/selinux.d/shared.cil on node local-node already belongs to " + winner + "/shared; " + loser + "/shared was not installed (a node file is never overwritten)", lines[loser]);
            Assert.StartsWith(winner == "SelinuxProfile" ? "(block shared\n" : "(block shared_\n", await File.ReadAllTextAsync(Path.Combine(root, "etc/selinux.d/shared.cil")), StringComparison.Ordinal);
        }
    }

    private const string ProfileA = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata: {name: a}
        spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{action: SCMP_ACT_ALLOW, names: [read]}]}
        """;

    [Fact]
    public async Task Linked_and_hidden_folders_are_skipped_so_no_manifest_is_read_twice()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        var v1 = Directory.CreateDirectory(Path.Combine(manifests, "v1")).FullName;
        await File.WriteAllTextAsync(Path.Combine(v1, "a.yaml"), ProfileA);
        Directory.CreateSymbolicLink(Path.Combine(manifests, "current"), "v1");
        await File.WriteAllTextAsync(Path.Combine(Directory.CreateDirectory(Path.Combine(manifests, ".git")).FullName, "a.yaml"), ProfileA);

        var (code, stdout, stderr) = await RunAsync("reconcile", "--manifests", manifests, "--node-root", Path.Combine(_dir, "node"));

        Assert.True(code == 0, stderr);
        Assert.Equal("SeccompProfile\ta\tInstalled\t/var/lib/kubelet/seccomp/operator/a.json\n", stdout);
    }

    [Fact]
    public async Task A_folder_link_loop_is_not_followed()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        var v1 = Directory.CreateDirectory(Path.Combine(manifests, "v1")).FullName;
        await File.WriteAllTextAsync(Path.Combine(v1, "a.yaml"), ProfileA);
        Directory.CreateSymbolicLink(Path.Combine(v1, "loop"), "..");

        // Followed, the loop is read ~2^40 times over; a minute is far more than the run needs.
        var (code, stdout, stderr) = await RunAsync("reconcile", "--manifests", manifests, "--node-root", Path.Combine(_dir, "node")).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(code == 0, stderr);
        Assert.Equal("SeccompProfile\ta\tInstalled\t/var/lib/kubelet/seccomp/operator/a.json\n", stdout);
    }

    [Fact]
    public async Task Unreadable_input_exits_two()
    {
        Assert.Equal(2, (await RunAsync("reconcile", "--manifests", Path.Combine(_dir, "none"), "--node-root", _dir)).Code);
        Assert.Equal(2, (await RunAsync("reconcile", "--manifests")).Code);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(args, TextReader.Null, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
