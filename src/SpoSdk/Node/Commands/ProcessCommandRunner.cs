using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace SpoSdk.Node.Commands;

/// <summary>
/// <see cref="ICommandRunner"/> over <see cref="Process"/>: arguments go through
/// <see cref="ProcessStartInfo.ArgumentList"/> (never a command string, never a shell), both output
/// streams are drained concurrently so the child never blocks on a full pipe, and a time limit or
/// cancellation kills the whole process tree.
/// </summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    /// <inheritdoc />
    public async Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, CommandOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        options ??= new CommandOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxOutputChars);

        // execve takes NUL-terminated strings: a NUL would silently cut an argument short.
        if (fileName.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The program name contains a NUL character.", nameof(fileName));
        }

        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
        };
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i] ?? throw new ArgumentException("Argument " + i + " is null.", nameof(arguments));
            if (argument.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("Argument " + i + " contains a NUL character.", nameof(arguments));
            }

            startInfo.ArgumentList.Add(argument);
        }

        if (options.Environment is { } environment)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    startInfo.Environment.Remove(name);
                }
                else
                {
                    startInfo.Environment[name] = value;
                }
            }
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new CommandNotFoundException(fileName, ex);
        }

        using var timeout = options.Timeout is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var stdout = new BoundedCapture(options.MaxOutputChars);
        var stderr = new BoundedCapture(options.MaxOutputChars);
        var readOut = stdout.DrainAsync(process.StandardOutput, linked.Token);
        var readErr = stderr.DrainAsync(process.StandardError, linked.Token);
        try
        {
            await WriteInputAsync(process, options.StandardInput, linked.Token).ConfigureAwait(false);
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            await Task.WhenAll(readOut, readErr).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);

            // The pipes close with the killed tree; let the readers finish before the streams are disposed.
            await Task.WhenAll(readOut, readErr).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
            {
                throw new TimeoutException("'" + fileName + "' did not exit within " + options.Timeout + " and was killed.");
            }

            throw;
        }

        return new CommandResult(process.ExitCode, stdout.Text, stderr.Text, stdout.Truncated || stderr.Truncated);
    }

    private static async Task WriteInputAsync(Process process, string? input, CancellationToken cancellationToken)
    {
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited or closed its input without reading all of it: its exit code tells the story.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private sealed class BoundedCapture(int limit)
    {
        private readonly StringBuilder _text = new();

        public bool Truncated { get; private set; }

        public string Text => _text.ToString();

        public async Task DrainAsync(StreamReader reader, CancellationToken cancellationToken)
        {
            var buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                var keep = Math.Min(read, limit - _text.Length);
                if (keep > 0)
                {
                    _text.Append(buffer, 0, keep);
                }

                Truncated |= keep < read;
            }
        }
    }
}
