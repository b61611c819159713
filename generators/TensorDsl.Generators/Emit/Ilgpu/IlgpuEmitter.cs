using System.Collections.Generic;
using System.Linq;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.Ilgpu;

/// <summary>
/// Writes, for every operator of one declaring type, static ILGPU kernel methods and a typed wrapper (a nested
/// <c>{Name}Ilgpu</c> class) that loads them on an Accelerator. Runs only when the compilation references ILGPU.
/// </summary>
/// <remarks>
/// Every kernel is implicitly grouped over <c>Index1D</c> with one work-item per element of its output, so no two
/// work-items write the same element and no atomics are needed: the scatters of the CPU target (transposed
/// convolution, col2im, the pooling gradients) are written as gathers over the output. Each work-item sums in the
/// same order as the CPU job does for that element. Sizes are <c>const int</c>s of the class, so the kernel code has
/// no shape arguments. The kernel code uses only what ILGPU compiles: loops, integer arithmetic, constants,
/// <c>ArrayView&lt;T&gt;</c> indexing and <c>float.IsNaN</c>/<c>double.IsNaN</c>; no throws, spans or allocations.
/// </remarks>
internal static partial class IlgpuEmitter
{
    /// <summary>Metadata name whose presence in the compilation means ILGPU is referenced.</summary>
    public const string DetectionType = "ILGPU.Runtime.Accelerator";

    private const string IndexType = "global::ILGPU.Index1D";
    private const string AcceleratorType = "global::ILGPU.Runtime.Accelerator";
    private const string Loaders = "global::ILGPU.Runtime.KernelLoaders";

    /// <summary>The whole file for the declaring type, or null when there is nothing to write.</summary>
    public static string? Emit(IReadOnlyList<OperatorSpec> specs)
    {
        if (specs.Count == 0)
        {
            return null;
        }

        string members = SourceFile.Members(specs, EmitOperator);
        return SourceFile.Write(specs[0], members, string.Empty);
    }

    /// <summary>One kernel method: its name, summary, arguments (after the index) and the tensor it writes one element of per work-item.</summary>
    private sealed record KernelDef(string Name, string Summary, TensorParameter[] Args, TensorParameter Output, System.Action<IndentedWriter> Body);

    /// <summary>One kernel launch of a wrapper method, with the wrapper's parameter names passed as the kernel's arguments.</summary>
    private sealed record Launch(KernelDef Kernel, string[] Arguments);

    /// <summary>A typed method of the wrapper: its name, parameters and the kernels it launches in order.</summary>
    private sealed record Direction(string Name, string Summary, TensorParameter[] Parameters, Launch[] Launches);

    private static void EmitOperator(OperatorSpec s, IndentedWriter w)
    {
        (List<KernelDef> kernels, List<Direction> directions) = Plan(s);
        WindowGeometry g = s.Geometry;
        string m = s.MethodName;
        string cls = m + GeneratedNames.Ilgpu;
        IReadOnlyList<TensorRole> roles = OperatorSignature.For(s.Kind, s.HasBias);
        string tensors = string.Join(", ", roles.Select(r => r.Name + " " + OperatorSignature.Describe(Dims(s, r.Shape))));

        w.Line("/// <summary>");
        w.Line("/// ILGPU kernels of <c>" + m + "</c> for its fixed shapes (" + tensors + "), every direction, and");
        w.Line("/// <see cref=\"" + cls + ".Kernels\"/>, which loads them on an accelerator and launches them with checked lengths.");
        w.Line("/// Each kernel runs one work-item per element of its output and sums in a fixed order, without atomics.");
        w.Line("/// </summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public static class " + cls))
        {
            w.Line("private const int Batch = " + N(g.Batch) + ";");
            w.Line("private const int ImageChannels = " + N(g.ImageChannels) + ", ImageHeight = " + N(g.ImageHeight) + ", ImageWidth = " + N(g.ImageWidth) + ", ImagePlane = ImageHeight * ImageWidth;");
            w.Line("private const int GridChannels = " + N(g.GridChannels) + ", GridHeight = " + N(g.GridHeight) + ", GridWidth = " + N(g.GridWidth) + ", GridPlane = GridHeight * GridWidth;");
            w.Line("private const int KernelHeight = " + N(g.KernelHeight) + ", KernelWidth = " + N(g.KernelWidth) + ", KernelArea = KernelHeight * KernelWidth;");
            w.Line("private const int StrideHeight = " + N(g.StrideHeight) + ", StrideWidth = " + N(g.StrideWidth) + ", PadHeight = " + N(g.PadHeight) + ", PadWidth = " + N(g.PadWidth) + ";");
            if (s.Kind is OperatorKind.Im2col or OperatorKind.Col2im)
            {
                w.Line("private const int ColumnWidth = ImageChannels * KernelArea;");
            }

            foreach (KernelDef kernel in kernels)
            {
                w.Line();
                WriteKernel(s, w, kernel, directions);
            }

            w.Line();
            WriteWrapper(s, w, kernels, directions);
            w.Line();
            w.Line("/// <summary>Throws when a view does not hold exactly the elements of its fixed shape.</summary>");
            using (w.Open("private static void Check(long actual, int expected, string parameter, string shape)"))
            {
                using (w.Open("if (actual != expected)"))
                {
                    w.Line("throw new global::System.ArgumentException(\"'\" + parameter + \"' must hold \" + expected.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + \" elements (shape \" + shape + \") but has \" + actual.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + \".\", parameter);");
                }
            }
        }
    }

    private static void WriteKernel(OperatorSpec s, IndentedWriter w, KernelDef kernel, List<Direction> directions)
    {
        Direction? owner = directions.FirstOrDefault(d => d.Launches.Any(l => l.Kernel == kernel));
        w.Line("/// <summary>");
        w.Line("/// " + Xml(kernel.Summary));
        w.Line("/// Launch it implicitly grouped over " + N(kernel.Output.Length) + " work-items, one per element of " + kernel.Output.Name + (owner is null ? "." : ", as <see cref=\"Kernels." + owner.Name + "\"/> does."));
        w.Line("/// </summary>");
        w.Line("/// <param name=\"index\">The element of " + kernel.Output.Name + " that this work-item computes.</param>");
        foreach (TensorParameter p in kernel.Args)
        {
            w.Line("/// <param name=\"" + p.Name + "\">" + Xml(p.Meaning) + ", " + p.Shape + (p.ReadOnly ? string.Empty : " (written)") + ".</param>");
        }

        string parameters = string.Join(", ", kernel.Args.Select(p => View(s, p) + " " + p.Name));
        using (w.Open("public static void " + kernel.Name + "(" + IndexType + " index, " + parameters + ")"))
        {
            w.Line("int i = index.X;");
            kernel.Body(w);
        }
    }

    private static void WriteWrapper(OperatorSpec s, IndentedWriter w, List<KernelDef> kernels, List<Direction> directions)
    {
        string m = s.MethodName;
        w.Line("/// <summary>");
        w.Line("/// The kernels of <c>" + m + "</c> loaded on one accelerator: the constructor compiles each kernel once and");
        w.Line("/// keeps its launcher. Every method checks the lengths of its views and launches on the accelerator's default");
        w.Line("/// stream; launches are asynchronous, so synchronize the accelerator (or copy a result back) before reading.");
        w.Line("/// Like the accelerator itself, an instance is not safe to use from several threads at once.");
        w.Line("/// </summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public sealed class Kernels"))
        {
            foreach (KernelDef kernel in kernels)
            {
                w.Line("private readonly " + Delegate(s, kernel) + " " + Field(kernel) + ";");
            }

            w.Line();
            w.Line("/// <summary>Compiles every kernel of <c>" + m + "</c> for <paramref name=\"accelerator\"/>.</summary>");
            w.Line("/// <param name=\"accelerator\">The ILGPU accelerator that runs the kernels and owns the views passed to them.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentNullException\"><paramref name=\"accelerator\"/> is null.</exception>");
            using (w.Open("public Kernels(" + AcceleratorType + " accelerator)"))
            {
                w.Line("this.Accelerator = accelerator ?? throw new global::System.ArgumentNullException(nameof(accelerator));");
                foreach (KernelDef kernel in kernels)
                {
                    string types = string.Join(", ", new[] { IndexType }.Concat(kernel.Args.Select(p => View(s, p))));
                    w.Line("this." + Field(kernel) + " = " + Loaders + ".LoadAutoGroupedStreamKernel<" + types + ">(accelerator, " + kernel.Name + ");");
                }
            }

            w.Line();
            w.Line("/// <summary>The accelerator the kernels were compiled for.</summary>");
            w.Line("public " + AcceleratorType + " Accelerator { get; }");
            foreach (Direction direction in directions)
            {
                w.Line();
                string cpu = m + (direction.Name == "Forward" ? string.Empty : direction.Name);
                w.Line("/// <summary>" + Xml(direction.Summary) + " CPU counterpart: <c>" + cpu + "</c>.</summary>");
                foreach (TensorParameter p in direction.Parameters)
                {
                    w.Line("/// <param name=\"" + p.Name + "\">" + Xml(p.Meaning) + ", " + p.Shape + (p.ReadOnly ? string.Empty : " (overwritten)") + ".</param>");
                }

                w.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length is not its shape's.</exception>");
                string parameters = string.Join(", ", direction.Parameters.Select(p => View(s, p) + " " + SourceFile.Id(p.Name)));
                using (w.Open("public void " + direction.Name + "(" + parameters + ")"))
                {
                    foreach (TensorParameter p in direction.Parameters)
                    {
                        w.Line(Qualified(s) + ".Check(" + SourceFile.Id(p.Name) + ".Length, " + N(p.Length) + ", \"" + p.Name + "\", \"" + p.Shape + "\");");
                    }

                    foreach (Launch launch in direction.Launches)
                    {
                        w.Line("this." + Field(launch.Kernel) + "(new " + IndexType + "(" + N(launch.Kernel.Output.Length) + "), " + string.Join(", ", launch.Arguments.Select(SourceFile.Id)) + ");");
                    }
                }
            }
        }
    }

    /// <summary>The kernels of an operator and the wrapper methods that launch them.</summary>
    private static (List<KernelDef> Kernels, List<Direction> Directions) Plan(OperatorSpec s)
    {
        WindowGeometry g = s.Geometry;
        List<KernelDef> kernels = new();
        List<Direction> directions = new();
        string m = s.MethodName;

        // The forward's parameters carry the user's names in the wrapper; its kernel keeps the conventional ones.
        IReadOnlyList<TensorRole> roles = OperatorSignature.For(s.Kind, s.HasBias);
        TensorParameter[] conventional = roles
            .Select(r => new TensorParameter(r.Name, r.Span == Declarations.SpanKind.ReadOnlySpan, r.IsIndex, Dims(s, r.Shape), r.Meaning))
            .ToArray();
        TensorParameter[] user = conventional.Select((p, i) => p with { Name = s.ParameterNames[i] }).ToArray();

        void Add(string name, string summary, TensorParameter[] parameters, KernelDef kernel)
        {
            kernels.Add(kernel);
            directions.Add(new Direction(name, summary, parameters, new[] { new Launch(kernel, parameters.Select(p => p.Name).ToArray()) }));
        }

        void Forward(string summary, System.Func<TensorParameter[], KernelDef> kernel)
        {
            KernelDef k = kernel(conventional);
            kernels.Add(k);
            directions.Add(new Direction("Forward", summary, user, new[] { new Launch(k, user.Select(p => p.Name).ToArray()) }));
        }

        TensorParameter Image(string name, string meaning, bool readOnly = true) => new(name, readOnly, false, Dims(s, TensorShape.Image), meaning);
        TensorParameter Grid(string name, string meaning, bool readOnly = true) => new(name, readOnly, false, Dims(s, TensorShape.Grid), meaning);
        TensorParameter Weight(string name, string meaning, bool readOnly = true) => new(name, readOnly, false, Dims(s, TensorShape.Weight), meaning);

        switch (s.Kind)
        {
            case OperatorKind.Conv2d:
            {
                TensorParameter wt = Weight("w", "weights, OC×C×KH×KW"), gy = Grid("gy", "gradient of y"), gx = Image("gx", "gradient of x", false);
                TensorParameter x = Image("x", "input, N×C×H×W"), gw = Weight("gw", "gradient of w", false), gb = new("gb", false, false, new[] { g.GridChannels }, "gradient of b");
                Forward("2-D convolution: y = conv2d(x, w)" + (s.HasBias ? " + b" : string.Empty) + ".", p => new KernelDef(
                    "ForwardKernel", "2-D convolution, y = conv2d(x, w)" + (s.HasBias ? " + b" : string.Empty) + ": one work-item per output element.", p, p[p.Length - 1],
                    k => Kernels.Correlate(s, k, p[0].Name, p[1].Name, s.HasBias ? p[2].Name : null, p[p.Length - 1].Name)));
                Add(GeneratedNames.BackwardInput, "The gradient of the input, gx = deconv2d(gy, w).", new[] { wt, gy, gx }, new KernelDef(
                    "BackwardInputKernel", "The gradient of the input, gx = deconv2d(gy, w), gathered per element of gx.", new[] { wt, gy, gx }, gx,
                    k => Kernels.TransposedGather(s, k, "gy", "w", null, "gx")));
                Add(GeneratedNames.BackwardWeight, "The gradient of the weights, gw = Conv2DGradW(x, gy).", new[] { x, gy, gw }, new KernelDef(
                    "BackwardWeightKernel", "The gradient of the weights, gw = Conv2DGradW(x, gy), summed over n, oh and ow per element of gw.", new[] { x, gy, gw }, gw,
                    k => Kernels.WeightGradient(s, k, "x", "gy", "gw")));
                Add(GeneratedNames.BackwardBias, "The gradient of the bias: gy summed over the batch and both spatial axes.", new[] { gy, gb }, new KernelDef(
                    "BackwardBiasKernel", "The gradient of the bias: gy summed over the batch and both spatial axes, per channel.", new[] { gy, gb }, gb,
                    k => Kernels.BiasGradient(s, k, "gy", "gb", "GridChannels", "GridPlane")));
                AddBackwardAll(s, directions, kernels, x, wt, gy, gx, gw, gb);
                break;
            }

            case OperatorKind.Deconv2d:
            {
                TensorParameter wt = Weight("w", "weights, C×OC×KH×KW"), gy = Image("gy", "gradient of y"), gx = Grid("gx", "gradient of x", false);
                TensorParameter x = Grid("x", "input, N×C×H×W"), gw = Weight("gw", "gradient of w", false), gb = new("gb", false, false, new[] { g.ImageChannels }, "gradient of b");
                Forward("2-D transposed convolution: y = deconv2d(x, w)" + (s.HasBias ? " + b" : string.Empty) + ".", p => new KernelDef(
                    "ForwardKernel", "2-D transposed convolution, y = deconv2d(x, w)" + (s.HasBias ? " + b" : string.Empty) + ", gathered per element of y.", p, p[p.Length - 1],
                    k => Kernels.TransposedGather(s, k, p[0].Name, p[1].Name, s.HasBias ? p[2].Name : null, p[p.Length - 1].Name)));
                Add(GeneratedNames.BackwardInput, "The gradient of the input, gx = conv2d(gy, w) with the same window.", new[] { wt, gy, gx }, new KernelDef(
                    "BackwardInputKernel", "The gradient of the input, gx = conv2d(gy, w): one work-item per element of gx.", new[] { wt, gy, gx }, gx,
                    k => Kernels.Correlate(s, k, "gy", "w", null, "gx")));
                Add(GeneratedNames.BackwardWeight, "The gradient of the weights, gw = Conv2DGradW(gy, x).", new[] { x, gy, gw }, new KernelDef(
                    "BackwardWeightKernel", "The gradient of the weights, gw = Conv2DGradW(gy, x), summed over n and the window positions per element of gw.", new[] { x, gy, gw }, gw,
                    k => Kernels.WeightGradient(s, k, "gy", "x", "gw")));
                Add(GeneratedNames.BackwardBias, "The gradient of the bias: gy summed over the batch and both spatial axes.", new[] { gy, gb }, new KernelDef(
                    "BackwardBiasKernel", "The gradient of the bias: gy summed over the batch and both spatial axes, per channel.", new[] { gy, gb }, gb,
                    k => Kernels.BiasGradient(s, k, "gy", "gb", "ImageChannels", "ImagePlane")));
                AddBackwardAll(s, directions, kernels, x, wt, gy, gx, gw, gb);
                break;
            }

            case OperatorKind.Conv2dGradW:
            {
                TensorParameter x = Image("x", "conv2d input"), gy = Grid("gy", "gradient of the conv2d output"), ggw = Weight("ggw", "gradient of gw");
                TensorParameter gx = Image("gx", "gradient of x", false), ggy = Grid("ggy", "gradient of gy", false);
                Forward("The conv2d weight gradient as an operator (DeZero's Conv2DGradW).", p => new KernelDef(
                    "ForwardKernel", "The conv2d weight gradient, gw = Σ over n, oh, ow of gy · x in the window, per element of gw.", p, p[2],
                    k => Kernels.WeightGradient(s, k, p[0].Name, p[1].Name, p[2].Name)));
                KernelDef toX = new("BackwardXKernel", "The gradient of x given ggw: gx = deconv2d(gy, ggw), gathered per element of gx.", new[] { gy, ggw, gx }, gx,
                    k => Kernels.TransposedGather(s, k, "gy", "ggw", null, "gx"));
                KernelDef toGy = new("BackwardGyKernel", "The gradient of gy given ggw: ggy = conv2d(x, ggw), one work-item per element of ggy.", new[] { x, ggw, ggy }, ggy,
                    k => Kernels.Correlate(s, k, "x", "ggw", null, "ggy"));
                kernels.Add(toX);
                kernels.Add(toGy);
                directions.Add(new Direction(GeneratedNames.Backward, "The gradients of gw = Conv2DGradW(x, gy) given ggw: gx = deconv2d(gy, ggw) and ggy = conv2d(x, ggw).",
                    new[] { x, gy, ggw, gx, ggy },
                    new[] { new Launch(toX, new[] { "gy", "ggw", "gx" }), new Launch(toGy, new[] { "x", "ggw", "ggy" }) }));
                break;
            }

            case OperatorKind.MaxPool2d:
            {
                TensorParameter x = Image("x", "input"), y = Grid("y", "output", false), gy = Grid("gy", "gradient of y"), gx = Image("gx", "gradient of x", false);
                TensorParameter idx = new("indexes", true, true, Dims(s, TensorShape.Grid), "argmax written by the forward");
                Forward("Max pooling: y is the largest value of each window and indexes its position h·W + w in the input plane. Padding never wins; ties go to the first maximum; a NaN wins (the last NaN's index).", p => new KernelDef(
                    "ForwardKernel", "Max pooling over one window per work-item: padding never wins, the first maximum in row-major order wins, a NaN wins (the last NaN's index, as PyTorch).", p, p[1],
                    k => Kernels.MaxPoolForward(s, k, p[0].Name, p[1].Name, p[2].Name)));
                Add(GeneratedNames.Backward, "The gradient of the input (DeZero's Pooling2DGrad): each gy is added at its window's argmax. Indexes must be the forward's; an index outside its own window is ignored.", new[] { idx, gy, gx }, new KernelDef(
                    "BackwardKernel", "Pooling2DGrad gathered per element of gx: the sum of gy over the windows that contain the element and whose index names it, in window order.", new[] { idx, gy, gx }, gx,
                    k => Kernels.MaxPoolBackward(s, k, "indexes", "gy", "gx")));
                Add(GeneratedNames.WithIndexes, "Reads x at the given argmax positions (DeZero's Pooling2DWithIndexes). An index outside the input plane gives NaN.", new[] { idx, x, y }, new KernelDef(
                    "WithIndexesKernel", "Pooling2DWithIndexes: each output element reads its plane of x at the given index (NaN for an index outside the plane).", new[] { idx, x, y }, y,
                    k => Kernels.MaxPoolWithIndexes(s, k, "indexes", "x", "y")));
                break;
            }

            case OperatorKind.AvgPool2d:
            {
                TensorParameter gy = Grid("gy", "gradient of y"), gx = Image("gx", "gradient of x", false);
                string divisor = s.CountIncludePad ? "KH·KW (padding counts)" : "the number of window cells inside the image (count_include_pad = false)";
                Forward("Average pooling: y is the mean of each window, dividing by " + divisor + ".", p => new KernelDef(
                    "ForwardKernel", "Average pooling over one window per work-item, dividing by " + divisor + ".", p, p[1],
                    k => Kernels.AvgPoolForward(s, k, p[0].Name, p[1].Name)));
                Add(GeneratedNames.Backward, "The gradient of the input: each gy, divided as in the forward, spread over its window.", new[] { gy, gx }, new KernelDef(
                    "BackwardKernel", "Average pooling's input gradient gathered per element of gx: the shares of the windows that contain it, in window order.", new[] { gy, gx }, gx,
                    k => Kernels.AvgPoolBackward(s, k, "gy", "gx")));
                break;
            }

            case OperatorKind.Im2col:
            {
                TensorParameter gcol = new("gcol", true, false, Dims(s, TensorShape.Columns), "gradient of col" + Layout(s)), gx = Image("gx", "gradient of x", false);
                Forward("im2col" + Layout(s) + ": every window's cells laid out as one row (zeros for padding).", p => new KernelDef(
                    "ForwardKernel", "im2col" + Layout(s) + ": one work-item per column entry (zero for padding).", p, p[1],
                    k => Kernels.Im2col(s, k, p[0].Name, p[1].Name)));
                Add(GeneratedNames.Backward, "The gradient of the input: col2im of gcol (the adjoint of im2col).", new[] { gcol, gx }, new KernelDef(
                    "BackwardKernel", "col2im" + Layout(s) + " gathered per element of gx: the column entries that read it, in kernel order.", new[] { gcol, gx }, gx,
                    k => Kernels.Col2im(s, k, "gcol", "gx")));
                break;
            }

            case OperatorKind.Col2im:
            {
                TensorParameter gx = Image("gx", "gradient of x"), gcol = new("gcol", false, false, Dims(s, TensorShape.Columns), "gradient of col" + Layout(s));
                Forward("col2im" + Layout(s) + ": every column entry added back at its image position (overlaps sum; padding entries dropped).", p => new KernelDef(
                    "ForwardKernel", "col2im" + Layout(s) + " gathered per image element: the column entries that read it, in kernel order.", p, p[1],
                    k => Kernels.Col2im(s, k, p[0].Name, p[1].Name)));
                Add(GeneratedNames.Backward, "The gradient of the columns: im2col of gx (the adjoint of col2im).", new[] { gx, gcol }, new KernelDef(
                    "BackwardKernel", "im2col" + Layout(s) + " of gx: one work-item per column entry (zero for padding).", new[] { gx, gcol }, gcol,
                    k => Kernels.Im2col(s, k, "gx", "gcol")));
                break;
            }
        }

        return (kernels, directions);
    }

    /// <summary>conv2d's and deconv2d's Backward: the input, weight and (with a bias) bias gradients from the kernels already planned.</summary>
    private static void AddBackwardAll(OperatorSpec s, List<Direction> directions, List<KernelDef> kernels, TensorParameter x, TensorParameter wt, TensorParameter gy, TensorParameter gx, TensorParameter gw, TensorParameter gb)
    {
        KernelDef input = kernels.Single(k => k.Name == "BackwardInputKernel");
        KernelDef weight = kernels.Single(k => k.Name == "BackwardWeightKernel");
        KernelDef bias = kernels.Single(k => k.Name == "BackwardBiasKernel");
        List<TensorParameter> parameters = new() { x, wt, gy, gx, gw };
        List<Launch> launches = new() { new Launch(input, new[] { "w", "gy", "gx" }), new Launch(weight, new[] { "x", "gy", "gw" }) };
        if (s.HasBias)
        {
            parameters.Add(gb);
            launches.Add(new Launch(bias, new[] { "gy", "gb" }));
        }

        directions.Add(new Direction(GeneratedNames.Backward, "All gradients of " + s.MethodName + " from x, w, gy: gx, gw" + (s.HasBias ? " and gb" : string.Empty) + ". Each part is also a method of its own.",
            parameters.ToArray(), launches.ToArray()));
    }

    /// <summary>
    /// The wrapper class by its full name, so that a user's parameter name (the forward keeps the user's names)
    /// can never hide the check helper.
    /// </summary>
    private static string Qualified(OperatorSpec s)
    {
        IEnumerable<string> parts = (s.Namespace.Length > 0 ? new[] { s.Namespace } : new string[0])
            .Concat(s.ContainingTypes.Select(t => t.Name))
            .Concat(new[] { s.MethodName + GeneratedNames.Ilgpu });
        return "global::" + string.Join(".", parts);
    }

    private static string Layout(OperatorSpec s) => s.ToMatrix ? " (to_matrix layout (N·OH·OW)×(C·KH·KW))" : " (layout N×C×KH×KW×OH×OW)";

    private static int[] Dims(OperatorSpec s, TensorShape shape) => OperatorSignature.Dimensions(s.Kind, s.Geometry, shape, s.ToMatrix);

    private static string View(OperatorSpec s, TensorParameter p) => "global::ILGPU.ArrayView<" + (p.IsIndex ? "int" : s.ElementType) + ">";

    private static string Delegate(OperatorSpec s, KernelDef kernel)
        => "global::System.Action<" + string.Join(", ", new[] { IndexType }.Concat(kernel.Args.Select(p => View(s, p)))) + ">";

    /// <summary>"ForwardKernel" → "_forward".</summary>
    private static string Field(KernelDef kernel)
    {
        string stem = kernel.Name.EndsWith("Kernel", System.StringComparison.Ordinal) ? kernel.Name.Substring(0, kernel.Name.Length - "Kernel".Length) : kernel.Name;
        return "_" + char.ToLowerInvariant(stem[0]) + stem.Substring(1);
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
