using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using FashionAutoencoderSample;
using TensorDsl.Data;
using TensorDsl.Training;
using TensorDsl.Visualization;

// Trains the autoencoder on Fashion-MNIST and writes originals beside their reconstructions.
int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
string output = args.Length > 1 ? args[1] : "output";
string directory = FashionMnist.FindDefaultDirectory();
Dataset train = FashionMnist.Load(directory, train: true);
Dataset test = FashionMnist.Load(directory, train: false);

Autoencoder model = new(seed: 1);
Adam<float> adam = new(model, learningRate: 0.002f);
BatchIterator batches = new(train, Autoencoder.Batch, shuffle: true, seed: 1);
int[] unusedLabels = new int[Autoencoder.Batch];
float[] target = new float[Autoencoder.InputLength];
Console.WriteLine(string.Join(Environment.NewLine, model.Layers));
for (int epoch = 1; epoch <= epochs; epoch++)
{
    batches.BeginEpoch(epoch);
    ProgressBar progress = new(batches.BatchesPerEpoch, $"epoch {epoch}/{epochs}");
    Stopwatch clock = Stopwatch.StartNew();
    double sum = 0;
    int steps = 0;
    while (batches.TryNext<float>(model.Input, unusedLabels, out int count))
    {
        model.Input.CopyTo(target);
        model.Forward();
        float loss = model.Loss(target);
        model.Backward();
        adam.Step();
        sum += loss;
        progress.Report(++steps, loss, count);
    }

    progress.Complete();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"epoch {epoch}: reconstruction MSE {sum / steps:F5}, {clock.Elapsed.TotalSeconds:F1} s"));
}

// Reconstruct the first test batch and show 16 originals beside their reconstructions.
int size = test.ImageSize;
test.Images.AsSpan(0, Autoencoder.InputLength).CopyTo(model.Input);
model.Forward();
test.Images.AsSpan(0, Autoencoder.InputLength).CopyTo(target);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test reconstruction MSE: {model.Loss(target):F5}"));
Directory.CreateDirectory(output);
string picture = Path.Combine(output, "reconstructions.png");
(byte[] pixels, int width, int height) = ImageGrid.ComposePairs<float>(
    test.Images.AsSpan(0, 16 * size), model.Output.Slice(0, 16 * size), count: 16, imageHeight: 28, imageWidth: 28, pairsPerRow: 4, padding: 2, scale: 3);
PngWriter.Save(picture, pixels, width, height);
Console.WriteLine($"wrote {picture} (each original on the left of its reconstruction)");
return 0;
