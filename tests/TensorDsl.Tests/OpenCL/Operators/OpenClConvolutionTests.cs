using System;
using TensorDsl.OpenCL;
using TensorDsl.Tests.Reference;
using Xunit;
using static TensorDsl.Tests.OpenCL.Operators.OpenClOperatorSupport;

namespace TensorDsl.Tests.OpenCL.Operators;

internal delegate void ConvForward<T>(OpenClBuffer<T> x, OpenClBuffer<T> w, OpenClBuffer<T>? b, OpenClBuffer<T> y)
    where T : unmanaged;

internal delegate void Launch3<T>(OpenClBuffer<T> a, OpenClBuffer<T> b, OpenClBuffer<T> c)
    where T : unmanaged;

internal delegate void Launch2<T>(OpenClBuffer<T> a, OpenClBuffer<T> b)
    where T : unmanaged;

internal delegate void ConvBackward<T>(OpenClBuffer<T> x, OpenClBuffer<T> w, OpenClBuffer<T> gy, OpenClBuffer<T> gx, OpenClBuffer<T> gw, OpenClBuffer<T>? gb)
    where T : unmanaged;

/// <summary>The five launch methods of a generated conv2d or deconv2d OpenCL class.</summary>
internal sealed record ConvLaunches<T>(ConvForward<T> Forward, Launch3<T> BackwardInput, Launch3<T> BackwardWeight, Launch2<T> BackwardBias, ConvBackward<T> Backward)
    where T : unmanaged;

/// <summary>
/// conv2d, deconv2d and Conv2DGradW on the OpenCL device against the naive double reference, in every direction
/// (forward, BackwardInput, BackwardWeight, BackwardBias, Backward), and for the double declarations against
/// central finite differences of the device's own forward. Tolerances: see <see cref="OpenClOperatorSupport"/>
/// (float 1e-5, double 1e-12, relative to the magnitude of the summed terms; finite differences 1e-7).
/// </summary>
[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public sealed class OpenClConvolutionTests
{
    private const double FiniteDifferenceTolerance = 1e-7;

    private static readonly ConvLaunches<float> s_conv = new(
        (x, w, b, y) => OpenClOperators.ConvOpenCL.Forward(x, w, b!, y),
        (w, gy, gx) => OpenClOperators.ConvOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => OpenClOperators.ConvOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => OpenClOperators.ConvOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, gb) => OpenClOperators.ConvOpenCL.Backward(x, w, gy, gx, gw, gb!));

    private static readonly ConvLaunches<float> s_convStrided = new(
        (x, w, _, y) => OpenClOperators.ConvStridedOpenCL.Forward(x, w, y),
        (w, gy, gx) => OpenClOperators.ConvStridedOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => OpenClOperators.ConvStridedOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => OpenClOperators.ConvStridedOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, _) => OpenClOperators.ConvStridedOpenCL.Backward(x, w, gy, gx, gw));

    private static readonly ConvLaunches<float> s_convWide = new(
        (x, w, b, y) => OpenClOperators.ConvWideOpenCL.Forward(x, w, b!, y),
        (w, gy, gx) => OpenClOperators.ConvWideOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => OpenClOperators.ConvWideOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => OpenClOperators.ConvWideOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, gb) => OpenClOperators.ConvWideOpenCL.Backward(x, w, gy, gx, gw, gb!));

    private static readonly ConvLaunches<double> s_convDouble = new(
        (x, w, b, y) => OpenClOperators.ConvDoubleOpenCL.Forward(x, w, b!, y),
        (w, gy, gx) => OpenClOperators.ConvDoubleOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => OpenClOperators.ConvDoubleOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => OpenClOperators.ConvDoubleOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, gb) => OpenClOperators.ConvDoubleOpenCL.Backward(x, w, gy, gx, gw, gb!));

    private static readonly ConvLaunches<double> s_convTiny = new(
        (x, w, b, y) => OpenClOperators.ConvTinyOpenCL.Forward(x, w, b!, y),
        (w, gy, gx) => OpenClOperators.ConvTinyOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => OpenClOperators.ConvTinyOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => OpenClOperators.ConvTinyOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, gb) => OpenClOperators.ConvTinyOpenCL.Backward(x, w, gy, gx, gw, gb!));

    private static readonly ConvLaunches<float> s_deconv = new(
        (x, w, b, y) => OpenClOperators.DeconvOpenCL.Forward(x, w, b!, y),
        (w, gy, gx) => OpenClOperators.DeconvOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => OpenClOperators.DeconvOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => OpenClOperators.DeconvOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, gb) => OpenClOperators.DeconvOpenCL.Backward(x, w, gy, gx, gw, gb!));

    private static readonly ConvLaunches<double> s_deconvDouble = new(
        (x, w, _, y) => OpenClOperators.DeconvDoubleOpenCL.Forward(x, w, y),
        (w, gy, gx) => OpenClOperators.DeconvDoubleOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => OpenClOperators.DeconvDoubleOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => OpenClOperators.DeconvDoubleOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, _) => OpenClOperators.DeconvDoubleOpenCL.Backward(x, w, gy, gx, gw));

    private static readonly ConvLaunches<float> s_deconvSparse = new(
        (x, w, b, y) => OpenClOperators.DeconvSparseOpenCL.Forward(x, w, b!, y),
        (w, gy, gx) => OpenClOperators.DeconvSparseOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => OpenClOperators.DeconvSparseOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => OpenClOperators.DeconvSparseOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, gb) => OpenClOperators.DeconvSparseOpenCL.Backward(x, w, gy, gx, gw, gb!));

    private static readonly ConvLaunches<double> s_deconvSeed = new(
        (x, w, b, y) => TensorDsl.Tests.Operators.SeedOperators.DeconvOpenCL.Forward(x, w, b!, y),
        (w, gy, gx) => TensorDsl.Tests.Operators.SeedOperators.DeconvOpenCL.BackwardInput(w, gy, gx),
        (x, gy, gw) => TensorDsl.Tests.Operators.SeedOperators.DeconvOpenCL.BackwardWeight(x, gy, gw),
        (gy, gb) => TensorDsl.Tests.Operators.SeedOperators.DeconvOpenCL.BackwardBias(gy, gb),
        (x, w, gy, gx, gw, gb) => TensorDsl.Tests.Operators.SeedOperators.DeconvOpenCL.Backward(x, w, gy, gx, gw, gb!));

    private static ConvCase Conv => new(2, 3, 10, 9, 5, 3, 3, 1, 1, 1, 1, 10, 9, Bias: true);

    private static ConvCase ConvStrided => new(1, 4, 21, 20, 7, 3, 2, 2, 3, 1, 0, 11, 7, Bias: false);

    private static ConvCase ConvWide => new(2, 3, 16, 16, 70, 3, 3, 1, 1, 1, 1, 16, 16, Bias: true);

    private static ConvCase ConvDouble => new(2, 3, 10, 7, 5, 2, 3, 2, 1, 0, 3, 5, 11, Bias: true);

    private static ConvCase ConvTiny => new(1, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 5, 5, Bias: true);

    private static ConvCase Deconv => new(2, 8, 6, 5, 3, 3, 3, 2, 2, 1, 1, 12, 10, Bias: true);

    private static ConvCase DeconvDouble => new(2, 6, 6, 5, 4, 3, 4, 2, 3, 1, 0, 11, 18, Bias: false);

    private static ConvCase DeconvSparse => new(2, 8, 5, 5, 6, 2, 2, 3, 3, 0, 0, 16, 15, Bias: true);

    private static ConvCase DeconvSeed => new(1, 2, 3, 3, 1, 3, 3, 2, 2, 1, 1, 6, 6, Bias: true);

    [Fact]
    public void Shapes_of_the_cases_match_the_declarations()
    {
        Assert.Equal(OpenClOperators.ConvShape.YLength, Conv.Y.Length);
        Assert.Equal(OpenClOperators.ConvStridedShape.YLength, ConvStrided.Y.Length);
        Assert.Equal(OpenClOperators.ConvWideShape.YLength, ConvWide.Y.Length);
        Assert.Equal((ConvDouble.OH, ConvDouble.OW), (OpenClOperators.ConvDoubleShape.OutHeight, OpenClOperators.ConvDoubleShape.OutWidth));
        Assert.Equal(OpenClOperators.ConvTinyShape.YLength, ConvTiny.Y.Length);
        Assert.Equal((Deconv.OH, Deconv.OW), (OpenClOperators.DeconvShape.OutHeight, OpenClOperators.DeconvShape.OutWidth));
        Assert.Equal((DeconvDouble.OH, DeconvDouble.OW), (OpenClOperators.DeconvDoubleShape.OutHeight, OpenClOperators.DeconvDoubleShape.OutWidth));
        Assert.Equal((DeconvSparse.OH, DeconvSparse.OW), (OpenClOperators.DeconvSparseShape.OutHeight, OpenClOperators.DeconvSparseShape.OutWidth));
        Assert.Equal(TensorDsl.Tests.Operators.SeedOperators.DeconvShape.YLength, DeconvSeed.Y.Length);
    }

    [Fact]
    public void Conv2d_float_same_padding() => CheckConv(Conv, deconv: false, s_conv, seed: 11);

    [Fact]
    public void Conv2d_float_strided_nonsquare_batch1_without_bias() => CheckConv(ConvStrided, deconv: false, s_convStrided, seed: 12);

    [Fact]
    public void Conv2d_float_two_row_tiles_and_split_weight_gradient()
    {
        Assert.Contains("weight_gradient_sum", OpenClOperators.ConvWideOpenCL.Source, StringComparison.Ordinal);
        CheckConv(ConvWide, deconv: false, s_convWide, seed: 13);
    }

    [Fact]
    public void Conv2d_double_strided_with_windows_in_the_padding() => CheckConv(ConvDouble, deconv: false, s_convDouble, seed: 14);

    [Fact]
    public void Conv2d_double_one_work_item_per_output() => CheckConv(ConvTiny, deconv: false, s_convTiny, seed: 15);

    [Fact]
    public void Deconv2d_float_stride2_output_padding() => CheckConv(Deconv, deconv: true, s_deconv, seed: 21);

    [Fact]
    public void Deconv2d_double_nonsquare_strides_without_bias() => CheckConv(DeconvDouble, deconv: true, s_deconvDouble, seed: 22);

    [Fact]
    public void Deconv2d_float_stride_above_kernel_with_explicit_output_size() => CheckConv(DeconvSparse, deconv: true, s_deconvSparse, seed: 23);

    [Fact]
    public void Deconv2d_seed_declaration_one_work_item_per_output() => CheckConv(DeconvSeed, deconv: true, s_deconvSeed, seed: 24);

    [Fact]
    public void Conv2d_float_matches_the_cpu_operator()
    {
        ConvCase c = ConvWide;
        float[] x = TestData.RandomSingle(c.X.Length, 31), w = TestData.RandomSingle(c.ConvWeight.Length, 32), b = TestData.RandomSingle(c.OC, 33);
        float[] cpu = new float[c.Y.Length];
        OpenClOperators.ConvWide(x, w, b, cpu);
        using OpenClBuffer<float> dx = DeviceRuntime.Upload<float>(x), dw = DeviceRuntime.Upload<float>(w), db = DeviceRuntime.Upload<float>(b), dy = DeviceRuntime.Allocate<float>(c.Y.Length);
        OpenClOperators.ConvWideOpenCL.Forward(dx, dw, db, dy);
        double[] scale = NaiveOps.Conv2d(Abs(TestData.ToDouble(x)), c.X, Abs(TestData.ToDouble(w)), c.ConvWeight, Abs(TestData.ToDouble(b)), c.SH, c.SW, c.PH, c.PW);
        AssertClose(TestData.ToDouble(cpu), scale, TestData.ToDouble(dy.ToArray()), 2 * FloatTolerance, "device vs CPU conv2d");
    }

    [Fact]
    public void Conv2d_weight_gradient_operator_float() => CheckGradW<float>(
        new ConvCase(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 8, 8, false),
        (x, gy, gw) => OpenClOperators.GradWOpenCL.Forward(x, gy, gw),
        (x, gy, ggw, gx, ggy) => OpenClOperators.GradWOpenCL.Backward(x, gy, ggw, gx, ggy),
        seed: 41);

    [Fact]
    public void Conv2d_weight_gradient_operator_double_with_k_slices()
    {
        Assert.Contains("weight_gradient_sum", OpenClOperators.GradWDoubleOpenCL.Source, StringComparison.Ordinal);
        CheckGradW<double>(
            new ConvCase(4, 2, 12, 12, 3, 3, 3, 1, 1, 1, 1, 12, 12, false),
            (x, gy, gw) => OpenClOperators.GradWDoubleOpenCL.Forward(x, gy, gw),
            (x, gy, ggw, gx, ggy) => OpenClOperators.GradWDoubleOpenCL.Backward(x, gy, ggw, gx, ggy),
            seed: 42);
    }

    [Fact]
    public void Conv2d_weight_gradient_seed_declaration() => CheckGradW<double>(
        new ConvCase(1, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 3, 3, false),
        (x, gy, gw) => TensorDsl.Tests.Operators.SeedOperators.GradWOpenCL.Forward(x, gy, gw),
        (x, gy, ggw, gx, ggy) => TensorDsl.Tests.Operators.SeedOperators.GradWOpenCL.Backward(x, gy, ggw, gx, ggy),
        seed: 43);

    [Fact]
    public void Conv2d_gradients_match_finite_differences()
    {
        CheckFiniteDifferences(ConvTiny, s_convTiny, seed: 51);
        CheckFiniteDifferences(ConvDouble, s_convDouble, seed: 52);
    }

    [Fact]
    public void Deconv2d_gradients_match_finite_differences()
    {
        CheckFiniteDifferences(DeconvDouble, s_deconvDouble, seed: 53);
        CheckFiniteDifferences(DeconvSeed, s_deconvSeed, seed: 54);
    }

    [Fact]
    public void Conv2d_weight_gradient_operator_backward_matches_finite_differences()
    {
        ConvCase c = new(4, 2, 12, 12, 3, 3, 3, 1, 1, 1, 1, 12, 12, false);
        double[] x = TestData.Random(c.X.Length, 61), gy = TestData.Random(c.Y.Length, 62);
        using OpenClBuffer<double> dx = Upload<double>(x), dgy = Upload<double>(gy);
        FiniteDifference.CheckGradient(
            xs => Run(c.ConvWeight.Length, o => { using OpenClBuffer<double> b = Upload<double>(xs); OpenClOperators.GradWDoubleOpenCL.Forward(b, dgy, o); }),
            (_, v) => Run(c.X.Length, gx => { using OpenClBuffer<double> ggw = Upload<double>(v); using OpenClBuffer<double> ggy = Poisoned<double>(c.Y.Length); OpenClOperators.GradWDoubleOpenCL.Backward(dx, dgy, ggw, gx, ggy); }),
            x, seed: 63, FiniteDifferenceTolerance);
        FiniteDifference.CheckGradient(
            gys => Run(c.ConvWeight.Length, o => { using OpenClBuffer<double> b = Upload<double>(gys); OpenClOperators.GradWDoubleOpenCL.Forward(dx, b, o); }),
            (_, v) => Run(c.Y.Length, ggy => { using OpenClBuffer<double> ggw = Upload<double>(v); using OpenClBuffer<double> gx = Poisoned<double>(c.X.Length); OpenClOperators.GradWDoubleOpenCL.Backward(dx, dgy, ggw, gx, ggy); }),
            gy, seed: 64, FiniteDifferenceTolerance);
    }

    /// <summary>Every direction of a conv2d or deconv2d declaration against the reference, outputs starting as NaN.</summary>
    private static void CheckConv<T>(ConvCase c, bool deconv, ConvLaunches<T> ops, int seed)
        where T : unmanaged
    {
        double tolerance = Tolerance<T>();
        Shape4 wShape = deconv ? c.DeconvWeight : c.ConvWeight;
        double[] x = Representable<T>(TestData.Random(c.X.Length, seed));
        double[] w = Representable<T>(TestData.Random(wShape.Length, seed + 1000));
        double[]? b = c.Bias ? Representable<T>(TestData.Random(c.OC, seed + 2000)) : null;
        double[] gy = Representable<T>(TestData.Random(c.Y.Length, seed + 3000));

        double[] Forward(double[] xs, double[] ws, double[]? bs) => deconv
            ? NaiveOps.Deconv2d(xs, c.X, ws, wShape, bs, c.SH, c.SW, c.PH, c.PW, c.OH, c.OW)
            : NaiveOps.Conv2d(xs, c.X, ws, wShape, bs, c.SH, c.SW, c.PH, c.PW);
        double[] InputGradient(double[] ws, double[] gys) => deconv
            ? NaiveOps.Conv2d(gys, c.Y, ws, wShape, null, c.SH, c.SW, c.PH, c.PW)
            : NaiveOps.Conv2dGradX(ws, wShape, gys, c.Y, c.X, c.SH, c.SW, c.PH, c.PW);
        double[] WeightGradient(double[] xs, double[] gys) => deconv
            ? NaiveOps.Conv2dGradW(gys, c.Y, xs, c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW)
            : NaiveOps.Conv2dGradW(xs, c.X, gys, c.Y, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW);

        double[] y = Forward(x, w, b), yScale = Forward(Abs(x), Abs(w), b is null ? null : Abs(b));
        double[] gx = InputGradient(w, gy), gxScale = InputGradient(Abs(w), Abs(gy));
        double[] gw = WeightGradient(x, gy), gwScale = WeightGradient(Abs(x), Abs(gy));
        double[] gb = NaiveOps.Conv2dGradB(gy, c.Y), gbScale = NaiveOps.Conv2dGradB(Abs(gy), c.Y);

        using OpenClBuffer<T> dx = Upload<T>(x), dw = Upload<T>(w), dgy = Upload<T>(gy);
        using OpenClBuffer<T>? db = b is null ? null : Upload<T>(b);
        using (OpenClBuffer<T> dy = Poisoned<T>(y.Length))
        {
            ops.Forward(dx, dw, db, dy);
            AssertClose(y, yScale, Download(dy), tolerance, "forward y");
        }

        using (OpenClBuffer<T> dgx = Poisoned<T>(x.Length), dgw = Poisoned<T>(w.Length), dgb = Poisoned<T>(c.OC))
        {
            ops.BackwardInput(dw, dgy, dgx);
            ops.BackwardWeight(dx, dgy, dgw);
            ops.BackwardBias(dgy, dgb);
            AssertClose(gx, gxScale, Download(dgx), tolerance, "BackwardInput gx");
            AssertClose(gw, gwScale, Download(dgw), tolerance, "BackwardWeight gw");
            AssertClose(gb, gbScale, Download(dgb), tolerance, "BackwardBias gb");
        }

        using (OpenClBuffer<T> dgx = Poisoned<T>(x.Length), dgw = Poisoned<T>(w.Length))
        using (OpenClBuffer<T>? dgb = c.Bias ? Poisoned<T>(c.OC) : null)
        {
            ops.Backward(dx, dw, dgy, dgx, dgw, dgb);
            AssertClose(gx, gxScale, Download(dgx), tolerance, "Backward gx");
            AssertClose(gw, gwScale, Download(dgw), tolerance, "Backward gw");
            if (dgb is not null)
            {
                AssertClose(gb, gbScale, Download(dgb), tolerance, "Backward gb");
            }
        }
    }

    private static void CheckGradW<T>(ConvCase c, Launch3<T> forward, Action<OpenClBuffer<T>, OpenClBuffer<T>, OpenClBuffer<T>, OpenClBuffer<T>, OpenClBuffer<T>> backward, int seed)
        where T : unmanaged
    {
        double tolerance = Tolerance<T>();
        double[] x = Representable<T>(TestData.Random(c.X.Length, seed));
        double[] gy = Representable<T>(TestData.Random(c.Y.Length, seed + 1000));
        double[] ggw = Representable<T>(TestData.Random(c.ConvWeight.Length, seed + 2000));
        double[] gw = NaiveOps.Conv2dGradW(x, c.X, gy, c.Y, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW);
        double[] gwScale = NaiveOps.Conv2dGradW(Abs(x), c.X, Abs(gy), c.Y, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW);
        double[] gx = NaiveOps.Conv2dGradX(ggw, c.ConvWeight, gy, c.Y, c.X, c.SH, c.SW, c.PH, c.PW);
        double[] gxScale = NaiveOps.Conv2dGradX(Abs(ggw), c.ConvWeight, Abs(gy), c.Y, c.X, c.SH, c.SW, c.PH, c.PW);
        double[] ggy = NaiveOps.Conv2d(x, c.X, ggw, c.ConvWeight, null, c.SH, c.SW, c.PH, c.PW);
        double[] ggyScale = NaiveOps.Conv2d(Abs(x), c.X, Abs(ggw), c.ConvWeight, null, c.SH, c.SW, c.PH, c.PW);

        using OpenClBuffer<T> dx = Upload<T>(x), dgy = Upload<T>(gy), dggw = Upload<T>(ggw);
        using OpenClBuffer<T> dgw = Poisoned<T>(gw.Length), dgx = Poisoned<T>(x.Length), dggy = Poisoned<T>(gy.Length);
        forward(dx, dgy, dgw);
        backward(dx, dgy, dggw, dgx, dggy);
        AssertClose(gw, gwScale, Download(dgw), tolerance, "Conv2DGradW gw");
        AssertClose(gx, gxScale, Download(dgx), tolerance, "Conv2DGradW backward gx");
        AssertClose(ggy, ggyScale, Download(dggy), tolerance, "Conv2DGradW backward ggy");
    }

    /// <summary>
    /// The device gradients against central differences of the device forward, by random projections
    /// (<see cref="FiniteDifference.CheckGradient"/>): with respect to x, w and (when present) b.
    /// </summary>
    private static void CheckFiniteDifferences(ConvCase c, ConvLaunches<double> ops, int seed)
    {
        int wLength = c.ConvWeight.Length;
        double[] x = TestData.Random(c.X.Length, seed), w = TestData.Random(wLength, seed + 1);
        double[]? b = c.Bias ? TestData.Random(c.OC, seed + 2) : null;
        using OpenClBuffer<double> dx = Upload<double>(x), dw = Upload<double>(w);
        using OpenClBuffer<double>? db = b is null ? null : Upload<double>(b);

        FiniteDifference.CheckGradient(
            xs => Run(c.Y.Length, y => { using OpenClBuffer<double> bx = Upload<double>(xs); ops.Forward(bx, dw, db, y); }),
            (_, v) => Run(c.X.Length, gx => { using OpenClBuffer<double> gy = Upload<double>(v); ops.BackwardInput(dw, gy, gx); }),
            x, seed + 3, FiniteDifferenceTolerance);
        FiniteDifference.CheckGradient(
            ws => Run(c.Y.Length, y => { using OpenClBuffer<double> bw = Upload<double>(ws); ops.Forward(dx, bw, db, y); }),
            (_, v) => Run(wLength, gw => { using OpenClBuffer<double> gy = Upload<double>(v); ops.BackwardWeight(dx, gy, gw); }),
            w, seed + 4, FiniteDifferenceTolerance);
        if (b is not null)
        {
            FiniteDifference.CheckGradient(
                bs => Run(c.Y.Length, y => { using OpenClBuffer<double> bb = Upload<double>(bs); ops.Forward(dx, dw, bb, y); }),
                (_, v) => Run(c.OC, gb => { using OpenClBuffer<double> gy = Upload<double>(v); ops.BackwardBias(gy, gb); }),
                b, seed + 5, FiniteDifferenceTolerance);
        }
    }

    /// <summary>Runs <paramref name="launch"/> into a fresh NaN-filled buffer of <paramref name="length"/> and downloads it.</summary>
    private static double[] Run(int length, Action<OpenClBuffer<double>> launch)
    {
        using OpenClBuffer<double> output = Poisoned<double>(length);
        launch(output);
        return output.ToArray();
    }
}
