using SpoSdk.Api.V1;
using SpoSdk.Audit;

namespace SpoSdk.Recording.Logs;

/// <summary>The seccomp profile architecture of an audit architecture (upstream maps Go's arch the same way).</summary>
public static class SeccompArchitectures
{
    /// <summary>The <c>SCMP_ARCH_*</c> value for <paramref name="arch"/>, or null when seccomp profiles have none for it.</summary>
    public static SeccompArchitecture? Of(AuditArch arch) => arch.Name switch
    {
        "x86_64" => SeccompArchitecture.ScmpArchX8664,
        "i386" => SeccompArchitecture.ScmpArchX86,
        "aarch64" => SeccompArchitecture.ScmpArchAarch64,
        "arm" => SeccompArchitecture.ScmpArchArm,
        "ppc64le" => SeccompArchitecture.ScmpArchPpc64le,
        "ppc64" => SeccompArchitecture.ScmpArchPpc64,
        "s390x" => SeccompArchitecture.ScmpArchS390x,
        "riscv64" => SeccompArchitecture.ScmpArchRiscv64,
        _ => null,
    };
}
