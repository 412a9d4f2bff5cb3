using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>The event value type: absent versus empty fields, <c>default</c>, equality, field access by id.</summary>
public sealed class EventModelTests
{
    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });

    [Fact]
    public void Default_event_is_no_event()
    {
        var none = default(AuditEvent);
        Assert.Equal(AuditEventType.Unknown, none.Type);
        Assert.False(none.AuditId.IsPresent);
        Assert.False(none.Timestamp.IsPresent);
        Assert.Null(none.Uid);
        Assert.Null(none.SyscallName);
        Assert.Empty(none.GetPerms());
        Assert.Equal("{}", none.ToString());
        Assert.Equal(string.Empty, none.Executable.ToString());
        Assert.Null(none.Executable.ToStringOrNull());
    }

    [Fact]
    public void Absent_and_empty_fields_differ()
    {
        Assert.True(_parser.TryParse(AuditLines.A1.Replace("exe=\"/bin/busybox\"", "exe=\"\"", StringComparison.Ordinal), out var empty));
        Assert.True(empty.Executable.IsPresent);
        Assert.True(empty.Executable.IsEmpty);
        Assert.Equal(string.Empty, empty.Executable.ToStringOrNull());

        Assert.True(_parser.TryParse(AuditLines.A1.Replace(" exe=\"/bin/busybox\"", string.Empty, StringComparison.Ordinal), out var absent));
        Assert.False(absent.Executable.IsPresent);
        Assert.NotEqual(empty, absent);
        Assert.True(absent.Executable.Equals((string?)null));
        Assert.False(empty.Executable.Equals((string?)null));
    }

    [Fact]
    public void Fields_by_id_share_one_string()
    {
        Assert.True(_parser.TryParse(AuditLines.A10, out var e));
        foreach (var field in Enum.GetValues<AuditField>())
        {
            Assert.Equal(e.Get(field), field switch
            {
                AuditField.AuditId => e.AuditId,
                AuditField.Executable => e.Executable,
                AuditField.Comm => e.Comm,
                AuditField.Perms => e.Perms,
                AuditField.Scontext => e.Scontext,
                AuditField.Tcontext => e.Tcontext,
                AuditField.Tclass => e.Tclass,
                AuditField.Apparmor => e.Apparmor,
                AuditField.Operation => e.Operation,
                AuditField.Profile => e.Profile,
                AuditField.Name => e.Name,
                _ => e.ExtraInfo,
            });
        }

        Assert.False(e.Get((AuditField)99).IsPresent);
        Assert.Equal(e.AuditId.Length + e.Comm.Length + e.Apparmor.Length + e.Operation.Length + e.Profile.Length + e.Name.Length + e.ExtraInfo.Length, e.PayloadLength);
    }

    [Fact]
    public void Events_compare_by_content()
    {
        Assert.True(_parser.TryParse(AuditLines.A8, out var a));
        Assert.True(_parser.TryParse(AuditLines.A8, out var b));
        Assert.True(_parser.TryParse(AuditLines.A7, out var c));
        Assert.True(a == b);
        Assert.True(a != c);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a.Equals((object)b));
        Assert.True(a.Scontext == b.Scontext);
        Assert.Equal("selinux", a.Type.ToWireName());
        Assert.Equal(string.Empty, AuditEventType.Unknown.ToWireName());
    }

    [Fact]
    public void Perms_enumerate_without_allocating()
    {
        Assert.True(_parser.TryParse(AuditLines.A8, out var e));
        var count = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var perm in e.EnumeratePerms())
        {
            count += perm.Length;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal("readwriteopen".Length, count);
    }
}
