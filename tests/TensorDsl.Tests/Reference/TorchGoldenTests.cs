using Xunit;
using G = TensorDsl.Tests.Reference.TorchGoldenCases;

namespace TensorDsl.Tests.Reference;

/// <summary>
/// NaiveOps against outputs PyTorch computed once (see <see cref="TorchGoldenCases"/>). The convolution inputs are multiples
/// of 1/4, so those results are exact in double; the average-pooling ones involve division and get a 1e-14 tolerance.
/// </summary>
public class TorchGoldenTests
{
    private const double Tol = 1e-14;

    [Fact]
    public void Conv2d_Stride2x1_Pad1x0_WithBias_MatchesTorch()
    {
        var xs = new Shape4(2, 3, 5, 6);
        var ws = new Shape4(2, 3, 3, 2);
        var ys = new Shape4(2, 2, 3, 5);
        TensorAssert.Close(G.ConvY, NaiveOps.Conv2d(G.ConvX, xs, G.ConvW, ws, G.ConvB, 2, 1, 1, 0), 0, 0, "conv2d y", ys.Dims);
        TensorAssert.Close(G.ConvGx, NaiveOps.Conv2dGradX(G.ConvW, ws, G.ConvGy, ys, xs, 2, 1, 1, 0), 0, 0, "conv2d grad x", xs.Dims);
        TensorAssert.Close(G.ConvGw, NaiveOps.Conv2dGradW(G.ConvX, xs, G.ConvGy, ys, 3, 2, 2, 1, 1, 0), 0, 0, "conv2d grad w", ws.Dims);
        TensorAssert.Close(G.ConvGb, NaiveOps.Conv2dGradB(G.ConvGy, ys), 0, 0, "conv2d grad b");
    }

    [Fact]
    public void ConvTranspose2d_WithOutputPadding_MatchesTorch()
    {
        var xs = new Shape4(1, 2, 3, 4);
        var ws = new Shape4(2, 3, 3, 2);
        int outH = NaiveOps.DeconvOutSize(3, 3, 2, 1, 1), outW = NaiveOps.DeconvOutSize(4, 2, 3, 0, 2);
        Assert.Equal((6, 13), (outH, outW));
        double[] y = NaiveOps.Deconv2d(G.DeconvX, xs, G.DeconvW, ws, G.DeconvB, 2, 3, 1, 0, outH, outW);
        TensorAssert.Close(G.DeconvY, y, 0, 0, "conv_transpose2d y", new[] { 1, 3, outH, outW });
    }

    [Fact]
    public void MaxPool2d_Padded_WithTies_MatchesTorch_ForwardIndexesBackward()
    {
        var xs = new Shape4(1, 2, 5, 5);
        var ys = new Shape4(1, 2, 3, 3);
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(G.MaxX, xs, 3, 3, 2, 2, 1, 1);
        TensorAssert.Close(G.MaxY, y, 0, 0, "max_pool2d y", ys.Dims);
        TensorAssert.Equal(G.MaxIndexes, indexes, "max_pool2d indexes", ys.Dims);
        TensorAssert.Close(G.MaxGx, NaiveOps.MaxPool2dBackward(indexes, G.MaxGy, ys, xs), 0, 0, "max_pool2d grad x", xs.Dims);
    }

    [Fact]
    public void MaxPool2d_NaNAndInfinities_LastWinsPolicy_MatchesTorch()
    {
        var xs = new Shape4(1, 2, 3, 4);
        var ys = new Shape4(1, 2, 4, 4);
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(G.MaxNaNX, xs, 2, 3, 1, 1, 1, 1, MaxPoolNaN.LastWins);
        TensorAssert.Close(G.MaxNaNY, y, 0, 0, "max_pool2d y with NaN", ys.Dims);
        TensorAssert.Equal(G.MaxNaNIndexes, indexes, "max_pool2d indexes with NaN", ys.Dims);
    }

    [Fact]
    public void MaxPool2d_NaNAndInfinities_FirstWinsPolicy_DiffersFromTorchOnlyInWhichNaN()
    {
        var xs = new Shape4(1, 2, 3, 4);
        var ys = new Shape4(1, 2, 4, 4);
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(G.MaxNaNX, xs, 2, 3, 1, 1, 1, 1, MaxPoolNaN.FirstWins);
        TensorAssert.Close(G.MaxNaNY, y, 0, 0, "max_pool2d y with NaN", ys.Dims);
        int differing = 0;
        for (int k = 0; k < indexes.Length; k++)
        {
            if (indexes[k] != G.MaxNaNIndexes[k])
            {
                differing++;
                Assert.True(double.IsNaN(y[k]), $"index {k} differs from torch although its window holds no NaN");
                Assert.True(double.IsNaN(G.MaxNaNX[indexes[k]]), $"index {k} does not point at a NaN");
                Assert.True(indexes[k] < G.MaxNaNIndexes[k], $"index {k}: the first NaN should precede torch's last");
            }
        }

        Assert.True(differing > 0, "the case should contain windows with two NaNs");
    }

    [Fact]
    public void AvgPool2d_CountIncludePad_MatchesTorch_ForwardBackward()
    {
        var xs = new Shape4(2, 2, 5, 6);
        var ys = new Shape4(2, 2, 3, 7);
        TensorAssert.Close(G.AvgIncludeY, NaiveOps.AvgPool2d(G.AvgX, xs, 3, 2, 2, 1, 1, 1, true), Tol, Tol, "avg_pool2d include y", ys.Dims);
        TensorAssert.Close(G.AvgIncludeGx, NaiveOps.AvgPool2dBackward(G.AvgIncludeGy, xs, 3, 2, 2, 1, 1, 1, true), Tol, Tol, "avg_pool2d include grad x", xs.Dims);
    }

    [Fact]
    public void AvgPool2d_CountExcludePad_MatchesTorch_ForwardBackward()
    {
        var xs = new Shape4(2, 2, 5, 6);
        var ys = new Shape4(2, 2, 3, 7);
        TensorAssert.Close(G.AvgExcludeY, NaiveOps.AvgPool2d(G.AvgX, xs, 3, 2, 2, 1, 1, 1, false), Tol, Tol, "avg_pool2d exclude y", ys.Dims);
        TensorAssert.Close(G.AvgExcludeGx, NaiveOps.AvgPool2dBackward(G.AvgExcludeGy, xs, 3, 2, 2, 1, 1, 1, false), Tol, Tol, "avg_pool2d exclude grad x", xs.Dims);
    }
}
