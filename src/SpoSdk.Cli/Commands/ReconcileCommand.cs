using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Cli.CommandLine;
using SpoSdk.Hosting;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc reconcile --manifests DIR --node-root DIR [--node-name NAME] [--kubelet-dir DIR]</c>: a
/// one-shot run of the node reconcilers of every profile kind (seccomp, SELinux, raw SELinux,
/// AppArmor) on the in-memory cluster, for machines without a cluster and for CI dry-runs. Prints
/// <c>KIND\tNAME\tSTATUS\tPATH-OR-REASON</c> per profile, sorted by kind then name; exit 0, 1 when
/// any profile ends in Error or a manifest is invalid, 2 for unreadable input. The manifests are those
/// <see cref="ManifestFiles"/> finds, as for migrate: symbolic links and hidden files and folders are skipped.
/// </summary>
/// <remarks>
/// Two profiles that map to one node file (a SelinuxProfile and a RawSelinuxProfile of one name
/// both write <c>/etc/selinux.d/&lt;name&gt;.cil</c>) never overwrite each other: the one that comes
/// first in manifest order (files in ordinal path order, then documents in file order) is installed,
/// and every later one ends in Error with a NodeFileConflict reason. The order is made certain by
/// creating the later ones only once the first have been reconciled; the daemon enforces the same
/// rule on its own (first to claim the file keeps it).
/// </remarks>
internal static class ReconcileCommand
{
    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];

    private const string Usage = "usage: spoc reconcile --manifests DIR --node-root DIR [--node-name NAME] [--kubelet-dir DIR]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CliProgress progress)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            if (args[i] is not ("--manifests" or "--node-root" or "--node-name" or "--kubelet-dir") || i + 1 >= args.Count)
            {
                await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
                return SpocApp.Failure;
            }

            options[args[i]] = args[i + 1];
        }

        if (!options.TryGetValue("--manifests", out var manifests) || !options.TryGetValue("--node-root", out var nodeRoot))
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return SpocApp.Failure;
        }

        if (!Directory.Exists(manifests))
        {
            await stderr.WriteLineAsync("spoc: cannot read " + manifests + ": not a directory").ConfigureAwait(false);
            return SpocApp.Failure;
        }

        var kubeletDirectory = options.GetValueOrDefault("--kubelet-dir", NodePaths.DefaultKubeletDirectory);
        var nodeName = options.GetValueOrDefault("--node-name", "local-node");
        var services = new ServiceCollection();
        services.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeRoot(nodeRoot).WithNodeName(nodeName).WithKubeletDirectory(kubeletDirectory).AddSeccomp().AddSelinux().AddAppArmor());
        await using var provider = services.BuildServiceProvider();
        var spo = provider.GetRequiredService<SpoOperator>();
        var paths = new NodePaths(kubeletDirectory);

        var (exitCode, documents) = await ReadAsync(manifests, stderr, progress).ConfigureAwait(false);
        if (exitCode == SpocApp.Failure)
        {
            return exitCode;
        }

        // Whoever comes first in manifest order keeps a node file; the rest are created once it has it.
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var later = new List<(string File, SpoDocument Document)>();
        var first = new List<(string File, SpoDocument Document)>();
        foreach (var entry in documents)
        {
            (NodeFileOf(paths, entry.Document.Object!) is not { } nodeFile || claimed.Add(nodeFile) ? first : later).Add(entry);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        progress.Report("reconciling " + documents.Count + " profile(s)");
        exitCode = Math.Max(exitCode, await CreateAsync(spo.Backend, first, stderr, progress).ConfigureAwait(false));
        await spo.StartAsync(timeout.Token).ConfigureAwait(false);
        await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(500), timeout.Token).ConfigureAwait(false);
        if (later.Count > 0)
        {
            exitCode = Math.Max(exitCode, await CreateAsync(spo.Backend, later, stderr, progress).ConfigureAwait(false));
            await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(500), timeout.Token).ConfigureAwait(false);
        }

        await spo.StopAsync(timeout.Token).ConfigureAwait(false);
        progress.Clear();

        var events = (await spo.Backend.Resource<k8s.Models.Corev1Event>().ListAsync().ConfigureAwait(false)).Items;
        var reports = new List<(string Kind, string Name, string State)>();
        reports.AddRange((await spo.Backend.Resource<SeccompProfile>().ListAsync().ConfigureAwait(false)).Items.Select(p => (p.Kind, p.Metadata.Name, p.Status?.Status?.Value ?? "Pending")));
        reports.AddRange((await spo.Backend.Resource<SelinuxProfile>().ListAsync().ConfigureAwait(false)).Items.Select(p => (p.Kind, p.Metadata.Name, p.Status?.Status?.Value ?? "Pending")));
        reports.AddRange((await spo.Backend.Resource<RawSelinuxProfile>().ListAsync().ConfigureAwait(false)).Items.Select(p => (p.Kind, p.Metadata.Name, p.Status?.Status?.Value ?? "Pending")));
        reports.AddRange((await spo.Backend.Resource<AppArmorProfile>().ListAsync().ConfigureAwait(false)).Items.Select(p => (p.Kind, p.Metadata.Name, p.Status?.Status?.Value ?? "Pending")));
        foreach (var (kind, name, state) in reports.OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal))
        {
            var detail = state == "Installed"
                ? NodeFileOf(paths, kind, name)
                : events.Where(e => e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name && e.Type == "Warning").OrderBy(e => e.LastTimestamp).LastOrDefault()?.Message;
            await stdout.WriteLineAsync(kind + "\t" + name + "\t" + state + "\t" + detail).ConfigureAwait(false);
            if (state == "Error")
            {
                exitCode = SpocApp.Invalid;
            }
        }

        return exitCode;
    }

    private static string? NodeFileOf(NodePaths paths, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> profile) => NodeFileOf(paths, profile.Kind, profile.Metadata.Name);

    // The node file a profile is written to; null for other objects and for names that cannot be a file (their reconciler reports them).
    private static string? NodeFileOf(NodePaths paths, string kind, string name)
    {
        try
        {
            return kind switch
            {
                SeccompProfile.KubeKind => paths.SeccompProfile(name),
                SelinuxProfile.KubeKind or RawSelinuxProfile.KubeKind => NodePaths.SelinuxPolicy(name),
                AppArmorProfile.KubeKind => NodePaths.AppArmorProfile(name),
                _ => null,
            };
        }
        catch (UnsafeNodePathException)
        {
            return null;
        }
    }

    private static async Task<int> CreateAsync(IClusterBackend backend, List<(string File, SpoDocument Document)> documents, TextWriter stderr, CliProgress progress)
    {
        var exitCode = SpocApp.Success;
        foreach (var (file, document) in documents)
        {
            try
            {
                // Cleared on purpose, as kubectl create does: a manifest saved with `kubectl get -o yaml` carries the
                // resourceVersion it was read at, which a create refuses (as the API server does).
                document.Object!.Metadata?.ResourceVersion = null;
                await backend.CreateAsync(document.Object!).ConfigureAwait(false);
            }
            catch (ResourceException ex)
            {
                progress.Clear();
                await stderr.WriteLineAsync(file + "#" + document.Index + " " + document.Object!.Kind + "/" + document.Object.Metadata.Name + ": " + ex.Message).ConfigureAwait(false);
                exitCode = SpocApp.Invalid;
            }
        }

        return exitCode;
    }

    // Every manifest under the folder, any served version, in manifest order; invalid documents are reported and skipped.
    private static async Task<(int ExitCode, List<(string File, SpoDocument Document)> Documents)> ReadAsync(string manifests, TextWriter stderr, CliProgress progress)
    {
        var serializer = new SpoSerializer();
        var exitCode = SpocApp.Success;
        var documents = new List<(string File, SpoDocument Document)>();
        List<string> files;
        try
        {
            files = ManifestFiles.Under(manifests, ManifestExtensions);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync("spoc: cannot read " + manifests + ": " + ex.Message).ConfigureAwait(false);
            return (SpocApp.Failure, documents);
        }

        foreach (var (file, index) in files.Select((f, i) => (f, i)))
        {
            progress.Report("reading manifests " + (index + 1) + "/" + files.Count);
            SpoReadResult result;
            try
            {
                result = serializer.ReadFile(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                progress.Clear();
                await stderr.WriteLineAsync("spoc: cannot read " + file + ": " + ex.Message).ConfigureAwait(false);
                return (SpocApp.Failure, documents);
            }

            foreach (var error in result.Errors)
            {
                progress.Clear();
                await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                exitCode = SpocApp.Invalid;
            }

            documents.AddRange(result.Documents.Where(d => d.IsValid).Select(d => (file, d)));
        }

        return (exitCode, documents);
    }
}
