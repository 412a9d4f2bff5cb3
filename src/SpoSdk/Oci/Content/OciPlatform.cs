using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Serialization;

namespace SpoSdk.Oci.Content;

/// <summary>An OCI platform: which OS and CPU a manifest or, in upstream spoc's layout, a layer is for.</summary>
public sealed record OciPlatform
{
    /// <summary>The CPU architecture, Go's <c>GOARCH</c> spelling (<c>amd64</c>, <c>arm64</c>, ...).</summary>
    [JsonPropertyName("architecture")]
    public string Architecture { get; init; } = string.Empty;

    /// <summary>The operating system, Go's <c>GOOS</c> spelling (<c>linux</c>).</summary>
    [JsonPropertyName("os")]
    public string OS { get; init; } = string.Empty;

    /// <summary>The OS version, mostly for Windows.</summary>
    [JsonPropertyName("os.version")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OSVersion { get; init; }

    /// <summary>The CPU variant, e.g. <c>v7</c> for 32-bit ARM.</summary>
    [JsonPropertyName("variant")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; init; }

    /// <summary>The platform this process runs on, in Go's spelling.</summary>
    public static OciPlatform Current { get; } = new()
    {
        OS = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : OperatingSystem.IsFreeBSD() ? "freebsd" : "unknown",
        Architecture = RuntimeInformation.ProcessArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm or System.Runtime.InteropServices.Architecture.Armv6 => "arm",
            System.Runtime.InteropServices.Architecture.X86 => "386",
            System.Runtime.InteropServices.Architecture.S390x => "s390x",
            System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
            System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
            System.Runtime.InteropServices.Architecture.LoongArch64 => "loong64",
            var other => other.ToString().ToLowerInvariant(),
        },
    };

    /// <summary>
    /// Parses upstream spoc's <c>os[/arch[/variant]][:osversion]</c>; a missing architecture is this
    /// machine's, as upstream.
    /// </summary>
    public static OciPlatform Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.IndexOf(':');
        var osVersion = colon < 0 ? null : value[(colon + 1)..];
        var parts = (colon < 0 ? value : value[..colon]).Split('/');
        if (parts.Length > 3)
        {
            throw new FormatException("unable to parse platform from " + value);
        }

        var platform = new OciPlatform
        {
            OS = parts[0],
            Architecture = parts.Length > 1 ? parts[1] : Current.Architecture,
            Variant = parts.Length > 2 && parts[2].Length > 0 ? parts[2] : null,
            OSVersion = string.IsNullOrEmpty(osVersion) ? null : osVersion,
        };
        if (platform.OS.Length == 0)
        {
            throw new FormatException("unable to parse OS from " + value);
        }

        return platform.Architecture.Length == 0 ? throw new FormatException("unable to parse architecture from " + value) : platform;
    }

    /// <summary>
    /// Whether two platforms are the same, with variants normalized as container runtimes do
    /// (<c>arm64/v8</c> = <c>arm64</c>, <c>arm</c> = <c>arm/v7</c>, <c>amd64/v1</c> = <c>amd64</c>).
    /// </summary>
    public bool Matches(OciPlatform other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return OS == other.OS
            && Architecture == other.Architecture
            && NormalizedVariant(Architecture, Variant) == NormalizedVariant(other.Architecture, other.Variant)
            && (OSVersion ?? string.Empty) == (other.OSVersion ?? string.Empty);
    }

    /// <summary>Upstream spoc's layer name: <c>profile[-os][-arch][-variant][-osversion].yaml</c>.</summary>
    public string ProfileFileName()
    {
        var name = new StringBuilder("profile");
        foreach (var part in new[] { OS, Architecture, Variant, OSVersion })
        {
            if (!string.IsNullOrEmpty(part))
            {
                name.Append('-').Append(part);
            }
        }

        return name.Append(".yaml").ToString();
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var part in new[] { OS, Architecture, Variant })
        {
            if (!string.IsNullOrEmpty(part))
            {
                text.Append(text.Length > 0 ? "/" : string.Empty).Append(part);
            }
        }

        return string.IsNullOrEmpty(OSVersion) ? text.ToString() : text.Append(':').Append(OSVersion).ToString();
    }

    private static string NormalizedVariant(string architecture, string? variant) => (architecture, variant ?? string.Empty) switch
    {
        ("arm64", "v8") => string.Empty,
        ("arm", "") => "v7",
        ("amd64", "v1") => string.Empty,
        (_, var v) => v,
    };
}
