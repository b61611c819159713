using System.Linq;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>The generated source of representative declarations, compared with accepted snapshots.</summary>
public class SnapshotTests
{
    private static void VerifyGenerated(string declarations, string name)
    {
        string source = "using System;\nusing TensorDsl;\nnamespace Demo;\n\n" + declarations;
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Assert.Empty(result.All);
        // The OpenCL file has snapshots of its own (OpenClSnapshotTests).
        string generated = string.Join("\n// ----\n", result.Sources.Where(s => !s.Key.EndsWith(".TensorDsl.OpenCL.g.cs", System.StringComparison.Ordinal)).OrderBy(s => s.Key).Select(s => "// " + s.Key + "\n" + s.Value));
        Snapshot.Verify(generated, name);
    }

    [Fact]
    public void Readme_conv2d_example()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [Conv2d(Batch = 8, InChannels = 3, Height = 32, Width = 32, OutChannels = 16, Kernel = 3, Stride = 1, Pad = 1)]
                public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """, "Conv2d");

    [Fact]
    public void Deconv2d_with_output_padding()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 2, InChannels = 4, Height = 5, Width = 5, OutChannels = 3, Kernel = 3, Stride = 2, Pad = 1, OutputPadding = 1)]
                public static partial void Up(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """, "Deconv2d");

    [Fact]
    public void Conv2d_weight_gradient()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [Conv2dGradW(Batch = 2, InChannels = 3, Height = 8, Width = 8, OutChannels = 4, Kernel = 3, Pad = 1)]
                internal static partial void GradW(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gw);
            }
            """, "Conv2dGradW");

    [Fact]
    public void Max_pooling()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [MaxPool2d(Batch = 2, Channels = 3, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void Pool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);
            }
            """, "MaxPool2d");

    [Fact]
    public void Average_pooling_excluding_padding()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [AvgPool2d(Batch = 1, Channels = 2, Height = 5, Width = 5, Kernel = 3, Stride = 2, Pad = 1, CountIncludePad = false)]
                public static partial void Pool(ReadOnlySpan<double> x, Span<double> y);
            }
            """, "AvgPool2d");

    [Fact]
    public void Im2col_matrix_layout()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [Im2col(Batch = 2, Channels = 3, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void Columns(ReadOnlySpan<float> x, Span<float> col);
            }
            """, "Im2col");

    [Fact]
    public void Col2im_tensor_layout()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [Col2im(Batch = 1, Channels = 2, Height = 4, Width = 4, Kernel = 2, Stride = 1, ToMatrix = false)]
                public static partial void Image(ReadOnlySpan<double> col, Span<double> x);
            }
            """, "Col2im");

    [Fact]
    public void Double_conv2d_stride_2_non_square_kernel_without_bias()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 2, Height = 9, Width = 11, OutChannels = 3, KernelHeight = 3, KernelWidth = 5, Stride = 2, PadHeight = 1, PadWidth = 2, Bias = false)]
                public static partial void Conv(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);
            }
            """, "Conv2dDouble");

    [Fact]
    public void Instance_method_in_a_nested_struct_without_modifiers_with_keyword_names()
        => VerifyGenerated("""
            public partial class Net<T>
            {
                private partial struct Layer
                {
                    [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                    partial void @checked(ReadOnlySpan<float> @in, Span<float> @out);
                }
            }
            """, "NestedInstance");
}
