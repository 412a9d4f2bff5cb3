using SpoSdk.Api.Serialization;

namespace SpoSdk.Api.Tests.Serialization;

/// <summary>One invalid manifest per kind of schema rule: each fails with the expected JSON path.</summary>
public sealed class InvalidManifestTests
{
    private const string Seccomp = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata:
          name: demo
        spec:
        """;

    private readonly SpoSerializer _serializer = new();

    [Theory]
    [InlineData("required field", "\n  architectures: [SCMP_ARCH_X86_64]", "$.spec.defaultAction", SpoReadErrorCategory.Schema, "Required value")]
    [InlineData("enum value", "\n  defaultAction: SCMP_ACT_EXPLODE", "$.spec.defaultAction", SpoReadErrorCategory.Schema, "Unsupported value: \"SCMP_ACT_EXPLODE\"")]
    [InlineData("enum item", "\n  defaultAction: SCMP_ACT_ERRNO\n  architectures: [SCMP_ARCH_X86_64, SCMP_ARCH_Z80]", "$.spec.architectures[1]", SpoReadErrorCategory.Schema, "Unsupported value")]
    [InlineData("pattern", "\n  defaultAction: SCMP_ACT_NOTIFY\n  listenerPath: /tmp/evil.sock", "$.spec.listenerPath", SpoReadErrorCategory.Schema, "should match")]
    [InlineData("minimum", "\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ERRNO\n    errnoRet: -1\n    names: [ptrace]", "$.spec.syscalls[0].errnoRet", SpoReadErrorCategory.Schema, "greater than or equal to 0")]
    [InlineData("minItems", "\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names: []", "$.spec.syscalls[0].names", SpoReadErrorCategory.Schema, "Too few")]
    [InlineData("maxItems", "\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names: [ioctl]\n    args: [{index: 0, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 2, op: SCMP_CMP_EQ}, {index: 3, op: SCMP_CMP_EQ}, {index: 4, op: SCMP_CMP_EQ}, {index: 5, op: SCMP_CMP_EQ}, {index: 6, op: SCMP_CMP_EQ}]", "$.spec.syscalls[0].args", SpoReadErrorCategory.Schema, "Too many: 7")]
    [InlineData("set uniqueness", "\n  defaultAction: SCMP_ACT_ERRNO\n  flags: [SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_LOG]", "$.spec.flags[1]", SpoReadErrorCategory.Schema, "Duplicate value")]
    [InlineData("required in list item", "\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [read]", "$.spec.syscalls[0].action", SpoReadErrorCategory.Schema, "Required value")]
    [InlineData("unknown field", "\n  defaultAction: SCMP_ACT_ERRNO\n  defaultActoin: SCMP_ACT_LOG", "$.spec.defaultActoin", SpoReadErrorCategory.Schema, "unknown field")]
    [InlineData("wrong type", "\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ERRNO\n    errnoRet: lots\n    names: [read]", "$.spec.syscalls[0].errnoRet", SpoReadErrorCategory.Decode, "expected an integer")]
    [InlineData("list where object expected", "\n  - defaultAction", "$.spec", SpoReadErrorCategory.Decode, "expected an object")]
    public void Seccomp_rule_violation_names_its_path(string rule, string spec, string path, SpoReadErrorCategory category, string message)
    {
        var error = SingleError(Seccomp + spec);
        Assert.True(error.Path == path, rule + ": expected " + path + " but got " + error);
        Assert.Equal(category, error.Category);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal("SeccompProfile", error.Kind);
        Assert.Equal("demo", error.Name);
    }

    [Fact]
    public void MinLength_on_binding_image_names_namespace_and_path()
    {
        var error = SingleError("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: ProfileBinding
            metadata: {name: bind, namespace: team-a}
            spec:
              profileRef: {kind: SeccompProfile, name: p}
              image: ""
            """);
        Assert.Equal("$.spec.image", error.Path);
        Assert.Equal("team-a/bind", error.Name);
        Assert.Equal("<input>#1 ProfileBinding/team-a/bind: $.spec.image: " + error.Message, error.ToString());
    }

    [Fact]
    public void Map_list_with_duplicate_key_is_reported()
    {
        var error = SingleError(Seccomp + """

              defaultAction: SCMP_ACT_ERRNO
            status:
              conditions:
              - {type: Ready, status: "True", lastTransitionTime: "2024-01-01T00:00:00Z", reason: Available, message: ok}
              - {type: Ready, status: "False", lastTransitionTime: "2024-01-01T00:00:00Z", reason: Pending, message: later}
            """);
        Assert.Equal("$.status.conditions[1]", error.Path);
        Assert.Contains("Duplicate value: Ready", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_keys_that_are_not_identifiers_use_brackets()
    {
        var error = SingleError("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SelinuxProfile
            metadata: {name: self}
            spec:
              allow:
                '@self':
                  tcp_socket: [listen, null]
            """);
        Assert.Equal("$.spec.allow['@self'].tcp_socket[1]", error.Path);
    }

    [Fact]
    public void Namespace_on_a_cluster_scoped_kind_is_invalid()
    {
        var error = SingleError(Seccomp.Replace("name: demo", "name: demo\n  namespace: default", StringComparison.Ordinal) + "\n  defaultAction: SCMP_ACT_LOG");
        Assert.Equal("$.metadata.namespace", error.Path);
    }

    [Theory]
    [InlineData("Demo_Profile", "$.metadata.name")]
    [InlineData("", "$.metadata.name")]
    public void Metadata_name_must_be_a_dns_subdomain(string name, string path)
    {
        var error = SingleError(Seccomp.Replace("name: demo", "name: '" + name + "'", StringComparison.Ordinal) + "\n  defaultAction: SCMP_ACT_LOG");
        Assert.Equal(path, error.Path);
    }

    // The YAML reader allows 256 levels by default; decoding what it accepts must not throw.
    [Fact]
    public void Nesting_at_the_yaml_limit_decodes()
    {
        var read = _serializer.Read(Nested(YamlReadLimits.Default.MaxDepth - 2), "f.yaml");

        var error = Assert.Single(read.Errors);
        Assert.Equal(SpoReadErrorCategory.Schema, error.Category);
        Assert.Equal("$.spec.x", error.Path);
    }

    [Fact]
    public void Nesting_past_the_json_limit_is_a_decode_error_not_an_exception()
    {
        var serializer = new SpoSerializer(new SpoSerializerOptions { Limits = new YamlReadLimits { MaxDepth = 400 } });

        var read = serializer.Read(Nested(300), "f.yaml");

        var error = Assert.Single(read.Errors);
        Assert.Equal(SpoReadErrorCategory.Decode, error.Category);
        Assert.Equal("$.spec.x" + string.Concat(Enumerable.Repeat("[0]", YamlReadLimits.Default.MaxDepth - 2)), error.Path);
    }

    // .NET's $ also matches before a final newline; the API server's (Go's) does not.
    [Theory]
    [InlineData("\"demo\\n\"")]
    [InlineData("\"demo\\r\\n\"")]
    public void A_name_with_a_trailing_newline_is_not_a_dns_subdomain(string name)
    {
        var error = SingleError(Seccomp.Replace("name: demo", "name: " + name, StringComparison.Ordinal) + "\n  defaultAction: SCMP_ACT_LOG");
        Assert.Equal("$.metadata.name", error.Path);
    }

    private const string Spod = """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SecurityProfilesOperatorDaemon
        metadata: {name: spod, namespace: security-profiles-operator}
        spec:
        """;

    [Theory]
    [InlineData("\n  hostProcVolumePath: \"/proc\\n\"", "$.spec.hostProcVolumePath", "should match")]
    [InlineData("\n  daemonResourceRequirements:\n    limits:\n      cpu: lots", "$.spec.daemonResourceRequirements.limits.cpu", "should match")]
    [InlineData("\n  daemonResourceRequirements:\n    limits:\n      cpu: \"1\\n\"", "$.spec.daemonResourceRequirements.limits.cpu", "should match")]
    [InlineData("\n  daemonResourceRequirements:\n    limits:\n      cpu: true", "$.spec.daemonResourceRequirements.limits.cpu", "expected an integer or a string, got a boolean")]
    [InlineData("\n  daemonResourceRequirements:\n    limits:\n      cpu: [1]", "$.spec.daemonResourceRequirements.limits.cpu", "expected an integer or a string, got a list")]
    [InlineData("\n  daemonResourceRequirements:\n    requests:\n      memory: {a: 1}", "$.spec.daemonResourceRequirements.requests.memory", "expected an integer or a string, got an object")]
    [InlineData("\n  daemonResourceRequirements:\n    limits:\n      cpu: 1.5", "$.spec.daemonResourceRequirements.limits.cpu", "not an integer")]
    public void Spod_quantities_and_patterns_are_checked_as_the_api_server_does(string spec, string path, string message)
    {
        var error = SingleError(Spod + spec);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpu: 2")]
    [InlineData("cpu: \"500m\"")]
    [InlineData("memory: 64Mi")]
    [InlineData("memory: 1.5Gi")]
    [InlineData("cpu: -1")]
    public void Valid_spod_quantities_pass(string quantity)
    {
        var result = _serializer.Read(Spod + "\n  daemonResourceRequirements:\n    limits:\n      " + quantity);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Unknown_metadata_field_is_an_error_only_when_strict()
    {
        var yaml = Seccomp.Replace("name: demo", "name: demo\n  labelz: {a: b}", StringComparison.Ordinal) + "\n  defaultAction: SCMP_ACT_LOG";
        Assert.Equal("$.metadata.labelz", SingleError(yaml).Path);
        Assert.True(new SpoSerializer(new SpoSerializerOptions { Strict = false }).Read(yaml).IsValid);
    }

    [Fact]
    public void Lenient_mode_keeps_unknown_fields_on_the_round_trip()
    {
        var lenient = new SpoSerializer(new SpoSerializerOptions { Strict = false });
        var yaml = Seccomp + "\n  defaultAction: SCMP_ACT_LOG\n  futureField:\n    nested: [1, 2]\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names: [read]\n    priority: 7";
        var result = lenient.Read(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var written = lenient.ToYaml(result.Objects.Single());
        Assert.Contains("futureField:", written, StringComparison.Ordinal);
        Assert.Contains("priority: 7", written, StringComparison.Ordinal);
        Assert.Equal(2, _serializer.Read(written).Errors.Count());
    }

    [Fact]
    public void Unknown_enum_values_survive_a_lenient_round_trip()
    {
        var lenient = new SpoSerializer(new SpoSerializerOptions { Strict = false, Validate = false });
        var result = lenient.Read(Seccomp + "\n  defaultAction: SCMP_ACT_FROM_THE_FUTURE");
        var written = lenient.ToYaml(result.Objects.Single());
        Assert.Contains("defaultAction: SCMP_ACT_FROM_THE_FUTURE", written, StringComparison.Ordinal);
    }

    [Fact]
    public void All_violations_of_a_document_are_reported_together()
    {
        var result = _serializer.Read(Seccomp + "\n  defaultAction: NOPE\n  architectures: [SCMP_ARCH_X86_64, SCMP_ARCH_X86_64]\n  listenerPath: relative\n  bogus: 1");
        Assert.Equal(
            ["$.spec.bogus", "$.spec.defaultAction", "$.spec.architectures[1]", "$.spec.listenerPath"],
            result.Errors.Select(e => e.Path ?? string.Empty).ToArray());
    }

    [Fact]
    public void Unknown_kind_and_missing_apiVersion_are_reported()
    {
        var result = _serializer.Read("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\nkind: SeccompProfile\n", "pods.yaml");
        var errors = result.Errors.ToList();
        Assert.All(errors, e => Assert.Equal(SpoReadErrorCategory.UnknownKind, e.Category));
        Assert.Equal([1, 2], errors.Select(e => e.DocumentIndex).ToArray());
        Assert.Equal("$.apiVersion", errors[1].Path);
    }

    [Fact]
    public void Yaml_syntax_errors_carry_line_and_column()
    {
        var result = _serializer.Read(Seccomp + "\n  defaultAction: [unclosed\n", "broken.yaml");
        var error = Assert.Single(result.Errors);
        Assert.Equal(SpoReadErrorCategory.Syntax, error.Category);
        Assert.NotNull(error.Line);
        Assert.StartsWith("broken.yaml#1: line ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Legacy_versions_read_into_their_own_types()
    {
        var result = _serializer.Read("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: ProfileRecording
            metadata: {name: rec, namespace: ns}
            spec:
              kind: SeccompProfile
              recorder: logs
              podSelector: {matchLabels: {app: x}}
            """);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("v1alpha1", result.Objects.Single().KindInfo.Version);

        var v1Spelling = _serializer.Read("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: ProfileRecording
            metadata: {name: rec, namespace: ns}
            spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}}
            """);
        Assert.Equal("$.spec.recorder", Assert.Single(v1Spelling.Errors).Path);
    }

    // A SeccompProfile whose unknown spec.x holds arrays nested this many levels deep.
    private static string Nested(int arrays) =>
        "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: p\nspec:\n  defaultAction: SCMP_ACT_LOG\n  x: "
        + new string('[', arrays - 1) + "[1]" + new string(']', arrays - 1) + "\n";

    private SpoReadError SingleError(string yaml)
    {
        var errors = _serializer.Read(yaml).Errors.ToList();
        Assert.True(errors.Count == 1, "expected one error, got: " + Environment.NewLine + string.Join(Environment.NewLine, errors));
        return errors[0];
    }

}
