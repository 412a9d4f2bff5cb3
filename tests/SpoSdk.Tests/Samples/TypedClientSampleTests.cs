using SpoSdk.Api.V1;
using SpoSdk.Clients;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Testing;
using SpoSdk.Tests.Recording.EndToEnd;

namespace SpoSdk.Tests.Samples;

/// <summary>
/// samples/TypedClient run as a real process (TypedClient.dll beside this test assembly, through the
/// dotnet host), the way a user runs it: its output, its exit code and what it left in the cluster.
/// </summary>
public sealed class TypedClientSampleTests : IDisposable
{
    // xUnit makes an instance per test: each test has its own folder.
    private readonly string _dir = Directory.CreateTempSubdirectory("spo-typed-sample-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task By_default_it_runs_every_step_against_its_own_in_process_API_server()
    {
        var result = await RunSampleAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        var lines = result.StdoutLines;
        Assert.Equal(7, lines.Length);
        Assert.Matches(@"^cluster: in-process API server at http://127\.0\.0\.1:\d+/$", lines[0]);
        Assert.Matches(@"^created 5 SeccompProfiles typed-sample-[0-9a-f]{8}-0 \.\. typed-sample-[0-9a-f]{8}-4$", lines[1]);
        Assert.Equal("listed 5 in 3 pages of at most 2", lines[2]);
        Assert.Matches(@"^applied typed-sample-[0-9a-f]{8}-0: defaultAction SCMP_ACT_LOG, generation 2 \(server-side apply by typed-client-sample, forced over 1 conflict: \.spec\.defaultAction\)$", lines[3]);
        Assert.Equal("deleted 5", lines[4]);
        Assert.Equal("watch events seen: 11 (5 added, 1 modified, 5 deleted)", lines[5]);
        Assert.Equal("done", lines[6]);
    }

    [Fact]
    public async Task With_a_kubeconfig_it_writes_to_that_cluster_over_the_Kubernetes_API()
    {
        await using var server = await KubernetesApiTestServer.StartNewAsync();
        var kubeconfig = server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));

        var result = await RunSampleAsync("--kubeconfig", kubeconfig, "--count", "7", "--page-size", "3", "--keep");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("cluster: kubeconfig " + kubeconfig + " (" + server.BaseAddress + ")", result.StdoutLines[0]);
        Assert.Contains("listed 7 in 3 pages of at most 3", result.StdoutLines);
        Assert.Contains("watch events seen: 8 (7 added, 1 modified, 0 deleted)", result.StdoutLines);

        // --keep left the profiles behind: read them back through the typed client, as the sample wrote them.
        using var backend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        var profiles = await new SpoClients(backend).SeccompProfiles.ListAsync();
        Assert.Equal(7, profiles.Items.Count);
        var patched = Assert.Single(profiles.Items, p => p.Spec.DefaultAction == SeccompAction.ScmpActLog);
        Assert.EndsWith("-0", patched.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("applied", patched.Metadata.Labels["stage"]);
        Assert.Contains(patched.Metadata.ManagedFields, e => e.Manager == "typed-client-sample" && e.Operation == "Apply");
        Assert.All(profiles.Items.Where(p => p != patched), p => Assert.Equal(SeccompAction.ScmpActErrno, p.Spec.DefaultAction));
        Assert.Contains(server.Requests, r => r.Method == "PATCH" && r.ContentType == "application/apply-patch+yaml");
    }

    [Fact]
    public async Task A_run_cancelled_after_creating_its_profiles_deletes_them_from_the_cluster()
    {
        await using var server = await KubernetesApiTestServer.StartNewAsync();
        var kubeconfig = server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));

        // In process, so that the cancellation (a Ctrl+C) lands at a known step: right after the creates, before the list.
        using var stop = new CancellationTokenSource();
        var output = new CancelOnLineWriter("created ", stop);
        var error = new StringWriter();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TypedClientSample.SampleRun.RunAsync(["--kubeconfig", kubeconfig, "--count", "4"], output, error, stop.Token));

        Assert.True(output.Cancelled);
        using var backend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        Assert.Empty((await new SpoClients(backend).SeccompProfiles.ListAsync()).Items);
        Assert.Equal(4, server.Requests.Count(r => r.Method == "DELETE"));
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public async Task With_keep_a_cancelled_run_leaves_its_profiles()
    {
        await using var server = await KubernetesApiTestServer.StartNewAsync();
        var kubeconfig = server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
        using var stop = new CancellationTokenSource();
        var output = new CancelOnLineWriter("created ", stop);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TypedClientSample.SampleRun.RunAsync(["--kubeconfig", kubeconfig, "--count", "3", "--keep"], output, new StringWriter(), stop.Token));

        using var backend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        Assert.Equal(3, (await new SpoClients(backend).SeccompProfiles.ListAsync()).Items.Count);
        Assert.DoesNotContain(server.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task A_kubeconfig_that_does_not_exist_fails_with_exit_1_and_one_error_line()
    {
        var missing = Path.Combine(_dir, "no-such-kubeconfig");

        var result = await RunSampleAsync("--kubeconfig", missing);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal(["error: kubeconfig " + missing + " does not exist"], result.StderrLines);
    }

    [Fact]
    public async Task An_unreadable_kubeconfig_or_a_bad_option_fails_with_one_error_line_and_verbose_adds_the_trace()
    {
        var broken = Path.Combine(_dir, "kubeconfig");
        await File.WriteAllTextAsync(broken, "clusters: [");

        var unreadable = await RunSampleAsync("--kubeconfig", broken);
        Assert.Equal(1, unreadable.ExitCode);
        Assert.StartsWith("error: kubeconfig " + broken + " cannot be used: ", Assert.Single(unreadable.StderrLines), StringComparison.Ordinal);

        var badOption = await RunSampleAsync("--count", "many");
        Assert.Equal(2, badOption.ExitCode);
        Assert.Equal(["error: --count needs a positive whole number, not 'many'"], badOption.StderrLines);

        var verbose = await RunSampleAsync("--kubeconfig", broken, "--verbose");
        Assert.Equal(1, verbose.ExitCode);
        Assert.Equal(unreadable.StderrLines[0], verbose.StderrLines[0]);
        Assert.Contains(verbose.StderrLines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    private static async Task<SampleResult> RunSampleAsync(params string[] args)
    {
        var result = await SpocProcess.RunDllAsync(Path.Combine(AppContext.BaseDirectory, "TypedClient.dll"), args);
        return new SampleResult(result.ExitCode, result.Stdout, result.Stderr);
    }

    // The sample's output; cancels the run once a line starting with the given text is written.
    private sealed class CancelOnLineWriter(string prefix, CancellationTokenSource stop) : StringWriter
    {
        public bool Cancelled => stop.IsCancellationRequested;

        public override Task WriteLineAsync(string? value)
        {
            base.WriteLine(value);
            if (value?.StartsWith(prefix, StringComparison.Ordinal) == true)
            {
                stop.Cancel();
            }

            return Task.CompletedTask;
        }
    }

    private sealed record SampleResult(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public override string ToString() => "exit " + ExitCode + "\nstdout:\n" + Stdout + "\nstderr:\n" + Stderr;
    }
}
