using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>test-vectors.md §1.1: upstream's classification, extraction and uid/gid vectors, plus runtime.md §5.6.</summary>
public sealed class UpstreamVectorTests
{
    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });

    public static TheoryData<string, string, bool> IsAuditLineVectors => new()
    {
        { "A1 type=1326", AuditLines.A1, true },
        { "A2 type=1326 with timestamp", AuditLines.A2, true },
        { "A3 type=SECCOMP", AuditLines.A3, true },
        { "A4 type=SECCOMP user activity", AuditLines.A4, true },
        { "A5 unsupported type", AuditLines.A5, false },
        { "A6 unsupported line", AuditLines.A6, false },
        { "A7 SELinux", AuditLines.A7, true },
        { "A8 SELinux multiple permissions", AuditLines.A8, true },
        { "A9 AppArmor", AuditLines.A9, true },
        { "A10 AppArmor long", AuditLines.A10, true },
    };

    [Theory]
    [MemberData(nameof(IsAuditLineVectors))]
    public void Classifies_lines_as_upstream(string name, string line, bool expected)
    {
        Assert.True(expected == _parser.TryParse(line, out _), name);
    }

    [Fact]
    public void P1_kernel_seccomp()
    {
        var e = Parse(AuditLines.P1);
        Assert.Equal(AuditEventType.Seccomp, e.Type);
        Assert.Equal("1612299677.115:549067", e.AuditId.ToString());
        Assert.Equal("1612299677.115", e.Timestamp.ToString());
        Assert.Equal(549067UL, e.Serial);
        Assert.Equal(0, e.SyscallId);
        Assert.Equal("read", e.SyscallName);
        Assert.Equal(3109464, e.Pid);
        Assert.Equal("/bin/busybox", e.Executable.ToString());
        Assert.Equal("sh", e.Comm.ToString());
        Assert.Equal(1326, e.RecordType);
        Assert.False(e.Perms.IsPresent);
        Assert.False(e.Apparmor.IsPresent);
    }

    [Fact]
    public void P2_auditd_seccomp_with_glued_interpretations()
    {
        // The vector's "code=0x7ffc0000AUID=..." has no separator: the glued token must not disturb the record.
        var e = Parse(AuditLines.A3);
        Assert.Equal(AuditEventType.Seccomp, e.Type);
        Assert.Equal("1613596317.899:6461", e.AuditId.ToString());
        Assert.Equal(3, e.SyscallId);
        Assert.Equal("close", e.SyscallName);
        Assert.Equal(2039886, e.Pid);
        Assert.Equal("/bin/ls", e.Executable.ToString());
        Assert.Equal(0u, e.Uid);
        Assert.Equal(0u, e.Gid);
    }

    [Fact]
    public void P3_selinux_single_permission()
    {
        var e = Parse(AuditLines.A7);
        Assert.Equal(AuditEventType.Selinux, e.Type);
        Assert.Equal("1613173578.156:2945", e.AuditId.ToString());
        Assert.Equal(75593, e.Pid);
        Assert.Null(e.SyscallId);
        Assert.False(e.Executable.IsPresent);
        Assert.Equal("read", e.Perms.ToString());
        Assert.Equal("system_u:system_r:container_t:s0:c4,c808", e.Scontext.ToString());
        Assert.Equal("system_u:object_r:var_lib_t:s0", e.Tcontext.ToString());
        Assert.Equal("lnk_file", e.Tclass.ToString());
        Assert.Equal("token", e.Name.ToString());
        Assert.Equal("security-profil", e.Comm.ToString());
    }

    [Fact]
    public void P4_selinux_multiple_permissions()
    {
        var e = Parse(AuditLines.A8);
        Assert.Equal("1666691794.882:1434", e.AuditId.ToString());
        Assert.Equal(94509, e.Pid);
        Assert.Equal("read write open", e.Perms.ToString());
        Assert.Equal(["read", "write", "open"], e.GetPerms());
        Assert.Equal("system_u:system_r:selinuxrecording.process:s0:c218,c875", e.Scontext.ToString());
        Assert.Equal("system_u:object_r:kubernetes_file_t:s0", e.Tcontext.ToString());
        Assert.Equal("file", e.Tclass.ToString());
    }

    [Fact]
    public void P5_apparmor()
    {
        var e = Parse(AuditLines.A9);
        Assert.Equal(AuditEventType.AppArmor, e.Type);
        Assert.Equal("1668191154.949:64", e.AuditId.ToString());
        Assert.Equal(4166, e.Pid);
        Assert.Equal("DENIED", e.Apparmor.ToString());
        Assert.Equal("exec", e.Operation.ToString());
        Assert.Equal("profile-name", e.Profile.ToString());
        Assert.Equal("/usr/local/bin/sample-app", e.Name.ToString());
        Assert.Equal("tini", e.Comm.ToString());
        Assert.False(e.ExtraInfo.IsPresent);
    }

    [Fact]
    public void P6_apparmor_extra_info_has_quotes_replaced()
    {
        var e = Parse(AuditLines.A10);
        Assert.Equal("requested_mask='x' denied_mask='x' fsuid=65534 ouid=0", e.ExtraInfo.ToString());
    }

    [Fact]
    public void P7_is_not_an_audit_line()
    {
        Assert.Equal(AuditParseResult.NotAudit, _parser.Parse(AuditLines.P7, out var e));
        Assert.Equal(AuditEventType.Unknown, e.Type);
    }

    [Fact]
    public void Uid_and_gid_come_from_uid_and_gid_never_auid()
    {
        var e = Parse(AuditLines.JsonEnricherLine);
        Assert.Equal(0u, e.Uid);
        Assert.Equal(0u, e.Gid);
        Assert.Equal(2060394, e.Pid);
        Assert.Equal("/bin/busybox", e.Executable.ToString());
        Assert.Equal("mprotect", e.SyscallName);
    }

    [Fact]
    public void Uid_gid_missing_or_invalid_leaves_them_null_but_the_event_stands()
    {
        var missing = Parse(AuditLines.NoUidGid);
        Assert.Null(missing.Uid);
        Assert.Null(missing.Gid);

        var badUid = Parse(AuditLines.P1.Replace(" uid=0 ", " uid=invalid ", StringComparison.Ordinal));
        Assert.Null(badUid.Uid);
        Assert.Equal(0u, badUid.Gid);

        var badGid = Parse(AuditLines.P1.Replace(" gid=0 ", " gid=invalid ", StringComparison.Ordinal));
        Assert.Equal(0u, badGid.Uid);
        Assert.Null(badGid.Gid);
    }

    [Fact]
    public void Unset_ids_are_kept_as_written()
    {
        var e = Parse(AuditLines.P1.Replace(" uid=0 ", " uid=4294967295 ", StringComparison.Ordinal));
        Assert.Equal(uint.MaxValue, e.Uid);
    }

    [Fact]
    public void Runtime_sample_seccomp_clone()
    {
        var e = Parse(AuditLines.A4);
        Assert.Equal("1744780616.598:836036", e.AuditId.ToString());
        Assert.Equal(72503, e.Pid);
        Assert.Equal("/bin/dash", e.Executable.ToString());
        Assert.Equal(56, e.SyscallId);
        Assert.Equal("clone", e.SyscallName);
        Assert.Equal(AuditArch.X86_64, e.Arch);
        Assert.Equal("x86_64", e.Arch.Name);
    }

    [Fact]
    public void Runtime_sample_apparmor_in_auditd_form_skips_class()
    {
        var e = Parse(AuditLines.AppArmorAuditd);
        Assert.Equal(AuditEventType.AppArmor, e.Type);
        Assert.Equal("open", e.Operation.ToString());
        Assert.Equal("p", e.Profile.ToString());
        Assert.Equal("/etc/shadow", e.Name.ToString());
        Assert.Equal(4242, e.Pid);
        Assert.Equal("nginx", e.Comm.ToString());
    }

    [Fact]
    public void Syscall_ten_is_mprotect_and_fifty_is_listen_on_x86_64()
    {
        Assert.Equal("mprotect", Parse(AuditLines.A4.Replace("syscall=56", "syscall=10", StringComparison.Ordinal)).SyscallName);
        var listen = Parse(AuditLines.A4.Replace("syscall=56", "syscall=50", StringComparison.Ordinal));
        Assert.Equal(50, listen.SyscallId);
        Assert.Equal("listen", listen.SyscallName);
    }

    private AuditEvent Parse(string line)
    {
        Assert.Equal(AuditParseResult.Event, _parser.Parse(line, out var e));
        return e;
    }
}
