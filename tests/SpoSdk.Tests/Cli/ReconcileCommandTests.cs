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
    public async Task A_profile_in_error_exits_one_with_the_reason()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        await File.WriteAllTextAsync(Path.Combine(manifests, "p.yaml"), "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: orphan}\nspec: {defaultAction: SCMP_ACT_ERRNO, baseProfileName: nowhere}\n");

        var (code, stdout, _) = await RunAsync("reconcile", "--manifests", manifests, "--node-root", Path.Combine(_dir, "root"));

        Assert.Equal(1, code);
        Assert.Equal("SeccompProfile\torphan\tError\tbase profile nowhere does not exist", stdout.Trim());
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
