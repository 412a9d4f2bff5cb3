using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;

namespace SpoSdk.Recording.Merging;

/// <summary>
/// Unions profiles of one kind the way upstream's recording merger and <c>spoc merge</c> do, as pure
/// functions: inputs are never modified, and the result does not depend on how equal entries were
/// spread over the inputs.
/// <list type="bullet">
/// <item>Seccomp: every syscall name gets its own rule, rules sorted by name (ordinal). A name with
/// different actions across the inputs keeps the <b>less restrictive</b> action
/// (<see cref="SeccompActionRank"/>; on a tie the earlier input wins, with its <c>errnoRet</c>); argument
/// conditions are concatenated without duplicates, and a rule without conditions on either side stays
/// unconditional. <c>defaultAction</c>, <c>listenerPath</c> and every other field come from the first
/// input; <c>architectures</c> and <c>flags</c> are unions in first-seen order.</item>
/// <item>AppArmor: executables and libraries add what no existing pattern covers; a file path seen for
/// reading in one profile and for writing in another (or directly as read-write) becomes read-write as
/// that path, while covering globs stay where they were; network booleans are OR-ed; capabilities are a
/// sorted set. All lists come out sorted and without duplicates.</item>
/// <item>SELinux: per type and class, permissions not yet present are appended (upstream's order);
/// types and classes come out in ordinal order.</item>
/// </list>
/// The result keeps the first input's metadata and drops its status (it describes another object).
/// </summary>
public static class ProfileMerger
{
    /// <summary>
    /// Merges profiles of one kind, of any served version; the result is the v1 object. One input is
    /// normalised (<see cref="Normalize"/>).
    /// </summary>
    /// <exception cref="ProfileMergeException">No inputs, kinds that differ, or a kind that cannot be merged.</exception>
    public static ISpoObject Merge(IReadOnlyList<ISpoObject> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        if (profiles.Count == 0)
        {
            throw new ProfileMergeException("cannot merge an empty list of profiles");
        }

        var hubs = profiles.Select(ToHub).ToList();
        var kind = hubs[0].Kind;
        if (hubs.FirstOrDefault(p => p.Kind != kind) is { } other)
        {
            throw new ProfileMergeException("cannot merge " + kind + " with " + other.Kind);
        }

        return hubs[0] switch
        {
            SeccompProfile => Merge(hubs.Cast<SeccompProfile>().ToList()),
            AppArmorProfile => Merge(hubs.Cast<AppArmorProfile>().ToList()),
            SelinuxProfile => Merge(hubs.Cast<SelinuxProfile>().ToList()),
            _ => throw new ProfileMergeException("cannot merge " + kind + ": only SeccompProfile, SelinuxProfile and AppArmorProfile can be merged"),
        };
    }

    /// <summary>The canonical form of one profile: the same as merging it alone.</summary>
    public static ISpoObject Normalize(ISpoObject profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Merge([profile]);
    }

    /// <summary>
    /// Whether the first profile already allows everything the others do: merging them all gives the
    /// first profile's normal form (what <c>spoc merge --check</c> asks).
    /// </summary>
    public static bool FirstCoversAll(IReadOnlyList<ISpoObject> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var merged = Merge(profiles);
        return JsonNode.DeepEquals(ToJson(Normalize(profiles[0])), ToJson(merged));
    }

    /// <summary>Merges seccomp profiles (see the type's remarks).</summary>
    public static SeccompProfile Merge(IReadOnlyList<SeccompProfile> profiles)
    {
        RequireSome(profiles);
        var result = Clone(profiles[0]);
        result.Status = null;
        result.Spec ??= new SeccompProfileSpec();
        var syscalls = UnionSyscalls(profiles[0].Spec?.Syscalls, null);
        var architectures = new List<SeccompArchitecture>();
        var flags = new List<SeccompFlag>();
        for (var i = 0; i < profiles.Count; i++)
        {
            if (i > 0)
            {
                syscalls = UnionSyscalls(syscalls, profiles[i].Spec?.Syscalls);
            }

            AddNew(architectures, profiles[i].Spec?.Architectures);
            AddNew(flags, profiles[i].Spec?.Flags);
        }

        result.Spec.Syscalls = syscalls.Count == 0 ? null : syscalls;
        result.Spec.Architectures = architectures.Count == 0 ? null : architectures;
        result.Spec.Flags = flags.Count == 0 ? null : flags;
        return result;
    }

    /// <summary>
    /// Upstream's <c>UnionSyscalls</c>: one rule per name, sorted by name; on a name in both lists (or twice
    /// in one) the less restrictive action wins, the first on a tie.
    /// </summary>
    public static List<SeccompProfileSyscall> UnionSyscalls(IEnumerable<SeccompProfileSyscall>? left, IEnumerable<SeccompProfileSyscall>? right)
    {
        var byName = new Dictionary<string, SeccompProfileSyscall>(StringComparer.Ordinal);
        foreach (var rule in (left ?? []).Concat(right ?? []))
        {
            if (rule?.Names is null)
            {
                continue;
            }

            foreach (var name in rule.Names)
            {
                var single = new SeccompProfileSyscall { Names = [name], Action = rule.Action, ErrnoRet = rule.ErrnoRet, Args = CloneArgs(rule.Args) };
                byName[name] = byName.TryGetValue(name, out var existing) ? Pick(existing, single) : single;
            }
        }

        return byName.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToList();
    }

    /// <summary>Merges AppArmor profiles (see the type's remarks).</summary>
    public static AppArmorProfile Merge(IReadOnlyList<AppArmorProfile> profiles)
    {
        RequireSome(profiles);
        var result = Clone(profiles[0]);
        result.Status = null;
        var merged = result.Spec?.Abstract;
        foreach (var profile in profiles.Skip(1))
        {
            if (profile.Spec?.Abstract is { } other)
            {
                merged ??= new AppArmorProfileAbstract();
                MergeAbstract(merged, Clone(other));
            }
        }

        if (merged is not null)
        {
            NormalizeAbstract(merged);
            result.Spec ??= new AppArmorProfileSpec();
            result.Spec.Abstract = merged;
        }

        return result;
    }

    /// <summary>Merges SELinux profiles (see the type's remarks).</summary>
    public static SelinuxProfile Merge(IReadOnlyList<SelinuxProfile> profiles)
    {
        RequireSome(profiles);
        var result = Clone(profiles[0]);
        result.Status = null;
        var allow = new SortedDictionary<string, SortedDictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (var profile in profiles)
        {
            foreach (var (type, classes) in profile.Spec?.Allow ?? new Dictionary<string, IDictionary<string, IList<string>>>())
            {
                if (!allow.TryGetValue(type, out var merged))
                {
                    allow[type] = merged = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
                }

                foreach (var (objectClass, permissions) in classes ?? new Dictionary<string, IList<string>>())
                {
                    if (!merged.TryGetValue(objectClass, out var list))
                    {
                        merged[objectClass] = list = [];
                    }

                    foreach (var permission in permissions ?? [])
                    {
                        if (!list.Contains(permission, StringComparer.Ordinal))
                        {
                            list.Add(permission);
                        }
                    }
                }
            }
        }

        if (allow.Count > 0 || result.Spec?.Allow is not null)
        {
            // A first profile without spec (the CRD allows it) still gets the others' rules.
            result.Spec ??= new SelinuxProfileSpec();
            result.Spec.Allow = allow.ToDictionary(
                t => t.Key,
                t => (IDictionary<string, IList<string>>)t.Value.ToDictionary(c => c.Key, c => (IList<string>)c.Value, StringComparer.Ordinal),
                StringComparer.Ordinal);
        }

        return result;
    }

    private static SeccompProfileSyscall Pick(SeccompProfileSyscall left, SeccompProfileSyscall right)
    {
        var action = SeccompActionRank.LessRestrictive(left.Action, right.Action);

        // Of two actions, the rule of the one kept keeps its conditions: the other rule's missing conditions must not
        // turn them into an unconditional allow (ALLOW if arg0 == 0, merged with an unconditional ERRNO, stays
        // conditional). Only rules of one action have their conditions united.
        var args = left.Action == right.Action ? UnionArgs(left.Args, right.Args)
            : CloneArgs(action == left.Action ? left.Args : right.Args) is { Count: > 0 } kept ? kept : null;
        return new SeccompProfileSyscall
        {
            Names = left.Names,
            Action = action,
            ErrnoRet = action == left.Action ? left.ErrnoRet : right.ErrnoRet,
            Args = args,
        };
    }

    // A rule without conditions allows every call, so it absorbs a conditional one.
    private static List<SeccompProfileSyscallArg>? UnionArgs(IList<SeccompProfileSyscallArg>? left, IList<SeccompProfileSyscallArg>? right)
    {
        if (left is not { Count: > 0 } || right is not { Count: > 0 })
        {
            return null;
        }

        var result = CloneArgs(left)!;
        foreach (var arg in right)
        {
            if (!result.Any(a => SameArg(a, arg)))
            {
                result.Add(CloneArg(arg));
            }
        }

        return result;
    }

    private static bool SameArg(SeccompProfileSyscallArg a, SeccompProfileSyscallArg b) =>
        a.Index == b.Index && a.Value == b.Value && a.ValueTwo == b.ValueTwo && a.Op == b.Op;

    private static List<SeccompProfileSyscallArg>? CloneArgs(IList<SeccompProfileSyscallArg>? args) => args?.Select(CloneArg).ToList();

    private static SeccompProfileSyscallArg CloneArg(SeccompProfileSyscallArg arg) =>
        new() { Index = arg.Index, Value = arg.Value, ValueTwo = arg.ValueTwo, Op = arg.Op, UnknownFields = arg.UnknownFields };

    private static void MergeAbstract(AppArmorProfileAbstract merged, AppArmorProfileAbstract other)
    {
        if (merged.Executable is { } executable && other.Executable is { } otherExecutable)
        {
            executable.AllowedExecutables = MergePaths(executable.AllowedExecutables, otherExecutable.AllowedExecutables);
            executable.AllowedLibraries = MergePaths(executable.AllowedLibraries, otherExecutable.AllowedLibraries);
        }
        else
        {
            merged.Executable ??= other.Executable;
        }

        if (merged.Filesystem is { } filesystem && other.Filesystem is { } otherFilesystem)
        {
            MergeFilesystem(filesystem, otherFilesystem);
        }
        else
        {
            merged.Filesystem ??= other.Filesystem;
        }

        if (merged.Network is { } network && other.Network is { } otherNetwork)
        {
            network.AllowRaw = Or(network.AllowRaw, otherNetwork.AllowRaw);
            if (network.AllowedProtocols is { } protocols && otherNetwork.AllowedProtocols is { } otherProtocols)
            {
                protocols.AllowTcp = Or(protocols.AllowTcp, otherProtocols.AllowTcp);
                protocols.AllowUdp = Or(protocols.AllowUdp, otherProtocols.AllowUdp);
            }
            else
            {
                network.AllowedProtocols ??= otherNetwork.AllowedProtocols;
            }
        }
        else
        {
            merged.Network ??= other.Network;
        }

        if (merged.Capability is { } capability && other.Capability is { } otherCapability)
        {
            capability.AllowedCapabilities = (capability.AllowedCapabilities ?? []).Concat(otherCapability.AllowedCapabilities ?? []).ToList();
        }
        else
        {
            merged.Capability ??= other.Capability;
        }
    }

    private static List<string>? MergePaths(IList<string>? existing, IList<string>? additions)
    {
        if (existing is null || additions is null)
        {
            return (existing ?? additions)?.ToList();
        }

        var set = new AppArmorPathSet(existing);
        foreach (var path in additions)
        {
            if (!set.Matches(path))
            {
                set.Add(path);
            }
        }

        return set.ToSortedList() ?? [];
    }

    // Per path, the access already granted (by an equal entry or a covering glob) plus the access seen
    // now; read plus write moves the path itself to read-write and leaves covering globs alone, so a
    // merge never widens a glob beyond what one of the inputs granted.
    private static void MergeFilesystem(AppArmorProfileAbstractFilesystem merged, AppArmorProfileAbstractFilesystem additions)
    {
        var readOnly = new AppArmorPathSet(merged.ReadOnlyPaths);
        var writeOnly = new AppArmorPathSet(merged.WriteOnlyPaths);
        var readWrite = new AppArmorPathSet(merged.ReadWritePaths);
        var seen = (additions.ReadWritePaths ?? []).Select(p => (Path: p, Read: true, Write: true))
            .Concat((additions.ReadOnlyPaths ?? []).Select(p => (Path: p, Read: true, Write: false)))
            .Concat((additions.WriteOnlyPaths ?? []).Select(p => (Path: p, Read: false, Write: true)));
        foreach (var (path, read, write) in seen)
        {
            if (string.IsNullOrEmpty(path) || readWrite.Matches(path))
            {
                continue;
            }

            var readable = readOnly.Matches(path);
            var writable = writeOnly.Matches(path);
            if ((read || readable) && (write || writable))
            {
                readWrite.Add(path);
                readOnly.RemoveExact(path);
                writeOnly.RemoveExact(path);
            }
            else if (read && !readable)
            {
                readOnly.Add(path);
            }
            else if (write && !writable)
            {
                writeOnly.Add(path);
            }
        }

        merged.ReadOnlyPaths = readOnly.ToSortedList();
        merged.WriteOnlyPaths = writeOnly.ToSortedList();
        merged.ReadWritePaths = readWrite.ToSortedList();
    }

    private static void NormalizeAbstract(AppArmorProfileAbstract value)
    {
        if (value.Executable is { } executable)
        {
            executable.AllowedExecutables = SortedPaths(executable.AllowedExecutables);
            executable.AllowedLibraries = SortedPaths(executable.AllowedLibraries);
        }

        if (value.Filesystem is { } filesystem)
        {
            filesystem.ReadOnlyPaths = SortedPaths(filesystem.ReadOnlyPaths);
            filesystem.WriteOnlyPaths = SortedPaths(filesystem.WriteOnlyPaths);
            filesystem.ReadWritePaths = SortedPaths(filesystem.ReadWritePaths);
        }

        if (value.Capability is { AllowedCapabilities: { } capabilities } capability)
        {
            capability.AllowedCapabilities = capabilities.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
    }

    // An empty list stays an empty list (the input said so); only absent lists stay absent.
    private static List<string>? SortedPaths(IList<string>? paths) => paths is null ? null : new AppArmorPathSet(paths).ToSortedList() ?? [];

    private static bool? Or(bool? a, bool? b) => a is null ? b : b is null ? a : a.Value || b.Value;

    private static void AddNew<T>(List<T> target, IEnumerable<T>? values)
    {
        foreach (var value in values ?? [])
        {
            if (!target.Contains(value))
            {
                target.Add(value);
            }
        }
    }

    private static void RequireSome<T>(IReadOnlyList<T> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        if (profiles.Count == 0)
        {
            throw new ProfileMergeException("cannot merge an empty list of profiles");
        }

        if (profiles.Any(p => p is null))
        {
            throw new ProfileMergeException("cannot merge a null profile");
        }
    }

    private static ISpoObject ToHub(ISpoObject profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile.KindInfo.ApiVersion == profile.KindInfo.Group + "/v1"
            ? profile
            : SpoConverter.Default.Convert(profile, profile.KindInfo.Group + "/v1");
    }

    private static JsonNode ToJson(ISpoObject value) => JsonSerializer.SerializeToNode(value, value.GetType(), SpoJsonOptions.Lenient)!;

    // A deep copy through the model's own JSON contract, unknown fields included.
    private static T Clone<T>(T value)
        where T : class => (T)ToJsonOf(value).Deserialize(typeof(T), SpoJsonOptions.Lenient)!;

    private static JsonNode ToJsonOf<T>(T value) => JsonSerializer.SerializeToNode(value, typeof(T), SpoJsonOptions.Lenient)!;
}

/// <summary>Profiles that cannot be merged: none, different kinds, or a kind without a merge.</summary>
public sealed class ProfileMergeException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public ProfileMergeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public ProfileMergeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public ProfileMergeException()
    {
    }
}
