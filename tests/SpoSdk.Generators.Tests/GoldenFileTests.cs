using Microsoft.CodeAnalysis;

namespace SpoSdk.Generators.Tests;

/// <summary>
/// What the generator emits for SeccompProfile (crds/seccompprofile.yaml with crds/type-names.yaml), every
/// served version plus the kind catalog, compared with the reviewed files under Golden/SeccompProfile; in
/// clients mode, its typed clients and the client set under Golden/SeccompProfileClients.
/// </summary>
public sealed class GoldenFileTests
{
    private static readonly string[] SeccompHintNames =
    {
        "SpoGeneratedKinds.g.cs",
        "seccompprofile.SeccompProfile.V1.g.cs",
        "seccompprofile.SeccompProfile.V1Beta1.g.cs",
    };

    private static readonly string[] SeccompClientHintNames =
    {
        "SpoClients.g.cs",
        "seccompprofile.SeccompProfileClient.V1.g.cs",
        "seccompprofile.SeccompProfileClient.V1Beta1.g.cs",
    };

    [Fact]
    public void SeccompProfileSourcesMatchGoldenFiles()
    {
        var run = RunSeccompProfile();

        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(SeccompHintNames, run.Sources.Keys.Order(StringComparer.Ordinal));
        GoldenFiles.Verify(GoldenFiles.DirectoryFor("SeccompProfile"), run.Sources);
    }

    [Fact]
    public void SeccompProfileClientSourcesMatchGoldenFiles()
    {
        // Clients mode, as the SpoSdk runtime builds: the typed clients of every served version and the client set.
        var run = GeneratorHarness.Run(
            new[] { GeneratorHarness.LoadCrd("seccompprofile.yaml"), GeneratorHarness.LoadCrd("type-names.yaml") },
            buildProperties: new Dictionary<string, string>(StringComparer.Ordinal) { ["SpoSdkGeneratorOutput"] = "Clients", ["SpoSdkClientNamespace"] = "Golden.Clients" });

        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(SeccompClientHintNames, run.Sources.Keys.Order(StringComparer.Ordinal));
        GoldenFiles.Verify(GoldenFiles.DirectoryFor("SeccompProfileClients"), run.Sources);
    }

    [Fact]
    public void SeccompProfileSourcesCompileWithoutWarnings()
    {
        var run = RunSeccompProfile();

        AssertCompilesCleanly(run.OutputCompilation);
    }

    [Fact]
    public void SourcesOfAllCrdsCompileWithoutWarnings()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.LoadAllCrds());

        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(8 * 2, run.Sources.Keys.Count(hint => hint.Contains(".V1", StringComparison.Ordinal)));
        Assert.Contains("SpoGeneratedKinds.g.cs", run.Sources.Keys);
        AssertCompilesCleanly(run.OutputCompilation);
    }

    private static GeneratorRun RunSeccompProfile() =>
        GeneratorHarness.Run(new[] { GeneratorHarness.LoadCrd("seccompprofile.yaml"), GeneratorHarness.LoadCrd("type-names.yaml") });

    private static void AssertCompilesCleanly(Compilation compilation)
    {
        // Nullable on, every warning wave, XML doc comments checked: no exceptions are needed.
        var problems = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "The generated code does not compile cleanly:" + Environment.NewLine + GeneratorHarness.Format(problems.Take(30)));
    }
}

/// <summary>The golden-file comparison and its re-approve switch, on a scratch folder.</summary>
public sealed class GoldenFilesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sposdk-golden-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void MatchingFilesPass()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "a.g.cs"), "line 1\r\nline 2\r\n");

        GoldenFiles.Verify(_directory, Sources(("a.g.cs", "line 1\nline 2\n")), approve: false, ci: false);
    }

    [Fact]
    public void DifferenceFailsWithLineNumbersAndExcerpt()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "a.g.cs"), "one\ntwo\nthree\nfour\nfive\nsix\n");

        var failure = Assert.ThrowsAny<Exception>(() =>
            GoldenFiles.Verify(_directory, Sources(("a.g.cs", "one\ntwo\nthree\nFOUR\nfive\nsix\n")), approve: false, ci: false));

        Assert.Contains("first difference at line 4", failure.Message, StringComparison.Ordinal);
        Assert.Contains("@@ -1,4 +1,4 @@", failure.Message, StringComparison.Ordinal);
        Assert.Contains("\n-four", failure.Message.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("\n+FOUR", failure.Message.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal("one\ntwo\nthree\nfour\nfive\nsix\n", File.ReadAllText(Path.Combine(_directory, "a.g.cs")));
        Assert.True(File.Exists(Path.Combine(_directory, "a.g.received.cs")));
    }

    [Fact]
    public void MissingAndStaleGoldenFilesFail()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "old.g.cs"), "x\n");

        var failure = Assert.ThrowsAny<Exception>(() =>
            GoldenFiles.Verify(_directory, Sources(("new.g.cs", "y\n")), approve: false, ci: false));

        Assert.Contains("old.g.cs: golden file exists but the generator no longer produces this source.", failure.Message, StringComparison.Ordinal);
        Assert.Contains("new.g.cs: generated, but there is no golden file", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApproveWritesGoldenFilesAndFails()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "old.g.cs"), "x\n");

        var failure = Assert.ThrowsAny<Exception>(() =>
            GoldenFiles.Verify(_directory, Sources(("a.g.cs", "new text\n")), approve: true, ci: false));

        Assert.Equal(GoldenFiles.ApprovedMessage, failure.Message);
        Assert.Equal("new text\n", File.ReadAllText(Path.Combine(_directory, "a.g.cs")));
        Assert.False(File.Exists(Path.Combine(_directory, "old.g.cs")));
        GoldenFiles.Verify(_directory, Sources(("a.g.cs", "new text\n")), approve: false, ci: false);
    }

    [Fact]
    public void ApproveIsRefusedUnderCi()
    {
        var failure = Assert.ThrowsAny<Exception>(() =>
            GoldenFiles.Verify(_directory, Sources(("a.g.cs", "text\n")), approve: true, ci: true));

        Assert.Contains("refused under CI=true", failure.Message, StringComparison.Ordinal);
        Assert.NotEqual(GoldenFiles.ApprovedMessage, failure.Message);
        Assert.False(Directory.Exists(_directory));
    }

    private static Dictionary<string, string> Sources(params (string Name, string Text)[] sources) =>
        sources.ToDictionary(s => s.Name, s => s.Text, StringComparer.Ordinal);
}
