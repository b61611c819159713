using System;
using System.Collections.Generic;
using System.Linq;
using TensorDsl.Kernels;
using TensorDsl.Tests.Reference;
using Xunit;

namespace TensorDsl.Tests.Kernels;

/// <summary>
/// The float32 pooling kernels on every vector width (16, 8 and 4 lanes, and scalar), forced through their internal
/// entry points, over awkward geometries and values (ties, NaN, ±∞, −0). Max pooling is checked exactly against
/// <see cref="NaiveOps"/> (float values compare in double as in float). Average pooling is checked against
/// <see cref="NaiveOps"/> within the float tolerance and, bit for bit, against a naive float32 loop in the documented
/// order (each window summed from +0 in row-major order, then divided; the backward adds each window's share to its
/// cells, windows in row-major order), which is what the kernels promise whatever the width.
/// </summary>
public class PoolingKernelTests
{
    public static readonly int[] Widths = { 16, 8, 4, 1 };

    /// <summary>H, W, KH, KW, SH, SW, PH, PW, count_include_pad: the benchmark shapes' kinds over odd sizes.</summary>
    private static readonly Dictionary<string, (int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, bool Include)> Geometries = new()
    {
        ["Max2x2"] = (8, 56, 2, 2, 2, 2, 0, 0, false),
        ["Max2x2Odd"] = (9, 37, 2, 2, 2, 2, 0, 0, false),
        ["Max2x2Small"] = (3, 7, 2, 2, 2, 2, 0, 0, false),
        ["Max2x2Wide"] = (4, 70, 2, 2, 2, 2, 0, 0, false),
        ["Spaced"] = (10, 23, 2, 2, 3, 2, 0, 0, false),
        ["Row1x2"] = (5, 41, 1, 2, 2, 2, 0, 0, false),
        ["Same3x3"] = (7, 37, 3, 3, 1, 1, 1, 1, true),
        ["Same3x3Exclude"] = (6, 23, 3, 3, 1, 1, 1, 1, false),
        ["Same3x3Narrow"] = (5, 18, 3, 3, 1, 1, 1, 1, true),
        ["Same3x3Tiny"] = (3, 3, 3, 3, 1, 1, 1, 1, false),
        ["Stem3x3"] = (11, 41, 3, 3, 2, 2, 1, 1, true),
        ["Stem3x3Exclude"] = (12, 50, 3, 3, 2, 2, 1, 1, false),
        ["Tall4x2"] = (12, 26, 4, 2, 3, 1, 2, 1, false),
        ["Wide5x5"] = (7, 19, 5, 5, 1, 1, 2, 2, true),
        ["Odd3x4"] = (9, 44, 3, 4, 2, 2, 1, 2, true),
        ["Stride1Unpadded"] = (6, 33, 2, 3, 1, 1, 0, 0, true),
        ["Subsample1x1"] = (6, 41, 1, 1, 2, 2, 0, 0, true),
        ["Identity1x1"] = (4, 21, 1, 1, 1, 1, 0, 0, false),

        // Rows too wide for the forward's padded plane copy: masked loads at the clipped edges instead.
        ["Same3x3Huge"] = (3, 5500, 3, 3, 1, 1, 1, 1, true),
        ["Same3x3HugeExclude"] = (3, 5500, 3, 3, 1, 1, 1, 1, false),
    };

    public static TheoryData<string, int> Cases()
    {
        TheoryData<string, int> data = new();
        foreach (string name in Geometries.Keys)
        {
            foreach (int width in Widths)
            {
                data.Add(name, width);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Max_pooling_matches_the_reference_with_ties_nan_and_infinities(string name, int lanes)
    {
        (PoolGeometry g, Shape4 xs, Shape4 ys) = Geometry(name);
        Assert.True(PoolingKernels.SupportsForward(g) == g.StrideWidth is 1 or 2);
        if (!PoolingKernels.SupportsForward(g))
        {
            return;
        }

        foreach (float[] x in Inputs(xs.Length, 1))
        {
            float[] y = Filled(ys.Length, 12345f);
            int[] indexes = Enumerable.Repeat(-7, ys.Length).ToArray();
            PoolingKernels.MaxPool(ref x[0], ref y[0], ref indexes[0], xs.N * xs.C, g, lanes);
            (double[] expectedY, int[] expectedIndexes) = NaiveOps.MaxPool2d(TestData.ToDouble(x), xs, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadHeight, g.PadWidth);
            for (int i = 0; i < ys.Length; i++)
            {
                Assert.True(Same((float)expectedY[i], y[i]), $"{name} ×{lanes}: y[{i}] is {y[i]:R}, expected {expectedY[i]:R}.");
                Assert.True(expectedIndexes[i] == indexes[i], $"{name} ×{lanes}: indexes[{i}] is {indexes[i]}, expected {expectedIndexes[i]}.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Average_pooling_matches_the_reference_and_the_documented_order(string name, int lanes)
    {
        (PoolGeometry g, Shape4 xs, Shape4 ys) = Geometry(name);
        if (!PoolingKernels.SupportsForward(g))
        {
            return;
        }

        foreach (float[] x in Inputs(xs.Length, 2))
        {
            float[] y = Filled(ys.Length, 12345f);
            PoolingKernels.AvgPool(ref x[0], ref y[0], xs.N * xs.C, g, lanes);
            float[] ordered = FloatAvgPool(x, xs, ys, g);
            for (int i = 0; i < ys.Length; i++)
            {
                Assert.True(Same(ordered[i], y[i]), $"{name} ×{lanes}: y[{i}] is {y[i]:R}, the documented order gives {ordered[i]:R}.");
            }

            if (x.All(float.IsFinite))
            {
                double[] xd = TestData.ToDouble(x);
                double[] expected = NaiveOps.AvgPool2d(xd, xs, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadHeight, g.PadWidth, g.CountIncludePad);
                double[] scale = NaiveOps.AvgPool2d(xd.Select(Math.Abs).ToArray(), xs, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadHeight, g.PadWidth, g.CountIncludePad);
                Operators.Scaled.Close(expected, scale, TestData.ToDouble(y), true, $"{name} ×{lanes} y", ys.Dims);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Average_pooling_backward_matches_the_reference_and_the_documented_order(string name, int lanes)
    {
        (PoolGeometry g, Shape4 xs, Shape4 ys) = Geometry(name);
        Assert.Equal(g.StrideWidth == 1 && ys.H * (ys.W + (2 * (g.KernelWidth - 1))) <= PoolingKernels.PaddedPlaneFloats, PoolingKernels.SupportsAvgBackward(g));
        if (!PoolingKernels.SupportsAvgBackward(g))
        {
            return;
        }

        foreach (float[] gy in Inputs(ys.Length, 3))
        {
            float[] gx = Filled(xs.Length, 12345f);
            PoolingKernels.AvgPoolBackward(ref gy[0], ref gx[0], xs.N * xs.C, g, lanes);
            float[] ordered = FloatAvgPoolBackward(gy, xs, ys, g);
            for (int i = 0; i < xs.Length; i++)
            {
                Assert.True(Same(ordered[i], gx[i]), $"{name} ×{lanes}: gx[{i}] is {gx[i]:R}, the documented order gives {ordered[i]:R}.");
            }

            if (gy.All(float.IsFinite))
            {
                double[] gyd = TestData.ToDouble(gy);
                double[] expected = NaiveOps.AvgPool2dBackward(gyd, xs, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadHeight, g.PadWidth, g.CountIncludePad);
                double[] scale = NaiveOps.AvgPool2dBackward(gyd.Select(Math.Abs).ToArray(), xs, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadHeight, g.PadWidth, g.CountIncludePad);
                Operators.Scaled.Close(expected, scale, TestData.ToDouble(gx), true, $"{name} ×{lanes} gx", xs.Dims);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Max_pooling_backward_matches_the_reference_and_declines_indexes_outside_their_window(string name, int lanes)
    {
        (PoolGeometry g, Shape4 xs, Shape4 ys) = Geometry(name);
        bool disjoint = g.KernelWidth == 2 && g.StrideWidth == 2 && g.StrideHeight >= g.KernelHeight && g.PadHeight == 0 && g.PadWidth == 0;
        Assert.Equal(disjoint, PoolingKernels.SupportsMaxBackward(g));
        if (!disjoint)
        {
            int[] someIndexes = new int[1];
            float[] someGy = new float[1], someGx = new float[1];
            Assert.Throws<ArgumentException>(() => PoolingKernels.TryMaxPoolBackward(ref someIndexes[0], ref someGy[0], ref someGx[0], g, lanes));
            return;
        }

        int planes = xs.N * xs.C;
        foreach (float[] x in Inputs(xs.Length, 4))
        {
            int[] indexes = NaiveOps.MaxPool2d(TestData.ToDouble(x), xs, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadHeight, g.PadWidth).Indexes;
            float[] gy = Inputs(ys.Length, 5).Last();
            float[] gx = Filled(xs.Length, 12345f);
            for (int p = 0; p < planes; p++)
            {
                Assert.True(PoolingKernels.TryMaxPoolBackward(ref indexes[p * ys.H * ys.W], ref gy[p * ys.H * ys.W], ref gx[p * xs.H * xs.W], g, lanes), $"{name} ×{lanes}: plane {p} declined.");
            }

            // Each input cell is in at most one window, so the double reference adds at most one gy to +0: exact in float.
            double[] expected = NaiveOps.MaxPool2dBackward(indexes, TestData.ToDouble(gy), ys, xs);
            for (int i = 0; i < xs.Length; i++)
            {
                Assert.True(Same((float)expected[i], gx[i]), $"{name} ×{lanes}: gx[{i}] is {gx[i]:R}, expected {expected[i]:R}.");
            }

            // An index inside the plane but outside its own window (here: its window's neighbour's first cell, or the
            // plane's last cell) is legal for the scatter but not for the direct path, which must decline.
            foreach (int cell in new[] { 0, ys.W / 2, ys.H * ys.W - 1 })
            {
                int[] moved = (int[])indexes.Clone();
                moved[cell] = cell + 1 < ys.H * ys.W ? indexes[cell + 1] : 0;
                Assert.False(PoolingKernels.TryMaxPoolBackward(ref moved[0], ref gy[0], ref gx[0], g, lanes), $"{name} ×{lanes}: cell {cell}'s foreign index accepted.");
            }
        }
    }

    [Fact]
    public void The_kernels_reject_geometries_they_do_not_take()
    {
        PoolGeometry stride3 = new(9, 9, 3, 3, 3, 3, 3, 3, 0, 0, true);
        float[] image = new float[81], grid = new float[9];
        int[] indexes = new int[9];
        Assert.False(PoolingKernels.SupportsForward(stride3));
        Assert.False(PoolingKernels.SupportsAvgBackward(stride3));
        Assert.Throws<ArgumentException>(() => PoolingKernels.MaxPool(ref image[0], ref grid[0], ref indexes[0], 1, stride3));
        Assert.Throws<ArgumentException>(() => PoolingKernels.AvgPool(ref image[0], ref grid[0], 1, stride3));

        // The padded share plane of the backward must fit its stack budget.
        PoolGeometry huge = new(4, PoolingKernels.PaddedPlaneFloats, 2, PoolingKernels.PaddedPlaneFloats - 2, 3, 3, 1, 1, 0, 0, true);
        Assert.False(PoolingKernels.SupportsAvgBackward(huge));
        Assert.Throws<ArgumentException>(() => PoolingKernels.AvgPoolBackward(ref grid[0], ref image[0], 1, huge));
    }

    // ------------------------------------------------------------------ references and data

    /// <summary>Average pooling in float, each window summed from +0 in row-major order over its cells inside, then divided.</summary>
    private static float[] FloatAvgPool(float[] x, Shape4 xs, Shape4 ys, PoolGeometry g)
    {
        float[] y = new float[ys.Length];
        for (int p = 0; p < xs.N * xs.C; p++)
        {
            for (int oh = 0; oh < ys.H; oh++)
            {
                for (int ow = 0; ow < ys.W; ow++)
                {
                    (int h0, int h1, int w0, int w1) = Window(g, oh, ow);
                    float sum = 0f;
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++)
                        {
                            sum += x[(p * xs.H * xs.W) + (h * xs.W) + w];
                        }
                    }

                    y[(p * ys.H * ys.W) + (oh * ys.W) + ow] = sum / (g.CountIncludePad ? g.KernelHeight * g.KernelWidth : (h1 - h0) * (w1 - w0));
                }
            }
        }

        return y;
    }

    /// <summary>Average pooling's gradient in float: gx from +0, each window's share (gy / divisor) added to its cells, windows row-major.</summary>
    private static float[] FloatAvgPoolBackward(float[] gy, Shape4 xs, Shape4 ys, PoolGeometry g)
    {
        float[] gx = new float[xs.Length];
        for (int p = 0; p < xs.N * xs.C; p++)
        {
            for (int oh = 0; oh < ys.H; oh++)
            {
                for (int ow = 0; ow < ys.W; ow++)
                {
                    (int h0, int h1, int w0, int w1) = Window(g, oh, ow);
                    float share = gy[(p * ys.H * ys.W) + (oh * ys.W) + ow] / (g.CountIncludePad ? g.KernelHeight * g.KernelWidth : (h1 - h0) * (w1 - w0));
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++)
                        {
                            gx[(p * xs.H * xs.W) + (h * xs.W) + w] += share;
                        }
                    }
                }
            }
        }

        return gx;
    }

    private static (int H0, int H1, int W0, int W1) Window(PoolGeometry g, int oh, int ow)
    {
        int top = (oh * g.StrideHeight) - g.PadHeight, left = (ow * g.StrideWidth) - g.PadWidth;
        return (Math.Max(top, 0), Math.Min(top + g.KernelHeight, g.ImageHeight), Math.Max(left, 0), Math.Min(left + g.KernelWidth, g.ImageWidth));
    }

    private static (PoolGeometry G, Shape4 X, Shape4 Y) Geometry(string name)
    {
        (int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, bool include) = Geometries[name];
        Shape4 xs = new(2, 3, h, w);
        Shape4 ys = NaiveOps.PoolOutShape(xs, kh, kw, sh, sw, ph, pw);
        return (new PoolGeometry(h, w, ys.H, ys.W, kh, kw, sh, sw, ph, pw, include), xs, ys);
    }

    /// <summary>
    /// Random values; values from {−1, 0, 1} (ties everywhere, and −0); and random values with NaN, +∞, −∞ and −0
    /// sprinkled in, including windows of all −∞.
    /// </summary>
    private static IEnumerable<float[]> Inputs(int length, int seed)
    {
        Random random = new(seed);
        yield return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        yield return Enumerable.Range(0, length).Select(_ => random.Next(4) switch { 0 => -1f, 1 => 0f, 2 => -0f, _ => 1f }).ToArray();
        float[] special = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        for (int i = 0; i < length; i++)
        {
            int pick = random.Next(24);
            special[i] = pick switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, 3 => -0f, _ => special[i] };
        }

        for (int i = 0; i < length / 5; i++)
        {
            special[i] = float.NegativeInfinity;
        }

        yield return special;
    }

    private static float[] Filled(int length, float value) => Enumerable.Repeat(value, length).ToArray();


    /// <summary>Bit-identical, or both NaN.</summary>
    private static bool Same(float expected, float actual)
        => float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual);
}
