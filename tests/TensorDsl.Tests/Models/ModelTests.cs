using System;
using System.IO;
using System.Linq;
using TensorDsl.Tests.Reference;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Models;

public class ModelTests
{
    [Fact]
    public void Shapes_are_inferred_layer_by_layer()
    {
        TinyLeNet model = new(seed: 1);
        Assert.Equal(new[] { 8, 1, 12, 12 }, model.Conv1.InputShape);
        Assert.Equal(new[] { 8, 4, 12, 12 }, model.Conv1.OutputShape);
        Assert.Equal(new[] { 8, 4, 6, 6 }, model.Pool1.OutputShape);
        Assert.Equal(new[] { 8, 6, 4, 4 }, model.Conv2.OutputShape);
        Assert.Equal(new[] { 8, 96 }, model.Flat.OutputShape);
        Assert.Equal(new[] { 8, 16 }, model.Fc1.OutputShape);
        Assert.Equal(new[] { 8, 5 }, model.Fc2.OutputShape);
        Assert.Equal(5, TinyLeNet.Classes);
        Assert.Equal(8 * 144, TinyLeNet.InputLength);
        Assert.Equal(
            new[] { "Conv1.weight [4×1×3×3]", "Conv1.bias [4]", "Conv2.weight [6×4×3×3]", "Conv2.bias [6]", "Fc1.weight [16×96]", "Fc1.bias [16]", "Fc2.weight [5×16]", "Fc2.bias [5]" },
            model.Parameters.Select(p => p.ToString()).ToArray());
        Assert.Same(model.Conv1.Weight, model.Parameters[0]);
    }

    [Fact]
    public void DeZero_initialisation_scales_by_fan_in_and_zeroes_biases()
    {
        TinyLeNet model = new(seed: 3);
        float[] w = model.Fc1.Weight!.Value;
        double std = Math.Sqrt(w.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.8 * Math.Sqrt(1.0 / 96), 1.2 * Math.Sqrt(1.0 / 96));
        Assert.All(model.Fc1.Bias!.Value, v => Assert.Equal(0f, v));
        Assert.Equal(new TinyLeNet(seed: 3).Conv2.Weight!.Value, model.Conv2.Weight!.Value);
        Assert.NotEqual(new TinyLeNet(seed: 4).Conv2.Weight!.Value, model.Conv2.Weight!.Value);
    }

    /// <summary>Every parameter's gradient through every layer kind against central differences in double.</summary>
    [Fact]
    public void Backward_matches_finite_differences_through_every_layer_kind()
    {
        EveryLayer model = new(seed: 7) { Training = false };
        double[] x = TestData.Random(EveryLayer.InputLength, seed: 11);
        int[] labels = { 2, 0 };
        foreach (Parameter<double> p in model.Parameters.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)))
        {
            // Non-zero biases exercise more of the network than the initial zeros.
            double[] noise = TestData.Random(p.Length, seed: p.Length, lo: -0.3, hi: 0.3);
            noise.CopyTo(p.Value, 0);
        }

        model.TrainStep(x, labels);
        foreach (Parameter<double> p in model.Parameters)
        {
            double[] analytic = (double[])p.Gradient.Clone();
            double[] numeric = new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double saved = p.Value[i];
                p.Value[i] = saved + 1e-6;
                model.Forward(x);
                double plus = model.Loss(labels);
                p.Value[i] = saved - 1e-6;
                model.Forward(x);
                double minus = model.Loss(labels);
                p.Value[i] = saved;
                numeric[i] = (plus - minus) / 2e-6;
            }

            TensorAssert.Close(numeric, analytic, relTol: 1e-5, absTol: 1e-8, what: p.Name);
            Assert.Contains(analytic, g => g != 0);
        }
    }

    [Fact]
    public void Training_reduces_the_loss_deterministically()
    {
        float[] Losses(ulong seed)
        {
            TinyLeNet model = new(seed);
            Sgd<float> sgd = new(model, learningRate: 0.05f, momentum: 0.9f);
            (float[] x, int[] labels) = SeparableBatch();
            float[] losses = new float[15];
            for (int step = 0; step < losses.Length; step++)
            {
                losses[step] = model.TrainStep(x, labels);
                sgd.Step();
            }

            return losses;
        }

        float[] first = Losses(5);
        Assert.True(first[^1] < 0.5f * first[0], $"loss went from {first[0]} to {first[^1]}");
        Assert.Equal(first, Losses(5));
    }

    [Fact]
    public void Save_then_load_is_bit_exact_and_a_mismatched_file_leaves_the_model_untouched()
    {
        string dir = Directory.CreateTempSubdirectory("tensordsl-model").FullName;
        try
        {
            TinyLeNet trained = new(seed: 1);
            string path = Path.Combine(dir, "tiny.tdsl");
            ParameterFile.Save(path, trained);
            TinyLeNet loaded = new(seed: 2);
            ParameterFile.Load(path, loaded);
            for (int i = 0; i < trained.Parameters.Count; i++)
            {
                Assert.Equal(trained.Parameters[i].Value, loaded.Parameters[i].Value);
            }

            EveryLayer other = new(seed: 3);
            double[] before = other.Parameters[0].Value.ToArray();
            Exception e = Assert.ThrowsAny<Exception>(() => ParameterFile.Load(path, other));
            Assert.Contains("tiny.tdsl", e.Message);
            Assert.Equal(before, other.Parameters[0].Value);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Dropout_drops_at_its_rate_while_training_and_passes_through_otherwise()
    {
        TinyLeNet model = new(seed: 9);
        (float[] x, _) = SeparableBatch();
        model.Forward(x);
        float[] trainingOutput = model.Output.ToArray();
        model.Training = false;
        float[] evalA = model.Forward(x).ToArray();
        float[] evalB = model.Forward(x).ToArray();
        Assert.Equal(evalA, evalB);
        Assert.NotEqual(evalA, trainingOutput);
    }

    [Fact]
    public void A_training_step_allocates_nothing_after_warm_up()
    {
        TinyLeNet model = new(seed: 1);
        Adam<float> adam = new(model);
        (float[] x, int[] labels) = SeparableBatch();
        model.TrainStep(x, labels);
        adam.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            model.TrainStep(x, labels);
            adam.Step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Wrong_input_length_names_the_shape()
    {
        TinyLeNet model = new();
#pragma warning disable TDSL0200 // the run-time check is under test; at compile time the analyzer rejects this length
        ArgumentException e = Assert.Throws<ArgumentException>(() => model.Forward(new float[10]));
#pragma warning restore TDSL0200
        Assert.Contains("8×1×12×12", e.Message);
    }

    /// <summary>Eight images whose class (0–4) is which horizontal band is bright: easy to learn.</summary>
    private static (float[] X, int[] Labels) SeparableBatch()
    {
        float[] x = new float[TinyLeNet.InputLength];
        int[] labels = new int[TinyLeNet.Batch];
        double[] noise = TestData.Random(x.Length, seed: 3, lo: 0, hi: 0.2);
        for (int n = 0; n < TinyLeNet.Batch; n++)
        {
            labels[n] = n % 5;
            for (int i = 0; i < 144; i++)
            {
                int row = i / 12;
                x[(n * 144) + i] = (float)noise[(n * 144) + i] + (row / 2 == labels[n] ? 1f : 0f);
            }
        }

        return (x, labels);
    }
}
