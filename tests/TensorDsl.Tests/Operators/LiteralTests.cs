using System;
using System.Linq;
using TensorDsl.Tests.Reference;
using Xunit;
using G = TensorDsl.Tests.Reference.TorchGoldenCases;

namespace TensorDsl.Tests.Operators;

/// <summary>
/// The generated operators against literal values: PyTorch's outputs (<see cref="TorchGoldenCases"/>) and small cases
/// worked out by hand, including max pooling's tie, NaN and −∞ rules.
/// </summary>
public class LiteralTests
{
    private const double Tol = 1e-14;

    [Fact]
    public void Conv2d_matches_torch_forward_and_gradients()
    {
        DeclaredOperator op = DeclaredOperator.Get("ConvOps.Torch");
        TensorAssert.Close(G.ConvY, op.Run("", new[] { G.ConvX, G.ConvW, G.ConvB }, G.ConvY.Length)[0], Tol, Tol, "y");
        TensorAssert.Close(G.ConvGx, op.Run("BackwardInput", new[] { G.ConvW, G.ConvGy }, G.ConvGx.Length)[0], Tol, Tol, "gx");
        TensorAssert.Close(G.ConvGw, op.Run("BackwardWeight", new[] { G.ConvX, G.ConvGy }, G.ConvGw.Length)[0], Tol, Tol, "gw");
        TensorAssert.Close(G.ConvGb, op.Run("BackwardBias", new[] { G.ConvGy }, G.ConvGb.Length)[0], Tol, Tol, "gb");
    }

    [Fact]
    public void Deconv2d_with_output_padding_matches_torch()
    {
        DeclaredOperator op = DeclaredOperator.Get("DeconvOps.Torch");
        TensorAssert.Close(G.DeconvY, op.Run("", new[] { G.DeconvX, G.DeconvW, G.DeconvB }, G.DeconvY.Length)[0], Tol, Tol, "y", new[] { 1, 3, 6, 13 });
    }

    [Fact]
    public void MaxPool2d_matches_torch_with_ties_and_padding()
    {
        DeclaredOperator op = DeclaredOperator.Get("PoolOps.MaxTorch");
        (double[] y, int[] indexes) = op.RunMaxPool(G.MaxX);
        TensorAssert.Close(G.MaxY, y, 0, 0, "y");
        TensorAssert.Equal(G.MaxIndexes, indexes, "indexes");
        TensorAssert.Close(G.MaxGx, op.RunIndexed("Backward", indexes, G.MaxGy, G.MaxGx.Length), Tol, Tol, "gx");
    }

    [Fact]
    public void MaxPool2d_matches_torch_with_nan_and_infinities_last_nan_wins()
    {
        DeclaredOperator op = DeclaredOperator.Get("PoolOps.MaxNaN");
        (double[] y, int[] indexes) = op.RunMaxPool(G.MaxNaNX);
        TensorAssert.Close(G.MaxNaNY, y, 0, 0, "y", new[] { 1, 2, 4, 4 });
        TensorAssert.Equal(G.MaxNaNIndexes, indexes, "indexes", new[] { 1, 2, 4, 4 });
    }

    [Fact]
    public void AvgPool2d_matches_torch_including_and_excluding_padding()
    {
        DeclaredOperator include = DeclaredOperator.Get("PoolOps.AvgTorchInclude"), exclude = DeclaredOperator.Get("PoolOps.AvgTorchExclude");
        TensorAssert.Close(G.AvgIncludeY, include.Run("", new[] { G.AvgX }, G.AvgIncludeY.Length)[0], Tol, Tol, "include y");
        TensorAssert.Close(G.AvgIncludeGx, include.Run("Backward", new[] { G.AvgIncludeGy }, G.AvgIncludeGx.Length)[0], Tol, Tol, "include gx");
        TensorAssert.Close(G.AvgExcludeY, exclude.Run("", new[] { G.AvgX }, G.AvgExcludeY.Length)[0], Tol, Tol, "exclude y");
        TensorAssert.Close(G.AvgExcludeGx, exclude.Run("Backward", new[] { G.AvgExcludeGy }, G.AvgExcludeGx.Length)[0], Tol, Tol, "exclude gx");
    }

    [Fact]
    public void MaxPool2d_ties_go_to_the_first_maximum_in_window_order()
    {
        DeclaredOperator op = DeclaredOperator.Get("SeedOperators.MaxPool4x4");
        double[] x = { 2, 2, 1, 1, 2, 2, 1, 1, 0, 5, 7, 7, 5, 0, 7, 7 };
        (double[] y, int[] indexes) = op.RunMaxPool(x);
        Assert.Equal(new double[] { 2, 1, 5, 7 }, y);
        Assert.Equal(new[] { 0, 2, 9, 10 }, indexes);
    }

    [Fact]
    public void MaxPool2d_nan_wins_and_the_last_nan_in_the_window_is_reported()
    {
        DeclaredOperator op = DeclaredOperator.Get("SeedOperators.MaxPool4x4");
        double nan = double.NaN;
        double[] x = { nan, 1, nan, 9, nan, 2, 8, 9, 1, 2, 3, 4, 5, 6, nan, 8 };
        (double[] y, int[] indexes) = op.RunMaxPool(x);
        Assert.True(double.IsNaN(y[0]) && double.IsNaN(y[1]) && y[2] == 6 && double.IsNaN(y[3]), string.Join(", ", y));
        Assert.Equal(new[] { 4, 2, 13, 14 }, indexes);
    }

    [Theory]
    [InlineData(double.NegativeInfinity)]
    [InlineData(-1e300)]
    [InlineData(5.0)]
    public void MaxPool2d_padding_never_wins_all_equal_windows_report_their_first_cell_inside(double value)
    {
        // Windows 2×3, stride 1, padding 1 over 3×4: the first cell inside the image of window (i, j) is
        // (max(i − 1, 0), max(j − 1, 0)), also when every cell is −∞ (nothing beats the initial −∞, as in PyTorch).
        DeclaredOperator op = DeclaredOperator.Get("PoolOps.MaxNaN");
        (double[] y, int[] indexes) = op.RunMaxPool(TestData.Filled(op.XShape.Length, value));
        Assert.All(y, v => Assert.Equal(value, v));
        int[] plane = { 0, 0, 1, 2, 0, 0, 1, 2, 4, 4, 5, 6, 8, 8, 9, 10 };
        Assert.Equal(plane.Concat(plane).ToArray(), indexes);
    }

    [Fact]
    public void AvgPool2d_excluding_padding_divides_by_the_cells_inside()
    {
        DeclaredOperator op = DeclaredOperator.Get("PoolOps.AvgTiny");
        Assert.Equal(new[] { 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6 }, op.Run("", new[] { TestData.Arange(9) }, 9)[0]);

        // Every cell receives 1/divisor from each window holding it: corners 1/4 + 2/6 + 1/9, edges 2/4 + 3/6 + 1/9, the centre 4/4 + 4/6 + 1/9.
        double corner = 25.0 / 36, edge = 10.0 / 9, centre = 16.0 / 9;
        TensorAssert.Close(new[] { corner, edge, corner, edge, centre, edge, corner, edge, corner }, op.Run("Backward", new[] { TestData.Filled(9, 1) }, 9)[0], 1e-15, 0, "gx");
    }

    [Fact]
    public void Conv2dGradW_of_arange_with_unit_gradient()
    {
        // x[c, h, w] = 25c + 5h + w over 5×5, gy = 1 over the 3×3 output: gw[o, c, u, v] = Σ_{i,j<3} x[c, i + u, j + v] = 54 + 45u + 9v + 225c.
        DeclaredOperator op = DeclaredOperator.Get("SeedOperators.GradW");
        double[] gw = op.Run("", new[] { TestData.Arange(50), TestData.Filled(3 * 9, 1) }, 3 * 2 * 9)[0];
        double[] expected = new double[54];
        for (int o = 0; o < 3; o++)
        for (int c = 0; c < 2; c++)
        for (int u = 0; u < 3; u++)
        for (int v = 0; v < 3; v++)
        {
            expected[(((o * 2) + c) * 9) + (u * 3) + v] = 54 + (45 * u) + (9 * v) + (225 * c);
        }

        Assert.Equal(expected, gw);
    }

    [Fact]
    public void Deconv2d_sparse_stride_leaves_only_the_bias_between_inputs()
    {
        // A 1×1 kernel with stride 2: y[2i, 2j] = Σ_c x[c, i, j] · w[c, o] + b[o]; every other cell is b[o] alone.
        DeclaredOperator op = DeclaredOperator.Get("DeconvOps.Sparse");
        Assert.Equal((5, 5), (op.OH, op.OW));
        double[] x = TestData.Arange(op.XShape.Length), w = TestData.Filled(op.WShape.Length, 0.5), b = { 1, 2, 3, 4 };
        double[] y = op.Run("", new[] { x, w, b }, op.YShape.Length)[0];
        for (int n = 0; n < 2; n++)
        for (int o = 0; o < 4; o++)
        for (int h = 0; h < 5; h++)
        for (int ww = 0; ww < 5; ww++)
        {
            double expected = b[o];
            if (h % 2 == 0 && ww % 2 == 0)
            {
                for (int c = 0; c < 5; c++)
                {
                    expected += 0.5 * x[(((n * 5) + c) * 9) + ((h / 2) * 3) + (ww / 2)];
                }
            }

            Assert.Equal(expected, y[(((n * 4) + o) * 25) + (h * 5) + ww]);
        }
    }
}
