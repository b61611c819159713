using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using FashionMnistSample;
using TensorDsl.Data;
using TensorDsl.Threading;
using TensorDsl.Training;
using TensorDsl.Visualization;

// Trains FashionNet on Fashion-MNIST: the subset shipped in data/ by default, the full set with --full.
Options options = Options.Parse(args);
if (options.Threads is int threads)
{
    TensorThreads.Count = threads;
}

string directory = options.DataDirectory ?? FashionMnist.FindDefaultDirectory(preferFullSet: options.Full);
Dataset train = FashionMnist.Load(directory, train: true);
Dataset test = FashionMnist.Load(directory, train: false);
Console.WriteLine($"Fashion-MNIST from {directory}: {train.Count} training and {test.Count} test images; {TensorThreads.Count} thread(s).");

FashionNet model = new(options.Seed);

// --device opencl: activations and gradients stay on the OpenCL device between layers; the optimizer runs here.
using FashionNet.OnOpenCL? device = options.Device switch
{
    "cpu" => null,
    "opencl" => new FashionNet.OnOpenCL(model),
    _ => throw new ArgumentException($"unknown device '{options.Device}'; use cpu or opencl"),
};
if (device is not null)
{
    Console.WriteLine($"OpenCL device: {device.Runtime.Device.Name} ({device.Runtime.Device.Type}).");
}

Adam<float> adam = new(model, learningRate: options.LearningRate);
BatchIterator batches = new(train, FashionNet.Batch, shuffle: true, seed: options.Seed);
int[] labels = new int[FashionNet.Batch];
List<double> trainLosses = new();
List<double> testAccuracies = new();
Console.WriteLine(string.Join(Environment.NewLine, model.Layers));

for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    model.Training = true;
    batches.BeginEpoch(epoch);
    ProgressBar progress = new(batches.BatchesPerEpoch, $"epoch {epoch}/{options.Epochs}");
    Stopwatch clock = Stopwatch.StartNew();
    double lossSum = 0;
    int steps = 0;
    while (batches.TryNext<float>(model.Input, labels, out int count))
    {
        Forward(model, device);
        float loss = model.Loss(labels);
        if (device is null)
        {
            model.Backward();
        }
        else
        {
            device.Backward();
        }

        adam.Step();
        lossSum += loss;
        steps++;
        progress.Report(steps, loss, count);
    }

    progress.Complete();
    double seconds = clock.Elapsed.TotalSeconds;
    double accuracy = Evaluate(model, device, test);
    trainLosses.Add(lossSum / steps);
    testAccuracies.Add(accuracy);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"epoch {epoch}: train loss {lossSum / steps:F4}, test accuracy {accuracy:F4}, {seconds:F1} s, {steps * FashionNet.Batch / seconds:F0} images/s"));
}

Directory.CreateDirectory(options.OutputDirectory);
string plot = Path.Combine(options.OutputDirectory, "training.svg");
SvgPlot.Save(plot, "FashionNet on Fashion-MNIST", "epoch", "value", new[]
{
    new PlotSeries("train loss", trainLosses),
    new PlotSeries("test accuracy", testAccuracies),
});
string filters = Path.Combine(options.OutputDirectory, "conv1-filters.png");
ImageGrid.SavePng<float>(filters, model.Conv1.Weight!.Value, count: 8, imageHeight: 5, imageWidth: 5, columns: 8, padding: 1, scale: 12);
string parameters = Path.Combine(options.OutputDirectory, "fashion-net.tdsl");
ParameterFile.Save(parameters, model);
Console.WriteLine($"wrote {plot}, {filters} and {parameters}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {testAccuracies[^1]:F4}"));
return 0;

static ReadOnlySpan<float> Forward(FashionNet model, FashionNet.OnOpenCL? device)
    => device is null ? model.Forward() : device.Forward();

// Scores the test set in batches of the model's fixed size; the last batch is padded and only its real images count.
static double Evaluate(FashionNet model, FashionNet.OnOpenCL? device, Dataset test)
{
    model.Training = false;
    int[] labels = new int[FashionNet.Batch];
    int imageSize = test.ImageSize;
    int correct = 0;
    for (int start = 0; start < test.Count; start += FashionNet.Batch)
    {
        int count = Math.Min(FashionNet.Batch, test.Count - start);
        model.Input.Clear();
        test.Images.AsSpan(start * imageSize, count * imageSize).CopyTo(model.Input);
        ReadOnlySpan<float> scores = Forward(model, device);
        for (int n = 0; n < count; n++)
        {
            if (Losses.ArgMax(scores.Slice(n * FashionNet.Classes, FashionNet.Classes)) == test.Labels[start + n])
            {
                correct++;
            }
        }
    }

    return (double)correct / test.Count;
}

/// <summary>Command-line options; every one has a default that reaches the documented accuracy.</summary>
internal sealed record Options(int Epochs, float LearningRate, ulong Seed, bool Full, string? DataDirectory, string OutputDirectory, int? Threads, string Device)
{
    public static Options Parse(string[] args)
    {
        Options o = new(Epochs: 8, LearningRate: 0.002f, Seed: 1, Full: false, DataDirectory: null, OutputDirectory: "output", Threads: null, Device: "cpu");
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--epochs" => o with { Epochs = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--lr" => o with { LearningRate = float.Parse(Value(), CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = ulong.Parse(Value(), CultureInfo.InvariantCulture) },
                "--full" => o with { Full = true },
                "--data" => o with { DataDirectory = Value() },
                "--output" => o with { OutputDirectory = Value() },
                "--threads" => o with { Threads = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--device" => o with { Device = Value() },
                "--help" or "-h" => throw new OptionsHelp(),
                _ => throw new ArgumentException($"unknown option {args[i]}; try --help"),
            };
        }

        return o;
    }
}

internal sealed class OptionsHelp : Exception
{
    public OptionsHelp()
        : base("options: --epochs N (8), --lr X (0.002), --seed N (1), --full (use /usr/share/datasets/fashion-mnist), --data DIR, --output DIR (output), --threads N, --device cpu|opencl (cpu)")
    {
    }
}
