using System.Text.Json;
using k8s.Models;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.Apply;

namespace SpoSdk.Hosting.Crds;

/// <summary>Installs the SPO CustomResourceDefinitions this SDK was built from. Opt-in: nothing calls it by default.</summary>
public interface ICrdInstaller
{
    /// <summary>
    /// Applies every CRD (server-side apply as <see cref="CrdInstaller.FieldManager"/>, forced: the SDK's
    /// definitions win over older ones) and returns their names, sorted. Applying unchanged CRDs writes nothing.
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
        }

        installed.Sort(StringComparer.Ordinal);
        return installed;
    }
}
