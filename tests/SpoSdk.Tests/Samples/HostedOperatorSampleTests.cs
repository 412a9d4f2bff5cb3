using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SpoSdk.Api.V1;
using SpoSdk.Clients;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Testing;
using SpoSdk.Tests.Recording.EndToEnd;
using SpoSdk.Tests.Translators;

namespace SpoSdk.Tests.Samples;

/// <summary>
/// samples/HostedOperator run as a real process, the way the README tells a user to run it: what it
/// installs, what it prints, how it follows its manifests folder, the webhooks it serves, and its errors.
/// </summary>
public sealed partial class HostedOperatorSampleTests : IDisposable
{
    private const string SeccompDirectory = "var/lib/kubelet/seccomp/operator";

    // xUnit makes an instance per test: each test has its own folders.
    private readonly string _dir = Directory.CreateTempSubdirectory("spo-hosted-sample-").FullName;

    public HostedOperatorSampleTests()
    {
        Directory.CreateDirectory(Manifests);
    }

    private string Manifests => Path.Combine(_dir, "manifests");

    private string NodeRoot => Path.Combine(_dir, "node");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Once_installs_every_sample_manifest_prints_the_table_and_exits_0()
    {
        var samples = Path.Combine(TranslatorTestEnvironment.RepositoryRoot, "samples", "manifests");

        var result = await RunOnceAsync("--manifests", samples);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        var rows = LastTable(result.Stdout);
        string[] expected =
        [
            "SeccompProfile - log-enricher-trace Installed /var/lib/kubelet/seccomp/operator/log-enricher-trace.json",
            "SeccompProfile - nginx-web Installed /var/lib/kubelet/seccomp/operator/nginx-web.json",
            "SeccompProfile - nginx-web-with-base Installed /var/lib/kubelet/seccomp/operator/nginx-web-with-base.json",
            "SeccompProfile - redis-cache Installed /var/lib/kubelet/seccomp/operator/redis-cache.json",
            "SeccompProfile - runc-base Installed /var/lib/kubelet/seccomp/operator/runc-base.json",
            "SelinuxProfile - log-reader Installed /etc/selinux.d/log-reader.cil",
            "RawSelinuxProfile - metrics-agent Installed /etc/selinux.d/metrics-agent.cil",
            "AppArmorProfile - cache-writer Installed /etc/apparmor.d/cache-writer",
            "ProfileBinding web bind-nginx - -",
            "ProfileRecording web record-api - -",
            "SecurityProfilesOperatorDaemon security-profiles-operator spod Running -",
        ];
        Assert.Equal(expected, rows.Select(r => string.Join(' ', r)));

        // Each node file is where the table says, under the node root.
        foreach (var row in rows.Where(r => r[4] != "-"))
        {
            Assert.True(File.Exists(NodeRoot + row[4]), row[4] + " missing under " + NodeRoot);
        }

        // The v1beta1 manifest was converted on the way in and its base profile merged in.
        var redis = await File.ReadAllTextAsync(Path.Combine(NodeRoot, SeccompDirectory, "redis-cache.json"));
        Assert.Contains("\"execve\"", redis, StringComparison.Ordinal);
        Assert.Contains("\"epoll_wait\"", redis, StringComparison.Ordinal);
        Assert.Matches(@"^cluster: embedded in-memory cluster$", result.Stdout.Split('\n')[0]);

        // Run again over the same node root, as the README's command is run twice: the embedded cluster starts
        // empty, the node files are the first run's, and none of them is taken for a host's.
        var again = await RunOnceAsync("--manifests", samples);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("", again.Stderr);
        Assert.DoesNotContain("warn:", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(expected, LastTable(again.Stdout).Select(r => string.Join(' ', r)));
    }

    [Fact]
    public async Task Once_exits_1_when_a_profile_ends_in_Error()
    {
        await WriteManifestAsync("broken.yaml", Seccomp("needs-base", "read") + "  baseProfileName: no-such-base\n");

        var result = await RunOnceAsync();

        Assert.True(result.ExitCode == 1, result.ToString());
        var row = Assert.Single(LastTable(result.Stdout));
        Assert.Equal(["SeccompProfile", "-", "needs-base", "Error"], row[..4]);
    }

    [Fact]
    public async Task A_file_with_errors_is_reported_with_file_and_JSON_path_and_changes_nothing()
    {
        await WriteManifestAsync("good.yaml", Seccomp("good-one", "read"));
        await WriteManifestAsync("bad.yaml", Seccomp("bad-one", "read").Replace("SCMP_ACT_ERRNO", "SCMP_ACT_MAYBE", StringComparison.Ordinal) + "---\n" + Seccomp("bad-two", "write"));

        var result = await RunOnceAsync();

        Assert.Equal(1, result.ExitCode);
        var bad = Path.Combine(Manifests, "bad.yaml");
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(errors, e => e.StartsWith("error: " + bad + "#1 SeccompProfile/bad-one: ", StringComparison.Ordinal) && e.Contains("$.spec.defaultAction", StringComparison.Ordinal));
        Assert.Equal("error: 1 manifest file(s) have errors", errors[^1]);

        // Neither document of the bad file was applied, not even the valid second one.
        Assert.Equal(["good-one"], LastTable(result.Stdout).Select(r => r[2]));
        Assert.Equal(["good-one.json"], Directory.GetFiles(Path.Combine(NodeRoot, SeccompDirectory)).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Running_it_follows_added_changed_and_deleted_files_and_serves_the_conversion_webhook()
    {
        await using var sample = await HostedOperatorProcess.StartAsync("--manifests", Manifests, "--node-root", NodeRoot, "--urls", "http://127.0.0.1:0");
        var nodeFile = Path.Combine(NodeRoot, SeccompDirectory, "follower.json");
        Assert.False(File.Exists(nodeFile));

        // Added: installed, and the table printed again with it.
        await WriteManifestAsync("follower.yaml", Seccomp("follower", "read"));
        await sample.WaitForAsync(_ => File.Exists(nodeFile), "the added profile's node file");
        await sample.WaitForAsync(s => LastTable(s.Stdout).Any(r => r[2] == "follower" && r[3] == "Installed"), "the table to show the profile Installed");

        // Changed: the node file follows.
        await WriteManifestAsync("follower.yaml", Seccomp("follower", "read", "close"));
        await sample.WaitForAsync(_ => ReadOrEmpty(nodeFile).Contains("\"close\"", StringComparison.Ordinal), "the changed profile's node file");

        // Broken: reported with the file and JSON path; the profile stays as it was.
        await WriteManifestAsync("follower.yaml", Seccomp("follower", "read").Replace("SCMP_ACT_ALLOW", "SCMP_ACT_SOMETIMES", StringComparison.Ordinal));
        await sample.WaitForAsync(s => s.Stderr.Contains("follower.yaml#1 SeccompProfile/follower: ", StringComparison.Ordinal) && s.Stderr.Contains("$.spec.syscalls[0].action", StringComparison.Ordinal), "the broken file to be reported");
        Assert.Contains("\"close\"", ReadOrEmpty(nodeFile), StringComparison.Ordinal);

        // The conversion webhook answers on the URL it printed.
        using var http = new HttpClient { BaseAddress = sample.WebhookAddress };
        var review = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u-1",
             "desiredAPIVersion":"security-profiles-operator.x-k8s.io/v1",
             "objects":[{"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","metadata":{"name":"s"},"spec":{"defaultAction":"SCMP_ACT_ERRNO"}}]}}
            """;
        using var response = await http.PostAsync("/convert", new StringContent(review, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!;
        Assert.Equal("u-1", (string?)answer["uid"]);
        Assert.Equal("Success", (string?)answer["result"]!["status"]);
        Assert.Equal("security-profiles-operator.x-k8s.io/v1", (string?)answer["convertedObjects"]![0]!["apiVersion"]);

        // Probes and metrics on the same listener: ready, and the controller and SPO series scraped in Prometheus text.
        Assert.Equal("Healthy", await http.GetStringAsync("/healthz"));
        Assert.Equal("Healthy", await http.GetStringAsync("/readyz"));
        var runtimeMetrics = await http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE controller_runtime_reconcile_total counter", runtimeMetrics, StringComparison.Ordinal);
        Assert.Contains("controller_runtime_reconcile_total{controller=\"profile\"", runtimeMetrics, StringComparison.Ordinal);
        Assert.Contains("promhttp_metric_handler_requests_total", await http.GetStringAsync("/metrics-spod"), StringComparison.Ordinal);

        // Deleted: the profile and its node file go.
        File.Delete(Path.Combine(Manifests, "follower.yaml"));
        await sample.WaitForAsync(_ => !File.Exists(nodeFile), "the deleted profile's node file to go");
        await sample.WaitForAsync(s => LastTable(s.Stdout).Count == 0, "the table to be empty again");

        Assert.Equal(0, await sample.InterruptAsync());
    }

    [Fact]
    public async Task Over_https_it_serves_the_webhooks_with_the_certificate_it_was_given()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(_dir, "tls.crt");
        var keyFile = Path.Combine(_dir, "tls.key");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem() + "\n");
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");

        await using var sample = await HostedOperatorProcess.StartAsync("--manifests", Manifests, "--node-root", NodeRoot, "--urls", "https://127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile);

        Assert.Equal("https", sample.WebhookAddress.Scheme);
        X509Certificate2? served = null;
        using var handler = new HttpClientHandler
        {
            // Trust exactly the certificate written above, and remember what was served.
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                served = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.RawData);
                return cert?.Thumbprint == certificate.Thumbprint;
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = sample.WebhookAddress };

        // The RawSelinuxProfile validator refuses a policy that reaches outside its block.
        var review = """
            {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"r-1",
             "kind":{"group":"security-profiles-operator.x-k8s.io","version":"v1","kind":"RawSelinuxProfile"},
             "resource":{"group":"security-profiles-operator.x-k8s.io","version":"v1","resource":"rawselinuxprofiles"},
             "name":"escape","operation":"CREATE","userInfo":{"username":"test"},
             "object":{"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"RawSelinuxProfile","metadata":{"name":"escape"},"spec":{"policy":"(blockinherit container)"}}}}
            """;
        using var response = await http.PostAsync("/validate-rawselinuxprofile", new StringContent(review, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!;
        Assert.Equal("r-1", (string?)answer["uid"]);
        Assert.False((bool)answer["allowed"]!);
        Assert.Contains("blockinherit", (string?)answer["status"]!["message"], StringComparison.Ordinal);
        Assert.Equal(certificate.Thumbprint, served?.Thumbprint);
        served?.Dispose();
        Assert.Equal(0, await sample.InterruptAsync());
    }

    [Fact]
    public async Task In_the_daemon_role_it_installs_profiles_and_serves_no_webhooks()
    {
        await WriteManifestAsync("profile.yaml", Seccomp("daemon-only", "read"));

        await using var sample = await HostedOperatorProcess.StartAsync("--manifests", Manifests, "--node-root", NodeRoot, "--urls", "http://127.0.0.1:0", "--role", "daemon");

        Assert.True(File.Exists(Path.Combine(NodeRoot, SeccompDirectory, "daemon-only.json")), sample.ToString());
        var address = Assert.Single(Regex.Matches(sample.Stdout, @"^listening: (\S+)$", RegexOptions.Multiline)).Groups[1].Value;
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        using var response = await http.PostAsync("/convert", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Healthy", await http.GetStringAsync("/readyz"));

        // The table holds the profile kinds only: a daemon may not read bindings.
        Assert.Equal(["SeccompProfile"], LastTable(sample.Stdout).Select(r => r[0]));
        Assert.Equal(0, await sample.InterruptAsync());
    }

    [Fact]
    public async Task With_serve_api_the_TypedClient_sample_writes_profiles_the_running_operator_installs()
    {
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        await using var sample = await HostedOperatorProcess.StartAsync("--manifests", Manifests, "--node-root", NodeRoot, "--urls", "http://127.0.0.1:0", "--serve-api", kubeconfig);
        Assert.Matches(@"Kubernetes API at http://127\.0\.0\.1:\d+/ \(kubeconfig " + Regex.Escape(kubeconfig) + @"\)", sample.Stdout);

        var typed = await SpocProcess.RunDllAsync(Path.Combine(AppContext.BaseDirectory, "TypedClient.dll"), "--kubeconfig", kubeconfig, "--count", "3", "--keep");

        Assert.True(typed.ExitCode == 0, typed.ToString());
        Assert.Contains("listed 3 in 2 pages of at most 2", typed.Stdout, StringComparison.Ordinal);
        await sample.WaitForAsync(s => LastTable(s.Stdout).Count(r => r[2].StartsWith("typed-sample-", StringComparison.Ordinal) && r[3] == "Installed") == 3, "the typed client's profiles Installed");
        var installed = Directory.GetFiles(Path.Combine(NodeRoot, SeccompDirectory), "typed-sample-*.json");
        Assert.Equal(3, installed.Length);

        // The patched one was installed as patched: SCMP_ACT_LOG by default.
        Assert.Single(installed, f => File.ReadAllText(f).Contains("\"defaultAction\":\"SCMP_ACT_LOG\"", StringComparison.Ordinal));
        Assert.Equal(0, await sample.InterruptAsync());
    }

    [Fact]
    public async Task The_manager_and_daemon_roles_work_as_two_processes_as_the_deploy_manifests_run_them()
    {
        await WriteManifestAsync("profile.yaml", Seccomp("split-roles", "read"));
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        var managerRoot = Path.Combine(_dir, "manager-node");

        // The manager keeps the cluster (embedded, its API served); the daemon reaches it only through that API.
        await using var manager = await HostedOperatorProcess.StartAsync("--role", "manager", "--manifests", Manifests, "--node-root", managerRoot, "--urls", "http://127.0.0.1:0", "--serve-api", kubeconfig);
        await using var daemon = await HostedOperatorProcess.StartAsync("--role", "daemon", "--kubeconfig", kubeconfig, "--node-root", NodeRoot, "--urls", "http://127.0.0.1:0");

        // The daemon installs; the manager, which writes no node files, reports Installed from the daemon's node status.
        await manager.WaitForAsync(s => LastTable(s.Stdout).Any(r => r[2] == "split-roles" && r[3] == "Installed"), "the manager to report the daemon's install");
        Assert.True(File.Exists(Path.Combine(NodeRoot, SeccompDirectory, "split-roles.json")));
        Assert.False(Directory.Exists(Path.Combine(managerRoot, SeccompDirectory)));
        Assert.Equal(0, await daemon.InterruptAsync());
        Assert.Equal(0, await manager.InterruptAsync());
    }

    [Fact]
    public async Task With_a_kubeconfig_it_applies_the_manifests_to_that_cluster_and_installs_them()
    {
        await using var server = await KubernetesApiTestServer.StartNewAsync();
        var kubeconfig = server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
        await WriteManifestAsync("profile.yaml", Seccomp("from-file", "read"));

        var result = await RunOnceAsync("--kubeconfig", kubeconfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("cluster: kubeconfig " + kubeconfig + " (" + server.BaseAddress + ")", result.Stdout.Split('\n')[0]);
        Assert.Equal([["SeccompProfile", "-", "from-file", "Installed", "/var/lib/kubelet/seccomp/operator/from-file.json"]], LastTable(result.Stdout));
        Assert.True(File.Exists(Path.Combine(NodeRoot, SeccompDirectory, "from-file.json")));

        // It went through the API server: the profile is there, with the status the operator wrote.
        using var backend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        var stored = Assert.Single((await new SpoClients(backend).SeccompProfiles.ListAsync()).Items);
        Assert.Equal("from-file", stored.Metadata.Name);
        Assert.Equal(SeccompProfileState.Installed, stored.Status?.Status);
        Assert.Contains(server.Requests, r => r.Method == "POST" && r.PathAndQuery.Contains("/seccompprofiles", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_deleted_between_runs_takes_its_objects_with_it_and_objects_the_folder_never_wrote_stay()
    {
        await using var server = await KubernetesApiTestServer.StartNewAsync();
        var kubeconfig = server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
        await WriteManifestAsync("keep.yaml", Seccomp("kept", "read"));
        await WriteManifestAsync("gone.yaml", Seccomp("removed", "write"));
        var first = await RunOnceAsync("--kubeconfig", kubeconfig);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(["kept", "removed"], LastTable(first.Stdout).Select(row => row[2]).Order(StringComparer.Ordinal));

        // Between the runs: the file goes, and someone else creates a profile the folder never wrote.
        File.Delete(Path.Combine(Manifests, "gone.yaml"));
        using var backend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        var clients = new SpoClients(backend);
        await clients.SeccompProfiles.CreateAsync(new SeccompProfile
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "foreign" },
            Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
        });

        var second = await RunOnceAsync("--kubeconfig", kubeconfig);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(["foreign", "kept"], LastTable(second.Stdout).Select(row => row[2]).Order(StringComparer.Ordinal));
        var stored = (await clients.SeccompProfiles.ListAsync()).Items.ToDictionary(p => p.Metadata.Name);
        Assert.Equal(["foreign", "kept"], stored.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("keep.yaml", stored["kept"].Metadata.Annotations["sposdk.io/manifest-file"]);
        Assert.False(stored["foreign"].Metadata.Labels?.ContainsKey("sposdk.io/manifest-folder") == true);
        Assert.False(File.Exists(Path.Combine(NodeRoot, SeccompDirectory, "removed.json")));
    }

    [Theory]
    [InlineData(new[] { "--urls", "http://0.0.0.0:8443" }, "error: --urls http://0.0.0.0:8443 would serve plain HTTP beyond loopback; use a loopback address or https:// with --tls-cert and --tls-key")]
    [InlineData(new[] { "--urls", "http://10.1.2.3:8443" }, "error: --urls http://10.1.2.3:8443 would serve plain HTTP beyond loopback; use a loopback address or https:// with --tls-cert and --tls-key")]
    [InlineData(new[] { "--urls", "https://0.0.0.0:8443" }, "error: --urls https://0.0.0.0:8443 needs --tls-cert and --tls-key")]
    [InlineData(new[] { "--frobnicate" }, "error: unknown option --frobnicate (see --help)")]
    [InlineData(new[] { "--node-root" }, "error: --node-root needs a value")]
    [InlineData(new[] { "--role", "both" }, "error: --role is all, manager or daemon, not 'both'")]
    public async Task A_bad_command_line_is_one_error_line_and_exit_2(string[] args, string error)
    {
        var result = await SpocProcess.RunDllAsync(HostedOperatorProcess.DllPath, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal(error + "\n", result.Stderr);
    }

    [Fact]
    public async Task A_missing_kubeconfig_is_one_line_and_exit_1_and_verbose_adds_the_trace()
    {
        var missing = Path.Combine(_dir, "no-such-kubeconfig");

        var plain = await RunOnceAsync("--kubeconfig", missing);
        var verbose = await RunOnceAsync("--kubeconfig", missing, "--verbose");

        Assert.Equal(1, plain.ExitCode);
        Assert.Equal("error: kubeconfig " + missing + " does not exist\n", plain.Stderr);
        Assert.Equal(1, verbose.ExitCode);
        Assert.StartsWith("error: kubeconfig " + missing + " does not exist\n", verbose.Stderr, StringComparison.Ordinal);
        Assert.Contains("   at ", verbose.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_is_one_error_line_and_exit_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var result = await RunOnceAsync("--urls", "http://127.0.0.1:" + port);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: Failed to bind to address http://127.0.0.1:" + port + ": address already in use", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_option_and_exits_0()
    {
        var result = await SpocProcess.RunDllAsync(HostedOperatorProcess.DllPath, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("usage: HostedOperator ", result.Stdout, StringComparison.Ordinal);
        foreach (var option in new[] { "--manifests", "--node-root", "--once", "--urls", "--tls-cert", "--tls-key", "--role", "--kubeconfig", "--in-cluster", "--serve-api", "--verbose" })
        {
            Assert.Contains(option, result.Stdout, StringComparison.Ordinal);
        }
    }

    // The rows of the last table printed, split into cells (no cell holds a space).
    private static List<string[]> LastTable(string stdout)
    {
        var lines = stdout.Split('\n');
        var header = Array.FindLastIndex(lines, l => l.StartsWith("KIND ", StringComparison.Ordinal));
        return header < 0
            ? []
            : lines.Skip(header + 1).TakeWhile(l => l.Length > 0 && !l.StartsWith("Watching ", StringComparison.Ordinal))
                .Select(l => Cells().Split(l.TrimEnd()))
                .ToList();
    }

    private static string Seccomp(string name, params string[] allowed) =>
        "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: " + name + "\nspec:\n" +
        "  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names: [" + string.Join(", ", allowed) + "]\n";

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

    [GeneratedRegex(" {2,}")]
    private static partial Regex Cells();

    // Written whole then moved into place, as editors and kubectl-style tools do, so the watcher never sees half a file.
    private async Task WriteManifestAsync(string name, string text)
    {
        var temporary = Path.Combine(_dir, name + ".tmp");
        await File.WriteAllTextAsync(temporary, text);
        File.Move(temporary, Path.Combine(Manifests, name), overwrite: true);
    }

    private Task<SpocResult> RunOnceAsync(params string[] args) =>
        SpocProcess.RunDllAsync(HostedOperatorProcess.DllPath, ["--once", "--urls", "http://127.0.0.1:0", "--node-root", NodeRoot, .. args.Contains("--manifests") ? [] : new[] { "--manifests", Manifests }, .. args]);
}
