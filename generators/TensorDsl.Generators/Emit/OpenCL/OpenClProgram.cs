using System.Collections.Generic;
using System.Linq;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.OpenCL;

/// <summary>
/// The OpenCL C program of one operator, specialized to its fixed shapes, and how each of its kernels is launched.
/// One program holds every direction of the operator (forward and gradients); it is compiled once per runtime.
/// <para>
/// Vocabulary (as <see cref="WindowGeometry"/>): the <em>image</em> is the large N×IC×IH×IW tensor a window slides
/// over, the <em>grid</em> has one cell per window position, N×GC×GH×GW, and weights are GC×IC×KH×KW. Window cell
/// (o, k) reads image row o·SH − PH + k. Three kernels cover every convolution direction: correlate (image → grid,
/// conv2d), scatter (grid → image, deconv2d, written as a gather over the image) and weight_gradient (image and grid
/// → weights, Conv2DGradW).
/// </para>
/// </summary>
internal sealed partial class OpenClProgram
{
    public const string Correlate = "correlate";
    public const string Scatter = "scatter";
    public const string WeightGradient = "weight_gradient";
    public const string WeightGradientSum = "weight_gradient_sum";
    public const string BiasGradient = "bias_gradient";
    public const string MaxPool = "max_pool";
    public const string MaxPoolBackward = "max_pool_backward";
    public const string MaxPoolWithIndexes = "max_pool_with_indexes";
    public const string AvgPool = "avg_pool";
    public const string AvgPoolBackward = "avg_pool_backward";
    public const string Im2col = "im2col";
    public const string Col2im = "col2im";

    private readonly OperatorSpec _s;
    private readonly WindowGeometry _g;
    private readonly IndentedWriter _w = new();
    private readonly Dictionary<string, KernelLaunch> _launches = new();

    private OpenClProgram(OperatorSpec spec)
    {
        _s = spec;
        _g = spec.Geometry;
    }

    /// <summary>The OpenCL C source.</summary>
    public string Source { get; private set; } = string.Empty;

    /// <summary>The launch of every kernel, by name.</summary>
    public IReadOnlyDictionary<string, KernelLaunch> Launches => _launches;

    /// <summary>How many K slices the weight gradient is split into (1: written directly, no scratch buffer).</summary>
    public int WeightGradientSplits { get; private set; } = 1;

    /// <summary>Elements of the weight gradient's scratch buffer (slices × weight length), 0 without slices.</summary>
    public int PartialLength => WeightGradientSplits > 1 ? WeightGradientSplits * WeightLength : 0;

    /// <summary>Whether the convolution kernels are the one-work-item-per-output form (tiny problems).</summary>
    public bool Direct { get; private set; }

    private int WeightLength => _g.GridChannels * _g.ImageChannels * _g.KernelArea;

    private bool IsDouble => _s.Element == ElementKind.Double;

    private bool IsConvolution => _s.Kind is OperatorKind.Conv2d or OperatorKind.Deconv2d or OperatorKind.Conv2dGradW;

    public static OpenClProgram Build(OperatorSpec spec)
    {
        OpenClProgram program = new(spec);
        program.Write();
        return program;
    }

    private void Write()
    {
        WindowGeometry g = _g;
        if (IsDouble)
        {
            _w.Line("#pragma OPENCL EXTENSION cl_khr_fp64 : enable");
        }

        string owner = SourceFile.Describe(_s);
        _w.Line("// TensorDsl OpenCL program for " + (owner.Length > 0 ? owner + "." : string.Empty) + _s.MethodName + ": " + KindText() + " (" + _s.ElementType + "), " + Tensors() + ".");
        _w.Line("// Generated at build time; every size is a constant. Image side: " + ImageRole() + ", N x IC x IH x IW. Grid side: " + GridRole() + ",");
        _w.Line("// N x GC x GH x GW, one cell per window position." + (IsConvolution ? " Weights GC x IC x KH x KW." : string.Empty) + " Window row o, kernel row k reads image row o*SH - PH + k.");
        _w.Line("// Every output element is written by exactly one work-item, summing in a fixed order: results are deterministic.");
        _w.Line("typedef " + _s.ElementType + " real;");
        _w.Line("#define BATCH " + N(g.Batch));
        _w.Line("#define IC " + N(g.ImageChannels));
        _w.Line("#define IH " + N(g.ImageHeight));
        _w.Line("#define IW " + N(g.ImageWidth));
        _w.Line("#define IP (IH * IW)");
        _w.Line("#define GC " + N(g.GridChannels));
        _w.Line("#define GH " + N(g.GridHeight));
        _w.Line("#define GW " + N(g.GridWidth));
        _w.Line("#define GP (GH * GW)");
        _w.Line("#define KH " + N(g.KernelHeight));
        _w.Line("#define KW " + N(g.KernelWidth));
        _w.Line("#define KA (KH * KW)");
        _w.Line("#define SH " + N(g.StrideHeight));
        _w.Line("#define SW " + N(g.StrideWidth));
        _w.Line("#define PH " + N(g.PadHeight));
        _w.Line("#define PW " + N(g.PadWidth));
        _w.Line();

        long macs = (long)g.Batch * g.GridChannels * g.GridPlane * g.ImageChannels * g.KernelArea;
        Direct = macs < Gemm.DirectThreshold;
        switch (_s.Kind)
        {
            case OperatorKind.Conv2d:
                WriteCorrelate(_s.HasBias);
                WriteScatter(bias: false);
                WriteWeightGradient();
                WriteBiasGradient(g.GridChannels, "GC", "GP", "the grid");
                break;
            case OperatorKind.Deconv2d:
                WriteScatter(_s.HasBias);
                WriteCorrelate(bias: false);
                WriteWeightGradient();
                WriteBiasGradient(g.ImageChannels, "IC", "IP", "the image");
                break;
            case OperatorKind.Conv2dGradW:
                WriteWeightGradient();
                WriteScatter(bias: false);
                WriteCorrelate(bias: false);
                break;
            case OperatorKind.MaxPool2d:
                WriteMaxPool();
                WriteMaxPoolBackward();
                WriteMaxPoolWithIndexes();
                break;
            case OperatorKind.AvgPool2d:
                WriteAvgPool();
                WriteAvgPoolBackward();
                break;
            case OperatorKind.Im2col:
            case OperatorKind.Col2im:
                WriteIm2col();
                WriteCol2im();
                break;
        }

        Source = _w.ToString().TrimEnd('\n') + "\n";
    }

    private void Add(KernelLaunch launch) => _launches.Add(launch.Name, launch);

    private string KindText() => _s.Kind switch
    {
        OperatorKind.Conv2d => "conv2d",
        OperatorKind.Deconv2d => "deconv2d",
        OperatorKind.Conv2dGradW => "conv2d weight gradient",
        OperatorKind.MaxPool2d => "max pooling",
        OperatorKind.AvgPool2d => "average pooling" + (_s.CountIncludePad ? " (padding counts)" : " (padding does not count)"),
        OperatorKind.Im2col => "im2col" + (_s.ToMatrix ? " (matrix layout)" : " (6-D layout)"),
        _ => "col2im" + (_s.ToMatrix ? " (matrix layout)" : " (6-D layout)"),
    };

    private string ImageRole() => _s.Kind switch
    {
        OperatorKind.Deconv2d => "y",
        _ => "x",
    };

    private string GridRole() => _s.Kind switch
    {
        OperatorKind.Deconv2d => "x",
        OperatorKind.Conv2dGradW => "gy",
        OperatorKind.Im2col or OperatorKind.Col2im => "the window positions of col",
        _ => "y",
    };

    private string Tensors()
    {
        IReadOnlyList<TensorRole> roles = OperatorSignature.For(_s.Kind, _s.HasBias);
        return string.Join(", ", roles.Select(r => r.Name + " " + string.Join("x", OperatorSignature.Dimensions(_s.Kind, _g, r.Shape, _s.ToMatrix).Select(d => N(d)))));
    }
}
