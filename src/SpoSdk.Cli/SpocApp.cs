using SpoSdk.Cli.Commands;

namespace SpoSdk.Cli;

/// <summary>The <c>spoc</c> command line: dispatches to one command per verb.</summary>
public static class SpocApp
{
    /// <summary>Exit code: everything checked out.</summary>
    public const int Success = 0;

    /// <summary>Exit code: the input is wrong (violations, syntax errors).</summary>
    public const int Invalid = 1;

    /// <summary>Exit code: the command could not do its job (usage, unreadable files, unknown kinds).</summary>
    public const int Failure = 2;

    private const string Usage = """
        usage: spoc <command> [options]

        commands:
          validate [--lenient] FILE...   check SPO manifests (YAML or JSON, multi-document; '-' reads stdin,
                                         a directory reads its *.yaml, *.yml and *.json files)
          convert --to VERSION [-o OUT] [--format yaml|json] FILE...
                                         convert manifests to another served version (v1, v1alpha1, ... or a full apiVersion)
          convert PROFILE [-o OUT] [-p PROGRAM]
                                         a profile to its raw form (seccomp JSON, AppArmor policy), as upstream spoc
          reconcile --manifests DIR --node-root DIR [--node-name NAME] [--kubelet-dir DIR]
                                         install the profiles under DIR into a node root, once, without a cluster
          audit [--json] FILE|-          print the seccomp, SELinux and AppArmor events of an audit log or syslog
                                         ('-' reads stdin), one per line as the log enricher logs them, or as JSON
          migrate [--check] [--diff] PATH...
                                         rewrite legacy and pre-1.0 manifests to v1 in place (directories: *.yaml, *.yml,
                                         recursively); --check lists the changes, --diff prints them; neither writes
          push REF FILE... [--layout spo|kep6061] [--platform P]... [--annotation K=V]... [--plain-http]
                                         push profiles as an OCI artifact (upstream spoc's layout or KEP 6061's);
                                         credentials from USERNAME/PASSWORD, else the docker config's auths
          pull REF [-o FILE] [--platform P] [--key PEM]... [--plain-http] [--disable-signature-verification]
                                         pull a profile artifact; refused unless a --key verifies its cosign
                                         signature, REF is pinned by digest, or verification is disabled
          record [-o FILE] [--name NAME] [--type seccomp|raw-seccomp|apparmor|all] [--base-syscalls[=LIST]|-b LIST|--no-base-syscalls] [--] CMD [ARGS...]
                                         run CMD under ptrace and write the profile of what it did (default $TMPDIR/profile.yaml);
                                         exits with CMD's code (125: spoc failed, 127: CMD not found)
          run --profile FILE [--] CMD [ARGS...]
                                         run CMD under a SeccompProfile (YAML/JSON manifest or raw seccomp JSON) via libseccomp;
                                         exits with CMD's code (125: spoc failed, 127: CMD not found)
          merge [-o OUT] [--check] FILE...
                                         union of profiles of one kind, normalised as upstream (default OUT $TMPDIR/profile.yaml);
                                         --check writes nothing and exits 1 unless the first profile covers the others
        """;

    /// <summary>Runs one command line and returns its exit code.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Count == 0 ? stderr : stdout!).WriteLine(Usage);
            return Task.FromResult(args.Count == 0 ? Failure : Success);
        }

        return args[0] switch
        {
            "validate" => ValidateCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            "convert" => ConvertCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            "reconcile" => ReconcileCommand.RunAsync(args.Skip(1).ToList(), stdout, stderr),
            "audit" => AuditCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            "migrate" => MigrateCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            "push" => PushCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            "pull" => PullCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            "record" => RecordCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            "run" => RunCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            "merge" => MergeCommand.RunAsync(args.Skip(1).ToList(), stdin, stdout, stderr),
            _ => UnknownCommand(args[0], stderr),
        };
    }

    private static Task<int> UnknownCommand(string command, TextWriter stderr)
    {
        stderr.WriteLine("spoc: unknown command '" + command + "'");
        stderr.WriteLine(Usage);
        return Task.FromResult(Failure);
    }
}
