using SpoSdk.Node.Commands;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Translators.Selinux;

/// <summary>
/// Compiles CIL with the real <c>secilc</c> (Debian package <c>secilc</c>) against a minimal base
/// policy written for these tests: the MLS skeleton a kernel policy needs, the types, classes and
/// permissions the vectors use, and stand-ins for the container-selinux templates
/// (<c>container</c> declares <c>process</c>; <c>net_container</c> only adds rules to it, as udica's do).
/// The real templates are not packaged in Debian, so what is verified is that the translator's CIL
/// is well-formed, resolves against those declarations and inherits them correctly, not that it
/// loads next to a distribution's policy.
/// </summary>
internal sealed class SecilcHarness(ITestOutputHelper output) : IDisposable
{
    /// <summary>The base policy's types a profile may allow.</summary>
    public static readonly string[] Types = ["var_log_t", "http_port_t", "node_t", "proc_t", "var_lib_t", "kernel_t", "shadow_t", "etc_t", "tmp_t"];

    /// <summary>The base policy's classes and their permissions.</summary>
    public static readonly (string Class, string[] Permissions)[] Classes =
    [
        ("file", ["read", "write", "open", "getattr", "append", "ioctl", "lock", "map", "create", "mounton", "relabelto", "relabelfrom", "execute", "unlink"]),
        ("dir", ["open", "read", "getattr", "lock", "search", "ioctl", "add_name", "remove_name", "write", "create", "rmdir"]),
        ("sock_file", ["getattr", "read", "write", "append", "open"]),
        ("lnk_file", ["read", "getattr"]),
        ("tcp_socket", ["name_bind", "node_bind", "listen", "accept", "connect", "create"]),
        ("udp_socket", ["name_bind", "node_bind", "create"]),
        ("filesystem", ["associate", "getattr", "mount"]),
        ("capability", ["net_admin", "sys_admin", "chown"]),
        ("process", ["transition", "signal", "fork"]),
    ];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("spo-secilc-test-");
    private int _runs;

    public static string BasePolicy { get; } = string.Join('\n', Classes.Select(c => "(class " + c.Class + " (" + string.Join(' ', c.Permissions) + "))"))
        + "\n(classorder (" + string.Join(' ', Classes.Select(c => c.Class)) + "))\n"
        + """
        (sid kernel)
        (sidorder (kernel))
        (user system_u)
        (role system_r)
        (role object_r)
        (userrole system_u system_r)
        (userrole system_u object_r)
        (sensitivity s0)
        (sensitivityorder (s0))
        (category c0)
        (categoryorder (c0))
        (sensitivitycategory s0 (c0))
        (level systemlow (s0))
        (levelrange low_low (systemlow systemlow))
        (userlevel system_u systemlow)
        (userrange system_u low_low)
        (typeattribute domain)
        (typeattribute container_domain)
        (roletype system_r domain)
        (roletype system_r container_domain)
        (type kernel_t)
        (roletype system_r kernel_t)
        (context kernel_context (system_u system_r kernel_t low_low))
        (sidcontext kernel kernel_context)
        (handleunknown allow)
        (mls true)
        (allow kernel_t self (process (transition)))

        """
        + string.Join('\n', Types.Where(t => t != "kernel_t").Select(t => "(type " + t + ")")) + "\n"
        + """
        (block container
            (blockabstract container)
            (type process)
            (roletype system_r process)
            (typeattributeset domain (process))
            (typeattributeset container_domain (process))
            (allow process process (process (fork signal))))
        (block net_container
            (blockabstract net_container)
            (allow process node_t (tcp_socket (node_bind)))
            (allow process node_t (udp_socket (node_bind))))

        """;

    public string? Secilc { get; } = TranslatorTestEnvironment.RequiredTool("secilc", "secilc", output, "/usr/bin/secilc");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Compiles the base policy plus <paramref name="modules"/>; returns secilc's result.</summary>
    public async Task<CommandResult> CompileAsync(params string[] modules)
    {
        var run = Path.Combine(_dir.FullName, "run" + Interlocked.Increment(ref _runs));
        Directory.CreateDirectory(run);
        var files = new List<string> { Path.Combine(run, "base.cil") };
        await File.WriteAllTextAsync(files[0], BasePolicy);
        for (var i = 0; i < modules.Length; i++)
        {
            files.Add(Path.Combine(run, "module" + i + ".cil"));
            await File.WriteAllTextAsync(files[^1], modules[i]);
        }

        // -o/-f keep the binary policy and file contexts in the private directory.
        return await new ProcessCommandRunner().RunAsync(Secilc!, ["-o", Path.Combine(run, "policy.bin"), "-f", Path.Combine(run, "file_contexts"), .. files], new CommandOptions { Timeout = TimeSpan.FromMinutes(1) });
    }

    /// <summary>Compiles and fails the test with secilc's message and the modules when it rejects them.</summary>
    public async Task AssertCompilesAsync(params string[] modules)
    {
        var result = await CompileAsync(modules);
        Assert.True(result.Succeeded, "secilc exit " + result.ExitCode + ":\n" + result.StandardError + result.StandardOutput + "\n" + string.Join("\n---\n", modules));
    }
}
