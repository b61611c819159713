using System;
using System.Runtime.InteropServices;
using TensorDsl.Shapes.TensorDsl_Tests;
using TensorDsl.Tensors;
using Xunit;

namespace TensorDsl.Tests.Tensors;

/// <summary>
/// The typed overloads at run time: they compute exactly what the span methods compute, reject default tensors with
/// the parameter's name, and every generated method rejects a written buffer that overlaps another.
/// </summary>
public class TypedOperatorTests
{
    private static Tensor<T, TShape> Random<T, TShape>(int seed, Func<System.Random, T> next)
        where T : unmanaged
        where TShape : ITensorShape
    {
        System.Random random = new(seed);
        Tensor<T, TShape> t = Tensor<T, TShape>.Allocate();
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = next(random);
        }

        return t;
    }

    private static Tensor<float, TShape> RandomFloats<TShape>(int seed)
        where TShape : ITensorShape
        => Random<float, TShape>(seed, r => (float)(r.NextDouble() * 2 - 1));

    [Fact]
    public void Typed_forward_and_backward_compute_what_the_span_methods_compute()
    {
        var x = RandomFloats<Shape2x3x6x6>(1);
        var w = RandomFloats<Shape4x3x3x3>(2);
        var b = RandomFloats<Shape4>(3);
        var y = Tensor<float, Shape2x4x6x6>.Allocate();
        var pooled = Tensor<float, Shape2x4x3x3>.Allocate();
        var indexes = Tensor<int, Shape2x4x3x3>.Allocate();

        TypedOps.Conv(x, w, b, y);
        TypedOps.Pool(y, pooled, indexes); // the conv's output type is the pool's input type

        float[] ySpan = new float[TypedOps.ConvShape.YLength], pooledSpan = new float[TypedOps.PoolShape.YLength];
        int[] indexesSpan = new int[TypedOps.PoolShape.YLength];
        TypedOps.Conv(x.ReadOnlySpan, w.ReadOnlySpan, b.ReadOnlySpan, ySpan);
        TypedOps.Pool(ySpan, pooledSpan, indexesSpan);
        Assert.Equal(ySpan, y.Array);
        Assert.Equal(pooledSpan, pooled.Array);
        Assert.Equal(indexesSpan, indexes.Array);

        var gy = RandomFloats<Shape2x4x6x6>(4);
        var gx = Tensor<float, Shape2x3x6x6>.Allocate();
        var gw = Tensor<float, Shape4x3x3x3>.Allocate();
        var gb = Tensor<float, Shape4>.Allocate();
        TypedOps.ConvBackward(x, w, gy, gx, gw, gb);
        float[] gxSpan = new float[gx.Length], gwSpan = new float[gw.Length], gbSpan = new float[gb.Length];
        TypedOps.ConvBackward(x.ReadOnlySpan, w.ReadOnlySpan, gy.ReadOnlySpan, gxSpan, gwSpan, gbSpan);
        Assert.Equal(gxSpan, gx.Array);
        Assert.Equal(gwSpan, gw.Array);
        Assert.Equal(gbSpan, gb.Array);

        var gyPooled = RandomFloats<Shape2x4x3x3>(5);
        var gyConv = Tensor<float, Shape2x4x6x6>.Allocate();
        TypedOps.PoolBackward(indexes, gyPooled, gyConv);
        float[] gyConvSpan = new float[gyConv.Length];
        TypedOps.PoolBackward(indexes.ReadOnlySpan, gyPooled.ReadOnlySpan, gyConvSpan);
        Assert.Equal(gyConvSpan, gyConv.Array);
    }

    [Fact]
    public void A_default_tensor_is_rejected_naming_the_parameter()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => TypedOps.Smooth(Tensor<double, Shape1x1x4x4>.Allocate(), default));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("16 elements (shape 1×1×4×4) but has 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_overlapping_an_input_is_rejected_before_any_work()
    {
        // Partly overlapping slices: invisible to the analyzer (TDSL0201 sees whole variables), caught at run time.
        double[] buffer = new double[20];
        buffer[10] = 42;
        ArgumentException e = Assert.Throws<ArgumentException>(() => TypedOps.Smooth(buffer.AsSpan(0, 16), buffer.AsSpan(4, 16)));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("'y' and 'x' share memory", e.Message, StringComparison.Ordinal);
        Assert.Equal(42, buffer[10]); // nothing written

        TypedOps.Smooth(buffer.AsSpan(0, 16), new double[16]);   // disjoint
        double[] adjacent = new double[32];
        TypedOps.Smooth(adjacent.AsSpan(0, 16), adjacent.AsSpan(16, 16));   // touching is not overlapping
    }

    [Fact]
    public void Two_outputs_overlapping_each_other_are_rejected()
    {
        float[] x = new float[TypedOps.ConvShape.XLength], w = new float[TypedOps.ConvShape.WLength], gy = new float[TypedOps.ConvShape.YLength];
        float[] shared = new float[TypedOps.ConvShape.XLength];
        ArgumentException e = Assert.Throws<ArgumentException>(() => TypedOps.ConvBackward(x, w, gy, shared, new float[TypedOps.ConvShape.WLength], shared.AsSpan(0, TypedOps.ConvShape.BLength)));
        Assert.Equal("gx", e.ParamName);
        Assert.Contains("'gx' and 'gb' share memory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlap_is_detected_across_element_types()
    {
        // The argmax buffer reinterpreting the output's memory.
        float[] x = new float[TypedOps.PoolShape.XLength];
        float[] y = new float[TypedOps.PoolShape.YLength];
        Span<int> aliased = MemoryMarshal.Cast<float, int>(y.AsSpan());
        ArgumentException e = Assert.Throws<ArgumentException>(() => TypedOps.Pool(x, y, MemoryMarshal.Cast<float, int>(y.AsSpan())));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("'y' and 'indexes' share memory", e.Message, StringComparison.Ordinal);
        Assert.Equal(y.Length, aliased.Length);
    }

    [Fact]
    public void Typed_model_methods_compute_what_the_span_methods_compute()
    {
        var images = RandomFloats<Shape2x1x6x6>(7);
        var labels = new Tensor<int, Shape2>([2, 0]);
        TypedNet typed = new(seed: 3), spans = new(seed: 3);

        float typedLoss = typed.TrainStep(images, labels);
        float spanLoss = spans.TrainStep(images.ReadOnlySpan, labels.ReadOnlySpan);
        Assert.Equal(spanLoss, typedLoss);
        for (int i = 0; i < typed.Parameters.Count; i++)
        {
            Assert.Equal(spans.Parameters[i].Gradient, typed.Parameters[i].Gradient);
        }

        var scores = Tensor<float, Shape2x3>.Allocate();
        typed.Forward(images, scores);
        Assert.Equal(spans.Forward(images.ReadOnlySpan).ToArray(), scores.Array);
        Assert.Equal(typed.Loss(labels), spans.Loss(labels.ReadOnlySpan));
        Assert.Equal(typed.CountCorrect(labels), spans.CountCorrect(labels.ReadOnlySpan));
        Assert.Equal(typed.Forward(images).ToArray(), scores.Array);
    }
}
