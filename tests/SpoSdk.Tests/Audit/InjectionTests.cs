using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>
/// Upstream #3238 (test-vectors.md §1.1.4, §3): text inside a quoted or hex value must never become a field.
/// The real values of the P1 line are pid 3109464, exe /bin/busybox, syscall 0.
/// </summary>
public sealed class InjectionTests
{
    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });

    public static TheoryData<string, string> CommVariants => new()
    {
        // The derived acceptance vector, with the backslashes as written in the document and as a shell would drop them.
        { "3238 escaped", "comm=\"x pid=1 exe=\\\"/evil\\\" syscall=59\"" },
        { "3238 plain", "comm=\"x pid=1 exe=\"/evil\" syscall=59\"" },
        { "text glued to a closing quote", "comm=\"x\"pid=1" },
        { "text and a quoted section glued to a closing quote", "comm=\"x\"pid=1\" syscall=59\"" },
        { "quote glued to a key", "comm=x\"pid=1 syscall=59\"" },
        { "enrichment separator inside quotes", "comm=\"x\u001d pid=1\"" },
        { "tab and NUL inside quotes", "comm=\"x\tpid=1\0syscall=59\"" },
        { "fake header inside quotes", "comm=\"type=SECCOMP msg=audit(1:2): pid=1 exe=/evil syscall=59\"" },
        { "braces inside quotes", "comm=\"} for pid=1 scontext=evil\"" },
        { "hex that decodes to fields", "comm=" + Hex(" pid=1 exe=\"/evil\" syscall=59") },
        { "equals chains", "comm=a=b=pid=1=syscall=59" },
        { "bare quote in value", "comm=a\"b c\" pid=1" },
    };

    [Theory]
    [MemberData(nameof(CommVariants))]
    public void Injected_fields_in_comm_never_win(string name, string comm)
    {
        var line = AuditLines.P1.Replace("comm=\"sh\"", comm, StringComparison.Ordinal);
        Assert.Equal(AuditParseResult.Event, _parser.Parse(line, out var e));
        Assert.True(e.Pid == 3109464, name + ": pid " + e.Pid);
        Assert.True(e.Executable.Equals("/bin/busybox"), name + ": exe " + e.Executable);
        Assert.True(e.SyscallId == 0, name + ": syscall " + e.SyscallId);
    }

    [Fact]
    public void Injection_in_a_value_before_the_real_fields_cannot_supply_them()
    {
        // The quoted exe holds every field the record lacks: the record stays incomplete.
        var line = "type=SECCOMP msg=audit(1:2): exe=\"/x pid=1 syscall=59\" comm=\"a\"";
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse(line, out _));

        // An unterminated quote swallows the rest of the line, real fields included: rejected, never guessed.
        var swallow = "type=SECCOMP msg=audit(1:2): comm=\"x pid=1 syscall=59";
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse(swallow, out _));
    }

    [Fact]
    public void The_first_occurrence_of_a_key_wins_even_over_a_later_well_formed_one()
    {
        var line = AuditLines.P1.Replace("sig=0", "sig=0 pid=1 exe=\"/evil\"", StringComparison.Ordinal);
        Assert.True(_parser.TryParse(line, out var e));
        Assert.Equal(3109464, e.Pid);
        Assert.Equal("/bin/busybox", e.Executable.ToString());

        // A malformed first pid is not replaced by a later one.
        var malformed = "type=SECCOMP msg=audit(1:2): pid=12x syscall=1 pid=5";
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse(malformed, out _));
    }

    [Fact]
    public void Selinux_contexts_cannot_be_injected_through_comm_or_path()
    {
        var line = AuditLines.A8.Replace("comm=\"aide\"", "comm=\"a scontext=evil_t tcontext=evil_t tclass=evil\"", StringComparison.Ordinal)
            .Replace("path=\"/hostroot/etc/kubernetes/aide.log.new\"", "path=" + Hex("/x tclass=evil"), StringComparison.Ordinal);
        Assert.True(_parser.TryParse(line, out var e));
        Assert.Equal("system_u:system_r:selinuxrecording.process:s0:c218,c875", e.Scontext.ToString());
        Assert.Equal("file", e.Tclass.ToString());
        Assert.Equal(94509, e.Pid);
    }

    [Fact]
    public void Apparmor_fields_cannot_be_injected_through_name()
    {
        var line = AuditLines.A10.Replace("name=\"/usr/local/bin/sample-app\"", "name=\"/a pid=1 comm=evil operation=x\"", StringComparison.Ordinal);
        Assert.True(_parser.TryParse(line, out var e));
        Assert.Equal(4166, e.Pid);
        Assert.Equal("tini", e.Comm.ToString());
        Assert.Equal("exec", e.Operation.ToString());
        Assert.Equal("/a pid=1 comm=evil operation=x", e.Name.ToString());
    }

    [Fact]
    public void Decoded_values_with_line_breaks_stay_values()
    {
        var line = AuditLines.P1.Replace("comm=\"sh\"", "comm=" + Hex("a\nb\"c"), StringComparison.Ordinal);
        Assert.True(_parser.TryParse(line, out var e));
        Assert.Equal("a\nb\"c", e.Comm.ToString());
        Assert.Equal(3109464, e.Pid);
    }

    private static string Hex(string text) => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(text));
}
