using System.Diagnostics;
using SpoSdk.Cli;

namespace SpoSdk.Tests.Cli;

/// <summary>
/// <c>-o OUT</c> of convert, merge, record and pull: a link is followed and its file replaced, a FIFO or device is
/// written as it is (never replaced by a regular file), and a failed write is one line naming OUT as given.
/// </summary>
public sealed class OutputFileTests : IDisposable
{
    private const string ProfileA = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata: {name: a}
        spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{action: SCMP_ACT_ALLOW, names: [read]}]}
        """;

    private const string ProfileB = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata: {name: b}
        spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{action: SCMP_ACT_ALLOW, names: [write]}]}
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Merge_output_through_a_symlink_writes_the_file_it_points_to()
    {
        var real = Write("real.yaml", "old\n");
        var link = Path.Combine(_dir, "link.yaml");
        File.CreateSymbolicLink(link, "real.yaml");

        var (code, _, stderr) = await RunAsync("merge", "-o", link, Write("a.yaml", ProfileA), Write("b.yaml", ProfileB));

        Assert.True(code == 0, stderr);
        Assert.Equal("real.yaml", new FileInfo(link).LinkTarget);
        Assert.Contains("- write", File.ReadAllText(real), StringComparison.Ordinal);
        Assert.Equal(["a.yaml", "b.yaml", "link.yaml", "real.yaml"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Output_to_a_fifo_is_written_into_it_and_the_fifo_stays()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fifo = Path.Combine(_dir, "out.fifo");
        await RunToolAsync("mkfifo", fifo);
        using var reader = Process.Start(new ProcessStartInfo("cat", [fifo]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var read = reader.StandardOutput.ReadToEndAsync();
        try
        {
            var (code, _, stderr) = await RunAsync("convert", "--to", "v1", "-o", fifo, Write("a.yaml", ProfileA));

            Assert.True(code == 0, stderr);
            Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) == read, "nothing was written into the FIFO");
            Assert.Contains("name: a", await read, StringComparison.Ordinal);
            Assert.Equal("fifo", await RunToolAsync("stat", "-c", "%F", fifo));
        }
        finally
        {
            if (!reader.HasExited)
            {
                reader.Kill();
            }
        }
    }

    [Fact]
    public async Task Output_to_a_device_through_a_link_writes_the_device_and_keeps_both()
    {
        // A null device made here (root only), behind a link as /dev/stdout is: never the real /dev/null.
        var device = Path.Combine(_dir, "null");
        var link = Path.Combine(_dir, "stdout");
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !await TryRunToolAsync("mknod", device, "c", "1", "3"))
        {
            return;
        }

        File.CreateSymbolicLink(link, device);

        var merged = await RunAsync("merge", "-o", link, Write("a.yaml", ProfileA), Write("b.yaml", ProfileB));
        var converted = await RunAsync("convert", "-o", device, Write("a.yaml", ProfileA));

        Assert.True(merged.Code == 0, merged.Stderr);
        Assert.True(converted.Code == 0, converted.Stderr);
        Assert.Equal(device, new FileInfo(link).LinkTarget);
        Assert.Equal("character special file", await RunToolAsync("stat", "-c", "%F", device));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Theory]
    [InlineData("merge")]
    [InlineData("convert")]
    public async Task A_failed_write_names_out_as_given_and_exits_two(string command)
    {
        var output = Path.Combine(_dir, "missing", "out.yaml");
        string[] args = command == "merge" ? ["merge", "-o", output, Write("a.yaml", ProfileA), Write("b.yaml", ProfileB)] : ["convert", "--to", "v1", "-o", output, Write("a.yaml", ProfileA)];

        var (code, _, stderr) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("spoc " + command + ": cannot write " + output + ": no such file or directory\n", stderr);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(args, TextReader.Null, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<bool> TryRunToolAsync(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0;
    }

    private static async Task<string> RunToolAsync(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, program + " failed");
        return output.Trim();
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
