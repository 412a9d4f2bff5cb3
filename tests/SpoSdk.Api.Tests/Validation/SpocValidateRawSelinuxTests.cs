using SpoSdk.Cli;

namespace SpoSdk.Api.Tests.Validation;

/// <summary><c>spoc validate</c> reports raw SELinux policy violations like schema violations.</summary>
public sealed class SpocValidateRawSelinuxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-validate-raw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Policy_violations_of_every_version_are_reported_with_file_document_name_and_path()
    {
        var file = Path.Combine(_dir, "raw.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: RawSelinuxProfile
            metadata: {name: fine}
            spec:
              policy: |
                (type process)
                (allow process var_log_t (file (read)))
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: RawSelinuxProfile
            metadata: {name: escaper}
            spec:
              policy: "(allow a b (file (read)))) (typepermissive spc_t) (block x"
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
            kind: RawSelinuxProfile
            metadata: {name: legacy}
            spec:
              policy: (blockinherit container)
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: unrelated}
            spec: {defaultAction: SCMP_ACT_LOG}
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: RawSelinuxProfile
            metadata: {name: blank}
            spec: {}
            """);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(["validate", file], TextReader.Null, stdout, stderr);

        Assert.Equal(1, code);
        Assert.Equal(
            [
                file + "#2 RawSelinuxProfile/escaper: $.spec.policy: invalid policy: unmatched closing parenthesis ')' allows block escape",
                file + "#3 RawSelinuxProfile/legacy: $.spec.policy: invalid policy: use of restricted global directive 'blockinherit' is not allowed",
                file + "#5 RawSelinuxProfile/blank: $.spec.policy: policy must not be empty",
            ],
            stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_valid_raw_profile_passes()
    {
        var file = Path.Combine(_dir, "ok.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: RawSelinuxProfile\nmetadata: {name: ok}\nspec: {policy: '(allow process var_log_t (file (read)))'}\n");

        var stderr = new StringWriter();
        Assert.Equal(0, await SpocApp.RunAsync(["validate", file], TextReader.Null, new StringWriter(), stderr));
        Assert.Empty(stderr.ToString());
    }
}
