using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SpoSdk.Tests.Samples;

/// <summary>
/// samples/HostedOperator (HostedOperator.dll beside the test assembly) running as a real process in
/// its long-running mode: its output read as it comes, stopped with SIGINT as Ctrl+C would.
/// </summary>
internal sealed partial class HostedOperatorProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private HostedOperatorProcess(Process process)
    {
        _process = process;
    }

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "HostedOperator.dll");

    /// <summary>What it printed so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>What it reported on stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The webhook server's base address, from the "webhooks:" line.</summary>
    public Uri WebhookAddress => new(WebhookLine().Match(Stdout) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("no webhooks line yet:\n" + this));

    /// <summary>Starts the sample and waits until it watches its folder (it has printed the first table).</summary>
    public static async Task<HostedOperatorProcess> StartAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var sample = new HostedOperatorProcess(process);
        process.OutputDataReceived += (_, e) => sample.Append(sample._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => sample.Append(sample._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await sample.WaitForAsync(s => s.Stdout.Contains("press Ctrl+C to stop", StringComparison.Ordinal), "it to start watching");
        return sample;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing with the output so far after 30 s.</summary>
    public async Task WaitForAsync(Func<HostedOperatorProcess, bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (_process.HasExited)
            {
                Assert.Fail("HostedOperator exited (" + _process.ExitCode + ") while waiting for " + what + ":\n" + this);
            }

            if (deadline.Elapsed > Patience)
            {
                Assert.Fail("Timed out waiting for " + what + ":\n" + this);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGINT (Ctrl+C) and returns the exit code.</summary>
    public async Task<int> InterruptAsync()
    {
        using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(Patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public override string ToString() => "stdout:\n" + Stdout + "\nstderr:\n" + Stderr;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^webhooks: (\S+)", RegexOptions.Multiline)]
    private static partial Regex WebhookLine();

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            target.Append(line).Append('\n');
        }
    }
}
