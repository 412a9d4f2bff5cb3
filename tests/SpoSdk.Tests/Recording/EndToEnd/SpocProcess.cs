using System.Diagnostics;
using SpoSdk.Recording.Seccomp;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Recording.EndToEnd;

/// <summary>What a spoc process did.</summary>
public sealed record SpocResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => "exit " + ExitCode + "\nstdout:\n" + Stdout + "\nstderr:\n" + Stderr;
}

/// <summary>
/// Runs the built spoc (spoc.dll beside this test assembly, through the dotnet host) as a real process,
/// with an argument array.
/// </summary>
public static class SpocProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "spoc.dll");

    public static Task<SpocResult> RunAsync(params string[] args) => RunDllAsync(DllPath, args);

    /// <summary>Runs another program built beside this test assembly (e.g. a sample) the same way.</summary>
    public static async Task<SpocResult> RunDllAsync(string dllPath, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(Path.GetFileNameWithoutExtension(dllPath) + " " + string.Join(' ', args) + " did not finish in 60 s");
        }

        return new SpocResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a program directly (the reference for "same output").</summary>
    public static async Task<SpocResult> RunPlainAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new SpocResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// Probes once whether ptrace and libseccomp work here. Under <c>CI=true</c> a test that needs them fails
/// when they do not; elsewhere it returns early with a message.
/// </summary>
public sealed class RecordingEnvironment
{
    private readonly Lazy<Task<string?>> _ptraceProblem = new(ProbePtraceAsync);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when ptrace recording works; otherwise fails under CI, or logs and returns false.</summary>
    public async Task<bool> RequirePtraceAsync(ITestOutputHelper output)
    {
        var problem = await _ptraceProblem.Value;
        return Require(problem is null ? null : "ptrace recording is unavailable: " + problem, output);
    }

    /// <summary>True when libseccomp is usable; otherwise fails under CI, or logs and returns false.</summary>
    public bool RequireLibseccomp(ITestOutputHelper output) =>
        Require(Libseccomp.IsAvailable(out var reason) ? null : reason, output);

    private static bool Require(string? problem, ITestOutputHelper output)
    {
        if (problem is null)
        {
            return true;
        }

        Assert.False(IsCi, problem + " (CI=true: this test must not be skipped)");
        output.WriteLine("SKIPPED (not CI): " + problem);
        return false;
    }

    private static async Task<string?> ProbePtraceAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux";
        }

        var output = Path.Combine(Path.GetTempPath(), "spoc-probe-" + Guid.NewGuid().ToString("N") + ".yaml");
        try
        {
            var result = await SpocProcess.RunAsync("record", "-o", output, "--", "/bin/true");
            return result.ExitCode == 0 && File.Exists(output) ? null : result.Stderr.Trim();
        }
        finally
        {
            File.Delete(output);
        }
    }
}
