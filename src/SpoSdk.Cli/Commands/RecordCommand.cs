using SpoSdk.Api.Schema;
using SpoSdk.Recording;
using SpoSdk.Recording.Launch;
using SpoSdk.Recording.Ptrace;
using SpoSdk.Translators;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc record [-o FILE] [--name NAME] [--type seccomp|raw-seccomp|apparmor|all]
/// [--base-syscalls[=LIST] | -b LIST | --no-base-syscalls] [--] CMD [ARGS...]</c>: runs CMD under ptrace
/// (<see cref="LocalCommandRecorder"/>) and writes what it did as a profile named NAME (default: the
/// command's base name) to FILE (default <c>$TMPDIR/profile.yaml</c>, or <c>.json</c> for raw-seccomp).
/// The seccomp profile allows the recorded syscalls plus the base set (upstream's 83 names unless
/// <c>-b</c> replaces them; repeatable, comma-separated) as one sorted ALLOW rule; <c>all</c> writes the
/// AppArmor profile, then the seccomp profile, as one YAML stream. Output is deterministic.
/// Exit code: the command's (128 + signal when a signal ended it); 127 when CMD is not found; 125 when
/// spoc itself fails (usage, ptrace unavailable), in which case nothing is written.
/// </summary>
internal static class RecordCommand
{
    private const int Failed = LauncherChild.LauncherFailed;

    private const string Usage = "usage: spoc record [-o FILE] [--name NAME] [--type seccomp|raw-seccomp|apparmor|all] "
        + "[--base-syscalls[=LIST] | -b LIST | --no-base-syscalls] [--] CMD [ARGS...]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        string? output = null, name = null, type = "seccomp";
        List<string>? baseSyscalls = null;
        var noBase = false;
        var i = 0;
        for (; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                i++;
                break;
            }

            if (!arg.StartsWith('-') || arg == "-")
            {
                break;
            }

            if (arg.StartsWith("--base-syscalls=", StringComparison.Ordinal))
            {
                (baseSyscalls ??= []).AddRange(SplitList(arg["--base-syscalls=".Length..]));
                continue;
            }

            if (arg == "--base-syscalls" && (i + 1 >= args.Count || args[i + 1].StartsWith('-')))
            {
                continue;
            }

            if (arg is "-n" or "--no-base-syscalls")
            {
                noBase = true;
                continue;
            }

            if (arg is not ("-o" or "--output-file" or "--output" or "--name" or "-t" or "--type" or "-b" or "--base-syscalls"))
            {
                await stderr.WriteLineAsync("spoc record: unknown option '" + arg + "'\n" + Usage).ConfigureAwait(false);
                return Failed;
            }

            if (++i >= args.Count)
            {
                await stderr.WriteLineAsync("spoc record: " + arg + " needs a value\n" + Usage).ConfigureAwait(false);
                return Failed;
            }

            switch (arg)
            {
                case "-o" or "--output-file" or "--output": output = args[i]; break;
                case "--name": name = args[i]; break;
                case "-t" or "--type": type = args[i]; break;
                default: (baseSyscalls ??= []).AddRange(SplitList(args[i])); break;
            }
        }

        if (i >= args.Count || type is not ("seccomp" or "raw-seccomp" or "apparmor" or "all"))
        {
            await stderr.WriteLineAsync((i >= args.Count ? "spoc record: no command given\n" : "spoc record: unknown type '" + type + "'\n") + Usage).ConfigureAwait(false);
            return Failed;
        }

        var command = args[i];
        var argv = args.Skip(i).ToList();
        var program = CommandLocator.Resolve(command);
        if (program is null)
        {
            await stderr.WriteLineAsync("spoc record: " + command + ": command not found").ConfigureAwait(false);
            return LauncherChild.NotFound;
        }

        LocalRecording recording;
        try
        {
            using var signals = new CommandSignals();
            recording = await new LocalCommandRecorder().RecordAsync(new LocalRecordingRequest(program, argv, RecordAppArmor: type is "apparmor" or "all"), signals.Stop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PtraceUnavailableException or LaunchException or PlatformNotSupportedException)
        {
            await stderr.WriteLineAsync("spoc record: " + ex.Message).ConfigureAwait(false);
            return Failed;
        }

        foreach (var warning in recording.Warnings)
        {
            await stderr.WriteLineAsync("spoc record: warning: " + warning).ConfigureAwait(false);
        }

        if (!recording.Started)
        {
            await stderr.WriteLineAsync("spoc record: " + command + " did not start; no profile written").ConfigureAwait(false);
            return recording.ExitCode;
        }

        name ??= Path.GetFileName(command);
        var seccomp = RecordedProfiles.Seccomp(name, recording.Architecture, recording.Syscalls, noBase ? null : baseSyscalls ?? RecordedProfiles.DefaultBaseSyscalls);
        var profiles = new List<ISpoObject>();
        if (type is "apparmor" or "all")
        {
            profiles.Add(RecordedProfiles.AppArmor(name, recording.AppArmor!, recording.ProgramPath));
        }

        if (type is "seccomp" or "all")
        {
            profiles.Add(seccomp);
        }

        var text = type == "raw-seccomp" ? SeccompProfileJson.ToIndentedJson(seccomp.Spec) + "\n" : ProfileYaml.Write(profiles);
        output ??= Path.Combine(Path.GetTempPath(), type == "raw-seccomp" ? "profile.json" : "profile.yaml");
        using var stop = new StopSignals();
        if (!await OutputFile.TryWriteAsync("record", output, text, stderr, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead).ConfigureAwait(false))
        {
            return Failed;
        }

        await stderr.WriteLineAsync("spoc record: wrote " + (type == "all" ? "apparmor and seccomp" : type) + " profile to " + output).ConfigureAwait(false);
        return stop.Stopped ? stop.ExitCode : recording.ExitCode;
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
