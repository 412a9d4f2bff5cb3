using SpoSdk.Node;

namespace SpoSdk.Tests.Node;

public sealed class SeccompKernelTests
{
    [Fact]
    public void This_machines_kernel_reports_seccomp_and_node_options_take_it_as_the_default()
    {
        // The recorder and enforcement tests load real seccomp filters here, so this kernel has seccomp.
        Assert.True(SeccompKernel.IsSupported());
        Assert.True(new NodeOptions { NodeName = "n" }.SeccompSupported);
    }

    [Fact]
    public void A_status_without_a_seccomp_line_or_no_status_at_all_is_no_seccomp()
    {
        var dir = Directory.CreateTempSubdirectory("spo-seccomp-kernel-").FullName;
        try
        {
            var with = Path.Combine(dir, "with");
            File.WriteAllText(with, "Name:\tcat\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n");
            var without = Path.Combine(dir, "without");
            File.WriteAllText(without, "Name:\tcat\nNoNewPrivs:\t0\n");

            Assert.True(SeccompKernel.IsSupported(with));
            Assert.False(SeccompKernel.IsSupported(without));
            Assert.False(SeccompKernel.IsSupported(Path.Combine(dir, "missing")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
