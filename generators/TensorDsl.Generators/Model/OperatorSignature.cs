using System.Collections.Generic;
using TensorDsl.Generators.Declarations;

namespace TensorDsl.Generators.Model;

/// <summary>Which tensor of the window geometry a parameter holds.</summary>
internal enum TensorShape
{
    Image,
    Grid,
    Weight,
    Bias,
    Columns,
}

/// <summary>One parameter an operator expects: conventional name, span kind, element (T or int) and shape.</summary>
internal sealed record TensorRole(string Name, SpanKind Span, bool IsIndex, TensorShape Shape, string Meaning);

/// <summary>The fixed parameter lists of the operators, shared by validation and every emitter.</summary>
internal static class OperatorSignature
{
    public static IReadOnlyList<TensorRole> For(OperatorKind kind, bool hasBias)
    {
        List<TensorRole> roles = new();
        switch (kind)
        {
            case OperatorKind.Conv2d:
                roles.Add(In("x", TensorShape.Image, "input, N×C×H×W"));
                roles.Add(In("w", TensorShape.Weight, "weights, OC×C×KH×KW"));
                if (hasBias)
                {
                    roles.Add(In("b", TensorShape.Bias, "bias, OC"));
                }

                roles.Add(Out("y", TensorShape.Grid, "output, N×OC×OH×OW"));
                break;
            case OperatorKind.Deconv2d:
                roles.Add(In("x", TensorShape.Grid, "input, N×C×H×W"));
                roles.Add(In("w", TensorShape.Weight, "weights, C×OC×KH×KW"));
                if (hasBias)
                {
                    roles.Add(In("b", TensorShape.Bias, "bias, OC"));
                }

                roles.Add(Out("y", TensorShape.Image, "output, N×OC×OH×OW"));
                break;
            case OperatorKind.Conv2dGradW:
                roles.Add(In("x", TensorShape.Image, "conv2d input, N×C×H×W"));
                roles.Add(In("gy", TensorShape.Grid, "gradient of the conv2d output, N×OC×OH×OW"));
                roles.Add(Out("gw", TensorShape.Weight, "weight gradient, OC×C×KH×KW"));
                break;
            case OperatorKind.MaxPool2d:
                roles.Add(In("x", TensorShape.Image, "input, N×C×H×W"));
                roles.Add(Out("y", TensorShape.Grid, "output, N×C×OH×OW"));
                roles.Add(new TensorRole("indexes", SpanKind.Span, IsIndex: true, TensorShape.Grid, "argmax h·W + w of each window, N×C×OH×OW"));
                break;
            case OperatorKind.AvgPool2d:
                roles.Add(In("x", TensorShape.Image, "input, N×C×H×W"));
                roles.Add(Out("y", TensorShape.Grid, "output, N×C×OH×OW"));
                break;
            case OperatorKind.Im2col:
                roles.Add(In("x", TensorShape.Image, "input, N×C×H×W"));
                roles.Add(Out("col", TensorShape.Columns, "columns"));
                break;
            case OperatorKind.Col2im:
                roles.Add(In("col", TensorShape.Columns, "columns"));
                roles.Add(Out("x", TensorShape.Image, "image, N×C×H×W"));
                break;
        }

        return roles;
    }

    /// <summary>Element count of a tensor of the given shape.</summary>
    public static int Length(OperatorKind kind, WindowGeometry g, TensorShape shape, bool toMatrix)
    {
        int length = 1;
        foreach (int dimension in Dimensions(kind, g, shape, toMatrix))
        {
            length *= dimension;
        }

        return length;
    }

    /// <summary>Dimensions of a tensor of the given shape for this operator, outermost first.</summary>
    public static int[] Dimensions(OperatorKind kind, WindowGeometry g, TensorShape shape, bool toMatrix) => shape switch
    {
        TensorShape.Image => new[] { g.Batch, g.ImageChannels, g.ImageHeight, g.ImageWidth },
        TensorShape.Grid => new[] { g.Batch, g.GridChannels, g.GridHeight, g.GridWidth },
        // conv2d's OC×C and deconv2d's C×OC are both grid channels × image channels.
        TensorShape.Weight => new[] { g.GridChannels, g.ImageChannels, g.KernelHeight, g.KernelWidth },
        TensorShape.Bias => new[] { kind == OperatorKind.Deconv2d ? g.ImageChannels : g.GridChannels },
        _ => toMatrix
            ? new[] { g.Batch * g.GridPlane, g.ImageChannels * g.KernelArea }
            : new[] { g.Batch, g.ImageChannels, g.KernelHeight, g.KernelWidth, g.GridHeight, g.GridWidth },
    };

    /// <summary>"8×3×32×32" for the given dimensions.</summary>
    public static string Describe(int[] dimensions)
        => string.Join("×", System.Linq.Enumerable.Select(dimensions, d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static TensorRole In(string name, TensorShape shape, string meaning) => new(name, SpanKind.ReadOnlySpan, false, shape, meaning);

    private static TensorRole Out(string name, TensorShape shape, string meaning) => new(name, SpanKind.Span, false, shape, meaning);
}
