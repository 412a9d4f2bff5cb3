using System.Collections.Immutable;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Packaging;

/// <summary>
/// What <c>dotnet pack SpoSdk.sln</c> puts in each package: the files a consumer's build and the
/// dotnet tool installer look for, and the metadata (dependencies, license, readme) NuGet shows.
/// </summary>
[Collection(PackagingCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PackageLayoutTests(PackedFeed feed, ITestOutputHelper output)
{
    private static readonly string[] Libraries = ["SpoSdk", "SpoSdk.Api", "SpoSdk.AspNetCore", "SpoSdk.Testing"];

    [Fact]
    public void The_solution_packs_exactly_the_six_packages_with_symbols_beside_the_libraries_and_the_tool()
    {
        output.WriteLine("pack: " + feed.Pack.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s");
        feed.AssertPacked();

        var packages = Directory.GetFiles(feed.Feed).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var expected = PackedFeed.PackageIds
            .SelectMany(id => id == "SpoSdk.Generators" ? [id + "." + feed.Version + ".nupkg"] : new[] { id + "." + feed.Version + ".nupkg", id + "." + feed.Version + ".snupkg" })
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, packages);
    }

    [Fact]
    public void Every_package_carries_the_license_readme_repository_and_a_description()
    {
        feed.AssertPacked();
        foreach (var id in PackedFeed.PackageIds)
        {
            using var package = ZipFile.OpenRead(feed.PackagePath(id));
            var nuspec = Nuspec(package, id);

            Assert.Equal(id, Value(nuspec, "id"));
            Assert.Equal(feed.Version, Value(nuspec, "version"));
            var license = Element(nuspec, "license");
            Assert.Equal("expression", license.Attribute("type")?.Value);
            Assert.Equal("Apache-2.0", license.Value);
            Assert.Equal("README.md", Value(nuspec, "readme"));
            Assert.Equal(File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, "README.md")), ReadText(package, "README.md"));
            Assert.StartsWith("https://github.com/", Element(nuspec, "repository").Attribute("url")?.Value, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(Value(nuspec, "description")), id + " has no description");
        }
    }

    [Fact]
    public void The_libraries_ship_their_dll_and_XML_docs_and_depend_on_each_other_at_the_packed_version()
    {
        feed.AssertPacked();
        foreach (var id in Libraries)
        {
            using var package = ZipFile.OpenRead(feed.PackagePath(id));
            var entries = Entries(package);
            Assert.Contains("lib/net10.0/" + id + ".dll", entries);
            Assert.Contains("<member name=", ReadText(package, "lib/net10.0/" + id + ".xml"), StringComparison.Ordinal);
            Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal));

            using var symbols = ZipFile.OpenRead(feed.PackagePath(id, ".snupkg"));
            Assert.Contains("lib/net10.0/" + id + ".pdb", Entries(symbols));

            // The generator runs where these were built; their consumers get its output, not the generator.
            var dependencies = Dependencies(Nuspec(package, id));
            Assert.DoesNotContain(dependencies.Keys, d => d.StartsWith("SpoSdk.Generators", StringComparison.Ordinal) || d.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
            foreach (var sdkDependency in dependencies.Where(d => d.Key.StartsWith("SpoSdk", StringComparison.Ordinal)))
            {
                Assert.Equal(feed.Version, sdkDependency.Value);
            }
        }

        Assert.Equal(["KubernetesClient", "YamlDotNet"], DependenciesOf("SpoSdk.Api").Keys.Order(StringComparer.Ordinal));
        Assert.Contains("SpoSdk.Api", DependenciesOf("SpoSdk").Keys);
        Assert.Contains("SpoSdk", DependenciesOf("SpoSdk.AspNetCore").Keys);
        Assert.Contains("SpoSdk", DependenciesOf("SpoSdk.Testing").Keys);
    }

    [Fact]
    public void The_generator_is_an_analyzer_with_YamlDotNet_beside_it_its_build_files_and_no_dependencies()
    {
        feed.AssertPacked();
        using var package = ZipFile.OpenRead(feed.PackagePath("SpoSdk.Generators"));
        var entries = Entries(package);

        Assert.Contains("analyzers/dotnet/cs/SpoSdk.Generators.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/YamlDotNet.dll", entries);
        foreach (var folder in new[] { "build", "buildTransitive" })
        {
            Assert.Contains(folder + "/SpoSdk.Generators.props", entries);
            Assert.Contains(folder + "/SpoSdk.Generators.targets", entries);
        }

        // Nothing a consumer would compile against or run: no lib/, no Roslyn or YamlDotNet dependency.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) || e.EndsWith("Microsoft.CodeAnalysis.dll", StringComparison.Ordinal));
        var nuspec = Nuspec(package, "SpoSdk.Generators");
        Assert.Empty(Dependencies(nuspec));
        Assert.Equal("true", Value(nuspec, "developmentDependency"));

        var props = ReadText(package, "build/SpoSdk.Generators.props");
        foreach (var property in new[] { "RootNamespace", "SpoSdkModelNamespace", "SpoSdkGeneratorOutput", "SpoSdkClientNamespace" })
        {
            Assert.Contains("<CompilerVisibleProperty Include=\"" + property + "\" />", props, StringComparison.Ordinal);
        }

        Assert.Contains("<AdditionalFiles", ReadText(package, "build/SpoSdk.Generators.targets"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_packed_generator_targets_netstandard2_0_and_Roslyn_4_8_and_binds_to_the_YamlDotNet_beside_it()
    {
        feed.AssertPacked();
        using var package = ZipFile.OpenRead(feed.PackagePath("SpoSdk.Generators"));
        using var generator = Metadata(package, "analyzers/dotnet/cs/SpoSdk.Generators.dll");
        using var yaml = Metadata(package, "analyzers/dotnet/cs/YamlDotNet.dll");
        var reader = generator.GetMetadataReader();
        var references = reader.AssemblyReferences.Select(reader.GetAssemblyReference)
            .ToDictionary(r => reader.GetString(r.Name), r => r.Version, StringComparer.Ordinal);

        // Compilers as old as the .NET 8 SDK's (Roslyn 4.8) must load it.
        Assert.Equal(new Version(4, 8, 0, 0), references["Microsoft.CodeAnalysis"]);
        Assert.Equal(new Version(4, 8, 0, 0), references["Microsoft.CodeAnalysis.CSharp"]);
        Assert.Equal("netstandard", Assert.Single(references.Keys, k => k is "netstandard" or "System.Runtime" or "mscorlib"));
        var yamlReader = yaml.GetMetadataReader();
        Assert.Equal(yamlReader.GetAssemblyDefinition().Version, references["YamlDotNet"]);
    }

    [Fact]
    public void Spoc_is_a_dotnet_tool_package_with_everything_it_runs_on_inside()
    {
        feed.AssertPacked();
        using var package = ZipFile.OpenRead(feed.PackagePath("SpoSdk.Cli"));
        var entries = Entries(package);
        var nuspec = Nuspec(package, "SpoSdk.Cli");

        Assert.Equal("DotnetTool", Element(nuspec, "packageType").Attribute("name")?.Value);
        Assert.Empty(Dependencies(nuspec));
        foreach (var file in new[] { "spoc.dll", "spoc.runtimeconfig.json", "spoc.deps.json", "SpoSdk.dll", "SpoSdk.Api.dll", "KubernetesClient.dll", "YamlDotNet.dll" })
        {
            Assert.Contains("tools/net10.0/any/" + file, entries);
        }

        var settings = XDocument.Parse(ReadText(package, "tools/net10.0/any/DotnetToolSettings.xml"));
        var command = Assert.Single(settings.Descendants(), e => e.Name.LocalName == "Command");
        Assert.Equal("spoc", command.Attribute("Name")?.Value);
        Assert.Equal("spoc.dll", command.Attribute("EntryPoint")?.Value);
    }

    private Dictionary<string, string> DependenciesOf(string id)
    {
        using var package = ZipFile.OpenRead(feed.PackagePath(id));
        return Dependencies(Nuspec(package, id));
    }

    // The entry's bytes in memory: PEReader needs a seekable stream.
    private static PEReader Metadata(ZipArchive package, string entry)
    {
        var found = package.GetEntry(entry) ?? throw new Xunit.Sdk.XunitException(entry + " is not in the package");
        using var stream = found.Open();
        var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return new PEReader(ImmutableArray.Create(bytes.ToArray()));
    }

    private static string[] Entries(ZipArchive package) => package.Entries.Select(e => e.FullName).ToArray();

    private static string ReadText(ZipArchive package, string entry)
    {
        var found = package.GetEntry(entry) ?? throw new Xunit.Sdk.XunitException(entry + " is not in the package; it holds " + string.Join(", ", Entries(package)));
        using var reader = new StreamReader(found.Open());
        return reader.ReadToEnd();
    }

    private static XElement Nuspec(ZipArchive package, string id) => XDocument.Parse(ReadText(package, id + ".nuspec")).Root!;

    private static XElement Element(XElement nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name) ?? throw new Xunit.Sdk.XunitException("the nuspec has no <" + name + ">:\n" + nuspec);

    private static string Value(XElement nuspec, string name) => Element(nuspec, name).Value;

    // Package id → version, over every target framework group.
    private static Dictionary<string, string> Dependencies(XElement nuspec) =>
        nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .GroupBy(e => e.Attribute("id")!.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Attribute("version")!.Value, StringComparer.Ordinal);
}
