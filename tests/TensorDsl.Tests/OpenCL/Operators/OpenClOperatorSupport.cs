using System;
using System.Globalization;
using TensorDsl.OpenCL;
using TensorDsl.Tests.Reference;
using Xunit;

namespace TensorDsl.Tests.OpenCL.Operators;

/// <summary>
/// Moves test data to and from the device in either precision and compares device results with the double
/// reference (<see cref="NaiveOps"/>).
/// <para>
/// <b>Tolerances.</b> Element i passes when |actual − expected| ≤ tolerance · scale[i], where scale[i] is the sum
/// of the magnitudes of the terms that make up element i (the reference evaluated on |inputs|; for a copy or a
/// maximum it is |expected| itself). Summation error is bounded by a multiple of exactly that quantity, so the
/// check stays meaningful when terms cancel. The inputs are the same on both sides (float inputs are rounded
/// once, then widened exactly for the reference), so only the device's accumulation is measured:
/// <see cref="FloatTolerance"/> = 1e-5 for float (about 170 roundings of 2^-24 of the magnitude; sums of up to
/// ~600 terms in any order, with or without FMA, stay well inside) and <see cref="DoubleTolerance"/> = 1e-12 for
/// double. An element whose terms are all zero must come out exactly zero.
/// </para>
/// </summary>
internal static class OpenClOperatorSupport
{
    public const double FloatTolerance = 1e-5;

    public const double DoubleTolerance = 1e-12;

    public static OpenClRuntime DeviceRuntime => OpenClTestSupport.Runtime;

    public static double Tolerance<T>()
        where T : unmanaged
        => typeof(T) == typeof(float) ? FloatTolerance : DoubleTolerance;

    /// <summary>The values as the operator's element type sees them (float inputs are rounded once).</summary>
    public static double[] Representable<T>(double[] values)
        where T : unmanaged
        => typeof(T) == typeof(float) ? TestData.ToDouble(TestData.ToSingle(values)) : (double[])values.Clone();

    public static OpenClBuffer<T> Upload<T>(double[] values)
        where T : unmanaged
        => typeof(T) == typeof(float)
            ? (OpenClBuffer<T>)(object)DeviceRuntime.Upload<float>(TestData.ToSingle(values))
            : (OpenClBuffer<T>)(object)DeviceRuntime.Upload<double>(values);

    /// <summary>An output buffer filled with NaN, so that an element a kernel forgets to write cannot pass.</summary>
    public static OpenClBuffer<T> Poisoned<T>(int length)
        where T : unmanaged
        => Upload<T>(TestData.Filled(length, double.NaN));

    public static double[] Download<T>(OpenClBuffer<T> buffer)
        where T : unmanaged
        => typeof(T) == typeof(float)
            ? TestData.ToDouble(((OpenClBuffer<float>)(object)buffer).ToArray())
            : ((OpenClBuffer<double>)(object)buffer).ToArray();

    public static double[] Abs(double[] values) => Array.ConvertAll(values, Math.Abs);

    /// <summary>Asserts the device result against the reference as described on the class.</summary>
    public static void AssertClose(double[] expected, double[] scale, double[] actual, double tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} elements, got {actual.Length}.");
        Assert.Equal(expected.Length, scale.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double allowed = tolerance * scale[i];
            if (!(error <= allowed))
            {
                Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (|error| {error:G3} > {tolerance:G1} x magnitude {scale[i]:G3})."));
            }
        }
    }

    /// <summary>Exact comparison (copies, maxima), NaN equal to NaN.</summary>
    public static void AssertSame(double[] expected, double[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} elements, got {actual.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{what}: element {i} is {actual[i]:R}, expected exactly {expected[i]:R}."));
            }
        }
    }
}

/// <summary>The geometry of a conv2d-family declaration in the reference's terms (x N×C×H×W, w, y N×OC×OH×OW).</summary>
internal sealed record ConvCase(int N, int C, int H, int W, int OC, int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW, bool Bias)
{
    public Shape4 X => new(N, C, H, W);

    public Shape4 Y => new(N, OC, OH, OW);

    /// <summary>conv2d weights OC×C×KH×KW.</summary>
    public Shape4 ConvWeight => new(OC, C, KH, KW);

    /// <summary>deconv2d weights C×OC×KH×KW.</summary>
    public Shape4 DeconvWeight => new(C, OC, KH, KW);
}

/// <summary>The geometry of a pooling or im2col declaration: x N×C×H×W, windows KH×KW, output OH×OW.</summary>
internal sealed record WindowCase(int N, int C, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW)
{
    public Shape4 X => new(N, C, H, W);

    public Shape4 Y => new(N, C, OH, OW);

    public int ColumnLength => N * C * KH * KW * OH * OW;
}
