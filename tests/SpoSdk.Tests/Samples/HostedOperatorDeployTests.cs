using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using HostedOperatorSample;
using k8s;
using SpoSdk.Admission.Configuration;
using SpoSdk.AspNetCore.Webhooks;
using SpoSdk.Tests.Translators;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace SpoSdk.Tests.Samples;

/// <summary>
/// samples/HostedOperator/deploy as the machine's <c>kubectl kustomize</c> renders it, read back with
/// YamlDotNet: the CRDs with their conversion webhook, least-privilege RBAC, the aggregated roles,
/// the host paths, the webhook configurations and the containers' command lines.
/// </summary>
public sealed class HostedOperatorDeployTests(ITestOutputHelper output)
{
    private const string Group = "security-profiles-operator.x-k8s.io";
    private const string Namespace = "security-profiles-operator";
    private static readonly string[] WriteVerbs = ["create", "update", "patch", "delete", "deletecollection", "*"];
    private static readonly string[] AllowedHostPaths = ["/var/lib/kubelet/seccomp", "/etc/selinux.d", "/etc/apparmor.d", "/var/log/audit", "/proc"];

    [Fact]
    public async Task Every_CRD_is_rendered_with_the_conversion_webhook_wired_to_the_managers_convert_endpoint()
    {
        if (await RenderAsync() is not { } objects)
        {
            return;
        }

        var expected = Directory.GetFiles(Path.Combine(TranslatorTestEnvironment.RepositoryRoot, "crds"), "*.yaml")
            .SelectMany(file => ParseYaml(File.ReadAllText(file)))
            .Where(o => Str(o, "kind") == "CustomResourceDefinition")
            .Select(o => Str(o, "metadata", "name"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var crds = Of(objects, "CustomResourceDefinition");
        Assert.Equal(8, expected.Count);
        Assert.Equal(expected, crds.Select(c => Str(c, "metadata", "name")).Order(StringComparer.Ordinal));

        var certificate = Single(objects, "Certificate", "webhook-cert");
        var service = Single(objects, "Service", "webhook-service");
        foreach (var crd in crds)
        {
            Assert.Equal("Webhook", Str(crd, "spec", "conversion", "strategy"));
            var clientService = crd["spec"]!["conversion"]!["webhook"]!["clientConfig"]!["service"]!;
            Assert.Equal(ConversionEndpoint.DefaultPattern, (string?)clientService["path"]);
            Assert.Equal(Str(service, "metadata", "name"), (string?)clientService["name"]);
            Assert.Equal(Namespace, (string?)clientService["namespace"]);
            Assert.Equal(443L, (long)clientService["port"]!);
            Assert.Equal(Namespace + "/" + Str(certificate, "metadata", "name"), Str(crd, "metadata", "annotations", "cert-manager.io/inject-ca-from"));
        }

        // The Service reaches the manager's webhook port, and the certificate names the Service.
        var manager = Single(objects, "Deployment", "spo-manager");
        var selector = service["spec"]!["selector"]!.AsObject();
        Assert.NotEmpty(selector);
        foreach (var (key, value) in selector)
        {
            Assert.Equal((string?)value, (string?)manager["spec"]!["template"]!["metadata"]!["labels"]![key]);
        }

        var port = Assert.Single(service["spec"]!["ports"]!.AsArray());
        Assert.Contains(Containers(manager).SelectMany(c => c["ports"]!.AsArray()), p => (string?)p!["name"] == (string?)port!["targetPort"]);
        Assert.Contains("webhook-service." + Namespace + ".svc", certificate["spec"]!["dnsNames"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task RBAC_grants_no_wildcards_and_neither_role_writes_CRDs()
    {
        if (await RenderAsync() is not { } objects)
        {
            return;
        }

        var roles = Of(objects, "ClusterRole").Concat(Of(objects, "Role")).ToList();
        Assert.NotEmpty(roles);
        foreach (var rule in roles.SelectMany(r => r["rules"]!.AsArray()))
        {
            foreach (var field in new[] { "verbs", "resources", "apiGroups" })
            {
                Assert.DoesNotContain("*", Strings(rule![field]));
            }
        }

        foreach (var account in new[] { "spo-manager", "spo-daemon" })
        {
            var rules = RulesOf(objects, account);
            Assert.NotEmpty(rules);
            Assert.DoesNotContain(rules, r => Strings(r["apiGroups"]).Contains("apiextensions.k8s.io") && Strings(r["verbs"]).Intersect(WriteVerbs).Any());
        }

        // The daemon never writes cluster-level settings or status: no update on the SPOD or profile status.
        var daemon = RulesOf(objects, "spo-daemon");
        Assert.DoesNotContain(daemon, r => Strings(r["resources"]).Any(res => res.EndsWith("profiles/status", StringComparison.Ordinal) || res.StartsWith("securityprofilesoperatordaemons", StringComparison.Ordinal)) && Strings(r["verbs"]).Intersect(WriteVerbs).Any());
        Assert.DoesNotContain(daemon, r => Strings(r["resources"]).Any(res => res is "profilebindings" or "nodes" or "namespaces"));

        // Leases only in the operator namespace, through Roles.
        Assert.DoesNotContain(Of(objects, "ClusterRole").SelectMany(r => r["rules"]!.AsArray()), r => Strings(r!["resources"]).Contains("leases"));
        Assert.All(Of(objects, "Role"), r => Assert.Equal(Namespace, Str(r, "metadata", "namespace")));
    }

    [Fact]
    public async Task Aggregated_roles_give_namespace_admins_editors_and_viewers_exactly_the_namespaced_kinds()
    {
        if (await RenderAsync() is not { } objects)
        {
            return;
        }

        var namespacedKinds = Of(objects, "CustomResourceDefinition")
            .Where(c => Str(c, "spec", "scope") == "Namespaced")
            .Select(c => Str(c, "spec", "names", "plural"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["profilebindings", "profilerecordings", "securityprofilesoperatordaemons"], namespacedKinds);
        foreach (var level in new[] { "admin", "edit", "view" })
        {
            var label = "rbac.authorization.k8s.io/aggregate-to-" + level;
            var role = Assert.Single(Of(objects, "ClusterRole"), r => r["metadata"]!["labels"]?[label] is not null);
            Assert.Equal("true", Str(role, "metadata", "labels", label));
            var rules = role["rules"]!.AsArray();
            Assert.All(rules, r => Assert.Equal([Group], Strings(r!["apiGroups"])));
            Assert.Equal(namespacedKinds, rules.SelectMany(r => Strings(r!["resources"])).Distinct().Order(StringComparer.Ordinal));
            var verbs = rules.SelectMany(r => Strings(r!["verbs"])).ToHashSet();
            Assert.Equal(level == "view", !verbs.Intersect(WriteVerbs).Any());
        }
    }

    [Fact]
    public async Task Only_the_allowed_host_paths_are_mounted_and_the_manager_mounts_none()
    {
        if (await RenderAsync() is not { } objects)
        {
            return;
        }

        var daemon = Single(objects, "DaemonSet", "spo-daemon");
        var hostPaths = Volumes(daemon).Where(v => v["hostPath"] is not null).ToList();
        Assert.Equal(AllowedHostPaths.Order(StringComparer.Ordinal), hostPaths.Select(v => Str(v, "hostPath", "path")).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Volumes(Single(objects, "Deployment", "spo-manager")), v => v["hostPath"] is not null);

        // What the daemon only reads is mounted read-only; nothing runs privileged or with host namespaces.
        var mounts = Containers(daemon).SelectMany(c => c["volumeMounts"]!.AsArray()).ToList();
        foreach (var readOnly in hostPaths.Where(v => Str(v, "hostPath", "path") is "/proc" or "/var/log/audit"))
        {
            Assert.Contains(mounts, m => (string?)m!["name"] == Str(readOnly, "name") && (bool?)m["readOnly"] == true);
        }

        foreach (var workload in new[] { daemon, Single(objects, "Deployment", "spo-manager") })
        {
            var pod = workload["spec"]!["template"]!["spec"]!;
            Assert.Null(pod["hostPID"]);
            Assert.Null(pod["hostNetwork"]);
            Assert.All(Containers(workload), c => Assert.NotEqual(true, (bool?)c["securityContext"]?["privileged"]));
            Assert.All(Containers(workload), c => Assert.Equal(false, (bool?)c["securityContext"]?["allowPrivilegeEscalation"]));
        }
    }

    [Fact]
    public async Task The_webhook_configurations_are_the_ones_the_SDK_builds_and_the_containers_command_lines_parse()
    {
        if (await RenderAsync() is not { } objects)
        {
            return;
        }

        var built = WebhookConfigurationBuilder.Build(null, new WebhookConfigurationOptions())!;
        AssertSameObject(JsonNode.Parse(KubernetesJson.Serialize(built.Mutating))!, Single(objects, "MutatingWebhookConfiguration", WebhookConfigurationBuilder.MutatingConfigurationName));
        AssertSameObject(JsonNode.Parse(KubernetesJson.Serialize(built.Validating))!, Single(objects, "ValidatingWebhookConfiguration", WebhookConfigurationBuilder.ValidatingConfigurationName));

        // The containers' arguments are valid HostedOperator command lines for their roles.
        var manager = HostedOperatorOptions.Parse(Args(Single(objects, "Deployment", "spo-manager")), "unused", "unused");
        Assert.Equal(("manager", true, null), (manager.Role, manager.InCluster, manager.Manifests));
        Assert.All(manager.Urls, u => Assert.True(u.IsHttps));
        Assert.StartsWith("/tmp/k8s-webhook-server/serving-certs/", manager.TlsCertificate, StringComparison.Ordinal);
        var deployment = Single(objects, "Deployment", "spo-manager");
        Assert.True((long?)deployment["spec"]!["replicas"] >= 2, "the manager runs leader-elected replicas");
        var probes = Containers(deployment).Single();
        Assert.Equal(("/healthz", "HTTPS"), ((string?)probes["livenessProbe"]!["httpGet"]!["path"], (string?)probes["livenessProbe"]!["httpGet"]!["scheme"]));
        Assert.Equal(("/readyz", "HTTPS"), ((string?)probes["readinessProbe"]!["httpGet"]!["path"], (string?)probes["readinessProbe"]!["httpGet"]!["scheme"]));
        Assert.Contains(RulesOf(objects, "spo-manager"), r => Strings(r["resources"]).Contains("leases") && Strings(r["verbs"]).Contains("update") && Strings(r["resourceNames"]).SequenceEqual([global::SpoSdk.Runtime.Leader.LeaderElectionOptions.DefaultLeaseName]));
        var daemon = HostedOperatorOptions.Parse(Args(Single(objects, "DaemonSet", "spo-daemon")), "unused", "unused");
        Assert.Equal(("daemon", true, "/", "/host/proc"), (daemon.Role, daemon.InCluster, daemon.NodeRoot, daemon.ProcRoot));
        Assert.All(daemon.Urls, u => Assert.True(u.IsHttps, "the daemon's metrics are served over TLS"));
        Assert.StartsWith("/etc/spo-metrics/", daemon.TlsCertificate, StringComparison.Ordinal);
        var daemonProbes = Containers(Single(objects, "DaemonSet", "spo-daemon")).Single();
        Assert.Equal(("/readyz", "HTTPS"), ((string?)daemonProbes["readinessProbe"]!["httpGet"]!["path"], (string?)daemonProbes["readinessProbe"]!["httpGet"]!["scheme"]));
        Assert.Equal("spo-daemon", Str(Single(objects, "Service", "metrics"), "spec", "selector", "app.kubernetes.io/name"));
    }

    private static void AssertSameObject(JsonNode expected, JsonObject rendered)
    {
        // kustomize adds the part-of label; everything else must be what the SDK builds.
        var copy = rendered.DeepClone().AsObject();
        var labels = copy["metadata"]!.AsObject();
        labels.Remove("labels");
        Assert.True(JsonNode.DeepEquals(expected, copy), "expected:\n" + expected.ToJsonString() + "\nrendered:\n" + copy.ToJsonString());
    }

    // The rules of every role bound to the service account.
    private static List<JsonNode> RulesOf(List<JsonObject> objects, string serviceAccount)
    {
        var bindings = Of(objects, "ClusterRoleBinding").Concat(Of(objects, "RoleBinding"))
            .Where(b => b["subjects"]!.AsArray().Any(s => (string?)s!["kind"] == "ServiceAccount" && (string?)s["name"] == serviceAccount && (string?)s["namespace"] == Namespace))
            .ToList();
        return bindings
            .Select(b => Single(objects, Str(b, "roleRef", "kind"), Str(b, "roleRef", "name")))
            .SelectMany(r => r["rules"]!.AsArray().Select(rule => rule!))
            .ToList();
    }

    private static List<string> Args(JsonObject workload) => Strings(Assert.Single(Containers(workload))["args"]);

    private static IEnumerable<JsonNode> Containers(JsonObject workload) => workload["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => c!);

    private static IEnumerable<JsonNode> Volumes(JsonObject workload) => workload["spec"]!["template"]!["spec"]!["volumes"]?.AsArray().Select(v => v!) ?? [];

    private static List<string> Strings(JsonNode? array) => array?.AsArray().Select(v => (string)v!).ToList() ?? [];

    private static List<JsonObject> Of(List<JsonObject> objects, string kind) => objects.Where(o => Str(o, "kind") == kind).ToList();

    private static JsonObject Single(List<JsonObject> objects, string kind, string name) =>
        Assert.Single(objects, o => Str(o, "kind") == kind && Str(o, "metadata", "name") == name);

    private static string Str(JsonNode node, params string[] path) =>
        (string?)path.Aggregate<string, JsonNode?>(node, (n, key) => n?[key]) ?? throw new Xunit.Sdk.XunitException("no " + string.Join('.', path));

    // `kubectl kustomize samples/HostedOperator/deploy`, as objects; null (outside CI only) without kubectl.
    private async Task<List<JsonObject>?> RenderAsync()
    {
        if (TranslatorTestEnvironment.RequiredTool("kubectl", "kubectl", output, "/usr/bin/kubectl", "/usr/local/bin/kubectl") is not { } kubectl)
        {
            return null;
        }

        var info = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("kustomize");
        info.ArgumentList.Add(Path.Combine(TranslatorTestEnvironment.RepositoryRoot, "samples", "HostedOperator", "deploy"));
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "kubectl kustomize failed: " + await stderr);
        return ParseYaml(await stdout).ToList();
    }

    private static IEnumerable<JsonObject> ParseYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.Aggregate(new JsonObject(), (o, pair) =>
        {
            o[((YamlScalarNode)pair.Key).Value!] = ToJson(pair.Value);
            return o;
        }),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "true" or "false" } flag => JsonValue.Create(flag.Value == "true"),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "null" or "~" } => null,
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } number when long.TryParse(number.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => JsonValue.Create(value),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };
}
