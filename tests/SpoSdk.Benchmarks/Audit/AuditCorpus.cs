using System.Globalization;
using System.Text;

namespace SpoSdk.Benchmarks.Audit;

/// <summary>
/// A deterministic synthetic log: 80% noise and 20% seccomp, SELinux and AppArmor records in auditd and kernel-log
/// forms. The noise is ordinary syslog lines, as the issue defines the corpus; optionally a tenth of it is audit records
/// of other types such as SYSCALL, PROCTITLE and SERVICE_START (1130), which audit.log is full of. Same seed, same bytes.
/// </summary>
public sealed class AuditCorpus
{
    private static readonly string[] Hosts = ["worker-1", "worker-2", "ip-10-0-3-17", "node-a"];
    private static readonly string[] Comms = ["sh", "nginx", "java", "python3", "curl", "runc", "node", "postgres"];
    private static readonly string[] Exes = ["/bin/dash", "/usr/sbin/nginx", "/usr/lib/jvm/java-17/bin/java", "/usr/bin/python3.11", "/usr/bin/curl", "/usr/bin/runc", "/usr/local/bin/node", "/usr/lib/postgresql/15/bin/postgres"];
    private static readonly string[] Perms = ["read", "read write open", "getattr", "write", "execute", "name_bind", "connectto", "search"];
    private static readonly string[] Classes = ["file", "dir", "lnk_file", "tcp_socket", "unix_stream_socket", "sock_file"];
    private static readonly string[] Types = ["kubernetes_file_t", "var_lib_t", "container_file_t", "http_port_t", "proc_t", "etc_t"];
    private static readonly string[] Operations = ["open", "exec", "file_mmap", "mkdir", "unlink", "connect"];
    private static readonly string[] Paths = ["/etc/shadow", "/usr/local/bin/sample-app", "/proc/sys/kernel/random/boot_id", "/var/lib/app/data.db", "/run/secrets/token", "/tmp/x"];
    private static readonly int[] Syscalls = [0, 1, 2, 3, 9, 41, 42, 49, 50, 56, 59, 101, 165, 257, 435];

    private AuditCorpus(byte[] bytes, int lines, int auditLines)
    {
        Bytes = bytes;
        LineCount = lines;
        AuditLineCount = auditLines;
    }

    /// <summary>The corpus, one line per <c>\n</c>.</summary>
    public byte[] Bytes { get; }

    /// <summary>Number of lines.</summary>
    public int LineCount { get; }

    /// <summary>Number of seccomp, SELinux and AppArmor lines.</summary>
    public int AuditLineCount { get; }

    /// <summary>Builds the corpus.</summary>
    /// <param name="lines">Number of lines.</param>
    /// <param name="seed">The random seed.</param>
    /// <param name="otherAuditRecords">
    /// Whether a tenth of the noise is audit records of other types, as in audit.log: a stricter corpus, as the parser
    /// must read their headers to skip them. The default, false, is the corpus exactly as the issue words it, all of
    /// the noise ordinary syslog lines.
    /// </param>
    public static AuditCorpus Generate(int lines = 1_000_000, int seed = 20250416, bool otherAuditRecords = false)
    {
        var random = new Random(seed);
        var text = new StringBuilder(lines * 160);
        var audit = 0;
        long serial = 836036;
        double uptime = 270.853767;
        long epoch = 1744780616;
        for (var i = 0; i < lines; i++)
        {
            serial++;
            uptime += random.NextDouble();
            if (i % 97 == 0)
            {
                epoch++;
            }

            var id = epoch.ToString(CultureInfo.InvariantCulture) + "." + random.Next(1000).ToString("000", CultureInfo.InvariantCulture) + ":" + serial.ToString(CultureInfo.InvariantCulture);
            var prefix = "Apr 16 05:16:" + random.Next(60).ToString("00", CultureInfo.InvariantCulture) + " " + Hosts[random.Next(Hosts.Length)] + " ";
            var kernel = prefix + "kernel: [" + uptime.ToString("0.000000", CultureInfo.InvariantCulture).PadLeft(12) + "] audit: ";
            var pid = random.Next(1, 4_000_000);
            var roll = random.Next(100);
            if (roll < 20)
            {
                audit++;
                var which = roll % 6;
                var comm = Comms[random.Next(Comms.Length)];
                var exe = Exes[random.Next(Exes.Length)];
                var nr = Syscalls[random.Next(Syscalls.Length)];
                switch (which)
                {
                    case 0:
                        text.Append("type=SECCOMP msg=audit(").Append(id).Append("): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=system_u:system_r:container_t:s0:c83,c152 pid=")
                            .Append(pid).Append(" comm=\"").Append(comm).Append("\" exe=\"").Append(exe).Append("\" sig=0 arch=c000003e syscall=").Append(nr)
                            .Append(" compat=0 ip=0x7fe2ff5017be code=0x7ffc0000\u001dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=clone");
                        break;
                    case 1:
                        text.Append(kernel).Append("type=1326 audit(").Append(id).Append("): auid=4294967295 uid=").Append(random.Next(2000)).Append(" gid=0 ses=4294967295 pid=")
                            .Append(pid).Append(" comm=\"").Append(comm).Append("\" exe=\"").Append(exe).Append("\" sig=0 arch=c000003e syscall=").Append(nr)
                            .Append(" compat=0 ip=0x7f3c012e467b code=0x7ffc0000");
                        break;
                    case 2:
                    case 3:
                        text.Append(which == 2 ? "type=AVC msg=audit(" : kernel + "type=1400 audit(").Append(id).Append("): avc:  denied  { ").Append(Perms[random.Next(Perms.Length)])
                            .Append(" } for  pid=").Append(pid).Append(" comm=\"").Append(comm).Append("\" path=\"").Append(Paths[random.Next(Paths.Length)])
                            .Append("\" dev=\"nvme0n1p4\" ino=").Append(random.Next()).Append(" scontext=system_u:system_r:container_t:s0:c")
                            .Append(random.Next(1024)).Append(",c").Append(random.Next(1024)).Append(" tcontext=system_u:object_r:").Append(Types[random.Next(Types.Length)])
                            .Append(":s0 tclass=").Append(Classes[random.Next(Classes.Length)]).Append(" permissive=0");
                        break;
                    default:
                        text.Append(which == 4 ? kernel + "type=1400 audit(" : "type=AVC msg=audit(").Append(id).Append("): apparmor=\"DENIED\" operation=\"").Append(Operations[random.Next(Operations.Length)])
                            .Append("\" profile=\"k8s-apparmor-").Append(comm).Append("\" name=\"").Append(Paths[random.Next(Paths.Length)]).Append("\" pid=").Append(pid)
                            .Append(" comm=\"").Append(comm).Append("\" requested_mask=\"r\" denied_mask=\"r\" fsuid=").Append(random.Next(70000)).Append(" ouid=0");
                        break;
                }
            }
            else if (roll < 28 && otherAuditRecords)
            {
                // Audit records of other types: the parser must read their header to know it can skip them.
                switch (roll % 3)
                {
                    case 0:
                        text.Append("type=SYSCALL msg=audit(").Append(id).Append("): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=0 items=2 ppid=1 pid=")
                            .Append(pid).Append(" auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"runc\" exe=\"/usr/bin/runc\" key=(null)");
                        break;
                    case 1:
                        text.Append("type=PROCTITLE msg=audit(").Append(id).Append("): proctitle=2F7573722F62696E2F72756E63002D2D726F6F74002F72756E2F636F6E7461696E6572642F72756E63");
                        break;
                    default:
                        text.Append(kernel).Append("type=1130 audit(").Append(id).Append("): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=cri-containerd-").Append(pid)
                            .Append(".scope comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'");
                        break;
                }
            }
            else
            {
                switch (roll % 8)
                {
                    case 0:
                        text.Append(prefix).Append("systemd[1]: Started cri-containerd-").Append(pid).Append(".scope - libcontainer container.");
                        break;
                    case 1:
                        text.Append(prefix).Append("kubelet[2211]: I0416 05:16:56.612345    2211 kubelet.go:2430] \"SyncLoop (PLEG): event for pod\" pod=\"default/web-")
                            .Append(pid).Append("\" event={\"ID\":\"b469ca5b\",\"Type\":\"ContainerStarted\"}");
                        break;
                    case 2:
                        text.Append(prefix).Append("containerd[912]: time=\"2025-04-16T05:16:56.612345Z\" level=info msg=\"StartContainer for \\\"")
                            .Append(pid).Append("\\\" returns successfully\"");
                        break;
                    case 3:
                        text.Append(prefix).Append("sshd[").Append(pid).Append("]: Accepted publickey for core from 10.0.").Append(random.Next(256)).Append('.').Append(random.Next(256))
                            .Append(" port ").Append(random.Next(1024, 65536)).Append(" ssh2: ED25519 SHA256:q2h7dBaB3mA1n0f5P0G2o7g5m2b9c1d4e6f8a0b2c4d6e");
                        break;
                    case 4:
                        text.Append(prefix).Append("kernel: [").Append(uptime.ToString("0.000000", CultureInfo.InvariantCulture).PadLeft(12)).Append("] IPv6: ADDRCONF(NETDEV_CHANGE): veth")
                            .Append(pid.ToString("x8", CultureInfo.InvariantCulture)).Append(": link becomes ready");
                        break;
                    case 5:
                        text.Append(prefix).Append("CRON[").Append(pid).Append("]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)");
                        break;
                    case 6:
                        text.Append(prefix).Append("NetworkManager[733]: <info>  [1744780616.6123] device (veth").Append(pid.ToString("x8", CultureInfo.InvariantCulture))
                            .Append("): state change: unavailable -> disconnected (reason 'none', sys-iface-state: 'external')");
                        break;
                    default:
                        text.Append(prefix).Append("dockerd[1044]: level=warning msg=\"failed to retrieve runc version: unknown output format\" type=runtime");
                        break;
                }
            }

            text.Append('\n');
        }

        return new AuditCorpus(Encoding.UTF8.GetBytes(text.ToString()), lines, audit);
    }

    /// <summary>The lines as strings, for the regex port (decoded once, outside any timing).</summary>
    public string[] DecodeLines()
    {
        var lines = new string[LineCount];
        var rest = Bytes.AsSpan();
        for (var i = 0; i < lines.Length; i++)
        {
            var end = rest.IndexOf((byte)'\n');
            lines[i] = Encoding.UTF8.GetString(rest[..end]);
            rest = rest[(end + 1)..];
        }

        return lines;
    }
}
