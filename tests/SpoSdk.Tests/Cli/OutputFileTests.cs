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
        if (!AsRoot())
        {
            return;
        }

        await RunToolAsync("mknod", device, "c", "1", "3");
        File.CreateSymbolicLink(link, device);

        var merged = await RunAsync("merge", "-o", link, Write("a.yaml", ProfileA), Write("b.yaml", ProfileB));
        var converted = await RunAsync("convert", "-o", device, Write("a.yaml", ProfileA));

        Assert.True(merged.Code == 0, merged.Stderr);
        Assert.True(converted.Code == 0, converted.Stderr);
        Assert.Equal(device, new FileInfo(link).LinkTarget);
        Assert.Equal("character special file", await RunToolAsync("stat", "-c", "%F", device));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    // spoc record and merge write /tmp/profile.yaml by default: a link another user planted there is not followed,
    // as the kernel's fs.protected_symlinks would not follow it (spoc resolves the link itself, so it checks the rule).
    [Fact]
    public async Task A_link_planted_by_another_user_in_a_sticky_folder_is_not_written_through()
    {
        if (!AsRoot())
        {
            return;
        }

        var sticky = Path.Combine(_dir, "tmp");
        Directory.CreateDirectory(sticky);
        File.SetUnixFileMode(sticky, (UnixFileMode)Convert.ToInt32("1777", 8));
        var victim = Write("secret", "precious\n");
        var planted = Path.Combine(sticky, "profile.yaml");
        File.CreateSymbolicLink(planted, victim);
        await RunToolAsync("chown", "-h", "nobody", planted);
        var own = Path.Combine(sticky, "own.yaml");
        File.CreateSymbolicLink(own, Write("mine.yaml", "old\n"));

        var refused = await RunAsync("merge", "-o", planted, Write("a.yaml", ProfileA), Write("b.yaml", ProfileB));
        var followed = await RunAsync("merge", "-o", own, Write("a.yaml", ProfileA), Write("b.yaml", ProfileB));

        Assert.Equal(2, refused.Code);
        Assert.Contains("cannot write " + planted + ": a symbolic link in a sticky world-writable folder", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("precious\n", File.ReadAllText(victim));
        Assert.True(followed.Code == 0, followed.Stderr);
        Assert.Contains("- write", File.ReadAllText(Path.Combine(_dir, "mine.yaml")), StringComparison.Ordinal);
    }

    // A relative link reached through a linked folder resolves where the kernel finds it, not by joining its text
    // to the path as typed (which replaced a bystander file).
    [Fact]
    public async Task A_relative_link_reached_through_a_linked_folder_writes_the_file_the_kernel_resolves()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "a"));
        Directory.CreateDirectory(Path.Combine(_dir, "b", "c"));
        File.CreateSymbolicLink(Path.Combine(_dir, "a", "sub"), "../b/c");
        var bystander = Write("a/other.yaml", "bystander\n");
        var target = Write("b/other.yaml", "target\n");
        File.CreateSymbolicLink(Path.Combine(_dir, "b", "c", "out.yaml"), "../other.yaml");

        var (code, _, stderr) = await RunAsync("merge", "-o", Path.Combine(_dir, "a", "sub", "out.yaml"), Write("a.yaml", ProfileA), Write("b.yaml", ProfileB));

        Assert.True(code == 0, stderr);
        Assert.Equal("bystander\n", File.ReadAllText(bystander));
        Assert.Contains("- write", File.ReadAllText(target), StringComparison.Ordinal);
    }

    // The first Ctrl-C or SIGTERM is held until the file being written is done, but a write into a FIFO nobody reads
    // never is: a second signal ends spoc at once.
    [Fact]
    public async Task A_second_signal_ends_a_write_blocked_on_a_fifo_nobody_reads()
    {
        var fifo = Path.Combine(_dir, "out.fifo");
        await RunToolAsync("mkfifo", fifo);
        var start = new ProcessStartInfo("dotnet", [SpoSdk.Tests.Recording.EndToEnd.SpocProcess.DllPath, "convert", "--to", "v1", "-o", fifo, Write("a.yaml", ProfileA)])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();

        // By then spoc is blocked opening the fifo (open(2) returns only when a reader comes); signal twice.
        await Task.Delay(3000);
        await RunToolAsync("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Task.Delay(200);
        await RunToolAsync("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var ended = process.WaitForExit(10_000);
        if (!ended)
        {
            process.Kill();
        }

        Assert.True(ended, "spoc still running 10 s after a second SIGTERM; stderr: " + await stderr);
    }

    // Root-only checks run in CI, which runs as root here; elsewhere they are left out.
    private static bool AsRoot()
    {
        var root = OperatingSystem.IsLinux() && Environment.UserName == "root";
        Assert.True(root || Environment.GetEnvironmentVariable("CI") != "true", "this check needs root, and CI must not leave it out");
        return root;
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
