using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.Tests.Runtime.Backends;

/// <summary>The backend contract against the embedded in-memory cluster.</summary>
public sealed class InMemoryBackendContractTests : ResourceClientContract
{
    protected override IClusterBackend Backend { get; } = new InMemoryBackend(
        new InMemoryObjectStore(new InMemoryStoreOptions { WatchHistory = WatchHistory, BookmarkInterval = BookmarkInterval }),
        new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
}
