using SpoSdk.Cli;

namespace SpoSdk.Tests.Recording.Merging;

/// <summary><c>spoc merge</c>: test-vectors.md §1.7.5 (byte-exact output and errors) and <c>--check</c>.</summary>
public sealed class MergeCommandTests : IDisposable
{
    private const string SeccompA = """

        apiVersion: security-profiles-operator.x-k8s.io/v1beta1
        kind: SeccompProfile
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
            - action: SCMP_ACT_ALLOW
              names:
                - foo

        """;

    private const string SeccompB = """

        apiVersion: security-profiles-operator.x-k8s.io/v1beta1
        kind: SeccompProfile
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
            - action: SCMP_ACT_ALLOW
              names:
                - bar

        """;

    private const string Merged = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata: {}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
          - action: SCMP_ACT_ALLOW
            names:
            - bar
          - action: SCMP_ACT_ALLOW
            names:
            - foo
        status: {}

        """;

    private const string SelinuxA = """

        apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
        kind: SelinuxProfile
        spec:
          inherit:
            - name: container
          allow:
            var_log_t:
              dir:
                - open

        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("spoc-merge-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task SeccompMerge_IsByteExact()
    {
        var output = Path.Combine(_directory, "out.yaml");

        var (code, _, _) = await RunAsync("merge", "-o", output, Write("a.yaml", SeccompA), Write("b.yaml", SeccompB));

        Assert.Equal(0, code);
        Assert.Equal(Merged, await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task MergedOutput_ToStdout()
    {
        var (code, stdout, _) = await RunAsync("merge", "-o", "-", Write("a.yaml", SeccompA), Write("b.yaml", SeccompB));

        Assert.Equal(0, code);
        Assert.Equal(Merged, stdout);
    }

    [Fact]
    public async Task DifferentKinds_AreRefusedAndNothingIsWritten()
    {
        var output = Path.Combine(_directory, "out.yaml");

        var (code, _, stderr) = await RunAsync("merge", "-o", output, Write("a.yaml", SeccompA), Write("s.yaml", SelinuxA));

        Assert.Equal(SpocApp.Invalid, code);
        Assert.Contains("cannot merge SeccompProfile with SelinuxProfile", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task MissingFile_IsReported()
    {
        var (code, _, stderr) = await RunAsync("merge", "-o", Path.Combine(_directory, "out.yaml"), Path.Combine(_directory, "nope.yaml"));

        Assert.Equal(SpocApp.Failure, code);
        Assert.Contains("open profile: ", stderr, StringComparison.Ordinal);
        Assert.Contains("file not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonYaml_IsReported()
    {
        var (code, _, stderr) = await RunAsync("merge", "-o", Path.Combine(_directory, "out.yaml"), Write("bad.yaml", "% this is not yaml"));

        Assert.Equal(SpocApp.Invalid, code);
        Assert.Contains("cannot parse yaml", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ExitsOneWithTheMergedProfileWhenTheFirstIsNotASuperset()
    {
        var (code, stdout, stderr) = await RunAsync("merge", "--check", Write("a.yaml", SeccompA), Write("b.yaml", SeccompB));

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.EndsWith(Merged, stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "out*"));
    }

    [Fact]
    public async Task Check_ExitsZeroForASuperset()
    {
        var merged = Write("merged.yaml", Merged);

        var (code, _, stderr) = await RunAsync("merge", "--check", merged, Write("a.yaml", SeccompA), Write("b.yaml", SeccompB));

        Assert.Equal(0, code);
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Check_of_a_SelinuxProfile_without_spec_is_not_a_superset_of_one_with_rules()
    {
        const string Empty = """
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
            kind: SelinuxProfile
            metadata:
              name: app
            """;
        const string WithRules = """
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
            kind: SelinuxProfile
            metadata:
              name: app
            spec:
              allow:
                var_log_t:
                  file: [read]
            """;

        var (code, stdout, stderr) = await RunAsync("merge", "--check", Write("a.yaml", Empty), Write("b.yaml", WithRules));

        Assert.True(code == 1, stderr);
        Assert.Empty(stdout);
        Assert.Contains("var_log_t:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppArmorMerge_UsesGlobs()
    {
        const string First = """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: AppArmorProfile
            metadata:
              name: app
            spec:
              abstract:
                filesystem:
                  readOnlyPaths: [/etc/app/*]
            """;
        const string Second = """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: AppArmorProfile
            metadata:
              name: app
            spec:
              abstract:
                filesystem:
                  readOnlyPaths: [/etc/app/a.conf]
                  writeOnlyPaths: [/etc/app/b.conf, /var/log/app.log]
            """;

        var (code, stdout, _) = await RunAsync("merge", "-o", "-", Write("1.yaml", First), Write("2.yaml", Second));

        Assert.Equal(0, code);
        Assert.Equal(
            """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: AppArmorProfile
            metadata:
              name: app
            spec:
              abstract:
                filesystem:
                  readOnlyPaths:
                  - /etc/app/*
                  readWritePaths:
                  - /etc/app/b.conf
                  writeOnlyPaths:
                  - /var/log/app.log
            status: {}

            """,
            stdout);
    }

    [Fact]
    public async Task Usage_WithoutFiles()
    {
        var (code, _, stderr) = await RunAsync("merge");

        Assert.Equal(SpocApp.Failure, code);
        Assert.Contains("no profiles provided", stderr, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(args, TextReader.Null, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
