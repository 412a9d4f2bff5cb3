using System.Diagnostics;
using SpoSdk.Api.Syscalls;
using Xunit.Abstractions;

namespace SpoSdk.Api.Tests.Syscalls;

/// <summary>
/// The generated syscall tables against the tool they were generated from: libseccomp's own
/// <c>scmp_sys_resolver</c>, asked about a spread of numbers and names on every architecture.
/// A mismatch after a libseccomp upgrade means the tables need regenerating (see the file header).
/// </summary>
public sealed class SyscallTableResolverTests(ITestOutputHelper output)
{
    private const string Resolver = "/usr/bin/scmp_sys_resolver";

    // Every 13th number across the tables, the numbers near the top of each, and ARM's private range.
    private static readonly int[] Numbers = Enumerable.Range(0, 37).Select(i => i * 13).Concat([434, 435, 436, 437, 438, 439, 440, 449, 450, 451, 452, 453, 0xf0001, 0xf0002, 0xf0005, 0xf0006]).ToArray();

    private static readonly string[] Names = ["read", "openat", "execve", "clone3", "io_uring_setup", "socketcall", "set_tls", "cacheflush", "riscv_flush_icache", "s390_runtime_instr", "nosuchcall"];

    [Fact]
    public void Numbers_and_names_agree_with_libseccomp_on_every_architecture()
    {
        if (!File.Exists(Resolver))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI=true but " + Resolver + " (Debian package seccomp) is missing");
            output.WriteLine(Resolver + " not found; the tables were not compared");
            return;
        }

        var mismatches = new List<string>();
        foreach (var arch in SyscallTable.GetAuditArches())
        {
            var archName = SyscallTable.GetArchName(arch)!;
            var resolverArch = archName == "i386" ? "x86" : archName;
            foreach (var number in Numbers)
            {
                var expected = Resolve(resolverArch, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var actual = SyscallTable.GetName(arch, number) ?? "UNKNOWN";
                if (expected != actual)
                {
                    mismatches.Add(archName + " " + number + ": libseccomp says " + expected + ", the table " + actual);
                }
            }

            foreach (var name in Names)
            {
                // libseccomp answers a name missing on the architecture with a negative pseudo-number.
                var expected = Resolve(resolverArch, name) is var answer && answer.StartsWith('-') ? "-1" : answer;
                var actual = SyscallTable.GetNumber(arch, name).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (expected != actual)
                {
                    mismatches.Add(archName + " " + name + ": libseccomp says " + expected + ", the table " + actual);
                }

                Assert.Equal(actual != "-1", SyscallTable.IsKnownName(arch, name));
            }
        }

        Assert.True(mismatches.Count == 0, "tables from libseccomp " + SyscallTable.LibseccompVersion + " disagree with the installed one:" + Environment.NewLine + string.Join(Environment.NewLine, mismatches));
    }

    [Fact]
    public void Known_names_are_the_union_of_the_tables_sorted_and_a_copy_each_time()
    {
        var names = SyscallTable.GetKnownNames();

        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Distinct(StringComparer.Ordinal).Count(), names.Length);
        foreach (var arch in SyscallTable.GetAuditArches())
        {
            var tableNames = Enumerable.Range(0, 1024).Concat(Enumerable.Range(0xf0001, 6)).Select(n => SyscallTable.GetName(arch, n)).OfType<string>().ToList();
            Assert.NotEmpty(tableNames);
            Assert.All(tableNames, name => Assert.True(SyscallTable.IsKnownName(name), name));
        }

        Assert.False(SyscallTable.IsKnownName("nosuchcall"));

        names[0] = "changed";
        Assert.NotEqual("changed", SyscallTable.GetKnownNames()[0]);
    }

    private static string Resolve(string arch, string query)
    {
        var start = new ProcessStartInfo(Resolver) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-a");
        start.ArgumentList.Add(arch);
        start.ArgumentList.Add(query);
        using var process = Process.Start(start)!;
        var answer = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, Resolver + " -a " + arch + " " + query + " exited with " + process.ExitCode + ": " + process.StandardError.ReadToEnd());
        return answer;
    }
}
