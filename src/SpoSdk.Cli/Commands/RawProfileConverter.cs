using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Translators;
using SpoSdk.Translators.AppArmor;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// Upstream spoc's <c>convert</c>: one profile object to its raw form, the seccomp JSON a runtime
/// loads or the AppArmor policy text <c>apparmor_parser</c> compiles (named after <c>-p PROGRAM</c>,
/// else <c>metadata.name</c>). Like upstream it accepts a profile without metadata or name, and writes the same
/// AppArmor text for it, with a warning on stderr: apparmor_parser reads that text as a profile named after its flags.
/// </summary>
internal static class RawProfileConverter
{
    public static async Task<(int Code, string? Text)> ConvertAsync(string file, string? program, TextReader stdin, TextWriter stderr)
    {
        var text = await InputFile.ReadAsync(file, stdin, stderr).ConfigureAwait(false);
        if (text is null)
        {
            return (SpocApp.Failure, null);
        }

        var serializer = new SpoSerializer(new SpoSerializerOptions { Validate = false });
        var result = serializer.Read(text, file);
        if (result.SyntaxError is { } syntax)
        {
            await stderr.WriteLineAsync("spoc convert: cannot parse yaml: " + syntax).ConfigureAwait(false);
            return (SpocApp.Invalid, null);
        }

        if (result.Documents.Count != 1 || result.Documents[0].Object is not { } profile)
        {
            foreach (var error in result.Errors)
            {
                await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("spoc convert: " + file + " must hold exactly one profile").ConfigureAwait(false);
            return (result.Errors.Any(e => e.Category == SpoReadErrorCategory.UnknownKind) ? SpocApp.Failure : SpocApp.Invalid, null);
        }

        // The name may be missing (upstream allows it); every other rule of the schema still holds.
        var violations = serializer.Validate(profile).Where(v => !v.Path.StartsWith("$.metadata", StringComparison.Ordinal)).ToList();
        foreach (var violation in violations)
        {
            await stderr.WriteLineAsync(file + "#1 " + profile.Kind + "/" + (profile.Metadata.Name ?? "<unnamed>") + ": " + violation).ConfigureAwait(false);
        }

        if (violations.Count > 0)
        {
            return (SpocApp.Invalid, null);
        }

        var hub = SpoConverter.Default.Convert(profile, profile.KindInfo.Group + "/v1");
        switch (hub)
        {
            case Api.V1.SeccompProfile seccomp:
                return (SpocApp.Success, SeccompProfileJson.ToIndentedJson(seccomp.Spec) + "\n");
            case Api.V1.AppArmorProfile apparmor:
                return await ToAppArmorAsync(apparmor, file, program, stderr).ConfigureAwait(false);
            default:
                await stderr.WriteLineAsync("spoc convert: " + hub.Kind + " has no raw form (supported: SeccompProfile, AppArmorProfile)").ConfigureAwait(false);
                return (SpocApp.Failure, null);
        }
    }

    private static async Task<(int Code, string? Text)> ToAppArmorAsync(Api.V1.AppArmorProfile profile, string file, string? program, TextWriter stderr)
    {
        var result = AppArmorProfileGenerator.Generate(program ?? profile.Metadata?.Name, profile.Spec?.Mode, profile.Spec?.Abstract);
        foreach (var error in result.Errors)
        {
            // The profile name came from -p, not from the manifest, when -p was given.
            var where = program is not null && error.Path == "$.metadata.name" ? "-p" : error.Path;
            await stderr.WriteLineAsync(file + "#1 " + profile.Kind + "/" + (profile.Metadata?.Name ?? "<unnamed>") + ": " + where + ": " + error.Message).ConfigureAwait(false);
        }

        if (result.Text is not { } text)
        {
            return (SpocApp.Invalid, null);
        }

        // Upstream writes "profile  flags=(...) {" for an empty name; the text stays upstream's (test-vectors
        // §1.4.4), but the parser would take the flags for the profile's name, which the user should know.
        if (string.IsNullOrEmpty(program ?? profile.Metadata?.Name))
        {
            var flags = "flags=(" + (profile.Spec?.Mode == Api.V1.AppArmorProfileMode.Complain ? "complain" : "enforce") + ",attach_disconnected,mediate_deleted)";
            await stderr.WriteLineAsync("spoc convert: warning: " + file + ": the profile has no name, so apparmor_parser would take " + flags + " for its name; set metadata.name or pass -p PROGRAM").ConfigureAwait(false);
        }

        return (SpocApp.Success, text);
    }
}
