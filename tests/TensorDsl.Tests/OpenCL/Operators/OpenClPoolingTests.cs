using System;
using TensorDsl.OpenCL;
using TensorDsl.Tests.Reference;
using Xunit;
using static TensorDsl.Tests.OpenCL.Operators.OpenClOperatorSupport;

namespace TensorDsl.Tests.OpenCL.Operators;

/// <summary>
/// Max and average pooling, im2col and col2im on the OpenCL device against the naive reference and the CPU
/// operators. Maxima, indexes and copies must match exactly; sums use the tolerances of
/// <see cref="OpenClOperatorSupport"/> (float 1e-5, double 1e-12 relative to the summed magnitudes); finite
/// differences 1e-7.
/// </summary>
[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public sealed class OpenClPoolingTests
{
    private static WindowCase MaxPool => new(2, 3, 8, 6, 2, 2, 2, 2, 0, 0, 4, 3);

    private static WindowCase MaxPoolDouble => new(2, 2, 9, 7, 3, 2, 2, 1, 1, 1, 5, 8);

    private static WindowCase AvgPool => new(2, 3, 7, 6, 3, 3, 1, 1, 1, 1, 7, 6);

    private static WindowCase AvgPoolExcludePad => new(2, 2, 9, 8, 3, 2, 2, 2, 1, 1, 5, 5);

    private static WindowCase Im2colMatrix => new(2, 3, 7, 6, 3, 2, 2, 1, 1, 0, 4, 5);

    private static WindowCase Im2colTensor => new(1, 2, 6, 6, 3, 3, 1, 1, 1, 1, 6, 6);

    private static WindowCase Col2imMatrix => new(2, 2, 7, 7, 3, 3, 2, 2, 1, 1, 4, 4);

    private static WindowCase Col2imTensor => new(1, 3, 5, 6, 2, 3, 1, 1, 0, 0, 4, 4);

    [Fact]
    public void Shapes_of_the_cases_match_the_declarations()
    {
        Assert.Equal(OpenClOperators.MaxPoolShape.YLength, MaxPool.Y.Length);
        Assert.Equal((MaxPoolDouble.OH, MaxPoolDouble.OW), (OpenClOperators.MaxPoolDoubleShape.OutHeight, OpenClOperators.MaxPoolDoubleShape.OutWidth));
        Assert.Equal(OpenClOperators.AvgPoolShape.YLength, AvgPool.Y.Length);
        Assert.Equal((AvgPoolExcludePad.OH, AvgPoolExcludePad.OW), (OpenClOperators.AvgPoolExcludePadShape.OutHeight, OpenClOperators.AvgPoolExcludePadShape.OutWidth));
        Assert.Equal(OpenClOperators.Im2colMatrixShape.ColLength, Im2colMatrix.ColumnLength);
        Assert.Equal(OpenClOperators.Im2colTensorShape.ColLength, Im2colTensor.ColumnLength);
        Assert.Equal(OpenClOperators.Col2imMatrixShape.ColLength, Col2imMatrix.ColumnLength);
        Assert.Equal(OpenClOperators.Col2imTensorShape.ColLength, Col2imTensor.ColumnLength);
    }

    [Fact]
    public void Max_pool_float_matches_reference_and_cpu_exactly()
    {
        WindowCase c = MaxPool;
        float[] x = TestData.RandomSingle(c.X.Length, 101);
        float[] gy = TestData.RandomSingle(c.Y.Length, 102);
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(TestData.ToDouble(x), c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW);
        float[] cpuY = new float[c.Y.Length], cpuGx = new float[c.X.Length];
        int[] cpuIndexes = new int[c.Y.Length];
        OpenClOperators.MaxPool(x, cpuY, cpuIndexes);
        OpenClOperators.MaxPoolBackward(cpuIndexes, gy, cpuGx);

        using OpenClBuffer<float> dx = DeviceRuntime.Upload<float>(x), dgy = DeviceRuntime.Upload<float>(gy);
        using OpenClBuffer<float> dy = Poisoned<float>(c.Y.Length), dgx = Poisoned<float>(c.X.Length), dy2 = Poisoned<float>(c.Y.Length);
        using OpenClBuffer<int> di = DeviceRuntime.Upload<int>(new int[c.Y.Length]);
        OpenClOperators.MaxPoolOpenCL.Forward(dx, dy, di);
        OpenClOperators.MaxPoolOpenCL.Backward(di, dgy, dgx);
        OpenClOperators.MaxPoolOpenCL.WithIndexes(di, dx, dy2);

        AssertSame(y, TestData.ToDouble(dy.ToArray()), "max pool y");
        TensorAssert.Equal(indexes, di.ToArray(), "max pool indexes");
        TensorAssert.Equal(cpuIndexes, di.ToArray(), "max pool indexes vs CPU");
        AssertSame(TestData.ToDouble(cpuGx), TestData.ToDouble(dgx.ToArray()), "max pool backward vs CPU");
        AssertSame(NaiveOps.MaxPool2dBackward(indexes, TestData.ToDouble(gy), c.Y, c.X), TestData.ToDouble(dgx.ToArray()), "max pool backward");
        AssertSame(y, TestData.ToDouble(dy2.ToArray()), "max pool with indexes");
    }

    [Fact]
    public void Max_pool_overlapping_padded_windows_with_ties_and_nans()
    {
        WindowCase c = MaxPoolDouble;

        // Small integers make ties common; NaNs (some windows get several) and infinities test the NaN rule.
        double[] x = TestData.Random(c.X.Length, 111, 0, 4);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = Math.Floor(x[i]);
        }

        x[3] = double.NaN;
        x[4] = double.NaN;
        x[10] = double.NegativeInfinity;
        x[20] = double.PositiveInfinity;
        x[40] = double.NaN;
        x[47] = double.NaN;
        x[48] = double.NaN;
        for (int i = 63; i < 63 + 14; i++)
        {
            x[i] = double.NegativeInfinity; // whole windows of -inf in the second plane: the index is the first cell inside
        }

        double[] gy = TestData.Random(c.Y.Length, 112);
        (double[] y, int[] indexes) = NaiveOps.MaxPool2d(x, c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, MaxPoolNaN.LastWins);
        double[] cpuY = new double[c.Y.Length], cpuGx = new double[c.X.Length];
        int[] cpuIndexes = new int[c.Y.Length];
        OpenClOperators.MaxPoolDouble(x, cpuY, cpuIndexes);
        OpenClOperators.MaxPoolDoubleBackward(cpuIndexes, gy, cpuGx);

        using OpenClBuffer<double> dx = DeviceRuntime.Upload<double>(x), dgy = DeviceRuntime.Upload<double>(gy);
        using OpenClBuffer<double> dy = Poisoned<double>(c.Y.Length), dgx = Poisoned<double>(c.X.Length), dy2 = Poisoned<double>(c.Y.Length);
        using OpenClBuffer<int> di = DeviceRuntime.Upload<int>(new int[c.Y.Length]);
        OpenClOperators.MaxPoolDoubleOpenCL.Forward(dx, dy, di);
        OpenClOperators.MaxPoolDoubleOpenCL.Backward(di, dgy, dgx);
        OpenClOperators.MaxPoolDoubleOpenCL.WithIndexes(di, dx, dy2);

        Assert.Contains(y, double.IsNaN);
        AssertSame(y, dy.ToArray(), "max pool y");
        AssertSame(cpuY, dy.ToArray(), "max pool y vs CPU");
        TensorAssert.Equal(indexes, di.ToArray(), "max pool indexes");
        TensorAssert.Equal(cpuIndexes, di.ToArray(), "max pool indexes vs CPU");
        AssertSame(NaiveOps.MaxPool2dBackward(indexes, gy, c.Y, c.X), dgx.ToArray(), "max pool backward (overlapping windows accumulate)");
        AssertSame(cpuGx, dgx.ToArray(), "max pool backward vs CPU");
        AssertSame(NaiveOps.MaxPool2dWithIndexes(indexes, x, c.X, c.Y), dy2.ToArray(), "max pool with indexes");
    }

    [Fact]
    public void Max_pool_with_indexes_outside_the_plane_gives_nan_and_backward_ignores_them()
    {
        WindowCase c = MaxPool;
        int[] indexes = new int[c.Y.Length];
        indexes[0] = -1;
        indexes[1] = c.H * c.W;
        indexes[2] = 0; // in the plane but not in window 2 (nor are the zeros of windows 3 and on): the gather never sees them
        using OpenClBuffer<float> dx = DeviceRuntime.Upload<float>(TestData.RandomSingle(c.X.Length, 121)), dy = Poisoned<float>(c.Y.Length);
        using OpenClBuffer<float> dgy = DeviceRuntime.Upload<float>(TestData.RandomSingle(c.Y.Length, 122)), dgx = Poisoned<float>(c.X.Length);
        using OpenClBuffer<int> di = DeviceRuntime.Upload<int>(indexes);
        OpenClOperators.MaxPoolOpenCL.WithIndexes(di, dx, dy);
        OpenClOperators.MaxPoolOpenCL.Backward(di, dgy, dgx);
        float[] y = dy.ToArray();
        Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[1]));
        Assert.Equal(dx.ToArray()[0], y[2]);
        Assert.All(dgx.ToArray()[..(c.H * c.W)], g => Assert.Equal(0f, g)); // the first plane: window 0's -1 and window 2's 0 dropped
    }

    [Fact]
    public void Avg_pool_float_counting_padding() => CheckAvgPool<float>(AvgPool, countIncludePad: true,
        (x, y) => OpenClOperators.AvgPoolOpenCL.Forward(x, y), (gy, gx) => OpenClOperators.AvgPoolOpenCL.Backward(gy, gx), seed: 131);

    [Fact]
    public void Avg_pool_double_not_counting_padding() => CheckAvgPool<double>(AvgPoolExcludePad, countIncludePad: false,
        (x, y) => OpenClOperators.AvgPoolExcludePadOpenCL.Forward(x, y), (gy, gx) => OpenClOperators.AvgPoolExcludePadOpenCL.Backward(gy, gx), seed: 132);

    [Fact]
    public void Avg_pool_seed_declaration() => CheckAvgPool<double>(new WindowCase(1, 1, 4, 4, 3, 3, 1, 1, 1, 1, 4, 4), countIncludePad: true,
        (x, y) => TensorDsl.Tests.Operators.SeedOperators.AvgPool4x4OpenCL.Forward(x, y), (gy, gx) => TensorDsl.Tests.Operators.SeedOperators.AvgPool4x4OpenCL.Backward(gy, gx), seed: 133);

    [Fact]
    public void Avg_pool_double_matches_the_cpu_operator()
    {
        WindowCase c = AvgPoolExcludePad;
        double[] x = TestData.Random(c.X.Length, 134), gy = TestData.Random(c.Y.Length, 135);
        double[] cpuY = new double[c.Y.Length], cpuGx = new double[c.X.Length];
        OpenClOperators.AvgPoolExcludePad(x, cpuY);
        OpenClOperators.AvgPoolExcludePadBackward(gy, cpuGx);
        using OpenClBuffer<double> dx = DeviceRuntime.Upload<double>(x), dy = Poisoned<double>(c.Y.Length), dgy = DeviceRuntime.Upload<double>(gy), dgx = Poisoned<double>(c.X.Length);
        OpenClOperators.AvgPoolExcludePadOpenCL.Forward(dx, dy);
        OpenClOperators.AvgPoolExcludePadOpenCL.Backward(dgy, dgx);

        // Same operations in the same order as the CPU loops.
        AssertClose(cpuY, Abs(cpuY), dy.ToArray(), DoubleTolerance, "avg pool vs CPU");
        AssertClose(cpuGx, Abs(cpuGx), dgx.ToArray(), DoubleTolerance, "avg pool backward vs CPU");
    }

    [Fact]
    public void Im2col_matrix_layout_float() => CheckIm2col<float>(Im2colMatrix, toMatrix: true,
        (x, col) => OpenClOperators.Im2colMatrixOpenCL.Forward(x, col), (gcol, gx) => OpenClOperators.Im2colMatrixOpenCL.Backward(gcol, gx), seed: 141);

    [Fact]
    public void Im2col_tensor_layout_double() => CheckIm2col<double>(Im2colTensor, toMatrix: false,
        (x, col) => OpenClOperators.Im2colTensorOpenCL.Forward(x, col), (gcol, gx) => OpenClOperators.Im2colTensorOpenCL.Backward(gcol, gx), seed: 142);

    [Fact]
    public void Col2im_matrix_layout_double() => CheckIm2col<double>(Col2imMatrix, toMatrix: true,
        (x, col) => OpenClOperators.Col2imMatrixOpenCL.Backward(x, col), (col, x) => OpenClOperators.Col2imMatrixOpenCL.Forward(col, x), seed: 143);

    [Fact]
    public void Col2im_tensor_layout_float() => CheckIm2col<float>(Col2imTensor, toMatrix: false,
        (x, col) => OpenClOperators.Col2imTensorOpenCL.Backward(x, col), (col, x) => OpenClOperators.Col2imTensorOpenCL.Forward(col, x), seed: 144);

    [Fact]
    public void Col2im_seed_declaration() => CheckIm2col<double>(new WindowCase(1, 1, 4, 4, 2, 2, 1, 1, 0, 0, 3, 3), toMatrix: false,
        (x, col) => TensorDsl.Tests.Operators.SeedOperators.Col2im4x4OpenCL.Backward(x, col), (col, x) => TensorDsl.Tests.Operators.SeedOperators.Col2im4x4OpenCL.Forward(col, x), seed: 145);

    [Fact]
    public void Pooling_and_column_gradients_match_finite_differences()
    {
        const double tolerance = 1e-7;
        WindowCase m = MaxPoolDouble;
        double[] x = TestData.Random(m.X.Length, 151); // distinct values: no ties, so max pooling is differentiable here
        FiniteDifference.CheckGradient(
            xs => Device(m.Y.Length, y => { using OpenClBuffer<double> b = DeviceRuntime.Upload<double>(xs); using OpenClBuffer<int> i = DeviceRuntime.Allocate<int>(m.Y.Length); OpenClOperators.MaxPoolDoubleOpenCL.Forward(b, y, i); }),
            (xs, v) => Device(m.X.Length, gx =>
            {
                using OpenClBuffer<double> b = DeviceRuntime.Upload<double>(xs), y = DeviceRuntime.Allocate<double>(m.Y.Length), gy = DeviceRuntime.Upload<double>(v);
                using OpenClBuffer<int> i = DeviceRuntime.Allocate<int>(m.Y.Length);
                OpenClOperators.MaxPoolDoubleOpenCL.Forward(b, y, i);
                OpenClOperators.MaxPoolDoubleOpenCL.Backward(i, gy, gx);
            }),
            x, seed: 152, tolerance);

        WindowCase a = AvgPoolExcludePad;
        FiniteDifference.CheckGradient(
            xs => Device(a.Y.Length, y => { using OpenClBuffer<double> b = DeviceRuntime.Upload<double>(xs); OpenClOperators.AvgPoolExcludePadOpenCL.Forward(b, y); }),
            (_, v) => Device(a.X.Length, gx => { using OpenClBuffer<double> gy = DeviceRuntime.Upload<double>(v); OpenClOperators.AvgPoolExcludePadOpenCL.Backward(gy, gx); }),
            TestData.Random(a.X.Length, 153), seed: 154, tolerance);

        WindowCase t = Im2colTensor;
        FiniteDifference.CheckGradient(
            xs => Device(t.ColumnLength, col => { using OpenClBuffer<double> b = DeviceRuntime.Upload<double>(xs); OpenClOperators.Im2colTensorOpenCL.Forward(b, col); }),
            (_, v) => Device(t.X.Length, gx => { using OpenClBuffer<double> gcol = DeviceRuntime.Upload<double>(v); OpenClOperators.Im2colTensorOpenCL.Backward(gcol, gx); }),
            TestData.Random(t.X.Length, 155), seed: 156, tolerance);

        WindowCase c = Col2imMatrix;
        FiniteDifference.CheckGradient(
            cols => Device(c.X.Length, x2 => { using OpenClBuffer<double> b = DeviceRuntime.Upload<double>(cols); OpenClOperators.Col2imMatrixOpenCL.Forward(b, x2); }),
            (_, v) => Device(c.ColumnLength, gcol => { using OpenClBuffer<double> gx = DeviceRuntime.Upload<double>(v); OpenClOperators.Col2imMatrixOpenCL.Backward(gx, gcol); }),
            TestData.Random(c.ColumnLength, 157), seed: 158, tolerance);
    }

    private static void CheckAvgPool<T>(WindowCase c, bool countIncludePad, Launch2<T> forward, Launch2<T> backward, int seed)
        where T : unmanaged
    {
        double tolerance = Tolerance<T>();
        double[] x = Representable<T>(TestData.Random(c.X.Length, seed));
        double[] gy = Representable<T>(TestData.Random(c.Y.Length, seed + 1000));
        double[] y = NaiveOps.AvgPool2d(x, c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, countIncludePad);
        double[] yScale = NaiveOps.AvgPool2d(Abs(x), c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, countIncludePad);
        double[] gx = NaiveOps.AvgPool2dBackward(gy, c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, countIncludePad);
        double[] gxScale = NaiveOps.AvgPool2dBackward(Abs(gy), c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, countIncludePad);
        using OpenClBuffer<T> dx = Upload<T>(x), dy = Poisoned<T>(y.Length), dgy = Upload<T>(gy), dgx = Poisoned<T>(x.Length);
        forward(dx, dy);
        backward(dgy, dgx);
        AssertClose(y, yScale, Download(dy), tolerance, "avg pool y");
        AssertClose(gx, gxScale, Download(dgx), tolerance, "avg pool backward gx");
    }

    /// <summary>im2col (exact: a copy) and col2im (a sum) of one geometry, whichever of them is the declaration's forward.</summary>
    private static void CheckIm2col<T>(WindowCase c, bool toMatrix, Launch2<T> im2col, Launch2<T> col2im, int seed)
        where T : unmanaged
    {
        double[] x = Representable<T>(TestData.Random(c.X.Length, seed));
        double[] cols = Representable<T>(TestData.Random(c.ColumnLength, seed + 1000));
        double[] expectedCols = NaiveOps.Im2col(x, c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, toMatrix);
        double[] expectedX = NaiveOps.Col2im(cols, c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, toMatrix);
        double[] scaleX = NaiveOps.Col2im(Abs(cols), c.X, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, toMatrix);
        using OpenClBuffer<T> dx = Upload<T>(x), dcols = Upload<T>(cols), outCols = Poisoned<T>(cols.Length), outX = Poisoned<T>(x.Length);
        im2col(dx, outCols);
        col2im(dcols, outX);
        AssertSame(expectedCols, Download(outCols), "im2col");
        AssertClose(expectedX, scaleX, Download(outX), Tolerance<T>(), "col2im");
    }

    private static double[] Device(int length, Action<OpenClBuffer<double>> launch)
    {
        using OpenClBuffer<double> output = Poisoned<double>(length);
        launch(output);
        return output.ToArray();
    }
}
