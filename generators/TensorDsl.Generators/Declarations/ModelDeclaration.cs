using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Declarations;

/// <summary>One layer property as written: attribute kind, arguments, and what is wrong with the property if anything.</summary>
internal sealed record DeclaredLayer(
    string Name,
    string Kind,
    EquatableArray<DeclaredArgument> Arguments,
    EquatableArray<DeclaredReal> RealArguments,
    string? PropertyProblem,
    string? OtherLayerAttribute,
    string ElementType,
    string Modifiers,
    LocationInfo? AttributeLocation,
    LocationInfo? PropertyLocation)
{
    public DeclaredArgument? Find(string name) => Arguments.Find(name);

    public DeclaredReal? FindReal(string name)
    {
        foreach (DeclaredReal argument in RealArguments)
        {
            if (argument.Name == name)
            {
                return argument;
            }
        }

        return null;
    }
}

/// <summary>A floating-point attribute argument (dropout rate, leaky slope).</summary>
internal sealed record DeclaredReal(string Name, double Value, LocationInfo? Location);

/// <summary>A [Model] class as written, before shape inference: the declaration stage's output for models.</summary>
internal sealed record ModelDeclaration(
    string Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    string? ClassProblem,
    string? NonPartialType,
    EquatableArray<DeclaredArgument> Arguments,
    EquatableArray<DeclaredLayer> Layers,
    EquatableArray<string> ExistingMemberNames,
    LocationInfo? AttributeLocation,
    LocationInfo? ClassLocation)
{
    public DeclaredArgument? Find(string name) => Arguments.Find(name);
}
