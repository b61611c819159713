using System;
using System.Text.RegularExpressions;
using TensorDsl.OpenCL;
using TensorDsl.Tests.Operators;
using TensorDsl.Tests.Reference;
using Xunit;
using static TensorDsl.Tests.OpenCL.Operators.OpenClOperatorSupport;

namespace TensorDsl.Tests.OpenCL.Operators;

/// <summary>
/// The launch methods around the kernels: argument checks, runtimes, work-group sizes the device accepts, the
/// program text, and determinism.
/// </summary>
[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public sealed class OpenClLaunchTests
{
    [Fact]
    public void Wrong_length_names_parameter_shape_and_length()
    {
        using OpenClBuffer<double> x = DeviceRuntime.Allocate<double>(15), w = DeviceRuntime.Allocate<double>(4), b = DeviceRuntime.Allocate<double>(1), y = DeviceRuntime.Allocate<double>(9);
        ArgumentException e = Assert.Throws<ArgumentException>(() => SeedOperators.Conv4x4OpenCL.Forward(x, w, b, y));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("16", e.Message, StringComparison.Ordinal);
        Assert.Contains("1×1×4×4", e.Message, StringComparison.Ordinal);
        Assert.Contains("15", e.Message, StringComparison.Ordinal);

        using OpenClBuffer<float> gy = DeviceRuntime.Allocate<float>(OpenClOperators.ConvShape.YLength), gb = DeviceRuntime.Allocate<float>(6);
        ArgumentException bias = Assert.Throws<ArgumentException>(() => OpenClOperators.ConvOpenCL.BackwardBias(gy, gb));
        Assert.Equal("gb", bias.ParamName);
        Assert.Contains("(shape 5)", bias.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_buffer_is_rejected_by_name()
    {
        using OpenClBuffer<float> x = DeviceRuntime.Allocate<float>(OpenClOperators.MaxPoolShape.XLength);
        using OpenClBuffer<int> indexes = DeviceRuntime.Allocate<int>(OpenClOperators.MaxPoolShape.IndexesLength);
        ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => OpenClOperators.MaxPoolOpenCL.Forward(x, null!, indexes));
        Assert.Equal("y", e.ParamName);
        ArgumentNullException first = Assert.Throws<ArgumentNullException>(() => OpenClOperators.MaxPoolOpenCL.Forward(null!, null!, indexes));
        Assert.Equal("x", first.ParamName);
    }

    [Fact]
    public void An_output_may_not_alias_an_input()
    {
        using OpenClBuffer<float> same = DeviceRuntime.Allocate<float>(OpenClOperators.AvgPoolShape.XLength);
        using OpenClBuffer<float> other = DeviceRuntime.Allocate<float>(OpenClOperators.AvgPoolShape.XLength);
        // x and y have different lengths here, so alias two same-length buffers: gy and gx of a stride-1 pooling are both 2×3×7×6.
        ArgumentException e = Assert.Throws<ArgumentException>(() => OpenClOperators.AvgPoolOpenCL.Backward(same, same));
        Assert.Equal("gx", e.ParamName);
        Assert.Contains("same buffer", e.Message, StringComparison.Ordinal);
        OpenClOperators.AvgPoolOpenCL.Backward(same, other);
    }

    [Fact]
    public void Buffers_of_another_runtime_are_rejected_and_an_explicit_runtime_is_used()
    {
        using OpenClRuntime separate = OpenClRuntime.Create(DeviceRuntime.Device);
        double[] input = TestData.Arange(16);
        using OpenClBuffer<double> x = separate.Upload<double>(input), w = separate.Upload<double>(TestData.Filled(4, 1)), b = separate.Upload<double>(new double[] { 3 }), y = separate.Allocate<double>(9);
        using OpenClBuffer<double> sharedY = DeviceRuntime.Allocate<double>(9);

        // DeviceRuntime taken from the buffers when none is given; passed explicitly it must match them.
        SeedOperators.Conv4x4OpenCL.Forward(x, w, b, y);
        Assert.Equal(new double[] { 13, 17, 21, 29, 33, 37, 45, 49, 53 }, y.ToArray());
        y.Clear();
        SeedOperators.Conv4x4OpenCL.Forward(x, w, b, y, separate);
        Assert.Equal(new double[] { 13, 17, 21, 29, 33, 37, 45, 49, 53 }, y.ToArray());

        ArgumentException mixed = Assert.Throws<ArgumentException>(() => SeedOperators.Conv4x4OpenCL.Forward(x, w, b, sharedY));
        Assert.Equal("y", mixed.ParamName);
        ArgumentException wrongRuntime = Assert.Throws<ArgumentException>(() => SeedOperators.Conv4x4OpenCL.Forward(x, w, b, y, DeviceRuntime));
        Assert.Equal("x", wrongRuntime.ParamName);
    }

    [Fact]
    public void Every_kernel_accepts_its_generated_work_group_size()
    {
        foreach (string source in new[]
        {
            OpenClOperators.ConvOpenCL.Source, OpenClOperators.ConvWideOpenCL.Source, OpenClOperators.ConvDoubleOpenCL.Source,
            OpenClOperators.DeconvOpenCL.Source, OpenClOperators.DeconvDoubleOpenCL.Source, OpenClOperators.GradWDoubleOpenCL.Source,
            OpenClOperators.MaxPoolOpenCL.Source, OpenClOperators.AvgPoolOpenCL.Source, OpenClOperators.Im2colMatrixOpenCL.Source,
        })
        {
            foreach (Match kernel in Regex.Matches(source, @"reqd_work_group_size\((\w+), (\w+), 1\)\)\)\s*void (\w+)\("))
            {
                int local = Size(source, kernel.Groups[1].Value, kernel.Index) * Size(source, kernel.Groups[2].Value, kernel.Index);
                Assert.InRange(local, 1, 256);
                OpenClKernel compiled = DeviceRuntime.GetKernel(source, kernel.Groups[3].Value);
                Assert.True(compiled.WorkGroupSize >= local, $"{kernel.Groups[3].Value}: work-group {local} but the device allows {compiled.WorkGroupSize}.");
            }
        }

        // A literal, or the value of the last #define of that name before the kernel.
        static int Size(string source, string token, int before)
        {
            if (int.TryParse(token, out int literal))
            {
                return literal;
            }

            int at = source.LastIndexOf("#define " + token + " ", before, StringComparison.Ordinal);
            Assert.True(at >= 0, $"No #define {token}.");
            int start = at + ("#define " + token + " ").Length;
            return int.Parse(source.AsSpan(start, source.IndexOf('\n', start) - start));
        }
    }

    [Fact]
    public void Programs_state_their_precision()
    {
        Assert.StartsWith("#pragma OPENCL EXTENSION cl_khr_fp64 : enable", OpenClOperators.ConvDoubleOpenCL.Source.TrimStart(), StringComparison.Ordinal);
        Assert.DoesNotContain("double", OpenClOperators.ConvOpenCL.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("cl_khr_fp64", OpenClOperators.ConvOpenCL.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Declarations_exercise_both_convolution_forms()
    {
        // Tiled implicit GEMMs (with split weight gradients where stated) and the one-work-item form for tiny problems.
        foreach (string tiled in new[]
        {
            OpenClOperators.ConvOpenCL.Source, OpenClOperators.ConvStridedOpenCL.Source, OpenClOperators.ConvWideOpenCL.Source,
            OpenClOperators.ConvDoubleOpenCL.Source, OpenClOperators.DeconvOpenCL.Source, OpenClOperators.DeconvDoubleOpenCL.Source,
            OpenClOperators.DeconvSparseOpenCL.Source, OpenClOperators.GradWOpenCL.Source, OpenClOperators.GradWDoubleOpenCL.Source,
        })
        {
            Assert.Equal(3, Regex.Matches(tiled, "Implicit GEMM|dense implicit GEMM").Count);
        }

        Assert.Contains("K_SLICE", OpenClOperators.ConvWideOpenCL.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("K_SLICE", OpenClOperators.ConvOpenCL.Source, StringComparison.Ordinal);
        foreach (string direct in new[] { OpenClOperators.ConvTinyOpenCL.Source, SeedOperators.DeconvOpenCL.Source, SeedOperators.GradWOpenCL.Source, SeedOperators.Conv4x4OpenCL.Source })
        {
            Assert.DoesNotContain("__local", direct, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Launches_from_several_threads_do_not_interfere()
    {
        // Each thread has its own buffers; the split weight gradient's scratch buffer is per launch.
        int xLength = OpenClOperators.ConvWideShape.XLength, yLength = OpenClOperators.ConvWideShape.YLength, wLength = OpenClOperators.ConvWideShape.WLength;
        float[][] results = new float[4][];
        System.Threading.Tasks.Parallel.For(0, 4, i =>
        {
            using OpenClBuffer<float> x = DeviceRuntime.Upload<float>(TestData.RandomSingle(xLength, 321 + (i % 2))), gy = DeviceRuntime.Upload<float>(TestData.RandomSingle(yLength, 331 + (i % 2)));
            using OpenClBuffer<float> gw = DeviceRuntime.Allocate<float>(wLength);
            for (int repeat = 0; repeat < 3; repeat++)
            {
                OpenClOperators.ConvWideOpenCL.BackwardWeight(x, gy, gw);
            }

            results[i] = gw.ToArray();
        });
        Assert.Equal(results[0], results[2]);
        Assert.Equal(results[1], results[3]);
        Assert.NotEqual(results[0], results[1]);
    }

    [Fact]
    public void Results_are_bitwise_repeatable()
    {
        int yLength = OpenClOperators.ConvWideShape.YLength, wLength = OpenClOperators.ConvWideShape.WLength, xLength = OpenClOperators.ConvWideShape.XLength;
        using OpenClBuffer<float> x = DeviceRuntime.Upload<float>(TestData.RandomSingle(xLength, 301)), w = DeviceRuntime.Upload<float>(TestData.RandomSingle(wLength, 302));
        using OpenClBuffer<float> b = DeviceRuntime.Upload<float>(TestData.RandomSingle(70, 303)), gy = DeviceRuntime.Upload<float>(TestData.RandomSingle(yLength, 304));
        using OpenClBuffer<float> y1 = DeviceRuntime.Allocate<float>(yLength), y2 = DeviceRuntime.Allocate<float>(yLength);
        using OpenClBuffer<float> gx1 = DeviceRuntime.Allocate<float>(xLength), gx2 = DeviceRuntime.Allocate<float>(xLength), gw1 = DeviceRuntime.Allocate<float>(wLength), gw2 = DeviceRuntime.Allocate<float>(wLength);
        using OpenClBuffer<float> gb1 = DeviceRuntime.Allocate<float>(70), gb2 = DeviceRuntime.Allocate<float>(70);
        OpenClOperators.ConvWideOpenCL.Forward(x, w, b, y1);
        OpenClOperators.ConvWideOpenCL.Backward(x, w, gy, gx1, gw1, gb1);
        OpenClOperators.ConvWideOpenCL.Forward(x, w, b, y2);
        OpenClOperators.ConvWideOpenCL.Backward(x, w, gy, gx2, gw2, gb2);
        Assert.Equal(y1.ToArray(), y2.ToArray());
        Assert.Equal(gx1.ToArray(), gx2.ToArray());
        Assert.Equal(gw1.ToArray(), gw2.ToArray());
        Assert.Equal(gb1.ToArray(), gb2.ToArray());
    }

    [Fact]
    public void Launches_chain_on_the_queue_without_waiting()
    {
        // Forward then backward then a second forward on the gradient, with only the final download waiting.
        WindowCase c = new(2, 3, 7, 6, 3, 3, 1, 1, 1, 1, 7, 6);
        double[] x = TestData.Random(c.X.Length, 311);
        using OpenClBuffer<float> dx = DeviceRuntime.Upload<float>(TestData.ToSingle(x)), y = DeviceRuntime.Allocate<float>(c.Y.Length), gx = DeviceRuntime.Allocate<float>(c.X.Length), z = DeviceRuntime.Allocate<float>(c.Y.Length);
        OpenClOperators.AvgPoolOpenCL.Forward(dx, y);
        OpenClOperators.AvgPoolOpenCL.Backward(y, gx);
        OpenClOperators.AvgPoolOpenCL.Forward(gx, z);
        double[] xs = TestData.ToDouble(TestData.ToSingle(x));
        double[] expected = NaiveOps.AvgPool2d(NaiveOps.AvgPool2dBackward(NaiveOps.AvgPool2d(xs, c.X, 3, 3, 1, 1, 1, 1, true), c.X, 3, 3, 1, 1, 1, 1, true), c.X, 3, 3, 1, 1, 1, 1, true);
        double[] scale = NaiveOps.AvgPool2d(NaiveOps.AvgPool2dBackward(NaiveOps.AvgPool2d(Abs(xs), c.X, 3, 3, 1, 1, 1, 1, true), c.X, 3, 3, 1, 1, 1, 1, true), c.X, 3, 3, 1, 1, 1, 1, true);
        AssertClose(expected, scale, TestData.ToDouble(z.ToArray()), 3 * FloatTolerance, "avg pool, its backward, avg pool again");
    }
}
