using System;
using System.Linq;
using TensorDsl.Tests.Reference;
using Xunit;

namespace TensorDsl.Tests.Operators;

/// <summary>
/// Finite differences (in double) of every generated gradient, against the generated forward it differentiates, and
/// second order: the gradients of the backward methods themselves (Conv2dGradW's backward, conv2d's and deconv2d's
/// backward composed with each other, max pooling's Backward and WithIndexes, average pooling's Backward, col2im).
/// Every operator here is linear in the argument being varied (max pooling away from ties), so central differences are
/// exact up to rounding and <see cref="Tolerance"/> is tight. Each check uses random projections
/// (<see cref="FiniteDifference.CheckGradient"/>), with the element-wise <see cref="FiniteDifference.Gradient"/> once.
/// </summary>
public class GradientTests
{
    private const double Tolerance = 1e-7;

    public static TheoryData<string> Conv2dOps => DoubleOps(OperatorKind.Conv2d);

    public static TheoryData<string> Deconv2dOps => DoubleOps(OperatorKind.Deconv2d);

    public static TheoryData<string> Conv2dGradWOps => DoubleOps(OperatorKind.Conv2dGradW);

    public static TheoryData<string> MaxPool2dOps => DoubleOps(OperatorKind.MaxPool2d);

    public static TheoryData<string> AvgPool2dOps => DoubleOps(OperatorKind.AvgPool2d);

    public static TheoryData<string> Im2colOps => DoubleOps(OperatorKind.Im2col);

    public static TheoryData<string> Col2imOps => DoubleOps(OperatorKind.Col2im);

    /// <summary>conv2d / deconv2d pairs with the same window: the deconv's x has the conv's y shape and vice versa.</summary>
    public static TheoryData<string, string> Pairs => new() { { "PairOps.Conv1", "PairOps.Deconv1" }, { "PairOps.Conv2", "PairOps.Deconv2" } };

    // ------------------------------------------------------------------ first order

    [Theory]
    [MemberData(nameof(Conv2dOps))]
    [MemberData(nameof(Deconv2dOps))]
    public void Convolution_gradients_are_the_derivatives_of_the_forward(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ws = op.WShape, ys = op.YShape;
        double[] x = op.Random(xs.Length, 21), w = op.Random(ws.Length, 22), b = op.Random(op.OC, 23);
        double[] Forward(double[] xx, double[] ww, double[] bb) => op.Run("", op.HasBias ? new[] { xx, ww, bb } : new[] { xx, ww }, ys.Length)[0];

        FiniteDifference.CheckGradient(xx => Forward(xx, w, b), (_, v) => op.Run("BackwardInput", new[] { w, v }, xs.Length)[0], x, 1, Tolerance);
        FiniteDifference.CheckGradient(ww => Forward(x, ww, b), (_, v) => op.Run("BackwardWeight", new[] { x, v }, ws.Length)[0], w, 2, Tolerance);
        if (op.HasBias)
        {
            FiniteDifference.CheckGradient(bb => Forward(x, w, bb), (_, v) => op.Run("BackwardBias", new[] { v }, op.OC)[0], b, 3, Tolerance);
        }

        // The all-in-one Backward, against the same derivatives.
        FiniteDifference.CheckGradient(xx => Forward(xx, w, b), (_, v) => op.Run("Backward", new[] { x, w, v }, Outputs(op))[0], x, 4, Tolerance);
        FiniteDifference.CheckGradient(ww => Forward(x, ww, b), (_, v) => op.Run("Backward", new[] { x, w, v }, Outputs(op))[1], w, 5, Tolerance);
    }

    [Fact]
    public void Conv2d_input_gradient_element_by_element()
    {
        DeclaredOperator op = DeclaredOperator.Get("ConvOps.Whole");
        double[] x = op.Random(op.XShape.Length, 24), w = op.Random(op.WShape.Length, 25), b = op.Random(op.OC, 26), v = op.Random(op.YShape.Length, 27);
        double[] numeric = FiniteDifference.Gradient(xx => NaiveOps.Dot(v, op.Run("", new[] { xx, w, b }, op.YShape.Length)[0]), x);
        TensorAssert.Close(numeric, op.Run("BackwardInput", new[] { w, v }, op.XShape.Length)[0], 1e-8, 1e-9, "d<v, conv(x)>/dx", op.XShape.Dims);
    }

    [Theory]
    [MemberData(nameof(MaxPool2dOps))]
    public void MaxPool2d_backward_is_the_derivative_of_the_forward_away_from_ties(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        double[] x = Distinct(op.XShape.Length, 28);
        FiniteDifference.CheckGradient(
            xx => op.RunMaxPool(xx).Y,
            (xx, v) => op.RunIndexed("Backward", op.RunMaxPool(xx).Indexes, v, op.XShape.Length),
            x, 6, Tolerance);
    }

    [Theory]
    [MemberData(nameof(AvgPool2dOps))]
    public void AvgPool2d_backward_is_the_derivative_of_the_forward(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        FiniteDifference.CheckGradient(
            x => op.Run("", new[] { x }, op.YShape.Length)[0],
            (_, v) => op.Run("Backward", new[] { v }, op.XShape.Length)[0],
            op.Random(op.XShape.Length, 29), 7, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Im2colOps))]
    public void Im2col_backward_is_the_derivative_of_the_forward(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        FiniteDifference.CheckGradient(
            x => op.Run("", new[] { x }, op.ColLength)[0],
            (_, v) => op.Run("Backward", new[] { v }, op.XShape.Length)[0],
            op.Random(op.XShape.Length, 30), 8, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Col2imOps))]
    public void Col2im_backward_is_the_derivative_of_the_forward(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        FiniteDifference.CheckGradient(
            col => op.Run("", new[] { col }, op.XShape.Length)[0],
            (_, v) => op.Run("Backward", new[] { v }, op.ColLength)[0],
            op.Random(op.ColLength, 31), 9, Tolerance);
    }

    // ------------------------------------------------------------------ second order

    [Theory]
    [MemberData(nameof(Conv2dGradWOps))]
    public void Conv2dGradW_backward_is_the_derivative_of_its_forward(string id)
    {
        // DeZero's Conv2DGradW.backward uses its own output gW where the incoming gradient ggW belongs, which a random
        // ggw unrelated to gw exposes.
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ws = op.WShape, ys = op.YShape;
        double[] x = op.Random(xs.Length, 32), gy = op.Random(ys.Length, 33);
        FiniteDifference.CheckGradient(xx => op.Run("", new[] { xx, gy }, ws.Length)[0], (_, ggw) => op.Run("Backward", new[] { x, gy, ggw }, xs.Length, ys.Length)[0], x, 10, Tolerance);
        FiniteDifference.CheckGradient(g => op.Run("", new[] { x, g }, ws.Length)[0], (_, ggw) => op.Run("Backward", new[] { x, gy, ggw }, xs.Length, ys.Length)[1], gy, 11, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Conv2dOps))]
    public void Conv2d_weight_gradient_differentiated_again_gives_its_input_gradient_and_forward(string id)
    {
        // The second derivatives of conv2d through its own generated members: gw = BackwardWeight(x, gy) is bilinear,
        // d<ggw, gw>/dx = BackwardInput(ggw, gy) and d<ggw, gw>/dgy = conv2d(x, ggw) without bias.
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ws = op.WShape, ys = op.YShape;
        double[] x = op.Random(xs.Length, 34), gy = op.Random(ys.Length, 35);
        double[] zeroBias = new double[op.OC];
        FiniteDifference.CheckGradient(xx => op.Run("BackwardWeight", new[] { xx, gy }, ws.Length)[0], (_, ggw) => op.Run("BackwardInput", new[] { ggw, gy }, xs.Length)[0], x, 12, Tolerance);
        FiniteDifference.CheckGradient(
            g => op.Run("BackwardWeight", new[] { x, g }, ws.Length)[0],
            (_, ggw) => op.Run("", op.HasBias ? new[] { x, ggw, zeroBias } : new[] { x, ggw }, ys.Length)[0],
            gy, 13, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Conv2d_input_gradient_is_differentiated_by_the_deconv2d_with_the_same_window(string conv, string deconv)
    {
        DeclaredOperator c = DeclaredOperator.Get(conv), d = DeclaredOperator.Get(deconv);
        Assert.Equal(c.YShape, d.XShape);
        Assert.Equal(c.XShape, d.YShape);
        Assert.Equal(c.WShape, d.WShape);
        double[] w = c.Random(c.WShape.Length, 36), gy = c.Random(c.YShape.Length, 37);

        // gx = ConvBackwardInput(w, gy) is deconv2d(gy, w): its gradients are the deconv's weight and input gradients.
        FiniteDifference.CheckGradient(ww => c.Run("BackwardInput", new[] { ww, gy }, c.XShape.Length)[0], (_, v) => d.Run("BackwardWeight", new[] { gy, v }, d.WShape.Length)[0], w, 14, Tolerance);
        FiniteDifference.CheckGradient(g => c.Run("BackwardInput", new[] { w, g }, c.XShape.Length)[0], (_, v) => d.Run("BackwardInput", new[] { w, v }, d.XShape.Length)[0], gy, 15, Tolerance);

        // And the other way: DeconvBackwardInput(w, g) is conv2d(g, w), differentiated by the conv's members.
        double[] g2 = d.Random(d.YShape.Length, 38);
        FiniteDifference.CheckGradient(ww => d.Run("BackwardInput", new[] { ww, g2 }, d.XShape.Length)[0], (_, v) => c.Run("BackwardWeight", new[] { g2, v }, c.WShape.Length)[0], w, 16, Tolerance);
        FiniteDifference.CheckGradient(g => d.Run("BackwardInput", new[] { w, g }, d.XShape.Length)[0], (_, v) => c.Run("BackwardInput", new[] { w, v }, c.XShape.Length)[0], g2, 17, Tolerance);
    }

    [Theory]
    [MemberData(nameof(MaxPool2dOps))]
    public void MaxPool2d_backward_and_with_indexes_are_adjoint_and_each_others_gradient(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ys = op.YShape;
        int[] indexes = op.RunMaxPool(op.Random(xs.Length, 39)).Indexes;
        double[] x = op.Random(xs.Length, 40), gy = op.Random(ys.Length, 41);

        double lhs = NaiveOps.Dot(op.RunIndexed("Backward", indexes, gy, xs.Length), x);
        double rhs = NaiveOps.Dot(gy, op.RunIndexed("WithIndexes", indexes, x, ys.Length));
        Assert.True(Math.Abs(lhs - rhs) <= 1e-12 * ys.Length, $"<Backward(gy), x> = {lhs:R} but <gy, WithIndexes(x)> = {rhs:R}");

        FiniteDifference.CheckGradient(xx => op.RunIndexed("WithIndexes", indexes, xx, ys.Length), (_, v) => op.RunIndexed("Backward", indexes, v, xs.Length), x, 18, Tolerance);
        FiniteDifference.CheckGradient(g => op.RunIndexed("Backward", indexes, g, xs.Length), (_, v) => op.RunIndexed("WithIndexes", indexes, v, ys.Length), gy, 19, Tolerance);
    }

    [Theory]
    [MemberData(nameof(AvgPool2dOps))]
    public void AvgPool2d_backward_differentiated_is_the_forward(string id)
    {
        // Non-square windows and strides included (DeZero's AveragePooling second order breaks on them).
        DeclaredOperator op = DeclaredOperator.Get(id);
        FiniteDifference.CheckGradient(
            gy => op.Run("Backward", new[] { gy }, op.XShape.Length)[0],
            (_, v) => op.Run("", new[] { v }, op.YShape.Length)[0],
            op.Random(op.YShape.Length, 42), 20, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Im2colOps))]
    [MemberData(nameof(Col2imOps))]
    public void Column_backward_differentiated_is_the_forward(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        bool im2col = op.Kind == OperatorKind.Im2col;
        int image = op.XShape.Length, columns = op.ColLength;
        FiniteDifference.CheckGradient(
            g => op.Run("Backward", new[] { g }, im2col ? image : columns)[0],
            (_, v) => op.Run("", new[] { v }, im2col ? columns : image)[0],
            op.Random(im2col ? columns : image, 43), 21, Tolerance);
    }

    [Fact]
    public void The_non_square_cases_are_present()
    {
        Assert.Contains(DeclaredOperator.All.Values, o => !o.IsFloat && o.Kind == OperatorKind.AvgPool2d && o.KH != o.KW && o.SH != o.SW);
        Assert.Contains(DeclaredOperator.All.Values, o => !o.IsFloat && o.Kind == OperatorKind.Conv2dGradW && o.KH != o.KW && o.SH != o.SW);
        Assert.Contains(DeclaredOperator.All.Values, o => !o.IsFloat && o.Kind == OperatorKind.MaxPool2d && o.KH != o.KW);
    }

    private static int[] Outputs(DeclaredOperator op)
        => op.HasBias ? new[] { op.XShape.Length, op.WShape.Length, op.OC } : new[] { op.XShape.Length, op.WShape.Length };

    /// <summary>A permutation of 0, 0.01, 0.02, …: no two values closer than 0.01, so no window has a tie or a near-tie.</summary>
    private static double[] Distinct(int length, int seed)
    {
        double[] keys = TestData.Random(length, seed);
        int[] order = Enumerable.Range(0, length).OrderBy(i => keys[i]).ToArray();
        double[] values = new double[length];
        for (int rank = 0; rank < length; rank++)
        {
            values[order[rank]] = (rank * 0.01) - 1;
        }

        return values;
    }

    private static TheoryData<string> DoubleOps(OperatorKind kind)
    {
        TheoryData<string> data = new();
        foreach (DeclaredOperator op in DeclaredOperator.All.Values.Where(o => o.Kind == kind && !o.IsFloat).OrderBy(o => o.Id, StringComparer.Ordinal))
        {
            data.Add(op.Id);
        }

        return data;
    }
}
