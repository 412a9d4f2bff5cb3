using System.Runtime.InteropServices;
using SpoSdk.Api.Syscalls;

namespace SpoSdk.Audit;

/// <summary>
/// An audit architecture: the <c>AUDIT_ARCH_*</c> value a record carries as <c>arch=</c> (hex, e.g.
/// <c>c000003e</c> for x86_64). <c>default</c> means the record had none.
/// </summary>
public readonly struct AuditArch : IEquatable<AuditArch>
{
    /// <summary>Wraps an <c>AUDIT_ARCH_*</c> value.</summary>
    public AuditArch(uint value) => Value = value;

    /// <summary>x86_64 (<c>c000003e</c>).</summary>
    public static AuditArch X86_64 => new(SyscallTable.AuditArchX86_64);

    /// <summary>i386 (<c>40000003</c>).</summary>
    public static AuditArch I386 => new(SyscallTable.AuditArchI386);

    /// <summary>aarch64 (<c>c00000b7</c>).</summary>
    public static AuditArch Aarch64 => new(SyscallTable.AuditArchAarch64);

    /// <summary>
    /// The architecture of this process, used for records without <c>arch=</c>; <c>default</c> when the
    /// syscall tables do not cover it.
    /// </summary>
    public static AuditArch Host => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => X86_64,
        Architecture.X86 => I386,
        Architecture.Arm64 => Aarch64,
        Architecture.Arm => new(SyscallTable.AuditArchArm),
        Architecture.Ppc64le => new(SyscallTable.AuditArchPpc64Le),
        Architecture.S390x => new(SyscallTable.AuditArchS390X),
        Architecture.RiscV64 => new(SyscallTable.AuditArchRiscv64),
        _ => default,
    };

    /// <summary>The <c>AUDIT_ARCH_*</c> value; 0 when absent.</summary>
    public uint Value { get; }

    /// <summary>Whether the record carried an architecture.</summary>
    public bool IsPresent => Value != 0;

    /// <summary>The architecture name (<c>x86_64</c>, <c>i386</c>, <c>aarch64</c>, ...), or null when the tables do not know it.</summary>
    public string? Name => SyscallTable.GetArchName(Value);

    /// <summary>Finds an architecture by name (<c>x86_64</c>, <c>amd64</c>, <c>aarch64</c>, <c>arm64</c>, <c>i386</c>, ...).</summary>
    public static bool TryParse(string name, out AuditArch arch)
    {
        ArgumentNullException.ThrowIfNull(name);
        var found = SyscallTable.TryGetAuditArch(name, out var value);
        arch = new AuditArch(value);
        return found;
    }

    /// <summary>The syscall name for <paramref name="number"/> on this architecture, or null when unknown.</summary>
    public string? GetSyscallName(int number) => SyscallTable.GetName(Value, number);

    /// <summary>The name when known, else the value as 8 lowercase hex digits as audit writes it.</summary>
    public override string ToString() => Name ?? Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public bool Equals(AuditArch other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is AuditArch other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Value;

    /// <summary>Equality by value.</summary>
    public static bool operator ==(AuditArch left, AuditArch right) => left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(AuditArch left, AuditArch right) => !left.Equals(right);
}
