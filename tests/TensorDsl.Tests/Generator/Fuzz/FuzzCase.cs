using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;

namespace TensorDsl.Tests.Generator.Fuzz;

/// <summary>A named attribute argument as written: <c>Name = Value</c>, the value as source text (it may be of the wrong type).</summary>
public sealed record FuzzArgument(string Name, string Value)
{
    public override string ToString() => Name + " = " + Value;
}

/// <summary>An attribute as written: <c>[Name(arguments)]</c>.</summary>
public sealed record FuzzAttribute(string Name, ImmutableList<FuzzArgument> Arguments)
{
    public override string ToString() => "[" + Name + (Arguments.IsEmpty ? string.Empty : "(" + string.Join(", ", Arguments) + ")") + "]";
}

/// <summary>One parameter as written: modifier, type and name.</summary>
public sealed record FuzzParameter(string Modifier, string Type, string Name)
{
    public override string ToString() => Modifier + Type + " " + Name;
}

/// <summary>
/// One member of a type: an (attributed) method, an (attributed) property, or an ordinary member that may take a
/// name TensorDsl generates. Only the fields of its kind are rendered.
/// </summary>
public sealed record FuzzMember(
    string Kind,
    ImmutableList<FuzzAttribute> Attributes,
    string Modifiers,
    string Type,
    string Name,
    string TypeParameters,
    ImmutableList<FuzzParameter> Parameters,
    string Tail)
{
    public const string Method = "method";
    public const string Property = "property";
    public const string Other = "other";

    public string Render()
    {
        string attributes = string.Concat(Attributes.Select(a => a + " "));
        return Kind switch
        {
            Method => attributes + Join(Modifiers, Type) + " " + Name + TypeParameters + "(" + string.Join(", ", Parameters) + ")" + Tail,
            Property => attributes + Join(Modifiers, Type) + " " + Name + " " + Tail,
            _ => Tail,
        };
    }

    private static string Join(string modifiers, string type) => modifiers.Length == 0 ? type : modifiers + " " + type;
}

/// <summary>A type declaration header: keyword (class, record struct, …), whether partial, name and type parameters.</summary>
public sealed record FuzzType(string Modifiers, bool Partial, string Keyword, string Name, string TypeParameters)
{
    public string Header(IEnumerable<FuzzAttribute> attributes)
    {
        string prefix = string.Concat(attributes.Select(a => a + " "));
        string modifiers = (Modifiers.Length == 0 ? string.Empty : Modifiers + " ") + (Partial ? "partial " : string.Empty);
        return prefix + modifiers + Keyword + " " + Name + TypeParameters;
    }
}

/// <summary>One type with its enclosing types and members; the innermost type may carry attributes ([Model]).</summary>
public sealed record FuzzContainer(
    string Namespace,
    ImmutableList<FuzzType> Outer,
    FuzzType Type,
    ImmutableList<FuzzAttribute> TypeAttributes,
    ImmutableList<FuzzMember> Members)
{
    public void Render(StringBuilder text)
    {
        int depth = 0;
        if (Namespace.Length > 0)
        {
            text.Append("namespace ").Append(Namespace).Append("\n{\n");
            depth++;
        }

        foreach (FuzzType outer in Outer)
        {
            Line(text, depth, outer.Header(ImmutableList<FuzzAttribute>.Empty));
            Line(text, depth, "{");
            depth++;
        }

        Line(text, depth, Type.Header(TypeAttributes));
        Line(text, depth, "{");
        foreach (FuzzMember member in Members)
        {
            Line(text, depth + 1, member.Render());
        }

        Line(text, depth, "}");
        for (int i = Outer.Count - 1; i >= 0; i--)
        {
            depth--;
            Line(text, depth, "}");
        }

        if (Namespace.Length > 0)
        {
            text.Append("}\n");
        }
    }

    private static void Line(StringBuilder text, int depth, string line) => text.Append(' ', depth * 4).Append(line).Append('\n');
}

/// <summary>
/// One fuzz case: a whole user source file. <see cref="CutAt"/>, when set, truncates the rendered text there (a
/// file being typed). Rendered text is what <see cref="ToString"/> shows, so a failing, shrunk case prints as code.
/// </summary>
public sealed record FuzzCase(ImmutableList<FuzzContainer> Containers, int? CutAt)
{
    public const string Usings = "using System;\nusing TensorDsl;\nusing TensorDsl.Models;\nusing TensorDsl.Training;\n\n";

    public string Source
    {
        get
        {
            StringBuilder text = new(Usings);
            foreach (FuzzContainer container in Containers)
            {
                container.Render(text);
            }

            string source = text.ToString();
            return CutAt is int cut && cut < source.Length ? source.Substring(0, cut) : source;
        }
    }

    public override string ToString() => "\n" + Source;
}
