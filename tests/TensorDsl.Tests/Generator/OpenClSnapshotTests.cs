using System.Linq;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>
/// The generated OpenCL file (kernels and launch methods) of representative declarations, compared with accepted
/// snapshots. Accept changes with TENSORDSL_ACCEPT_SNAPSHOTS=1 and review the diff.
/// </summary>
public class OpenClSnapshotTests
{
    private static void VerifyOpenCl(string declarations, string name)
    {
        string source = "using System;\nusing TensorDsl;\nnamespace Demo;\n\n" + declarations;
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Assert.Empty(result.All);
        string generated = string.Join("\n// ----\n", result.Sources.Where(s => s.Key.EndsWith(".TensorDsl.OpenCL.g.cs", System.StringComparison.Ordinal)).OrderBy(s => s.Key).Select(s => "// " + s.Key + "\n" + s.Value));
        Assert.NotEmpty(generated);
        Snapshot.Verify(generated, name);
    }

    [Fact]
    public void Conv2d_float_tiled()
        => VerifyOpenCl("""
            public static partial class Ops
            {
                [Conv2d(Batch = 8, InChannels = 3, Height = 32, Width = 32, OutChannels = 16, Kernel = 3, Stride = 1, Pad = 1)]
                public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """, "Conv2d");

    [Fact]
    public void Conv2d_double_strided_without_bias()
        => VerifyOpenCl("""
            public static partial class Ops
            {
                [Conv2d(Batch = 2, InChannels = 4, Height = 9, Width = 10, OutChannels = 6, KernelHeight = 3, KernelWidth = 5, StrideHeight = 2, StrideWidth = 3, PadHeight = 1, PadWidth = 2, Bias = false)]
                public static partial void ConvD(ReadOnlySpan<double> input, ReadOnlySpan<double> weights, Span<double> output);
            }
            """, "Conv2dDouble");

    [Fact]
    public void Deconv2d_with_output_padding()
        => VerifyOpenCl("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 4, InChannels = 16, Height = 8, Width = 8, OutChannels = 3, Kernel = 4, Stride = 2, Pad = 1, OutputPadding = 1)]
                public static partial void Up(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """, "Deconv2d");

    [Fact]
    public void Max_pool()
        => VerifyOpenCl("""
            public static partial class Ops
            {
                [MaxPool2d(Batch = 8, Channels = 16, Height = 33, Width = 31, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void Pool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);
            }
            """, "MaxPool");

    [Fact]
    public void Avg_pool_without_padding_in_the_divisor()
        => VerifyOpenCl("""
            public static partial class Ops
            {
                [AvgPool2d(Batch = 2, Channels = 3, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1, CountIncludePad = false)]
                public static partial void Avg(ReadOnlySpan<double> x, Span<double> y);
            }
            """, "AvgPool");

    [Fact]
    public void Im2col_and_col2im()
        => VerifyOpenCl("""
            public static partial class Ops
            {
                [Im2col(Batch = 2, Channels = 3, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void ToColumns(ReadOnlySpan<float> x, Span<float> col);

                [Col2im(Batch = 2, Channels = 3, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1, ToMatrix = false)]
                public static partial void ToImage(ReadOnlySpan<float> col, Span<float> x);
            }
            """, "Im2col");

    [Fact]
    public void Conv2d_weight_gradient_operator()
        => VerifyOpenCl("""
            public static partial class Ops
            {
                [Conv2dGradW(Batch = 1, InChannels = 2, Height = 5, Width = 5, OutChannels = 3, Kernel = 3)]
                public static partial void GradW(ReadOnlySpan<double> x, ReadOnlySpan<double> gy, Span<double> gw);
            }
            """, "Conv2dGradW");
}
