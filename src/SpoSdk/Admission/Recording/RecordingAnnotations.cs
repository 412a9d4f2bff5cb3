using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using SpoSdk.Api.V1;

namespace SpoSdk.Admission.Recording;

/// <summary>
/// The pod annotations that ask the recorders to record a container, and the recording tokens they
/// carry, exactly as upstream writes them (<c>api/profilerecording/v1 CtrAnnotation</c>).
/// </summary>
public static class RecordingAnnotations
{
    /// <summary>Seccomp recorded from audit logs.</summary>
    public const string SeccompLogsPrefix = "io.containers.trace-logs/";

    /// <summary>Seccomp recorded with eBPF.</summary>
    public const string SeccompBpfPrefix = "io.containers.trace-bpf/";

    /// <summary>SELinux recorded from audit logs (AVCs).</summary>
    public const string SelinuxLogsPrefix = "io.containers.trace-avcs/";

    /// <summary>AppArmor recorded with eBPF.</summary>
    public const string AppArmorBpfPrefix = "io.containers.trace-bpf-apparmor/";

    /// <summary>The SELinux type a container gets while its AVCs are recorded.</summary>
    public const string SelinuxRecordingType = "selinuxrecording.process";

    /// <summary>The SeccompProfile (SCMP_ACT_LOG) a container runs under while its syscalls are recorded from logs.</summary>
    public const string LogEnricherProfileName = "log-enricher-trace";

    /// <summary>The characters of a token's nonce: Kubernetes' <c>utilrand.String</c> alphabet (no vowels, no confusable digits).</summary>
    public const string NonceAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>The length of a token's nonce.</summary>
    public const int NonceLength = 5;

    /// <summary>All four prefixes.</summary>
    public static IReadOnlyList<string> Prefixes { get; } = [SeccompLogsPrefix, SeccompBpfPrefix, SelinuxLogsPrefix, AppArmorBpfPrefix];

    /// <summary>
    /// The annotation prefix for a (kind, recorder) pair, or null when the pair is not recordable:
    /// SELinux only from logs, AppArmor only with eBPF, seccomp either way.
    /// </summary>
    public static string? PrefixFor(ProfileRecordingProfileKind kind, ProfileRecordingRecorder recorder)
    {
        if (kind == ProfileRecordingProfileKind.SeccompProfile)
        {
            return recorder == ProfileRecordingRecorder.Logs ? SeccompLogsPrefix : recorder == ProfileRecordingRecorder.Bpf ? SeccompBpfPrefix : null;
        }

        if (kind == ProfileRecordingProfileKind.SelinuxProfile)
        {
            return recorder == ProfileRecordingRecorder.Logs ? SelinuxLogsPrefix : null;
        }

        if (kind == ProfileRecordingProfileKind.AppArmorProfile)
        {
            return recorder == ProfileRecordingRecorder.Bpf ? AppArmorBpfPrefix : null;
        }

        return null;
    }

    /// <summary>Whether an annotation key is one of the recording annotations.</summary>
    public static bool IsRecordingAnnotation(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var prefix in Prefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A fresh token: <c>&lt;recording&gt;_&lt;container&gt;_&lt;nonce&gt;_&lt;unix seconds&gt;</c>.</summary>
    public static string NewToken(string recordingName, string containerName, DateTimeOffset now) =>
        Token(recordingName, containerName, NewNonce(), now.ToUnixTimeSeconds());

    /// <summary>A token from its parts.</summary>
    public static string Token(string recordingName, string containerName, string nonce, long unixSeconds)
    {
        ArgumentNullException.ThrowIfNull(recordingName);
        ArgumentNullException.ThrowIfNull(containerName);
        ArgumentNullException.ThrowIfNull(nonce);
        return recordingName + "_" + containerName + "_" + nonce + "_" + unixSeconds.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A random nonce of <see cref="NonceLength"/> characters from <see cref="NonceAlphabet"/>.</summary>
    public static string NewNonce() => RandomNumberGenerator.GetString(NonceAlphabet, NonceLength);

    /// <summary>
    /// Splits a token as the recorder does: exactly four <c>_</c>-separated parts (recording names
    /// and container names are DNS names, so they hold no <c>_</c>).
    /// </summary>
    public static bool TryParseToken(string token, [NotNullWhen(true)] out string? recordingName, [NotNullWhen(true)] out string? containerName, [NotNullWhen(true)] out string? nonce, out long unixSeconds)
    {
        ArgumentNullException.ThrowIfNull(token);
        recordingName = containerName = nonce = null;
        unixSeconds = 0;
        var parts = token.Split('_');
        if (parts.Length != 4 || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out unixSeconds))
        {
            return false;
        }

        (recordingName, containerName, nonce) = (parts[0], parts[1], parts[2]);
        return true;
    }
}
