using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using SpoSdk.Generators.Infrastructure;

namespace SpoSdk.Generators.Analyzers;

/// <summary>
/// SPO2004: assignments the CRD schema rejects: a seccomp syscall rule with more than 6 argument filters, or a
/// generated string-enum property set from a string literal that is not one of the schema's enum values.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SchemaConstraintAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The kernel's seccomp argument count; the CRD caps <c>args</c> at this many items.</summary>
    public const int MaxSyscallArgs = 6;

    private const string RuleTypeName = "SeccompProfileSyscall";
    private const string ArgsProperty = "Args";
    private const string StringEnumInterface = "ISpoStringEnum";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(AnalyzerDescriptors.SchemaConstraint);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(AnalyzeAssignment, OperationKind.SimpleAssignment);
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation { Property: var property })
        {
            return;
        }

        if (property.Name == ArgsProperty && SpoSymbols.IsSpoModel(property.ContainingType, RuleTypeName))
        {
            CheckArgs(context, assignment);
            return;
        }

        if (property.Type is INamedTypeSymbol { TypeKind: TypeKind.Struct } enumType && IsStringEnum(enumType))
        {
            CheckEnumValue(context, assignment, enumType);
        }
    }

    private static void CheckArgs(OperationAnalysisContext context, ISimpleAssignmentOperation assignment)
    {
        if (assignment.Value.Syntax is not ExpressionSyntax value)
        {
            return;
        }

        var count = UnknownSyscallAnalyzer.Elements(value).Count();
        if (count > MaxSyscallArgs)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                AnalyzerDescriptors.SchemaConstraint,
                assignment.Syntax.GetLocation(),
                "A seccomp syscall rule has " + count + " argument filters; the kernel and the schema allow at most " + MaxSyscallArgs));
        }
    }

    private static void CheckEnumValue(OperationAnalysisContext context, ISimpleAssignmentOperation assignment, INamedTypeSymbol enumType)
    {
        // Only string literals count: 'Enum.Member' is always allowed.
        if (ProfileRecordingCombinationAnalyzer.EnumValue(assignment.Value) is not { } text
            || assignment.Value.Descendants().All(o => o is not ILiteralOperation))
        {
            return;
        }

        // The generator names each static member after its wire value (Identifiers.Pascal), so the
        // members tell which wire values the schema allows.
        var members = enumType.GetMembers()
            .OfType<IPropertySymbol>()
            .Where(p => p.IsStatic && SymbolEqualityComparer.Default.Equals(p.Type, enumType))
            .Select(p => p.Name)
            .ToImmutableArray();
        if (members.IsEmpty || members.Contains(Identifiers.Pascal(text)))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            AnalyzerDescriptors.SchemaConstraint,
            assignment.Value.Syntax.GetLocation(),
            "'" + text + "' is not a value the schema allows for " + enumType.Name + " (known: " + string.Join(", ", members) + ")"));
    }

    private static bool IsStringEnum(INamedTypeSymbol type) =>
        type.AllInterfaces.Any(i => i.Name == StringEnumInterface && i.IsGenericType) && SpoSymbols.IsSpoModel(type);
}
