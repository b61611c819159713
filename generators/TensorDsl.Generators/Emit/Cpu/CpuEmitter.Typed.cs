using System;
using System.Collections.Generic;
using System.Linq;
using TensorDsl.Generators.Emit.Typed;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.Cpu;

/// <summary>
/// Call-site safety for every generated method of a user's operator: the <c>[TensorLength]</c> marker on each span
/// parameter (read by TensorDsl's analyzer), the run-time check that no written tensor overlaps another tensor of
/// the call, and the typed overload that takes <c>Tensor&lt;T, Shape…&gt;</c> and forwards to the span method.
/// </summary>
internal static partial class CpuEmitter
{
    private const string LengthAttribute = "global::TensorDsl.Runtime.TensorLength";

    /// <summary>
    /// <c>[global::TensorDsl.Runtime.TensorLength(24576, "8×3×32×32", Constant = "Ops.Conv1Shape.XLength")] </c> for a
    /// parameter of a user's operator; nothing for a model's kernels, which only generated code calls.
    /// </summary>
    private static string Marker(OperatorSpec s, TensorParameter p)
    {
        if (!s.IsPartial)
        {
            return string.Empty;
        }

        string? constant = Constant(s, p);
        return "[" + LengthAttribute + "(" + N(p.Length) + ", \"" + p.Shape + "\""
            + (constant is null ? string.Empty : ", Constant = \"" + constant + "\"")
            + (p.ReadOnly ? string.Empty : ", Written = true")
            + ")] ";
    }

    /// <summary>The <c>{Name}Shape</c> constant holding the parameter's length, when the operator has one.</summary>
    private static string? Constant(OperatorSpec s, TensorParameter p)
    {
        foreach (TensorRole role in OperatorSignature.For(s.Kind, s.HasBias))
        {
            if (Dims(s, role.Shape).SequenceEqual(p.Dimensions))
            {
                string type = s.ContainingTypes.Count > 0 ? s.ContainingTypes[s.ContainingTypes.Count - 1].Name + "." : string.Empty;
                return type + s.MethodName + GeneratedNames.Shape + "." + ShapeClass.Pascal(role.Name) + "Length";
            }
        }

        return null;
    }

    /// <summary>
    /// Throws before any work when a tensor the method writes shares memory with another tensor of the call: the
    /// parallel loops would read values already overwritten, in an order that depends on the thread count.
    /// </summary>
    private static void OverlapChecks(OperatorSpec s, IndentedWriter w, TensorParameter[] parameters)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            for (int j = 0; j < parameters.Length; j++)
            {
                TensorParameter written = parameters[i], other = parameters[j];
                // Each pair once: the written one first; two written ones in parameter order.
                if (i == j || written.ReadOnly || (!other.ReadOnly && j < i))
                {
                    continue;
                }

                w.Line("global::TensorDsl.Runtime.ShapeCheck.Disjoint<" + Element(s, written) + ", " + Element(s, other) + ">("
                    + SourceFile.Id(written.Name) + ", " + SourceFile.Id(other.Name) + ", \"" + written.Name + "\", \"" + other.Name + "\");");
            }
        }
    }

    /// <summary>
    /// The typed overload of the method just written, for a user's operator: the same name and parameters, each a
    /// <c>Tensor&lt;T, Shape…&gt;</c> of the parameter's dimensions, forwarding to the span method. A tensor of
    /// another shape does not convert, so the mistake is CS1503 at the call.
    /// </summary>
    private static void TypedOverload(OperatorSpec s, IndentedWriter w, string summary, string header, TensorParameter[] parameters)
    {
        if (!s.IsPartial || s.ShapesNamespace.Length == 0)
        {
            return;
        }

        // Only shapes the shape-types file declares (it derives them from the spec alone); any other would not compile.
        HashSet<string> declared = new(ShapeTypes.For(s).Select(ShapeTypes.Name), StringComparer.Ordinal);
        if (!parameters.All(p => declared.Contains(ShapeTypes.Name(p.Dimensions))))
        {
            return;
        }

        // Both header forms, "{modifiers} partial void {Name}" and "{modifiers} void {Name}", end in the method's name.
        string name = header.Substring(header.LastIndexOf(" void ", StringComparison.Ordinal) + " void ".Length);
        w.Line();
        w.Line("/// <summary>" + Xml(summary) + " Typed form: each tensor's shape is part of its type, so a wrong shape is a compile-time error.</summary>");
        foreach (TensorParameter p in parameters)
        {
            w.Line("/// <param name=\"" + p.Name + "\">" + Xml(p.Meaning) + ", " + p.Shape + (p.ReadOnly ? string.Empty : " (overwritten)") + ".</param>");
        }

        w.Line("/// <exception cref=\"global::System.ArgumentException\">A tensor is <c>default</c>, or a written tensor shares memory with another.</exception>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        string parameterList = string.Join(", ", parameters.Select(p => Marker(s, p) + ShapeTypes.Tensor(s.ShapesNamespace, Element(s, p), p.Dimensions) + " " + SourceFile.Id(p.Name)));
        string arguments = string.Join(", ", parameters.Select(p => SourceFile.Id(p.Name) + (p.ReadOnly ? ".ReadOnlySpan" : ".Span")));
        w.Line(SourceFile.ExtraModifiers(s) + " void " + name + "(" + parameterList + ")");
        w.Indent();
        // A parameter named like the method would shadow it in the call: qualify the call then.
        string bare = name.TrimStart('@');
        string callee = !parameters.Any(p => p.Name == bare)
            ? name
            : s.Modifiers.Split(' ').Contains("static") ? QualifiedType(s) + "." + name : "this." + name;
        w.Line("=> " + callee + "(" + arguments + ");");
        w.Outdent();
    }

    private static string Element(OperatorSpec s, TensorParameter p) => p.IsIndex ? "int" : s.ElementType;

    /// <summary>The declaring type as <c>global::Ns.Outer.Inner</c>, which no parameter name can shadow.</summary>
    private static string QualifiedType(OperatorSpec s)
        => "global::" + string.Join(".", (s.Namespace.Length > 0 ? s.Namespace.Split('.').Select(SourceFile.Id) : Enumerable.Empty<string>())
            .Concat(s.ContainingTypes.Select(t => SourceFile.Id(t.Name))));
}
