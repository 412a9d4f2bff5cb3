using System.Text.Json;
using k8s;
using k8s.Models;
using SpoSdk.Admission.State;
using SpoSdk.Runtime;

namespace SpoSdk.Admission.Pods;

/// <summary>Pieces the binding and recording webhooks share.</summary>
internal static class PodWebhookSupport
{
    /// <summary>
    /// The steps the binding and recording webhooks share before their own work: non-pods and CONNECT
    /// pass unchanged, UPDATE goes to <paramref name="update"/>, an unknown operation is a 400, a
    /// namespace without the opt-in label passes (when asked to check it), and the namespace's owners
    /// (bindings or recordings) are listed. Returns either the final response or those owners.
    /// </summary>
    public static async ValueTask<(AdmissionResponse? Response, IReadOnlyList<TOwner> Owners)> ScreenAsync<TOwner>(
        AdmissionRequest request,
        Func<AdmissionRequest, AdmissionResponse> update,
        PodWebhookOptions options,
        string optInLabel,
        IAdmissionLookups lookups,
        Func<string, CancellationToken, ValueTask<IReadOnlyList<TOwner>>> listOwners,
        string ownersName,
        string unchangedMessage,
        CancellationToken cancellationToken)
    {
        if (request.Kind.Kind.Length > 0 && request.Kind.Kind != "Pod")
        {
            return (AdmissionResponse.Allow("not a pod"), []);
        }

        switch (request.Operation)
        {
            case AdmissionOperation.Update:
                return (update(request), []);
            case AdmissionOperation.Connect:
                return (AdmissionResponse.Allow(unchangedMessage), []);
            case AdmissionOperation.Unknown:
                return (AdmissionResponse.Errored(400, "unsupported operation " + request.OperationName), []);
        }

        try
        {
            if (options.RequireNamespaceLabel && !await NamespaceOptedInAsync(lookups, request.Namespace, optInLabel, cancellationToken).ConfigureAwait(false))
            {
                return (AdmissionResponse.Allow(unchangedMessage), []);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (LookupFailed(request, options, unchangedMessage, "could not read the labels of namespace " + request.Namespace + ": " + ex.Message), []);
        }

        try
        {
            return (null, await listOwners(request.Namespace, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (LookupFailed(request, options, unchangedMessage, "could not list " + ownersName + ": " + ex.Message), []);
        }
    }

    // A lookup that fails refuses a creation (its patch cannot be decided), but a deletion only as the options say:
    // the bookkeeping it skips is what DeleteBookkeepingFailure is about.
    private static AdmissionResponse LookupFailed(AdmissionRequest request, PodWebhookOptions options, string unchangedMessage, string message) =>
        request.Operation == AdmissionOperation.Delete && options.DeleteBookkeepingFailure == BookkeepingFailurePolicy.Allow
            ? AdmissionResponse.Allow(unchangedMessage).WithWarnings([message])
            : AdmissionResponse.Errored(500, message);

    /// <summary>Whether the namespace carries <paramref name="label"/> (any value), as the webhook's namespaceSelector asks.</summary>
    public static async ValueTask<bool> NamespaceOptedInAsync(IAdmissionLookups lookups, string @namespace, string label, CancellationToken cancellationToken)
    {
        var labels = await lookups.GetNamespaceLabelsAsync(@namespace, cancellationToken).ConfigureAwait(false);
        return labels?.ContainsKey(label) == true;
    }

    /// <summary>The deleted pod's name (request name, else the old object's) and generateName.</summary>
    public static (string Name, string GenerateName) DeletedPod(AdmissionRequest request)
    {
        var name = request.Name;
        var generateName = string.Empty;
        if (request.OldObject.ValueKind == JsonValueKind.Object && request.OldObject.TryGetProperty("metadata"u8, out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            if (name.Length == 0 && metadata.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String)
            {
                name = n.GetString()!;
            }

            if (metadata.TryGetProperty("generateName"u8, out var g) && g.ValueKind == JsonValueKind.String)
            {
                generateName = g.GetString()!;
            }
        }

        // Only a name that was generated from it ties a pod to its generateName entry.
        return (name, name.StartsWith(generateName, StringComparison.Ordinal) && name.Length > generateName.Length ? generateName : string.Empty);
    }

    /// <summary>
    /// Removes a deleted pod from the <c>status.activeWorkloads</c> of every owner (binding or
    /// recording) of its namespace: its own entry always, its generateName entry once no other live pod
    /// of that generateName remains. Dry runs and unnamed pods change nothing.
    /// </summary>
    /// <param name="request">The DELETE request.</param>
    /// <param name="owners">The namespace's bindings or recordings.</param>
    /// <param name="kind">Which kind <paramref name="owners"/> are.</param>
    /// <param name="entryFor">The workload entry for a pod or generateName, as the owner kind lists it.</param>
    /// <param name="activeWorkloads">The owner's cached <c>status.activeWorkloads</c>.</param>
    /// <param name="lookups">Pod lookups for the generateName check.</param>
    /// <param name="bookkeeping">Where the entries are removed.</param>
    /// <param name="onFailure">Whether a failed removal refuses the deletion.</param>
    /// <param name="unchangedMessage">The message of the (unpatched) response.</param>
    /// <param name="cancellationToken">Cancels the lookups and writes.</param>
    public static async ValueTask<AdmissionResponse> RemoveDeletedPodAsync<TOwner>(
        AdmissionRequest request,
        IReadOnlyList<TOwner> owners,
        WorkloadOwnerKind kind,
        Func<string, string> entryFor,
        Func<TOwner, IList<string>?> activeWorkloads,
        IAdmissionLookups lookups,
        IWorkloadBookkeeping bookkeeping,
        BookkeepingFailurePolicy onFailure,
        string unchangedMessage,
        CancellationToken cancellationToken)
        where TOwner : IKubernetesObject<V1ObjectMeta>
    {
        if (request.DryRun || owners.Count == 0)
        {
            return AdmissionResponse.Allow(unchangedMessage);
        }

        var (name, generateName) = DeletedPod(request);
        if (name.Length == 0)
        {
            return AdmissionResponse.Allow(unchangedMessage);
        }

        var nameEntry = entryFor(name);
        var generateEntry = generateName.Length > 0 ? entryFor(generateName) : null;
        var lastOfGeneration = new LazyLiveCheck(lookups, request.Namespace, generateName, name);
        var warnings = new List<string>();
        foreach (var owner in owners)
        {
            // The entry is read fresh by the bookkeeping; the cached list only decides whether the
            // generateName entry is worth a pod lookup.
            var entries = new List<string> { nameEntry };
            if (generateEntry is not null && activeWorkloads(owner)?.Contains(generateEntry) == true)
            {
                bool othersLive;
                try
                {
                    othersLive = await lastOfGeneration.OthersLiveAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // Unknown whether other pods of the generateName live: its entry stays (the safe side).
                    var message = "could not look up the other pods of " + generateName + " in namespace " + request.Namespace + ": " + ex.Message;
                    if (onFailure == BookkeepingFailurePolicy.Deny)
                    {
                        return AdmissionResponse.Errored(500, message);
                    }

                    if (!warnings.Contains(message))
                    {
                        warnings.Add(message);
                    }

                    othersLive = true;
                }

                if (!othersLive)
                {
                    entries.Add(generateEntry);
                }
            }

            try
            {
                await bookkeeping.RemoveWorkloadsAsync(kind, ObjectKey.Of(owner), entries, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var message = "could not remove pod " + nameEntry + " from " + kind + " " + owner.Metadata.Name + ": " + ex.Message;
                if (onFailure == BookkeepingFailurePolicy.Deny)
                {
                    return AdmissionResponse.Errored(500, message);
                }

                warnings.Add(message);
            }
        }

        return AdmissionResponse.Allow(unchangedMessage).WithWarnings(warnings);
    }

    /// <summary>Asks once, and only if needed, whether other live pods share the deleted pod's generateName.</summary>
    internal sealed class LazyLiveCheck(IAdmissionLookups lookups, string @namespace, string generateName, string excludingName)
    {
        private bool? _othersLive;

        public async ValueTask<bool> OthersLiveAsync(CancellationToken cancellationToken) =>
            _othersLive ??= await lookups.HasOtherLivePodsAsync(@namespace, generateName, excludingName, cancellationToken).ConfigureAwait(false);
    }
}
