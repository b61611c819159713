using System;
using System.Linq;
using TensorDsl.Models;
using TensorDsl.Tests.Reference;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Models;

/// <summary>
/// A small double autoencoder: a strided conv2d squeezes a 2×6×4 image to 3×3×2, a deconv2d grows it back, a
/// sigmoid makes pixels, and the loss is the mean squared error. Non-square so that a height/width mix-up shows.
/// </summary>
[Model(Batch = 2, Channels = 2, Height = 6, Width = 4, Initialization = InitScheme.He)]
public partial class TinyAutoencoder
{
    [Conv2d(OutChannels = 3, Kernel = 4, Stride = 2, Pad = 1)]
    public partial Layer<double> Encode { get; }

    [Tanh]
    public partial Layer<double> Code { get; }

    [Deconv2d(OutChannels = 2, Kernel = 4, Stride = 2, Pad = 1)]
    public partial Layer<double> Decode { get; }

    [Sigmoid]
    public partial Layer<double> Pixels { get; }

    [MeanSquaredError]
    public partial Layer<double> Reconstruction { get; }
}

public class AutoencoderModelTests
{
    private static readonly Shape4 Image = new(2, 2, 6, 4);
    private static readonly Shape4 Code = new(2, 3, 3, 2);

    /// <summary>A model whose biases are not zero, so that they take part in every check.</summary>
    private static TinyAutoencoder NoisyModel()
    {
        TinyAutoencoder model = new(seed: 5);
        foreach (Parameter<double> p in model.Parameters.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)))
        {
            TestData.Random(p.Length, seed: 100 + p.Length, lo: -0.3, hi: 0.3).CopyTo(p.Value, 0);
        }

        return model;
    }

    [Fact]
    public void Shapes_parameters_and_loss_signature_are_inferred()
    {
        TinyAutoencoder model = new();
        Assert.Equal(Image.Dims, model.Encode.InputShape);
        Assert.Equal(Code.Dims, model.Encode.OutputShape);
        Assert.Equal(Code.Dims, model.Decode.InputShape);
        Assert.Equal(Image.Dims, model.Decode.OutputShape);
        Assert.Equal(TinyAutoencoder.InputLength, Image.Length);
        Assert.Equal(TinyAutoencoder.OutputLength, Image.Length);
        Assert.Equal(
            new[] { "Encode.weight [3×2×4×4]", "Encode.bias [3]", "Decode.weight [3×2×4×4]", "Decode.bias [2]" },
            model.Parameters.Select(p => p.ToString()).ToArray());
        Assert.Equal(new[] { "Encode", "Code", "Decode", "Pixels", "Reconstruction" }, model.Layers.Select(l => l.Name).ToArray());
    }

    /// <summary>Forward is conv2d → tanh → deconv2d → sigmoid, layer for layer as the naive reference computes it.</summary>
    [Fact]
    public void Forward_matches_the_reference_layer_by_layer()
    {
        TinyAutoencoder model = NoisyModel();
        double[] x = TestData.Random(Image.Length, seed: 1);

        double[] code = NaiveOps.Conv2d(x, Image, model.Encode.Weight!.Value, new Shape4(3, 2, 4, 4), model.Encode.Bias!.Value, 2, 2, 1, 1);
        code = code.Select(Math.Tanh).ToArray();
        double[] decoded = NaiveOps.Deconv2d(code, Code, model.Decode.Weight!.Value, new Shape4(3, 2, 4, 4), model.Decode.Bias!.Value, 2, 2, 1, 1);
        double[] expected = decoded.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();

        TensorAssert.Close(expected, model.Forward(x), relTol: 1e-12, absTol: 1e-14, what: "output", shape: Image.Dims);
        TensorAssert.Close(expected, model.Output, relTol: 1e-12, absTol: 1e-14, what: "Output", shape: Image.Dims);
    }

    [Fact]
    public void Loss_is_the_mean_squared_error_and_writes_its_gradient()
    {
        TinyAutoencoder model = NoisyModel();
        double[] x = TestData.Random(Image.Length, seed: 2);
        double[] target = TestData.Random(Image.Length, seed: 3, lo: 0, hi: 1);
        double[] y = model.Forward(x).ToArray();

        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += (y[i] - target[i]) * (y[i] - target[i]);
        }

        double loss = model.Loss(target);
        Assert.Equal(sum / y.Length, loss, 1e-15);
        TensorAssert.Close(y.Select((v, i) => 2 * (v - target[i]) / y.Length).ToArray(), model.OutputGradient, relTol: 1e-14, absTol: 0, what: "OutputGradient");

        // TrainStep is Forward, Loss and Backward: the same loss.
        Assert.Equal(loss, model.TrainStep(x, target));
    }

    /// <summary>Every parameter's gradient against central differences of the loss.</summary>
    [Fact]
    public void Backward_matches_finite_differences_for_every_parameter()
    {
        TinyAutoencoder model = NoisyModel();
        double[] x = TestData.Random(Image.Length, seed: 4);
        double[] target = TestData.Random(Image.Length, seed: 5, lo: 0, hi: 1);
        model.TrainStep(x, target);

        const double h = 1e-6;
        foreach (Parameter<double> p in model.Parameters)
        {
            double[] analytic = (double[])p.Gradient.Clone();
            double[] numeric = new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double saved = p.Value[i];
                p.Value[i] = saved + h;
                model.Forward(x);
                double plus = model.Loss(target);
                p.Value[i] = saved - h;
                model.Forward(x);
                double minus = model.Loss(target);
                p.Value[i] = saved;
                numeric[i] = (plus - minus) / (2 * h);
            }

            TensorAssert.Close(numeric, analytic, relTol: 1e-5, absTol: 1e-9, what: p.Name);
            Assert.Contains(analytic, g => g != 0);
        }
    }

    [Fact]
    public void Backward_writes_rather_than_accumulates()
    {
        TinyAutoencoder model = NoisyModel();
        double[] x = TestData.Random(Image.Length, seed: 6);
        double[] target = TestData.Random(Image.Length, seed: 7, lo: 0, hi: 1);
        model.TrainStep(x, target);
        double[][] first = model.Parameters.Select(p => (double[])p.Gradient.Clone()).ToArray();
        model.TrainStep(x, target);
        for (int i = 0; i < first.Length; i++)
        {
            Assert.Equal(first[i], model.Parameters[i].Gradient);
        }
    }

    [Fact]
    public void Training_reduces_the_reconstruction_error()
    {
        TinyAutoencoder model = new(seed: 8);
        Adam<double> adam = new(model, learningRate: 0.01);
        double[] x = TestData.Random(Image.Length, seed: 9, lo: 0, hi: 1);
        double first = model.TrainStep(x, x);
        adam.Step();
        double last = first;
        for (int step = 0; step < 60; step++)
        {
            last = model.TrainStep(x, x);
            adam.Step();
        }

        Assert.True(last < 0.5 * first, $"reconstruction error went from {first} to {last}");
    }
}
