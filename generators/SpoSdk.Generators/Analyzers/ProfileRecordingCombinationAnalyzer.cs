using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SpoSdk.Generators.Analyzers;

/// <summary>
/// SPO2003: a ProfileRecording spec initialised with a kind and a recorder that the operator rejects together
/// (SelinuxProfile needs the Logs recorder, AppArmorProfile needs the Bpf recorder).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ProfileRecordingCombinationAnalyzer : DiagnosticAnalyzer
{
    private const string SpecTypeName = "ProfileRecordingSpec";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(AnalyzerDescriptors.InvalidRecordingCombination);

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
                start.RegisterOperationAction(AnalyzeInitializer, OperationKind.ObjectOrCollectionInitializer);
            }
        });
    }

    private static void AnalyzeInitializer(OperationAnalysisContext context)
    {
        var initializer = (IObjectOrCollectionInitializerOperation)context.Operation;
        if (!SpoSymbols.IsSpoModel(initializer.Type, SpecTypeName))
        {
            return;
        }

        string? kind = null;
        string? recorder = null;
        IOperation? recorderAssignment = null;
        foreach (var element in initializer.Initializers)
        {
            if (element is not ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment)
            {
                continue;
            }

            switch (target.Property.Name)
            {
                case "Kind":
                    kind = EnumValue(assignment.Value);
                    break;
                case "Recorder":
                    recorder = EnumValue(assignment.Value);
                    recorderAssignment = assignment;
                    break;
            }
        }

        if (kind is null || recorder is null || recorderAssignment is null)
        {
            return;
        }

        // Legacy versions spell the same values in lower case (v1alpha1 'logs'), so compare ignoring case.
        string? required = null;
        if (string.Equals(kind, "SelinuxProfile", System.StringComparison.OrdinalIgnoreCase))
        {
            required = "Logs";
        }
        else if (string.Equals(kind, "AppArmorProfile", System.StringComparison.OrdinalIgnoreCase))
        {
            required = "Bpf";
        }

        if (required is null || string.Equals(recorder, required, System.StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            AnalyzerDescriptors.InvalidRecordingCombination,
            recorderAssignment.Syntax.GetLocation(),
            kind,
            recorder,
            required));
    }

    /// <summary>
    /// The wire value of a generated string-enum expression when it is known at compile time:
    /// <c>Enum.Member</c>, <c>Enum.FromValue("x")</c>, <c>new Enum("x")</c> or <c>(Enum)"x"</c>.
    /// </summary>
    internal static string? EnumValue(IOperation value)
    {
        while (true)
        {
            switch (value)
            {
                case IConversionOperation conversion when conversion.Operand.ConstantValue is { HasValue: true, Value: string text }:
                    return text;
                case IConversionOperation conversion:
                    value = conversion.Operand;
                    continue;
                case IPropertyReferenceOperation { Property.IsStatic: true } property
                    when SymbolEqualityComparer.Default.Equals(property.Property.Type, property.Property.ContainingType):
                    return property.Property.Name;
                case IInvocationOperation { TargetMethod: { IsStatic: true, Name: "FromValue" } } invocation
                    when invocation.Arguments.Length == 1 && invocation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string text }:
                    return text;
                case IObjectCreationOperation creation
                    when creation.Arguments.Length == 1 && creation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string text }:
                    return text;
                default:
                    return null;
            }
        }
    }
}
