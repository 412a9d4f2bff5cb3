using System.Diagnostics;
using System.Text;

namespace SpoSdk.Tests.Oci;

/// <summary>
/// The real programs the OCI tests use (docker-registry, skopeo, htpasswd). Outside CI a missing one
/// lets a test say so and return; under CI=true it fails, since no integration test may skip there.
/// </summary>
internal static class ExternalTools
{
    public static bool InCi => Environment.GetEnvironmentVariable("CI") == "true";

    /// <summary>The program's full path, or null.</summary>
    public static string? Find(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Concat(["/usr/sbin", "/usr/bin"]))
        {
            var candidate = Path.Combine(directory, name);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Why the tools are missing, or null when all are there; under CI=true a missing tool throws.</summary>
    public static string? Missing(params string[] names)
    {
        var missing = names.Where(n => Find(n) is null).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        var message = "not installed: " + string.Join(", ", missing) + " (.ci/test installs docker-registry, skopeo and apache2-utils)";
        return InCi ? throw new InvalidOperationException("CI=true but " + message) : message;
    }

    /// <summary>Runs a program with an argument array and returns its exit code and output.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(Find(program) ?? program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(program + " did not finish in time");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs skopeo against a plain-HTTP or self-signed loopback registry, without a signature policy file.</summary>
    public static async Task<string> SkopeoAsync(params string[] arguments)
    {
        var (code, stdout, stderr) = await RunAsync("skopeo", ["--insecure-policy", .. arguments]);
        Assert.True(code == 0, "skopeo " + string.Join(' ', arguments) + " failed: " + stderr);
        return stdout;
    }
}

/// <summary>A clock tests move by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Bounded capture of a child process's output, for failure messages.</summary>
internal sealed class OutputLog
{
    private const int Limit = 64 << 10;
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public void Add(string? line)
    {
        lock (_lock)
        {
            if (line is not null && _text.Length < Limit)
            {
                _text.AppendLine(line);
            }
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return _text.ToString();
        }
    }
}
