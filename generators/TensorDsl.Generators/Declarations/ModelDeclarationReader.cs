using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Declarations;

/// <summary>Turns a [Model] class and its layer properties, in declaration order, into a <see cref="ModelDeclaration"/>.</summary>
internal static class ModelDeclarationReader
{
    public const string ModelAttributeName = "TensorDsl.ModelAttribute";

    /// <summary>The attributes that declare a layer, by metadata name, with the layer kind they declare.</summary>
    public static readonly IReadOnlyDictionary<string, string> LayerAttributes = new Dictionary<string, string>
    {
        ["TensorDsl.Conv2dAttribute"] = "Conv2d",
        ["TensorDsl.Deconv2dAttribute"] = "Deconv2d",
        ["TensorDsl.MaxPool2dAttribute"] = "MaxPool2d",
        ["TensorDsl.AvgPool2dAttribute"] = "AvgPool2d",
        ["TensorDsl.LinearAttribute"] = "Linear",
        ["TensorDsl.ReLUAttribute"] = "ReLU",
        ["TensorDsl.LeakyReLUAttribute"] = "LeakyReLU",
        ["TensorDsl.SigmoidAttribute"] = "Sigmoid",
        ["TensorDsl.TanhAttribute"] = "Tanh",
        ["TensorDsl.FlattenAttribute"] = "Flatten",
        ["TensorDsl.DropoutAttribute"] = "Dropout",
        ["TensorDsl.SoftmaxCrossEntropyAttribute"] = "SoftmaxCrossEntropy",
        ["TensorDsl.MeanSquaredErrorAttribute"] = "MeanSquaredError",
    };

    public static ModelDeclaration Read(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        INamedTypeSymbol type = (INamedTypeSymbol)context.TargetSymbol;
        TypeDeclarationSyntax syntax = (TypeDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        AttributeSyntax? attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

        List<DeclaredLayer> layers = new();
        foreach (PropertyDeclarationSyntax property in syntax.Members.OfType<PropertyDeclarationSyntax>())
        {
            if (context.SemanticModel.GetDeclaredSymbol(property, cancellationToken) is { } symbol
                && ReadLayer(symbol, property, cancellationToken) is { } layer)
            {
                layers.Add(layer);
            }
        }

        return new ModelDeclaration(
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : string.Empty,
            OperatorDeclarationReader.ReadContainingTypes(type),
            type.Name,
            DescribeClassProblem(type),
            OperatorDeclarationReader.FindNonPartialType(type, cancellationToken),
            OperatorDeclarationReader.ReadArguments(attribute, attributeSyntax),
            layers.ToEquatableArray(),
            OperatorDeclarationReader.ExistingMemberNames(type),
            LocationInfo.From(attributeSyntax?.GetLocation()),
            LocationInfo.From(syntax.Identifier.GetLocation()));
    }

    private static string? DescribeClassProblem(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            return "is not a class";
        }

        if (type.IsStatic)
        {
            return "is static";
        }

        if (type.IsGenericType)
        {
            return "has type parameters";
        }

        return null;
    }

    private static DeclaredLayer? ReadLayer(IPropertySymbol property, PropertyDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        List<(AttributeData Data, string Kind)> found = new();
        foreach (AttributeData candidate in property.GetAttributes())
        {
            if (candidate.AttributeClass?.ToDisplayString() is { } name && LayerAttributes.TryGetValue(name, out string? kind))
            {
                found.Add((candidate, kind));
            }
        }

        if (found.Count == 0)
        {
            return null;
        }

        AttributeData attribute = found[0].Data;
        AttributeSyntax? attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        string element = property.Type is INamedTypeSymbol { Name: "Layer", TypeArguments.Length: 1 } layerType
            && layerType.ContainingNamespace?.ToDisplayString() == "TensorDsl.Models"
                ? layerType.TypeArguments[0].SpecialType switch
                {
                    SpecialType.System_Single => "float",
                    SpecialType.System_Double => "double",
                    _ => layerType.TypeArguments[0].ToDisplayString(),
                }
                : string.Empty;

        string? problem = null;
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            problem = "is not partial";
        }
        else if (element.Length == 0)
        {
            problem = "has type '" + property.Type.ToDisplayString() + "'";
        }
        else if (element is not ("float" or "double"))
        {
            problem = "has the element type '" + element + "', which is neither float nor double";
        }
        else if (property.IsStatic)
        {
            problem = "is static";
        }
        else if (property.SetMethod is not null || property.GetMethod is null)
        {
            problem = "is not get-only";
        }
        else if (syntax.ExpressionBody is not null || property.PartialImplementationPart is not null
            || syntax.AccessorList?.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null) == true)
        {
            problem = "already has a body";
        }

        List<DeclaredReal> reals = new();
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Value.Kind == TypedConstantKind.Primitive && named.Value.Value is double value)
            {
                AttributeArgumentSyntax? argumentSyntax = attributeSyntax?.ArgumentList?.Arguments
                    .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == named.Key);
                reals.Add(new DeclaredReal(named.Key, value, LocationInfo.From(argumentSyntax?.GetLocation() ?? attributeSyntax?.GetLocation())));
            }
        }

        return new DeclaredLayer(
            property.Name,
            found[0].Kind,
            OperatorDeclarationReader.ReadArguments(attribute, attributeSyntax),
            reals.ToEquatableArray(),
            problem,
            found.Count > 1 ? found[1].Kind : null,
            element,
            string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text)),
            LocationInfo.From(attributeSyntax?.GetLocation()),
            LocationInfo.From(syntax.Identifier.GetLocation()));
    }
}
