using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Recording;
using SpoSdk.Recording.AppArmor;
using SpoSdk.Recording.Launch;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Recording.EndToEnd;

/// <summary><c>spoc record</c> (and <c>spoc run</c> of what it recorded) on real processes.</summary>
public sealed class SpocRecordTests : IClassFixture<RecordingEnvironment>, IDisposable
{
    private readonly RecordingEnvironment _environment;
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Directory.CreateTempSubdirectory("spoc-record-").FullName;

    public SpocRecordTests(RecordingEnvironment environment, ITestOutputHelper output)
    {
        _environment = environment;
        _output = output;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task RecordLs_ThenRunUnderTheProfile_GivesTheSameOutput()
    {
        if (!await _environment.RequirePtraceAsync(_output) || !_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var profilePath = Path.Combine(_directory, "ls.yaml");
        var recorded = await SpocProcess.RunAsync("record", "-o", profilePath, "--", "/bin/ls", "/");
        Assert.True(recorded.ExitCode == 0, recorded.ToString());

        var profile = new SpoSerializer().Deserialize<SeccompProfile>(await File.ReadAllTextAsync(profilePath), profilePath);
        Assert.Equal("ls", profile.Metadata.Name);
        Assert.Equal(SeccompAction.ScmpActErrno, profile.Spec.DefaultAction);
        Assert.Equal([LocalCommandRecorder.NativeArchitecture!.Value.Seccomp], profile.Spec.Architectures);
        var rule = Assert.Single(profile.Spec.Syscalls!);
        Assert.Equal(SeccompAction.ScmpActAllow, rule.Action);
        Assert.Equal(rule.Names.Order(StringComparer.Ordinal), rule.Names);
        Assert.Equal(rule.Names.Distinct(), rule.Names);
        Assert.Superset(new HashSet<string>(RecordedProfiles.DefaultBaseSyscalls), new HashSet<string>(rule.Names));
        Assert.Contains("getdents64", rule.Names);

        var plain = await SpocProcess.RunPlainAsync("/bin/ls", "/");
        var enforced = await SpocProcess.RunAsync("run", "--profile", profilePath, "--", "/bin/ls", "/");

        Assert.True(enforced.ExitCode == 0, enforced.ToString());
        Assert.Equal(plain.Stdout, enforced.Stdout);
        Assert.Equal(plain.Stdout, recorded.Stdout);
    }

    [Fact]
    public async Task SyscallOutsideTheProfile_FailsWithEperm()
    {
        if (!await _environment.RequirePtraceAsync(_output) || !_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var profilePath = Path.Combine(_directory, "ls-only.yaml");
        var recorded = await SpocProcess.RunAsync("record", "--no-base-syscalls", "-o", profilePath, "--", "/bin/ls", "/");
        Assert.True(recorded.ExitCode == 0, recorded.ToString());
        var names = new SpoSerializer().Deserialize<SeccompProfile>(await File.ReadAllTextAsync(profilePath)).Spec.Syscalls!.Single().Names;
        Assert.DoesNotContain("mkdir", names);
        Assert.DoesNotContain("mkdirat", names);

        var target = Path.Combine(_directory, "made-by-mkdir");
        var result = await SpocProcess.RunAsync("run", "--profile", profilePath, "--", "mkdir", target);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("Operation not permitted", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Record_FollowsForksAndExecs()
    {
        if (!await _environment.RequirePtraceAsync(_output) || !_environment.RequireLibseccomp(_output))
        {
            return;
        }

        var profilePath = Path.Combine(_directory, "sh.yaml");
        var recorded = await SpocProcess.RunAsync("record", "--no-base-syscalls", "-o", profilePath, "--", "sh", "-c", "ls / | wc -l");
        Assert.True(recorded.ExitCode == 0, recorded.ToString());
        var names = new SpoSerializer().Deserialize<SeccompProfile>(await File.ReadAllTextAsync(profilePath)).Spec.Syscalls!.Single().Names;

        // sh creates the pipe, forks twice and waits; ls (a child) reads the directory.
        Assert.Contains("pipe2", names);
        Assert.Contains("wait4", names);
        Assert.Contains("getdents64", names);
        Assert.Contains("execve", names);
        Assert.Contains(names, n => n is "clone" or "clone3" or "fork" or "vfork");

        var plain = await SpocProcess.RunPlainAsync("sh", "-c", "ls / | wc -l");
        Assert.Equal(plain.Stdout, recorded.Stdout);
        var enforced = await SpocProcess.RunAsync("run", "--profile", profilePath, "--", "sh", "-c", "ls / | wc -l");
        Assert.True(enforced.ExitCode == 0, enforced.ToString());
        Assert.Equal(plain.Stdout, enforced.Stdout);
    }

    [Fact]
    public async Task Record_PropagatesTheExitCode()
    {
        if (!await _environment.RequirePtraceAsync(_output))
        {
            return;
        }

        var profilePath = Path.Combine(_directory, "exit.yaml");
        Assert.Equal(42, (await SpocProcess.RunAsync("record", "-o", profilePath, "--", "sh", "-c", "exit 42")).ExitCode);
        Assert.True(File.Exists(profilePath));
        Assert.Equal(128 + 9, (await SpocProcess.RunAsync("record", "-o", profilePath, "--", "sh", "-c", "kill -KILL $$")).ExitCode);

        var missing = await SpocProcess.RunAsync("record", "-o", Path.Combine(_directory, "none.yaml"), "--", "no-such-command-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(LauncherChild.NotFound, missing.ExitCode);
        Assert.Contains("command not found", missing.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "none.yaml")));
    }

    [Fact]
    public async Task Sigterm_StopsTheCommandAndTheProfileIsStillWritten()
    {
        if (!await _environment.RequirePtraceAsync(_output))
        {
            return;
        }

        var profilePath = Path.Combine(_directory, "sleep.yaml");
        var info = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { SpocProcess.DllPath, "record", "--no-base-syscalls", "-o", profilePath, "--", "sh", "-c", "echo started; exec sleep 60" },
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.Equal("started", await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        await Task.Delay(200);

        Assert.Equal(0, LibC.Kill(process.Id, LibC.SigTerm));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(process.ExitCode == 128 + LibC.SigTerm, "exit " + process.ExitCode + ": " + await stderr);
        var names = new SpoSerializer().Deserialize<SeccompProfile>(await File.ReadAllTextAsync(profilePath)).Spec.Syscalls!.Single().Names;
        Assert.Contains(names, n => n is "nanosleep" or "clock_nanosleep");
    }

    // The command's work runs in children (no exec): SIGTERM ends the shell, and the children, one of which ignores
    // SIGTERM, must not keep spoc waiting; they are signalled too, and killed after the grace period.
    [Fact]
    public async Task Sigterm_stops_a_command_whose_children_outlive_it_or_ignore_it()
    {
        Assert.True(await _environment.RequirePtraceAsync(_output), "ptrace is usable here");
        var profilePath = Path.Combine(_directory, "sh.yaml");
        var info = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { SpocProcess.DllPath, "record", "--no-base-syscalls", "-o", profilePath, "--", "sh", "-c", "sleep 60 & (trap '' TERM; sleep 60) & echo started; wait" },
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();

        // Both children were forked before the echo.
        Assert.Equal("started", await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, LibC.Kill(process.Id, LibC.SigTerm));
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.True(process.ExitCode == 128 + LibC.SigTerm, "exit " + process.ExitCode + ": " + await stderr);
        Assert.NotEmpty(new SpoSerializer().Deserialize<SeccompProfile>(await File.ReadAllTextAsync(profilePath)).Spec.Syscalls!.Single().Names);
    }

    [Fact]
    public async Task Rerecording_IsByteIdentical()
    {
        if (!await _environment.RequirePtraceAsync(_output))
        {
            return;
        }

        var first = Path.Combine(_directory, "first.yaml");
        var second = Path.Combine(_directory, "second.yaml");
        foreach (var output in new[] { first, second })
        {
            var result = await SpocProcess.RunAsync("record", "--type", "all", "-o", output, "--", "sh", "-c", "ls / | wc -l");
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        Assert.Equal(await File.ReadAllBytesAsync(first), await File.ReadAllBytesAsync(second));
    }

    [Fact]
    public async Task RecordAppArmor_CapturesExecutablesFilesAndSockets()
    {
        if (!await _environment.RequirePtraceAsync(_output))
        {
            return;
        }

        var profilePath = Path.Combine(_directory, "aa.yaml");
        var written = Path.Combine(_directory, "written.txt");
        var script = "cat /etc/hostname > '" + written + "'; ls / > /dev/null; mkdir '" + _directory + "/d'; rmdir '" + _directory + "/d'";
        var recorded = await SpocProcess.RunAsync("record", "--type", "apparmor", "--name", "shell", "-o", profilePath, "--", "/bin/sh", "-c", script);
        Assert.True(recorded.ExitCode == 0, recorded.ToString());

        var profile = new SpoSerializer().Deserialize<AppArmorProfile>(await File.ReadAllTextAsync(profilePath), profilePath);
        Assert.Equal("shell", profile.Metadata.Name);
        var value = profile.Spec!.Abstract!;
        Assert.Contains(LibC.CanonicalPath("/bin/sh")!, value.Executable!.AllowedExecutables!);
        Assert.Contains(value.Executable.AllowedExecutables!, e => e.EndsWith("/cat", StringComparison.Ordinal));
        Assert.Contains(value.Executable.AllowedExecutables!, e => e.EndsWith("/ls", StringComparison.Ordinal));
        Assert.Contains("/etc/hostname", value.Filesystem!.ReadOnlyPaths!);
        Assert.Contains(AppArmorPathRules.Normalize(written), value.Filesystem.WriteOnlyPaths!);
        Assert.Contains(AppArmorPathRules.Normalize(_directory + "/d"), value.Filesystem.WriteOnlyPaths!);
        Assert.DoesNotContain(value.Filesystem.ReadOnlyPaths!, p => p.EndsWith("/libc.so.6", StringComparison.Ordinal));
        Assert.Equal(value.Filesystem.ReadOnlyPaths!.Order(StringComparer.Ordinal), value.Filesystem.ReadOnlyPaths);
        Assert.False(value.Network!.AllowRaw);
        Assert.False(value.Network.AllowedProtocols!.AllowTcp);
    }
}
