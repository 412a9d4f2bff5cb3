using System.Text.Json;
using SpoSdk.Admission.State;

namespace SpoSdk.Admission.Pods;

/// <summary>Pieces the binding and recording webhooks share.</summary>
internal static class PodWebhookSupport
{
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

    /// <summary>Asks once, and only if needed, whether other live pods share the deleted pod's generateName.</summary>
    internal sealed class LazyLiveCheck(IAdmissionLookups lookups, string @namespace, string generateName, string excludingName)
    {
        private bool? _othersLive;

        public async ValueTask<bool> OthersLiveAsync(CancellationToken cancellationToken) =>
            _othersLive ??= await lookups.HasOtherLivePodsAsync(@namespace, generateName, excludingName, cancellationToken).ConfigureAwait(false);
    }
}
