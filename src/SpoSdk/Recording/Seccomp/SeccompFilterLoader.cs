using System.Globalization;

namespace SpoSdk.Recording.Seccomp;

/// <summary>
/// Builds a libseccomp filter from a <see cref="SeccompFilterDefinition"/> the way runc does (unknown
/// syscall names skipped, a rule whose action is the default action skipped, conditions on one argument
/// index repeated split into separate rules), and loads it.
/// </summary>
public static class SeccompFilterLoader
{
    private const uint DefaultErrno = 1; // EPERM, as runc and crun use for ERRNO without errnoRet.

    /// <summary>
    /// Builds the filter without loading it, so that every problem surfaces before a process is started.
    /// Returns the warnings (skipped names, flags without effect).
    /// </summary>
    /// <exception cref="SeccompFilterException">The filter cannot be built here.</exception>
    public static IReadOnlyList<string> Check(SeccompFilterDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var warnings = new List<string>();
        var context = Build(definition, warnings);
        Libseccomp.Release(context);
        return warnings;
    }

    /// <summary>
    /// Builds and loads the filter on the calling thread, with no TSYNC: call it on the thread that execs
    /// next. The filter context is deliberately not released, since freeing memory is more work the
    /// filter might forbid before the exec.
    /// </summary>
    /// <exception cref="SeccompFilterException">The filter cannot be built or loaded.</exception>
    internal static void LoadForExec(SeccompFilterDefinition definition)
    {
        var context = Build(definition, warnings: null);
        var result = Libseccomp.Load(context);
        if (result < 0)
        {
            throw new SeccompFilterException("seccomp_load: " + Launch.LibC.ErrorText(-result));
        }
    }

    private static nint Build(SeccompFilterDefinition definition, List<string>? warnings)
    {
        if (!Libseccomp.IsAvailable(out var reason))
        {
            throw new SeccompFilterException(reason!);
        }

        var defaultAction = Action(definition.DefaultAction, definition.DefaultErrnoRet, "defaultAction");
        var context = Libseccomp.Init(defaultAction);
        if (context == 0)
        {
            throw new SeccompFilterException("seccomp_init failed for default action " + definition.DefaultAction);
        }

        try
        {
            AddArchitectures(context, definition);
            SetFlags(context, definition, warnings);
            AddRules(context, definition, defaultAction, warnings);
            return context;
        }
        catch
        {
            Libseccomp.Release(context);
            throw;
        }
    }

    private static void AddArchitectures(nint context, SeccompFilterDefinition definition)
    {
        foreach (var architecture in definition.Architectures)
        {
            if (architecture == "SCMP_ARCH_NATIVE")
            {
                continue;
            }

            var name = architecture.StartsWith("SCMP_ARCH_", StringComparison.Ordinal) ? architecture["SCMP_ARCH_".Length..].ToLowerInvariant() : string.Empty;
            var token = name.Length == 0 ? 0 : Libseccomp.ArchResolveName(name);
            if (token == 0)
            {
                throw new SeccompFilterException("architecture " + architecture + " is not known to libseccomp " + Libseccomp.VersionText());
            }

            var result = Libseccomp.ArchAdd(context, token);
            if (result < 0 && result != -17)
            {
                throw new SeccompFilterException("seccomp_arch_add " + architecture + ": " + Launch.LibC.ErrorText(-result));
            }
        }
    }

    private static void SetFlags(nint context, SeccompFilterDefinition definition, List<string>? warnings)
    {
        foreach (var flag in definition.Flags.Distinct(StringComparer.Ordinal))
        {
            var (attribute, since) = flag switch
            {
                "SECCOMP_FILTER_FLAG_LOG" => (Libseccomp.AttrCtlLog, "2.4.0"),
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => (Libseccomp.AttrCtlSsb, "2.5.0"),
                "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" => (Libseccomp.AttrCtlWaitKill, "2.6.0"),
                "SECCOMP_FILTER_FLAG_TSYNC" => (0, string.Empty),
                _ => throw new SeccompFilterException("unknown seccomp flag " + flag),
            };

            if (attribute == 0)
            {
                // The exec'd program is single-threaded and inherits the filter either way; synchronising
                // would also filter the launcher runtime's own threads before the exec.
                warnings?.Add("flag SECCOMP_FILTER_FLAG_TSYNC has no effect on a program started by spoc run (it starts with one thread)");
                continue;
            }

            var result = Libseccomp.AttrSet(context, attribute, 1);
            if (result < 0)
            {
                throw new SeccompFilterException(
                    "flag " + flag + " is not supported by the installed libseccomp " + Libseccomp.VersionText()
                    + " (it needs libseccomp " + since + " or later and kernel support): " + Launch.LibC.ErrorText(-result));
            }
        }
    }

    private static unsafe void AddRules(nint context, SeccompFilterDefinition definition, uint defaultAction, List<string>? warnings)
    {
        var conditions = stackalloc Libseccomp.ArgCompare[6];
        for (var r = 0; r < definition.Rules.Count; r++)
        {
            var rule = definition.Rules[r];
            var where = "syscalls[" + r.ToString(CultureInfo.InvariantCulture) + "]";
            var action = Action(rule.Action, rule.ErrnoRet, where + ".action");
            if (action == defaultAction)
            {
                continue;
            }

            if (rule.Args.Count > 6)
            {
                throw new SeccompFilterException(where + ": at most 6 argument conditions");
            }

            for (var i = 0; i < rule.Args.Count; i++)
            {
                var arg = rule.Args[i];
                if (arg.Index > 5)
                {
                    throw new SeccompFilterException(where + ".args[" + i.ToString(CultureInfo.InvariantCulture) + "].index: must be 0 to 5");
                }

                conditions[i] = new Libseccomp.ArgCompare { Argument = arg.Index, Operator = Operator(arg.Op, where), DatumA = arg.Value, DatumB = arg.ValueTwo };
            }

            // libseccomp ANDs the conditions of one rule; several conditions on the same argument
            // cannot be ANDed, so runc adds each as its own rule (OR). Do the same.
            var splitRules = rule.Args.GroupBy(a => a.Index).Any(g => g.Count() > 1);
            foreach (var name in rule.Names)
            {
                var number = Libseccomp.SyscallResolveName(name);
                if (number == Libseccomp.SyscallError)
                {
                    warnings?.Add("syscall " + name + " is unknown to libseccomp " + Libseccomp.VersionText() + " on this architecture; its rule is skipped");
                    continue;
                }

                if (splitRules)
                {
                    for (var i = 0; i < rule.Args.Count; i++)
                    {
                        AddRule(context, action, number, 1, conditions + i, name, where);
                    }
                }
                else
                {
                    AddRule(context, action, number, (uint)rule.Args.Count, conditions, name, where);
                }
            }
        }
    }

    private static unsafe void AddRule(nint context, uint action, int number, uint count, Libseccomp.ArgCompare* conditions, string name, string where)
    {
        var result = Libseccomp.RuleAddArray(context, action, number, count, count == 0 ? null : conditions);
        if (result < 0)
        {
            var detail = result == -17 ? "it conflicts with an earlier rule for the same syscall" : Launch.LibC.ErrorText(-result);
            throw new SeccompFilterException(where + ": cannot add the rule for " + name + ": " + detail);
        }
    }

    private static uint Action(string action, uint? errnoRet, string where) => action switch
    {
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => Libseccomp.ActKillThread,
        "SCMP_ACT_KILL_PROCESS" => Libseccomp.ActKillProcess,
        "SCMP_ACT_TRAP" => Libseccomp.ActTrap,
        "SCMP_ACT_ERRNO" => Libseccomp.Errno(errnoRet ?? DefaultErrno),
        "SCMP_ACT_TRACE" => Libseccomp.Trace(errnoRet ?? DefaultErrno),
        "SCMP_ACT_LOG" => Libseccomp.ActLog,
        "SCMP_ACT_ALLOW" => Libseccomp.ActAllow,
        "SCMP_ACT_NOTIFY" => throw new SeccompFilterException(where + ": SCMP_ACT_NOTIFY needs a seccomp notification listener, which spoc run does not provide"),
        _ => throw new SeccompFilterException(where + ": unknown action " + (action.Length == 0 ? "(empty)" : action)),
    };

    private static int Operator(string op, string where) => op switch
    {
        "SCMP_CMP_NE" => 1,
        "SCMP_CMP_LT" => 2,
        "SCMP_CMP_LE" => 3,
        "SCMP_CMP_EQ" => 4,
        "SCMP_CMP_GE" => 5,
        "SCMP_CMP_GT" => 6,
        "SCMP_CMP_MASKED_EQ" => 7,
        _ => throw new SeccompFilterException(where + ": unknown operator " + op),
    };
}
