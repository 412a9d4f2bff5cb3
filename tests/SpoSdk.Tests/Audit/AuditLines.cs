namespace SpoSdk.Tests.Audit;

/// <summary>Upstream's audit test lines (test-vectors.md §1.1), verbatim.</summary>
internal static class AuditLines
{
    public const string A1 = """audit: type=1326 audit(1611996299.149:466250): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=615549 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=1 compat=0 ip=0x7f61a81c5923 code=0x7ffc0000""";

    public const string A2 = """Jul  8 10:31:23 ubuntu2004 kernel: [  270.853767] audit: type=1326 audit(1625740283.502:574): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4709 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=13 compat=0 ip=0x7f3c012e467b code=0x7ffc0000""";

    public const string A3 = """type=SECCOMP msg=audit(1613596317.899:6461): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=system_u:system_r:spc_t:s0:c284,c594 pid=2039886 comm="ls" exe="/bin/ls" sig=0 arch=c000003e syscall=3 compat=0 ip=0x7f62dce3d4c7 code=0x7ffc0000AUID="unset" UID="root" GID="root" ARCH=x86_64 SYSCALL=close""";

    public const string A4 = """type=SECCOMP msg=audit(1744780616.598:836036): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=system_u:system_r:container_t:s0:c83,c152 pid=72503 comm="sh" exe="/bin/dash" sig=0 arch=c000003e syscall=56 compat=0 ip=0x7fe2ff5017be code=0x7ffc0000AUID="unset" UID="root" GID="root" ARCH=x86_64 SYSCALL=clone""";

    public const string A5 = """audit: type=1016 audit(1611996299.149:466250): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=615549 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=1 compat=0 ip=0x7f61a81c5923 code=0x7ffc0000""";

    public const string A6 = "type=1326 syscall=1";

    public const string A7 = """type=AVC msg=audit(1613173578.156:2945): avc:  denied  { read } for  pid=75593 comm="security-profil" name="token" dev="tmpfs" ino=612459 scontext=system_u:system_r:container_t:s0:c4,c808 tcontext=system_u:object_r:var_lib_t:s0 tclass=lnk_file permissive=0""";

    public const string A8 = """type=AVC msg=audit(1666691794.882:1434): avc:  denied  { read write open } for  pid=94509 comm="aide" path="/hostroot/etc/kubernetes/aide.log.new" dev="nvme0n1p4" ino=167774224 scontext=system_u:system_r:selinuxrecording.process:s0:c218,c875 tcontext=system_u:object_r:kubernetes_file_t:s0 tclass=file permissive=1""";

    public const string A9 = "audit: type=1400 audit(1668191154.949:64): apparmor=\"DENIED\" operation=\"exec\" profile=\"profile-name\" name=\"/usr/local/bin/sample-app\" pid=4166 comm=\"tini\"";

    public const string A10 = """audit: type=1400 audit(1668191154.949:64): apparmor="DENIED" operation="exec" profile="profile-name" name="/usr/local/bin/sample-app" pid=4166 comm="tini" requested_mask="x" denied_mask="x" fsuid=65534 ouid=0""";

    public const string P1 = """audit: type=1326 audit(1612299677.115:549067): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=3109464 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=0 compat=0 ip=0x7fce771ae923 code=0x7ffc0000""";

    public const string P7 = "[ 3683.829070] kauditd_printk_skb: 1 callbacks suppressed";

    public const string NoUidGid = """audit: type=1326 audit(1612299677.115:549067): auid=4294967295 ses=4294967295 pid=3109464 comm="sh" exe="/bin/busybox" sig=0 arch=c000003e syscall=0 compat=0 ip=0x7fce771ae923 code=0x7ffc0000""";

    /// <summary>runtime.md §5.6: the AppArmor sample in auditd form, with a <c>class=</c> the upstream regex skipped.</summary>
    public const string AppArmorAuditd = """type=APPARMOR msg=audit(1668191154.949:65): apparmor="DENIED" operation="open" class="file" profile="p" name="/etc/shadow" pid=4242 comm="nginx" requested_mask="r" denied_mask="r" fsuid=0 ouid=0""";

    /// <summary>JSON enricher test line 1 (§1.2).</summary>
    public const string JsonEnricherLine = """type=SECCOMP msg=audit(1624537480.360:8477): auid=1000 uid=0 gid=0 ses=1 subj=kernel pid=2060394 comm="sleep" exe="/bin/busybox" sig=0 arch=c000003e syscall=10 compat=0 ip=0x7f4ce626349b code=0x7ffc0000 AUID="user" UID="root" GID="root" ARCH=x86_64 SYSCALL=/bin/busybox""";

    // Upstream's fuzz seeds (auditsource/fuzz_test.go): hex-encoded values, AppArmor without name=, odd records.
    public const string HexSeccomp = "type=SECCOMP msg=audit(1613596317.899:6462): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2039887 comm=6D7920617070 exe=2F6F70742F6D79206170702F62696E sig=0 arch=c000003e syscall=2 compat=0 ip=0x7f62dce3d4c7 code=0x7ffc0000";

    public const string HexAppArmorComm = """audit: type=1400 audit(1668191154.949:65): apparmor="DENIED" operation="open" profile="profile-name" name="/etc/shadow" pid=4167 comm=4332204361636865 requested_mask="r" denied_mask="r" fsuid=0 ouid=0""";

    public const string AppArmorCapability = "type=AVC msg=audit(1668191154.949:66): apparmor=\"DENIED\" operation=\"capable\" class=\"cap\" profile=\"profile-name\" pid=4168 comm=\"ping\" capability=13  capname=\"net_raw\"";

    public const string AppArmorNetwork = "audit: type=1400 audit(1668191154.949:67): apparmor=\"DENIED\" operation=\"create\" class=\"net\" profile=\"profile-name\" pid=4169 comm=\"curl\" family=\"inet\" sock_type=\"raw\" protocol=1 requested_mask=\"create\" denied_mask=\"create\"";

    public const string Arch16 = """type=SECCOMP msg=audit(1613596317.899:6464): pid=7 comm="a" exe="/a" arch=16 syscall=102 compat=0""";

    public const string NoSyscall = "type=SECCOMP msg=audit(1613596317.899:6461): pid=2039886 comm=\"ls\" exe=\"/bin/ls\"";

    public const string Unterminated = """type=SECCOMP msg=audit(1:2): pid=1 syscall=1 exe="unterminated""";

    public const string EmptyValues = "type=SECCOMP msg=audit(1:2): =x pid= syscall=";

    public const string NegativePid = "type=SECCOMP msg=audit(1:2): pid=-1 syscall=1";
}
