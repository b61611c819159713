using System;
using TensorDsl.Shapes.TensorDsl_Tests;
using TensorDsl.Tensors;
using Xunit;

namespace TensorDsl.Tests.Tensors;

/// <summary>Tensor&lt;T, TShape&gt; and the generated shape types of this project.</summary>
public class TensorTests
{
    [Fact]
    public void Shape_types_carry_their_length_and_dimensions()
    {
        Assert.Equal(288, Shape2x4x6x6.Length);
        Assert.Equal("2×4×6×6", Shape2x4x6x6.Dimensions);
        Assert.Equal(2, Shape2.Length);
    }

    [Fact]
    public void Allocate_makes_a_zeroed_tensor_of_the_shapes_length()
    {
        Tensor<float, Shape1x1x4x4> t = Tensor<float, Shape1x1x4x4>.Allocate();
        Assert.False(t.IsDefault);
        Assert.Equal(16, t.Length);
        Assert.Equal(16, t.Span.Length);
        Assert.Equal(16, t.Array!.Length);
        Assert.Equal("1×1×4×4", t.Dimensions);
        Assert.All(t.Array, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Wrapping_shares_the_array()
    {
        float[] data = new float[16];
        Tensor<float, Shape1x1x4x4> t = new(data);
        t[5] = 3f;
        t.Span[6] = 4f;
        Assert.Equal(3f, data[5]);
        Assert.Equal(4f, data[6]);
        Assert.Same(data, t.Array);
        Assert.Equal(4f, t.ReadOnlySpan[6]);
    }

    [Fact]
    public void Wrapping_an_array_of_another_length_names_the_shape_and_the_length()
    {
        float[] data = new float[Random.Shared.Next(15, 16)]; // 15, not a constant: TDSL0202 would reject a constant at compile time
        ArgumentException e = Assert.Throws<ArgumentException>(() => new Tensor<float, Shape1x1x4x4>(data));
        Assert.Equal("array", e.ParamName);
        Assert.Contains("16 elements (shape 1×1×4×4)", e.Message, StringComparison.Ordinal);
        Assert.Contains("has 15", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => new Tensor<float, Shape1x1x4x4>(null!));
    }

    [Fact]
    public void Default_has_no_storage()
    {
        Tensor<double, Shape1x1x4x4> t = default;
        Assert.True(t.IsDefault);
        Assert.Null(t.Array);
        Assert.True(t.Span.IsEmpty);
        Assert.True(t.ReadOnlySpan.IsEmpty);
        Assert.Equal(16, t.Length);
        Assert.Throws<InvalidOperationException>(() => t[0]);
        Assert.True(t.Reshape<Shape1x4x2x2>().IsDefault);
    }

    [Fact]
    public void Reshape_views_the_same_storage_with_another_shape_of_equal_length()
    {
        Tensor<double, Shape1x1x4x4> square = Tensor<double, Shape1x1x4x4>.Allocate();
        Tensor<double, Shape1x4x2x2> channels = square.Reshape<Shape1x4x2x2>();
        channels[15] = 7;
        Assert.Equal(7, square[15]);
        Assert.Same(square.Array, channels.Array);

        ArgumentException e = Assert.Throws<ArgumentException>(() => square.Reshape<Shape2x4x6x6>());
        Assert.Contains("1×1×4×4", e.Message, StringComparison.Ordinal);
        Assert.Contains("2×4×6×6", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CopyFrom_checks_the_length()
    {
        Tensor<double, Shape1x1x4x4> t = Tensor<double, Shape1x1x4x4>.Allocate();
        double[] source = new double[16];
        source[3] = 2;
        t.CopyFrom(source);
        Assert.Equal(2, t[3]);
        ArgumentException e = Assert.Throws<ArgumentException>(() => t.CopyFrom(new double[17]));
        Assert.Equal("source", e.ParamName);
    }

    [Fact]
    public void ToString_names_type_and_shape()
        => Assert.Equal("Tensor<Single, Shape2x4x6x6> (2×4×6×6)", Tensor<float, Shape2x4x6x6>.Allocate().ToString());
}
