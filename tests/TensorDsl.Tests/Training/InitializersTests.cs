using System;
using System.Linq;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Training;

public class InitializersTests
{
    private static (double Mean, double Std) Stats(double[] values)
    {
        double mean = values.Average();
        double variance = values.Select(v => (v - mean) * (v - mean)).Average();
        return (mean, Math.Sqrt(variance));
    }

    [Theory]
    [InlineData(InitScheme.DeZero, 1.0)]
    [InlineData(InitScheme.He, 2.0)]
    public void NormalSchemes_HaveTheExpectedStandardDeviation(InitScheme scheme, double gain)
    {
        const int fanIn = 150;
        var values = new double[100_000];
        var rng = new TensorRandom(11);
        Initializers.Fill<double>(values, scheme, fanIn, 400, ref rng);
        (double mean, double std) = Stats(values);
        double expected = Math.Sqrt(gain / fanIn);
        Assert.InRange(mean, -0.01 * expected, 0.01 * expected);
        Assert.InRange(std, 0.99 * expected, 1.01 * expected);
    }

    [Fact]
    public void Xavier_IsUniformWithinTheLimit()
    {
        const int fanIn = 25, fanOut = 150;
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        var values = new double[100_000];
        var rng = new TensorRandom(12);
        Initializers.Fill<double>(values, InitScheme.Xavier, fanIn, fanOut, ref rng);
        Assert.All(values, v => Assert.InRange(v, -limit, limit));
        (double mean, double std) = Stats(values);
        Assert.InRange(mean, -0.01 * limit, 0.01 * limit);
        Assert.InRange(std, 0.99 * limit / Math.Sqrt(3), 1.01 * limit / Math.Sqrt(3));
    }

    [Fact]
    public void Float_GetsTheRoundedDoubleValuesForTheSameSeed()
    {
        var d = new double[1000];
        var f = new float[1000];
        var r1 = new TensorRandom(5);
        var r2 = new TensorRandom(5);
        Initializers.Fill<double>(d, InitScheme.He, 10, 10, ref r1);
        Initializers.Fill<float>(f, InitScheme.He, 10, 10, ref r2);
        for (int i = 0; i < d.Length; i++)
        {
            Assert.Equal((float)d[i], f[i]);
        }
    }

    [Fact]
    public void Fill_IsDeterministicAndAdvancesTheGenerator()
    {
        var a = new float[10];
        var b = new float[10];
        var rng = new TensorRandom(99);
        Initializers.Fill<float>(a, InitScheme.DeZero, 4, 4, ref rng);
        Initializers.Fill<float>(b, InitScheme.DeZero, 4, 4, ref rng);
        Assert.NotEqual(a, b);
        var again = new float[10];
        var rng2 = new TensorRandom(99);
        Initializers.Fill<float>(again, InitScheme.DeZero, 4, 4, ref rng2);
        Assert.Equal(a, again);
    }

    [Fact]
    public void Fans_FollowThePyTorchConvention()
    {
        Assert.Equal((1 * 5 * 5, 6 * 5 * 5), Initializers.Fans(new[] { 6, 1, 5, 5 }));
        Assert.Equal((400, 120), Initializers.Fans(new[] { 120, 400 }));
        Assert.Equal((10, 10), Initializers.Fans(new[] { 10 }));
    }

    [Fact]
    public void FillParameter_UsesTheShapesFans()
    {
        var p = new Parameter<double>("conv.W", 16, 6, 5, 5);
        var rng = new TensorRandom(1);
        Initializers.Fill(p, InitScheme.DeZero, ref rng);
        var expected = new double[p.Length];
        var rng2 = new TensorRandom(1);
        Initializers.Fill<double>(expected, InitScheme.DeZero, 150, 400, ref rng2);
        Assert.Equal(expected, p.Value);
    }

    [Fact]
    public void Zeros_ClearsAndBadFansAreRejected()
    {
        var v = new float[] { 1, 2, 3 };
        Initializers.Zeros<float>(v);
        Assert.Equal(new float[3], v);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var r = new TensorRandom(1);
            Initializers.Fill<float>(new float[1], InitScheme.He, 0, 1, ref r);
        });
    }
}
