using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SpoSdk.Generators.Analyzers;

/// <summary>
/// SPO2005: creating a RawSelinuxProfile is worth a note: the operator rejects it unless
/// enableRawSelinuxProfiles is set, and its policy must pass the restricted-directive validator.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RawSelinuxProfileAnalyzer : DiagnosticAnalyzer
{
    private const string TypeName = "RawSelinuxProfile";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(AnalyzerDescriptors.RawSelinuxProfileCreated);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        // Without SpoSdk.Api there are no generated models: register nothing, do no work per operation.
        context.RegisterCompilationStartAction(start =>
        {
            if (SpoSymbols.ReferencesSpoApi(start.Compilation))
            {
                start.RegisterOperationAction(AnalyzeCreation, OperationKind.ObjectCreation);
            }
        });
    }

    private static void AnalyzeCreation(OperationAnalysisContext context)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SpoSymbols.IsSpoModel(creation.Type, TypeName))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(AnalyzerDescriptors.RawSelinuxProfileCreated, creation.Syntax.GetLocation()));
    }
}
