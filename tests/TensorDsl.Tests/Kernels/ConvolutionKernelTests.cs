using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Kernels;
using TensorDsl.Tests.Reference;
using TensorDsl.Threading;
using Xunit;

namespace TensorDsl.Tests.Kernels;

/// <summary>The fast float32 convolution kernels against the naive double reference, in every direction.</summary>
public class ConvolutionKernelTests
{
    private const double RelTol = 1e-4, AbsTol = 2e-4;

    private delegate void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    private delegate void Input(ReadOnlySpan<float> w, ReadOnlySpan<float> gy, Span<float> gx);

    private delegate void Weight(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gw);

    private delegate void Bias(ReadOnlySpan<float> gy, Span<float> gb);

    private sealed record Conv(Shape4 X, int OC, int KH, int KW, int SH, int SW, int PH, int PW, Forward Run, Input Gx, Weight Gw, Bias? Gb);

    private static readonly Dictionary<string, Conv> Convs = new()
    {
        ["SeedMnist"] = new(new(3, 1, 28, 28), 30, 5, 5, 1, 1, 0, 0, KernelOperators.SeedMnist, KernelOperators.SeedMnistBackwardInput, KernelOperators.SeedMnistBackwardWeight, KernelOperators.SeedMnistBackwardBias),
        ["Lenet"] = new(new(4, 6, 14, 14), 16, 5, 5, 1, 1, 0, 0, KernelOperators.Lenet, KernelOperators.LenetBackwardInput, KernelOperators.LenetBackwardWeight, KernelOperators.LenetBackwardBias),
        ["Cifar"] = new(new(2, 16, 32, 32), 16, 3, 3, 1, 1, 1, 1, KernelOperators.Cifar, KernelOperators.CifarBackwardInput, KernelOperators.CifarBackwardWeight, KernelOperators.CifarBackwardBias),
        ["ResnetStem"] = new(new(1, 3, 57, 57), 16, 7, 7, 2, 2, 3, 3, KernelOperators.ResnetStem, KernelOperators.ResnetStemBackwardInput, KernelOperators.ResnetStemBackwardWeight, KernelOperators.ResnetStemBackwardBias),
        ["Resnet3x3"] = new(new(2, 8, 56, 56), 8, 3, 3, 1, 1, 1, 1, KernelOperators.Resnet3x3, KernelOperators.Resnet3x3BackwardInput, KernelOperators.Resnet3x3BackwardWeight, KernelOperators.Resnet3x3BackwardBias),
        ["Strided3x3"] = new(new(2, 16, 29, 29), 32, 3, 3, 2, 2, 1, 1, KernelOperators.Strided3x3, KernelOperators.Strided3x3BackwardInput, KernelOperators.Strided3x3BackwardWeight, KernelOperators.Strided3x3BackwardBias),
        ["Pointwise"] = new(new(2, 64, 14, 14), 70, 1, 1, 1, 1, 0, 0, KernelOperators.Pointwise, KernelOperators.PointwiseBackwardInput, KernelOperators.PointwiseBackwardWeight, KernelOperators.PointwiseBackwardBias),
        ["OddSizes"] = new(new(1, 5, 13, 11), 7, 3, 3, 1, 1, 1, 1, KernelOperators.OddSizes, KernelOperators.OddSizesBackwardInput, KernelOperators.OddSizesBackwardWeight, KernelOperators.OddSizesBackwardBias),
        ["OddChannelsNoBias"] = new(new(3, 7, 9, 10), 13, 2, 2, 1, 1, 0, 0, (x, w, b, y) => KernelOperators.OddChannelsNoBias(x, w, y), KernelOperators.OddChannelsNoBiasBackwardInput, KernelOperators.OddChannelsNoBiasBackwardWeight, null),
        ["StrideAboveKernel"] = new(new(2, 3, 11, 11), 5, 2, 2, 3, 3, 0, 0, KernelOperators.StrideAboveKernel, KernelOperators.StrideAboveKernelBackwardInput, KernelOperators.StrideAboveKernelBackwardWeight, KernelOperators.StrideAboveKernelBackwardBias),
        ["Rectangular"] = new(new(1, 4, 11, 9), 9, 3, 2, 2, 1, 1, 1, KernelOperators.Rectangular, KernelOperators.RectangularBackwardInput, KernelOperators.RectangularBackwardWeight, KernelOperators.RectangularBackwardBias),
        ["TinyPadded"] = new(new(1, 2, 3, 3), 1, 3, 3, 1, 1, 2, 2, KernelOperators.TinyPadded, KernelOperators.TinyPaddedBackwardInput, KernelOperators.TinyPaddedBackwardWeight, KernelOperators.TinyPaddedBackwardBias),
    };

    public static TheoryData<string> ConvNames() => new(Convs.Keys);

    [Theory]
    [MemberData(nameof(ConvNames))]
    public void Conv2d_forward_and_backward_match_the_reference(string name)
    {
        Conv c = Convs[name];
        Shape4 wShape = new(c.OC, c.X.C, c.KH, c.KW);
        Shape4 yShape = new(c.X.N, c.OC, NaiveOps.ConvOutSize(c.X.H, c.KH, c.SH, c.PH), NaiveOps.ConvOutSize(c.X.W, c.KW, c.SW, c.PW));
        double[] x = TestData.Random(c.X.Length, 1), w = TestData.Random(wShape.Length, 2), b = TestData.Random(c.OC, 3), gy = TestData.Random(yShape.Length, 4);
        float[] xf = TestData.ToSingle(x), wf = TestData.ToSingle(w), bf = TestData.ToSingle(b), gyf = TestData.ToSingle(gy);

        // Outputs start as NaN: every element must be written.
        float[] y = Filled(yShape.Length), gx = Filled(c.X.Length), gw = Filled(wShape.Length), gb = Filled(c.OC);
        c.Run(xf, wf, bf, y);
        c.Gx(wf, gyf, gx);
        c.Gw(xf, gyf, gw);
        double[]? bias = c.Gb is null ? null : b;
        TensorAssert.Close(NaiveOps.Conv2d(x, c.X, w, wShape, bias, c.SH, c.SW, c.PH, c.PW), y, RelTol, AbsTol, name + " y", yShape.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradX(w, wShape, gy, yShape, c.X, c.SH, c.SW, c.PH, c.PW), gx, RelTol, AbsTol, name + " gx", c.X.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradW(x, c.X, gy, yShape, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW), gw, RelTol, AbsTol * 10, name + " gw", wShape.Dims);
        if (c.Gb is not null)
        {
            c.Gb(gyf, gb);
            TensorAssert.Close(NaiveOps.Conv2dGradB(gy, yShape), gb, RelTol, AbsTol * 10, name + " gb");
        }
    }

    [Theory]
    [InlineData("DeconvUp")]
    [InlineData("DeconvOutputPadding")]
    [InlineData("DeconvStrideAboveKernel")]
    public void Deconv2d_forward_and_backward_match_the_reference(string name)
    {
        (Shape4 xs, int oc, int k, int s, int p, int op, Forward run, Input gxRun, Weight gwRun, Bias gbRun) = name switch
        {
            "DeconvUp" => (new Shape4(2, 16, 16, 16), 8, 4, 2, 1, 0, (Forward)KernelOperators.DeconvUp, (Input)KernelOperators.DeconvUpBackwardInput, (Weight)KernelOperators.DeconvUpBackwardWeight, (Bias)KernelOperators.DeconvUpBackwardBias),
            "DeconvOutputPadding" => (new Shape4(1, 5, 5, 7), 3, 3, 2, 1, 1, KernelOperators.DeconvOutputPadding, KernelOperators.DeconvOutputPaddingBackwardInput, KernelOperators.DeconvOutputPaddingBackwardWeight, KernelOperators.DeconvOutputPaddingBackwardBias),
            _ => (new Shape4(2, 3, 4, 5), 9, 2, 3, 0, 0, KernelOperators.DeconvStrideAboveKernel, KernelOperators.DeconvStrideAboveKernelBackwardInput, KernelOperators.DeconvStrideAboveKernelBackwardWeight, KernelOperators.DeconvStrideAboveKernelBackwardBias),
        };
        Shape4 wShape = new(xs.C, oc, k, k);
        Shape4 yShape = new(xs.N, oc, NaiveOps.DeconvOutSize(xs.H, k, s, p, op), NaiveOps.DeconvOutSize(xs.W, k, s, p, op));
        double[] x = TestData.Random(xs.Length, 5), w = TestData.Random(wShape.Length, 6), b = TestData.Random(oc, 7), gy = TestData.Random(yShape.Length, 8);
        float[] y = Filled(yShape.Length), gx = Filled(xs.Length), gw = Filled(wShape.Length), gb = Filled(oc);
        run(TestData.ToSingle(x), TestData.ToSingle(w), TestData.ToSingle(b), y);
        gxRun(TestData.ToSingle(w), TestData.ToSingle(gy), gx);
        gwRun(TestData.ToSingle(x), TestData.ToSingle(gy), gw);
        gbRun(TestData.ToSingle(gy), gb);
        TensorAssert.Close(NaiveOps.Deconv2d(x, xs, w, wShape, b, s, s, p, p, yShape.H, yShape.W), y, RelTol, AbsTol, name + " y", yShape.Dims);

        // deconv2d's input gradient is conv2d(gy, w) with the same window; its weight gradient Conv2DGradW(gy, x).
        TensorAssert.Close(NaiveOps.Conv2d(gy, yShape, w, wShape, null, s, s, p, p), gx, RelTol, AbsTol, name + " gx", xs.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradW(gy, yShape, x, xs, k, k, s, s, p, p), gw, RelTol, AbsTol * 10, name + " gw", wShape.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradB(gy, yShape), gb, RelTol, AbsTol * 10, name + " gb");
    }

    [Fact]
    public void Conv2dGradW_operator_and_its_backward_match_the_reference()
    {
        Shape4 xs = new(2, 5, 9, 9), gys = new(2, 6, 5, 5), ws = new(6, 5, 3, 3);
        double[] x = TestData.Random(xs.Length, 9), gy = TestData.Random(gys.Length, 10), ggw = TestData.Random(ws.Length, 11);
        float[] gw = Filled(ws.Length), gx = Filled(xs.Length), ggy = Filled(gys.Length);
        KernelOperators.GradW(TestData.ToSingle(x), TestData.ToSingle(gy), gw);
        KernelOperators.GradWBackward(TestData.ToSingle(x), TestData.ToSingle(gy), TestData.ToSingle(ggw), gx, ggy);
        TensorAssert.Close(NaiveOps.Conv2dGradW(x, xs, gy, gys, 3, 3, 2, 2, 1, 1), gw, RelTol, AbsTol, "gw", ws.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradX(ggw, ws, gy, gys, xs, 2, 2, 1, 1), gx, RelTol, AbsTol, "gx", xs.Dims);
        TensorAssert.Close(NaiveOps.Conv2d(x, xs, ggw, ws, null, 2, 2, 1, 1), ggy, RelTol, AbsTol, "ggy", gys.Dims);
    }

    [Theory]
    [InlineData("Cifar")]
    [InlineData("Strided3x3")]
    [InlineData("SeedMnist")]
    [InlineData("Pointwise")]
    public void Results_are_bit_identical_for_any_thread_count(string name)
    {
        Conv c = Convs[name];
        int yLength = c.X.N * c.OC * NaiveOps.ConvOutSize(c.X.H, c.KH, c.SH, c.PH) * NaiveOps.ConvOutSize(c.X.W, c.KW, c.SW, c.PW);
        int wLength = c.OC * c.X.C * c.KH * c.KW;
        float[] x = TestData.RandomSingle(c.X.Length, 12), w = TestData.RandomSingle(wLength, 13), b = TestData.RandomSingle(c.OC, 14), gy = TestData.RandomSingle(yLength, 15);
        float[][] Run()
        {
            float[] y = new float[yLength], gx = new float[c.X.Length], gw = new float[wLength];
            c.Run(x, w, b, y);
            c.Gx(w, gy, gx);
            c.Gw(x, gy, gw);
            return new[] { y, gx, gw };
        }

        int saved = TensorThreads.Count;
        try
        {
            TensorThreads.Count = 1;
            float[][] one = Run();
            foreach (int threads in new[] { 2, 3, 5 })
            {
                TensorThreads.Count = threads;
                float[][] many = Run();
                for (int i = 0; i < one.Length; i++)
                {
                    Assert.Equal(one[i], many[i]);
                }
            }
        }
        finally
        {
            TensorThreads.Count = saved;
        }
    }

    public static TheoryData<bool, int, int, int, int, int, int, int, int> BandedGradients()
    {
        // (wide, N, C, H, W, OC, kernel, stride, pad), all with enough tasks for one part: a 7×7 stride-2 window whose
        // 61-row grid takes several bands (the last one shorter), a 1×1 window read from the image itself with a partial
        // channel block, few taps over 256 channels (several channel groups: the threads take different channels, and of
        // three threads one takes part of each of two groups), odd sizes with padding, a strided 3×3 window over 40
        // channels whose threads transform their own planes (tap blocks of 6 cut planes of 9 taps: on three threads two
        // threads transform a plane both read), and windows narrower than their stride (1×1 stride 2, 2×2 stride 3: no
        // tap reads the last stride phase, so the reads end before the last transformed plane does); with the 256-bit
        // tiles also three channels into 512 (one tap block, many channel groups).
        TheoryData<bool, int, int, int, int, int, int, int, int> data = new();
        foreach (bool wide in MicroKernels.Avx512 ? new[] { false, true } : new[] { false })
        {
            data.Add(wide, 1, 16, 121, 121, 64, 7, 2, 3);
            data.Add(wide, 3, 256, 14, 14, 40, 1, 1, 0);
            data.Add(wide, 2, 96, 10, 10, 256, 1, 1, 0);
            data.Add(wide, 1, 40, 41, 23, 33, 5, 1, 2);
            data.Add(wide, 2, 40, 17, 17, 64, 3, 2, 1);
            data.Add(wide, 2, 96, 16, 16, 64, 1, 2, 0);
            data.Add(wide, 1, 40, 20, 20, 48, 2, 3, 0);
            if (!wide)
            {
                data.Add(wide, 2, 3, 16, 16, 512, 1, 2, 0);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BandedGradients))]
    public void Weight_gradients_re_laid_in_bands_per_thread_match_the_reference_for_any_thread_count(bool wide, int n, int c, int h, int w, int oc, int k, int s, int p)
    {
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, k, k);
        Shape4 ys = new(n, oc, NaiveOps.ConvOutSize(h, k, s, p), NaiveOps.ConvOutSize(w, k, s, p));
        var kernel = new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, k, k, s, s, p, p, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide, winograd: false);
        Assert.Equal(wide || System.Runtime.Intrinsics.X86.Fma.IsSupported, kernel.GradientTransposesPerThread);
        Assert.Equal(kernel.GradientTransposesPerThread && (s > 1 || p > 0), kernel.GradientTransformsPerThread);
        double[] x = TestData.Random(xs.Length, 91), gy = TestData.Random(ys.Length, 92);
        double[] expected = NaiveOps.Conv2dGradW(x, xs, gy, ys, k, k, s, s, p, p);
        string name = xs + " k" + k + " s" + s + " p" + p + " oc" + oc + (wide ? " wide" : " 256-bit");
        int saved = TensorThreads.Count;
        try
        {
            // First on a thread of its own, alone: its scratch buffers are allocated at the sizes this kernel asks for.
            TensorThreads.Count = 1;
            float[] fresh = Filled(ws.Length);
            OnFreshThread(() => kernel.WeightGradient(TestData.ToSingle(x), TestData.ToSingle(gy), fresh));
            TensorAssert.Close(expected, fresh, RelTol, AbsTol * 10, name + " gw, fresh thread", ws.Dims);
        }
        finally
        {
            TensorThreads.Count = saved;
        }

        AssertSameBitsOnAnyThreadCount(expected, ws.Length, gw => kernel.WeightGradient(TestData.ToSingle(x), TestData.ToSingle(gy), gw), AbsTol * 10, name + " gw", ws.Dims);
    }

    public static TheoryData<bool, int, int, int, int, int, int, int, int> TileFamilies()
    {
        // (wide, N, C, H, W, OC, kernel, stride, pad): channel counts that pick every tile height of both families
        // (1, 2, 3, 4, 6, 8, 12, 16, 24 rows), odd sizes, batch 1, stride above the kernel, 1×1 windows whose images are stacked along the positions. The AVX-512 rows run only where the
        // processor has AVX-512F; the 256-bit rows run everywhere.
        TheoryData<bool, int, int, int, int, int, int, int, int> data = new();
        foreach (bool wide in MicroKernels.Avx512 ? new[] { false, true } : new[] { false })
        {
            data.Add(wide, 2, 3, 13, 11, 1, 3, 1, 1);
            data.Add(wide, 1, 5, 9, 10, 2, 2, 1, 0);
            data.Add(wide, 2, 4, 12, 12, 3, 3, 2, 1);
            data.Add(wide, 1, 7, 11, 9, 4, 3, 1, 1);
            data.Add(wide, 2, 6, 10, 10, 6, 5, 1, 2);
            data.Add(wide, 1, 9, 17, 15, 16, 3, 1, 1);
            data.Add(wide, 2, 16, 8, 8, 24, 3, 1, 1);
            data.Add(wide, 1, 20, 7, 9, 40, 1, 1, 0);
            data.Add(wide, 1, 3, 11, 11, 70, 2, 3, 0);
            data.Add(wide, 2, 33, 6, 6, 130, 3, 2, 1);
            data.Add(wide, 3, 2, 3, 5, 24, 2, 1, 0);
            data.Add(wide, 1, 4, 4, 4, 48, 1, 1, 0);
            data.Add(wide, 2, 3, 4, 4, 16, 2, 1, 0);
            data.Add(wide, 3, 5, 5, 7, 9, 1, 1, 0);
            data.Add(wide, 4, 12, 3, 3, 30, 1, 1, 0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TileFamilies))]
    public void Both_tile_families_match_the_reference_in_every_direction(bool wide, int n, int c, int h, int w, int oc, int k, int s, int p)
    {
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, k, k);
        Shape4 ys = new(n, oc, NaiveOps.ConvOutSize(h, k, s, p), NaiveOps.ConvOutSize(w, k, s, p));
        var kernel = new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, k, k, s, s, p, p, new ConvolutionTiling(2, 4, 3, 2, 3, 2), wide);
        double[] x = TestData.Random(xs.Length, 21), wt = TestData.Random(ws.Length, 22), b = TestData.Random(oc, 23), gy = TestData.Random(ys.Length, 24);
        float[] y = Filled(ys.Length), gx = Filled(xs.Length), gw = Filled(ws.Length);
        kernel.Correlate(TestData.ToSingle(x), TestData.ToSingle(wt), TestData.ToSingle(b), y);
        kernel.Scatter(TestData.ToSingle(gy), TestData.ToSingle(wt), ReadOnlySpan<float>.Empty, gx);
        kernel.WeightGradient(TestData.ToSingle(x), TestData.ToSingle(gy), gw);
        string name = (wide ? "AVX-512 " : "256-bit ") + xs + " k" + k + " s" + s + " p" + p + " oc" + oc;
        TensorAssert.Close(NaiveOps.Conv2d(x, xs, wt, ws, b, s, s, p, p), y, RelTol, AbsTol, name + " y", ys.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradX(wt, ws, gy, ys, xs, s, s, p, p), gx, RelTol, AbsTol, name + " gx", xs.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradW(x, xs, gy, ys, k, k, s, s, p, p), gw, RelTol, AbsTol * 10, name + " gw", ws.Dims);
    }

    [Theory]
    [InlineData(false, 3, 2, 160, 160, 64, 3, 2, 1)]
    [InlineData(true, 3, 2, 160, 160, 64, 3, 2, 1)]
    [InlineData(false, 5, 24, 48, 48, 130, 1, 1, 0)]
    [InlineData(true, 5, 24, 48, 48, 130, 1, 1, 0)]
    public void The_weight_gradient_in_groups_of_images_matches_the_reference(bool wide, int n, int c, int h, int w, int oc, int k, int s, int p)
    {
        // Inputs too large to prepare whole within L2 are prepared and reduced a few images at a time, the sums kept
        // across groups: several groups and a shorter last one, a strided window over two channels (few tasks: a shared
        // preparation pass transforms the input) and a 1×1 window (the tiles read the image itself).
        (ConvolutionKernel kernel, Shape4 xs, Shape4 ws, Shape4 ys) = SquareKernel(wide, n, c, h, w, oc, k, s, p);
        Assert.False(kernel.GradientTransformsPerThread);
        Assert.InRange(kernel.GradientGroup, 1, n - 1);
        Assert.NotEqual(0, n % kernel.GradientGroup);
        double[] x = TestData.Random(xs.Length, 91), gy = TestData.Random(ys.Length, 92);
        AssertWeightGradientMatchesReference(x, xs, gy, ys, ws, s, p, WeightGradientOf(kernel, x, gy, ws));
    }

    [Theory]
    [InlineData(3, 20, 7, 7, 256, 1, 1, 0)]
    [InlineData(2, 16, 9, 9, 256, 3, 2, 1)]
    [InlineData(2, 8, 9, 9, 128, 5, 1, 0)]
    public void The_weight_gradient_with_rows_an_odd_number_of_cache_lines_apart_matches_the_reference(int n, int c, int h, int w, int oc, int k, int s, int p)
    {
        // With the 256-bit tiles and FMA, a transposed gradient of 128 or more channels whose rows would lie an even number
        // of cache lines apart gets one line more per row; the tiles and the transposition step by that stride.
        (ConvolutionKernel kernel, Shape4 xs, Shape4 ws, Shape4 ys) = SquareKernel(false, n, c, h, w, oc, k, s, p);
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            Assert.Equal(1, kernel.GradientRowStride / 16 % 2);
            Assert.True(kernel.GradientRowStride > oc, "the row stride leaves room for the padding line");
        }

        double[] x = TestData.Random(xs.Length, 95), gy = TestData.Random(ys.Length, 96);
        AssertWeightGradientMatchesReference(x, xs, gy, ys, ws, s, p, WeightGradientOf(kernel, x, gy, ws));
    }

    private static float[] WeightGradientOf(ConvolutionKernel kernel, double[] x, double[] gy, Shape4 ws)
    {
        float[] gw = Filled(ws.Length);
        kernel.WeightGradient(TestData.ToSingle(x), TestData.ToSingle(gy), gw);
        return gw;
    }

    private static void AssertWeightGradientMatchesReference(double[] x, Shape4 xs, double[] gy, Shape4 ys, Shape4 ws, int s, int p, float[] gw)
        => TensorAssert.Close(NaiveOps.Conv2dGradW(x, xs, gy, ys, ws.H, ws.W, s, s, p, p), gw, RelTol, AbsTol * 10, xs + " k" + ws.H + " s" + s + " oc" + ws.N + " gw", ws.Dims);

    /// <summary>A kernel for a square window (its shapes: input, weights, output), on the AVX-512 tiles where asked and present.</summary>
    private static (ConvolutionKernel Kernel, Shape4 X, Shape4 W, Shape4 Y) SquareKernel(bool wide, int n, int c, int h, int w, int oc, int k, int s, int p)
    {
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, k, k);
        Shape4 ys = new(n, oc, NaiveOps.ConvOutSize(h, k, s, p), NaiveOps.ConvOutSize(w, k, s, p));
        return (new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, k, k, s, s, p, p, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide && MicroKernels.Avx512), xs, ws, ys);
    }

    [Theory]
    [InlineData(false, 9, 1, 120, 120, 20, 5, 1, 0)]
    [InlineData(true, 9, 1, 120, 120, 20, 5, 1, 0)]
    [InlineData(true, 7, 1, 60, 60, 64, 7, 2, 3)]
    [InlineData(true, 4, 2, 10, 10, 16, 5, 1, 0)]
    public void The_weight_gradient_in_parts_matches_the_reference_for_any_thread_count(bool wide, int n, int c, int h, int w, int oc, int k, int s, int p)
    {
        // With too few tap and channel blocks for even shares (a seed_mnist-like window over one channel, a
        // resnet_stem-like one, a small one in a single group), the batch's chunks of positions are dealt into parts,
        // chunk u to part u mod P, each part summed on its own and the parts added in order at the end: the first two in
        // several groups of images (a part's chunks in different groups). The parts depend on the shape only:
        // bit-identical on 1, 2, 3 and 5 threads.
        (ConvolutionKernel kernel, Shape4 xs, Shape4 ws, Shape4 ys) = SquareKernel(wide, n, c, h, w, oc, k, s, p);
        // The resnet_stem-like case needs parts only on the AVX-512 tiles' plan; without AVX-512 (Zen 3) the 256-bit
        // plan has enough tap blocks, and the case still checks the sums against the reference.
        Assert.True(kernel.GradientParts > 1 || (wide && !MicroKernels.Avx512 && oc == 64), "parts: " + kernel.GradientParts);
        double[] x = TestData.Random(xs.Length, 93), gy = TestData.Random(ys.Length, 94);
        float[] Run(int threads)
        {
            int saved = TensorThreads.Count;
            try
            {
                TensorThreads.Count = threads;
                return WeightGradientOf(kernel, x, gy, ws);
            }
            finally
            {
                TensorThreads.Count = saved;
            }
        }

        float[] one = Run(1);
        AssertWeightGradientMatchesReference(x, xs, gy, ys, ws, s, p, one);
        foreach (int threads in new[] { 2, 3, 5 })
        {
            Assert.Equal(one, Run(threads));
        }
    }

    [Theory]
    [InlineData(2, 5, 9, 9, 7, 0)]
    [InlineData(1, 3, 8, 70, 20, 1)]
    [InlineData(3, 17, 12, 33, 9, 2)]
    [InlineData(1, 1, 3, 3, 1, 1)]
    [InlineData(2, 64, 6, 40, 64, 1)]
    [InlineData(9, 4, 7, 5, 33, 1)]
    public void Winograd_3x3_stride_1_matches_the_reference_in_both_directions(int n, int c, int h, int w, int oc, int p)
    {
        // These windows run Winograd F(2×2, 3×3) forward and for the input gradient (padding 2 − p): on AVX-512 16 tiles
        // per transform vector, with AVX2 8; widths over 32 (16) outputs take several tile groups, odd sizes a partial
        // last tile. The weight gradient runs F(3×3, 2×2) over the same tiles.
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, 3, 3);
        Shape4 ys = new(n, oc, h + (2 * p) - 2, w + (2 * p) - 2);
        var kernel = new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, 3, 3, 1, 1, p, p, new ConvolutionTiling(2, 4, 8, 2, 4, 8), MicroKernels.Avx512);
        Assert.Equal(WinogradPlan.IsSupported(MicroKernels.Avx512), kernel.CorrelatesByWinograd);
        Assert.Equal(WinogradPlan.IsSupported(MicroKernels.Avx512), kernel.ScattersByWinograd);
        Assert.Equal(WinogradPlan.IsSupported(MicroKernels.Avx512), kernel.WeightGradientByWinograd);
        double[] x = TestData.Random(xs.Length, 41), wt = TestData.Random(ws.Length, 42), b = TestData.Random(oc, 43), gy = TestData.Random(ys.Length, 44);
        float[] y = Filled(ys.Length), gx = Filled(xs.Length);
        kernel.Correlate(TestData.ToSingle(x), TestData.ToSingle(wt), TestData.ToSingle(b), y);
        kernel.Scatter(TestData.ToSingle(gy), TestData.ToSingle(wt), ReadOnlySpan<float>.Empty, gx);
        TensorAssert.Close(NaiveOps.Conv2d(x, xs, wt, ws, b, 1, 1, p, p), y, RelTol, AbsTol, "winograd y", ys.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradX(wt, ws, gy, ys, xs, 1, 1, p, p), gx, RelTol, AbsTol, "winograd gx", xs.Dims);

        // The weight gradient: Winograd F(3×3, 2×2) over the same tiles.
        float[] gw = Filled(ws.Length);
        kernel.WeightGradient(TestData.ToSingle(x), TestData.ToSingle(gy), gw);
        TensorAssert.Close(NaiveOps.Conv2dGradW(x, xs, gy, ys, 3, 3, 1, 1, p, p), gw, RelTol, AbsTol * 10, "winograd gw", ws.Dims);
    }

    [Theory]
    [InlineData(2, 64, 11, 9, 50, 3, 2, 1)]
    [InlineData(3, 48, 7, 7, 96, 5, 1, 2)]
    [InlineData(2, 48, 10, 10, 48, 2, 3, 0)]
    [InlineData(1, 50, 9, 9, 49, 1, 2, 0)]
    public void Packed_strips_on_the_256_bit_tiles_match_the_reference(int n, int c, int h, int w, int oc, int k, int s, int p)
    {
        // With FMA, 256-bit GEMM plans with at least 8 output-channel blocks copy each tile's rows of a reduction block
        // into an aligned strip first: partial last blocks (50, 49 channels), more taps than one strip holds (576, 1200),
        // stride above the kernel (phases without taps in the input gradient), odd widths, a batch of one.
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, k, k);
        Shape4 ys = new(n, oc, NaiveOps.ConvOutSize(h, k, s, p), NaiveOps.ConvOutSize(w, k, s, p));
        var kernel = new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, k, k, s, s, p, p, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide: false, winograd: false);
        bool fma = System.Runtime.Intrinsics.X86.Fma.IsSupported;
        Assert.Equal((fma, fma), kernel.PacksStrips);
        double[] x = TestData.Random(xs.Length, 71), wt = TestData.Random(ws.Length, 72), b = TestData.Random(oc, 73), gy = TestData.Random(ys.Length, 74);
        float[] y = Filled(ys.Length), gx = Filled(xs.Length);
        kernel.Correlate(TestData.ToSingle(x), TestData.ToSingle(wt), TestData.ToSingle(b), y);
        kernel.Scatter(TestData.ToSingle(gy), TestData.ToSingle(wt), ReadOnlySpan<float>.Empty, gx);
        string name = xs + " k" + k + " s" + s + " p" + p + " oc" + oc;
        TensorAssert.Close(NaiveOps.Conv2d(x, xs, wt, ws, b, s, s, p, p), y, RelTol, AbsTol, name + " y", ys.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradX(wt, ws, gy, ys, xs, s, s, p, p), gx, RelTol, AbsTol, name + " gx", xs.Dims);
    }

    [Theory]
    [InlineData(16, 256, 14, 14, 256)]
    [InlineData(1, 600, 5, 7, 40)]
    [InlineData(3, 40, 6, 6, 601)]
    [InlineData(5, 7, 3, 5, 13)]
    [InlineData(2, 33, 3, 3, 9)]
    [InlineData(1, 17, 9, 11, 1)]
    public void Pointwise_GEMMs_on_the_256_bit_tiles_match_the_reference_with_bias_in_both_directions(int n, int c, int h, int w, int oc)
    {
        // With FMA and the 256-bit tiles, 1×1 windows without stride or padding run one GEMM over the batch's stacked
        // positions in both directions (PointwiseGemmPlan): strips across images, planes narrower than a strip, an
        // overlapping last strip, partial last channel blocks, more taps than one reduction block (600 channels), a
        // single output channel. The transposed direction with a bias is deconv2d's forward.
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, 1, 1), ys = new(n, oc, h, w);
        var kernel = new ConvolutionKernel(n, c, h, w, oc, h, w, 1, 1, 1, 1, 0, 0, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide: false);
        Assert.Equal(System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported, kernel.RunsPointwise);
        double[] x = TestData.Random(xs.Length, 61), wt = TestData.Random(ws.Length, 62), b = TestData.Random(oc, 63), bx = TestData.Random(c, 64), gy = TestData.Random(ys.Length, 65);
        float[] y = Filled(ys.Length), gx = Filled(xs.Length);
        kernel.Correlate(TestData.ToSingle(x), TestData.ToSingle(wt), TestData.ToSingle(b), y);
        kernel.Scatter(TestData.ToSingle(gy), TestData.ToSingle(wt), TestData.ToSingle(bx), gx);
        string name = xs + " oc" + oc;
        TensorAssert.Close(NaiveOps.Conv2d(x, xs, wt, ws, b, 1, 1, 0, 0), y, RelTol, AbsTol, name + " y", ys.Dims);
        TensorAssert.Close(NaiveOps.Deconv2d(gy, ys, wt, ws, bx, 1, 1, 0, 0), gx, RelTol, AbsTol, name + " deconv", xs.Dims);
    }

    [Theory]
    [InlineData(16, 40, 14, 14, 38, 1, 1, 1, 1, 0, 0)]
    [InlineData(6, 33, 3, 5, 35, 1, 1, 1, 1, 0, 0)]
    [InlineData(1, 48, 9, 8, 33, 1, 1, 1, 1, 0, 0)]
    [InlineData(2, 7, 5, 5, 20, 1, 1, 1, 1, 0, 0)]
    [InlineData(4, 3, 13, 11, 50, 3, 3, 2, 2, 1, 1)]
    [InlineData(3, 4, 12, 15, 32, 5, 5, 2, 2, 2, 2)]
    [InlineData(2, 3, 20, 20, 64, 7, 7, 2, 2, 3, 3)]
    [InlineData(2, 6, 9, 10, 44, 3, 2, 2, 1, 0, 1)]
    [InlineData(2, 4, 11, 11, 36, 3, 3, 1, 2, 1, 0)]
    [InlineData(5, 2, 9, 9, 33, 2, 2, 2, 2, 0, 0)]
    [InlineData(5, 8, 16, 16, 40, 4, 4, 2, 2, 1, 1)]
    [InlineData(2, 3, 12, 12, 34, 3, 3, 3, 3, 1, 1)]
    [InlineData(2, 5, 9, 9, 16, 3, 3, 2, 2, 1, 1)]
    [InlineData(2, 600, 5, 7, 40, 1, 1, 1, 1, 0, 0)]
    [InlineData(3, 40, 6, 6, 600, 1, 1, 1, 1, 0, 0)]
    [InlineData(2, 72, 17, 17, 38, 3, 3, 2, 2, 1, 1)]
    public void Stacked_direct_GEMMs_match_the_reference_and_the_256_bit_tiles(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        // On AVX-512, 1×1 windows (both directions) and strided correlations run one GEMM over the batch's stacked
        // positions, packed straight from the input and stored straight into the output: strips across images, a
        // plane smaller than a strip, an overlapping last strip, a partial last channel block, padding on every side,
        // different strides per axis (stride 3 and channels under 32: the GEMM plan instead; 64 channels over 147 taps: the
        // broadcast tiles), more than 256 taps (two reduction blocks) forward, in the input gradient and strided. Each
        // element is the same FMA chain as the 256-bit tiles' (bit-identical).
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, kh, kw);
        Shape4 ys = new(n, oc, NaiveOps.ConvOutSize(h, kh, sh, ph), NaiveOps.ConvOutSize(w, kw, sw, pw));
        double[] x = TestData.Random(xs.Length, 51), wt = TestData.Random(ws.Length, 52), b = TestData.Random(oc, 53), gy = TestData.Random(ys.Length, 54);
        bool col2Im = false;
        float[][] Run(bool wide)
        {
            var kernel = new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, kh, kw, sh, sw, ph, pw, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide);
            col2Im |= kernel.ScattersByCol2Im;
            float[] y = Filled(ys.Length), gx = Filled(xs.Length);
            kernel.Correlate(TestData.ToSingle(x), TestData.ToSingle(wt), TestData.ToSingle(b), y);
            kernel.Scatter(TestData.ToSingle(gy), TestData.ToSingle(wt), ReadOnlySpan<float>.Empty, gx);
            return new[] { y, gx };
        }

        float[][] narrow = Run(false);
        float[][] results = MicroKernels.Avx512 ? Run(true) : narrow;
        string name = xs + " k" + kh + "×" + kw + " s" + sh + "×" + sw + " p" + ph + "×" + pw + " oc" + oc;
        TensorAssert.Close(NaiveOps.Conv2d(x, xs, wt, ws, b, sh, sw, ph, pw), results[0], RelTol, AbsTol, name + " y", ys.Dims);
        TensorAssert.Close(NaiveOps.Conv2dGradX(wt, ws, gy, ys, xs, sh, sw, ph, pw), results[1], RelTol, AbsTol, name + " gx", xs.Dims);
        Assert.Equal(narrow[0], results[0]);
        if (!col2Im)
        {
            // GEMM then col2im adds each tap's sum to the element's others (Col2Im_scatter_matches_the_reference).
            Assert.Equal(narrow[1], results[1]);
        }
    }

    [Theory]
    [InlineData(2, 32, 15, 13, 64, 3, 3, 2, 2, 1, 1, true)]
    [InlineData(1, 30, 40, 40, 128, 3, 3, 2, 2, 1, 1, true)]
    [InlineData(2, 29, 68, 68, 64, 3, 3, 2, 2, 1, 1, true)]
    [InlineData(3, 16, 17, 19, 64, 5, 5, 3, 3, 2, 2, false)]
    [InlineData(2, 20, 11, 17, 64, 3, 5, 1, 2, 0, 2, true)]
    [InlineData(2, 30, 9, 9, 64, 3, 3, 2, 2, 2, 2, false)]
    [InlineData(2, 3, 70, 70, 64, 7, 7, 2, 2, 3, 3, true)]
    [InlineData(2, 17, 13, 12, 48, 3, 3, 2, 2, 1, 1, true)]
    [InlineData(1, 6, 20, 23, 16, 5, 5, 2, 3, 2, 1, false)]
    public void Broadcast_tiles_match_the_reference_and_the_GEMM_tiles(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw, bool biased)
    {
        // Strided correlations with at least 128 taps and output channels in blocks of 64 (AVX-512) or 16 (256-bit tiles)
        // run on the broadcast tiles: a plane in one chunk and in two (68×68 → 34×34 positions, the second chunk partial;
        // a resnet_stem-like 7×7 window over 3 channels), 128 channels (two AVX-512 blocks), stride 3 with a 5×5 window, a
        // stride along the rows only, padding as wide as the window's reach, no bias; 48 and 16 output channels (256-bit
        // blocks only; on AVX-512 the stacked direct GEMM takes 48, the GEMM plan 16), strides differing by axis. Each element
        // is the same FMA chain as the 256-bit GEMM tiles' (bit-identical).
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, kh, kw);
        Shape4 ys = new(n, oc, NaiveOps.ConvOutSize(h, kh, sh, ph), NaiveOps.ConvOutSize(w, kw, sw, pw));
        double[] x = TestData.Random(xs.Length, 71), wt = TestData.Random(ws.Length, 72), b = TestData.Random(oc, 73);
        float[] Run(bool wide, bool broadcast)
        {
            var kernel = new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, kh, kw, sh, sw, ph, pw, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide, broadcast: broadcast);
            bool expected = broadcast && (wide ? oc % 64 == 0 : Fma.IsSupported);
            Assert.Equal(expected, kernel.CorrelatesByBroadcast);
            float[] y = Filled(ys.Length);
            kernel.Correlate(TestData.ToSingle(x), TestData.ToSingle(wt), biased ? TestData.ToSingle(b) : ReadOnlySpan<float>.Empty, y);
            return y;
        }

        float[] gemm = Run(false, broadcast: false), narrow = Run(false, broadcast: true), wide = MicroKernels.Avx512 ? Run(true, broadcast: true) : narrow;
        string name = xs + " k" + kh + "×" + kw + " s" + sh + "×" + sw + " p" + ph + "×" + pw + " oc" + oc;
        double[] expected = NaiveOps.Conv2d(x, xs, wt, ws, biased ? b : null, sh, sw, ph, pw);
        TensorAssert.Close(expected, narrow, RelTol, AbsTol, name + " y (256-bit)", ys.Dims);
        TensorAssert.Close(expected, wide, RelTol, AbsTol, name + " y", ys.Dims);
        Assert.Equal(gemm, narrow);
        Assert.Equal(gemm, wide);
    }

    [Theory]
    [InlineData(2, 32, 15, 13, 64, 3, 3, 2, 2, 1, 1, true)]
    [InlineData(2, 29, 68, 68, 64, 3, 3, 2, 2, 1, 1, true)]
    [InlineData(2, 30, 9, 9, 128, 3, 3, 2, 2, 2, 2, false)]
    [InlineData(2, 3, 70, 70, 64, 7, 7, 2, 2, 3, 3, true)]
    public void Broadcast_tiles_with_streamed_stores_match_the_reference_bit_for_bit_with_ordinary_stores(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw, bool biased)
    {
        // Outputs of at least StreamedStores.MinimumBytes go to memory by non-temporal stores; these small shapes are
        // forced onto that path (a threshold of 0) and must write exactly what the ordinary stores write: planes that are
        // not whole lines, a plane in two chunks, two blocks of channels.
        if (!MicroKernels.Avx512)
        {
            return;
        }

        Shape4 xs = new(n, c, h, w), ws = new(oc, c, kh, kw);
        Shape4 ys = new(n, oc, NaiveOps.ConvOutSize(h, kh, sh, ph), NaiveOps.ConvOutSize(w, kw, sw, pw));
        double[] x = TestData.Random(xs.Length, 74), wt = TestData.Random(ws.Length, 75), b = TestData.Random(oc, 76);
        int[] weightIndex = new int[c * kh * kw];
        for (int k = 0; k < weightIndex.Length; k++)
        {
            weightIndex[k] = k;
        }

        float[] Run(long streamedBytes)
        {
            BroadcastGemmPlan plan = BroadcastGemmPlan.TryCreate(n, c, h, w, sh, sw, ph, pw, kh, kw, oc, ys.H, ys.W, weightIndex, wide: true, streamedBytes)!;
            Assert.Equal(streamedBytes == 0, plan.Streamed);
            float[] y = Filled(ys.Length);
            plan.Run(TestData.ToSingle(x), TestData.ToSingle(wt), biased ? TestData.ToSingle(b) : ReadOnlySpan<float>.Empty, y);
            return y;
        }

        float[] streamed = Run(0), ordinary = Run(long.MaxValue);
        TensorAssert.Close(NaiveOps.Conv2d(x, xs, wt, ws, biased ? b : null, sh, sw, ph, pw), streamed, RelTol, AbsTol, xs + " streamed y", ys.Dims);
        Assert.Equal(ordinary, streamed);
    }

    [Fact]
    public unsafe void Streamed_transposed_stores_write_exactly_their_rows_at_any_alignment()
    {
        // Every float offset of the target within a 64-byte line, rows shorter than the first line's rest, exactly one
        // line, and several lines with a partial last one; 20 of 32 channels (a partial second group of 16); rows with a
        // gap between them. Each written element is sum + bias; nothing else changes.
        if (!MicroKernels.Avx512)
        {
            return;
        }

        const int channels = 32, valid = 20, oc0 = 3;
        float[] bias = TestData.RandomSingle(oc0 + channels, 81);
        foreach (int count in new[] { 1, 5, 16, 17, 40, 100 })
        {
            float[] sums = TestData.RandomSingle(count * channels, 82 + count);
            int plane = count + 7;
            for (int offset = 0; offset < 16; offset++)
            {
                float[] target = GC.AllocateArray<float>(64 + (valid * plane) + 64, pinned: true);
                Array.Fill(target, -7f);
                fixed (float* start = target)
                {
                    // The first element at `offset` floats past a 64-byte boundary.
                    int first = 16 + (int)(((16 - (((nint)start & 63) / sizeof(float))) + offset) & 15);
                    Transpose.PositionsToPlanesStreaming(ref sums[0], channels, valid, count, bias, oc0, start + first, plane);
                    for (int i = 0; i < target.Length; i++)
                    {
                        int j = (i - first) / plane, p = (i - first) % plane;
                        float expected = i >= first && j < valid && p < count ? sums[(p * channels) + j] + bias[oc0 + j] : -7f;
                        Assert.True(expected.Equals(target[i]), $"count {count}, offset {offset}: element {i} is {target[i]}, expected {expected}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(3, 6, 14, 14, 5, 5, true, 16)]
    [InlineData(2, 4, 10, 11, 3, 4, true, 16)]
    [InlineData(2, 5, 9, 25, 2, 3, false, 16)]
    [InlineData(1, 3, 8, 44, 5, 5, true, 16)]
    [InlineData(4, 1, 11, 20, 3, 5, true, 16)]
    [InlineData(2, 3, 6, 8, 3, 5, true, 16)]
    [InlineData(3, 2, 7, 11, 3, 5, false, 16)]
    [InlineData(2, 4, 5, 9, 2, 3, true, 16)]
    [InlineData(2, 3, 6, 6, 2, 4, true, 16)]
    [InlineData(3, 1, 28, 28, 5, 5, true, 30)]
    [InlineData(2, 3, 9, 13, 2, 4, true, 32)]
    [InlineData(2, 2, 8, 12, 3, 2, false, 17)]
    public void Run_tiles_match_the_reference_and_each_other(int n, int c, int h, int w, int kh, int kw, bool biased, int oc)
    {
        // Stride-1 correlations without padding into 16 to 32 output channels run on the run tiles, a block of 16 channels
        // at a time (seed_mnist's 30: the second block's last two channels zero weights, not stored; 32; 17, one channel
        // in the second block): on AVX-512 R = 8 … 16
        // positions × one vector of channels, on the 256-bit tiles R = 4 … 6 × two. Rows of 10 (lenet_c2: two runs of
        // 5, or one of 10), exactly 8, 23 (runs overlapping at the row's end), 40 (several runs), 4 and 7 (the 256-bit
        // tiles' narrowest and an overlapping pair; too narrow for the AVX-512 ones, which leave it to the GEMM), 3
        // (too narrow for both), a 3×5 window over one channel, no bias (3×3 windows take Winograd instead). Each
        // element is one FMA chain over the taps with the bias added last, whichever tiles run: bit-identical.
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, kh, kw);
        Shape4 ys = new(n, oc, h - kh + 1, w - kw + 1);
        double[] x = TestData.Random(xs.Length, 81), wt = TestData.Random(ws.Length, 82), b = TestData.Random(oc, 83);
        double[] expected = NaiveOps.Conv2d(x, xs, wt, ws, biased ? b : null, 1, 1, 0, 0);
        float[] Run(bool wide)
        {
            var kernel = new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, kh, kw, 1, 1, 0, 0, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide);
            bool tiles = wide ? MicroKernels.Avx512 : System.Runtime.Intrinsics.X86.Fma.IsSupported;
            Assert.Equal(tiles && ys.W >= (wide ? 8 : 4), kernel.CorrelatesByRows);
            float[] y = Filled(ys.Length);
            kernel.Correlate(TestData.ToSingle(x), TestData.ToSingle(wt), biased ? TestData.ToSingle(b) : ReadOnlySpan<float>.Empty, y);
            TensorAssert.Close(expected, y, RelTol, AbsTol, xs + " k" + kh + "×" + kw + (wide ? " wide" : " 256-bit") + " y", ys.Dims);
            return y;
        }

        float[] narrow = Run(false);
        if (MicroKernels.Avx512)
        {
            Assert.Equal(narrow, Run(true));
        }
    }

    [Theory]
    [InlineData(1, 3, 12, 20, 5, 5, 30)]
    [InlineData(2, 4, 9, 9, 1, 1, 20)]
    [InlineData(1, 2, 10, 14, 3, 4, 17)]
    public void Run_tiles_in_blocks_give_the_same_bits_on_any_thread_count(int n, int c, int h, int w, int kh, int kw, int oc)
    {
        // More than 16 output channels run as blocks of 16, a task per image and block: a single image's two blocks on
        // two threads, a 1×1 window (on AVX-512 fewer than 32 channels leave it to the run tiles), a second block of one
        // channel. The same bits on 1, 2 and 3 threads, every thread's scratch poisoned first.
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, kh, kw);
        Shape4 ys = new(n, oc, h - kh + 1, w - kw + 1);
        double[] x = TestData.Random(xs.Length, 91), wt = TestData.Random(ws.Length, 92), b = TestData.Random(oc, 93);
        double[] expected = NaiveOps.Conv2d(x, xs, wt, ws, b, 1, 1, 0, 0);
        foreach (bool wide in MicroKernels.Avx512 ? new[] { false, true } : new[] { false })
        {
            var kernel = new ConvolutionKernel(n, c, h, w, oc, ys.H, ys.W, kh, kw, 1, 1, 0, 0, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide);
            if (wide || kh * kw > 1)
            {
                Assert.Equal(wide || System.Runtime.Intrinsics.X86.Fma.IsSupported, kernel.CorrelatesByRows);
            }

            AssertSameBitsOnAnyThreadCount(
                expected, ys.Length, y => kernel.Correlate(TestData.ToSingle(x), TestData.ToSingle(wt), TestData.ToSingle(b), y),
                AbsTol, xs + " k" + kh + "×" + kw + " oc" + oc + (wide ? " wide" : " 256-bit"), ys.Dims);
        }
    }

    [Theory]
    [InlineData(2, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1, true)]
    [InlineData(3, 16, 32, 32, 32, 4, 4, 2, 2, 1, 1, true)]
    [InlineData(2, 48, 13, 11, 64, 3, 3, 2, 2, 1, 1, false)]
    [InlineData(1, 16, 30, 40, 32, 3, 3, 2, 1, 1, 0, true)]
    [InlineData(1, 16, 14, 8, 300, 2, 2, 3, 3, 0, 0, true)]
    [InlineData(2, 32, 11, 12, 32, 5, 5, 2, 3, 2, 1, false)]
    public void Broadcast_scatter_matches_the_reference_and_the_GEMM_phases(int n, int c, int h, int w, int gc, int kh, int kw, int sh, int sw, int ph, int pw, bool biased)
    {
        // With the 256-bit tiles, strided transposed correlations into image channels in blocks of 16 run each stride
        // phase on the broadcast tiles (BroadcastScatterPlan): strided_3x3's input gradient scaled down, deconv_up's
        // 4×4 window (overlapping phases), odd sizes with three channel blocks and no bias, a stride along the rows only
        // with 40-wide rows at batch 1 (bands of a few rows, the last partial), a stride wider than the kernel (a third of the
        // rows and columns no tap reaches: the bias alone), strides and padding differing by axis. Each element is the
        // same FMA chain as the GEMM plan's phases (bit-identical).
        Shape4 xs = new(n, c, h, w), ws = new(gc, c, kh, kw);
        Shape4 ys = new(n, gc, NaiveOps.ConvOutSize(h, kh, sh, ph), NaiveOps.ConvOutSize(w, kw, sw, pw));
        double[] wt = TestData.Random(ws.Length, 91), b = TestData.Random(c, 92), gy = TestData.Random(ys.Length, 93);
        float[] Run(bool broadcast)
        {
            var kernel = new ConvolutionKernel(n, c, h, w, gc, ys.H, ys.W, kh, kw, sh, sw, ph, pw, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide: false, broadcast: broadcast);
            Assert.Equal(broadcast && Fma.IsSupported, kernel.ScattersByBroadcast);
            float[] gx = Filled(xs.Length);
            kernel.Scatter(TestData.ToSingle(gy), TestData.ToSingle(wt), biased ? TestData.ToSingle(b) : ReadOnlySpan<float>.Empty, gx);
            return gx;
        }

        float[] gemm = Run(false), tiles = Run(true);
        double[] expected = InputGradientWithBias(wt, ws, gy, ys, xs, sh, sw, ph, pw, biased ? b : null);

        TensorAssert.Close(expected, tiles, RelTol, AbsTol, xs + " k" + kh + "×" + kw + " s" + sh + "×" + sw + " p" + ph + "×" + pw + " gc" + gc + " gx", xs.Dims);
        Assert.Equal(gemm, tiles);
    }

    [Theory]
    [InlineData(16, 40, 14, 14, 64, 3, 3, 2, 1, 1)]
    [InlineData(3, 5, 13, 11, 40, 3, 3, 2, 1, 1)]
    [InlineData(2, 3, 9, 70, 32, 3, 3, 2, 1, 1)]
    [InlineData(2, 9, 16, 16, 64, 4, 4, 2, 1, 1)]
    [InlineData(1, 40, 12, 12, 33, 3, 3, 2, 0, 0)]
    [InlineData(2, 6, 14, 15, 48, 1, 1, 2, 0, 0)]
    [InlineData(3, 4, 17, 12, 36, 5, 2, 3, 2, 0)]
    [InlineData(2, 7, 14, 14, 32, 3, 3, 2, 0, 0)]
    [InlineData(2, 3, 23, 23, 40, 7, 7, 2, 3, 3)]
    [InlineData(2, 20, 28, 28, 32, 3, 3, 2, 1, 1)]
    public void Col2Im_scatter_matches_the_reference(int n, int c, int h, int w, int gc, int kh, int kw, int sh, int ph, int pw)
    {
        // On AVX-512, transposed correlations with stride 2 along the rows run as one GEMM of the transposed weights with
        // the grid per image and block of channels, then col2im: odd sizes, rows over 32 columns (several chunks),
        // overlapping windows (k4 s2), several and partial channel blocks, a 1×1 window with stride 2 and image
        // columns no window covers (k3 s2 p0 on 14: the last row and column), a taller stride, a bias per channel, and a
        // 14 × 14 grid (196 = 6 × 32 + 4 positions: the last 4 as vectors of rows, the last 64-row group's weight loads
        // masked at the weights' end).
        Shape4 xs = new(n, c, h, w), ws = new(gc, c, kh, kw);
        Shape4 ys = new(n, gc, NaiveOps.ConvOutSize(h, kh, sh, ph), NaiveOps.ConvOutSize(w, kw, 2, pw));
        double[] wt = TestData.Random(ws.Length, 61), b = TestData.Random(c, 62), gy = TestData.Random(ys.Length, 63);
        var kernel = new ConvolutionKernel(n, c, h, w, gc, ys.H, ys.W, kh, kw, sh, 2, ph, pw, new ConvolutionTiling(2, 4, 8, 2, 4, 8), MicroKernels.Avx512);
        Assert.Equal(MicroKernels.Avx512, kernel.ScattersByCol2Im);
        float[] gx = Filled(xs.Length);
        kernel.Scatter(TestData.ToSingle(gy), TestData.ToSingle(wt), TestData.ToSingle(b), gx);
        double[] expected = InputGradientWithBias(wt, ws, gy, ys, xs, sh, 2, ph, pw, b);

        TensorAssert.Close(expected, gx, RelTol, AbsTol, xs + " k" + kh + "×" + kw + " s" + sh + "×2 p" + ph + "×" + pw + " gc" + gc + " gx", xs.Dims);
    }

    public static TheoryData<bool, int, int, int, int, int, int, int, int, int> StrideOneCol2ImShapes()
    {
        // (wide, N, C, H, W, GC, KH, KW, PH, PW): seed_mnist's input gradient (one image channel, 30 grid channels, 5 × 5),
        // batch 1 with odd sizes, a non-square window and unequal padding, an even window padded along the rows only, a
        // 7 × 7 window over two channels, padding wider than half the window (grid larger than the image: columns no
        // image element takes), and four 4 × 4 channels (64 column rows).
        TheoryData<bool, int, int, int, int, int, int, int, int, int> data = new();
        foreach (bool wide in MicroKernels.Avx512 ? new[] { false, true } : new[] { false })
        {
            data.Add(wide, 2, 1, 28, 28, 30, 5, 5, 0, 0);
            data.Add(wide, 1, 3, 13, 11, 17, 3, 5, 1, 2);
            data.Add(wide, 3, 4, 9, 9, 8, 2, 2, 0, 1);
            data.Add(wide, 2, 2, 20, 20, 64, 7, 7, 3, 3);
            data.Add(wide, 2, 1, 12, 40, 5, 3, 3, 2, 2);
            data.Add(wide, 2, 4, 10, 10, 9, 4, 4, 1, 1);
            // Up to 8 channels: lenet_c2's input gradient (6 channels, 16 grid channels, the grid padded by 4), 8
            // channels of 3 × 3 with padding 1, and odd counts whose column rows leave the last row block partial (5
            // channels of 3 × 3: 45 rows; 7 of 2 × 2 padded along the rows only: 28).
            data.Add(wide, 2, 6, 14, 14, 16, 5, 5, 0, 0);
            data.Add(wide, 2, 8, 9, 9, 12, 3, 3, 1, 1);
            data.Add(wide, 2, 5, 11, 9, 7, 3, 3, 1, 1);
            data.Add(wide, 1, 7, 12, 14, 6, 2, 2, 0, 1);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StrideOneCol2ImShapes))]
    public void Stride_1_col2im_scatter_matches_the_reference_with_bias_on_any_thread_count(bool wide, int n, int c, int h, int w, int gc, int kh, int kw, int ph, int pw)
    {
        // Stride-1 transposed correlations into at most eight image channels: a GEMM of the re-laid weights with the grid's
        // planes into im2col columns per image, then col2im and the bias; one task per image, so the same bits on 1, 2
        // and 3 threads.
        Shape4 xs = new(n, c, h, w), ws = new(gc, c, kh, kw);
        Shape4 ys = new(n, gc, NaiveOps.ConvOutSize(h, kh, 1, ph), NaiveOps.ConvOutSize(w, kw, 1, pw));
        var kernel = new ConvolutionKernel(n, c, h, w, gc, ys.H, ys.W, kh, kw, 1, 1, ph, pw, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide, winograd: false);
        Assert.Equal(wide || Fma.IsSupported, kernel.ScattersByStrideOneCol2Im);
        double[] wt = TestData.Random(ws.Length, 71), b = TestData.Random(c, 72), gy = TestData.Random(ys.Length, 73);
        double[] expected = InputGradientWithBias(wt, ws, gy, ys, xs, 1, 1, ph, pw, b);

        string name = xs + " k" + kh + "×" + kw + " p" + ph + "×" + pw + " gc" + gc + (wide ? " wide" : " 256-bit");
        AssertSameBitsOnAnyThreadCount(expected, xs.Length, gx => kernel.Scatter(TestData.ToSingle(gy), TestData.ToSingle(wt), TestData.ToSingle(b), gx), AbsTol, name, xs.Dims);
    }

    [Theory]
    [InlineData(2, 20, 28, 28, 32, 3, 3, 1)]
    [InlineData(3, 5, 13, 11, 40, 3, 3, 1)]
    [InlineData(2, 9, 16, 16, 64, 4, 4, 1)]
    [InlineData(2, 7, 14, 14, 32, 3, 3, 0)]
    public void Col2Im_with_streamed_stores_matches_the_reference_bit_for_bit_with_ordinary_stores(int n, int c, int h, int w, int gc, int kh, int kw, int p)
    {
        // Images of at least StreamedStores.MinimumBytes are written plane by plane through a buffer by non-temporal
        // stores; these small ones are forced onto that path and must equal the ordinary stores: planes that are not whole
        // 64-byte lines (13 × 11, 14 × 14) and planes that are (28 × 28, 16 × 16).
        if (!MicroKernels.Avx512)
        {
            return;
        }

        Shape4 xs = new(n, c, h, w), ws = new(gc, c, kh, kw);
        Shape4 ys = new(n, gc, NaiveOps.ConvOutSize(h, kh, 2, p), NaiveOps.ConvOutSize(w, kw, 2, p));
        double[] wt = TestData.Random(ws.Length, 64), b = TestData.Random(c, 65), gy = TestData.Random(ys.Length, 66);
        float[] Run(long streamedBytes)
        {
            Col2ImGemmPlan plan = Col2ImGemmPlan.TryCreate(n, gc, ys.H, ys.W, c, h, w, kh, kw, 2, 2, p, p, streamedBytes: streamedBytes)!;
            Assert.Equal(streamedBytes == 0, plan.Streamed);
            float[] gx = Filled(xs.Length);
            plan.Run(TestData.ToSingle(gy), TestData.ToSingle(wt), TestData.ToSingle(b), gx);
            return gx;
        }

        float[] streamed = Run(0), ordinary = Run(long.MaxValue);
        double[] expected = InputGradientWithBias(wt, ws, gy, ys, xs, 2, 2, p, p, b);

        TensorAssert.Close(expected, streamed, RelTol, AbsTol, xs + " streamed gx", xs.Dims);
        Assert.Equal(ordinary, streamed);
    }

    [Theory]
    [InlineData(2, 20, 28, 28, 32, true)]
    [InlineData(3, 13, 24, 24, 48, false)]
    [InlineData(2, 20, 26, 10, 40, true)]
    public void The_col2im_tail_as_row_vectors_is_bit_identical_to_the_narrow_tile(int n, int c, int h, int w, int gc, bool biased)
    {
        // Grid planes whose last 1–4 positions follow whole 32-position strips (14 × 14 = 6 · 32 + 4, 13 × 5 = 2 · 32 + 1)
        // compute them as vectors of 64 column rows, each sum the same FMA chain over the grid channels as the 12 × 16
        // tile's; a plane with 16 left over (12 × 12 = 4 · 32 + 16) keeps the tile.
        if (!MicroKernels.Avx512)
        {
            return;
        }

        int gh = NaiveOps.ConvOutSize(h, 3, 2, 1), gw = NaiveOps.ConvOutSize(w, 3, 2, 1);
        float[] wt = TestData.RandomSingle(gc * c * 9, 101), gy = TestData.RandomSingle(n * gc * gh * gw, 102), b = TestData.RandomSingle(c, 103);
        float[] Run(bool rowTail, out bool used)
        {
            Col2ImGemmPlan plan = Col2ImGemmPlan.TryCreate(n, gc, gh, gw, c, h, w, 3, 3, 2, 2, 1, 1, rowTail)!;
            used = plan.TailAsRows;
            float[] gx = Filled(n * c * h * w);
            plan.Run(gy, wt, biased ? b : ReadOnlySpan<float>.Empty, gx);
            return gx;
        }

        float[] rows = Run(true, out bool rowsUsed), tile = Run(false, out bool tileUsed);
        Assert.False(tileUsed);
        Assert.Equal(gh * gw % 32 is > 0 and <= 4, rowsUsed);
        Assert.Equal(tile, rows);
    }

    [Fact]
    public void The_forward_and_input_gradient_are_bit_identical_across_tile_families()
    {
        // Each output element is one FMA chain over the taps in the same order in both families (the GEMM path; Winograd
        // rounds differently).
        if (!MicroKernels.Avx512)
        {
            return;
        }

        (int n, int c, int h, int w, int oc, int k) = (2, 24, 15, 17, 40, 3);
        int yh = h, yw = w;
        float[] x = TestData.RandomSingle(n * c * h * w, 31), wt = TestData.RandomSingle(oc * c * k * k, 32), b = TestData.RandomSingle(oc, 33), gy = TestData.RandomSingle(n * oc * yh * yw, 34);
        float[][] Run(bool wide)
        {
            var kernel = new ConvolutionKernel(n, c, h, w, oc, yh, yw, k, k, 1, 1, 1, 1, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide, winograd: false);
            float[] y = new float[gy.Length], gx = new float[x.Length];
            kernel.Correlate(x, wt, b, y);
            kernel.Scatter(gy, wt, ReadOnlySpan<float>.Empty, gx);
            return new[] { y, gx };
        }

        float[][] narrow = Run(false), wideResults = Run(true);
        Assert.Equal(narrow[0], wideResults[0]);
        Assert.Equal(narrow[1], wideResults[1]);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 1)]
    public void Broadcast_plans_give_the_same_bits_on_any_thread_count_and_a_warm_call_allocates_nothing(bool wide, int n)
    {
        // The broadcast correlation (both widths) and the 256-bit broadcast transposed correlation of a strided 3×3
        // window, 32 image channels and 64 grid channels: batch 1, whose single image is cut into several tasks (one task
        // per image had left the second core idle), and batch 3. The same bits for 1, 2, 3 and 5 threads; a warm call
        // allocates nothing on the calling thread (which runs tasks too).
        if (wide && !MicroKernels.Avx512)
        {
            return;
        }

        const int c = 32, h = 14, gc = 64;
        var kernel = new ConvolutionKernel(n, c, h, h, gc, 7, 7, 3, 3, 2, 2, 1, 1, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide);
        Assert.True(kernel.CorrelatesByBroadcast);
        Assert.Equal(!wide && Fma.IsSupported, kernel.ScattersByBroadcast);
        (int correlateTasks, int scatterTasks) = kernel.BroadcastTasks;
        Assert.True(correlateTasks >= 2, $"{correlateTasks} correlation tasks");
        Assert.True(wide || scatterTasks >= 2 * n, $"{scatterTasks} transposed-correlation tasks");
        float[] x = TestData.RandomSingle(n * c * h * h, 101), w = TestData.RandomSingle(gc * c * 9, 102), b = TestData.RandomSingle(gc, 103), gy = TestData.RandomSingle(n * gc * 49, 104), bx = TestData.RandomSingle(c, 105);
        float[] y = new float[n * gc * 49], gx = new float[x.Length];
        float[][] Run()
        {
            kernel.Correlate(x, w, b, y);
            kernel.Scatter(gy, w, bx, gx);
            return new[] { (float[])y.Clone(), (float[])gx.Clone() };
        }

        int saved = TensorThreads.Count;
        try
        {
            TensorThreads.Count = 1;
            float[][] one = Run();
            foreach (int threads in new[] { 2, 3, 5 })
            {
                TensorThreads.Count = threads;
                float[][] many = Run();
                Assert.Equal(one[0], many[0]);
                Assert.Equal(one[1], many[1]);
                Run();
                long before = GC.GetAllocatedBytesForCurrentThread();
                kernel.Correlate(x, w, b, y);
                kernel.Scatter(gy, w, bx, gx);
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }
        finally
        {
            TensorThreads.Count = saved;
        }
    }

    [Fact]
    public void A_warm_call_allocates_nothing()
    {
        Conv c = Convs["Strided3x3"];
        float[] x = new float[c.X.Length], w = new float[c.OC * c.X.C * 9], b = new float[c.OC], y = new float[c.X.N * c.OC * 15 * 15], gx = new float[c.X.Length], gw = new float[w.Length];
        void All()
        {
            c.Run(x, w, b, y);
            c.Gx(w, y, gx);
            c.Gw(x, y, gw);
        }

        All();
        All();
        long before = GC.GetAllocatedBytesForCurrentThread();
        All();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_weight_gradient_no_smaller_than_its_image_is_re_laid_in_two_channel_groups(bool wide)
    {
        // 384 channels into 384 through a 1×1 window: enough tap blocks for one channel group by the task count alone,
        // but the grid gradient is as large as the image, so two threads re-lay half of it each; the sums are unchanged.
        if (wide && !MicroKernels.Avx512)
        {
            return;
        }

        const int n = 1, c = 384, h = 8, w = 8, oc = 384;
        Shape4 xs = new(n, c, h, w), ws = new(oc, c, 1, 1), ys = new(n, oc, h, w);
        var kernel = new ConvolutionKernel(n, c, h, w, oc, h, w, 1, 1, 1, 1, 0, 0, new ConvolutionTiling(2, 4, 8, 2, 4, 8), wide);
        Assert.Equal(wide || Fma.IsSupported, kernel.GradientTransposesPerThread);
        if (kernel.GradientTransposesPerThread)
        {
            Assert.Equal(2, kernel.GradientChannelGroups);
        }

        double[] x = TestData.Random(xs.Length, 81), gy = TestData.Random(ys.Length, 82);
        AssertWeightGradientMatchesReference(x, xs, gy, ys, ws, 1, 0, WeightGradientOf(kernel, x, gy, ws));
    }

    /// <summary>The naive transposed correlation (conv2d's input gradient), plus a bias per image channel where given.</summary>
    private static double[] InputGradientWithBias(double[] wt, Shape4 ws, double[] gy, Shape4 ys, Shape4 xs, int sh, int sw, int ph, int pw, double[]? bias)
    {
        double[] expected = NaiveOps.Conv2dGradX(wt, ws, gy, ys, xs, sh, sw, ph, pw);
        for (int i = 0; bias is not null && i < expected.Length; i++)
        {
            expected[i] += bias[i / (xs.H * xs.W) % xs.C];
        }

        return expected;
    }

    /// <summary>
    /// Runs <paramref name="run"/> into a NaN-filled output of <paramref name="length"/> on 1, 2 and 3 threads, every
    /// thread's scratch poisoned first: each result close to <paramref name="expected"/>, all of them the same bits.
    /// </summary>
    private static void AssertSameBitsOnAnyThreadCount(double[] expected, int length, Action<float[]> run, double absTol, string name, int[] dims)
    {
        int saved = TensorThreads.Count;
        try
        {
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                TensorThreads.Count = threads;
                PoisonWorkspaces();
                float[] result = Filled(length);
                run(result);
                TensorAssert.Close(expected, result, RelTol, absTol, name + ", " + threads + " threads", dims);
                first ??= result;
                Assert.Equal(first, result);
            }
        }
        finally
        {
            TensorThreads.Count = saved;
        }
    }

    private static float[] Filled(int length)
    {
        float[] values = new float[length];
        Array.Fill(values, float.NaN);
        return values;
    }

    /// <summary>Runs <paramref name="action"/> on a new thread (fresh thread-local scratch buffers) and rethrows what it threw.</summary>
    private static void OnFreshThread(Action action)
    {
        Exception? failure = null;
        var thread = new System.Threading.Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>
    /// Fills every thread's scratch buffers (a transformed image, tiles) with NaN, grown first to more than the tests'
    /// kernels take, so that a kernel reading scratch it did not write in that call yields NaN rather than a leftover.
    /// </summary>
    private static void PoisonWorkspaces()
    {
        var job = new PoisonJob();
        TensorThreads.Run(TensorThreads.Count, ref job);
    }

    private struct PoisonJob : IParallelJob
    {
        public void Execute(int begin, int end)
        {
            Workspace.Source(1 << 20).AsSpan().Fill(float.NaN);
            Workspace.Tile(1 << 20).AsSpan().Fill(float.NaN);
        }
    }
}
