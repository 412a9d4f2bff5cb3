using System.Diagnostics;

namespace SpoSdk.Tests.Packaging;

/// <summary>What one <c>dotnet</c> (or other) process did.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() =>
        CommandLine + "\nexit " + ExitCode + " after " + Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s\nstdout:\n" + Stdout + "\nstderr:\n" + Stderr;
}

/// <summary>
/// Runs the .NET CLI (and programs it installed) as real child processes, isolated from the test
/// host: the MSBuild variables <c>dotnet test</c> sets are removed (they would point the child at the
/// test host's MSBuild), build servers and node reuse are off (a lingering node would keep the output
/// pipes open), and NuGet writes only to the packages folder the caller gives.
/// </summary>
public sealed class DotnetCommand(string nugetPackagesFolder)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>The dotnet host running these tests, so the child uses the same SDK.</summary>
    public static string HostPath => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="workingDirectory"/>.</summary>
    public Task<CommandResult> DotnetAsync(string workingDirectory, params string[] args) => RunAsync(HostPath, workingDirectory, args);

    /// <summary>Runs <paramref name="program"/> with the same isolated environment.</summary>
    public async Task<CommandResult> RunAsync(string program, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        // An installed tool's launcher finds the runtime through DOTNET_ROOT when dotnet is not in a default place.
        if (!info.Environment.ContainsKey("DOTNET_ROOT") && Path.IsPathRooted(HostPath))
        {
            info.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(new FileInfo(HostPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? HostPath);
        }

        info.Environment["NUGET_PACKAGES"] = nugetPackagesFolder;
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["UseSharedCompilation"] = "false";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        var commandLine = Path.GetFileName(program) + " " + string.Join(' ', args);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + commandLine);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(commandLine + " did not finish in " + Timeout.TotalMinutes + " min");
        }

        return new CommandResult(commandLine, process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    /// <summary>The machine's NuGet packages folder, which the isolated restores read as a fallback (no network for what it holds).</summary>
    public static string MachinePackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
