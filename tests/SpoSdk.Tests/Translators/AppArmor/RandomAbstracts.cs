using System.Text;
using SpoSdk.Api.V1;
using SpoSdk.Translators.AppArmor;

namespace SpoSdk.Tests.Translators.AppArmor;

/// <summary>
/// Seeded random AppArmorProfile inputs that pass the generator's whitelists: every character class
/// the whitelist admits, variables the node's tunables declare, spaces, literal '@', ptrace entries,
/// any capability in any case, null versus empty lists, every network combination.
/// </summary>
internal static class RandomAbstracts
{
    private const string NameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-";
    private const string PathChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.*?+@ -";

    // Declared by Debian's /etc/apparmor.d/tunables (an undeclared variable is the node's business).
    private static readonly string[] Variables = ["pid", "tid", "pids", "uid", "HOME", "HOMEDIRS", "PROC", "sys", "run", "multiarch", "etc_ro"];
    private static readonly string[] PtraceForms = ["ptrace (read),", "ptrace(TRACE),", "ptrace  (readby),", "ptrace (tracedby), # legacy", "ptrace\t(rw),", "ptrace (r),", "ptrace (w),#"];

    public static (string Name, AppArmorProfileMode? Mode, AppArmorProfileAbstract Abstract) Next(Random random, int index)
    {
        // Unique names: one parser run compiles the whole batch.
        var name = "r" + index + Word(random, NameChars, 0, 12);
        AppArmorProfileMode? mode = random.Next(3) switch { 0 => null, 1 => AppArmorProfileMode.Enforce, _ => AppArmorProfileMode.Complain };
        var @abstract = new AppArmorProfileAbstract();
        if (random.Next(4) > 0)
        {
            @abstract.Executable = new() { AllowedExecutables = Paths(random, executable: true), AllowedLibraries = Paths(random, executable: true) };
        }

        if (random.Next(4) > 0)
        {
            @abstract.Filesystem = new() { ReadOnlyPaths = Paths(random, false), WriteOnlyPaths = Paths(random, false), ReadWritePaths = Paths(random, false) };
        }

        if (random.Next(3) > 0)
        {
            @abstract.Network = new()
            {
                AllowRaw = Flag(random),
                AllowedProtocols = random.Next(3) == 0 ? null : new() { AllowTcp = Flag(random), AllowUdp = Flag(random) },
            };
        }

        if (random.Next(3) > 0)
        {
            var capabilities = AppArmorProfileGenerator.CapabilityNames;
            @abstract.Capability = new()
            {
                AllowedCapabilities = Enumerable.Range(0, random.Next(6))
                    .Select(_ => capabilities[random.Next(capabilities.Count)])
                    .Distinct()
                    .Select(c => random.Next(3) switch { 0 => c.ToUpperInvariant(), 1 => " " + c + " ", _ => c })
                    .ToList(),
            };
        }

        return (name, mode, @abstract);
    }

    private static bool? Flag(Random random) => random.Next(3) switch { 0 => null, 1 => false, _ => true };

    private static List<string>? Paths(Random random, bool executable)
    {
        var count = random.Next(-1, 5);
        if (count < 0)
        {
            return null;
        }

        var paths = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            paths.Add(random.Next(12) == 0 ? PtraceForms[random.Next(PtraceForms.Length)] : Path(random, executable));
        }

        return paths;
    }

    private static string Path(Random random, bool executable)
    {
        var path = new StringBuilder();
        var segments = random.Next(0, 5);
        for (var s = 0; s < segments; s++)
        {
            path.Append('/');
            var parts = random.Next(1, 3);
            for (var p = 0; p < parts; p++)
            {
                if (random.Next(8) == 0)
                {
                    path.Append("@{").Append(Variables[random.Next(Variables.Length)]).Append('}');
                }
                else
                {
                    path.Append(Word(random, PathChars, 1, 10));
                }
            }
        }

        if (random.Next(4) == 0)
        {
            path.Append('/');
        }

        var text = path.Length == 0 ? "/" : path.ToString();
        if (executable)
        {
            text = text.Replace("..", "._", StringComparison.Ordinal);
        }

        return text;
    }

    private static string Word(Random random, string alphabet, int min, int max)
    {
        var length = random.Next(min, max + 1);
        var word = new char[length];
        for (var i = 0; i < length; i++)
        {
            word[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(word);
    }
}
