using SpoSdk.Api.V1;
using SpoSdk.Recording.Merging;
using SpoSdk.Tests.Audit;

namespace SpoSdk.Tests.Recording.Merging;

/// <summary>test-vectors.md §1.7.3 (filesystem merge with globs) and the glob semantics behind it.</summary>
public sealed class AppArmorGlobMergeTests
{
    public static TheoryData<string, string[], string[], string[], string[], string[], string[]> FilesystemVectors => new()
    {
        // name, additions RO / WO / RW, merged RO / WO / RW (base: RO [/r/*], WO [/w/*], RW [/rw/*])
        { "empty", [], [], [], ["/r/*"], ["/w/*"], ["/rw/*"] },
        { "matching", ["/r/foo"], ["/w/bar"], ["/rw/baz"], ["/r/*"], ["/w/*"], ["/rw/*"] },
        { "subset", ["/rw/foo"], ["/rw/bar"], [], ["/r/*"], ["/w/*"], ["/rw/*"] },
        { "additive", ["/w/foo"], ["/r/bar"], [], ["/r/*"], ["/w/*"], ["/r/bar", "/rw/*", "/w/foo"] },
        { "additive2", [], [], ["/r/foo", "/w/foo"], ["/r/*"], ["/w/*"], ["/r/foo", "/rw/*", "/w/foo"] },
        { "new", ["/r2/foo"], ["/w2/bar"], ["/rw2/baz"], ["/r/*", "/r2/foo"], ["/w/*", "/w2/bar"], ["/rw/*", "/rw2/baz"] },
    };

    [Theory]
    [MemberData(nameof(FilesystemVectors))]
    public void MergeFilesystem(string name, string[] readOnly, string[] writeOnly, string[] readWrite, string[] mergedReadOnly, string[] mergedWriteOnly, string[] mergedReadWrite)
    {
        Assert.NotNull(name);
        var baseProfile = ProfileMergerTests.AppArmor(new AppArmorProfileAbstract { Filesystem = new() { ReadOnlyPaths = ["/r/*"], WriteOnlyPaths = ["/w/*"], ReadWritePaths = ["/rw/*"] } });
        var additions = ProfileMergerTests.AppArmor(new AppArmorProfileAbstract { Filesystem = new() { ReadOnlyPaths = readOnly, WriteOnlyPaths = writeOnly, ReadWritePaths = readWrite } });

        var merged = ProfileMerger.Merge([baseProfile, additions]).Spec!.Abstract!.Filesystem!;

        Assert.Equal(mergedReadOnly, merged.ReadOnlyPaths ?? []);
        Assert.Equal(mergedWriteOnly, merged.WriteOnlyPaths ?? []);
        Assert.Equal(mergedReadWrite, merged.ReadWritePaths ?? []);
    }

    // A glob is covered only by an equal pattern: /etc/** read as text matches /etc/*, yet covers far more.
    [Fact]
    public void A_broader_glob_is_never_dropped_for_a_narrower_one_whose_pattern_its_text_matches()
    {
        var narrow = ProfileMergerTests.AppArmor(new AppArmorProfileAbstract { Filesystem = new() { ReadOnlyPaths = ["/etc/*"], ReadWritePaths = ["/tmp/?"] } });
        var broad = ProfileMergerTests.AppArmor(new AppArmorProfileAbstract { Filesystem = new() { ReadOnlyPaths = ["/etc/**"], ReadWritePaths = ["/tmp/*"] } });

        var merged = ProfileMerger.Merge([narrow, broad]).Spec!.Abstract!.Filesystem!;

        Assert.Equal(["/etc/*", "/etc/**"], merged.ReadOnlyPaths ?? []);
        Assert.Equal(["/tmp/*", "/tmp/?"], merged.ReadWritePaths ?? []);
    }

    [Theory]
    [InlineData("/bin/ls", "/bin/ls", true)]
    [InlineData("/bin/ls", "/bin/lsx", false)]
    [InlineData("/usr/bin/*", "/usr/bin/ls", true)]
    [InlineData("/usr/bin/*", "/usr/bin/x/ls", false)]
    [InlineData("/home/**/docs", "/home/a/b/docs", true)]
    [InlineData("/home/**/docs", "/home/docs", false)]
    [InlineData("/var/log/{kern.log,syslog}", "/var/log/kern.log", true)]
    [InlineData("/var/log/{kern.log,syslog}", "/var/log/syslog", true)]
    [InlineData("/var/log/{kern.log,syslog}", "/var/log/kernXlog", false)]
    [InlineData("/tmp/file?.txt", "/tmp/file1.txt", true)]
    [InlineData("/tmp/file?.txt", "/tmp/file/.txt", false)]
    [InlineData("/dev/tty[0-9]", "/dev/tty7", true)]
    [InlineData("/dev/tty[0-9]", "/dev/ttyS", false)]
    [InlineData("/proc/@{pid}/status", "/proc/@{pid}/status", true)]
    [InlineData("/proc/@{pid}/status", "/proc/@pid/status", false)]
    [InlineData("/a+b/(c)/*", "/a+b/(c)/x", true)]
    [InlineData("/a+b/*", "/aab/x", false)]
    [InlineData("/bad/[z-a]", "/bad/[z-a]", true)]
    [InlineData("/bad/[z-a]", "/bad/q", false)]
    public void GlobMatching(string pattern, string path, bool matches)
    {
        var set = new AppArmorPathSet([pattern]);

        Assert.Equal(matches, set.Matches(path));
    }

    [Fact]
    public void PathSet_AddsPrunesAndSorts()
    {
        var set = new AppArmorPathSet(["/foo/*", "/bar"]);
        Assert.True(set.Matches("/foo/baz"));
        Assert.True(set.Matches("/bar"));
        Assert.False(set.Matches("/baz"));

        set.Add("/baz/qux");
        set.Add("/baz**");
        Assert.True(set.Matches("/baz/qux/deeper"));
        Assert.Equal(["/bar", "/baz**", "/foo/*"], set.ToSortedList());

        set.RemoveExact("/foo/*");
        Assert.False(set.Matches("/foo/baz"));
    }

    [Fact]
    public void HostileGlob_StaysLinear()
    {
        // Forty "**" against ever longer paths: backtracking would explode; the matcher's cost must
        // grow with the path (4x the segments, at most 10x the thread CPU time, best of three).
        var set = new AppArmorPathSet(["/" + string.Concat(Enumerable.Repeat("**/", 40)) + "x"]);
        var shortPath = "/" + string.Concat(Enumerable.Repeat("a/", 500)) + "y";
        var longPath = "/" + string.Concat(Enumerable.Repeat("a/", 2000)) + "y";

        Assert.False(set.Matches(longPath));
        var shortCost = Enumerable.Range(0, 3).Min(_ => ThreadCpuClock.Measure(() => set.Matches(shortPath) ? 1 : 0));
        var longCost = Enumerable.Range(0, 3).Min(_ => ThreadCpuClock.Measure(() => set.Matches(longPath) ? 1 : 0));
        Assert.True(longCost < 10 * Math.Max(shortCost, 0.05), "matching took " + shortCost + " ms for 500 segments, " + longCost + " ms for 2000");
    }

    [Fact]
    public void ExecutablesAddOnlyWhatNoPatternCovers()
    {
        var first = ProfileMergerTests.AppArmor(new AppArmorProfileAbstract { Executable = new() { AllowedExecutables = ["/usr/bin/*"], AllowedLibraries = ["/opt/lib/a.so"] } });
        var second = ProfileMergerTests.AppArmor(new AppArmorProfileAbstract { Executable = new() { AllowedExecutables = ["/usr/bin/ls", "/opt/tool"], AllowedLibraries = ["/opt/lib/*.so"] } });

        var merged = ProfileMerger.Merge([first, second]).Spec!.Abstract!.Executable!;

        Assert.Equal(["/opt/tool", "/usr/bin/*"], merged.AllowedExecutables);
        Assert.Equal(["/opt/lib/*.so"], merged.AllowedLibraries);
    }
}
