using System;
using System.Runtime.CompilerServices;

namespace TensorDsl.Training;

/// <summary>
/// A small seeded random generator whose output depends only on the seed: xoshiro256** (Blackman and Vigna)
/// seeded through SplitMix64, uniform doubles from the top 53 bits, and normal deviates by the Marsaglia polar
/// method with a logarithm written here from additions, multiplications and divisions only, so neither the .NET
/// version nor the platform's maths library changes a single bit of the sequence.
/// </summary>
/// <remarks>
/// A mutable struct: pass it by <c>ref</c> (a copy continues the same sequence independently). Not thread-safe.
/// Not suitable for cryptography.
/// </remarks>
public struct TensorRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _spareNormal;
    private bool _hasSpareNormal;

    /// <summary>Creates a generator for <paramref name="seed"/>; different <paramref name="stream"/> values give
    /// unrelated sequences for the same seed (stream 0 is the plain seed).</summary>
    public TensorRandom(ulong seed, ulong stream = 0)
    {
        ulong x = seed ^ Mix64(stream);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        _spareNormal = 0;
        _hasSpareNormal = false;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitRotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitRotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextUniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt32(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExclusive, 1);
        ulong n = (ulong)maxExclusive;
        ulong high = Math.BigMul(NextUInt64(), n, out ulong low);
        if (low < n)
        {
            ulong threshold = (0UL - n) % n;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), n, out low);
            }
        }

        return (int)high;
    }

    /// <summary>A standard normal deviate N(0, 1). Deviates come in pairs; the second is kept for the next call.</summary>
    public double NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }

        double u, v, s;
        do
        {
            u = (2.0 * NextDouble()) - 1.0;
            v = (2.0 * NextDouble()) - 1.0;
            s = (u * u) + (v * v);
        }
        while (s >= 1.0 || s == 0.0);

        double factor = Math.Sqrt(-2.0 * Log(s) / s);
        _spareNormal = v * factor;
        _hasSpareNormal = true;
        return u * factor;
    }

    /// <summary>A normal deviate with the given mean and standard deviation.</summary>
    public double NextNormal(double mean, double standardDeviation) => mean + (standardDeviation * NextNormal());

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<TItem>(Span<TItem> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// Natural logarithm of a positive finite <paramref name="x"/> from IEEE additions, multiplications and divisions
    /// only (fdlibm's reduction, then the atanh series), so it is the same on every platform; within 1 ulp.
    /// </summary>
    internal static double Log(double x)
    {
        if (!(x > 0) || !double.IsFinite(x))
        {
            return x == 0 ? double.NegativeInfinity : double.NaN;
        }

        int exponentAdjust = 0;
        if (x < 2.2250738585072014E-308)
        {
            x *= 18014398509481984.0; // 2^54: lifts subnormals into the normal range
            exponentAdjust = -54;
        }

        long bits = BitConverter.DoubleToInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1023 + exponentAdjust;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L); // [1, 2)
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            exponent++;
        }

        // log(m) = 2 atanh(s), s = (m - 1) / (m + 1) = f / (2 + f), |s| <= 0.1716, so 12 odd terms reach double precision.
        double f = m - 1.0;
        double s = f / (2.0 + f);
        double z = s * s;
        double series = 1.0 / 25.0;
        series = (series * z) + (1.0 / 23.0);
        series = (series * z) + (1.0 / 21.0);
        series = (series * z) + (1.0 / 19.0);
        series = (series * z) + (1.0 / 17.0);
        series = (series * z) + (1.0 / 15.0);
        series = (series * z) + (1.0 / 13.0);
        series = (series * z) + (1.0 / 11.0);
        series = (series * z) + (1.0 / 9.0);
        series = (series * z) + (1.0 / 7.0);
        series = (series * z) + (1.0 / 5.0);
        series = (series * z) + (1.0 / 3.0);
        double logM = f - (s * (f - (2.0 * z * series))); // = 2s(1 + z·series), with the exact f leading

        const double Ln2Hi = 6.93147180369123816490e-01;
        const double Ln2Lo = 1.90821492927058770002e-10;
        return (exponent * Ln2Hi) + (logM + (exponent * Ln2Lo));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BitRotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix64(state);
    }

    private static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
