using System;
using System.Linq;
using TensorDsl.Models;
using TensorDsl.Tests.Reference;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Robustness;

/// <summary>
/// NaN and ±∞ through the generated operators, the activations and the losses, as IEEE 754 arithmetic says
/// (docs/semantics.md): NaN in, NaN out wherever it is read; ∞ stays ∞ unless it meets −∞ or 0·∞ (then NaN).
/// The generated code is compared with the naive reference, class by class: NaN where it has NaN, the same
/// infinity where it has one, close elsewhere.
/// </summary>
public sealed class NonFiniteTests
{
    private static readonly Shape4 ConvX = new(2, 2, 7, 7), ConvW = new(3, 2, 3, 3);
    private static readonly Shape4 DeconvX = new(2, 3, 4, 4), DeconvW = new(3, 2, 3, 3);
    private static readonly Shape4 PoolX = new(2, 2, 7, 7);

    public static TheoryData<string> Poisons => new() { "NaN", "+Inf", "-Inf", "+Inf and -Inf", "NaN and Inf" };

    [Theory]
    [MemberData(nameof(Poisons))]
    public void Conv2d_forward_and_backward_propagate_non_finite_inputs(string poison)
    {
        double[] x = Poisoned(TestData.Random(ConvX.Length, seed: 1), poison);
        double[] w = TestData.Random(ConvW.Length, seed: 2);
        double[] b = TestData.Random(3, seed: 3);
        double[] y = new double[RobustnessOperators.ConvDoubleShape.YLength];
        RobustnessOperators.ConvDouble(x, w, b, y);
        double[] expected = NaiveOps.Conv2d(x, ConvX, w, ConvW, b, 2, 2, 1, 1);
        AssertSameClasses(expected, y, "conv2d y (" + poison + ")");
        Assert.Contains(y, v => !double.IsFinite(v));

        // The weight gradient reads x: every weight that met a poisoned cell is poisoned in turn.
        double[] gy = TestData.Random(y.Length, seed: 4);
        double[] gx = new double[x.Length], gw = new double[w.Length], gb = new double[b.Length];
        RobustnessOperators.ConvDoubleBackward(x, w, gy, gx, gw, gb);
        Shape4 yShape = new(2, 3, 4, 4);
        AssertSameClasses(NaiveOps.Conv2dGradW(x, ConvX, gy, yShape, 3, 3, 2, 2, 1, 1), gw, "conv2d gw (" + poison + ")");
        Assert.All(gx, v => Assert.True(double.IsFinite(v)));

        // A poisoned gradient flows back into gx wherever a window covers it.
        double[] poisonedGy = Poisoned(gy, poison);
        RobustnessOperators.ConvDoubleBackward(TestData.Random(x.Length, seed: 5), w, poisonedGy, gx, gw, gb);
        AssertSameClasses(NaiveOps.Conv2dGradX(w, ConvW, poisonedGy, yShape, ConvX, 2, 2, 1, 1), gx, "conv2d gx (" + poison + ")");
        AssertSameClasses(NaiveOps.Conv2dGradB(poisonedGy, yShape), gb, "conv2d gb (" + poison + ")");

        // Poisoned weights: padded cells are skipped, so only windows over the image read them.
        double[] poisonedW = Poisoned(w, poison);
        RobustnessOperators.ConvDouble(TestData.Random(x.Length, seed: 6), poisonedW, b, y);
        AssertSameClasses(NaiveOps.Conv2d(TestData.Random(x.Length, seed: 6), ConvX, poisonedW, ConvW, b, 2, 2, 1, 1), y, "conv2d y, poisoned w (" + poison + ")");
    }

    [Theory]
    [MemberData(nameof(Poisons))]
    public void Deconv2d_propagates_non_finite_inputs_and_weights(string poison)
    {
        double[] x = Poisoned(TestData.Random(DeconvX.Length, seed: 6), poison);
        double[] w = TestData.Random(DeconvW.Length, seed: 7);
        double[] b = TestData.Random(2, seed: 8);
        double[] y = new double[RobustnessOperators.DeconvShape.YLength];
        RobustnessOperators.Deconv(x, w, b, y);
        AssertSameClasses(NaiveOps.Deconv2d(x, DeconvX, w, DeconvW, b, 2, 2, 1, 1, 8, 8), y, "deconv2d y, poisoned x (" + poison + ")");

        double[] x2 = TestData.Random(DeconvX.Length, seed: 9);
        double[] w2 = Poisoned(TestData.Random(DeconvW.Length, seed: 10), poison);
        RobustnessOperators.Deconv(x2, w2, b, y);
        AssertSameClasses(NaiveOps.Deconv2d(x2, DeconvX, w2, DeconvW, b, 2, 2, 1, 1, 8, 8), y, "deconv2d y, poisoned w (" + poison + ")");
    }

    [Fact]
    public void Zero_times_infinity_is_NaN_even_where_the_weight_is_zero()
    {
        double[] x = new double[ConvX.Length];
        x[ConvX.Offset(0, 0, 2, 2)] = double.PositiveInfinity;
        double[] w = new double[ConvW.Length];
        double[] y = new double[RobustnessOperators.ConvDoubleShape.YLength];
        RobustnessOperators.ConvDouble(x, w, new double[3], y);
        AssertSameClasses(NaiveOps.Conv2d(x, ConvX, w, ConvW, null, 2, 2, 1, 1), y, "conv2d with w = 0");
        Assert.Contains(y, double.IsNaN);
    }

    [Theory]
    [MemberData(nameof(Poisons))]
    public void Max_pooling_lets_NaN_win_with_the_index_of_the_last_NaN(string poison)
    {
        double[] x = Poisoned(TestData.Random(PoolX.Length, seed: 11), poison);
        double[] y = new double[RobustnessOperators.MaxPoolShape.YLength];
        int[] indexes = new int[y.Length];
        RobustnessOperators.MaxPool(x, y, indexes);
        (double[] expected, int[] expectedIndexes) = NaiveOps.MaxPool2d(x, PoolX, 3, 3, 2, 2, 1, 1, MaxPoolNaN.LastWins);
        AssertSameClasses(expected, y, "max pool y (" + poison + ")");
        Assert.Equal(expectedIndexes, indexes);

        // The backward sends each gradient to the winner, NaN winners included.
        double[] gy = TestData.Random(y.Length, seed: 12);
        double[] gx = new double[x.Length];
        RobustnessOperators.MaxPoolBackward(indexes, gy, gx);
        AssertSameClasses(NaiveOps.MaxPool2dBackward(indexes, gy, new Shape4(2, 2, 4, 4), PoolX), gx, "max pool gx (" + poison + ")");
    }

    [Fact]
    public void Max_pooling_of_a_window_with_several_NaNs_reports_the_last_and_ties_the_first()
    {
        double[] x = TestData.Random(PoolX.Length, seed: 13, lo: -1, hi: 0);
        // Window (0, 0) of plane (0, 0) covers rows and columns −1..1: two NaNs, the later one at (1, 0).
        x[PoolX.Offset(0, 0, 0, 1)] = double.NaN;
        x[PoolX.Offset(0, 0, 1, 0)] = double.NaN;
        // Window (1, 1) of plane (0, 1) covers rows and columns 1..3: a tie of two maxima, the first at (1, 2).
        x[PoolX.Offset(0, 1, 1, 2)] = 5;
        x[PoolX.Offset(0, 1, 3, 1)] = 5;
        // Window (2, 2) of plane (1, 0) covers rows and columns 3..5: all −∞.
        for (int h = 3; h < 6; h++)
        {
            for (int w = 3; w < 6; w++)
            {
                x[PoolX.Offset(1, 0, h, w)] = double.NegativeInfinity;
            }
        }

        double[] y = new double[RobustnessOperators.MaxPoolShape.YLength];
        int[] indexes = new int[y.Length];
        RobustnessOperators.MaxPool(x, y, indexes);
        Shape4 yShape = new(2, 2, 4, 4);
        Assert.True(double.IsNaN(y[yShape.Offset(0, 0, 0, 0)]));
        Assert.Equal((1 * 7) + 0, indexes[yShape.Offset(0, 0, 0, 0)]);
        Assert.Equal(5, y[yShape.Offset(0, 1, 1, 1)]);
        Assert.Equal((1 * 7) + 2, indexes[yShape.Offset(0, 1, 1, 1)]);
        Assert.Equal(double.NegativeInfinity, y[yShape.Offset(1, 0, 2, 2)]);
        Assert.Equal((3 * 7) + 3, indexes[yShape.Offset(1, 0, 2, 2)]);

        // Padding never wins, not even over −∞: window (0, 0) of plane (1, 1) with its in-image cells at −∞.
        x = TestData.Random(PoolX.Length, seed: 14);
        for (int h = 0; h < 2; h++)
        {
            for (int w = 0; w < 2; w++)
            {
                x[PoolX.Offset(1, 1, h, w)] = double.NegativeInfinity;
            }
        }

        RobustnessOperators.MaxPool(x, y, indexes);
        Assert.Equal(double.NegativeInfinity, y[yShape.Offset(1, 1, 0, 0)]);
        Assert.Equal(0, indexes[yShape.Offset(1, 1, 0, 0)]);
    }

    [Theory]
    [MemberData(nameof(Poisons))]
    public void Average_pooling_propagates_non_finite_inputs(string poison)
    {
        double[] x = Poisoned(TestData.Random(PoolX.Length, seed: 15), poison);
        double[] y = new double[RobustnessOperators.AvgPoolShape.YLength];
        RobustnessOperators.AvgPool(x, y);
        AssertSameClasses(NaiveOps.AvgPool2d(x, PoolX, 3, 3, 2, 2, 1, 1, countIncludePad: true), y, "avg pool y (" + poison + ")");
        double[] gy = Poisoned(TestData.Random(y.Length, seed: 16), poison);
        double[] gx = new double[x.Length];
        RobustnessOperators.AvgPoolBackward(gy, gx);
        AssertSameClasses(NaiveOps.AvgPool2dBackward(gy, PoolX, 3, 3, 2, 2, 1, 1, countIncludePad: true), gx, "avg pool gx (" + poison + ")");
    }

    [Fact]
    public void Activations_follow_IEEE_and_PyTorch()
    {
        double[] x = { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 2 };
        double[] y = new double[x.Length];

        Activations.Relu<double>(x, y);
        Assert.Equal(new[] { double.NaN, double.PositiveInfinity, 0, 0, 2 }, y);
        Activations.LeakyRelu<double>(x, y, 0.1);
        Assert.Equal(new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 2 }, y);
        Activations.Sigmoid<double>(x, y);
        Assert.Equal(new[] { double.NaN, 1, 0, 0.5, 1 / (1 + Math.Exp(-2)) }, y);
        Activations.Tanh<double>(x, y);
        Assert.Equal(new[] { double.NaN, 1, -1, -0.0, Math.Tanh(2) }, y);

        // Backward: a NaN gradient passes wherever the mask lets anything through; x = NaN masks like x ≤ 0 (PyTorch).
        double[] gy = { 1, 1, 1, 1, double.NaN };
        double[] gx = new double[x.Length];
        Activations.ReluBackward<double>(x, gy, gx);
        Assert.Equal(new[] { 0, 1, 0, 0, double.NaN }, gx);
        Activations.LeakyReluBackward<double>(x, gy, gx, 0.1);
        Assert.Equal(new[] { 0.1, 1, 0.1, 0.1, double.NaN }, gx);
        Activations.Sigmoid<double>(x, y);
        Activations.SigmoidBackward<double>(y, gy, gx);
        Assert.True(double.IsNaN(gx[0]) && gx[1] == 0 && gx[2] == 0 && double.IsNaN(gx[4]));
    }

    [Fact]
    public void Losses_propagate_NaN_and_infinity()
    {
        float[] grad = new float[6];

        // A NaN logit makes its row's loss and gradient NaN, and so the mean.
        float loss = Losses.SoftmaxCrossEntropy<float>(new[] { 1f, float.NaN, 0f, 1f, 2f, 3f }, 2, 3, new[] { 0, 2 }, grad);
        Assert.True(float.IsNaN(loss));
        Assert.All(grad.Take(3), g => Assert.True(float.IsNaN(g)));
        Assert.All(grad.Skip(3), g => Assert.True(float.IsFinite(g)));

        // −∞ is probability 0: harmless elsewhere, an infinite loss at the label.
        loss = Losses.SoftmaxCrossEntropy<float>(new[] { 1f, float.NegativeInfinity, 0f }, 1, 3, new[] { 0 }, grad.AsSpan(0, 3));
        Assert.True(float.IsFinite(loss));
        Assert.Equal(0f, grad[1]);
        loss = Losses.SoftmaxCrossEntropy<float>(new[] { 1f, float.NegativeInfinity, 0f }, 1, 3, new[] { 1 }, grad.AsSpan(0, 3));
        Assert.Equal(float.PositiveInfinity, loss);

        // +∞ is the indeterminate ∞ − ∞ of log-sum-exp: NaN, not a guess.
        loss = Losses.SoftmaxCrossEntropy<float>(new[] { float.PositiveInfinity, 0f, 0f }, 1, 3, new[] { 0 }, grad.AsSpan(0, 3));
        Assert.True(float.IsNaN(loss));

        double[] g = new double[3];
        Assert.True(double.IsNaN(Losses.MeanSquaredError<double>(new[] { 1, double.NaN, 0 }, new double[3], g)));
        Assert.True(double.IsNaN(g[1]) && g[0] == 2.0 / 3 && g[2] == 0);
        Assert.Equal(double.PositiveInfinity, Losses.MeanSquaredError<double>(new[] { 1, double.NegativeInfinity, 0 }, new double[3], g));
        Assert.Equal(double.NegativeInfinity, g[1]);
        Assert.True(double.IsNaN(Losses.MeanSquaredError<double>(new[] { double.PositiveInfinity }, new[] { double.PositiveInfinity }, g.AsSpan(0, 1))));
    }

    /// <summary>Puts the poison in a few fixed places: a corner (padding side), the middle, and an overlap of windows.</summary>
    private static double[] Poisoned(double[] values, string poison)
    {
        double[] result = (double[])values.Clone();
        int n = result.Length;
        int[] at = { 0, n / 2, (n / 3) + 1, n - 1 };
        for (int k = 0; k < at.Length; k++)
        {
            result[at[k]] = poison switch
            {
                "NaN" => double.NaN,
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "+Inf and -Inf" => k % 2 == 0 ? double.PositiveInfinity : double.NegativeInfinity,
                _ => k % 2 == 0 ? double.NaN : double.PositiveInfinity,
            };
        }

        // For the mixed case, also put +∞ and −∞ side by side so that some window or sum meets both.
        if (poison == "+Inf and -Inf")
        {
            result[(n / 2) + 1] = double.NegativeInfinity;
        }

        return result;
    }

    /// <summary>NaN exactly where the reference has NaN, the same infinity where it has one, and close elsewhere.</summary>
    private static void AssertSameClasses(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            bool same = double.IsNaN(e) ? double.IsNaN(a) : double.IsInfinity(e) ? a == e : double.IsFinite(a) && Math.Abs(a - e) <= 1e-9 * Math.Max(1, Math.Abs(e));
            Assert.True(same, $"{what}: element {i} is {a:R}, the reference {e:R}");
        }
    }
}
