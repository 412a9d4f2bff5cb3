using SpoSdk.Cli.CommandLine;
using SpoSdk.Cli.Commands;

namespace SpoSdk.Cli;

/// <summary>Every spoc command: its synopsis, arguments, options and examples, and what runs it.</summary>
internal static class SpocCommands
{
    /// <summary>The commands in the order <c>spoc --help</c> lists them.</summary>
    public static readonly IReadOnlyList<CliCommand> All =
    [
        new(
            "validate",
            "validate [--lenient] FILE...",
            "Check SPO manifests against their schemas; one line per problem on stderr (FILE#DOC KIND/NAME: JSONPATH: message). Exit 1 for violations.",
            [new("FILE...", "manifests (YAML or JSON, multi-document); '-' reads stdin, a directory its *.yaml, *.yml and *.json files", Required: true)],
            [new(["--lenient"], null, "accept unknown fields (the API server's default) instead of reporting them")],
            ["spoc validate deploy/profiles/", "kubectl get seccompprofiles -o yaml | spoc validate -"],
            i => ValidateCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error)),
        new(
            "convert",
            "convert --to VERSION [-o OUT] [--format yaml|json] FILE...\nconvert PROFILE [-o OUT] [-p PROGRAM]",
            "Convert manifests to another served version, or (without --to) a profile to its raw form (seccomp JSON, AppArmor policy), as upstream spoc.",
            [new("FILE...", "manifests to convert ('-' reads stdin); without --to, exactly one PROFILE", Required: true)],
            [
                new(["--to"], "VERSION", "the version to convert to: v1, v1alpha1, ... or a full apiVersion"),
                new(["-o", "--output"], "OUT", "write here (atomically) instead of stdout"),
                new(["--format"], "yaml|json", "the output format with --to (default: json when every input is JSON, else yaml)"),
                new(["-p", "--program"], "PROGRAM", "the program an AppArmor profile confines (raw form only)"),
            ],
            ["spoc convert --to v1 -o profile-v1.yaml profile-v1beta1.yaml", "spoc convert -o profile.json seccompprofile.yaml"],
            i => ConvertCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error)),
        new(
            "reconcile",
            "reconcile --manifests DIR --node-root DIR [--node-name NAME] [--kubelet-dir DIR]",
            "Install the profiles under DIR into a node root once, without a cluster; prints KIND, NAME, STATUS and the node file or reason per profile. Exit 1 when any ends in Error.",
            [],
            [
                new(["--manifests"], "DIR", "the manifests to reconcile (*.yaml, *.yml, *.json, recursively; hidden files and folders and symbolic links skipped)") { Required = true },
                new(["--node-root"], "DIR", "the folder standing for the node's /") { Required = true },
                new(["--node-name"], "NAME", "the node's name in statuses and events (default local-node)"),
                new(["--kubelet-dir"], "DIR", "the kubelet's root directory on the node (default /var/lib/kubelet)"),
            ],
            ["spoc reconcile --manifests deploy/profiles --node-root /tmp/node"],
            i => ReconcileCommand.RunAsync(i.Args, i.Console.Out, i.Console.Error, i.Progress)),
        new(
            "audit",
            "audit [--json] FILE|-",
            "Print the seccomp, SELinux and AppArmor events of an audit log or syslog, one per line as the log enricher logs them, or as JSON.",
            [new("FILE|-", "the log to read; '-' reads stdin", Required: true)],
            [new(["--json"], null, "one JSON object per event instead of the enricher's line")],
            ["spoc audit --json /var/log/audit/audit.log"],
            i => AuditCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error, i.Console.OutputIsTerminal ? CliProgress.None : i.Progress)),
        new(
            "migrate",
            "migrate [--check] [--diff] PATH...",
            "Rewrite legacy and pre-1.0 manifests to v1 in place (directories: *.yaml, *.yml, recursively); a file is written only when every document in it migrates.",
            [new("PATH...", "files or directories to migrate", Required: true)],
            [
                new(["--check"], null, "list the changes and write nothing; exit 1 when anything would change"),
                new(["--diff"], null, "print the changes as a unified diff and write nothing; exit 1 when anything would change"),
            ],
            ["spoc migrate --diff deploy/", "spoc migrate deploy/"],
            i => MigrateCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error)) { AcceptsEndOfOptions = true },
        new(
            "push",
            "push REF FILE... [--layout spo|kep6061] [--platform P]... [--annotation K=V]... [--plain-http] [-u USER]",
            "Push profiles to a registry as an OCI artifact (upstream spoc's layout or KEP 6061's); credentials from USERNAME/PASSWORD, else the docker config's auths. Prints the reference pinned to its digest.",
            [new("REF", "where to push, e.g. registry.example/profiles/nginx:v1", Required: true), new("FILE...", "the profiles (one per platform, in --platform order)", Required: true)],
            [
                new(["--layout"], "spo|kep6061", "the artifact layout (default: spo for profile objects, kep6061 for raw seccomp JSON)"),
                new(["-p", "--platforms", "--platform"], "P", "the platform of the next FILE, e.g. linux/amd64 (repeatable; default: this machine's, as upstream)"),
                new(["-a", "--annotations", "--annotation"], "K=V", "a manifest annotation (repeatable)"),
                new(["-f", "--profiles"], "FILE", "a profile to push, as a FILE argument (repeatable)"),
                new(["-u", "--username"], "USER", "the registry user (password from PASSWORD)"),
                new(["--plain-http"], null, "talk HTTP instead of HTTPS (local registries)"),
            ],
            ["spoc push registry.example/profiles/nginx:v1 nginx.yaml"],
            i => PushCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error, i.Progress)),
        new(
            "pull",
            "pull REF [-o FILE] [--platform P] [--key PEM]... [--plain-http] [--disable-signature-verification] [-u USER]",
            "Pull a profile artifact, byte for byte as stored; refused unless a --key verifies its cosign signature, REF is pinned by digest, or verification is disabled.",
            [new("REF", "the artifact, e.g. registry.example/profiles/nginx:v1 or ...@sha256:...", Required: true)],
            [
                new(["-o", "--output", "--output-file"], "FILE", "write here instead of stdout"),
                new(["-p", "--platform"], "P", "the platform to pull, e.g. linux/amd64 (default: this machine's)"),
                new(["--key"], "PEM", "a cosign public key that must verify the artifact's signature (repeatable)"),
                new(["-u", "--username"], "USER", "the registry user (password from PASSWORD)"),
                new(["--plain-http"], null, "talk HTTP instead of HTTPS (local registries)"),
                new(["-s", "--disable-signature-verification"], null, "take the artifact unverified (also DISABLE_SIGNATURE_VERIFICATION=true)"),
            ],
            ["spoc pull --key cosign.pub -o nginx.yaml registry.example/profiles/nginx:v1"],
            i => PullCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error, i.Progress)),
        new(
            "record",
            "record [-o FILE] [--name NAME] [--type seccomp|raw-seccomp|apparmor|all] [--base-syscalls[=LIST]|-b LIST|--no-base-syscalls] [--] CMD [ARGS...]",
            "Run CMD under ptrace and write the profile of what it did (default $TMPDIR/profile.yaml); exits with CMD's code (125: spoc failed, 127: CMD not found).",
            [new("CMD [ARGS...]", "the program to record and its arguments (options end at CMD)", Required: true)],
            [
                new(["-o", "--output", "--output-file"], "FILE", "where to write the profile"),
                new(["--name"], "NAME", "the profile's name (default: CMD's base name)"),
                new(["-t", "--type"], "seccomp|raw-seccomp|apparmor|all", "what to write (default seccomp)"),
                new(["-b"], "LIST", "replace the base syscalls allowed besides the recorded ones (comma-separated, repeatable)"),
                new(["--base-syscalls"], "LIST", "allow upstream's base syscalls besides the recorded ones, or LIST instead") { ValueOptional = true },
                new(["-n", "--no-base-syscalls"], null, "allow only the recorded syscalls"),
            ],
            ["spoc record -o nginx.yaml -- nginx -g 'daemon off;'"],
            i => RecordCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error))
        {
            OptionsEndAtFirstArgument = true,
            AcceptsEndOfOptions = true,
            FailureExitCode = Recording.Launch.LauncherChild.LauncherFailed,
        },
        new(
            "run",
            "run --profile FILE [--type seccomp] [--] CMD [ARGS...]",
            "Run CMD under a SeccompProfile (YAML/JSON manifest or raw seccomp JSON) via libseccomp; exits with CMD's code (125: spoc failed, 127: CMD not found).",
            [new("CMD [ARGS...]", "the program to run and its arguments (options end at CMD)", Required: true)],
            [
                new(["-p", "--profile"], "FILE", "the profile to enforce") { Required = true },
                new(["-t", "--type"], "seccomp", "the profile type (only seccomp)"),
            ],
            ["spoc run --profile nginx.yaml -- nginx -g 'daemon off;'"],
            i => RunCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error))
        {
            OptionsEndAtFirstArgument = true,
            AcceptsEndOfOptions = true,
            FailureExitCode = Recording.Launch.LauncherChild.LauncherFailed,
        },
        new(
            "merge",
            "merge [-o OUT] [--check] FILE...",
            "The union of profiles of one kind, normalised as upstream (default OUT $TMPDIR/profile.yaml; '-' is stdout).",
            [new("FILE...", "the profiles to merge (any served version)")],
            [
                new(["-o", "--output", "--output-file"], "OUT", "where to write the merged profile"),
                new(["-c", "--check"], null, "write nothing; exit 1 unless the first profile already covers the others"),
            ],
            ["spoc merge -o merged.yaml run1.yaml run2.yaml"],
            i => MergeCommand.RunAsync(i.Args, i.Console.In, i.Console.Out, i.Console.Error)),
    ];
}
