using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.Testing;

/// <summary>Settings of a <see cref="KubernetesApiTestServer"/>.</summary>
public sealed record KubernetesApiTestServerOptions
{
    /// <summary>The objects served; null for a new empty store. Share one to look behind the server's back.</summary>
    public InMemoryObjectStore? Store { get; init; }

    /// <summary>The SPO kinds served; null for every generated kind and version.</summary>
    public SpoKindRegistry? Registry { get; init; }

    /// <summary>What happens to SPO objects on their way in and out; null for the generated conversions over <see cref="Registry"/>.</summary>
    public ObjectAdmission? Admission { get; init; }

    /// <summary>How often a watch that allows bookmarks gets one (the real API server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a watch without <c>timeoutSeconds</c> runs before the server ends it (the real one: 30–60 minutes).</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The largest request body accepted; larger ones get 413 (the real API server allows 3 MiB).</summary>
    public int MaxRequestBodyBytes { get; init; } = 3 * 1024 * 1024;

    /// <summary>The most requests <see cref="KubernetesApiTestServer.Requests"/> remembers.</summary>
    public int RequestLogCapacity { get; init; } = 1_000;

    /// <summary>The tokens and permissions the TokenReview and SubjectAccessReview endpoints answer from; share one to change them while the server runs.</summary>
    public AccessReviewRules AccessReviews { get; init; } = new();

    /// <summary>The Kubernetes version reported by <c>/version</c>.</summary>
    public Version KubernetesVersion { get; init; } = new(1, 32, 0);
}
