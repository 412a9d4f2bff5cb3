using System.Diagnostics;
using System.Text;
using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Tests.Audit.Enrichment;

public sealed class CgroupContainerIdTests
{
    private const string Id1 = "af208fd68bf39a07a439ed0c9b6609b9ae63ecd8a5f1a2af3e0db48b945b320a";
    private const string Id2 = "b469ca5b54e01e7724b7a990f01d54f571dd7669b87851a87bd8b849c438c580";
    private const string Conmon = "5819a498721cf8bb7e334809c9e48aa310bfc98801eb8017034ad17fb0749920";
    private const string PodUid = "26ba375c-2266-4ecc-bf2d-b626db8762af";
    private const string SlicePodUid = "26ba375c_2266_4ecc_bf2d_b626db8762af";

    public static TheoryData<string, string, string?> Forms => new()
    {
        // test-vectors.md §1.3 TestExtractContainerID.
        { "upstream: CRI-O cgroupfs, v1", "4:net_cls,net_prio:/kubepods/besteffort/pod" + PodUid + "/crio-" + Id1, Id1 },
        { "upstream: containerd cgroupfs, v1", "12:cpu,cpuacct:/kubepods/burstable/poda201f46d-151a-4701-8f24-314bea77df79/" + Id2, Id2 },
        { "upstream: a systemd service", "0::/system.slice/crio.service", null },
        { "CRI-O's conmon is not the container (upstream v1.0.0 returns it)", "0::/system.slice/crio-conmon-" + Conmon + ".scope", null },

        // containerd.
        { "containerd systemd, v2", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + SlicePodUid + ".slice/cri-containerd-" + Id1 + ".scope", Id1 },
        { "containerd systemd guaranteed, v2", "0::/kubepods.slice/kubepods-pod" + SlicePodUid + ".slice/cri-containerd-" + Id1 + ".scope", Id1 },
        { "containerd systemd, v1", "11:memory:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + SlicePodUid + ".slice/cri-containerd-" + Id2 + ".scope", Id2 },
        { "containerd cgroupfs, v2", "0::/kubepods/besteffort/pod" + PodUid + "/" + Id1, Id1 },

        // CRI-O.
        { "CRI-O systemd, v2", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + SlicePodUid + ".slice/crio-" + Id1 + ".scope", Id1 },
        { "CRI-O systemd with the container sub-cgroup", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + SlicePodUid + ".slice/crio-" + Id1 + ".scope/container", Id1 },
        { "CRI-O conmon next to the container in the pod", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + SlicePodUid + ".slice/crio-conmon-" + Conmon + ".scope", null },

        // docker.
        { "docker systemd, v2", "0::/system.slice/docker-" + Id1 + ".scope", Id1 },
        { "docker cgroupfs, v1", "9:devices:/docker/" + Id2, Id2 },
        { "dockershim pod, systemd", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + SlicePodUid + ".slice/docker-" + Id1 + ".scope", Id1 },

        // Nesting.
        { "docker in docker: the innermost", "0::/docker/" + Id1 + "/docker/" + Id2, Id2 },
        { "docker inside a pod: the pod's container", "0::/kubepods/burstable/pod" + PodUid + "/" + Id1 + "/docker/" + Id2, Id1 },
        { "kind node: pods inside a docker container", "0::/docker/" + Id2 + "/kubepods/besteffort/pod" + PodUid + "/" + Id1, Id1 },
        { "a cgroup made below the container cannot pose as another", "0::/kubepods/burstable/pod" + PodUid + "/" + Id1 + "/pod" + PodUid + "/" + Id2, Id1 },

        // Not containers.
        { "the pod cgroup itself", "0::/kubepods/burstable/pod" + PodUid, null },
        { "a pod with a non-container child", "0::/kubepods/burstable/pod" + PodUid + "/something-else", null },
        { "the root cgroup", "0::/", null },
        { "a user session", "0::/user.slice/user-1000.slice/session-3.scope", null },
        { "uppercase hex is not an id", "0::/docker/" + Id1.ToUpperInvariant(), null },
        { "63 hex digits", "0::/docker/" + Id1[1..], null },
        { "65 hex digits", "0::/docker/" + Id1 + "0", null },
        { "the id must be the whole segment tail", "0::/docker/" + Id1 + ".service", null },
        { "a prefix must end in a dash", "0::/system.slice/docker" + Id1 + ".scope", null },
        { "no path field", "0:" + Id1, null },
        { "a podman segment is not a pod", "0::/machine.slice/podman-" + Id1 + ".scope", Id1 },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Each_cgroup_form_names_its_container(string form, string line, string? expected)
    {
        Assert.True(expected == CgroupContainerId.Find(Encoding.UTF8.GetBytes(line + "\n")), form);
        Assert.Equal(expected, CgroupContainerId.FindInLine(Encoding.UTF8.GetBytes(line)));
    }

    [Fact]
    public void Conmon_is_the_container_when_asked_for_as_upstream_v1_0_0_does()
    {
        Assert.Equal(Conmon, CgroupContainerId.Find(Encoding.UTF8.GetBytes("0::/system.slice/crio-conmon-" + Conmon + ".scope"), includeConmon: true));
    }

    [Fact]
    public void The_first_line_that_names_a_container_wins()
    {
        var file = "12:pids:/user.slice\n11:memory:/kubepods/besteffort/pod" + PodUid + "/" + Id1 + "\n0::/docker/" + Id2 + "\n";
        Assert.Equal(Id1, CgroupContainerId.Find(Encoding.UTF8.GetBytes(file)));
    }

    [Fact]
    public void Overlong_lines_are_skipped_and_later_lines_still_read()
    {
        var longLine = "1:name=x:/" + new string('a', CgroupContainerId.MaxLineBytes) + "/docker/" + Id2;
        var file = longLine + "\n0::/docker/" + Id1 + "\n";
        Assert.Equal(Id1, CgroupContainerId.Find(Encoding.UTF8.GetBytes(file)));
    }

    [Fact]
    public void Hostile_bytes_never_throw_and_name_no_container()
    {
        var random = new Random(1385);
        var alphabet = Encoding.ASCII.GetBytes("0123456789abcdef:/-._\n podkubepodsslicescope\0\xff");
        for (var round = 0; round < 2000; round++)
        {
            var bytes = new byte[random.Next(0, 600)];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }

            // Random text never holds a 64-digit run; what it does hold must not crash the parser.
            Assert.Null(CgroupContainerId.Find(bytes));
        }
    }

    [Fact]
    public void Time_is_linear_in_the_file_size()
    {
        // Many segments that start like ids, and many colons and slashes: a quadratic scan would show.
        var small = Adversarial(2_000);
        var large = Adversarial(200_000);
        CgroupContainerId.Find(small);
        var perByteSmall = Measure(small) / small.Length;
        var perByteLarge = Measure(large) / large.Length;
        Assert.True(perByteLarge < perByteSmall * 20, $"{perByteLarge:F2} ns/byte at 200 KB vs {perByteSmall:F2} at 2 KB");

        static byte[] Adversarial(int length)
        {
            var builder = new StringBuilder("0::");
            while (builder.Length < length)
            {
                builder.Append('/').Append(Id1[..63]).Append("/pod").Append(PodUid[..31]);
            }

            return Encoding.ASCII.GetBytes(builder.ToString());
        }

        static double Measure(byte[] input)
        {
            var best = double.MaxValue;
            for (var i = 0; i < 5; i++)
            {
                var watch = Stopwatch.StartNew();
                CgroupContainerId.FindInLine(input);
                best = Math.Min(best, watch.Elapsed.TotalNanoseconds);
            }

            return best;
        }
    }
}
