using System.Diagnostics;
using SpoSdk.Node.Files;

namespace SpoSdk.Tests.Node;

/// <summary>Node files: confined to the root, written atomically, never torn even when the writer is killed.</summary>
public sealed class LocalNodeFileSystemTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spo-node-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Writes_only_when_the_content_changes()
    {
        var files = new LocalNodeFileSystem(_root);

        Assert.True(files.WriteIfChanged("/var/lib/kubelet/seccomp/operator/a.json", "{}"u8));
        Assert.False(files.WriteIfChanged("/var/lib/kubelet/seccomp/operator/a.json", "{}"u8));
        Assert.True(files.WriteIfChanged("/var/lib/kubelet/seccomp/operator/a.json", "{\"x\":1}"u8));
        Assert.Equal("{\"x\":1}"u8.ToArray(), files.ReadAllBytes("/var/lib/kubelet/seccomp/operator/a.json"));
        Assert.Null(files.ReadAllBytes("/var/lib/kubelet/seccomp/operator/missing.json"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(_root, "var/lib/kubelet/seccomp/operator/a.json")));
        Assert.True(files.Delete("/var/lib/kubelet/seccomp/operator/a.json"));
        Assert.False(files.Delete("/var/lib/kubelet/seccomp/operator/a.json"));
        Assert.Empty(Directory.EnumerateFiles(_root, "*.tmp", SearchOption.AllDirectories));
    }

    // /etc/apparmor.d holds directories (tunables, abstractions): a profile named like one must be told apart from a
    // file the process may not read, so that the reconciler can say what is there.
    [Fact]
    public void Reading_or_writing_a_directory_at_the_path_says_it_is_a_directory()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc/apparmor.d/tunables"));
        var files = new LocalNodeFileSystem(_root);

        var read = Assert.Throws<NotAFileException>(() => files.ReadAllBytes("/etc/apparmor.d/tunables"));
        var write = Assert.Throws<NotAFileException>(() => files.WriteIfChanged("/etc/apparmor.d/tunables", "x"u8));

        Assert.Equal("/etc/apparmor.d/tunables is a directory, not a file", read.Message);
        Assert.Equal("/etc/apparmor.d/tunables", write.HostPath);
        Assert.Equal([Path.Combine(_root, "etc/apparmor.d/tunables")], Directory.GetFileSystemEntries(Path.Combine(_root, "etc/apparmor.d"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("/var/lib/../../etc/passwd")]
    [InlineData("/var/./lib/x")]
    [InlineData("/var//lib/x")]
    [InlineData("/var/lib/x\0y")]
    public void Paths_that_could_escape_are_refused(string hostPath)
    {
        var files = new LocalNodeFileSystem(_root);
        Assert.Throws<UnauthorizedAccessException>(() => files.WriteIfChanged(hostPath, "x"u8));
    }

    [Fact]
    public void A_symbolic_link_out_of_the_root_is_refused()
    {
        var outside = Directory.CreateTempSubdirectory("spo-outside-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(_root, "var/lib"));
            Directory.CreateSymbolicLink(Path.Combine(_root, "var/lib/kubelet"), outside);
            var files = new LocalNodeFileSystem(_root);

            Assert.Throws<UnauthorizedAccessException>(() => files.WriteIfChanged("/var/lib/kubelet/seccomp/x.json", "x"u8));
            Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    // selinuxd (inotify on /etc/selinux.d) takes every name with an extension that appears there for a policy; a
    // staged write shows it only the finished file (and, once, the staging directory, whose name has no extension).
    [Theory]
    [InlineData(null)]
    [InlineData("spo-staging")]
    public async Task A_watched_directory_sees_the_temporary_file_only_when_nothing_is_staged(string? staging)
    {
        var files = new LocalNodeFileSystem(_root);
        var watched = Path.Combine(_root, "etc/selinux.d");
        Directory.CreateDirectory(watched);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var renamed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(watched) { IncludeSubdirectories = false };
        void Saw(string name)
        {
            seen.Enqueue(name);
            if (name == "web.cil")
            {
                renamed.TrySetResult();
            }
        }

        // A move within the watched directory is a rename; inotify reports one from elsewhere as a creation.
        watcher.Created += (_, e) => Saw(e.Name!);
        watcher.Renamed += (_, e) => Saw(e.Name!);
        watcher.EnableRaisingEvents = true;

        Assert.True(files.WriteIfChanged("/etc/selinux.d/web.cil", "(block web)"u8, stagingSubdirectory: staging));
        await renamed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("(block web)"u8.ToArray(), files.ReadAllBytes("/etc/selinux.d/web.cil"));
        if (staging is null)
        {
            Assert.Contains(seen, name => name.StartsWith(".web.cil.", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(["spo-staging", "web.cil"], seen.Order(StringComparer.Ordinal));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(watched, staging)));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    public void A_staging_subdirectory_is_one_plain_name(string staging)
    {
        var files = new LocalNodeFileSystem(_root);
        Assert.Throws<ArgumentException>(() => files.WriteIfChanged("/etc/selinux.d/web.cil", "x"u8, stagingSubdirectory: staging));
        Assert.False(File.Exists(Path.Combine(_root, "etc/selinux.d/web.cil")));
    }

    [Fact]
    public void A_staging_subdirectory_that_links_out_of_the_root_is_refused()
    {
        var outside = Directory.CreateTempSubdirectory("spo-outside-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(_root, "etc/selinux.d"));
            Directory.CreateSymbolicLink(Path.Combine(_root, "etc/selinux.d/spo-staging"), outside);
            var files = new LocalNodeFileSystem(_root);

            Assert.Throws<UnauthorizedAccessException>(() => files.WriteIfChanged("/etc/selinux.d/web.cil", "x"u8, stagingSubdirectory: "spo-staging"));
            Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task A_writer_killed_at_any_moment_leaves_a_whole_file()
    {
        const string HostPath = "/var/lib/kubelet/seccomp/operator/torn.json";
        const int Size = 2 * 1024 * 1024;
        var worker = Path.Combine(AppContext.BaseDirectory, "SpoSdk.TestWorker.dll");
        var random = new Random(42);
        for (var round = 0; round < 12; round++)
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { worker, "write-loop", _root, HostPath, Size.ToString(System.Globalization.CultureInfo.InvariantCulture) }, RedirectStandardOutput = true })!;
            Assert.Equal("ready", await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            await Task.Delay(random.Next(5, 60));
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            var content = await File.ReadAllBytesAsync(Path.Combine(_root, HostPath.TrimStart('/')));
            Assert.Equal(Size, content.Length);
            Assert.True(content.All(b => b == content[0]) && content[0] is (byte)'A' or (byte)'B', "round " + round + ": the file is torn");
        }
    }
}
