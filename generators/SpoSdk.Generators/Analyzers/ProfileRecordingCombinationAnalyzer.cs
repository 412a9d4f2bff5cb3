using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SpoSdk.Generators.Analyzers;

/// <summary>
/// SPO2003: a ProfileRecording spec built with a kind and a recorder that the operator rejects together
/// (SelinuxProfile needs the Logs recorder, AppArmorProfile needs the Bpf recorder): both in one object initializer,
/// or on one local spec, in its initializer and in later <c>spec.Kind = ...</c> / <c>spec.Recorder = ...</c> assignments.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ProfileRecordingCombinationAnalyzer : DiagnosticAnalyzer
{
    private const string SpecTypeName = "ProfileRecordingSpec";
    private const string KindProperty = "Kind";
    private const string RecorderProperty = "Recorder";

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
                start.RegisterOperationAction(AnalyzeRecorderAssignment, OperationKind.SimpleAssignment);
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

        ISimpleAssignmentOperation? recorderAssignment = null;
        string? kind = null;
        foreach (var element in initializer.Initializers)
        {
            if (element is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment)
            {
                if (target.Property.Name == KindProperty)
                {
                    kind = EnumValue(assignment.Value);
                }
                else if (target.Property.Name == RecorderProperty)
                {
                    recorderAssignment = assignment;
                }
            }
        }

        if (recorderAssignment is null)
        {
            return;
        }

        // No kind here: the spec may be a local whose Kind is assigned later ('spec.Kind = ...').
        if (kind is null && AssignedLocal(initializer) is { } local)
        {
            kind = SingleKind(local, Root(initializer));
        }

        Check(context, kind, recorderAssignment);
    }

    /// <summary><c>spec.Recorder = ...</c> on a local spec whose kind is set elsewhere in the same body.</summary>
    private static void AnalyzeRecorderAssignment(OperationAnalysisContext context)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation { Property.Name: RecorderProperty, Instance: ILocalReferenceOperation instance } target
            || !SpoSymbols.IsSpoModel(target.Property.ContainingType, SpecTypeName))
        {
            return;
        }

        Check(context, SingleKind(instance.Local, Root(assignment)), assignment);
    }

    private static void Check(OperationAnalysisContext context, string? kind, ISimpleAssignmentOperation recorderAssignment)
    {
        var recorder = EnumValue(recorderAssignment.Value);
        if (kind is null || recorder is null)
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
    /// The one kind <paramref name="local"/> is given in <paramref name="root"/>, by <c>local.Kind = ...</c> or in the
    /// initializer of an object stored in it; null when none is known or several differ (no flow analysis: then
    /// the analyzer stays silent rather than guess).
    /// </summary>
    private static string? SingleKind(ILocalSymbol local, IOperation root)
    {
        string? kind = null;
        foreach (var operation in root.Descendants())
        {
            if (operation is not ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: KindProperty } target } assignment
                || !SpoSymbols.IsSpoModel(target.Property.ContainingType, SpecTypeName))
            {
                continue;
            }

            var onLocal = target.Instance is ILocalReferenceOperation reference
                ? SymbolEqualityComparer.Default.Equals(reference.Local, local)
                : assignment.Parent is IObjectOrCollectionInitializerOperation initializer && SymbolEqualityComparer.Default.Equals(AssignedLocal(initializer), local);
            if (!onLocal)
            {
                continue;
            }

            var value = EnumValue(assignment.Value);
            if (value is null || (kind is not null && kind != value))
            {
                return null;
            }

            kind = value;
        }

        return kind;
    }

    /// <summary>The local the object built by <paramref name="initializer"/> is stored in: <c>var x = new T { ... }</c> or <c>x = new T { ... }</c>.</summary>
    private static ILocalSymbol? AssignedLocal(IObjectOrCollectionInitializerOperation initializer)
    {
        var value = initializer.Parent;
        while (value?.Parent is IConversionOperation conversion)
        {
            value = conversion;
        }

        return value?.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } => target.Local,
            _ => null,
        };
    }

    /// <summary>The outermost operation of the body <paramref name="operation"/> is in.</summary>
    private static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }

        return operation;
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
