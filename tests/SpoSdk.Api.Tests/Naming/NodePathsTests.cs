using SpoSdk.Api.Naming;

namespace SpoSdk.Api.Tests.Naming;

/// <summary>Host paths come from metadata only and never leave their directory.</summary>
public sealed class NodePathsTests
{
    [Fact]
    public void Seccomp_paths_sit_under_the_kubelet_seccomp_root()
    {
        var paths = new NodePaths();

        Assert.Equal("/var/lib/kubelet", paths.KubeletDirectory);
        Assert.Equal("/var/lib/kubelet/seccomp", paths.SeccompRoot);
        Assert.Equal("/var/lib/kubelet/seccomp/operator/nginx.json", paths.SeccompProfile("nginx"));
        Assert.Equal("operator/nginx.json", paths.SeccompLocalhostProfile("nginx"));
    }

    [Fact]
    public void A_custom_kubelet_directory_loses_its_trailing_slashes()
    {
        var paths = new NodePaths("/data/kubelet//");

        Assert.Equal("/data/kubelet", paths.KubeletDirectory);
        Assert.Equal("/data/kubelet/seccomp/operator/p.json", paths.SeccompProfile("p"));
    }

    [Theory]
    [InlineData("var/lib/kubelet")]
    [InlineData("")]
    [InlineData("/var/lib/../etc")]
    [InlineData("/var/./lib")]
    [InlineData("/..")]
    public void A_relative_or_dotted_kubelet_directory_is_refused(string directory)
    {
        var error = Assert.Throws<UnsafeNodePathException>(() => new NodePaths(directory));

        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AppArmor_and_selinux_files_get_their_own_directories_and_extensions()
    {
        Assert.Equal("/etc/apparmor.d/nginx", NodePaths.AppArmorProfile("nginx"));
        Assert.Equal("/etc/selinux.d/logs.cil", NodePaths.SelinuxPolicy("logs"));
    }

    [Theory]
    [InlineData("nginx", ".json", "nginx.json")]
    [InlineData("nginx.json", ".json", "nginx.json")]
    [InlineData("nginx.JSON", ".json", "nginx.JSON.json")]
    [InlineData("a..b", ".cil", "a..b.cil")]
    [InlineData("...", "", "...")]
    [InlineData("ü-ß", ".json", "ü-ß.json")]
    public void An_extension_is_added_once(string name, string extension, string expected)
    {
        Assert.Equal(expected, NodePaths.FileName(name, extension));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../etc/passwd")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("tab\there")]
    [InlineData("nul\0byte")]
    public void A_name_that_is_not_one_plain_file_name_is_refused(string name)
    {
        var error = Assert.Throws<UnsafeNodePathException>(() => NodePaths.FileName(name, ".json"));

        Assert.Contains("cannot be used as a file name", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Message, char.IsControl);
    }

    [Fact]
    public void The_file_name_limit_counts_utf8_bytes_with_the_extension()
    {
        var fits = new string('a', 250);
        Assert.Equal(fits + ".json", NodePaths.FileName(fits, ".json"));

        var tooLong = new string('a', 251);
        var error = Assert.Throws<UnsafeNodePathException>(() => NodePaths.FileName(tooLong, ".json"));
        Assert.Contains("256 bytes, at most 255", error.Message, StringComparison.Ordinal);

        // 128 two-byte characters: 128 characters, but 256 bytes.
        var wide = new string('ü', 128);
        Assert.Throws<UnsafeNodePathException>(() => NodePaths.FileName(wide, string.Empty));
        Assert.Equal(new string('ü', 127), NodePaths.FileName(new string('ü', 127), string.Empty));
    }

    [Fact]
    public void Refusals_quote_at_most_80_characters_of_the_name()
    {
        var name = new string('x', 100) + "/";

        var error = Assert.Throws<UnsafeNodePathException>(() => NodePaths.FileName(name, string.Empty));

        Assert.Contains("\"" + new string('x', 80) + "\"", error.Message, StringComparison.Ordinal);
    }
}
