using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Api.V1;
using SpoSdk.Clients;
using SpoSdk.Clients.V1;
using SpoSdk.Runtime.Backends;

namespace TypedClientSample;

/// <summary>
/// The sample's steps: create SeccompProfiles, list them page by page, server-side apply one, delete them,
/// and check that a watch opened before the first write reported every one of those changes.
/// </summary>
public static class SampleRun
{
    private const string RunLabel = "sposdk-sample-run";

    // The field manager the sample applies as: the owner of the fields it applies.
    private const string FieldManager = "typed-client-sample";

    // How long the clean-up after a failure may take, in all.
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs the sample; 0 on success, 1 with one error line on <paramref name="error"/> on failure, 2 for a bad command line.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Contains("--help") || args.Contains("-h"))
        {
            await output.WriteLineAsync(SampleOptions.Usage);
            return 0;
        }

        var verbose = args.Contains("--verbose");
        SampleOptions options;
        try
        {
            options = SampleOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            // A bad command line is exit 2, as spoc and HostedOperator have it.
            await error.WriteLineAsync("error: " + ex.Message);
            return 2;
        }

        try
        {
            await using var cluster = await SampleCluster.ConnectAsync(options.Kubeconfig, cancellationToken);
            await output.WriteLineAsync("cluster: " + cluster.Description);
            using var services = new ServiceCollection().AddSingleton(cluster.Backend).AddSpoClients().BuildServiceProvider();
            await RunStepsAsync(services.GetRequiredService<ISpoClients>().SeccompProfiles, options, output, error, cancellationToken);
            await output.WriteLineAsync("done");
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One line a user can act on; the stack trace only when asked for.
            await error.WriteLineAsync("error: " + OneLine(ex));
            if (verbose)
            {
                await error.WriteLineAsync(ex.ToString());
            }

            return 1;
        }
    }

    private static async Task RunStepsAsync(ISeccompProfileClient profiles, SampleOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // A label unique to this run: a real cluster may hold other profiles, and two runs must not see each other's.
        var run = Guid.NewGuid().ToString("N")[..8];
        var selector = RunLabel + "=" + run;
        var names = Enumerable.Range(0, options.Count).Select(i => "typed-sample-" + run + "-" + i).ToArray();

        // Watch from the version of a list taken before any write: every change after it is reported, none is missed.
        var from = (await profiles.ListAsync(new ListOptions(selector, Limit: 1), cancellationToken)).ResourceVersion;
        using var watchStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var expected = new WatchExpectation(names, patched: names[0], expectDeletes: !options.Keep);
        var watch = WatchAsync(profiles, from, selector, expected, watchStop.Token);

        // What this run may have left on the cluster: a name joins before its create is sent (a create cut short may
        // still have happened) and leaves once deleted, so a failure or Ctrl+C anywhere leaves nothing behind.
        var leftovers = new List<string>();
        try
        {
            foreach (var name in names)
            {
                leftovers.Add(name);
                await profiles.CreateAsync(NewProfile(name, run), cancellationToken);
            }

            await output.WriteLineAsync("created " + names.Length + " SeccompProfiles " + names[0] + " .. " + names[^1]);

            var (listed, pages) = await ListEveryPageAsync(profiles, selector, options.PageSize, cancellationToken);
            await output.WriteLineAsync("listed " + listed + " in " + pages + " pages of at most " + options.PageSize);
            if (listed != names.Length)
            {
                throw new InvalidOperationException("listed " + listed + " SeccompProfiles labelled " + selector + ", created " + names.Length);
            }

            // Server-side apply: only the fields this sample cares about, owned by its field manager from now on.
            // Whoever created the profile owns spec.defaultAction with another value, so a plain apply is a
            // conflict naming that field (and nothing is written); forcing takes the field over.
            var intent = new SeccompProfile
            {
                Metadata = new V1ObjectMeta { Name = names[0], Labels = new Dictionary<string, string> { ["stage"] = "applied" } },
                Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActLog },
            };
            string forced;
            SeccompProfile applied;
            try
            {
                applied = await profiles.ApplyAsync(intent, new ApplyOptions(FieldManager), cancellationToken);
                forced = "no conflict";
            }
            catch (ResourceConflictException conflict)
            {
                applied = await profiles.ApplyAsync(intent, new ApplyOptions(FieldManager, Force: true), cancellationToken);
                forced = "forced over " + conflict.Status.Causes.Count + (conflict.Status.Causes.Count == 1 ? " conflict: " : " conflicts: ") + string.Join(", ", conflict.Status.Causes.Select(c => c.Field));
            }

            await output.WriteLineAsync("applied " + applied.Metadata.Name + ": defaultAction " + applied.Spec.DefaultAction.Value + ", generation " + applied.Metadata.Generation +
                " (server-side apply by " + FieldManager + ", " + forced + ")");

            if (!options.Keep)
            {
                var deleted = 0;
                foreach (var name in names)
                {
                    deleted += await profiles.DeleteAsync(name, cancellationToken: cancellationToken) ? 1 : 0;
                    leftovers.Remove(name);
                }

                await output.WriteLineAsync("deleted " + deleted);
            }

            watchStop.CancelAfter(options.WatchTimeout);
            await watch;
            await output.WriteLineAsync("watch events seen: " + expected.Summary);
        }
        finally
        {
            await watchStop.CancelAsync();
            await watch.ContinueWith(_ => { }, TaskScheduler.Default);
            if (!options.Keep)
            {
                await DeleteLeftoversAsync(profiles, leftovers, error);
            }
        }
    }

    // After a failure or a cancellation: delete what this run created, each name once, within a bounded time of its own
    // (the run's token may be the cancelled one). Not found is fine; anything else is reported, not thrown, so the
    // failure that got here stays the one reported.
    private static async Task DeleteLeftoversAsync(ISeccompProfileClient profiles, IReadOnlyList<string> names, TextWriter error)
    {
        if (names.Count == 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CleanupTimeout);
        foreach (var name in names)
        {
            try
            {
                await profiles.DeleteAsync(name, cancellationToken: timeout.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                await error.WriteLineAsync("warning: SeccompProfile " + name + " was left on the cluster: " + OneLine(ex));
            }
        }
    }

    private static async Task WatchAsync(ISeccompProfileClient profiles, string from, string selector, WatchExpectation expected, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in profiles.WatchAsync(from, new ListOptions(selector), cancellationToken))
            {
                if (expected.Observe(change))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        throw new TimeoutException("the watch reported " + expected.Summary + "; still missing " + expected.Missing);
    }

    private static async Task<(int Listed, int Pages)> ListEveryPageAsync(ISeccompProfileClient profiles, string selector, int pageSize, CancellationToken cancellationToken)
    {
        var (listed, pages) = (0, 0);
        string? next = null;
        do
        {
            var page = await profiles.ListAsync(new ListOptions(selector, Limit: pageSize, Continue: next), cancellationToken);
            listed += page.Items.Count;
            pages++;
            next = page.Continue;
        }
        while (next is not null);
        return (listed, pages);
    }

    private static SeccompProfile NewProfile(string name, string run) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { [RunLabel] = run } },
        Spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["exit_group", "read", "write"] }],
        },
    };

    private static string OneLine(Exception ex) => string.Join(' ', ex.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
