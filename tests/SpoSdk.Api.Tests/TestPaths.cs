using System.Reflection;
using Xunit.Abstractions;

namespace SpoSdk.Api.Tests;

/// <summary>Where the repository and the shared upstream reference data are.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = typeof(TestPaths).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Samples => Path.Combine(RepositoryRoot, "samples", "manifests");

    /// <summary>
    /// The upstream folder, or null outside CI when it is absent (the test then says so and returns);
    /// under CI=true a missing folder fails the test, since no integration test may skip there.
    /// </summary>
    public static string? Upstream(string sub, ITestOutputHelper output)
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "upstream", sub));
        if (Directory.Exists(path))
        {
            return path;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI=true but the upstream reference folder is missing: " + path);
        output.WriteLine("upstream reference data not found at " + path + "; nothing to compare against here");
        return null;
    }
}
