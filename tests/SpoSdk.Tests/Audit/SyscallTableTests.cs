using SpoSdk.Api.Syscalls;
using SpoSdk.Audit;

namespace SpoSdk.Tests.Audit;

/// <summary>The generated syscall tables (libseccomp 2.5.4) and architecture names.</summary>
public sealed class SyscallTableTests
{
    [Theory]
    [InlineData(SyscallTable.AuditArchX86_64, 0, "read")]
    [InlineData(SyscallTable.AuditArchX86_64, 10, "mprotect")]
    [InlineData(SyscallTable.AuditArchX86_64, 50, "listen")]
    [InlineData(SyscallTable.AuditArchX86_64, 56, "clone")]
    [InlineData(SyscallTable.AuditArchX86_64, 59, "execve")]
    [InlineData(SyscallTable.AuditArchX86_64, 435, "clone3")]
    [InlineData(SyscallTable.AuditArchI386, 11, "execve")]
    [InlineData(SyscallTable.AuditArchI386, 120, "clone")]
    [InlineData(SyscallTable.AuditArchAarch64, 56, "openat")]
    [InlineData(SyscallTable.AuditArchAarch64, 220, "clone")]
    [InlineData(SyscallTable.AuditArchAarch64, 221, "execve")]
    [InlineData(SyscallTable.AuditArchArm, 0xf0005, "set_tls")]
    [InlineData(SyscallTable.AuditArchPpc64Le, 11, "execve")]
    [InlineData(SyscallTable.AuditArchPpc64, 11, "execve")]
    [InlineData(SyscallTable.AuditArchRiscv64, 221, "execve")]
    [InlineData(SyscallTable.AuditArchS390X, 11, "execve")]
    public void Names_by_arch(uint arch, int number, string name)
    {
        Assert.Equal(name, SyscallTable.GetName(arch, number));
        Assert.Equal(number, SyscallTable.GetNumber(arch, name));
        Assert.True(SyscallTable.IsKnownName(arch, name));
    }

    [Fact]
    public void Unknown_numbers_arches_and_names()
    {
        Assert.Null(SyscallTable.GetName(SyscallTable.AuditArchX86_64, -1));
        Assert.Null(SyscallTable.GetName(SyscallTable.AuditArchX86_64, 9999));
        Assert.Null(SyscallTable.GetName(SyscallTable.AuditArchX86_64, 0x40000000));
        Assert.Null(SyscallTable.GetName(0x16, 1));
        Assert.Equal(-1, SyscallTable.GetNumber(SyscallTable.AuditArchX86_64, "no_such_call"));
        Assert.Equal(-1, SyscallTable.GetNumber(0x16, "read"));
        Assert.False(SyscallTable.IsKnownName(SyscallTable.AuditArchAarch64, "open"));
    }

    [Fact]
    public void Known_names_across_architectures()
    {
        Assert.True(SyscallTable.IsKnownName("clone3"));
        Assert.True(SyscallTable.IsKnownName("open"));
        Assert.True(SyscallTable.IsKnownName("set_tls"));
        Assert.False(SyscallTable.IsKnownName("Clone"));
        Assert.False(SyscallTable.IsKnownName("no_such_call"));
        var names = SyscallTable.GetKnownNames();
        Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal), names);
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(SyscallTable.GetAuditArches(), arch => Assert.NotNull(SyscallTable.GetArchName(arch)));
        Assert.Equal("2.5.4", SyscallTable.LibseccompVersion);
    }

    [Theory]
    [InlineData("x86_64", "x86_64")]
    [InlineData("amd64", "x86_64")]
    [InlineData("arm64", "aarch64")]
    [InlineData("AARCH64", "aarch64")]
    [InlineData("i686", "i386")]
    [InlineData("ppc64", "ppc64")]
    public void Arch_names(string spelling, string name)
    {
        Assert.True(AuditArch.TryParse(spelling, out var arch));
        Assert.Equal(name, arch.Name);
        Assert.Equal(name, arch.ToString());
        Assert.False(AuditArch.TryParse("sparc", out _));
    }

    [Fact]
    public void Host_arch_is_known_here()
    {
        Assert.True(AuditArch.Host.IsPresent);
        Assert.NotNull(AuditArch.Host.GetSyscallName(0));
    }
}
