using SpoSdk.Cli;

namespace SpoSdk.Api.Tests.Cli;

/// <summary><c>spoc validate</c>: exit codes and the one-line-per-violation format.</summary>
public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-validate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Valid_samples_exit_zero()
    {
        var (code, stdout, stderr) = await RunAsync("validate", TestPaths.Samples);
        Assert.True(code == 0, stderr);
        Assert.Contains("document(s) valid", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Violations_exit_one_with_one_line_each()
    {
        var file = Write("bad.yaml", """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: ok}
            spec: {defaultAction: SCMP_ACT_LOG}
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: ProfileBinding
            metadata: {name: b, namespace: ns}
            spec:
              profileRef: {kind: Unknown, name: x}
              image: nginx
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SelinuxProfile
            metadata: {name: s}
            spec:
              allow:
                '@self': {tcp_socket: [listen, null]}
            """);
        var (code, _, stderr) = await RunAsync("validate", file);
        Assert.Equal(1, code);
        Assert.Equal(
            [
                file + "#2 ProfileBinding/ns/b: $.spec.profileRef.kind: Unsupported value: \"Unknown\": supported values: \"SeccompProfile\", \"SelinuxProfile\", \"AppArmorProfile\"",
                file + "#3 SelinuxProfile/s: $.spec.allow['@self'].tcp_socket[1]: must not be null",
            ],
            Lines(stderr));
    }

    [Fact]
    public async Task Unknown_fields_fail_unless_lenient()
    {
        var file = Write("extra.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: e}\nspec: {defaultAction: SCMP_ACT_LOG, extra: 1}\n");
        Assert.Equal(1, (await RunAsync("validate", file)).Code);
        Assert.Equal(0, (await RunAsync("validate", "--lenient", file)).Code);
    }

    [Fact]
    public async Task Syntax_error_exits_one_with_line_and_column()
    {
        var file = Write("syntax.yaml", "apiVersion: v1\nkind: [\n");
        var (code, _, stderr) = await RunAsync("validate", file);
        Assert.Equal(1, code);
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(file) + @"#1: line \d+, column \d+: ", stderr);
    }

    [Fact]
    public async Task Unknown_kind_and_unreadable_file_exit_two()
    {
        var pod = Write("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
        Assert.Equal(2, (await RunAsync("validate", pod)).Code);
        var (code, _, stderr) = await RunAsync("validate", Path.Combine(_dir, "missing.yaml"));
        Assert.Equal(2, code);
        Assert.Contains("cannot read", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdin_is_read_for_a_dash()
    {
        var manifest = "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: s}\nspec: {defaultAction: SCMP_ACT_LOG}\n";
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(["validate", "-"], new StringReader(manifest), stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
    }

    [Fact]
    public async Task Usage_errors_exit_two()
    {
        Assert.Equal(2, (await RunAsync()).Code);
        Assert.Equal(2, (await RunAsync("frobnicate")).Code);
        Assert.Equal(2, (await RunAsync("validate")).Code);
        Assert.Equal(2, (await RunAsync("validate", "--strictest", "x.yaml")).Code);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

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
