using System;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Training;

public class ParameterTests
{
    [Fact]
    public void Constructor_AllocatesZeroedValueAndGradientOfTheShapesProduct()
    {
        var p = new Parameter<float>("conv1.W", 6, 1, 5, 5);
        Assert.Equal("conv1.W", p.Name);
        Assert.Equal(new[] { 6, 1, 5, 5 }, p.Shape);
        Assert.Equal(4, p.Shape.Length);
        Assert.Equal(150, p.Length);
        Assert.Equal(150, p.Value.Length);
        Assert.Equal(150, p.Gradient.Length);
        Assert.All(p.Value, v => Assert.Equal(0f, v));
        Assert.Equal("6×1×5×5", p.ShapeText);
        Assert.Equal("conv1.W [6×1×5×5]", p.ToString());
    }

    [Fact]
    public void Constructor_AcceptsAnArrayAndCopiesIt()
    {
        int[] shape = { 3, 4 };
        var p = new Parameter<double>("fc.W", shape);
        shape[0] = 99;
        Assert.Equal(3, p.Shape[0]);
        Assert.Equal(12, p.Length);
    }

    [Fact]
    public void Constructor_ScalarHasOneElement()
    {
        var p = new Parameter<double>("scale");
        Assert.Equal(1, p.Length);
        Assert.Equal("scalar", p.ShapeText);
    }

    [Fact]
    public void Constructor_RejectsBadNamesAndDimensions()
    {
        Assert.Throws<ArgumentException>(() => new Parameter<float>("", 2));
        var zero = Assert.Throws<ArgumentException>(() => new Parameter<float>("b", 2, 0));
        Assert.Contains("dimension 1 = 0", zero.Message);
        Assert.Throws<ArgumentException>(() => new Parameter<float>("big", 1 << 16, 1 << 16));
        Assert.Throws<ArgumentException>(() => new Parameter<float>(new string('x', 1025), 1));
    }

    [Fact]
    public void ZeroGradients_ClearsEveryGradient()
    {
        var a = new Parameter<float>("a", 3);
        var b = new Parameter<float>("b", 2, 2);
        a.Gradient.AsSpan().Fill(1f);
        b.Gradient.AsSpan().Fill(2f);
        a.Value[0] = 5f;
        Parameters.ZeroGradients(new[] { a, b });
        Assert.All(a.Gradient, g => Assert.Equal(0f, g));
        Assert.All(b.Gradient, g => Assert.Equal(0f, g));
        Assert.Equal(5f, a.Value[0]);
        Assert.Equal(7, Parameters.TotalLength(new[] { a, b }));
    }

    [Fact]
    public void ZeroGradients_AcceptsAParameterSet()
    {
        var model = new TestModel<double>(new Parameter<double>("w", 4));
        model.Parameters[0].Gradient.AsSpan().Fill(3.0);
        Parameters.ZeroGradients(model);
        Assert.All(model.Parameters[0].Gradient, g => Assert.Equal(0.0, g));
    }
}
