using System;
using Xunit;
using Xunit.Sdk;

namespace TensorDsl.Tests.Reference;

/// <summary>Tests of the test helpers: data generation, tensor comparison and finite differences.</summary>
public class ReferenceHelpersTests
{
    [Fact]
    public void TestData_Random_IsDeterministic_InRange_AndSeedDependent()
    {
        double[] a = TestData.Random(1000, 7, -2, 3);
        Assert.Equal(a, TestData.Random(1000, 7, -2, 3));
        Assert.NotEqual(a, TestData.Random(1000, 8, -2, 3));
        Assert.All(a, v => Assert.InRange(v, -2, 3));
        Assert.True(Math.Abs(NaiveOps.Dot(a, TestData.Filled(1000, 1)) / 1000 - 0.5) < 0.2, "mean far from the middle of the range");
    }

    [Fact]
    public void TestData_Random_FirstValues_ArePinned()
    {
        // Pins the generator so that a change to it (which would silently change every test input) is noticed.
        // The values come from an independent Python transcription of SplitMix64 with the same seeding.
        double[] a = TestData.Random(3, 0);
        Assert.Equal(new[] { 0.5068792208231061, 0.07064217972995657, 0.40260667094438274 }, a);
        float[] f = TestData.RandomSingle(3, 0);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal((float)a[i], f[i]);
        }
    }

    [Fact]
    public void TensorAssert_Close_PassesWithinTolerance_AndTreatsNaNAsEqual()
    {
        TensorAssert.Close(new[] { 1.0, double.NaN, double.PositiveInfinity, 0 }, new[] { 1.0 + 1e-10, double.NaN, double.PositiveInfinity, 1e-13 }, 1e-9, 1e-12, "ok");
        TensorAssert.Close(new[] { 1.0, 2.0 }, new[] { 1.0f, 2.0f }, 0, 0, "float actual");
        TensorAssert.Close(new[] { 1.5f }, new[] { 1.5f }, 0, 0, "float both");
    }

    [Fact]
    public void TensorAssert_Close_Message_NamesIndexCoordinatesValuesAndMaxError()
    {
        var expected = new double[24];
        var actual = new double[24];
        actual[7] = 0.5;   // [0,0,1,3] in [1,2,3,4]
        actual[20] = -2;   // the largest error
        var shape = new Shape4(1, 2, 3, 4);
        XunitException failure = Assert.ThrowsAny<XunitException>(
            () => TensorAssert.Close(expected, actual, 1e-6, 1e-6, "probe", shape.Dims));
        string message = failure.Message;
        Assert.Contains("probe: 2 of 24 elements differ", message);
        Assert.Contains("flat index 7 = [0,0,1,3] in shape [1,2,3,4] (n,c,h,w)", message);
        Assert.Contains("expected 0, actual 0.5", message);
        Assert.Contains("Max abs error 2 at flat index 20 = [0,1,2,0]", message);
    }

    [Fact]
    public void TensorAssert_Close_FailsOnNaNVersusNumber_AndLengthMismatch()
    {
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(new[] { 1.0 }, new[] { double.NaN }, 1, 1, "nan"));
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(new[] { double.NaN }, new[] { 1.0 }, 1, 1, "nan"));
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(new[] { 1.0 }, new[] { 1.0, 2.0 }, 1, 1, "length"));
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Close(new[] { 1.0 }, new[] { 1.0f + 1e-3f }, 1e-6, 0, "float"));
        Assert.ThrowsAny<XunitException>(() => TensorAssert.Equal(new[] { 1, 2 }, new[] { 1, 3 }, "ints"));
    }

    [Fact]
    public void FiniteDifference_Gradient_OfKnownNonlinearFunction()
    {
        // f(x) = sin(x0)·x1² + exp(x2): ∇f = (cos(x0)·x1², 2·sin(x0)·x1, exp(x2)).
        double[] x = { 0.3, -1.7, 0.9 };
        double[] g = FiniteDifference.Gradient(p => Math.Sin(p[0]) * p[1] * p[1] + Math.Exp(p[2]), x);
        double[] exact = { Math.Cos(0.3) * 1.7 * 1.7, 2 * Math.Sin(0.3) * -1.7, Math.Exp(0.9) };
        TensorAssert.Close(exact, g, 1e-8, 1e-9, "gradient");
        Assert.Equal(new[] { 0.3, -1.7, 0.9 }, x);
    }

    [Fact]
    public void FiniteDifference_CheckGradient_AcceptsCorrectVjp_RejectsWrongOnes()
    {
        // f(x) = (x0·x1, x1², sin x2); Jᵀv = (v0·x1, v0·x0 + 2·v1·x1, v2·cos x2).
        static double[] F(double[] x) => new[] { x[0] * x[1], x[1] * x[1], Math.Sin(x[2]) };
        static double[] Vjp(double[] x, double[] v) => new[] { v[0] * x[1], v[0] * x[0] + 2 * v[1] * x[1], v[2] * Math.Cos(x[2]) };
        double[] x = { 0.4, -0.8, 1.1 };
        FiniteDifference.CheckGradient(F, Vjp, x, seed: 5, tolerance: 1e-7);
        Assert.ThrowsAny<XunitException>(() => FiniteDifference.CheckGradient(
            F, (p, v) => { double[] g = Vjp(p, v); g[1] *= 1.001; return g; }, x, seed: 5, tolerance: 1e-7));
        Assert.ThrowsAny<XunitException>(() => FiniteDifference.CheckGradient(
            F, (p, v) => new[] { v[0] * p[1], v[0] * p[0] + 2 * v[1] * p[1], v[2] * Math.Sin(p[2]) }, x, seed: 5, tolerance: 1e-7));
    }
}
