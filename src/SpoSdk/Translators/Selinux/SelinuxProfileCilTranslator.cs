using System.Text;
using SpoSdk.Api.Schema;
using SpoSdk.Api.V1;

namespace SpoSdk.Translators.Selinux;

/// <summary>
/// Upstream's <c>Object2CIL</c> together with the SelinuxProfile handler's validation: a
/// SelinuxProfile to the CIL block selinuxd installs. The output is deterministic (types, then
/// classes sorted ordinally; permissions de-duplicated and sorted), since a policy that changes on
/// every reconcile makes the node reinstall it forever (upstream #1842).
/// </summary>
/// <remarks>
/// Output for an accepted profile is byte for byte upstream's. Stricter than upstream, because the
/// result could never be installed otherwise: the profile name must be a CIL name (a letter first,
/// no dots); inherit names must be CIL names; a profile may not inherit itself or form an inherit
/// cycle or inherit more than one SelinuxProfile (each parent brings container's process type, which
/// secilc refuses to see declared twice); a class with no permissions writes no rule (CIL rejects an empty permission list); a
/// repeated inherit is written once; a permission may not be a CIL expression operator such as
/// <c>all</c> or <c>not</c>, which secilc would expand past the deny lists.
/// </remarks>
public static class SelinuxProfileCilTranslator
{
    /// <summary>The <c>spec.allow</c> key that stands for the profile's own process type.</summary>
    public const string AllowSelf = "@self";

    /// <summary>The system template every profile inherits unless it inherits another SelinuxProfile.</summary>
    public const string SystemContainer = "container";

    /// <summary>What pods put in <c>seLinuxOptions.type</c> for a profile: <c>&lt;name&gt;.process</c>.</summary>
    public static string UsageFor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name + ".process";
    }

    /// <summary>Validates <paramref name="profile"/> and translates it to CIL.</summary>
    /// <param name="profile">The profile.</param>
    /// <param name="options">The SPOD's SELinux options; null means <see cref="SelinuxPolicyOptions.Default"/>.</param>
    /// <param name="findProfile">
    /// Looks up another SelinuxProfile by name, for inherits of kind <c>SelinuxProfile</c>; null
    /// means none exists.
    /// </param>
    public static TranslationResult Translate(SelinuxProfile profile, SelinuxPolicyOptions? options = null, Func<string, SelinuxProfile?>? findProfile = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        options ??= SelinuxPolicyOptions.Default;
        var errors = new List<TranslationError>();
        var name = profile.Metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new TranslationError("$.metadata.name", TranslationErrorKind.Invalid, "name must be set"));
            name = string.Empty;
        }
        else if (!CilNames.IsDeclarationName(name))
        {
            errors.Add(new TranslationError("$.metadata.name", TranslationErrorKind.Invalid, "name " + ErrorText.Quote(name) + " cannot name a CIL block: it must start with a letter and hold only letters, digits, '_' and '-'"));
        }

        var (systemInherits, profileInherits) = Inherits(profile, name, options, findProfile, errors);
        var rules = AllowRules(profile.Spec?.Allow, name, options, errors);
        if (errors.Count > 0)
        {
            return TranslationResult.Failure(errors);
        }

        var cil = new StringBuilder(64 + (rules.Count * 64));
        cil.Append("(block ").Append(name).Append('\n');

        // Only "container" declares the process type; a parent SelinuxProfile already inherited it.
        if (profileInherits.Count == 0)
        {
            cil.Append("(blockinherit ").Append(SystemContainer).Append(")\n");
        }

        foreach (var inherit in systemInherits.Where(i => i != SystemContainer).Concat(profileInherits))
        {
            cil.Append("(blockinherit ").Append(inherit).Append(")\n");
        }

        if (profile.Spec?.Mode == SelinuxProfileMode.Permissive)
        {
            cil.Append("(typepermissive process)\n");
        }

        foreach (var rule in rules)
        {
            cil.Append(rule);
        }

        cil.Append(")\n");
        return TranslationResult.Success(cil.ToString());
    }

    private static (List<string> System, List<string> Profiles) Inherits(SelinuxProfile profile, string name, SelinuxPolicyOptions options, Func<string, SelinuxProfile?>? findProfile, List<TranslationError> errors)
    {
        var system = new List<string>();
        var profiles = new List<string>();

        // A repeated SelinuxProfile inherit is dropped before any check: checking it again would redo the lookup and
        // the walk of its ancestors for every copy (n copies times the ancestors' entries).
        var seenProfiles = new HashSet<string>(StringComparer.Ordinal);
        string? firstProfile = null;
        var ancestry = findProfile is null ? null : new Ancestry(name, findProfile);
        var inherits = profile.Spec?.Inherit ?? [];
        for (var i = 0; i < inherits.Count; i++)
        {
            var path = "$.spec.inherit[" + i + "]";
            if (inherits[i] is not { } inherit)
            {
                errors.Add(new TranslationError(path, TranslationErrorKind.Invalid, "must not be null"));
                continue;
            }

            var parent = inherit.Name;
            if (string.IsNullOrEmpty(parent))
            {
                errors.Add(new TranslationError(path + ".name", TranslationErrorKind.Invalid, "name must be set"));
                continue;
            }

            var kind = inherit.Kind?.Value;
            if (string.IsNullOrEmpty(kind) || kind == SelinuxProfileInheritKind.System.Value)
            {
                if (!options.AllowedSystemProfiles.Contains(parent, StringComparer.Ordinal))
                {
                    errors.Add(new TranslationError(path + ".name", TranslationErrorKind.NotAllowed, "system profile " + parent + " not in SecurityProfilesOperatorDaemon's allow list"));
                }
                else if (!CilNames.IsQualifiedName(parent))
                {
                    errors.Add(new TranslationError(path + ".name", TranslationErrorKind.Invalid, "system profile " + ErrorText.Quote(parent) + " is not a CIL block name"));
                }
                else if (!system.Contains(parent, StringComparer.Ordinal))
                {
                    system.Add(parent);
                }
            }
            else if (kind == SelinuxProfileInheritKind.SelinuxProfile.Value)
            {
                if (!seenProfiles.Add(parent))
                {
                    continue;
                }

                if (!CilNames.IsDeclarationName(parent))
                {
                    errors.Add(new TranslationError(path + ".name", TranslationErrorKind.Invalid, "SelinuxProfile " + ErrorText.Quote(parent) + " cannot name a CIL block"));
                }
                else if (parent == name)
                {
                    errors.Add(new TranslationError(path + ".name", TranslationErrorKind.Invalid, "a SelinuxProfile cannot inherit itself"));
                }
                else if (firstProfile is not null)
                {
                    // Every SelinuxProfile's chain ends in container, which declares the process type: a second
                    // parent (a sibling or one the first already inherits) declares it again, and secilc refuses
                    // the block ("Re-declaration of type process").
                    errors.Add(new TranslationError(path + ".name", TranslationErrorKind.Invalid, "a SelinuxProfile can inherit at most one SelinuxProfile (each brings the process type of container): already inherits SelinuxProfile/" + firstProfile + ", so not SelinuxProfile/" + parent));
                }
                else
                {
                    firstProfile = parent;
                    if (ancestry?.Find(parent) is null)
                    {
                        errors.Add(new TranslationError(path + ".name", TranslationErrorKind.NotFound, "couldn't find inherit reference SelinuxProfile/" + parent));
                    }
                    else if (ancestry.Reaches(parent))
                    {
                        errors.Add(new TranslationError(path + ".name", TranslationErrorKind.Invalid, "inherit cycle: SelinuxProfile/" + parent + " inherits (directly or not) from " + name));
                    }
                    else
                    {
                        profiles.Add(parent);
                    }
                }
            }
            else
            {
                errors.Add(new TranslationError(path + ".kind", TranslationErrorKind.Invalid, kind + "/" + parent + ": unknown inherit kind for entry"));
            }
        }

        return (system, profiles);
    }

    /// <summary>
    /// The SelinuxProfile ancestors of one translation, each looked up and its inherit entries read at most once:
    /// whether a parent's chain reaches the profile being translated (an inherit cycle). Bounded, so that a
    /// resolver serving an endless chain cannot hang the translation.
    /// </summary>
    private sealed class Ancestry(string target, Func<string, SelinuxProfile?> findProfile)
    {
        private const int MaxProfilesVisited = 10_000;

        private readonly Dictionary<string, SelinuxProfile?> _profiles = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _parents = new(StringComparer.Ordinal);

        // Names whose whole chain was walked without reaching the target: no later walk enters them again.
        private readonly HashSet<string> _clear = new(StringComparer.Ordinal);

        public SelinuxProfile? Find(string name)
        {
            if (!_profiles.TryGetValue(name, out var profile))
            {
                profile = findProfile(name);
                _profiles[name] = profile;
            }

            return profile;
        }

        public bool Reaches(string start)
        {
            var visited = new HashSet<string>(StringComparer.Ordinal) { start };
            var pending = new Stack<string>();
            pending.Push(start);
            while (pending.TryPop(out var current))
            {
                if (_clear.Contains(current))
                {
                    continue;
                }

                foreach (var parent in Parents(current))
                {
                    if (parent == target)
                    {
                        return true;
                    }

                    if (_profiles.Count < MaxProfilesVisited && visited.Add(parent))
                    {
                        pending.Push(parent);
                    }
                }
            }

            _clear.UnionWith(visited);
            return false;
        }

        // The distinct SelinuxProfile parents of one ancestor, its inherit entries read once.
        private List<string> Parents(string name)
        {
            if (!_parents.TryGetValue(name, out var parents))
            {
                parents = [];
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var inherit in Find(name)?.Spec?.Inherit ?? [])
                {
                    if (inherit is not null && inherit.Kind?.Value == SelinuxProfileInheritKind.SelinuxProfile.Value && !string.IsNullOrEmpty(inherit.Name) && seen.Add(inherit.Name))
                    {
                        parents.Add(inherit.Name);
                    }
                }

                _parents[name] = parents;
            }

            return parents;
        }
    }

    private static List<string> AllowRules(IDictionary<string, IDictionary<string, IList<string>>>? allow, string name, SelinuxPolicyOptions options, List<TranslationError> errors)
    {
        var rules = new List<string>();
        if (allow is null)
        {
            return rules;
        }

        var deniedTypes = DenySet(SelinuxPolicyOptions.BuiltInDeniedTypes, options.AllowedTypes, options.DeniedTypes);
        var deniedClasses = DenySet(SelinuxPolicyOptions.BuiltInDeniedClasses, options.AllowedClasses, options.DeniedClasses);
        var deniedPermissions = DenySet(SelinuxPolicyOptions.BuiltInDeniedPermissions, options.AllowedPermissions, options.DeniedPermissions);
        foreach (var label in allow.Keys.Order(StringComparer.Ordinal))
        {
            var labelPath = JsonPath.Property("$.spec.allow", label);
            if (label != AllowSelf && !CilNames.IsRuleWord(label))
            {
                errors.Add(new TranslationError(labelPath, TranslationErrorKind.Invalid, "didn't match expected characters: invalid label key"));
                continue;
            }

            if (deniedTypes.Contains(GlobalName(label)))
            {
                errors.Add(new TranslationError(labelPath, TranslationErrorKind.NotAllowed, "type " + label + " is denied"));
            }

            var target = label == AllowSelf ? UsageFor(name) : label;
            var classes = allow[label];
            if (classes is null)
            {
                continue;
            }

            foreach (var objectClass in classes.Keys.Order(StringComparer.Ordinal))
            {
                var classPath = JsonPath.Property(labelPath, objectClass);
                if (!CilNames.IsRuleWord(objectClass))
                {
                    errors.Add(new TranslationError(classPath, TranslationErrorKind.Invalid, "didn't match expected characters: invalid object class"));
                    continue;
                }

                if (deniedClasses.Contains(GlobalName(objectClass)))
                {
                    errors.Add(new TranslationError(classPath, TranslationErrorKind.NotAllowed, "class " + objectClass + " is denied"));
                }

                var permissions = new SortedSet<string>(StringComparer.Ordinal);
                var entries = classes[objectClass] ?? [];
                for (var j = 0; j < entries.Count; j++)
                {
                    var permissionPath = JsonPath.Index(classPath, j);
                    var permission = entries[j];
                    if (permission is null || !CilNames.IsRuleWord(permission))
                    {
                        errors.Add(new TranslationError(permissionPath, TranslationErrorKind.Invalid, "didn't match expected characters: invalid permission"));
                    }
                    else if (CilNames.IsExpressionOperator(permission))
                    {
                        errors.Add(new TranslationError(permissionPath, TranslationErrorKind.Invalid, "permission " + permission + " is a CIL expression operator, not a permission name"));
                    }
                    else if (deniedPermissions.Contains(GlobalName(permission)))
                    {
                        errors.Add(new TranslationError(permissionPath, TranslationErrorKind.NotAllowed, "permission " + permission + " is denied"));
                    }
                    else
                    {
                        permissions.Add(permission);
                    }
                }

                if (permissions.Count > 0)
                {
                    rules.Add("(allow process " + target + " ( " + objectClass + " ( " + string.Join(' ', permissions) + " )))\n");
                }
            }
        }

        return rules;
    }

    // Built-ins minus the allowed ones, plus the denied ones: a value both allowed and denied stays denied.
    private static HashSet<string> DenySet(IReadOnlyList<string> builtIn, IReadOnlyList<string> allowed, IReadOnlyList<string> denied)
    {
        var set = new HashSet<string>(builtIn, StringComparer.Ordinal);
        set.ExceptWith(allowed);
        set.UnionWith(denied);
        return set;
    }

    /// <summary>
    /// The name a deny list is checked against: in CIL a leading <c>.</c> names the global declaration, so
    /// <c>.shadow_t</c> is <c>shadow_t</c> and must be denied as it is.
    /// </summary>
    private static string GlobalName(string name) => name.TrimStart('.');
}
