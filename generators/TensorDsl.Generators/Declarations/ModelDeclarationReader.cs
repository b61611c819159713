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

    /// <summary>
    /// The model as written, or null for a second [Model] on another partial declaration of the same class: the
    /// compiler already rejects that (CS0579), and the first declaration's model is the one generated.
    /// </summary>
    public static ModelDeclaration? Read(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        INamedTypeSymbol type = (INamedTypeSymbol)context.TargetSymbol;
        TypeDeclarationSyntax syntax = (TypeDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        AttributeSyntax? attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        if (type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ModelAttributeName)?.ApplicationSyntaxReference is { } firstModel
            && (firstModel.SyntaxTree != syntax.SyntaxTree || !syntax.Span.Contains(firstModel.Span)))
        {
            return null;
        }

        List<DeclaredLayer> layers = new();
        foreach (PropertyDeclarationSyntax property in syntax.Members.OfType<PropertyDeclarationSyntax>())
        {
            if (context.SemanticModel.GetDeclaredSymbol(property, cancellationToken) is { } symbol
                && ReadLayer(symbol, property, cancellationToken) is { } layer)
            {
                layers.Add(layer);
            }
        }

        // Layers are read, in order, from the declaration that carries [Model]; one in another partial
        // declaration of the class would silently stay unimplemented, so it is an error on that property.
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax other || other == syntax)
            {
                continue;
            }

            foreach (PropertyDeclarationSyntax property in other.Members.OfType<PropertyDeclarationSyntax>())
            {
                if (type.GetMembers(property.Identifier.ValueText).OfType<IPropertySymbol>().FirstOrDefault() is { } symbol
                    && ReadLayer(symbol, property, cancellationToken) is { } layer)
                {
                    layers.Add(layer with { PropertyProblem = "is declared in a partial declaration of '" + type.Name + "' other than the one that carries [Model]; declare every layer there, in the network's order" });
                }
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

        if (OperatorDeclarationReader.FindFileLocalType(type) is { } fileLocal)
        {
            return "is in the file-local type '" + fileLocal + "', which the generated code, in a file of its own, cannot extend (remove 'file')";
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
        else if (property.Type.NullableAnnotation == NullableAnnotation.Annotated)
        {
            problem = "has the nullable type '" + property.Type.ToDisplayString() + "'";
        }
        else if (property.IsStatic)
        {
            problem = "is static";
        }
        else if (property.IsExtern || property.IsAbstract)
        {
            problem = "is extern or abstract";
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
