using System.Collections.Generic;
using System.Linq;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.OpenCL;

internal static partial class OpenClEmitter
{
    /// <summary>Where a kernel argument comes from: a method parameter, or the weight gradient's scratch buffer.</summary>
    private const string Partial = "__partial";

    /// <summary>One kernel launch of a method: the kernel and its arguments, by parameter name.</summary>
    private sealed record Step(string Kernel, params string[] Arguments);

    private static void EmitOperator(OperatorSpec s, OpenClProgram program, IndentedWriter w)
    {
        string m = s.MethodName;
        IReadOnlyList<TensorRole> roles = OperatorSignature.For(s.Kind, s.HasBias);
        string tensors = string.Join(", ", roles.Select(r => r.Name + " " + OperatorSignature.Describe(Dims(s, r.Shape))));
        w.Line("/// <summary>");
        w.Line("/// <c>" + m + "</c> on an OpenCL device (" + Xml(Kind(s)) + ", " + s.ElementType + "; " + tensors + "): the kernels as OpenCL C for");
        w.Line("/// these shapes, and launch methods over device buffers that mirror the CPU methods. A launch checks its buffers, then");
        w.Line("/// enqueues on the runtime's in-order queue and returns at once; a download (<c>OpenClBuffer.Download</c>, <c>ToArray</c>)");
        w.Line("/// waits for every kernel enqueued before it. " + Strategy(s, program));
        w.Line("/// </summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public static class " + m + GeneratedNames.OpenCL))
        {
            w.Line("/// <summary>The OpenCL C program with every kernel of " + SourceFile.Id(m) + " (" + string.Join(", ", program.Launches.Keys) + "). Compiled on first use, once per runtime" + (s.Element == ElementKind.Double ? "; needs a device with cl_khr_fp64" : string.Empty) + ".</summary>");
            // The program starts on the line after @" so that every line of it is indented alike in this file.
            w.Line("public const string Source = @\"");
            w.Lines(program.Source.TrimEnd('\n').Replace("\"", "\"\"") + "\";");
            Methods(s, program, w);
        }
    }

    private static void Methods(OperatorSpec s, OpenClProgram program, IndentedWriter w)
    {
        WindowGeometry g = s.Geometry;
        string m = s.MethodName;
        string Fwd(int i) => s.ParameterNames[i];
        Buffer Image(string name, string meaning, bool output = false) => new(name, output, false, Dims(s, TensorShape.Image), meaning);
        Buffer Grid(string name, string meaning, bool output = false) => new(name, output, false, Dims(s, TensorShape.Grid), meaning);
        Buffer Weight(string name, string meaning, bool output = false) => new(name, output, false, Dims(s, TensorShape.Weight), meaning);
        Buffer[] ForwardBuffers() => OperatorSignature.For(s.Kind, s.HasBias)
            .Select((r, i) => new Buffer(Fwd(i), r.Span == Declarations.SpanKind.Span, r.IsIndex, Dims(s, r.Shape), r.Meaning))
            .ToArray();

        switch (s.Kind)
        {
            case OperatorKind.Conv2d:
            case OperatorKind.Deconv2d:
            {
                bool conv = s.Kind == OperatorKind.Conv2d;
                Buffer x = conv ? Image("x", "input, N×C×H×W") : Grid("x", "input, N×C×H×W");
                Buffer wt = Weight("w", conv ? "weights, OC×C×KH×KW" : "weights, C×OC×KH×KW");
                Buffer gy = conv ? Grid("gy", "gradient of y") : Image("gy", "gradient of y");
                Buffer gx = conv ? Image("gx", "gradient of x", true) : Grid("gx", "gradient of x", true);
                Buffer gw = Weight("gw", "gradient of w", true);
                Buffer gb = new("gb", true, false, new[] { conv ? g.GridChannels : g.ImageChannels }, "gradient of b");
                string forwardKernel = conv ? OpenClProgram.Correlate : OpenClProgram.Scatter;
                string inputKernel = conv ? OpenClProgram.Scatter : OpenClProgram.Correlate;
                Buffer[] fwd = ForwardBuffers();
                Method(s, program, w, "Forward", (conv ? "2-D convolution: y = conv2d(x, w)" : "2-D transposed convolution: y = deconv2d(x, w)") + (s.HasBias ? " + b" : string.Empty) + ", as " + m + " (kernel " + forwardKernel + ").", fwd,
                    new Step(forwardKernel, fwd.Select(b => b.Name).ToArray()));
                Method(s, program, w, GeneratedNames.BackwardInput, (conv ? "The gradient of the input, gx = deconv2d(gy, w)" : "The gradient of the input, gx = conv2d(gy, w)") + ", as " + m + GeneratedNames.BackwardInput + " (kernel " + inputKernel + ").", new[] { wt, gy, gx },
                    new Step(inputKernel, "gy", "w", "gx"));
                Method(s, program, w, GeneratedNames.BackwardWeight, "The gradient of the weights, gw = Conv2DGradW(" + (conv ? "x, gy" : "gy, x") + "), as " + m + GeneratedNames.BackwardWeight + " (kernel weight_gradient).", new[] { x, gy, gw },
                    WeightGradientSteps(program, conv ? "x" : "gy", conv ? "gy" : "x", "gw"));
                Method(s, program, w, GeneratedNames.BackwardBias, "The gradient of the bias: gy summed over the batch and both spatial axes, as " + m + GeneratedNames.BackwardBias + " (kernel bias_gradient).", new[] { gy, gb },
                    new Step(OpenClProgram.BiasGradient, "gy", "gb"));
                Buffer[] all = s.HasBias ? new[] { x, wt, gy, gx, gw, gb } : new[] { x, wt, gy, gx, gw };
                List<Step> steps = new() { new Step(inputKernel, "gy", "w", "gx") };
                steps.AddRange(WeightGradientSteps(program, conv ? "x" : "gy", conv ? "gy" : "x", "gw"));
                if (s.HasBias)
                {
                    steps.Add(new Step(OpenClProgram.BiasGradient, "gy", "gb"));
                }

                Method(s, program, w, GeneratedNames.Backward, "All gradients of " + m + " from x, w, gy: gx, gw" + (s.HasBias ? " and gb" : string.Empty) + ", as " + m + GeneratedNames.Backward + ". Each part is also a method of its own.", all, steps.ToArray());
                break;
            }

            case OperatorKind.Conv2dGradW:
            {
                Buffer[] fwd = ForwardBuffers();
                Method(s, program, w, "Forward", "The conv2d weight gradient as an operator (DeZero's Conv2DGradW), as " + m + " (kernel weight_gradient).", fwd,
                    WeightGradientSteps(program, Fwd(0), Fwd(1), Fwd(2)));
                Buffer x = Image("x", "conv2d input"), gy = Grid("gy", "gradient of the conv2d output"), ggw = Weight("ggw", "gradient of gw");
                Buffer gx = Image("gx", "gradient of x", true), ggy = Grid("ggy", "gradient of gy", true);
                Method(s, program, w, GeneratedNames.Backward, "The gradients of gw = Conv2DGradW(x, gy) given ggw: gx = deconv2d(gy, ggw) and ggy = conv2d(x, ggw), as " + m + GeneratedNames.Backward + " (kernels scatter and correlate).", new[] { x, gy, ggw, gx, ggy },
                    new Step(OpenClProgram.Scatter, "gy", "ggw", "gx"),
                    new Step(OpenClProgram.Correlate, "x", "ggw", "ggy"));
                break;
            }

            case OperatorKind.MaxPool2d:
            {
                Buffer[] fwd = ForwardBuffers();
                Method(s, program, w, "Forward", "Max pooling, as " + m + ": y is the largest value of each window and indexes its position h·W + w in the input plane. Padding never wins; a NaN wins (the last NaN's index, as PyTorch).", fwd,
                    new Step(OpenClProgram.MaxPool, fwd.Select(b => b.Name).ToArray()));
                Buffer idx = new("indexes", false, true, Dims(s, TensorShape.Grid), "argmax written by Forward");
                Method(s, program, w, GeneratedNames.Backward, "The gradient of the input (DeZero's Pooling2DGrad), as " + m + GeneratedNames.Backward + ": each gy is added at its window's argmax. Indexes must be the forward's; one outside its window is ignored (the CPU version throws for one outside the plane).", new[] { idx, Grid("gy", "gradient of y"), Image("gx", "gradient of x", true) },
                    new Step(OpenClProgram.MaxPoolBackward, "indexes", "gy", "gx"));
                Method(s, program, w, GeneratedNames.WithIndexes, "Reads x at the given argmax positions (DeZero's Pooling2DWithIndexes), as " + m + GeneratedNames.WithIndexes + ". An index outside the input plane gives NaN (the CPU version throws).", new[] { idx, Image("x", "input"), Grid("y", "output", true) },
                    new Step(OpenClProgram.MaxPoolWithIndexes, "indexes", "x", "y"));
                break;
            }

            case OperatorKind.AvgPool2d:
            {
                Buffer[] fwd = ForwardBuffers();
                string divisor = s.CountIncludePad ? "KH·KW (padding counts)" : "the number of window cells inside the image";
                Method(s, program, w, "Forward", "Average pooling, as " + m + ": y is the mean of each window, dividing by " + divisor + ".", fwd,
                    new Step(OpenClProgram.AvgPool, fwd.Select(b => b.Name).ToArray()));
                Method(s, program, w, GeneratedNames.Backward, "The gradient of the input, as " + m + GeneratedNames.Backward + ": each gy, divided as in the forward, is spread over its window.", new[] { Grid("gy", "gradient of y"), Image("gx", "gradient of x", true) },
                    new Step(OpenClProgram.AvgPoolBackward, "gy", "gx"));
                break;
            }

            case OperatorKind.Im2col:
            case OperatorKind.Col2im:
            {
                bool isIm2col = s.Kind == OperatorKind.Im2col;
                Buffer[] fwd = ForwardBuffers();
                Buffer cols = new("gcol", !isIm2col, false, Dims(s, TensorShape.Columns), "gradient of col" + Layout(s));
                Buffer image = Image("gx", "gradient of x", isIm2col);
                Method(s, program, w, "Forward", (isIm2col ? "im2col" : "col2im") + Layout(s) + ", as " + m + ".", fwd,
                    new Step(isIm2col ? OpenClProgram.Im2col : OpenClProgram.Col2im, fwd.Select(b => b.Name).ToArray()));
                Method(s, program, w, GeneratedNames.Backward, (isIm2col ? "The gradient of the input: col2im of gcol" : "The gradient of the columns: im2col of gx") + ", as " + m + GeneratedNames.Backward + ".", isIm2col ? new[] { cols, image } : new[] { image, cols },
                    new Step(isIm2col ? OpenClProgram.Col2im : OpenClProgram.Im2col, isIm2col ? new[] { "gcol", "gx" } : new[] { "gx", "gcol" }));
                break;
            }
        }
    }

    /// <summary>The weight gradient: one kernel, or with K slices the slice kernel into scratch and the ordered sum.</summary>
    private static Step[] WeightGradientSteps(OpenClProgram program, string image, string grid, string output)
        => program.WeightGradientSplits > 1
            ? new[] { new Step(OpenClProgram.WeightGradient, image, grid, Partial), new Step(OpenClProgram.WeightGradientSum, Partial, output) }
            : new[] { new Step(OpenClProgram.WeightGradient, image, grid, output) };

    private static string Kind(OperatorSpec s) => s.Kind switch
    {
        OperatorKind.Conv2d => "conv2d",
        OperatorKind.Deconv2d => "deconv2d",
        OperatorKind.Conv2dGradW => "conv2d weight gradient",
        OperatorKind.MaxPool2d => "max pooling",
        OperatorKind.AvgPool2d => "average pooling",
        OperatorKind.Im2col => "im2col",
        _ => "col2im",
    };

    private static string Strategy(OperatorSpec s, OpenClProgram program) => s.Kind switch
    {
        OperatorKind.Conv2d or OperatorKind.Deconv2d or OperatorKind.Conv2dGradW => program.Direct
            ? "The problem is tiny, so each output of a convolution kernel is summed by one work-item."
            : "The convolutions are tiled implicit GEMMs (local memory, register blocks); the comments in Source say how.",
        _ => "Each output element is computed by one work-item; gradients are gathers, so no atomics.",
    };

    private static string Layout(OperatorSpec s) => s.ToMatrix ? " (to_matrix layout (N·OH·OW)×(C·KH·KW))" : " (layout N×C×KH×KW×OH×OW)";

    private static int[] Dims(OperatorSpec s, TensorShape shape) => OperatorSignature.Dimensions(s.Kind, s.Geometry, shape, s.ToMatrix);

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
