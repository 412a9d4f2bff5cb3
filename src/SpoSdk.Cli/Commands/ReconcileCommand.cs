using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Hosting;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc reconcile --manifests DIR --node-root DIR [--node-name NAME] [--kubelet-dir DIR]</c>: a
/// one-shot run of the node reconcilers on the in-memory cluster, for machines without a cluster
/// and for CI dry-runs. Prints <c>KIND\tNAME\tSTATUS\tPATH-OR-REASON</c> per profile; exit 0, 1 when
/// any profile ends in Error or a manifest is invalid, 2 for unreadable input.
/// </summary>
internal static class ReconcileCommand
{
    private const string Usage = "usage: spoc reconcile --manifests DIR --node-root DIR [--node-name NAME] [--kubelet-dir DIR]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
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
        services.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeRoot(nodeRoot).WithNodeName(nodeName).WithKubeletDirectory(kubeletDirectory).AddSeccomp());
        await using var provider = services.BuildServiceProvider();
        var spo = provider.GetRequiredService<SpoOperator>();

        var exitCode = await LoadAsync(spo.Backend, manifests, stderr).ConfigureAwait(false);
        if (exitCode == SpocApp.Failure)
        {
            return exitCode;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await spo.StartAsync(timeout.Token).ConfigureAwait(false);
        await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(500), timeout.Token).ConfigureAwait(false);
        await spo.StopAsync(timeout.Token).ConfigureAwait(false);

        var paths = new NodePaths(kubeletDirectory);
        var events = (await spo.Backend.Resource<k8s.Models.Corev1Event>().ListAsync().ConfigureAwait(false)).Items;
        foreach (var profile in (await spo.Backend.Resource<SeccompProfile>().ListAsync().ConfigureAwait(false)).Items)
        {
            var state = profile.Status?.Status?.Value ?? "Pending";
            var detail = state == "Installed"
                ? paths.SeccompProfile(profile.Metadata.Name)
                : events.Where(e => e.InvolvedObject.Name == profile.Metadata.Name && e.Type == "Warning").OrderBy(e => e.LastTimestamp).LastOrDefault()?.Message ?? string.Empty;
            await stdout.WriteLineAsync(profile.Kind + "\t" + profile.Metadata.Name + "\t" + state + "\t" + detail).ConfigureAwait(false);
            if (state == "Error")
            {
                exitCode = SpocApp.Invalid;
            }
        }

        return exitCode;
    }

    // Every manifest under the folder, any served version; invalid documents are reported and skipped.
    private static async Task<int> LoadAsync(IClusterBackend backend, string manifests, TextWriter stderr)
    {
        var serializer = new SpoSerializer();
        var exitCode = SpocApp.Success;
        foreach (var file in Directory.EnumerateFiles(manifests, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".yaml" or ".yml" or ".json")
            .Order(StringComparer.Ordinal))
        {
            SpoReadResult result;
            try
            {
                result = serializer.ReadFile(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync("spoc: cannot read " + file + ": " + ex.Message).ConfigureAwait(false);
                return SpocApp.Failure;
            }

            foreach (var error in result.Errors)
            {
                await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                exitCode = SpocApp.Invalid;
            }

            foreach (var document in result.Documents.Where(d => d.IsValid))
            {
                try
                {
                    await backend.CreateAsync(document.Object!).ConfigureAwait(false);
                }
                catch (ResourceException ex)
                {
                    await stderr.WriteLineAsync(file + "#" + document.Index + " " + document.Object!.Kind + "/" + document.Object.Metadata.Name + ": " + ex.Message).ConfigureAwait(false);
                    exitCode = SpocApp.Invalid;
                }
            }
        }

        return exitCode;
    }
}
