using SpoSdk.Cli;

namespace SpoSdk.Tests.Cli;

/// <summary><c>spoc convert</c>: between versions, and to the raw seccomp or AppArmor form as upstream spoc.</summary>
public sealed class ConvertCommandTests : IDisposable
{
    private const string LegacyRecording = """
        apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
        kind: ProfileRecording
        metadata: {name: rec, namespace: ns}
        spec: {kind: SeccompProfile, recorder: logs, mergeStrategy: containers, podSelector: {matchLabels: {app: web}}}
        ---
        apiVersion: security-profiles-operator.x-k8s.io/v1beta1
        kind: SeccompProfile
        metadata: {name: s}
        spec: {defaultAction: SCMP_ACT_LOG}
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-convert-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task To_v1_rewrites_apiVersion_and_enum_spelling()
    {
        var (code, stdout, stderr) = await RunAsync("convert", "--to", "v1", Write("legacy.yaml", LegacyRecording));

        Assert.True(code == 0, stderr);
        Assert.Equal("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: ProfileRecording
            metadata:
              name: rec
              namespace: ns
            spec:
              kind: SeccompProfile
              recorder: Logs
              mergeStrategy: Containers
              podSelector:
                matchLabels:
                  app: web
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata:
              name: s
            spec:
              defaultAction: SCMP_ACT_LOG

            """, stdout);
    }

    [Fact]
    public async Task Json_output_of_several_objects_is_a_list_written_to_a_file()
    {
        var output = Path.Combine(_dir, "out.json");
        var (code, stdout, _) = await RunAsync("convert", "--to", "security-profiles-operator.x-k8s.io/v1", "--format", "json", "-o", output, Write("legacy.yaml", LegacyRecording));

        Assert.Equal(0, code);
        Assert.Empty(stdout);
        var list = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(output))!;
        Assert.Equal("List", (string?)list["kind"]);
        Assert.Equal(2, list["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Invalid_documents_are_reported_and_valid_ones_still_converted()
    {
        var file = Write("mixed.yaml", LegacyRecording + "\n---\napiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: bad}\nspec: {defaultAction: NOPE}\n");

        var (code, stdout, stderr) = await RunAsync("convert", "--to", "v1", file);

        Assert.Equal(1, code);
        Assert.Contains(file + "#3 SeccompProfile/bad: $.spec.defaultAction", stderr, StringComparison.Ordinal);
        Assert.Contains("recorder: Logs", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_o_nothing_is_written_unless_every_document_converted()
    {
        var output = Path.Combine(_dir, "out.yaml");
        var file = Write("mixed.yaml", LegacyRecording + "\n---\napiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: bad}\nspec: {defaultAction: NOPE}\n");

        var (code, _, stderr) = await RunAsync("convert", "--to", "v1", "-o", output, file);

        Assert.Equal(1, code);
        Assert.Contains(file + "#3 SeccompProfile/bad: $.spec.defaultAction", stderr, StringComparison.Ordinal);
        Assert.Contains("spoc convert: " + output + " not written: not every document converted", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Converting_in_place_never_drops_a_document_that_failed()
    {
        var file = Write("two.yaml", LegacyRecording + "\n---\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: b}\nspec: {defaultAction: SCMP_ACT_ERRNO, bogus: 1}\n");
        var before = File.ReadAllText(file);

        var (code, _, stderr) = await RunAsync("convert", "--to", "v1", "-o", file, file);

        Assert.Equal(1, code);
        Assert.Contains("bogus", stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(file));
    }

    [Fact]
    public async Task An_input_without_documents_is_an_error_naming_it_and_leaves_o_alone()
    {
        var empty = Write("empty.yaml", "# nothing yet\n");
        var output = Write("out.yaml", "stale: from an earlier run\n");

        var toFile = await RunAsync("convert", "--to", "v1", "-o", output, empty);
        var toStdout = await RunAsync("convert", "--to", "v1", empty);

        Assert.Equal(1, toFile.Code);
        Assert.Contains("spoc convert: " + empty + " holds no documents", toFile.Stderr, StringComparison.Ordinal);
        Assert.Equal("stale: from an earlier run\n", File.ReadAllText(output));
        Assert.Equal((1, string.Empty, "spoc convert: " + empty + " holds no documents\n"), toStdout);
    }

    [Fact]
    public async Task Without_format_json_input_stays_json_and_yaml_or_mixed_input_is_yaml()
    {
        var json = Write("p.json", """{"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","metadata":{"name":"p"},"spec":{"defaultAction":"SCMP_ACT_ERRNO"}}""");
        var flowYaml = Write("flow.yaml", "{apiVersion: security-profiles-operator.x-k8s.io/v1beta1, kind: SeccompProfile, metadata: {name: q}, spec: {defaultAction: SCMP_ACT_LOG}}\n");

        var fromJson = await RunAsync("convert", "--to", "v1", json);
        var fromMixed = await RunAsync("convert", "--to", "v1", json, flowYaml);
        var forcedYaml = await RunAsync("convert", "--to", "v1", "--format", "yaml", json);

        Assert.True(fromJson.Code == 0, fromJson.Stderr);
        Assert.Equal("security-profiles-operator.x-k8s.io/v1", (string?)System.Text.Json.Nodes.JsonNode.Parse(fromJson.Stdout)!["apiVersion"]);
        Assert.StartsWith("apiVersion: security-profiles-operator.x-k8s.io/v1\n", fromMixed.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("apiVersion: security-profiles-operator.x-k8s.io/v1\n", forcedYaml.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unserved_target_version_exits_two()
    {
        var (code, _, stderr) = await RunAsync("convert", "--to", "v7", Write("legacy.yaml", LegacyRecording));
        Assert.Equal(2, code);
        Assert.Contains("not served", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_seccomp_form_is_indented_json_without_metadata_as_upstream()
    {
        // Offline, nothing applies CRD defaults, so (as with upstream spoc) no "state" appears.
        var file = Write("profile.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names: [foo]\n");

        var (code, stdout, stderr) = await RunAsync("convert", file);

        Assert.True(code == 0, stderr);
        Assert.Equal("""
            {
              "defaultAction": "SCMP_ACT_ERRNO",
              "syscalls": [
                {
                  "names": [
                    "foo"
                  ],
                  "action": "SCMP_ACT_ALLOW"
                }
              ]
            }

            """, stdout);
    }

    [Theory]
    [InlineData("", "deny /dev/null wl", "flags=(enforce,attach_disconnected,mediate_deleted)")]
    [InlineData("  mode: Enforce\n", "deny /dev/null wl", "flags=(enforce,attach_disconnected,mediate_deleted)")]
    [InlineData("  mode: Complain\n", "/dev/null r,", "flags=(complain,attach_disconnected,mediate_deleted)")]
    public async Task Raw_apparmor_form_as_upstream(string mode, string rule, string flags)
    {
        // converter_test.go TestRun: no metadata, so the profile name is empty, which upstream accepts.
        var file = Write("aa.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: AppArmorProfile\nspec:\n" + mode + "  abstract:\n    filesystem:\n      readOnlyPaths: [/dev/null]\n");

        var (code, stdout, stderr) = await RunAsync("convert", file);

        Assert.True(code == 0, stderr);
        Assert.Contains(rule, stdout, StringComparison.Ordinal);
        Assert.Contains("\nprofile  " + flags + " {\n", stdout, StringComparison.Ordinal);
        Assert.Equal(mode.Contains("Complain", StringComparison.Ordinal), !stdout.Contains("deny /dev/null", StringComparison.Ordinal));
    }

    // Without a name the text is upstream's ("profile  flags=(...) {"), which apparmor_parser reads as a profile
    // named after its flags: stdout is that text, and stderr says so and how to name the profile.
    [Theory]
    [InlineData("", "", "enforce")]
    [InlineData("metadata: {name: \"\"}\n", "  mode: Complain\n", "complain")]
    public async Task Raw_apparmor_form_without_a_name_is_upstreams_text_with_a_warning(string metadata, string mode, string flag)
    {
        var file = Write("aa.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: AppArmorProfile\n" + metadata + "spec:\n" + mode + "  abstract:\n    filesystem:\n      readOnlyPaths: [/dev/null]\n");

        var (code, stdout, stderr) = await RunAsync("convert", file);
        var (namedCode, named, namedStderr) = await RunAsync("convert", "-p", "/usr/bin/app", file);

        Assert.Equal((0, 0), (code, namedCode));
        Assert.Contains("\nprofile  flags=(" + flag + ",attach_disconnected,mediate_deleted) {\n", stdout, StringComparison.Ordinal);
        Assert.Equal(named.Replace("\nprofile /usr/bin/app flags=(", "\nprofile  flags=(", StringComparison.Ordinal), stdout);
        Assert.Equal("spoc convert: warning: " + file + ": the profile has no name, so apparmor_parser would take flags=(" + flag + ",attach_disconnected,mediate_deleted) for its name; set metadata.name or pass -p PROGRAM\n", stderr);
        Assert.Empty(namedStderr);
    }

    [Fact]
    public async Task Raw_apparmor_profile_is_named_after_the_program_or_the_object_and_written_with_o()
    {
        var file = Write("aa.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\nkind: AppArmorProfile\nmetadata: {name: web}\nspec:\n  abstract:\n    executable: {allowedExecutables: [/usr/sbin/nginx]}\n");
        var output = Path.Combine(_dir, "web.apparmor");

        var (named, byName, _) = await RunAsync("convert", file);
        var (program, _, _) = await RunAsync("convert", "-p", "/usr/sbin/nginx", "-o", output, file);

        Assert.Equal(0, named);
        Assert.Contains("\nprofile web flags=(enforce,", byName, StringComparison.Ordinal);
        Assert.Contains("  /usr/sbin/nginx ixr,\n", byName, StringComparison.Ordinal);
        Assert.Equal(0, program);
        Assert.Contains("\nprofile /usr/sbin/nginx flags=(enforce,", await File.ReadAllTextAsync(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_apparmor_form_refuses_injection_with_the_path_of_the_value()
    {
        var file = Write("aa.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: AppArmorProfile\nmetadata: {name: evil}\nspec:\n  abstract:\n    filesystem:\n      readOnlyPaths: [/ok, \"/etc/passwd r,\\n  /etc/shadow\"]\n");

        var (code, stdout, stderr) = await RunAsync("convert", file);
        var (badProgram, _, programErr) = await RunAsync("convert", "-p", "my program", file);

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.StartsWith(file + "#1 AppArmorProfile/evil: $.spec.abstract.filesystem.readOnlyPaths[1]: ", stderr, StringComparison.Ordinal);
        Assert.Equal(1, badProgram);
        Assert.Contains("AppArmorProfile/evil: -p: invalid profile name", programErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_form_of_a_kind_without_one_names_the_supported_kinds()
    {
        var file = Write("selinux.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SelinuxProfile\nmetadata: {name: s}\nspec: {}\n");

        var (code, _, stderr) = await RunAsync("convert", file);

        Assert.Equal(2, code);
        Assert.Contains("supported: SeccompProfile, AppArmorProfile", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing.yaml", null, "file not found", 2)]
    [InlineData("bad.yaml", "% this is not yaml\n", "cannot parse yaml", 1)]
    public async Task Raw_form_errors_as_upstream(string name, string? content, string message, int exitCode)
    {
        var path = content is null ? Path.Combine(_dir, name) : Write(name, content);

        var (code, _, stderr) = await RunAsync("convert", path);

        Assert.Equal(exitCode, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("convert")]
    [InlineData("convert", "--to")]
    [InlineData("convert", "--bogus", "x.yaml")]
    [InlineData("convert", "a.yaml", "b.yaml")]
    [InlineData("convert", "--to", "v1", "--format", "toml", "a.yaml")]
    public async Task Usage_errors_exit_two(params string[] args)
    {
        Assert.Equal(2, (await RunAsync(args)).Code);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(args, TextReader.Null, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
