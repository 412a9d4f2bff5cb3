using SpoSdk.Recording.AppArmor;

namespace SpoSdk.Tests.Recording.AppArmor;

/// <summary>The recorder's path normalisation, caps and classification (runtime.md §6).</summary>
public sealed class AppArmorActivityTests
{
    [Theory]
    [InlineData("/1234/maps", "/@{pid}/maps")]
    [InlineData("/1234/task/5678/stat", "/@{pid}/task/@{tid}/stat")]
    [InlineData("/proc/1234/status", "/proc/@{pid}/status")]
    [InlineData("/proc/1/task/77/comm", "/proc/@{pid}/task/@{tid}/comm")]
    [InlineData("/proc/self/status", "/proc/self/status")]
    [InlineData("/var/lib/containers/storage/overlay/0af3c1/merged/etc/passwd", "/var/lib/containers/storage/overlay/*/merged/etc/passwd")]
    [InlineData("/run/x/123e4567-e89b-12d3-a456-426614174000/sock", "/run/x/*/sock")]
    [InlineData("/var/cache/0123456789abcdef0123456789abcdef/data", "/var/cache/*/data")]
    [InlineData("/tmp/session-12345678.log", "/tmp/session-*.log")]
    [InlineData("/tmp/build-12345.log", "/tmp/build-12345.log")]
    [InlineData("/sys/devices/system/cpu/online", "/sys/devices/**")]
    [InlineData("/proc/١٢٣/status", "/proc/١٢٣/status")]
    public void Normalize(string path, string expected) => Assert.Equal(expected, AppArmorPathRules.Normalize(path));

    // One path the generator does not accept (':' of a PCI address, here) made the whole recorded profile untranslatable.
    [Fact]
    public void Recorded_paths_outside_the_generators_characters_still_give_an_installable_profile()
    {
        var activity = new AppArmorActivity();
        activity.AddFile("/etc/nginx/nginx.conf", FileAccessKind.Read);
        activity.AddFile("/dev/disk/by-path/pci-0000:00:17.0-ata-1", FileAccessKind.Read);
        activity.AddFile("/srv/a,b~[1]{x}", FileAccessKind.Read);
        activity.AddFile("/srv/café", FileAccessKind.Write);
        activity.AddFile("/srv/bad\ufffdname", FileAccessKind.Write);
        activity.AddFile("/tmp/odd:name (deleted)", FileAccessKind.Read);
        var profile = SpoSdk.Recording.RecordedProfiles.AppArmor("nginx", activity, "/usr/sbin/nginx");

        var result = SpoSdk.Translators.AppArmor.AppArmorProfileGenerator.Generate(profile);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        var filesystem = profile.Spec!.Abstract!.Filesystem!;
        Assert.Equal(["/dev/disk/by-path/pci-0000?00?17.0-ata-1", "/etc/nginx/nginx.conf", "/srv/a?b??1??x?"], filesystem.ReadOnlyPaths);
        Assert.Equal(["/srv/bad*name", "/srv/caf??"], filesystem.WriteOnlyPaths);
    }

    // A file literally named '*' or '**' must not allow every file of its directory (or below).
    [Fact]
    public void A_recorded_file_named_like_a_glob_is_not_a_glob()
    {
        var activity = new AppArmorActivity();
        activity.AddFile("/data/*", FileAccessKind.Read);
        activity.AddFile("/data/**", FileAccessKind.Read);
        activity.AddFile("/data/what?", FileAccessKind.Read);
        activity.AddFile("/proc/1234/status", FileAccessKind.Read);

        Assert.Equal(["/data/?", "/data/??", "/data/what?", "/proc/@{pid}/status"], activity.ToAbstract(null).Filesystem!.ReadOnlyPaths);
    }

    [Fact]
    public void Classification_FollowsUpstream()
    {
        var activity = new AppArmorActivity();
        activity.AddFile("/usr/bin/app", FileAccessKind.Spawn);
        activity.AddFile("/usr/bin/app", FileAccessKind.Exec);
        activity.AddFile("/usr/lib/x86_64-linux-gnu/libc.so.6", FileAccessKind.Read | FileAccessKind.Exec);
        activity.AddFile("/opt/app/plugin.so", FileAccessKind.Exec);
        activity.AddFile("/etc/ld.so.cache", FileAccessKind.Read);
        activity.AddFile("/etc/app.conf", FileAccessKind.Read);
        activity.AddFile("/dev/log", FileAccessKind.Write);
        activity.AddFile("/var/log/app.log", FileAccessKind.Write);
        activity.AddFile("/var/lib/app/a.db", FileAccessKind.Read);
        activity.AddFile("/var/lib/app/a.db", FileAccessKind.Write);
        activity.AddFile("/var/lib/app/b.db", FileAccessKind.Read | FileAccessKind.Write);
        activity.AddFile("/run/app.pid", FileAccessKind.Read | FileAccessKind.Write);
        activity.AddFile("/tmp/gone (deleted)", FileAccessKind.Read);
        activity.AddFile("/anon_hugepage (deleted)", FileAccessKind.Read | FileAccessKind.Write);
        activity.AddFile("/usr/bin/runc", FileAccessKind.Spawn);
        activity.AddFile("relative/path", FileAccessKind.Read);

        var result = activity.ToAbstract("/usr/bin/app");

        Assert.Equal(["/usr/bin/app"], result.Executable!.AllowedExecutables);
        Assert.Equal(["/opt/app/plugin.so"], result.Executable.AllowedLibraries);
        Assert.Equal(["/etc/app.conf"], result.Filesystem!.ReadOnlyPaths);
        Assert.Equal(["/var/log/app.log"], result.Filesystem.WriteOnlyPaths);
        Assert.Equal(["/", "/run/app.pid", "/var/lib/app/*"], result.Filesystem.ReadWritePaths);
        Assert.False(result.Network!.AllowRaw);
        Assert.False(result.Network.AllowedProtocols!.AllowTcp);
        Assert.False(result.Network.AllowedProtocols.AllowUdp);
        Assert.Null(result.Capability);
    }

    [Theory]
    [InlineData(2, 1, false, true, false)]
    [InlineData(10, 1 | 0x80000, false, true, false)]
    [InlineData(2, 2, false, false, true)]
    [InlineData(10, 2 | 0x800, false, false, true)]
    [InlineData(2, 3, true, false, false)]
    [InlineData(16, 3, true, false, false)]
    [InlineData(17, 2, true, false, false)]
    [InlineData(1, 1, false, false, false)]
    [InlineData(1, 2, false, false, false)]
    public void Sockets(int family, int type, bool raw, bool tcp, bool udp)
    {
        var activity = new AppArmorActivity();
        activity.AddSocket(family, type);

        var network = activity.ToAbstract(null).Network!;

        Assert.Equal(raw, network.AllowRaw);
        Assert.Equal(tcp, network.AllowedProtocols!.AllowTcp);
        Assert.Equal(udp, network.AllowedProtocols.AllowUdp);
    }

    [Fact]
    public void Caps_PathCountAndLength()
    {
        var activity = new AppArmorActivity();
        for (var i = 0; i < AppArmorActivity.MaxTrackedPaths + 5; i++)
        {
            activity.AddFile("/data/f" + i, FileAccessKind.Read);
        }

        activity.AddFile("/data/f1", FileAccessKind.Write);
        activity.AddFile("/" + new string('x', AppArmorActivity.MaxPathBytes - 1), FileAccessKind.Read);
        activity.AddFile("/" + new string('x', AppArmorActivity.MaxPathBytes), FileAccessKind.Read);

        Assert.Equal(AppArmorActivity.MaxTrackedPaths, activity.Files.Count);
        Assert.Equal(6, activity.DroppedPaths);
        Assert.Equal(1, activity.OverlongPaths);
        Assert.Equal(FileAccessKind.Read | FileAccessKind.Write, activity.Files["/data/f1"]);
    }

    [Fact]
    public void Output_IsSortedWhateverTheOrderOfEvents()
    {
        string[] paths = ["/b", "/a", "/c/z", "/c/a"];
        var forward = new AppArmorActivity();
        var backward = new AppArmorActivity();
        foreach (var path in paths)
        {
            forward.AddFile(path, FileAccessKind.Read);
        }

        foreach (var path in paths.Reverse())
        {
            backward.AddFile(path, FileAccessKind.Read);
        }

        Assert.Equal(["/a", "/b", "/c/a", "/c/z"], forward.ToAbstract(null).Filesystem!.ReadOnlyPaths);
        Assert.Equal(forward.ToAbstract(null).Filesystem!.ReadOnlyPaths, backward.ToAbstract(null).Filesystem!.ReadOnlyPaths);
    }
}
