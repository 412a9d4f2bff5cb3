using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using SpoSdk.Api.Syscalls;

namespace SpoSdk.Generators.Analyzers;

/// <summary>
/// SPO2002: a string literal in the <c>Names</c> initializer of a seccomp syscall rule that is not a syscall on any
/// architecture in the checked-in libseccomp tables, with the closest known name as a suggestion.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnknownSyscallAnalyzer : DiagnosticAnalyzer
{
    private const string RuleTypeName = "SeccompProfileSyscall";
    private const string NamesProperty = "Names";
    private const int MaxSuggestionDistance = 2;

    private static readonly string[] KnownNames = SyscallTable.GetKnownNames();

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(AnalyzerDescriptors.UnknownSyscall);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();

        // Without SpoSdk.Api there are no generated models: register nothing, do no work per node.
        context.RegisterCompilationStartAction(start =>
        {
            if (SpoSymbols.ReferencesSpoApi(start.Compilation))
            {
                start.RegisterSyntaxNodeAction(AnalyzeAssignment, SyntaxKind.SimpleAssignmentExpression);
                start.RegisterSyntaxNodeAction(AnalyzeAdd, SyntaxKind.InvocationExpression);
            }
        });
    }

    /// <summary><c>Names = ...</c> in an object initializer, or <c>rule.Names = ...</c>.</summary>
    private static void AnalyzeAssignment(SyntaxNodeAnalysisContext context)
    {
        var assignment = (AssignmentExpressionSyntax)context.Node;

        // Cheap syntactic filter first: only assignments to something called 'Names' are bound.
        if (!IsNamesProperty(context, assignment.Left))
        {
            return;
        }

        foreach (var element in Elements(assignment.Right))
        {
            Check(context, element);
        }
    }

    /// <summary><c>rule.Names.Add("...")</c>.</summary>
    private static void AnalyzeAdd(SyntaxNodeAnalysisContext context)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Add" } add
            && invocation.ArgumentList.Arguments.Count == 1
            && IsNamesProperty(context, add.Expression))
        {
            Check(context, invocation.ArgumentList.Arguments[0].Expression);
        }
    }

    private static bool IsNamesProperty(SyntaxNodeAnalysisContext context, ExpressionSyntax target)
    {
        var name = target switch
        {
            IdentifierNameSyntax identifier => identifier,
            MemberAccessExpressionSyntax { Name: IdentifierNameSyntax member } => member,
            _ => null,
        };

        return name is { Identifier.ValueText: NamesProperty }
            && context.SemanticModel.GetSymbolInfo(name, context.CancellationToken).Symbol is IPropertySymbol property
            && SpoSymbols.IsSpoModel(property.ContainingType, RuleTypeName);
    }

    /// <summary>The elements written in a collection value: initializer, array, object creation or collection expression.</summary>
    internal static IEnumerable<ExpressionSyntax> Elements(ExpressionSyntax value)
    {
        InitializerExpressionSyntax? items = value switch
        {
            InitializerExpressionSyntax nested => nested,
            BaseObjectCreationExpressionSyntax creation => creation.Initializer,
            ArrayCreationExpressionSyntax array => array.Initializer,
            ImplicitArrayCreationExpressionSyntax array => array.Initializer,
            _ => null,
        };

        if (items is not null)
        {
            return items.Expressions;
        }

        if (value is CollectionExpressionSyntax collection)
        {
            var result = new List<ExpressionSyntax>();
            foreach (var element in collection.Elements)
            {
                if (element is ExpressionElementSyntax expressionElement)
                {
                    result.Add(expressionElement.Expression);
                }
            }

            return result;
        }

        return Array.Empty<ExpressionSyntax>();
    }

    private static void Check(SyntaxNodeAnalysisContext context, ExpressionSyntax element)
    {
        if (element is not LiteralExpressionSyntax literal || !literal.IsKind(SyntaxKind.StringLiteralExpression))
        {
            return;
        }

        var name = literal.Token.ValueText;
        if (SyscallTable.IsKnownName(name))
        {
            return;
        }

        var suggestion = Suggest(name);
        context.ReportDiagnostic(Diagnostic.Create(
            AnalyzerDescriptors.UnknownSyscall,
            literal.GetLocation(),
            name,
            suggestion is null ? string.Empty : "; did you mean '" + suggestion + "'?"));
    }

    /// <summary>The known syscall name closest to <paramref name="name"/> by edit distance, when it is close enough.</summary>
    internal static string? Suggest(string name)
    {
        string? best = null;
        var bestDistance = MaxSuggestionDistance + 1;
        foreach (var candidate in KnownNames)
        {
            if (Math.Abs(candidate.Length - name.Length) >= bestDistance)
            {
                continue;
            }

            var distance = EditDistance(name, candidate, bestDistance);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Levenshtein distance, giving up (returning <paramref name="limit"/>) once it reaches the limit.</summary>
    internal static int EditDistance(string a, string b, int limit)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.Min(rowMin, current[j]);
            }

            if (rowMin >= limit)
            {
                return limit;
            }

            (previous, current) = (current, previous);
        }

        return Math.Min(previous[b.Length], limit);
    }
}
