using System;
using System.Globalization;
using System.Text;
using Xunit;

namespace TensorDsl.Tests.Reference;

/// <summary>
/// Element-wise comparison of flat tensors with a message that says where and by how much they differ.
/// An element passes when |expected − actual| ≤ absTol + relTol·|expected| (numpy.allclose's rule); NaN matches NaN and an
/// infinity matches only the same infinity.
/// </summary>
public static class TensorAssert
{
    /// <summary>Compares two double tensors. <paramref name="shape"/>, if given, turns flat indexes into coordinates.</summary>
    public static void Close(
        double[] expected, ReadOnlySpan<double> actual, double relTol, double absTol, string what, int[]? shape = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var widened = new double[actual.Length];
        actual.CopyTo(widened);
        Compare(expected, widened, relTol, absTol, what, shape);
    }

    /// <summary>Compares a float result with a double reference (the usual case for a float operator).</summary>
    public static void Close(
        double[] expected, ReadOnlySpan<float> actual, double relTol, double absTol, string what, int[]? shape = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Compare(expected, TestData.ToDouble(actual), relTol, absTol, what, shape);
    }

    /// <summary>Compares two float tensors (values are widened exactly to double first).</summary>
    public static void Close(
        float[] expected, ReadOnlySpan<float> actual, double relTol, double absTol, string what, int[]? shape = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Compare(TestData.ToDouble(expected), TestData.ToDouble(actual), relTol, absTol, what, shape);
    }

    /// <summary>Exact comparison of integer tensors, e.g. max-pooling indexes.</summary>
    public static void Equal(int[] expected, ReadOnlySpan<int> actual, string what, int[]? shape = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        CheckLengths(expected.Length, actual.Length, what, shape);
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                mismatches++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        if (mismatches > 0)
        {
            Assert.Fail(
                $"{what}: {mismatches} of {expected.Length} elements differ. First mismatch at flat index {first}"
                + $"{Coordinates(first, shape)}: expected {expected[first]}, actual {actual[first]}.");
        }
    }

    /// <summary>Row-major coordinates of a flat index, e.g. " = [0,1,2,3] in shape [2,3,4,5]", or "" without a shape.</summary>
    public static string Coordinates(int flat, int[]? shape)
    {
        if (shape is null || shape.Length == 0)
        {
            return "";
        }

        var coordinates = new int[shape.Length];
        int rest = flat;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            coordinates[d] = rest % shape[d];
            rest /= shape[d];
        }

        var text = new StringBuilder(" = [");
        text.Append(string.Join(",", coordinates));
        text.Append("] in shape [").Append(string.Join(",", shape)).Append(']');
        if (shape.Length == 4)
        {
            text.Append(" (n,c,h,w)");
        }

        return text.ToString();
    }

    private static void Compare(double[] expected, double[] actual, double relTol, double absTol, string what, int[]? shape)
    {
        if (!(relTol >= 0) || !(absTol >= 0))
        {
            throw new ArgumentException("Tolerances must be non-negative.");
        }

        CheckLengths(expected.Length, actual.Length, what, shape);
        int mismatches = 0, first = -1, worstAbsAt = -1, worstRelAt = -1;
        double worstAbs = 0, worstRel = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) || double.IsNaN(a) || double.IsInfinity(e) || double.IsInfinity(a))
            {
                bool same = (double.IsNaN(e) && double.IsNaN(a)) || e == a;
                if (!same)
                {
                    mismatches++;
                    if (first < 0)
                    {
                        first = i;
                    }
                }

                continue;
            }

            double error = Math.Abs(e - a);
            double relative = e == 0 ? (error == 0 ? 0 : double.PositiveInfinity) : error / Math.Abs(e);
            if (error > worstAbs)
            {
                worstAbs = error;
                worstAbsAt = i;
            }

            if (relative > worstRel)
            {
                worstRel = relative;
                worstRelAt = i;
            }

            if (!(error <= absTol + relTol * Math.Abs(e)))
            {
                mismatches++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        if (mismatches == 0)
        {
            return;
        }

        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture, $"{what}: {mismatches} of {expected.Length} elements differ ")
            .Append(CultureInfo.InvariantCulture, $"(relTol {relTol:G3}, absTol {absTol:G3}). First mismatch at flat index {first}")
            .Append(Coordinates(first, shape))
            .Append(CultureInfo.InvariantCulture, $": expected {Format(expected[first])}, actual {Format(actual[first])}")
            .Append(CultureInfo.InvariantCulture, $", |diff| {Format(Math.Abs(expected[first] - actual[first]))}.");
        if (worstAbsAt >= 0)
        {
            message.Append(CultureInfo.InvariantCulture, $" Max abs error {Format(worstAbs)} at flat index {worstAbsAt}")
                .Append(Coordinates(worstAbsAt, shape))
                .Append(CultureInfo.InvariantCulture, $" (expected {Format(expected[worstAbsAt])}, actual {Format(actual[worstAbsAt])}).");
        }

        if (worstRelAt >= 0)
        {
            message.Append(CultureInfo.InvariantCulture, $" Max rel error {Format(worstRel)} at flat index {worstRelAt}.");
        }

        Assert.Fail(message.ToString());
    }

    private static void CheckLengths(int expected, int actual, string what, int[]? shape)
    {
        if (expected != actual)
        {
            Assert.Fail($"{what}: expected {expected} elements, actual has {actual}.");
        }

        if (shape is not null)
        {
            long product = 1;
            foreach (int d in shape)
            {
                product *= d;
            }

            if (product != expected)
            {
                throw new ArgumentException($"{what}: shape [{string.Join(",", shape)}] has {product} elements, not {expected}.");
            }
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
