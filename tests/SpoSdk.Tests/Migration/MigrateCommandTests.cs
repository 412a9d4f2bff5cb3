using System.Text;
using SpoSdk.Cli;

namespace SpoSdk.Tests.Migration;

/// <summary><c>spoc migrate</c> on real files in a temporary folder: what it writes, what it leaves alone, what it prints.</summary>
public sealed class MigrateCommandTests : IDisposable
{
    private const string LegacySeccomp = """
        apiVersion: security-profiles-operator.x-k8s.io/v1beta1
        kind: SeccompProfile
        metadata:
          name: web
        spec:
          disabled: false   # on
          defaultAction: SCMP_ACT_LOG

        """;

    private const string MigratedSeccomp = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata:
          name: web
        spec:
          state: Enabled   # on
          defaultAction: SCMP_ACT_LOG

        """;

    private const string V1Binding = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: ProfileBinding
        metadata: {name: b, namespace: ns}
        spec: {profileRef: {kind: SeccompProfile, name: web}, image: nginx}

        """;

    private const string Conflicting = """
        apiVersion: security-profiles-operator.x-k8s.io/v1beta1
        kind: SeccompProfile
        metadata: {name: both}
        spec: {disabled: true, state: Enabled, defaultAction: SCMP_ACT_LOG}

        """;

    private static readonly DateTime Past = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-migrate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Rewrites_a_legacy_file_in_place()
    {
        var file = Write("web.yaml", LegacySeccomp);

        var (code, stdout, stderr) = await RunAsync("migrate", file);

        Assert.True(code == 0, stderr);
        Assert.Equal(MigratedSeccomp, File.ReadAllText(file));
        Assert.Equal(["spoc: migrated " + file + " (2 change(s))", "spoc: 1 file(s) migrated, 0 unchanged"], Lines(stdout));
        Assert.Empty(stderr);
        Assert.Equal([file], Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task Walks_directory_trees_for_yaml_and_yml_files_only()
    {
        var a = Write("a.yaml", LegacySeccomp);
        var b = Write(Path.Combine("nested", "deeper", "b.yml"), LegacySeccomp);
        var json = Write(Path.Combine("nested", "c.json"), LegacySeccomp);
        var text = Write("notes.txt", LegacySeccomp);
        var hidden = Write(Path.Combine(".git", "d.yaml"), LegacySeccomp);

        var (code, stdout, stderr) = await RunAsync("migrate", _dir);

        Assert.True(code == 0, stderr);
        Assert.Equal(MigratedSeccomp, File.ReadAllText(a));
        Assert.Equal(MigratedSeccomp, File.ReadAllText(b));
        Assert.Equal(LegacySeccomp, File.ReadAllText(json));
        Assert.Equal(LegacySeccomp, File.ReadAllText(text));
        Assert.Equal(LegacySeccomp, File.ReadAllText(hidden));
        Assert.Equal("spoc: 2 file(s) migrated, 0 unchanged", Lines(stdout)[^1]);
    }

    [Fact]
    public async Task Leaves_v1_files_untouched()
    {
        var file = Write("v1.yaml", V1Binding);
        File.SetLastWriteTimeUtc(file, Past);

        var (code, stdout, _) = await RunAsync("migrate", file);

        Assert.Equal(0, code);
        Assert.Equal(Past, File.GetLastWriteTimeUtc(file));
        Assert.Equal(Encoding.UTF8.GetBytes(V1Binding), File.ReadAllBytes(file));
        Assert.Equal(["spoc: 0 file(s) migrated, 1 unchanged"], Lines(stdout));
    }

    [Fact]
    public async Task Check_lists_changes_writes_nothing_and_exits_one()
    {
        var legacy = Write("web.yaml", LegacySeccomp);
        var current = Write("v1.yaml", V1Binding);
        File.SetLastWriteTimeUtc(legacy, Past);

        var (code, stdout, stderr) = await RunAsync("migrate", "--check", _dir);

        Assert.Equal(1, code);
        Assert.Equal(
            [
                legacy + "#1 SeccompProfile/web: $.apiVersion: security-profiles-operator.x-k8s.io/v1beta1 -> security-profiles-operator.x-k8s.io/v1",
                legacy + "#1 SeccompProfile/web: $.spec.disabled: replaced by $.spec.state: Enabled",
            ],
            Lines(stdout));
        Assert.Empty(stderr);
        Assert.Equal(LegacySeccomp, File.ReadAllText(legacy));
        Assert.Equal(Past, File.GetLastWriteTimeUtc(legacy));

        var (cleanCode, cleanOut, _) = await RunAsync("migrate", "--check", current);
        Assert.Equal(0, cleanCode);
        Assert.Empty(cleanOut);
    }

    [Fact]
    public async Task Diff_prints_a_unified_diff_and_writes_nothing()
    {
        var file = Write("web.yaml", LegacySeccomp);

        var (code, stdout, _) = await RunAsync("migrate", "--diff", file);

        Assert.Equal(1, code);
        Assert.Equal(
            "--- " + file + "\t\n+++ " + file + "\t\n" + """
            @@ -1,7 +1,7 @@
            -apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            +apiVersion: security-profiles-operator.x-k8s.io/v1
             kind: SeccompProfile
             metadata:
               name: web
             spec:
            -  disabled: false   # on
            +  state: Enabled   # on
               defaultAction: SCMP_ACT_LOG

            """,
            stdout);
        Assert.Equal(LegacySeccomp, File.ReadAllText(file));
    }

    [Fact]
    public async Task Diff_of_a_spod_regrouping_shows_moved_lines()
    {
        var file = Write("spod.yaml", """
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
              namespace: security-profiles-operator
            spec:
              verbosity: 1
              enableSelinux: true
              hostProcVolumePath: /proc

            """);

        var (code, stdout, _) = await RunAsync("migrate", "--diff", "--check", file);

        Assert.Equal(1, code);
        Assert.Equal(
            file + "#1 SecurityProfilesOperatorDaemon/security-profiles-operator/spod: $.apiVersion: security-profiles-operator.x-k8s.io/v1alpha1 -> security-profiles-operator.x-k8s.io/v1\n"
            + file + "#1 SecurityProfilesOperatorDaemon/security-profiles-operator/spod: $.spec.enableSelinux: moved to $.spec.selinux.enable\n"
            + "--- " + file + "\t\n+++ " + file + "\t\n" + """
            @@ -1,9 +1,10 @@
            -apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            +apiVersion: security-profiles-operator.x-k8s.io/v1
             kind: SecurityProfilesOperatorDaemon
             metadata:
               name: spod
               namespace: security-profiles-operator
             spec:
               verbosity: 1
            -  enableSelinux: true
            +  selinux:
            +    enable: true
               hostProcVolumePath: /proc

            """,
            stdout);
    }

    [Fact]
    public async Task Conflict_leaves_the_file_untouched_and_other_files_are_still_migrated()
    {
        var bad = Write("bad.yaml", LegacySeccomp + "---\n" + Conflicting);
        var good = Write("good.yaml", LegacySeccomp);
        File.SetLastWriteTimeUtc(bad, Past);

        var (code, stdout, stderr) = await RunAsync("migrate", bad, good);

        Assert.Equal(1, code);
        Assert.Equal([bad + "#2 SeccompProfile/both: $.spec.disabled: cannot migrate: disabled: true conflicts with state: Enabled"], Lines(stderr));
        Assert.Equal(LegacySeccomp + "---\n" + Conflicting, File.ReadAllText(bad));
        Assert.Equal(Past, File.GetLastWriteTimeUtc(bad));
        Assert.Equal(MigratedSeccomp, File.ReadAllText(good));
        Assert.Equal(["spoc: migrated " + good + " (2 change(s))", "spoc: 1 file(s) migrated, 0 unchanged"], Lines(stdout));
    }

    [Fact]
    public async Task Flow_style_spod_leaves_the_file_untouched()
    {
        const string Spod = "apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\nkind: SecurityProfilesOperatorDaemon\nmetadata: {name: spod}\nspec: {enableSelinux: true}\n";
        var file = Write("spod.yaml", Spod);
        File.SetLastWriteTimeUtc(file, Past);

        var (code, _, stderr) = await RunAsync("migrate", file);

        Assert.Equal(1, code);
        Assert.Equal([file + "#1 SecurityProfilesOperatorDaemon/spod: $.spec: cannot migrate flow-style $.spec automatically; rewrite it in block style first"], Lines(stderr));
        Assert.Equal(Spod, File.ReadAllText(file));
        Assert.Equal(Past, File.GetLastWriteTimeUtc(file));
    }

    [Fact]
    public async Task Invalid_result_leaves_the_file_untouched()
    {
        const string Profile = "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: p}\nspec: {disabled: true}\n";
        var file = Write("p.yaml", Profile);
        File.SetLastWriteTimeUtc(file, Past);

        var (code, _, stderr) = await RunAsync("migrate", file);

        Assert.Equal(1, code);
        Assert.Equal([file + "#1 SeccompProfile/p: $.spec.defaultAction: Required value"], Lines(stderr));
        Assert.Equal(Profile, File.ReadAllText(file));
        Assert.Equal(Past, File.GetLastWriteTimeUtc(file));
    }

    [Fact]
    public async Task Crlf_file_is_rewritten_with_crlf_and_byte_order_mark_kept()
    {
        var original = "\uFEFF" + LegacySeccomp.Replace("\n", "\r\n", StringComparison.Ordinal);
        var file = Path.Combine(_dir, "crlf.yaml");
        File.WriteAllBytes(file, Encoding.UTF8.GetBytes(original));

        var (code, _, stderr) = await RunAsync("migrate", file);

        Assert.True(code == 0, stderr);
        Assert.Equal(Encoding.UTF8.GetBytes("\uFEFF" + MigratedSeccomp.Replace("\n", "\r\n", StringComparison.Ordinal)), File.ReadAllBytes(file));
    }

    [Fact]
    public async Task Keeps_the_file_mode()
    {
        var file = Write("web.yaml", LegacySeccomp);
        const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(file, Mode);

        Assert.Equal(0, (await RunAsync("migrate", file)).Code);

        Assert.Equal(MigratedSeccomp, File.ReadAllText(file));
        Assert.Equal(Mode, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task A_link_named_on_the_command_line_rewrites_its_target_and_stays_a_link()
    {
        var target = Write(Path.Combine("real", "web.yaml"), LegacySeccomp);
        var link = Path.Combine(_dir, "link.yaml");
        File.CreateSymbolicLink(link, target);

        Assert.Equal(0, (await RunAsync("migrate", link)).Code);

        Assert.Equal(MigratedSeccomp, File.ReadAllText(target));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    [Fact]
    public async Task Unreadable_paths_and_usage_errors_exit_two()
    {
        var (code, _, stderr) = await RunAsync("migrate", Path.Combine(_dir, "missing.yaml"));
        Assert.Equal(2, code);
        Assert.Equal(["spoc: cannot read " + Path.Combine(_dir, "missing.yaml") + ": file not found"], Lines(stderr));

        var notUtf8 = Path.Combine(_dir, "latin1.yaml");
        File.WriteAllBytes(notUtf8, [(byte)'a', (byte)':', (byte)' ', 0xE9, (byte)'\n']);
        Assert.Equal(2, (await RunAsync("migrate", notUtf8)).Code);

        Assert.Equal(2, (await RunAsync("migrate")).Code);
        Assert.Equal(2, (await RunAsync("migrate", "--write", _dir)).Code);
        Assert.Equal(2, (await RunAsync("migrate", "-")).Code);
    }

    [Fact]
    public async Task Syntax_error_exits_one_like_validate()
    {
        var file = Write("broken.yaml", "apiVersion: v1\nkind: [\n");

        var (code, _, stderr) = await RunAsync("migrate", file);

        Assert.Equal(1, code);
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(file) + @"#1: line \d+, column \d+: ", stderr);
    }

    [Fact]
    public async Task Nesting_deeper_than_validate_allows_is_a_syntax_error_found_at_once()
    {
        // Unbounded, the parser's work grows with the square of the depth (60,000 levels took half a minute).
        var file = Write("deep.yaml", new string('[', 40_000) + new string(']', 40_000) + "\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (code, _, stderr) = await RunAsync("migrate", "--check", file);

        Assert.Equal(1, code);
        Assert.Equal(file + "#1: line 1, column 257: mappings and sequences are nested more than 256 levels deep", Lines(stderr).Single());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "took " + clock.Elapsed);
    }

    [Fact]
    public async Task Ctrl_c_stops_after_the_file_being_written_and_leaves_no_temporary_file()
    {
        const int Count = 4000;
        for (var i = 0; i < Count; i++)
        {
            Write("p" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture) + ".yaml", LegacySeccomp);
        }

        var info = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [SpoSdk.Tests.Recording.EndToEnd.SpocProcess.DllPath, "migrate", _dir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();

        // Once it is migrating (the handlers are in place by then), Ctrl-C as the terminal sends it.
        var first = await process.StandardOutput.ReadLineAsync();
        using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var rest = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.StartsWith("spoc: migrated ", first, StringComparison.Ordinal);
        Assert.True(process.ExitCode == 130, "exit " + process.ExitCode + "\n" + await stderr);
        Assert.Equal("spoc migrate: interrupted; the files not yet reached are unchanged\n", await stderr);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
        var migrated = Directory.GetFiles(_dir).Count(f => File.ReadAllText(f) == MigratedSeccomp);
        Assert.InRange(migrated, 1, Count - 1);
        Assert.Equal(Count - migrated, Directory.GetFiles(_dir).Count(f => File.ReadAllText(f) == LegacySeccomp));
        Assert.EndsWith("spoc: " + migrated + " file(s) migrated, 0 unchanged\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_lists_migrate()
    {
        var (code, stdout, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Contains("migrate [--check] [--diff] PATH...", stdout, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(args, TextReader.Null, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
