using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Declarations;

/// <summary>Turns an attributed method into an <see cref="OperatorDeclaration"/>; checks nothing about shapes.</summary>
internal static class OperatorDeclarationReader
{
    /// <summary>Metadata names of the operator attributes, by the operator they declare.</summary>
    public static readonly IReadOnlyDictionary<OperatorKind, string> AttributeMetadataNames = new Dictionary<OperatorKind, string>
    {
        [OperatorKind.Conv2d] = "TensorDsl.Conv2dAttribute",
        [OperatorKind.Deconv2d] = "TensorDsl.Deconv2dAttribute",
        [OperatorKind.Conv2dGradW] = "TensorDsl.Conv2dGradWAttribute",
        [OperatorKind.MaxPool2d] = "TensorDsl.MaxPool2dAttribute",
        [OperatorKind.AvgPool2d] = "TensorDsl.AvgPool2dAttribute",
        [OperatorKind.Im2col] = "TensorDsl.Im2colAttribute",
        [OperatorKind.Col2im] = "TensorDsl.Col2imAttribute",
    };

    public static OperatorDeclaration Read(OperatorKind kind, GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        IMethodSymbol method = (IMethodSymbol)context.TargetSymbol;
        MethodDeclarationSyntax syntax = (MethodDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        AttributeSyntax? attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        string attributeName = AttributeMetadataNames[kind].Substring("TensorDsl.".Length).Replace("Attribute", string.Empty);

        return new OperatorDeclaration(
            kind,
            attributeName,
            method.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : string.Empty,
            ReadContainingTypes(method),
            FindNonPartialType(method, cancellationToken),
            method.Name,
            string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text)),
            DescribeMethodProblem(method, syntax),
            FindOtherOperatorAttribute(method, kind),
            ReadArguments(attribute, attributeSyntax),
            method.Parameters.Select(ReadParameter).ToEquatableArray(),
            method.ContainingType is { } type ? ExistingMemberNames(type) : EquatableArray<string>.Empty,
            LocationInfo.From(attributeSyntax?.GetLocation()),
            LocationInfo.From(syntax.Identifier.GetLocation()));
    }

    /// <summary>
    /// Every name declared in the type, nested types included: <see cref="INamedTypeSymbol.MemberNames"/> leaves them
    /// out, and a nested class named like the generated <c>{Name}Shape</c> would collide just the same.
    /// </summary>
    internal static EquatableArray<string> ExistingMemberNames(INamedTypeSymbol type)
        => type.MemberNames
            .Concat(type.GetTypeMembers().Select(t => t.Name))
            .Distinct(System.StringComparer.Ordinal)
            .OrderBy(n => n, System.StringComparer.Ordinal)
            .ToEquatableArray();

    internal static EquatableArray<ContainingTypeSpec> ReadContainingTypes(IMethodSymbol method) => ReadContainingTypes(method.ContainingType);

    internal static EquatableArray<ContainingTypeSpec> ReadContainingTypes(INamedTypeSymbol? innermost)
    {
        List<ContainingTypeSpec> types = new();
        for (INamedTypeSymbol? type = innermost; type is not null; type = type.ContainingType)
        {
            string keyword = type.IsRecord
                ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record")
                : type.TypeKind switch
                {
                    TypeKind.Struct => "struct",
                    TypeKind.Interface => "interface",
                    _ => "class",
                };
            // As written in C#: a type or type parameter named with a keyword ('@class') keeps its '@'.
            string name = type.TypeParameters.Length == 0
                ? Identifier.Escape(type.Name)
                : Identifier.Escape(type.Name) + "<" + string.Join(", ", type.TypeParameters.Select(p => Identifier.Escape(p.Name))) + ">";
            types.Insert(0, new ContainingTypeSpec(keyword, name));
        }

        return types.ToEquatableArray();
    }

    private static string? FindNonPartialType(IMethodSymbol method, CancellationToken cancellationToken) => FindNonPartialType(method.ContainingType, cancellationToken);

    internal static string? FindNonPartialType(INamedTypeSymbol? innermost, CancellationToken cancellationToken)
    {
        for (INamedTypeSymbol? type = innermost; type is not null; type = type.ContainingType)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
                    && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return type.Name;
                }
            }
        }

        return null;
    }

    /// <summary>The innermost enclosing type declared 'file': its parts must all be in one file, so generated code cannot add one.</summary>
    internal static string? FindFileLocalType(INamedTypeSymbol? innermost)
    {
        for (INamedTypeSymbol? type = innermost; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal)
            {
                return type.Name;
            }
        }

        return null;
    }

    private static string? DescribeMethodProblem(IMethodSymbol method, MethodDeclarationSyntax syntax)
    {
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return "is not partial";
        }

        if (syntax.Body is not null || syntax.ExpressionBody is not null || method.PartialImplementationPart is not null)
        {
            return "already has a body";
        }

        if (!method.ReturnsVoid)
        {
            return "returns '" + method.ReturnType.ToDisplayString() + "' instead of void";
        }

        if (method.IsGenericMethod)
        {
            return "has type parameters";
        }

        if (method.IsExtern || method.IsAbstract)
        {
            return "is extern or abstract";
        }

        if (method.IsAsync)
        {
            // The implementation would be an async method that never awaits (CS1998), and spans cannot cross an await.
            return "is async";
        }

        if (FindFileLocalType(method.ContainingType) is { } fileLocal)
        {
            return "is in the file-local type '" + fileLocal + "', which the generated code, in a file of its own, cannot extend (remove 'file')";
        }

        if (method.ContainingType is { } type && type.GetMembers(method.Name).Length > 1)
        {
            return "is overloaded (TensorDsl names the members it generates after the method, so each operator needs a name of its own)";
        }

        return null;
    }

    private static string? FindOtherOperatorAttribute(IMethodSymbol method, OperatorKind kind)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            string? name = attribute.AttributeClass?.ToDisplayString();
            foreach (KeyValuePair<OperatorKind, string> entry in AttributeMetadataNames)
            {
                if (entry.Key != kind && entry.Value == name)
                {
                    return entry.Value.Substring("TensorDsl.".Length).Replace("Attribute", string.Empty);
                }
            }
        }

        return null;
    }

    internal static EquatableArray<DeclaredArgument> ReadArguments(AttributeData attribute, AttributeSyntax? syntax)
    {
        List<DeclaredArgument> arguments = new();
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            // A constant of the wrong type is already a compiler error; skip it rather than guess.
            long? value = named.Value.Kind is TypedConstantKind.Primitive or TypedConstantKind.Enum
                ? named.Value.Value switch
                {
                    int i => i,
                    bool b => b ? 1 : 0,
                    _ => null,
                }
                : null;
            if (value is null)
            {
                continue;
            }

            AttributeArgumentSyntax? argumentSyntax = syntax?.ArgumentList?.Arguments
                .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == named.Key);
            arguments.Add(new DeclaredArgument(named.Key, value.Value, LocationInfo.From(argumentSyntax?.GetLocation() ?? syntax?.GetLocation())));
        }

        return arguments.ToEquatableArray();
    }

    private static DeclaredParameter ReadParameter(IParameterSymbol parameter)
    {
        SpanKind span = SpanKind.Other;
        string element = string.Empty;

        // 'scoped', 'params' and 'this' would have to be repeated on the generated implementation; an operator
        // takes plain spans, so such a parameter is of the wrong kind (and its display shows the modifier).
        string modifier = parameter.Ordinal == 0 && parameter.ContainingSymbol is IMethodSymbol { IsExtensionMethod: true } ? "this " : parameter.IsParams ? "params " : parameter.ScopedKind != ScopedKind.None && parameter.RefKind == RefKind.None ? "scoped " : string.Empty;
        if (parameter.RefKind == RefKind.None
            && modifier.Length == 0
            && parameter.Type is INamedTypeSymbol { TypeArguments.Length: 1 } named
            && named.ContainingNamespace?.ToDisplayString() == "System")
        {
            // A 'scoped' span is not what the generated implementation declares (CS8988 there): report a type mismatch.
            span = parameter.ScopedKind != ScopedKind.None ? SpanKind.Other : named.Name switch
            {
                "ReadOnlySpan" => SpanKind.ReadOnlySpan,
                "Span" => SpanKind.Span,
                _ => SpanKind.Other,
            };
            element = named.TypeArguments[0].SpecialType switch
            {
                SpecialType.System_Single => "float",
                SpecialType.System_Double => "double",
                SpecialType.System_Int32 => "int",
                _ => named.TypeArguments[0].ToDisplayString(),
            };
        }

        Location? location = parameter.Locations.FirstOrDefault();
        if (parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is ParameterSyntax parameterSyntax)
        {
            location = parameterSyntax.GetLocation();
        }

        string refPrefix = parameter.RefKind switch
        {
            RefKind.Ref => "ref ",
            RefKind.Out => "out ",
            RefKind.In => "in ",
            RefKind.RefReadOnlyParameter => "ref readonly ",
            _ => string.Empty,
        };
        string display = modifier + refPrefix + parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        return new DeclaredParameter(parameter.Name, span, element, display, LocationInfo.From(location));
    }
}
