using System;
using System.Globalization;
using Xunit;

namespace TensorDsl.Tests.Reference;

/// <summary>
/// Numerical derivatives by central differences in double, to check analytic gradients.
/// </summary>
public static class FiniteDifference
{
    /// <summary>
    /// ∂f/∂x[i] ≈ (f(x + e_i·eps) − f(x − e_i·eps)) / (2·eps) for every i: 2·x.Length evaluations of f. The divisor is the
    /// step actually taken, (x[i] + eps) − (x[i] − eps) in floating point. <paramref name="x"/> is not modified.
    /// </summary>
    public static double[] Gradient(Func<double[], double> f, double[] x, double eps = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        var probe = (double[])x.Clone();
        var gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double plus = x[i] + eps, minus = x[i] - eps;
            probe[i] = plus;
            double fPlus = f(probe);
            probe[i] = minus;
            double fMinus = f(probe);
            probe[i] = x[i];
            gradient[i] = (fPlus - fMinus) / (plus - minus);
        }

        return gradient;
    }

    /// <summary>
    /// Checks a vector–Jacobian product against f by random projection, which scales to large inputs (each probe costs two
    /// evaluations of f whatever the sizes). For each of <paramref name="probes"/> probes, with v (size of f(x)) and d (size
    /// of x) uniform in [−1, 1) from <paramref name="seed"/>, it compares
    /// <c>lhs = ⟨vjp(x, v), d⟩</c> with <c>rhs = (⟨v, f(x + eps·d)⟩ − ⟨v, f(x − eps·d)⟩) / (2·eps)</c>
    /// and fails unless |lhs − rhs| ≤ tolerance · max(‖vjp(x, v)‖·‖d‖, |rhs|). The scale ‖vjp‖·‖d‖ bounds |lhs| by
    /// Cauchy–Schwarz, so accidental cancellation in the dot product cannot make a correct gradient fail.
    /// (For an element-by-element check on small inputs use <see cref="Gradient"/> on x ↦ ⟨v, f(x)⟩ instead.)
    /// For linear or bilinear ops (convolution, pooling away from ties) central differences are exact up to rounding, so a
    /// tight tolerance such as 1e-7 works. <paramref name="x"/> is not modified.
    /// </summary>
    public static void CheckGradient(
        Func<double[], double[]> f,
        Func<double[], double[], double[]> vjp,
        double[] x,
        int seed,
        double tolerance,
        int probes = 3,
        double eps = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(vjp);
        ArgumentNullException.ThrowIfNull(x);
        int outputLength = f((double[])x.Clone()).Length;
        for (int probe = 0; probe < probes; probe++)
        {
            double[] v = TestData.Random(outputLength, unchecked(seed * 7919 + 2 * probe));
            double[] d = TestData.Random(x.Length, unchecked(seed * 7919 + 2 * probe + 1));
            double[] g = vjp((double[])x.Clone(), (double[])v.Clone());
            if (g.Length != x.Length)
            {
                Assert.Fail($"vjp returned {g.Length} elements for an input of {x.Length}.");
            }

            double lhs = NaiveOps.Dot(g, d);
            var plus = new double[x.Length];
            var minus = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                plus[i] = x[i] + eps * d[i];
                minus[i] = x[i] - eps * d[i];
            }

            double rhs = (NaiveOps.Dot(v, f(plus)) - NaiveOps.Dot(v, f(minus))) / (2 * eps);
            double scale = Math.Max(Math.Sqrt(NaiveOps.Dot(g, g) * NaiveOps.Dot(d, d)), Math.Abs(rhs));
            double error = Math.Abs(lhs - rhs);
            if (!(error <= tolerance * scale))
            {
                Assert.Fail(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Gradient check failed on probe {probe} (seed {seed}): <vjp(x,v), d> = {lhs:R} but the central difference gives {rhs:R}; |diff| {error:R} > tolerance {tolerance:G3} x scale {scale:R}."));
            }
        }
    }
}
