using SpoSdk.Runtime.Backends;

namespace SpoSdk.Tests.Runtime.Backends;

/// <summary>The backend contract against the Kubernetes backend, over real HTTP to the in-process API server.</summary>
public sealed class KubernetesBackendContractTests(ApiServerFixture fixture) : ResourceClientContract, IClassFixture<ApiServerFixture>
{
    protected override IClusterBackend Backend => fixture.Backend;
}
