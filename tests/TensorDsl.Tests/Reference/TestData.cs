using System;

namespace TensorDsl.Tests.Reference;

/// <summary>
/// Deterministic test data. The generator is SplitMix64 implemented here, so the numbers depend only on the seed — not
/// on the .NET version or platform (unlike <see cref="System.Random"/>, whose algorithm is an implementation detail).
/// </summary>
public static class TestData
{
    /// <summary><paramref name="length"/> values uniform in [lo, hi), determined by <paramref name="seed"/>.</summary>
    public static double[] Random(int length, int seed, double lo = -1, double hi = 1)
    {
        if (length < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "Length must be non-negative.");
        }

        if (!(lo <= hi))
        {
            throw new ArgumentException($"Empty range [{lo}, {hi}).");
        }

        ulong state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 0x2545F4914F6CDD1DUL);
        var result = new double[length];
        for (int i = 0; i < length; i++)
        {
            double unit = (Next(ref state) >> 11) * (1.0 / (1UL << 53)); // [0, 1) with 53 random bits
            result[i] = lo + (hi - lo) * unit;
        }

        return result;
    }

    /// <summary>
    /// The same values as <see cref="Random"/> rounded to <see cref="float"/>. To compare a float operator with the double
    /// reference, feed the reference <see cref="ToDouble"/> of these exact inputs.
    /// </summary>
    public static float[] RandomSingle(int length, int seed, double lo = -1, double hi = 1)
        => ToSingle(Random(length, seed, lo, hi));

    /// <summary>0, 1, …, length − 1, as in numpy.arange.</summary>
    public static double[] Arange(int length)
    {
        var result = new double[length];
        for (int i = 0; i < length; i++)
        {
            result[i] = i;
        }

        return result;
    }

    /// <summary>An array of <paramref name="length"/> copies of <paramref name="value"/>.</summary>
    public static double[] Filled(int length, double value)
    {
        var result = new double[length];
        Array.Fill(result, value);
        return result;
    }

    /// <summary>Exact widening of every element.</summary>
    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }

    /// <summary>Round-to-nearest narrowing of every element.</summary>
    public static float[] ToSingle(ReadOnlySpan<double> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = (float)values[i];
        }

        return result;
    }

    private static ulong Next(ref ulong state)
    {
        unchecked
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
