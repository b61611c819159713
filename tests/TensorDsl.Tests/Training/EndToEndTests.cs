using System;
using System.Collections.Generic;
using System.IO;
using TensorDsl.Data;
using TensorDsl.Tests.Data;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Training;

/// <summary>The runtime pieces together: a hand-written softmax regression trained on the shipped subset.</summary>
public class EndToEndTests
{
    private sealed class Linear : IParameterSet<float>
    {
        public Linear(int inputs, int outputs, ulong seed)
        {
            W = new Parameter<float>("fc.W", outputs, inputs);
            B = new Parameter<float>("fc.b", outputs);
            var rng = new TensorRandom(seed);
            Initializers.Fill(W, InitScheme.Xavier, ref rng);
            Parameters = new[] { W, B };
        }

        public Parameter<float> W { get; }

        public Parameter<float> B { get; }

        public IReadOnlyList<Parameter<float>> Parameters { get; }

        public void Forward(ReadOnlySpan<float> x, int batch, Span<float> logits)
        {
            int inputs = W.Shape[1], outputs = W.Shape[0];
            for (int b = 0; b < batch; b++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    float sum = B.Value[o];
                    ReadOnlySpan<float> w = W.Value.AsSpan(o * inputs, inputs);
                    ReadOnlySpan<float> xi = x.Slice(b * inputs, inputs);
                    for (int i = 0; i < inputs; i++)
                    {
                        sum += w[i] * xi[i];
                    }

                    logits[(b * outputs) + o] = sum;
                }
            }
        }

        public void Backward(ReadOnlySpan<float> x, int batch, ReadOnlySpan<float> gradLogits)
        {
            int inputs = W.Shape[1], outputs = W.Shape[0];
            for (int b = 0; b < batch; b++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    float g = gradLogits[(b * outputs) + o];
                    B.Gradient[o] += g;
                    Span<float> gw = W.Gradient.AsSpan(o * inputs, inputs);
                    ReadOnlySpan<float> xi = x.Slice(b * inputs, inputs);
                    for (int i = 0; i < inputs; i++)
                    {
                        gw[i] += g * xi[i];
                    }
                }
            }
        }
    }

    private static double Evaluate(Linear model, Dataset data)
    {
        var logits = new float[10];
        int correct = 0;
        for (int n = 0; n < data.Count; n++)
        {
            model.Forward(data.GetImage(n), 1, logits);
            correct += Losses.Accuracy<float>(logits, 1, 10, data.Labels.AsSpan(n, 1));
        }

        return (double)correct / data.Count;
    }

    [Fact]
    public void SoftmaxRegression_LearnsFashionMnistAndSurvivesASaveAndLoad()
    {
        Dataset train = FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: true, limit: 3000);
        Dataset test = FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: false, limit: 1000);
        var model = new Linear(784, 10, seed: 1);
        var optimizer = new Adam<float>(model, 0.01f);
        var batches = new BatchIterator(train, 50, seed: 2);
        var x = new float[50 * 784];
        var y = new int[50];
        var logits = new float[50 * 10];
        var grad = new float[50 * 10];
        double before = Evaluate(model, test);
        float lastLoss = float.NaN;
        for (int epoch = 0; epoch < 2; epoch++)
        {
            batches.BeginEpoch(epoch);
            while (batches.TryNext<float>(x, y, out int n))
            {
                Parameters.ZeroGradients(model);
                model.Forward(x, n, logits);
                lastLoss = Losses.SoftmaxCrossEntropy<float>(logits, n, 10, y, grad);
                model.Backward(x, n, grad);
                optimizer.Step();
            }
        }

        double after = Evaluate(model, test);
        Assert.InRange(before, 0.0, 0.3);
        Assert.True(after > 0.7, $"test accuracy {after:P1} after training (was {before:P1}); last loss {lastLoss}");

        string path = Path.Combine(Path.GetTempPath(), $"tdsl-e2e-{Guid.NewGuid():N}.tdsl");
        try
        {
            ParameterFile.Save(path, model);
            var restored = new Linear(784, 10, seed: 99);
            ParameterFile.Load(path, restored);
            Assert.Equal(after, Evaluate(restored, test));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
