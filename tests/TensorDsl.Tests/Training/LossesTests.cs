using System;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Training;

public class LossesTests
{
    private static readonly double[] Logits = { 1.0, 2.0, 0.5, -1.0, 0.0, 3.0 };
    private static readonly int[] Labels = { 1, 0 };

    private static double ReferenceLoss(double[] logits, int batch, int classes, int[] labels)
    {
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            double sum = 0;
            for (int j = 0; j < classes; j++)
            {
                sum += Math.Exp(logits[(b * classes) + j]);
            }

            total += -Math.Log(Math.Exp(logits[(b * classes) + labels[b]]) / sum);
        }

        return total / batch;
    }

    [Fact]
    public void SoftmaxCrossEntropy_MatchesTheDefinition()
    {
        var grad = new double[6];
        double loss = Losses.SoftmaxCrossEntropy<double>(Logits, 2, 3, Labels, grad);
        Assert.Equal(ReferenceLoss(Logits, 2, 3, Labels), loss, 1e-14);

        // Row 0: softmax(1, 2, 0.5) − onehot(1), halved.
        double s = Math.Exp(1) + Math.Exp(2) + Math.Exp(0.5);
        Assert.Equal(Math.Exp(1) / s / 2, grad[0], 1e-15);
        Assert.Equal(((Math.Exp(2) / s) - 1) / 2, grad[1], 1e-15);
        Assert.Equal(Math.Exp(0.5) / s / 2, grad[2], 1e-15);
        Assert.Equal(0.0, grad[0] + grad[1] + grad[2], 1e-15);
        Assert.Equal(0.0, grad[3] + grad[4] + grad[5], 1e-15);
    }

    [Fact]
    public void SoftmaxCrossEntropy_GradientMatchesFiniteDifferences()
    {
        var rng = new TensorRandom(4);
        const int batch = 4, classes = 5;
        var logits = new double[batch * classes];
        Initializers.Normal<double>(logits, 0, 2, ref rng);
        int[] labels = { 0, 4, 2, 2 };
        var grad = new double[logits.Length];
        Losses.SoftmaxCrossEntropy<double>(logits, batch, classes, labels, grad);
        for (int i = 0; i < logits.Length; i++)
        {
            double[] plus = (double[])logits.Clone();
            double[] minus = (double[])logits.Clone();
            plus[i] += 1e-6;
            minus[i] -= 1e-6;
            double numeric = (Losses.SoftmaxCrossEntropy<double>(plus, batch, classes, labels, Span<double>.Empty)
                - Losses.SoftmaxCrossEntropy<double>(minus, batch, classes, labels, Span<double>.Empty)) / 2e-6;
            Assert.Equal(numeric, grad[i], 1e-8);
        }
    }

    [Fact]
    public void SoftmaxCrossEntropy_IsStableForHugeLogits()
    {
        float[] logits = { 1000f, 0f, -1000f, 500f, 500f, 500f };
        var grad = new float[6];
        float loss = Losses.SoftmaxCrossEntropy<float>(logits, 2, 3, new[] { 0, 2 }, grad);
        // Row 0 is certain and right (loss 0); row 1 is uniform (loss ln 3).
        Assert.Equal(MathF.Log(3) / 2, loss, 1e-6f);
        Assert.All(grad, g => Assert.True(float.IsFinite(g)));
        Assert.Equal(1f / 6, grad[3], 1e-6f);
        Assert.Equal((1f / 3 - 1) / 2, grad[5], 1e-6f);
    }

    [Fact]
    public void SoftmaxCrossEntropy_FloatAgreesWithDouble()
    {
        float[] logits = Array.ConvertAll(Logits, x => (float)x);
        var grad = new float[6];
        float loss = Losses.SoftmaxCrossEntropy<float>(logits, 2, 3, Labels, grad);
        Assert.Equal((float)ReferenceLoss(Logits, 2, 3, Labels), loss, 1e-6f);
    }

    [Fact]
    public void SoftmaxCrossEntropy_MayWriteTheGradientOverTheLogits()
    {
        double[] separate = new double[6];
        double expected = Losses.SoftmaxCrossEntropy<double>(Logits, 2, 3, Labels, separate);
        double[] inPlace = (double[])Logits.Clone();
        double loss = Losses.SoftmaxCrossEntropy<double>(inPlace, 2, 3, Labels, inPlace);
        Assert.Equal(expected, loss);
        Assert.Equal(separate, inPlace);
    }

    [Fact]
    public void SoftmaxCrossEntropy_NamesTheParameterAndTheLengths()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy<double>(new double[5], 2, 3, Labels, new double[6]));
        Assert.Equal("logits", e1.ParamName);
        Assert.Contains("length 5", e1.Message);
        Assert.Contains("expected 6", e1.Message);

        var e2 = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy<double>(Logits, 2, 3, new[] { 1 }, new double[6]));
        Assert.Equal("labels", e2.ParamName);
        Assert.Contains("length 1", e2.Message);
        Assert.Contains("expected 2", e2.Message);

        var e3 = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy<double>(Logits, 2, 3, Labels, new double[7]));
        Assert.Equal("gradLogits", e3.ParamName);
        Assert.Contains("length 7", e3.Message);

        var e4 = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy<double>(Logits, 2, 3, new[] { 1, 3 }, new double[6]));
        Assert.Equal("labels", e4.ParamName);
        Assert.Contains("labels[1] = 3", e4.Message);
    }

    [Fact]
    public void MeanSquaredError_IsTheMeanOverAllElements()
    {
        double[] p = { 1, 2, 3, 4 };
        double[] t = { 0, 2, 5, 4 };
        var grad = new double[4];
        double loss = Losses.MeanSquaredError<double>(p, t, grad);
        Assert.Equal((1.0 + 0 + 4 + 0) / 4, loss);
        Assert.Equal(new[] { 2.0 * 1 / 4, 0, 2.0 * -2 / 4, 0 }, grad);

        float lossF = Losses.MeanSquaredError<float>(new float[] { 1, 2, 3, 4 }, new float[] { 0, 2, 5, 4 }, Span<float>.Empty);
        Assert.Equal(1.25f, lossF);
    }

    [Fact]
    public void MeanSquaredError_ValidatesLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError<double>(new double[3], new double[4], new double[3]));
        Assert.Equal("target", e.ParamName);
        Assert.Contains("length 4", e.Message);
        Assert.Contains("expected 3", e.Message);
        var g = Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError<double>(new double[3], new double[3], new double[2]));
        Assert.Equal("gradPrediction", g.ParamName);
        Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError<double>(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, Span<double>.Empty));
    }

    [Fact]
    public void Accuracy_CountsRowsWhoseArgMaxIsTheLabel()
    {
        Assert.Equal(1, Losses.Accuracy<double>(Logits, 2, 3, Labels)); // row 0 argmax 1 (right), row 1 argmax 2 (wrong)
        Assert.Equal(2, Losses.Accuracy<double>(Logits, 2, 3, new[] { 1, 2 }));
        Assert.Equal(0, Losses.Accuracy<float>(new float[] { 1, 1, 0 }, 1, 3, new[] { 1 })); // ties go to the first
        var e = Assert.Throws<ArgumentException>(() => Losses.Accuracy<double>(Logits, 3, 3, Labels));
        Assert.Equal("logits", e.ParamName);
    }

    [Fact]
    public void Losses_AllocateNothing()
    {
        var logits = new float[64 * 10];
        var grad = new float[64 * 10];
        var labels = new int[64];
        var rng = new TensorRandom(2);
        Initializers.Normal<float>(logits, 0, 1, ref rng);
        Losses.SoftmaxCrossEntropy<float>(logits, 64, 10, labels, grad);
        Losses.MeanSquaredError<float>(logits, grad, grad);
        Losses.Accuracy<float>(logits, 64, 10, labels);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Losses.SoftmaxCrossEntropy<float>(logits, 64, 10, labels, grad);
            Losses.MeanSquaredError<float>(logits, grad, grad);
            Losses.Accuracy<float>(logits, 64, 10, labels);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
