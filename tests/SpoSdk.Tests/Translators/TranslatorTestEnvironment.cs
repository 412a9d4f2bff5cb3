using System.Reflection;
using SpoSdk.Node.Commands;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Translators;

/// <summary>
/// The real tools and reference data the translator tests check against. Outside CI a missing one
/// lets a test say so and return; under CI=true it fails the test, since no integration test may skip there.
/// </summary>
internal static class TranslatorTestEnvironment
{
    public static string RepositoryRoot { get; } = typeof(TranslatorTestEnvironment).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    private static bool InCi => Environment.GetEnvironmentVariable("CI") == "true";

    /// <summary>The tool's path, or null (outside CI only) after writing why the test returns early.</summary>
    public static string? RequiredTool(string name, string debianPackage, ITestOutputHelper output, params string[] preferredPaths)
    {
        var path = ExecutableLocator.Find(name, preferredPaths);
        if (path is not null)
        {
            return path;
        }

        var message = name + " is not installed (Debian package '" + debianPackage + "'; .ci/test installs it)";
        Assert.False(InCi, "CI=true but " + message);
        output.WriteLine(message + "; the compile check did not run");
        return null;
    }

    /// <summary>A folder of ../shared/upstream, or null (outside CI only) when it is absent.</summary>
    public static string? Upstream(string sub, ITestOutputHelper output)
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "upstream", sub));
        if (Directory.Exists(path))
        {
            return path;
        }

        Assert.False(InCi, "CI=true but the upstream reference folder is missing: " + path);
        output.WriteLine("upstream reference data not found at " + path + "; nothing to compare against here");
        return null;
    }
}
