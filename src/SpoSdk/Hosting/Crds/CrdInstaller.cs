using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.Apply;

namespace SpoSdk.Hosting.Crds;

/// <summary>Installs the SPO CustomResourceDefinitions this SDK was built from. Opt-in: nothing calls it by default.</summary>
public interface ICrdInstaller
{
    /// <summary>
    /// Applies every CRD (server-side apply as <see cref="CrdInstaller.FieldManager"/>, forced: the SDK's
    /// definitions win over older ones) and returns their names, sorted. Applying unchanged CRDs writes nothing.
    /// Then, for a CRD whose <c>status.storedVersions</c> still lists versions other than its storage version,
    /// rewrites every object of the kind (so each is stored in the storage version, as the storage-version
    /// migrator does) and prunes <c>storedVersions</c> to the storage version.
    /// </summary>
    Task<IReadOnlyList<string>> InstallAsync(CancellationToken cancellationToken = default);
}

/// <summary>The <see cref="ICrdInstaller"/> over a cluster backend, with the CRDs embedded in the SpoSdk assembly.</summary>
public sealed class CrdInstaller : ICrdInstaller
{
    /// <summary>The field manager that owns the installed definitions.</summary>
    public const string FieldManager = "sposdk";

    private readonly IClusterBackend _backend;

    /// <summary>Creates the installer over <paramref name="backend"/> (a Kubernetes API server or the in-memory cluster).</summary>
    public CrdInstaller(IClusterBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> InstallAsync(CancellationToken cancellationToken = default)
    {
        var client = _backend.Resource<V1CustomResourceDefinition>();
        var installed = new List<string>();
        foreach (var document in FieldSchemas.EmbeddedCrds())
        {
            var crd = document.Deserialize<V1CustomResourceDefinition>(SpoJsonOptions.Lenient)
                ?? throw new InvalidDataException("an embedded CRD is empty");
            var applied = await client.ApplyAsync(crd, new ApplyOptions(FieldManager, Force: true), cancellationToken).ConfigureAwait(false);
            installed.Add(applied.Metadata.Name);
            await PruneStoredVersionsAsync(client, applied, cancellationToken).ConfigureAwait(false);
        }

        installed.Sort(StringComparer.Ordinal);
        return installed;
    }

    private async Task PruneStoredVersionsAsync(IResourceClient<V1CustomResourceDefinition> client, V1CustomResourceDefinition crd, CancellationToken cancellationToken)
    {
        var storage = crd.Spec.Versions.Single(v => v.Storage).Name;
        var stored = crd.Status?.StoredVersions ?? [];
        if (stored.Count == 0 || stored.SequenceEqual([storage]))
        {
            return;
        }

        // Every object first, then the record: pruning before an object is rewritten would lose the version it is stored in.
        var hub = SpoKindRegistry.Default.Kinds.Single(k => k.Group == crd.Spec.Group && k.Kind == crd.Spec.Names.Kind && k.IsStorageVersion);
        var rewrite = typeof(CrdInstaller).GetMethod(nameof(RewriteAllAsync), BindingFlags.NonPublic | BindingFlags.Instance)!.MakeGenericMethod(hub.ModelType);
        await ((Task)rewrite.Invoke(this, [cancellationToken])!).ConfigureAwait(false);
        await client.PatchStatusAsync(
            ObjectKey.Cluster(crd.Metadata.Name),
            ResourcePatch.Merge(new JsonObject { ["status"] = new JsonObject { ["storedVersions"] = new JsonArray(storage) } }),
            cancellationToken).ConfigureAwait(false);
    }

    // An unchanged update stores the object again, in the storage version: the API server writes it when its
    // stored encoding is an older version, and (as the in-memory cluster, which stores the hub version) not otherwise.
    private async Task RewriteAllAsync<T>(CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var objects = _backend.Resource<T>();
        await foreach (var item in ResourceClientPaging.ListPagesAsync(objects, null, null, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await objects.UpdateAsync(item, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ResourceConflictException or ResourceNotFoundException)
            {
                // Written or deleted since the list: either way it is no longer stored in an old version.
            }
        }
    }
}
