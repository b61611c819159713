using System.Collections.Generic;
using System.Linq;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit;

/// <summary>Writes <c>{Name}Shape</c>: every size of an operator as a constant, for callers and other targets.</summary>
internal static class ShapeClass
{
    public static void Emit(OperatorSpec s, IndentedWriter w)
    {
        WindowGeometry g = s.Geometry;
        IReadOnlyList<TensorRole> roles = OperatorSignature.For(s.Kind, s.HasBias);
        string tensors = string.Join(", ", roles.Select(r => r.Name + " " + OperatorSignature.Describe(OperatorSignature.Dimensions(s.Kind, g, r.Shape, s.ToMatrix))));
        w.Line("/// <summary>The fixed shapes of <c>" + s.MethodName + "</c>: " + tensors + ".</summary>"); // not a cref: the method has a typed overload
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public static class " + s.MethodName + GeneratedNames.Shape))
        {
            foreach ((string name, int value, string doc) in Constants(s))
            {
                w.Line("/// <summary>" + doc + "</summary>");
                w.Line("public const int " + name + " = " + N(value) + ";");
            }

            foreach (TensorRole role in roles)
            {
                int[] dims = OperatorSignature.Dimensions(s.Kind, g, role.Shape, s.ToMatrix);
                w.Line("/// <summary>Element count of " + role.Name + ", " + OperatorSignature.Describe(dims) + ".</summary>");
                w.Line("public const int " + Pascal(role.Name) + "Length = " + N(OperatorSignature.Length(s.Kind, g, role.Shape, s.ToMatrix)) + ";");
            }
        }
    }

    /// <summary>Named sizes in the vocabulary of the operator (deconv2d's input is the window grid).</summary>
    public static IEnumerable<(string Name, int Value, string Doc)> Constants(OperatorSpec s)
    {
        WindowGeometry g = s.Geometry;
        bool convolution = s.Kind is OperatorKind.Conv2d or OperatorKind.Conv2dGradW or OperatorKind.Deconv2d;
        bool deconv = s.Kind == OperatorKind.Deconv2d;
        yield return ("Batch", g.Batch, "Batch size N.");
        if (convolution)
        {
            yield return ("InChannels", deconv ? g.GridChannels : g.ImageChannels, "Input channels C.");
            yield return ("OutChannels", deconv ? g.ImageChannels : g.GridChannels, "Output channels OC.");
        }
        else
        {
            yield return ("Channels", g.ImageChannels, "Channels C.");
        }

        yield return ("Height", deconv ? g.GridHeight : g.ImageHeight, "Input height H.");
        yield return ("Width", deconv ? g.GridWidth : g.ImageWidth, "Input width W.");
        yield return ("OutHeight", deconv ? g.ImageHeight : g.GridHeight, "Output height OH.");
        yield return ("OutWidth", deconv ? g.ImageWidth : g.GridWidth, "Output width OW.");
        yield return ("KernelHeight", g.KernelHeight, "Kernel height KH.");
        yield return ("KernelWidth", g.KernelWidth, "Kernel width KW.");
        yield return ("StrideHeight", g.StrideHeight, "Vertical stride.");
        yield return ("StrideWidth", g.StrideWidth, "Horizontal stride.");
        yield return ("PadHeight", g.PadHeight, "Zero padding above and below.");
        yield return ("PadWidth", g.PadWidth, "Zero padding left and right.");
    }

    public static string Pascal(string name) => char.ToUpperInvariant(name[0]) + name.Substring(1);
}
