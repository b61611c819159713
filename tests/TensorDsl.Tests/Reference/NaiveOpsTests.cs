using System;
using System.Collections.Generic;
using Xunit;

namespace TensorDsl.Tests.Reference;

/// <summary>
/// Tests of the reference itself against independent facts: the worked examples of DeZero / "Deep Learning from Scratch",
/// adjoint identities (⟨A x, g⟩ = ⟨x, Aᵀ g⟩) that tie each forward to its backward, and finite differences.
/// </summary>
public class NaiveOpsTests
{
    private const double Tight = 1e-12;

    // ------------------------------------------------------------------ worked examples

    [Fact]
    public void Conv2d_Arange4x4_OnesKernel_Bias3()
    {
        double[] y = NaiveOps.Conv2d(
            TestData.Arange(16), new Shape4(1, 1, 4, 4), TestData.Filled(4, 1), new Shape4(1, 1, 2, 2), new[] { 3.0 }, 1, 1, 0, 0);
        Assert.Equal(new double[] { 13, 17, 21, 29, 33, 37, 45, 49, 53 }, y);
    }

    [Fact]
    public void Conv2d_Arange3x3_Pad1_OnesKernel_Bias3()
    {
        double[] y = NaiveOps.Conv2d(
            TestData.Arange(9), new Shape4(1, 1, 3, 3), TestData.Filled(4, 1), new Shape4(1, 1, 2, 2), new[] { 3.0 }, 1, 1, 1, 1);
        Assert.Equal(new double[] { 3, 4, 6, 5, 6, 11, 15, 10, 12, 23, 27, 16, 9, 16, 18, 11 }, y);
    }

    [Fact]
    public void Conv2d_TwoChannels_ThreeFilters()
    {
        double[] y = NaiveOps.Conv2d(
            TestData.Arange(18), new Shape4(1, 2, 3, 3), TestData.Filled(24, 1), new Shape4(3, 2, 2, 2), new[] { 3.0, 3.0, 3.0 },
            1, 1, 0, 0);
        Assert.Equal(new double[] { 55, 63, 79, 87, 55, 63, 79, 87, 55, 63, 79, 87 }, y);
    }

    [Fact]
    public void Conv2d_WithoutBias_IsConvWithZeroBias()
    {
        var xs = new Shape4(2, 3, 5, 4);
        var ws = new Shape4(2, 3, 3, 2);
        double[] x = TestData.Random(xs.Length, 1), w = TestData.Random(ws.Length, 2);
        Assert.Equal(
            NaiveOps.Conv2d(x, xs, w, ws, new double[2], 2, 1, 1, 0), NaiveOps.Conv2d(x, xs, w, ws, null, 2, 1, 1, 0));
    }

    [Theory]
    [InlineData(1, 9)]
    [InlineData(10, 90)]
    public void Im2col_MatrixShape_MatchesBook(int n, int rows)
    {
        var xs = new Shape4(n, 3, 7, 7);
        double[] col = NaiveOps.Im2col(TestData.Random(xs.Length, 3), xs, 5, 5, 1, 1, 0, 0, toMatrix: true);
        Assert.Equal(rows * 75, col.Length);
        Assert.Equal(3, NaiveOps.ConvOutSize(7, 5, 1, 0));
    }

    [Fact]
    public void Col2im_OfIm2col_CountsWindowsPerCell()
    {
        var xs = new Shape4(1, 1, 4, 4);
        foreach (bool toMatrix in new[] { false, true })
        {
            double[] col = NaiveOps.Im2col(TestData.Arange(16), xs, 2, 2, 1, 1, 0, 0, toMatrix);
            double[] x = NaiveOps.Col2im(col, xs, 2, 2, 1, 1, 0, 0, toMatrix);
            Assert.Equal(new double[] { 0, 2, 4, 3, 8, 20, 24, 14, 16, 36, 40, 22, 12, 26, 28, 15 }, x);
        }
    }

    [Fact]
    public void Im2col_Arange4x4_MatrixRowsAreWindows()
    {
        double[] col = NaiveOps.Im2col(TestData.Arange(16), new Shape4(1, 1, 4, 4), 2, 2, 2, 2, 0, 0, toMatrix: true);
        Assert.Equal(new double[] { 0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15 }, col);
    }

    [Fact]
    public void MaxPool2d_BookExample_ForwardAndBackward()
    {
        var xs = new Shape4(1, 1, 4, 4);
        double[] x = { 7, 11, 13, 15, 3, 4, 2, 3, 1, 2, 15, 9, 1, 8, 3, 10 };
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(x, xs, 2, 2, 2, 2, 0, 0);
        Assert.Equal(new double[] { 11, 15, 8, 15 }, y);
        Assert.Equal(new[] { 1, 3, 13, 10 }, indexes);
        double[] gx = NaiveOps.MaxPool2dBackward(indexes, new double[] { 1, 2, 3, 4 }, new Shape4(1, 1, 2, 2), xs);
        Assert.Equal(new double[] { 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 4, 0, 0, 3, 0, 0 }, gx);
    }

    // ------------------------------------------------------------------ max pooling edge cases

    [Fact]
    public void MaxPool2d_Ties_FirstMaximumInScanOrderWins()
    {
        // Window 2×3 over [[1,2,2],[2,0,0]]: maxima at (0,1), (0,2), (1,0); the first in row-major order is index 1.
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(new double[] { 1, 2, 2, 2, 0, 0 }, new Shape4(1, 1, 2, 3), 2, 3, 1, 1, 0, 0);
        Assert.Equal(new double[] { 2 }, y);
        Assert.Equal(new[] { 1 }, indexes);
    }

    [Fact]
    public void MaxPool2d_NaN_Wins_FirstOrLastByPolicy()
    {
        double[] x = { double.NaN, 1, double.NaN, 2, 2, 0 };
        var xs = new Shape4(1, 1, 2, 3);
        (double[] first, int[] firstIndexes) = NaiveOps.MaxPool2d(x, xs, 2, 3, 1, 1, 0, 0, MaxPoolNaN.FirstWins);
        (double[] last, int[] lastIndexes) = NaiveOps.MaxPool2d(x, xs, 2, 3, 1, 1, 0, 0, MaxPoolNaN.LastWins);
        Assert.True(double.IsNaN(first[0]));
        Assert.True(double.IsNaN(last[0]));
        Assert.Equal(new[] { 0 }, firstIndexes);
        Assert.Equal(new[] { 2 }, lastIndexes);

        // A NaN later in the window beats an earlier larger number.
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(new double[] { 5, 1, double.NaN, 2 }, new Shape4(1, 1, 2, 2), 2, 2, 1, 1, 0, 0);
        Assert.True(double.IsNaN(y[0]));
        Assert.Equal(new[] { 2 }, indexes);
    }

    [Fact]
    public void MaxPool2d_PaddingNeverWins_EvenAgainstNegatives()
    {
        // All inputs negative: a zero-padded implementation would return 0 at the border windows.
        var xs = new Shape4(1, 1, 3, 3);
        double[] x = { -9, -8, -7, -6, -5, -4, -3, -2, -1 };
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(x, xs, 2, 2, 2, 2, 1, 1);
        Assert.Equal(new double[] { -9, -7, -3, -1 }, y);
        Assert.Equal(new[] { 0, 2, 6, 8 }, indexes);
    }

    [Fact]
    public void MaxPool2d_AllNegativeInfinity_ReportsFirstCellInsideImage()
    {
        // Observed with torch 1.13: max_pool2d(full((1,1,2,3), -inf), (2,3), 1, (1,1)) gives indexes [[0,0,1],[0,0,1],[3,3,4]].
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(
            TestData.Filled(6, double.NegativeInfinity), new Shape4(1, 1, 2, 3), 2, 3, 1, 1, 1, 1);
        Assert.All(y, v => Assert.Equal(double.NegativeInfinity, v));
        Assert.Equal(new[] { 0, 0, 1, 0, 0, 1, 3, 3, 4 }, indexes);
    }

    [Fact]
    public void MaxPool2d_WindowEntirelyInPadding_Throws()
    {
        Assert.Throws<ArgumentException>(() => NaiveOps.MaxPool2d(TestData.Arange(4), new Shape4(1, 1, 2, 2), 1, 1, 1, 1, 1, 1));
    }

    // ------------------------------------------------------------------ average pooling facts

    [Fact]
    public void AvgPool2d_ConstantInput_ExcludingPad_IsConstant_IncludingPad_IsInsideFraction()
    {
        var xs = new Shape4(1, 1, 3, 3);
        double[] x = TestData.Filled(9, 6);
        double[] exclude = NaiveOps.AvgPool2d(x, xs, 2, 2, 2, 2, 1, 1, countIncludePad: false);
        double[] include = NaiveOps.AvgPool2d(x, xs, 2, 2, 2, 2, 1, 1, countIncludePad: true);
        Assert.Equal(new double[] { 6, 6, 6, 6 }, exclude);
        Assert.Equal(new double[] { 1.5, 3, 3, 6 }, include); // windows hold 1, 2, 2, 4 image cells of 4
    }

    [Fact]
    public void AvgPool2d_NoPadding_IsMeanOfWindow()
    {
        double[] y = NaiveOps.AvgPool2d(TestData.Arange(16), new Shape4(1, 1, 4, 4), 2, 2, 2, 2, 0, 0, countIncludePad: true);
        Assert.Equal(new double[] { 2.5, 4.5, 10.5, 12.5 }, y);
    }

    // ------------------------------------------------------------------ sizes

    [Theory]
    [InlineData(4, 2, 1, 0, 3)]
    [InlineData(3, 2, 1, 1, 4)]
    [InlineData(7, 5, 1, 0, 3)]
    [InlineData(11, 4, 3, 2, 4)] // floor((11 + 4 − 4) / 3) + 1
    [InlineData(5, 5, 1, 2, 5)]
    [InlineData(2, 3, 2, 1, 1)]
    public void ConvOutSize_IsFloor(int size, int k, int s, int p, int expected)
        => Assert.Equal(expected, NaiveOps.ConvOutSize(size, k, s, p));

    [Fact]
    public void ConvOutSize_KernelLargerThanPaddedInput_Throws()
        => Assert.Throws<ArgumentException>(() => NaiveOps.ConvOutSize(2, 5, 2, 1));

    [Theory]
    [InlineData(3, 3, 2, 1, 0, 5)]
    [InlineData(3, 3, 2, 1, 1, 6)]
    [InlineData(4, 2, 3, 0, 2, 13)]
    public void DeconvOutSize_IsStrideTimesSizeMinusOne_PlusKernel_MinusTwicePad(int size, int k, int s, int p, int op, int expected)
        => Assert.Equal(expected, NaiveOps.DeconvOutSize(size, k, s, p, op));

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void ConvOutSize_InvertsDeconvOutSize_UpToStrideRemainder(
        int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        _ = n;
        _ = c;
        _ = oc;
        int oh = NaiveOps.ConvOutSize(h, kh, sh, ph), ow = NaiveOps.ConvOutSize(w, kw, sw, pw);
        int rh = (h + 2 * ph - kh) % sh, rw = (w + 2 * pw - kw) % sw;
        Assert.Equal(h, NaiveOps.DeconvOutSize(oh, kh, sh, ph, rh));
        Assert.Equal(w, NaiveOps.DeconvOutSize(ow, kw, sw, pw, rw));
    }

    // ------------------------------------------------------------------ adjoint identities

    /// <summary>(N, C, H, W, OC, KH, KW, sh, sw, ph, pw).</summary>
    /// <remarks>xunit's TheoryData stops at ten type arguments, hence object arrays.</remarks>
    public static IEnumerable<object[]> ConvCases => new[]
    {
        new object[] { 1, 1, 4, 4, 1, 2, 2, 1, 1, 0, 0 },   // the book's first example shape
        new object[] { 2, 3, 7, 5, 4, 3, 2, 2, 1, 1, 0 },   // non-square kernel, mixed strides, pad in one axis
        new object[] { 1, 2, 9, 8, 3, 2, 3, 3, 4, 1, 2 },   // stride > kernel in both axes: some inputs are never read
        new object[] { 3, 1, 5, 5, 2, 5, 5, 1, 1, 2, 2 },   // kernel as large as the image, "same" padding
        new object[] { 1, 4, 6, 7, 2, 1, 1, 2, 2, 0, 0 },   // 1×1 kernel, stride 2, odd width
        new object[] { 2, 2, 11, 6, 3, 4, 3, 3, 2, 2, 1 },  // stride does not divide: trailing rows unused
        new object[] { 1, 3, 1, 9, 2, 1, 3, 1, 2, 0, 1 },   // height 1
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_GradX_GradW_AreAdjoints(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var xs = new Shape4(n, c, h, w);
        var ws = new Shape4(oc, c, kh, kw);
        var ys = new Shape4(n, oc, NaiveOps.ConvOutSize(h, kh, sh, ph), NaiveOps.ConvOutSize(w, kw, sw, pw));
        double[] x = TestData.Random(xs.Length, 10), wt = TestData.Random(ws.Length, 11), g = TestData.Random(ys.Length, 12);

        double[] y = NaiveOps.Conv2d(x, xs, wt, ws, null, sh, sw, ph, pw);
        Assert.Equal(ys.Length, y.Length);
        double yg = NaiveOps.Dot(y, g);
        double xgx = NaiveOps.Dot(x, NaiveOps.Conv2dGradX(wt, ws, g, ys, xs, sh, sw, ph, pw));
        double wgw = NaiveOps.Dot(wt, NaiveOps.Conv2dGradW(x, xs, g, ys, kh, kw, sh, sw, ph, pw));
        AssertClose(yg, xgx, "<Conv2d(x,w), g> vs <x, GradX(w,g)>");
        AssertClose(yg, wgw, "<Conv2d(x,w), g> vs <w, GradW(x,g)>");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_Bias_IsAdjointOfGradB(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var xs = new Shape4(n, c, h, w);
        var ws = new Shape4(oc, c, kh, kw);
        double[] x = TestData.Random(xs.Length, 20), wt = TestData.Random(ws.Length, 21), b = TestData.Random(oc, 22);
        double[] withBias = NaiveOps.Conv2d(x, xs, wt, ws, b, sh, sw, ph, pw);
        double[] without = NaiveOps.Conv2d(x, xs, wt, ws, null, sh, sw, ph, pw);
        var ys = new Shape4(n, oc, NaiveOps.ConvOutSize(h, kh, sh, ph), NaiveOps.ConvOutSize(w, kw, sw, pw));
        double[] g = TestData.Random(ys.Length, 23);
        var difference = new double[withBias.Length];
        for (int i = 0; i < difference.Length; i++)
        {
            difference[i] = withBias[i] - without[i];
        }

        AssertClose(NaiveOps.Dot(difference, g), NaiveOps.Dot(b, NaiveOps.Conv2dGradB(g, ys)), "<bias part, g> vs <b, GradB(g)>");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Deconv2d_WithInputSize_EqualsConv2dGradX(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var xs = new Shape4(n, c, h, w);
        var ws = new Shape4(oc, c, kh, kw); // read by Deconv2d as [Cin = oc, Cout = c, KH, KW]
        var ys = new Shape4(n, oc, NaiveOps.ConvOutSize(h, kh, sh, ph), NaiveOps.ConvOutSize(w, kw, sw, pw));
        double[] wt = TestData.Random(ws.Length, 30), g = TestData.Random(ys.Length, 31);
        double[] viaDeconv = NaiveOps.Deconv2d(g, ys, wt, ws, null, sh, sw, ph, pw, h, w);
        double[] viaGradX = NaiveOps.Conv2dGradX(wt, ws, g, ys, xs, sh, sw, ph, pw);
        TensorAssert.Close(viaGradX, viaDeconv, Tight, Tight, "Deconv2d(g, w) vs Conv2dGradX(w, g)", xs.Dims);
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Deconv2d_WithBias_AddsBiasEverywhere(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        _ = h;
        _ = w;
        var xs = new Shape4(n, oc, 3, 2); // the deconvolution input: any size works
        var ws = new Shape4(oc, c, kh, kw);
        double[] x = TestData.Random(xs.Length, 40), wt = TestData.Random(ws.Length, 41), b = TestData.Random(c, 42);
        int outH = NaiveOps.DeconvOutSize(3, kh, sh, ph, sh - 1), outW = NaiveOps.DeconvOutSize(2, kw, sw, pw, sw - 1);
        double[] with = NaiveOps.Deconv2d(x, xs, wt, ws, b, sh, sw, ph, pw, outH, outW);
        double[] without = NaiveOps.Deconv2d(x, xs, wt, ws, null, sh, sw, ph, pw, outH, outW);
        var ys = new Shape4(n, c, outH, outW);
        for (int i = 0; i < with.Length; i++)
        {
            int channel = i / (outH * outW) % c;
            Assert.Equal(without[i] + b[channel], with[i], 12);
        }

        Assert.Equal(ys.Length, with.Length);
    }

    [Fact]
    public void Deconv2d_DefaultSize_UndoesShapeOfConv()
    {
        // Conv 5×5 → 3×3 with k=3, s=2, p=1; the transposed conv maps 3×3 back to 2·2 + 3 − 2 = 5.
        var xs = new Shape4(1, 2, 3, 3);
        var ws = new Shape4(2, 4, 3, 3);
        double[] y = NaiveOps.Deconv2d(TestData.Random(xs.Length, 50), xs, TestData.Random(ws.Length, 51), ws, null, 2, 2, 1, 1);
        Assert.Equal(1 * 4 * 5 * 5, y.Length);
    }

    [Fact]
    public void Deconv2d_SingleInputPixel_StampsTheKernel()
    {
        // One input pixel of value 2 at (1, 0), stride 3, pad 1: the kernel (times 2) lands at rows 3−1+kh, cols 0−1+kw.
        var xs = new Shape4(1, 1, 2, 1);
        var ws = new Shape4(1, 1, 2, 3);
        double[] w = { 1, 2, 3, 4, 5, 6 };
        double[] y = NaiveOps.Deconv2d(new double[] { 0, 2 }, xs, w, ws, null, 3, 1, 1, 1, 5, 2);
        // rows 2 and 3 receive kernel rows 0 and 1; columns −1..1 clip to 0..1, i.e. kernel columns 1 and 2.
        Assert.Equal(new double[] { 0, 0, 0, 0, 4, 6, 10, 12, 0, 0 }, y);
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Im2col_Col2im_AreAdjoints_BothLayouts(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        _ = oc;
        var xs = new Shape4(n, c, h, w);
        double[] x = TestData.Random(xs.Length, 60);
        foreach (bool toMatrix in new[] { false, true })
        {
            double[] col = NaiveOps.Im2col(x, xs, kh, kw, sh, sw, ph, pw, toMatrix);
            double[] g = TestData.Random(col.Length, 61);
            AssertClose(NaiveOps.Dot(col, g), NaiveOps.Dot(x, NaiveOps.Col2im(g, xs, kh, kw, sh, sw, ph, pw, toMatrix)), $"im2col adjoint, toMatrix={toMatrix}");
        }
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Im2col_MatrixLayout_IsTransposeOfTensorLayout(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        _ = oc;
        var xs = new Shape4(n, c, h, w);
        double[] x = TestData.Random(xs.Length, 70);
        double[] tensor = NaiveOps.Im2col(x, xs, kh, kw, sh, sw, ph, pw, toMatrix: false);
        double[] matrix = NaiveOps.Im2col(x, xs, kh, kw, sh, sw, ph, pw, toMatrix: true);
        int oh = NaiveOps.ConvOutSize(h, kh, sh, ph), ow = NaiveOps.ConvOutSize(w, kw, sw, pw);
        int columns = c * kh * kw;
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int u = 0; u < kh; u++)
        for (int v = 0; v < kw; v++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double fromTensor = tensor[((((b * c + ch) * kh + u) * kw + v) * oh + i) * ow + j];
            double fromMatrix = matrix[((b * oh + i) * ow + j) * columns + (ch * kh + u) * kw + v];
            Assert.Equal(fromTensor, fromMatrix);

            // And the value is the padded input at (i·sh + kh, j·sw + kw).
            int hh = i * sh + u - ph, ww = j * sw + v - pw;
            double expected = hh >= 0 && hh < h && ww >= 0 && ww < w ? x[xs.Offset(b, ch, hh, ww)] : 0;
            Assert.Equal(expected, fromTensor);
        }
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_EqualsIm2colMatrixTimesWeights(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        // DeZero's conv2d_simple: y = im2col(x) · Wᵀ + b, then (N, OH, OW, OC) → (N, OC, OH, OW).
        var xs = new Shape4(n, c, h, w);
        var ws = new Shape4(oc, c, kh, kw);
        double[] x = TestData.Random(xs.Length, 80), wt = TestData.Random(ws.Length, 81), b = TestData.Random(oc, 82);
        double[] col = NaiveOps.Im2col(x, xs, kh, kw, sh, sw, ph, pw, toMatrix: true);
        int oh = NaiveOps.ConvOutSize(h, kh, sh, ph), ow = NaiveOps.ConvOutSize(w, kw, sw, pw);
        var ys = new Shape4(n, oc, oh, ow);
        int columns = c * kh * kw;
        var expected = new double[ys.Length];
        for (int row = 0; row < n * oh * ow; row++)
        for (int o = 0; o < oc; o++)
        {
            double sum = b[o];
            for (int k = 0; k < columns; k++)
            {
                sum += col[row * columns + k] * wt[o * columns + k];
            }

            int bb = row / (oh * ow), i = row / ow % oh, j = row % ow;
            expected[ys.Offset(bb, o, i, j)] = sum;
        }

        TensorAssert.Close(expected, NaiveOps.Conv2d(x, xs, wt, ws, b, sh, sw, ph, pw), Tight, Tight, "conv2d vs im2col·Wᵀ", ys.Dims);
    }

    /// <summary>(N, C, H, W, KH, KW, sh, sw, ph, pw).</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> PoolCases => new()
    {
        { 1, 1, 4, 4, 2, 2, 2, 2, 0, 0 },
        { 2, 3, 7, 5, 3, 2, 2, 1, 1, 1 },  // non-square, overlapping in one axis, padded
        { 1, 2, 9, 8, 2, 3, 3, 4, 1, 1 },  // stride > kernel
        { 2, 1, 5, 6, 3, 3, 1, 1, 1, 1 },  // heavily overlapping
        { 1, 1, 6, 7, 1, 1, 2, 2, 0, 0 },  // 1×1 window
        { 1, 2, 8, 5, 4, 5, 3, 2, 2, 2 },  // padding of half the kernel (PyTorch's maximum)
    };

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void AvgPool2d_ForwardBackward_AreAdjoints(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var xs = new Shape4(n, c, h, w);
        Shape4 ys = NaiveOps.PoolOutShape(xs, kh, kw, sh, sw, ph, pw);
        double[] x = TestData.Random(xs.Length, 90), g = TestData.Random(ys.Length, 91);
        foreach (bool include in new[] { false, true })
        {
            double[] y = NaiveOps.AvgPool2d(x, xs, kh, kw, sh, sw, ph, pw, include);
            double[] gx = NaiveOps.AvgPool2dBackward(g, xs, kh, kw, sh, sw, ph, pw, include);
            AssertClose(NaiveOps.Dot(y, g), NaiveOps.Dot(x, gx), $"avg pool adjoint, countIncludePad={include}");
        }
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void AvgPool2d_CountIncludePad_DivisorIsAlwaysKernelArea(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var xs = new Shape4(n, c, h, w);
        Shape4 ys = NaiveOps.PoolOutShape(xs, kh, kw, sh, sw, ph, pw);
        for (int i = 0; i < ys.H; i++)
        for (int j = 0; j < ys.W; j++)
        {
            Assert.Equal(kh * kw, NaiveOps.AvgPoolDivisor(xs, kh, kw, sh, sw, ph, pw, true, i, j));
        }
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void MaxPool2d_Backward_WithIndexes_AreAdjoints(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var xs = new Shape4(n, c, h, w);
        double[] x = TestData.Random(xs.Length, 100);
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(x, xs, kh, kw, sh, sw, ph, pw);
        Shape4 ys = NaiveOps.PoolOutShape(xs, kh, kw, sh, sw, ph, pw);
        Assert.Equal(ys.Length, y.Length);

        // Gathering the input at its own indexes reproduces the forward.
        Assert.Equal(y, NaiveOps.MaxPool2dWithIndexes(indexes, x, xs, ys));

        double[] g = TestData.Random(ys.Length, 101), z = TestData.Random(xs.Length, 102);
        AssertClose(
            NaiveOps.Dot(NaiveOps.MaxPool2dBackward(indexes, g, ys, xs), z),
            NaiveOps.Dot(g, NaiveOps.MaxPool2dWithIndexes(indexes, z, xs, ys)),
            "<MaxPoolBackward(idx, g), z> vs <g, WithIndexes(idx, z)>");
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void MaxPool2d_ValueIsWindowMaximum_AndIndexPointsAtIt(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var xs = new Shape4(n, c, h, w);
        double[] x = TestData.Random(xs.Length, 110);
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(x, xs, kh, kw, sh, sw, ph, pw);
        Shape4 ys = NaiveOps.PoolOutShape(xs, kh, kw, sh, sw, ph, pw);
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < ys.H; i++)
        for (int j = 0; j < ys.W; j++)
        {
            int k = ys.Offset(b, ch, i, j);
            int hh = indexes[k] / w, ww = indexes[k] % w;
            Assert.InRange(hh, Math.Max(0, i * sh - ph), Math.Min(h, i * sh - ph + kh) - 1);
            Assert.InRange(ww, Math.Max(0, j * sw - pw), Math.Min(w, j * sw - pw + kw) - 1);
            Assert.Equal(x[xs.Offset(b, ch, hh, ww)], y[k]);
            for (int u = Math.Max(0, i * sh - ph); u < Math.Min(h, i * sh - ph + kh); u++)
            for (int v = Math.Max(0, j * sw - pw); v < Math.Min(w, j * sw - pw + kw); v++)
            {
                Assert.True(x[xs.Offset(b, ch, u, v)] <= y[k]);
            }
        }
    }

    [Fact]
    public void MaxPool2dBackward_OverlappingWindows_Accumulate()
    {
        // 3×3 input with its maximum in the centre; 2×2 windows at stride 1 all pick the centre.
        var xs = new Shape4(1, 1, 3, 3);
        (_, int[] indexes) = NaiveOps.MaxPool2d(new double[] { 0, 0, 0, 0, 9, 0, 0, 0, 0 }, xs, 2, 2, 1, 1, 0, 0);
        Assert.Equal(new[] { 4, 4, 4, 4 }, indexes);
        double[] gx = NaiveOps.MaxPool2dBackward(indexes, new double[] { 1, 2, 3, 4 }, new Shape4(1, 1, 2, 2), xs);
        Assert.Equal(new double[] { 0, 0, 0, 0, 10, 0, 0, 0, 0 }, gx);
    }

    // ------------------------------------------------------------------ finite differences

    [Fact]
    public void FiniteDifferences_AgreeWithConv2dGradients_ElementByElement()
    {
        var xs = new Shape4(2, 2, 4, 5);
        var ws = new Shape4(3, 2, 3, 2);
        const int sh = 2, sw = 1, ph = 1, pw = 1;
        var ys = new Shape4(2, 3, NaiveOps.ConvOutSize(4, 3, sh, ph), NaiveOps.ConvOutSize(5, 2, sw, pw));
        double[] x = TestData.Random(xs.Length, 120), w = TestData.Random(ws.Length, 121), b = TestData.Random(3, 122);
        double[] g = TestData.Random(ys.Length, 123);

        // L = <Conv2d(x, w, b), g>, so ∂L/∂x = GradX(w, g), ∂L/∂w = GradW(x, g), ∂L/∂b = GradB(g).
        double[] numericX = FiniteDifference.Gradient(p => NaiveOps.Dot(NaiveOps.Conv2d(p, xs, w, ws, b, sh, sw, ph, pw), g), x);
        double[] numericW = FiniteDifference.Gradient(p => NaiveOps.Dot(NaiveOps.Conv2d(x, xs, p, ws, b, sh, sw, ph, pw), g), w);
        double[] numericB = FiniteDifference.Gradient(p => NaiveOps.Dot(NaiveOps.Conv2d(x, xs, w, ws, p, sh, sw, ph, pw), g), b);

        TensorAssert.Close(numericX, NaiveOps.Conv2dGradX(w, ws, g, ys, xs, sh, sw, ph, pw), 1e-7, 1e-8, "GradX vs finite differences", xs.Dims);
        TensorAssert.Close(numericW, NaiveOps.Conv2dGradW(x, xs, g, ys, 3, 2, sh, sw, ph, pw), 1e-7, 1e-8, "GradW vs finite differences", ws.Dims);
        TensorAssert.Close(numericB, NaiveOps.Conv2dGradB(g, ys), 1e-7, 1e-8, "GradB vs finite differences");
    }

    [Fact]
    public void FiniteDifferences_RandomProjection_AgreeWithConv2dGradients()
    {
        var xs = new Shape4(2, 3, 6, 5);
        var ws = new Shape4(2, 3, 2, 3);
        const int sh = 2, sw = 2, ph = 1, pw = 0;
        var ys = new Shape4(2, 2, NaiveOps.ConvOutSize(6, 2, sh, ph), NaiveOps.ConvOutSize(5, 3, sw, pw));
        double[] x = TestData.Random(xs.Length, 130), w = TestData.Random(ws.Length, 131);

        FiniteDifference.CheckGradient(
            p => NaiveOps.Conv2d(p, xs, w, ws, null, sh, sw, ph, pw),
            (_, v) => NaiveOps.Conv2dGradX(w, ws, v, ys, xs, sh, sw, ph, pw),
            x, seed: 1, tolerance: 1e-7);
        FiniteDifference.CheckGradient(
            p => NaiveOps.Conv2d(x, xs, p, ws, null, sh, sw, ph, pw),
            (_, v) => NaiveOps.Conv2dGradW(x, xs, v, ys, 2, 3, sh, sw, ph, pw),
            w, seed: 2, tolerance: 1e-7);
    }

    [Fact]
    public void FiniteDifferences_AgreeWithPoolingBackward_AwayFromTies()
    {
        var xs = new Shape4(1, 2, 5, 5);
        const int k = 3, s = 2, p = 1;
        Shape4 ys = NaiveOps.PoolOutShape(xs, k, k, s, s, p, p);
        double[] x = TestData.Random(xs.Length, 140); // distinct values, so max pooling is differentiable here
        (_, int[] indexes) = NaiveOps.MaxPool2d(x, xs, k, k, s, s, p, p);

        FiniteDifference.CheckGradient(
            q => NaiveOps.MaxPool2d(q, xs, k, k, s, s, p, p).Y,
            (_, v) => NaiveOps.MaxPool2dBackward(indexes, v, ys, xs),
            x, seed: 3, tolerance: 1e-7);
        foreach (bool include in new[] { false, true })
        {
            FiniteDifference.CheckGradient(
                q => NaiveOps.AvgPool2d(q, xs, k, k, s, s, p, p, include),
                (_, v) => NaiveOps.AvgPool2dBackward(v, xs, k, k, s, s, p, p, include),
                x, seed: 4, tolerance: 1e-7);
        }
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        double scale = Math.Max(1, Math.Max(Math.Abs(expected), Math.Abs(actual)));
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * scale, $"{what}: {expected:R} vs {actual:R}");
    }
}
