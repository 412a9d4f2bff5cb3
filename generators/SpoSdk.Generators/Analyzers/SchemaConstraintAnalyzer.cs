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
        // Without SpoSdk.Api there are no generated models: register nothing, do no work per operation.
        context.RegisterCompilationStartAction(start =>
        {
            if (SpoSymbols.ReferencesSpoApi(start.Compilation))
            {
                start.RegisterOperationAction(AnalyzeAssignment, OperationKind.SimpleAssignment);

                // 'Args = { a, b, ... }' in an object initializer adds to the list: a member initializer, not an assignment.
                start.RegisterOperationAction(AnalyzeMemberInitializer, OperationKind.MemberInitializer);
            }
        });
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

        // An optional enum property is a Nullable<T>: its values are checked against T's.
        var type = property.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            ? nullable.TypeArguments[0]
            : property.Type;
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Struct } enumType && IsStringEnum(enumType))
        {
            CheckEnumValue(context, assignment, enumType);
        }
    }

    private static void AnalyzeMemberInitializer(OperationAnalysisContext context)
    {
        var member = (IMemberInitializerOperation)context.Operation;
        if (member.InitializedMember is IPropertyReferenceOperation { Property: var property }
            && property.Name == ArgsProperty
            && SpoSymbols.IsSpoModel(property.ContainingType, RuleTypeName))
        {
            ReportTooManyArgs(context, member.Syntax, member.Initializer.Initializers.Length);
        }
    }

    private static void CheckArgs(OperationAnalysisContext context, ISimpleAssignmentOperation assignment)
    {
        if (assignment.Value.Syntax is ExpressionSyntax value)
        {
            ReportTooManyArgs(context, assignment.Syntax, UnknownSyscallAnalyzer.Elements(value).Count());
        }
    }

    private static void ReportTooManyArgs(OperationAnalysisContext context, SyntaxNode where, int count)
    {
        if (count > MaxSyscallArgs)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                AnalyzerDescriptors.SchemaConstraint,
                where.GetLocation(),
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

        // The schema's values are the members' [SpoWireValue]s, compared exactly as the API server does. Enums
        // generated before that attribute existed fall back to the member names (Identifiers.Pascal of each value).
        var members = SpoSymbols.EnumMembers(enumType);
        if (members.Count == 0)
        {
            return;
        }

        var hasWireValues = members.TrueForAll(m => m.Value is not null);
        var allowed = members.Select(m => hasWireValues ? m.Value! : m.Key.Name).ToImmutableArray();
        if (allowed.Contains(hasWireValues ? text : Identifiers.Pascal(text)))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            AnalyzerDescriptors.SchemaConstraint,
            assignment.Value.Syntax.GetLocation(),
            "'" + text + "' is not a value the schema allows for " + enumType.Name + " (allowed: " + string.Join(", ", allowed) + ")"));
    }

    private static bool IsStringEnum(INamedTypeSymbol type) =>
        type.AllInterfaces.Any(i => i.Name == StringEnumInterface && i.IsGenericType) && SpoSymbols.IsSpoModel(type);
}
