using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Declarations;

/// <summary>One named attribute argument as written (bools as 0/1), with where it was written.</summary>
internal sealed record DeclaredArgument(string Name, long Value, LocationInfo? Location);

/// <summary>Lookup of attribute arguments by name, shared by every declaration record.</summary>
internal static class DeclaredArguments
{
    /// <summary>The argument named <paramref name="name"/>, or null when it was not written.</summary>
    public static DeclaredArgument? Find(this EquatableArray<DeclaredArgument> arguments, string name)
    {
        foreach (DeclaredArgument argument in arguments)
        {
            if (argument.Name == name)
            {
                return argument;
            }
        }

        return null;
    }
}

/// <summary>How a parameter's type relates to the spans an operator takes.</summary>
internal enum SpanKind
{
    ReadOnlySpan,
    Span,
    Other,
}

/// <summary>One parameter of the declared method: its name, span kind, element type keyword and display.</summary>
internal sealed record DeclaredParameter(string Name, SpanKind Span, string ElementType, string TypeDisplay, LocationInfo? Location);

/// <summary>
/// A declaration exactly as the user wrote it, before any checking: the output of the declaration stage and the
/// input of shape inference. Plain data, so it compares by value.
/// </summary>
internal sealed record OperatorDeclaration(
    OperatorKind Kind,
    string AttributeName,
    string Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string? NonPartialType,
    string MethodName,
    string Modifiers,
    string? MethodProblem,
    string? OtherOperatorAttribute,
    EquatableArray<DeclaredArgument> Arguments,
    EquatableArray<DeclaredParameter> Parameters,
    EquatableArray<string> ExistingMemberNames,
    LocationInfo? AttributeLocation,
    LocationInfo? MethodLocation)
{
    /// <summary>The argument named <paramref name="name"/>, or null when it was not written.</summary>
    public DeclaredArgument? Find(string name) => Arguments.Find(name);
}
