using System.Reflection;

namespace SpoSdk.Tests.Packaging;

/// <summary>
/// The six packages packed once for the packaging tests, into a temporary folder that serves as a
/// local NuGet feed. <c>dotnet pack SpoSdk.sln --no-build</c> reuses what the build already made for
/// this test run (this test project references every packable project, so their outputs exist in
/// this configuration), and writes nothing into the source tree: the nuspecs and spoc's publish
/// folder go to the temporary folder too. The version is unique per run, so no stale copy of an
/// earlier pack can be restored from a cache.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    /// <summary>The packable projects' package ids.</summary>
    public static readonly string[] PackageIds = ["SpoSdk", "SpoSdk.Api", "SpoSdk.AspNetCore", "SpoSdk.Cli", "SpoSdk.Generators", "SpoSdk.Testing"];

    /// <summary>The folder that holds this run's feed, consumer projects and packages folder.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("spo-pack-").FullName;

    /// <summary>The unique prerelease version of this run's packages.</summary>
    public string Version { get; } = "0.0.0-test." + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The local feed: the .nupkg and .snupkg files.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>Where restores in these tests extract packages, so the machine's own cache never sees the test versions.</summary>
    public string PackagesFolder => Path.Combine(Root, "packages");

    /// <summary>Runs dotnet isolated for these tests.</summary>
    public DotnetCommand Dotnet => new(PackagesFolder);

    /// <summary>The pack command and how long it took.</summary>
    public CommandResult Pack { get; private set; } = null!;

    /// <summary>The repository checkout these tests were built from.</summary>
    public static string RepositoryRoot { get; } = typeof(PackedFeed).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>The configuration this test assembly was built in, which the packed projects were built in too.</summary>
    public static string Configuration { get; } = typeof(PackedFeed).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>Fails the calling test with the pack's output when packing failed.</summary>
    public void AssertPacked() => Assert.True(Pack.ExitCode == 0, Pack.ToString());

    /// <summary>The path of one package in the feed.</summary>
    public string PackagePath(string id, string extension = ".nupkg") => Path.Combine(Feed, id + "." + Version + extension);

    public async Task InitializeAsync()
    {
        var work = Path.Combine(Root, "pack");
        Pack = await Dotnet.DotnetAsync(RepositoryRoot,
            "pack", Path.Combine(RepositoryRoot, "SpoSdk.sln"), "-c", Configuration, "--no-build", "-nologo", "-nodeReuse:false",
            "-o", Feed,
            "-p:Version=" + Version,
            "-p:NuspecOutputPath=" + Path.Combine(work, "nuspec") + "/",
            "-p:PublishDir=" + Path.Combine(work, "publish") + "/");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The packaging tests share one pack and run one after another (each builds or installs from it).</summary>
[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "Packaging";
}
