using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>
/// Analyzer tests (Microsoft.CodeAnalysis.Testing) against the running runtime's assemblies and the real
/// SpoSdk.Api. The framework's reference-assembly packs come from NuGet at test time; offline only Net80
/// resolves, and its System.Runtime is older than the one net10.0 SpoSdk.Api was built against (CS1705),
/// so the tests use no pack and reference what the test process itself runs on.
/// </summary>
/// <typeparam name="TAnalyzer">The analyzer under test.</typeparam>
public sealed class SpoAnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public SpoAnalyzerTest() => SpoTestSetup.Configure(this, TestState);

    /// <summary>An expected diagnostic of <typeparamref name="TAnalyzer"/>, with the severity its descriptor has.</summary>
    public static DiagnosticResult Diagnostic(string diagnosticId) =>
        CSharpAnalyzerVerifier<TAnalyzer, DefaultVerifier>.Diagnostic(diagnosticId);

    /// <summary>Runs the analyzer over <paramref name="source"/> (markup) and checks it reports exactly what the markup marks.</summary>
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new SpoAnalyzerTest<TAnalyzer> { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>Code-fix tests set up like <see cref="SpoAnalyzerTest{TAnalyzer}"/>; the fixed code is checked too.</summary>
/// <typeparam name="TAnalyzer">The analyzer whose diagnostics are fixed.</typeparam>
/// <typeparam name="TCodeFix">The code fix under test.</typeparam>
public sealed class SpoCodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public SpoCodeFixTest()
    {
        SpoTestSetup.Configure(this, TestState);
        SpoTestSetup.Configure(this, FixedState);
        SpoTestSetup.Configure(this, BatchFixedState);
    }

    /// <summary>Checks <paramref name="source"/> reports what its markup marks and that fixing every diagnostic gives <paramref name="fixedSource"/>.</summary>
    public static Task VerifyAsync(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new SpoCodeFixTest<TAnalyzer, TCodeFix> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>What both test kinds share: references, language version, the compiler notices csc hides.</summary>
internal static class SpoTestSetup
{
    /// <summary>No reference pack at all: <see cref="GeneratorHarness.References"/> brings the runtime.</summary>
    private static readonly ReferenceAssemblies NoPack = new("net10.0");

    public static void Configure<TVerifier>(AnalyzerTest<TVerifier> test, SolutionState state)
        where TVerifier : IVerifier, new()
    {
        test.ReferenceAssemblies = NoPack;
        state.AdditionalReferences.AddRange(GeneratorHarness.References);
        test.SolutionTransforms.Clear();
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            var options = (CSharpCompilationOptions)project.CompilationOptions!;
            options = options
                .WithNullableContextOptions(NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(options.SpecificDiagnosticOptions.SetItems(new Dictionary<string, ReportDiagnostic>
                {
                    // The runtime's assemblies and the NuGet ones differ in minor versions; csc hides these notices too.
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));
            return solution
                .WithProjectCompilationOptions(projectId, options)
                .WithProjectParseOptions(projectId, GeneratorHarness.ParseOptions);
        });
    }
}
