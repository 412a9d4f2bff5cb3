using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s.Models;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Testing;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Runtime.Backends;

/// <summary>
/// One test API server and a private kubectl environment (HOME, cache directory, kubeconfig) per
/// test class. Under CI=true a missing kubectl is a failure; elsewhere the tests say so and pass.
/// </summary>
public sealed class KubectlFixture : IAsyncLifetime
{
    private const string KubectlPath = "/usr/bin/kubectl";

    private DirectoryInfo? _home;
    private KubernetesApiTestServer? _server;
    private KubernetesBackend? _backend;

    public KubernetesApiTestServer Server => _server ?? throw new InvalidOperationException("not started");

    public KubernetesBackend Backend => _backend ?? throw new InvalidOperationException("not started");

    public string Home => _home?.FullName ?? throw new InvalidOperationException("not started");

    public string Kubeconfig => Path.Combine(Home, "kubeconfig");

    /// <summary>The kubectl to run, or null when the machine has none.</summary>
    public string? Kubectl { get; } = File.Exists(KubectlPath) ? KubectlPath : null;

    public async Task InitializeAsync()
    {
        _home = Directory.CreateTempSubdirectory("spo-kubectl-");
        _server = await KubernetesApiTestServer.StartNewAsync();
        _server.WriteKubeconfig(Kubeconfig);
        _backend = KubernetesBackend.FromConfiguration(_server.CreateClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        _backend?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _home?.Delete(recursive: true);
    }
}

/// <summary>The machine's kubectl against the in-process API server: get, apply (create, then merge patch), server-side apply, short names, delete, legacy versions.</summary>
public sealed class KubectlTests(KubectlFixture fixture, ITestOutputHelper output) : IClassFixture<KubectlFixture>
{
    private static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(20);

    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Get_lists_seccomp_profiles_as_a_table_and_as_yaml()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        await fixture.Backend.Resource<SeccompProfile>().CreateAsync(Profile("listed"));

        var table = await RunAsync("get", "seccompprofiles");
        Assert.Matches(@"(?m)^NAME\s+AGE$", table);
        Assert.Matches(@"(?m)^" + Name("listed") + @"\s+\d+s$", table);

        var yaml = await RunAsync("get", "seccompprofiles", Name("listed"), "-o", "yaml");
        Assert.Contains("apiVersion: security-profiles-operator.x-k8s.io/v1\n", yaml, StringComparison.Ordinal);
        Assert.Contains("kind: SeccompProfile\n", yaml, StringComparison.Ordinal);
        Assert.Contains("defaultAction: SCMP_ACT_ERRNO", yaml, StringComparison.Ordinal);
        Assert.Contains("state: Enabled", yaml, StringComparison.Ordinal);

        // kubectl asked for a Table first; a plain list is what it got, and printed.
        Assert.Contains(fixture.Server.Requests, r => r.PathAndQuery.StartsWith("/apis/security-profiles-operator.x-k8s.io/v1/seccompprofiles?limit=500", StringComparison.Ordinal) && r.Accept?.Contains("as=Table", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Apply_creates_and_then_sends_a_merge_patch_for_a_change()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        var manifest = Path.Combine(fixture.Home, "applied-" + _id + ".yaml");
        await File.WriteAllTextAsync(manifest, Manifest(Name("applied"), "SCMP_ACT_ERRNO"));
        Assert.Equal("seccompprofile.security-profiles-operator.x-k8s.io/" + Name("applied") + " created", (await RunAsync("apply", "-f", manifest)).Trim());

        await File.WriteAllTextAsync(manifest, Manifest(Name("applied"), "SCMP_ACT_LOG"));
        var before = fixture.Server.Requests.Count;
        Assert.Equal("seccompprofile.security-profiles-operator.x-k8s.io/" + Name("applied") + " configured", (await RunAsync("apply", "-f", manifest)).Trim());

        var patch = Assert.Single(fixture.Server.Requests.Skip(before), r => r.Method == "PATCH");
        Assert.Equal("application/merge-patch+json", patch.ContentType);
        Assert.StartsWith("/apis/security-profiles-operator.x-k8s.io/v1/seccompprofiles/" + Name("applied") + "?fieldManager=kubectl-client-side-apply", patch.PathAndQuery, StringComparison.Ordinal);
        var stored = (await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("applied"))))!;
        Assert.Equal((SeccompAction.ScmpActLog, 2L), (stored.Spec.DefaultAction, stored.Metadata.Generation ?? 0));
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", stored.Metadata.Annotations.Keys);

        Assert.Contains("unchanged", await RunAsync("apply", "-f", manifest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_side_apply_owns_fields_reports_conflicts_and_forces()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        var manifest = Path.Combine(fixture.Home, "ssa-" + _id + ".yaml");
        await File.WriteAllTextAsync(manifest, Manifest(Name("ssa"), "SCMP_ACT_ERRNO"));
        var before = fixture.Server.Requests.Count;
        Assert.Equal("seccompprofile.security-profiles-operator.x-k8s.io/" + Name("ssa") + " serverside-applied", (await RunAsync("apply", "--server-side", "-f", manifest)).Trim());
        var apply = Assert.Single(fixture.Server.Requests.Skip(before), r => r.Method == "PATCH");
        Assert.Equal("application/apply-patch+yaml", apply.ContentType);
        Assert.Contains("fieldManager=kubectl", apply.PathAndQuery, StringComparison.Ordinal);

        var created = (await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("ssa"))))!;
        Assert.Equal(("kubectl", "Apply"), (created.Metadata.ManagedFields.Single().Manager, created.Metadata.ManagedFields.Single().Operation));
        Assert.Contains("serverside-applied", await RunAsync("apply", "--server-side", "-f", manifest), StringComparison.Ordinal);
        Assert.Equal(created.Metadata.ResourceVersion, (await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("ssa"))))!.Metadata.ResourceVersion);

        await File.WriteAllTextAsync(manifest, Manifest(Name("ssa"), "SCMP_ACT_LOG"));
        var conflict = await RunAsync(1, "apply", "--server-side", "--field-manager", "ops", "-f", manifest);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.defaultAction", conflict, StringComparison.Ordinal);

        Assert.Contains("serverside-applied", await RunAsync("apply", "--server-side", "--field-manager", "ops", "--force-conflicts", "-f", manifest), StringComparison.Ordinal);
        var forced = (await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("ssa"))))!;
        Assert.Equal(SeccompAction.ScmpActLog, forced.Spec.DefaultAction);
        Assert.Contains(forced.Metadata.ManagedFields, e => e.Manager == "ops" && e.Operation == "Apply");
    }

    [Fact]
    public async Task Apply_reports_invalid_objects_with_their_causes()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        var manifest = Path.Combine(fixture.Home, "invalid-" + _id + ".yaml");
        await File.WriteAllTextAsync(manifest, Manifest(Name("invalid"), "SCMP_ACT_NOPE"));
        var error = await RunAsync(1, "apply", "-f", manifest);
        Assert.Contains("The SeccompProfile \"" + Name("invalid") + "\" is invalid: spec.defaultAction: Unsupported value: \"SCMP_ACT_NOPE\"", error, StringComparison.Ordinal);

        await File.WriteAllTextAsync(manifest, Manifest(Name("invalid"), "SCMP_ACT_LOG").Replace("  defaultAction:", "  bogus: 1\n  defaultAction:", StringComparison.Ordinal));
        Assert.Contains("strict decoding error: unknown field \"spec.bogus\"", await RunAsync(1, "apply", "-f", manifest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_that_changes_nothing_is_reported_as_no_change()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        var created = await fixture.Backend.Resource<SeccompProfile>().CreateAsync(Profile("same"));
        var output = await RunAsync("patch", "seccompprofile", Name("same"), "--type", "merge", "-p", "{\"spec\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"}}");
        Assert.Equal("seccompprofile.security-profiles-operator.x-k8s.io/" + Name("same") + " patched (no change)", output.Trim());
        Assert.Equal(created.Metadata.ResourceVersion, (await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("same"))))!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task A_raw_create_carrying_a_resourceVersion_is_refused_and_kubectl_create_strips_it()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        // kubectl create clears metadata.resourceVersion itself (a `get -o yaml` dump creates fine); the server refuses it.
        var manifest = Path.Combine(fixture.Home, "versioned-" + _id + ".yaml");
        await File.WriteAllTextAsync(manifest, Manifest(Name("versioned"), "SCMP_ACT_ERRNO").Replace("  name: ", "  resourceVersion: \"12345\"\n  name: ", StringComparison.Ordinal));
        Assert.Contains("resourceVersion: \"12345\"", await File.ReadAllTextAsync(manifest), StringComparison.Ordinal);
        Assert.Equal("seccompprofile.security-profiles-operator.x-k8s.io/" + Name("versioned") + " created", (await RunAsync("create", "-f", manifest)).Trim());

        var raw = Path.Combine(fixture.Home, "raw-" + _id + ".json");
        await File.WriteAllTextAsync(raw, "{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"kind\":\"SeccompProfile\",\"metadata\":{\"name\":\"" + Name("raw") + "\",\"resourceVersion\":\"12345\"},\"spec\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"}}");
        var error = await RunAsync(1, "create", "--raw", "/apis/security-profiles-operator.x-k8s.io/v1/seccompprofiles", "-f", raw);
        Assert.Contains("Error from server: resourceVersion should not be set on objects to be created", error, StringComparison.Ordinal);
        Assert.Null(await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("raw"))));
    }

    [Fact]
    public async Task Get_by_short_name_and_delete()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        await fixture.Backend.Resource<SeccompProfile>().CreateAsync(Profile("short"));
        Assert.Equal("seccompprofile.security-profiles-operator.x-k8s.io/" + Name("short"), (await RunAsync("get", "sp", Name("short"), "-o", "name")).Trim());

        Assert.Equal("seccompprofile.security-profiles-operator.x-k8s.io \"" + Name("short") + "\" deleted", (await RunAsync("delete", "sp", Name("short"))).Trim());
        Assert.Null(await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("short"))));
        Assert.Contains("Error from server (NotFound): seccompprofiles.security-profiles-operator.x-k8s.io \"" + Name("short") + "\" not found", await RunAsync(1, "get", "sp", Name("short")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_legacy_version_is_served_converted()
    {
        if (!KubectlAvailable())
        {
            return;
        }

        await fixture.Backend.Resource<ProfileRecording>().CreateAsync(new ProfileRecording
        {
            Metadata = new V1ObjectMeta { Name = Name("rec"), NamespaceProperty = "default" },
            Spec = new ProfileRecordingSpec
            {
                Kind = ProfileRecordingProfileKind.SeccompProfile,
                Recorder = ProfileRecordingRecorder.Logs,
                PodSelector = new ProfileRecordingLabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
        });

        var json = JsonNode.Parse(await RunAsync("get", "profilerecordings.v1alpha1.security-profiles-operator.x-k8s.io", Name("rec"), "-o", "json"))!;
        Assert.Equal("security-profiles-operator.x-k8s.io/v1alpha1", (string?)json["apiVersion"]);
        Assert.Equal("logs", (string?)json["spec"]!["recorder"]);
        Assert.Equal("none", (string?)json["spec"]!["mergeStrategy"]);
        Assert.Contains(Name("rec"), await RunAsync("get", "profilerecordings.v1alpha1.security-profiles-operator.x-k8s.io"), StringComparison.Ordinal);
        Assert.Equal("Logs", (await RunAsync("get", "profilerecording", Name("rec"), "-o", "jsonpath={.spec.recorder}")).Trim());
    }

    private bool KubectlAvailable()
    {
        if (fixture.Kubectl is not null)
        {
            return true;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI=true but /usr/bin/kubectl is missing");
        output.WriteLine("kubectl is not installed; the kubectl tests did not run");
        return false;
    }

    private Task<string> RunAsync(params string[] args) => RunAsync(0, args);

    // kubectl with only the fixture's kubeconfig, cache and HOME, so nothing of the machine's leaks in.
    // Returns stdout on exit code 0, stderr otherwise.
    private async Task<string> RunAsync(int expectedExitCode, params string[] args)
    {
        var start = new ProcessStartInfo(fixture.Kubectl!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args.Concat(["--kubeconfig", fixture.Kubeconfig, "--cache-dir", Path.Combine(fixture.Home, "cache"), "--request-timeout", "15s"]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = fixture.Home;
        start.Environment.Remove("KUBECONFIG");
        start.Environment.Remove("HTTP_PROXY");
        start.Environment.Remove("HTTPS_PROXY");
        start.Environment.Remove("http_proxy");
        start.Environment.Remove("https_proxy");
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(KubectlTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("kubectl " + string.Join(' ', args) + " did not finish in " + KubectlTimeout);
        }

        var (outText, errText) = (await stdout, await stderr);
        output.WriteLine("$ kubectl " + string.Join(' ', args) + " -> " + process.ExitCode + "\n" + outText + errText);
        Assert.True(process.ExitCode == expectedExitCode, "kubectl " + string.Join(' ', args) + " exited " + process.ExitCode + ": " + errText);
        return expectedExitCode == 0 ? outText : errText;
    }

    private string Name(string name) => name + "-" + _id;

    private static string Manifest(string name, string action) =>
        "apiVersion: security-profiles-operator.x-k8s.io/v1\n"
        + "kind: SeccompProfile\n"
        + "metadata:\n"
        + "  name: " + name + "\n"
        + "spec:\n"
        + "  defaultAction: " + action + "\n"
        + "  syscalls:\n"
        + "  - action: SCMP_ACT_ALLOW\n"
        + "    names: [read, write]\n";

    private SeccompProfile Profile(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = Name(name) },
        Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
    };
}
