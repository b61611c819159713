using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TensorDsl.Generators.Diagnostics;

namespace TensorDsl.Generators.Analyzers;

/// <summary>
/// The call-site mistakes the type system cannot see, at calls of generated methods (whose tensor parameters carry
/// <c>[TensorDsl.Runtime.TensorLength]</c>) and at <c>new Tensor&lt;T, TShape&gt;(array)</c>:
/// <list type="bullet">
/// <item>TDSL0200: an argument whose length is known at compile time and wrong — a constant-size array, collection
/// expression or stackalloc, directly or through a local or field initialised with one and never reassigned;</item>
/// <item>TDSL0201: one buffer passed as a tensor the method writes and as another of its tensors;</item>
/// <item>TDSL0202: a tensor made from an array whose constant length is not its shape's;</item>
/// <item>TDSL0203: a call that fits no overload because a tensor has another shape or element type than the typed
/// overload's parameter. The compiler's CS1503 errors for it name the span overload (the first candidate) and every
/// argument; this one names the argument that is wrong and the shape it needs.</item>
/// </list>
/// Only what is certain is reported: a local or field that is assigned anywhere else, a parameter, a property or a
/// slice is of unknown length and never reported. The analyzer never throws into the compiler.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TensorCallSiteAnalyzer : DiagnosticAnalyzer
{
    public const string TensorLengthAttributeName = "TensorDsl.Runtime.TensorLengthAttribute";
    public const string TensorTypeName = "TensorDsl.Tensors.Tensor`2";

    /// <summary>Longest source text quoted in a message; longer expressions are cut with an ellipsis.</summary>
    private const int MaxQuoted = 40;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.WrongArgumentLength,
        DiagnosticDescriptors.AliasedArguments,
        DiagnosticDescriptors.WrongTensorArrayLength,
        DiagnosticDescriptors.WrongTensorShape);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? attribute = start.Compilation.GetTypeByMetadataName(TensorLengthAttributeName);
            if (attribute is null)
            {
                return; // not a TensorDsl project
            }

            INamedTypeSymbol? tensor = start.Compilation.GetTypeByMetadataName(TensorTypeName);
            Symbols symbols = new(attribute, tensor);
            start.RegisterOperationAction(c => Guard(c, symbols, AnalyzeInvocation), OperationKind.Invocation);
            if (tensor is not null)
            {
                start.RegisterOperationAction(c => Guard(c, symbols, AnalyzeTensorCreation), OperationKind.ObjectCreation);
                start.RegisterOperationAction(c => Guard(c, symbols, AnalyzeFailedCall), OperationKind.Invalid);
            }
        });
    }

    private sealed class Symbols
    {
        public Symbols(INamedTypeSymbol attribute, INamedTypeSymbol? tensor)
        {
            Attribute = attribute;
            Tensor = tensor;
        }

        public INamedTypeSymbol Attribute { get; }

        public INamedTypeSymbol? Tensor { get; }
    }

    /// <summary>What <c>[TensorLength]</c> says about a parameter or shape type.</summary>
    private sealed class Marker
    {
        public Marker(int length, string shape, string? constant, bool written)
        {
            Length = length;
            Shape = shape;
            Constant = constant;
            Written = written;
        }

        public int Length { get; }

        public string Shape { get; }

        public string? Constant { get; }

        public bool Written { get; }
    }

    /// <summary>A length known at compile time and the source text that creates it.</summary>
    private readonly struct KnownLength
    {
        public KnownLength(int length, string creation)
        {
            Length = length;
            Creation = creation;
        }

        public int Length { get; }

        public string Creation { get; }
    }

    private static void Guard(OperationAnalysisContext context, Symbols symbols, Action<OperationAnalysisContext, Symbols> analyze)
    {
        try
        {
            analyze(context, symbols);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An analyzer exception would surface as AD0001 in every build of the user's project; a missed
            // diagnostic is the lesser harm, and the generated methods still check at run time.
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, Symbols symbols)
    {
        IInvocationOperation invocation = (IInvocationOperation)context.Operation;
        List<(IArgumentOperation Argument, Marker Marker)>? marked = null;
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            // Cheap filter first: markers are only on spans and tensors.
            if (argument.Parameter is not { Type: INamedTypeSymbol { Name: "Span" or "ReadOnlySpan" or "Tensor" } } || argument.ArgumentKind != ArgumentKind.Explicit)
            {
                continue;
            }

            Marker? marker = ReadMarker(argument.Parameter.GetAttributes(), symbols.Attribute) ?? ReadImplementationMarker(argument.Parameter, symbols.Attribute);
            if (marker is not null)
            {
                (marked ??= new()).Add((argument, marker));
            }
        }

        if (marked is null)
        {
            return;
        }

        string method = Describe(invocation.TargetMethod);
        foreach ((IArgumentOperation argument, Marker marker) in marked)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            KnownLength? known = Length(argument.Value, context.CancellationToken);
            if (known is { } k && k.Length != marker.Length)
            {
                string fix = (marker.Constant ?? marker.Length.ToString(CultureInfo.InvariantCulture)) + " elements";
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WrongArgumentLength,
                    argument.Value.Syntax.GetLocation(),
                    argument.Parameter!.Name,
                    method,
                    marker.Length.ToString(CultureInfo.InvariantCulture),
                    marker.Shape,
                    k.Creation,
                    k.Length.ToString(CultureInfo.InvariantCulture),
                    fix));
            }
        }

        // TDSL0201: the same buffer as a written tensor and as another tensor of the call.
        for (int i = 0; i < marked.Count; i++)
        {
            if (!marked[i].Marker.Written || Identity(marked[i].Argument.Value, symbols) is not { } written)
            {
                continue;
            }

            for (int j = 0; j < marked.Count; j++)
            {
                if (i == j || (marked[j].Marker.Written && j < i))
                {
                    continue;
                }

                if (Identity(marked[j].Argument.Value, symbols) is { } other && SymbolEqualityComparer.Default.Equals(written, other))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.AliasedArguments,
                        marked[i].Argument.Value.Syntax.GetLocation(),
                        written.Name,
                        marked[i].Argument.Parameter!.Name,
                        marked[j].Argument.Parameter!.Name,
                        method));
                }
            }
        }
    }

    private static void AnalyzeTensorCreation(OperationAnalysisContext context, Symbols symbols)
    {
        IObjectCreationOperation creation = (IObjectCreationOperation)context.Operation;
        if (creation.Type is not INamedTypeSymbol { TypeArguments.Length: 2 } type
            || !SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, symbols.Tensor)
            || creation.Arguments.Length != 1
            || ReadMarker(type.TypeArguments[1].GetAttributes(), symbols.Attribute) is not { } marker)
        {
            return;
        }

        KnownLength? known = Length(creation.Arguments[0].Value, context.CancellationToken);
        if (known is { } k && k.Length != marker.Length)
        {
            string tensor = TensorName(type);
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.WrongTensorArrayLength,
                creation.Arguments[0].Value.Syntax.GetLocation(),
                k.Creation,
                k.Length.ToString(CultureInfo.InvariantCulture),
                tensor,
                marker.Length.ToString(CultureInfo.InvariantCulture),
                marker.Shape));
        }
    }

    private static void AnalyzeFailedCall(OperationAnalysisContext context, Symbols symbols)
    {
        if (context.Operation.Syntax is not InvocationExpressionSyntax invocation
            || context.Operation.SemanticModel is not { } model
            || model.GetSymbolInfo(invocation, context.CancellationToken) is not { CandidateReason: CandidateReason.OverloadResolutionFailure } info)
        {
            return;
        }

        SeparatedSyntaxList<ArgumentSyntax> arguments = invocation.ArgumentList.Arguments;
        foreach (ISymbol candidate in info.CandidateSymbols)
        {
            // The typed overload: as many parameters as arguments, every one a marked Tensor<T, TShape>.
            if (candidate is not IMethodSymbol method
                || method.Parameters.Length != arguments.Count
                || !method.Parameters.All(p => IsTensor(p.Type, symbols) && ReadMarker(p.GetAttributes(), symbols.Attribute) is not null))
            {
                continue;
            }

            for (int i = 0; i < arguments.Count; i++)
            {
                ArgumentSyntax argument = arguments[i];
                IParameterSymbol? parameter = argument.NameColon is { } named
                    ? method.Parameters.FirstOrDefault(p => p.Name == named.Name.Identifier.ValueText)
                    : method.Parameters[i];
                if (parameter is null
                    || model.GetTypeInfo(argument.Expression, context.CancellationToken).Type is not INamedTypeSymbol actual
                    || !IsTensor(actual, symbols)
                    || SymbolEqualityComparer.Default.Equals(actual, parameter.Type))
                {
                    continue;
                }

                INamedTypeSymbol expected = (INamedTypeSymbol)parameter.Type;
                Marker? have = ReadMarker(actual.TypeArguments[1].GetAttributes(), symbols.Attribute);
                Marker? need = ReadMarker(expected.TypeArguments[1].GetAttributes(), symbols.Attribute);
                string text = Trim(argument.Expression.ToString());
                string fix = "pass a " + TensorName(expected) + " (" + TensorName(expected) + ".Allocate() makes one)";
                if (have is not null && need is not null && have.Length == need.Length
                    && SymbolEqualityComparer.Default.Equals(actual.TypeArguments[0], expected.TypeArguments[0]))
                {
                    fix += ", or, if the data is laid out as " + need.Shape + ", '" + text + ".Reshape<" + expected.TypeArguments[1].Name + ">()'";
                }

                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WrongTensorShape,
                    argument.Expression.GetLocation(),
                    text,
                    TensorName(actual) + (have is null ? string.Empty : " (" + have.Shape + ")"),
                    parameter.Name,
                    Describe(method),
                    TensorName(expected) + (need is null ? string.Empty : " (" + need.Shape + ")"),
                    fix));
            }

            return;
        }
    }

    private static bool IsTensor(ITypeSymbol type, Symbols symbols)
        => type is INamedTypeSymbol { TypeArguments.Length: 2 } named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, symbols.Tensor);

    /// <summary><c>Tensor&lt;float, Shape2x3&gt;</c>.</summary>
    private static string TensorName(INamedTypeSymbol tensor)
        => "Tensor<" + tensor.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + ", " + tensor.TypeArguments[1].Name + ">";

    private static Marker? ReadMarker(ImmutableArray<AttributeData> attributes, INamedTypeSymbol attributeType)
    {
        foreach (AttributeData attribute in attributes)
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType)
                || attribute.ConstructorArguments.Length != 2
                || attribute.ConstructorArguments[0].Value is not int length
                || attribute.ConstructorArguments[1].Value is not string shape)
            {
                continue;
            }

            string? constant = null;
            bool written = false;
            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                if (named.Key == "Constant" && named.Value.Value is string c)
                {
                    constant = c;
                }
                else if (named.Key == "Written" && named.Value.Value is bool w)
                {
                    written = w;
                }
            }

            return new Marker(length, shape, constant, written);
        }

        return null;
    }

    /// <summary>A partial method's call binds to its declaration; the generator puts the marker on the implementation.</summary>
    private static Marker? ReadImplementationMarker(IParameterSymbol parameter, INamedTypeSymbol attributeType)
        => parameter.ContainingSymbol is IMethodSymbol { PartialImplementationPart: { } implementation } && parameter.Ordinal < implementation.Parameters.Length
            ? ReadMarker(implementation.Parameters[parameter.Ordinal].GetAttributes(), attributeType)
            : null;

    private static string Describe(IMethodSymbol method)
        => method.ContainingType is null ? method.Name : method.ContainingType.Name + "." + method.Name;

    /// <summary>The length of an argument when the source fixes it: a creation, or a never-reassigned local or field initialised with one.</summary>
    private static KnownLength? Length(IOperation value, System.Threading.CancellationToken cancellationToken)
    {
        value = Unwrap(value);
        if (Created(value) is { } created)
        {
            return created;
        }

        ISymbol? symbol;
        switch (value)
        {
            case ILocalReferenceOperation local when !local.Local.IsRef:
                symbol = local.Local;
                break;
            // A struct's fields, even readonly ones, change when a method assigns 'this'; only classes' are followed.
            case IFieldReferenceOperation field
                when (field.Field.IsReadOnly || field.Field.DeclaredAccessibility == Accessibility.Private)
                && field.Field.ContainingType is { IsReferenceType: true }:
                symbol = field.Field;
                break;
            default:
                return null;
        }

        if (symbol.DeclaringSyntaxReferences.Length != 1
            || symbol.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator
            || value.SemanticModel is not { } model
            || declarator.SyntaxTree != model.SyntaxTree
            || model.GetOperation(initializer, cancellationToken) is not { } initial
            || Created(Unwrap(initial)) is not { } known
            || IsReassigned(symbol, declarator, cancellationToken))
        {
            return null;
        }

        return new KnownLength(known.Length, "'" + symbol.Name + "' (" + Trim(known.Creation.Trim('\'')) + ")");
    }

    /// <summary>Strips conversions: an array passed as a span arrives as a conversion of the array creation.</summary>
    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary><c>new float[100]</c>, <c>new[] { 1f, 2f }</c>, <c>[1f, 2f]</c> or <c>stackalloc float[100]</c>, with its constant length.</summary>
    private static KnownLength? Created(IOperation operation)
    {
        int? length = operation switch
        {
            IArrayCreationOperation { DimensionSizes.Length: 1 } array when array.DimensionSizes[0].ConstantValue is { HasValue: true, Value: int n } => n,
            ICollectionExpressionOperation collection => CountElements(collection),
            _ => StackAllocLength(operation),
        };
        return length is int known && known >= 0 ? new KnownLength(known, "'" + Trim(operation.Syntax.ToString()) + "'") : null;
    }

    private static int? CountElements(ICollectionExpressionOperation collection)
    {
        foreach (IOperation element in collection.Elements)
        {
            if (element is ISpreadOperation)
            {
                return null; // a spread's length is not known here
            }
        }

        return collection.Elements.Length;
    }

    /// <summary>stackalloc has no IOperation of its own; read its syntax.</summary>
    private static int? StackAllocLength(IOperation operation)
    {
        switch (operation.Syntax)
        {
            case StackAllocArrayCreationExpressionSyntax stackAlloc:
                if (stackAlloc.Initializer is { } initializer)
                {
                    return initializer.Expressions.Count;
                }

                if (stackAlloc.Type is ArrayTypeSyntax { RankSpecifiers.Count: 1 } arrayType
                    && arrayType.RankSpecifiers[0].Sizes is { Count: 1 } sizes
                    && operation.SemanticModel?.GetConstantValue(sizes[0]) is { HasValue: true, Value: int n })
                {
                    return n;
                }

                return null;
            case ImplicitStackAllocArrayCreationExpressionSyntax implicitStackAlloc:
                return implicitStackAlloc.Initializer.Expressions.Count;
            default:
                return null;
        }
    }

    /// <summary>
    /// Whether anything but the declaration could write the local or field: any assignment, ref or out argument, ref
    /// expression or increment naming it, in the member that declares the local or in every part of the field's type.
    /// Matched by name, so it errs towards "reassigned" and never towards a false report.
    /// </summary>
    private static bool IsReassigned(ISymbol symbol, VariableDeclaratorSyntax declarator, System.Threading.CancellationToken cancellationToken)
    {
        IEnumerable<SyntaxNode> scopes;
        if (symbol is ILocalSymbol)
        {
            SyntaxNode scope = declarator;
            while (scope.Parent is not null && scope is not MemberDeclarationSyntax)
            {
                scope = scope.Parent;
            }

            // Top-level statements: the whole file.
            scopes = new[] { scope is GlobalStatementSyntax ? scope.SyntaxTree.GetRoot(cancellationToken) : scope };
        }
        else
        {
            List<SyntaxNode> types = new();
            foreach (SyntaxReference reference in symbol.ContainingType.DeclaringSyntaxReferences)
            {
                types.Add(reference.GetSyntax(cancellationToken));
            }

            scopes = types;
        }

        string name = symbol.Name;
        foreach (SyntaxNode scope in scopes)
        {
            foreach (SyntaxNode node in scope.DescendantNodes())
            {
                if (node is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == name && IsWritePosition(identifier))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsWritePosition(IdentifierNameSyntax identifier)
    {
        // Climb from the name through member accesses (this.x), tuples ((x, y) = …) and parentheses.
        SyntaxNode node = identifier;
        while (node.Parent is MemberAccessExpressionSyntax access && access.Name == node
            || node.Parent is ArgumentSyntax { Parent: TupleExpressionSyntax }
            || node.Parent is TupleExpressionSyntax
            || node.Parent is ParenthesizedExpressionSyntax)
        {
            node = node.Parent is ArgumentSyntax { Parent: TupleExpressionSyntax tuple } ? tuple : node.Parent;
        }

        return node.Parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == node,
            ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
            RefExpressionSyntax => true,
            PrefixUnaryExpressionSyntax prefix => prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression) || prefix.IsKind(SyntaxKind.AddressOfExpression),
            PostfixUnaryExpressionSyntax => true,
            _ => false,
        };
    }

    /// <summary>
    /// The variable an argument denotes when it is the whole of one: a local, parameter or field (of this instance or
    /// static), possibly through a conversion, <c>.AsSpan()</c> or a tensor's <c>.Span</c>, <c>.ReadOnlySpan</c> or <c>.Array</c>.
    /// </summary>
    private static ISymbol? Identity(IOperation value, Symbols symbols)
    {
        value = Unwrap(value);
        switch (value)
        {
            case ILocalReferenceOperation local:
                return local.Local;
            case IParameterReferenceOperation parameter:
                return parameter.Parameter;
            case IFieldReferenceOperation field when field.Field.IsStatic || field.Instance is IInstanceReferenceOperation:
                return field.Field;
            case IPropertyReferenceOperation property
                when property.Instance is not null
                && property.Property.Name is "Span" or "ReadOnlySpan" or "Array"
                && property.Property.ContainingType is { } container
                && SymbolEqualityComparer.Default.Equals(container.OriginalDefinition, symbols.Tensor):
                return Identity(property.Instance, symbols);
            case IInvocationOperation { TargetMethod: { Name: "AsSpan", ContainingType.Name: "MemoryExtensions" }, Arguments.Length: 1 } asSpan:
                return Identity(asSpan.Arguments[0].Value, symbols);
            default:
                return null;
        }
    }

    private static string Trim(string text)
    {
        text = text.Replace("\r", " ").Replace("\n", " ");
        return text.Length <= MaxQuoted ? text : text.Substring(0, MaxQuoted - 1) + "…";
    }
}
