using SpoSdk.Recording.Launch;
using SpoSdk.Recording.Seccomp;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Recording.EndToEnd;

/// <summary><c>spoc run</c>: actions, errnoRet, argument conditions, flags and raw JSON, on real processes.</summary>
public sealed class SpocRunTests : IClassFixture<RecordingEnvironment>, IDisposable
{
    private readonly RecordingEnvironment _environment;
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Directory.CreateTempSubdirectory("spoc-run-").FullName;

    public SpocRunTests(RecordingEnvironment environment, ITestOutputHelper output)
    {
        _environment = environment;
        _output = output;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task RawJson_ErrnoRetIsReturned()
    {
        if (!_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var profile = Write("raw.json", """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}""");
        var target = Path.Combine(_directory, "denied");

        var result = await SpocProcess.RunAsync("run", "--profile", profile, "--", "mkdir", target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Permission denied", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task ArgumentConditions_SelectCalls()
    {
        if (!_environment.RequireLibseccomp(_output))
        {
            return;
        }

        // kill(pid, 0) is refused, kill(pid, SIGCONT) is not.
        var profile = Write("args.yaml", """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata:
              name: no-probe
            spec:
              defaultAction: SCMP_ACT_ALLOW
              syscalls:
              - action: SCMP_ACT_ERRNO
                names: [kill]
                args:
                - index: 1
                  value: 0
                  op: SCMP_CMP_EQ
            """);

        var result = await SpocProcess.RunAsync("run", "-p", profile, "--", "sh", "-c", "kill -0 $$ && echo probe; kill -CONT $$ && echo cont");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("cont\n", result.Stdout);
        Assert.Contains("Operation not permitted", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitCodeAndSignals_ArePropagated()
    {
        if (!_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var profile = Write("allow.json", """{"defaultAction":"SCMP_ACT_ALLOW"}""");

        Assert.Equal(42, (await SpocProcess.RunAsync("run", "--profile", profile, "--", "sh", "-c", "exit 42")).ExitCode);
        Assert.Equal(128 + 15, (await SpocProcess.RunAsync("run", "--profile", profile, "--", "sh", "-c", "kill -TERM $$")).ExitCode);
        Assert.Equal(LauncherChild.NotFound, (await SpocProcess.RunAsync("run", "--profile", profile, "--", "no-such-command-" + Guid.NewGuid().ToString("N"))).ExitCode);
    }

    [Fact]
    public async Task KillProcessAction_EndsTheCommandWithSigsys()
    {
        if (!_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var profile = Write("kill.json", """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getppid"],"action":"SCMP_ACT_KILL_PROCESS"}]}""");

        var result = await SpocProcess.RunAsync("run", "--profile", profile, "--", "sh", "-c", "echo $PPID");

        Assert.Equal(128 + 31, result.ExitCode);
    }

    [Fact]
    public async Task FlagsTheLibraryLacks_AreAClearError()
    {
        if (!_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var profile = Write("waitkill.json", """{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]}""");

        var result = await SpocProcess.RunAsync("run", "--profile", profile, "--", "true");

        var version = Libseccomp.VersionText().Split('.').Select(int.Parse).ToArray();
        if (version[0] > 2 || (version[0] == 2 && version[1] >= 6))
        {
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        else
        {
            Assert.Equal(LauncherChild.LauncherFailed, result.ExitCode);
            Assert.Contains("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not supported by the installed libseccomp " + Libseccomp.VersionText(), result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SupportedFlagsAndUnknownNames_Run()
    {
        if (!_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var profile = Write("log.json", """
            {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_AARCH64"],
             "flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_TSYNC"],
             "syscalls":[{"names":["no_such_syscall","mkdir"],"action":"SCMP_ACT_LOG"}]}
            """);

        var result = await SpocProcess.RunAsync("run", "--profile", profile, "--", "sh", "-c", "echo ok");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ok\n", result.Stdout);
        Assert.Contains("no_such_syscall is unknown", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("SECCOMP_FILTER_FLAG_TSYNC has no effect", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnusableProfiles_FailBeforeRunning()
    {
        if (!_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var marker = Path.Combine(_directory, "ran");
        var notify = Write("notify.json", """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}""");
        var badOp = Write("op.json", """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_BOGUS"}]}]}""");
        var selinux = Write("selinux.yaml", """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SelinuxProfile
            metadata:
              name: x
            spec:
              inherit: [{name: container}]
            """);

        foreach (var (profile, message) in new[] { (notify, "SCMP_ACT_NOTIFY needs a seccomp notification listener"), (badOp, "unknown operator SCMP_CMP_BOGUS"), (selinux, "must hold exactly one SeccompProfile") })
        {
            var result = await SpocProcess.RunAsync("run", "--profile", profile, "--", "touch", marker);
            Assert.Equal(LauncherChild.LauncherFailed, result.ExitCode);
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(marker));
        Assert.Equal(LauncherChild.LauncherFailed, (await SpocProcess.RunAsync("run", "--", "true")).ExitCode);
    }

    [Fact]
    public async Task A_duplicate_key_in_json_is_reported_with_the_file_and_the_key()
    {
        var raw = Write("dup.json", """{"defaultAction":"SCMP_ACT_ALLOW","defaultAction":"SCMP_ACT_LOG"}""");
        var manifest = Write("dup-manifest.json", """{"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"SeccompProfile","metadata":{"name":"d"},"spec":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_LOG","names":["read"],"names":["write"]}]}}""");

        foreach (var (profile, key) in new[] { (raw, "$.defaultAction"), (manifest, "$.spec.syscalls[0].names") })
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await SpoSdk.Cli.SpocApp.RunAsync(["run", "--profile", profile, "--", "/bin/true"], TextReader.Null, stdout, stderr);

            Assert.Equal(LauncherChild.LauncherFailed, code);
            Assert.Equal("spoc run: " + profile + ": duplicate key " + key + "\n", stderr.ToString());
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
