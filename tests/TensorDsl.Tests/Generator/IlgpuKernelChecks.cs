namespace TensorDsl.Tests.Generator;

/// <summary>
/// A user project's source that declares one or more operators of every kind (float and double, strides, padding,
/// rectangular kernels, overlapping windows, output padding, both im2col layouts, both average-pooling divisors) and a
/// <c>Checker</c> that runs every direction of each through its generated CPU method and its generated ILGPU kernels
/// and compares them. It compiles against ILGPU's API, so the same text runs both on the test stub
/// (<see cref="IlgpuStub"/>) and on real ILGPU (see docs/ilgpu.md). Outputs start filled with garbage, so a kernel
/// that leaves an element unwritten fails; max pooling inputs hold ties and NaNs.
/// </summary>
internal static class IlgpuKernelChecks
{
    /// <summary>The operator declarations alone: they compile with or without ILGPU.</summary>
    public const string Declarations = """
        using System;
        using TensorDsl;

        namespace TargetCheck
        {
            public static partial class Ops
            {
                [Conv2d(Batch = 2, InChannels = 3, Height = 7, Width = 5, OutChannels = 4, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void ConvF(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

                [Conv2d(Batch = 1, InChannels = 2, Height = 5, Width = 7, OutChannels = 3, KernelHeight = 2, KernelWidth = 3, StrideHeight = 1, StrideWidth = 2, PadWidth = 1, Bias = false)]
                public static partial void ConvD(ReadOnlySpan<double> input, ReadOnlySpan<double> weights, Span<double> output);

                [Deconv2d(Batch = 2, InChannels = 3, Height = 3, Width = 4, OutChannels = 2, Kernel = 3, Stride = 2, Pad = 1, OutputPadding = 1)]
                public static partial void DeconvF(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

                [Deconv2d(Batch = 1, InChannels = 2, Height = 4, Width = 3, OutChannels = 3, KernelHeight = 2, KernelWidth = 3, StrideHeight = 1, StrideWidth = 2, Bias = false)]
                public static partial void DeconvD(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);

                [Conv2dGradW(Batch = 2, InChannels = 2, Height = 5, Width = 5, OutChannels = 3, Kernel = 3, Pad = 1)]
                public static partial void GradWF(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gw);

                [MaxPool2d(Batch = 2, Channels = 3, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void MaxPoolF(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

                [MaxPool2d(Batch = 1, Channels = 2, Height = 5, Width = 5, Kernel = 3, Stride = 1, Pad = 1)]
                public static partial void MaxPoolOverlapF(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

                [MaxPool2d(Batch = 1, Channels = 2, Height = 4, Width = 6, Kernel = 2)]
                public static partial void MaxPoolD(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);

                [AvgPool2d(Batch = 2, Channels = 2, Height = 7, Width = 5, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void AvgPoolF(ReadOnlySpan<float> x, Span<float> y);

                [AvgPool2d(Batch = 2, Channels = 2, Height = 7, Width = 5, Kernel = 3, Stride = 2, Pad = 1, CountIncludePad = false)]
                public static partial void AvgPoolExcludeF(ReadOnlySpan<float> x, Span<float> y);

                [AvgPool2d(Batch = 1, Channels = 2, Height = 5, Width = 6, KernelHeight = 3, KernelWidth = 2, Stride = 1, PadHeight = 1, CountIncludePad = false)]
                public static partial void AvgPoolD(ReadOnlySpan<double> x, Span<double> y);

                [Im2col(Batch = 2, Channels = 2, Height = 5, Width = 5, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void Im2colF(ReadOnlySpan<float> x, Span<float> col);

                [Im2col(Batch = 1, Channels = 3, Height = 4, Width = 5, KernelHeight = 2, KernelWidth = 3, Stride = 1, PadWidth = 1, ToMatrix = false)]
                public static partial void Im2colD(ReadOnlySpan<double> x, Span<double> col);

                [Col2im(Batch = 2, Channels = 2, Height = 5, Width = 5, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void Col2imF(ReadOnlySpan<float> col, Span<float> x);

                [Col2im(Batch = 1, Channels = 2, Height = 4, Width = 4, Kernel = 2, Stride = 1, ToMatrix = false)]
                public static partial void Col2imD(ReadOnlySpan<double> col, Span<double> x);
            }
        }
        """;

    /// <summary>The checker, which needs ILGPU (or the stub) and <see cref="Declarations"/>.</summary>
    public const string Checker = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Numerics;
        using ILGPU;
        using ILGPU.Runtime;

        namespace TargetCheck
        {
            /// <summary>Moves arrays to views on the accelerator and back.</summary>
            public interface IViews
            {
                ArrayView<T> Upload<T>(T[] data) where T : unmanaged;

                T[] Download<T>(ArrayView<T> view) where T : unmanaged;
            }

            /// <summary>Runs every direction of every operator above on the CPU and through the ILGPU kernels and compares.</summary>
            public sealed class Checker
            {
                private readonly Accelerator _accelerator;
                private readonly IViews _views;
                private readonly Random _random = new(20261121);

                public Checker(Accelerator accelerator, IViews views)
                {
                    _accelerator = accelerator;
                    _views = views;
                }

                /// <summary>One line per compared output: its name, element count and largest difference.</summary>
                public List<string> Passed { get; } = new();

                public List<string> Failures { get; } = new();

                public void RunAll()
                {
                    Conv();
                    Deconv();
                    GradW();
                    MaxPool();
                    AvgPool();
                    Columns();
                }

                private void Conv()
                {
                    var f = new Ops.ConvFIlgpu.Kernels(_accelerator);
                    float[] x = F(Ops.ConvFShape.XLength), w = F(Ops.ConvFShape.WLength), b = F(Ops.ConvFShape.BLength), gy = F(Ops.ConvFShape.YLength);
                    Run("ConvF.Forward", new[] { x, w, b }, new[] { Ops.ConvFShape.YLength }, (i, o) => Ops.ConvF(i[0], i[1], i[2], o[0]), (i, o) => f.Forward(i[0], i[1], i[2], o[0]));
                    Run("ConvF.Backward", new[] { x, w, gy }, new[] { x.Length, w.Length, b.Length }, (i, o) => Ops.ConvFBackward(i[0], i[1], i[2], o[0], o[1], o[2]), (i, o) => f.Backward(i[0], i[1], i[2], o[0], o[1], o[2]));
                    Run("ConvF.BackwardInput", new[] { w, gy }, new[] { x.Length }, (i, o) => Ops.ConvFBackwardInput(i[0], i[1], o[0]), (i, o) => f.BackwardInput(i[0], i[1], o[0]));
                    Run("ConvF.BackwardWeight", new[] { x, gy }, new[] { w.Length }, (i, o) => Ops.ConvFBackwardWeight(i[0], i[1], o[0]), (i, o) => f.BackwardWeight(i[0], i[1], o[0]));
                    Run("ConvF.BackwardBias", new[] { gy }, new[] { b.Length }, (i, o) => Ops.ConvFBackwardBias(i[0], o[0]), (i, o) => f.BackwardBias(i[0], o[0]));

                    var d = new Ops.ConvDIlgpu.Kernels(_accelerator);
                    double[] dx = D(Ops.ConvDShape.XLength), dw = D(Ops.ConvDShape.WLength), dgy = D(Ops.ConvDShape.YLength);
                    Run("ConvD.Forward", new[] { dx, dw }, new[] { dgy.Length }, (i, o) => Ops.ConvD(i[0], i[1], o[0]), (i, o) => d.Forward(i[0], i[1], o[0]));
                    Run("ConvD.Backward", new[] { dx, dw, dgy }, new[] { dx.Length, dw.Length }, (i, o) => Ops.ConvDBackward(i[0], i[1], i[2], o[0], o[1]), (i, o) => d.Backward(i[0], i[1], i[2], o[0], o[1]));
                    Run("ConvD.BackwardInput", new[] { dw, dgy }, new[] { dx.Length }, (i, o) => Ops.ConvDBackwardInput(i[0], i[1], o[0]), (i, o) => d.BackwardInput(i[0], i[1], o[0]));
                    Run("ConvD.BackwardWeight", new[] { dx, dgy }, new[] { dw.Length }, (i, o) => Ops.ConvDBackwardWeight(i[0], i[1], o[0]), (i, o) => d.BackwardWeight(i[0], i[1], o[0]));
                    Run("ConvD.BackwardBias", new[] { dgy }, new[] { Ops.ConvDShape.OutChannels }, (i, o) => Ops.ConvDBackwardBias(i[0], o[0]), (i, o) => d.BackwardBias(i[0], o[0]));
                }

                private void Deconv()
                {
                    var f = new Ops.DeconvFIlgpu.Kernels(_accelerator);
                    float[] x = F(Ops.DeconvFShape.XLength), w = F(Ops.DeconvFShape.WLength), b = F(Ops.DeconvFShape.BLength), gy = F(Ops.DeconvFShape.YLength);
                    Run("DeconvF.Forward", new[] { x, w, b }, new[] { gy.Length }, (i, o) => Ops.DeconvF(i[0], i[1], i[2], o[0]), (i, o) => f.Forward(i[0], i[1], i[2], o[0]));
                    Run("DeconvF.Backward", new[] { x, w, gy }, new[] { x.Length, w.Length, b.Length }, (i, o) => Ops.DeconvFBackward(i[0], i[1], i[2], o[0], o[1], o[2]), (i, o) => f.Backward(i[0], i[1], i[2], o[0], o[1], o[2]));
                    Run("DeconvF.BackwardInput", new[] { w, gy }, new[] { x.Length }, (i, o) => Ops.DeconvFBackwardInput(i[0], i[1], o[0]), (i, o) => f.BackwardInput(i[0], i[1], o[0]));
                    Run("DeconvF.BackwardWeight", new[] { x, gy }, new[] { w.Length }, (i, o) => Ops.DeconvFBackwardWeight(i[0], i[1], o[0]), (i, o) => f.BackwardWeight(i[0], i[1], o[0]));
                    Run("DeconvF.BackwardBias", new[] { gy }, new[] { b.Length }, (i, o) => Ops.DeconvFBackwardBias(i[0], o[0]), (i, o) => f.BackwardBias(i[0], o[0]));

                    var d = new Ops.DeconvDIlgpu.Kernels(_accelerator);
                    double[] dx = D(Ops.DeconvDShape.XLength), dw = D(Ops.DeconvDShape.WLength), dgy = D(Ops.DeconvDShape.YLength);
                    Run("DeconvD.Forward", new[] { dx, dw }, new[] { dgy.Length }, (i, o) => Ops.DeconvD(i[0], i[1], o[0]), (i, o) => d.Forward(i[0], i[1], o[0]));
                    Run("DeconvD.Backward", new[] { dx, dw, dgy }, new[] { dx.Length, dw.Length }, (i, o) => Ops.DeconvDBackward(i[0], i[1], i[2], o[0], o[1]), (i, o) => d.Backward(i[0], i[1], i[2], o[0], o[1]));
                    Run("DeconvD.BackwardInput", new[] { dw, dgy }, new[] { dx.Length }, (i, o) => Ops.DeconvDBackwardInput(i[0], i[1], o[0]), (i, o) => d.BackwardInput(i[0], i[1], o[0]));
                    Run("DeconvD.BackwardWeight", new[] { dx, dgy }, new[] { dw.Length }, (i, o) => Ops.DeconvDBackwardWeight(i[0], i[1], o[0]), (i, o) => d.BackwardWeight(i[0], i[1], o[0]));
                    Run("DeconvD.BackwardBias", new[] { dgy }, new[] { Ops.DeconvDShape.OutChannels }, (i, o) => Ops.DeconvDBackwardBias(i[0], o[0]), (i, o) => d.BackwardBias(i[0], o[0]));
                }

                private void GradW()
                {
                    var f = new Ops.GradWFIlgpu.Kernels(_accelerator);
                    float[] x = F(Ops.GradWFShape.XLength), gy = F(Ops.GradWFShape.GyLength), ggw = F(Ops.GradWFShape.GwLength);
                    Run("GradWF.Forward", new[] { x, gy }, new[] { ggw.Length }, (i, o) => Ops.GradWF(i[0], i[1], o[0]), (i, o) => f.Forward(i[0], i[1], o[0]));
                    Run("GradWF.Backward", new[] { x, gy, ggw }, new[] { x.Length, gy.Length }, (i, o) => Ops.GradWFBackward(i[0], i[1], i[2], o[0], o[1]), (i, o) => f.Backward(i[0], i[1], i[2], o[0], o[1]));
                }

                private void MaxPool()
                {
                    var f = new Ops.MaxPoolFIlgpu.Kernels(_accelerator);
                    float[] x = Ties(F(Ops.MaxPoolFShape.XLength)), gy = F(Ops.MaxPoolFShape.YLength);
                    float[] y = new float[gy.Length];
                    int[] indexes = new int[gy.Length];
                    Ops.MaxPoolF(x, y, indexes);
                    ArrayView<float> vy = Up(Garbage<float>(y.Length));
                    ArrayView<int> vi = Up(Garbage<int>(indexes.Length));
                    f.Forward(Up(x), vy, vi);
                    Same("MaxPoolF.Forward y", y, vy);
                    Same("MaxPoolF.Forward indexes", indexes, vi);
                    Run("MaxPoolF.Backward", new[] { gy }, new[] { x.Length }, (i, o) => Ops.MaxPoolFBackward(indexes, i[0], o[0]), (i, o) => f.Backward(Up(indexes), i[0], o[0]));
                    Run("MaxPoolF.WithIndexes", new[] { x }, new[] { y.Length }, (i, o) => Ops.MaxPoolFWithIndexes(indexes, i[0], o[0]), (i, o) => f.WithIndexes(Up(indexes), i[0], o[0]));

                    var g = new Ops.MaxPoolOverlapFIlgpu.Kernels(_accelerator);
                    float[] ox = Ties(F(Ops.MaxPoolOverlapFShape.XLength)), ogy = F(Ops.MaxPoolOverlapFShape.YLength);
                    float[] oy = new float[ogy.Length];
                    int[] oindexes = new int[ogy.Length];
                    Ops.MaxPoolOverlapF(ox, oy, oindexes);
                    ArrayView<float> voy = Up(Garbage<float>(oy.Length));
                    ArrayView<int> voi = Up(Garbage<int>(oindexes.Length));
                    g.Forward(Up(ox), voy, voi);
                    Same("MaxPoolOverlapF.Forward y", oy, voy);
                    Same("MaxPoolOverlapF.Forward indexes", oindexes, voi);
                    Run("MaxPoolOverlapF.Backward", new[] { ogy }, new[] { ox.Length }, (i, o) => Ops.MaxPoolOverlapFBackward(oindexes, i[0], o[0]), (i, o) => g.Backward(Up(oindexes), i[0], o[0]));
                    Run("MaxPoolOverlapF.WithIndexes", new[] { ox }, new[] { oy.Length }, (i, o) => Ops.MaxPoolOverlapFWithIndexes(oindexes, i[0], o[0]), (i, o) => g.WithIndexes(Up(oindexes), i[0], o[0]));

                    var d = new Ops.MaxPoolDIlgpu.Kernels(_accelerator);
                    double[] dx = Ties(D(Ops.MaxPoolDShape.XLength)), dgy = D(Ops.MaxPoolDShape.YLength);
                    double[] dy = new double[dgy.Length];
                    int[] dindexes = new int[dgy.Length];
                    Ops.MaxPoolD(dx, dy, dindexes);
                    ArrayView<double> vdy = Up(Garbage<double>(dy.Length));
                    ArrayView<int> vdi = Up(Garbage<int>(dindexes.Length));
                    d.Forward(Up(dx), vdy, vdi);
                    Same("MaxPoolD.Forward y", dy, vdy);
                    Same("MaxPoolD.Forward indexes", dindexes, vdi);
                    Run("MaxPoolD.Backward", new[] { dgy }, new[] { dx.Length }, (i, o) => Ops.MaxPoolDBackward(dindexes, i[0], o[0]), (i, o) => d.Backward(Up(dindexes), i[0], o[0]));
                    Run("MaxPoolD.WithIndexes", new[] { dx }, new[] { dy.Length }, (i, o) => Ops.MaxPoolDWithIndexes(dindexes, i[0], o[0]), (i, o) => d.WithIndexes(Up(dindexes), i[0], o[0]));
                }

                private void AvgPool()
                {
                    var f = new Ops.AvgPoolFIlgpu.Kernels(_accelerator);
                    float[] x = F(Ops.AvgPoolFShape.XLength), gy = F(Ops.AvgPoolFShape.YLength);
                    Run("AvgPoolF.Forward", new[] { x }, new[] { gy.Length }, (i, o) => Ops.AvgPoolF(i[0], o[0]), (i, o) => f.Forward(i[0], o[0]));
                    Run("AvgPoolF.Backward", new[] { gy }, new[] { x.Length }, (i, o) => Ops.AvgPoolFBackward(i[0], o[0]), (i, o) => f.Backward(i[0], o[0]));

                    var e = new Ops.AvgPoolExcludeFIlgpu.Kernels(_accelerator);
                    Run("AvgPoolExcludeF.Forward", new[] { x }, new[] { gy.Length }, (i, o) => Ops.AvgPoolExcludeF(i[0], o[0]), (i, o) => e.Forward(i[0], o[0]));
                    Run("AvgPoolExcludeF.Backward", new[] { gy }, new[] { x.Length }, (i, o) => Ops.AvgPoolExcludeFBackward(i[0], o[0]), (i, o) => e.Backward(i[0], o[0]));

                    var d = new Ops.AvgPoolDIlgpu.Kernels(_accelerator);
                    double[] dx = D(Ops.AvgPoolDShape.XLength), dgy = D(Ops.AvgPoolDShape.YLength);
                    Run("AvgPoolD.Forward", new[] { dx }, new[] { dgy.Length }, (i, o) => Ops.AvgPoolD(i[0], o[0]), (i, o) => d.Forward(i[0], o[0]));
                    Run("AvgPoolD.Backward", new[] { dgy }, new[] { dx.Length }, (i, o) => Ops.AvgPoolDBackward(i[0], o[0]), (i, o) => d.Backward(i[0], o[0]));
                }

                private void Columns()
                {
                    var f = new Ops.Im2colFIlgpu.Kernels(_accelerator);
                    float[] x = F(Ops.Im2colFShape.XLength), col = F(Ops.Im2colFShape.ColLength);
                    Run("Im2colF.Forward", new[] { x }, new[] { col.Length }, (i, o) => Ops.Im2colF(i[0], o[0]), (i, o) => f.Forward(i[0], o[0]));
                    Run("Im2colF.Backward", new[] { col }, new[] { x.Length }, (i, o) => Ops.Im2colFBackward(i[0], o[0]), (i, o) => f.Backward(i[0], o[0]));

                    var d = new Ops.Im2colDIlgpu.Kernels(_accelerator);
                    double[] dx = D(Ops.Im2colDShape.XLength), dcol = D(Ops.Im2colDShape.ColLength);
                    Run("Im2colD.Forward", new[] { dx }, new[] { dcol.Length }, (i, o) => Ops.Im2colD(i[0], o[0]), (i, o) => d.Forward(i[0], o[0]));
                    Run("Im2colD.Backward", new[] { dcol }, new[] { dx.Length }, (i, o) => Ops.Im2colDBackward(i[0], o[0]), (i, o) => d.Backward(i[0], o[0]));

                    var g = new Ops.Col2imFIlgpu.Kernels(_accelerator);
                    float[] cx = F(Ops.Col2imFShape.XLength), ccol = F(Ops.Col2imFShape.ColLength);
                    Run("Col2imF.Forward", new[] { ccol }, new[] { cx.Length }, (i, o) => Ops.Col2imF(i[0], o[0]), (i, o) => g.Forward(i[0], o[0]));
                    Run("Col2imF.Backward", new[] { cx }, new[] { ccol.Length }, (i, o) => Ops.Col2imFBackward(i[0], o[0]), (i, o) => g.Backward(i[0], o[0]));

                    var h = new Ops.Col2imDIlgpu.Kernels(_accelerator);
                    double[] hx = D(Ops.Col2imDShape.XLength), hcol = D(Ops.Col2imDShape.ColLength);
                    Run("Col2imD.Forward", new[] { hcol }, new[] { hx.Length }, (i, o) => Ops.Col2imD(i[0], o[0]), (i, o) => h.Forward(i[0], o[0]));
                    Run("Col2imD.Backward", new[] { hx }, new[] { hcol.Length }, (i, o) => Ops.Col2imDBackward(i[0], o[0]), (i, o) => h.Backward(i[0], o[0]));
                }

                /// <summary>Runs the CPU direction into fresh arrays and the kernel direction into garbage-filled views, then compares every output.</summary>
                private void Run<T>(string name, T[][] inputs, int[] outputLengths, Action<T[][], T[][]> cpu, Action<ArrayView<T>[], ArrayView<T>[]> kernel)
                    where T : unmanaged, INumberBase<T>
                {
                    T[][] expected = outputLengths.Select(n => new T[n]).ToArray();
                    cpu(inputs, expected);
                    ArrayView<T>[] outputs = outputLengths.Select(n => Up(Garbage<T>(n))).ToArray();
                    kernel(inputs.Select(Up).ToArray(), outputs);
                    for (int o = 0; o < outputs.Length; o++)
                    {
                        Same(name + (outputs.Length > 1 ? " output " + o : string.Empty), expected[o], outputs[o]);
                    }
                }

                private void Same<T>(string name, T[] expected, ArrayView<T> view)
                    where T : unmanaged, INumberBase<T>
                {
                    _accelerator.Synchronize();
                    T[] actual = _views.Download(view);
                    double tolerance = typeof(T) == typeof(float) ? 1e-5 : typeof(T) == typeof(double) ? 1e-12 : 0;
                    if (actual.Length != expected.Length)
                    {
                        Failures.Add(name + ": " + actual.Length + " elements, expected " + expected.Length);
                        return;
                    }

                    double largest = 0;
                    for (int i = 0; i < expected.Length; i++)
                    {
                        double e = double.CreateTruncating(expected[i]);
                        double a = double.CreateTruncating(actual[i]);
                        if (double.IsNaN(e) && double.IsNaN(a))
                        {
                            continue;
                        }

                        double difference = Math.Abs(e - a);
                        if (!(difference <= tolerance * Math.Max(1, Math.Abs(e))))
                        {
                            Failures.Add(name + ": element " + i + " is " + a.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ", expected " + e.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                            return;
                        }

                        largest = Math.Max(largest, difference);
                    }

                    Passed.Add(name + ": " + expected.Length + " elements, largest difference " + largest.ToString("G3", System.Globalization.CultureInfo.InvariantCulture));
                }

                private ArrayView<T> Up<T>(T[] data) where T : unmanaged => _views.Upload(data);

                private float[] F(int n) => Enumerable.Range(0, n).Select(_ => (float)((_random.NextDouble() * 2) - 1)).ToArray();

                private double[] D(int n) => Enumerable.Range(0, n).Select(_ => (_random.NextDouble() * 2) - 1).ToArray();

                /// <summary>Values rounded to quarters (many ties) with a NaN every 13 elements.</summary>
                private static T[] Ties<T>(T[] values)
                    where T : unmanaged, INumberBase<T>
                    => values.Select((v, i) => i % 13 == 5 ? T.CreateTruncating(double.NaN) : T.CreateTruncating(Math.Round(double.CreateTruncating(v) * 4) / 4)).ToArray();

                private static T[] Garbage<T>(int n)
                    where T : unmanaged, INumberBase<T>
                    => Enumerable.Repeat(T.CreateTruncating(-777.25), n).ToArray();
            }
        }
        """;
}
