using System;
using System.Linq;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Training;

public class TensorRandomTests
{
    // Reference values from an independent implementation of SplitMix64 seeding + xoshiro256** (Python integers).
    [Fact]
    public void NextUInt64_MatchesTheReferenceSequence()
    {
        var rng = new TensorRandom(42);
        Assert.Equal(0x15780b2e0c2ec716UL, rng.NextUInt64());
        Assert.Equal(0x6104d9866d113a7eUL, rng.NextUInt64());
        Assert.Equal(0xae17533239e499a1UL, rng.NextUInt64());

        var stream = new TensorRandom(42, stream: 7);
        Assert.Equal(0x11a904479c05b3daUL, stream.NextUInt64());
        Assert.Equal(0xcffd69429302c462UL, stream.NextUInt64());
    }

    [Fact]
    public void StreamZero_IsThePlainSeed()
    {
        var a = new TensorRandom(123);
        var b = new TensorRandom(123, 0);
        Assert.Equal(a.NextUInt64(), b.NextUInt64());
    }

    [Fact]
    public void NextNormal_MatchesThePolarMethodWithTheLibmLogarithm()
    {
        // Python's math.log on the same uniforms; our logarithm is our own, so allow a few ulp.
        double[] expected = { -0.7262191382447857, -0.21119691823195985, 0.2216227015035933, 0.5227716877560146 };
        var rng = new TensorRandom(42);
        foreach (double e in expected)
        {
            Assert.Equal(e, rng.NextNormal(), 1e-14);
        }
    }

    [Fact]
    public void NextNormal_IsPinnedBitForBit()
    {
        // Pinned output of this implementation: a change here changes every seeded initialisation.
        var rng = new TensorRandom(42);
        long[] bits = Enumerable.Range(0, 4).Select(_ => BitConverter.DoubleToInt64Bits(rng.NextNormal())).ToArray();
        Assert.Equal(PinnedNormalBits, bits);
    }

    private static readonly long[] PinnedNormalBits =
    {
        -4618655616828722313, // -0.7262191382447857
        -4626594845666230372, // -0.21119691823195985
        4597152819617802828, //  0.2216227015035933
        4602883928301632081, //  0.5227716877560146
    };

    [Theory]
    [InlineData(1e-300)]
    [InlineData(5e-324)]
    [InlineData(1e-10)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.7071067811865476)]
    [InlineData(0.99999999)]
    [InlineData(1.0)]
    [InlineData(1.4142135623730951)]
    [InlineData(2.0)]
    [InlineData(10.0)]
    [InlineData(1e300)]
    public void Log_AgreesWithMathLog(double x)
    {
        double expected = Math.Log(x);
        double actual = TensorRandom.Log(x);
        Assert.True(Math.Abs(actual - expected) <= Math.Max(double.Epsilon, Math.Abs(Math.BitIncrement(expected) - expected)),
            $"log({x}): {actual:R} vs {expected:R}");
    }

    [Fact]
    public void Log_AgreesWithMathLogOnRandomInputs()
    {
        var rng = new TensorRandom(9);
        for (int i = 0; i < 100_000; i++)
        {
            double x = rng.NextDouble() + 1e-12;
            double expected = Math.Log(x);
            double ulp = Math.Abs(Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected));
            Assert.True(Math.Abs(TensorRandom.Log(x) - expected) <= ulp, $"log({x:R})");
        }
    }

    [Fact]
    public void NextNormal_HasMeanZeroAndVarianceOne()
    {
        var rng = new TensorRandom(1);
        const int n = 200_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double x = rng.NextNormal();
            sum += x;
            sumSq += x * x;
        }

        double mean = sum / n;
        double variance = (sumSq / n) - (mean * mean);
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
    }

    [Fact]
    public void NextDouble_IsInTheUnitInterval()
    {
        var rng = new TensorRandom(5);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.InRange(rng.NextDouble(), 0.0, Math.BitDecrement(1.0));
        }
    }

    [Fact]
    public void NextInt32_CoversTheRangeEvenly()
    {
        var rng = new TensorRandom(3);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++)
        {
            counts[rng.NextInt32(7)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorRandom(1).NextInt32(0));
    }

    [Fact]
    public void Shuffle_IsADeterministicPermutation()
    {
        int[] a = Enumerable.Range(0, 100).ToArray();
        int[] b = Enumerable.Range(0, 100).ToArray();
        var r1 = new TensorRandom(77);
        var r2 = new TensorRandom(77);
        r1.Shuffle<int>(a);
        r2.Shuffle<int>(b);
        Assert.Equal(a, b);
        Assert.NotEqual(Enumerable.Range(0, 100), a);
        Assert.Equal(Enumerable.Range(0, 100), a.Order());
    }
}
