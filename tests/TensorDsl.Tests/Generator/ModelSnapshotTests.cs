using System.Linq;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>The generated source of representative [Model] classes, compared with accepted snapshots.</summary>
public class ModelSnapshotTests
{
    private static void VerifyGenerated(string declarations, string name)
    {
        string source = "using TensorDsl;\nusing TensorDsl.Models;\nnamespace Demo;\n\n" + declarations;
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Assert.Empty(result.All);
        string generated = string.Join("\n// ----\n", result.CpuSources.OrderBy(s => s.Key).Select(s => "// " + s.Key + "\n" + s.Value));
        Snapshot.Verify(generated, name);
    }

    [Fact]
    public void LeNet_style_float_classifier()
        => VerifyGenerated("""
            [Model(Batch = 4, Channels = 1, Height = 12, Width = 12)]
            public partial class LeNet
            {
                [Conv2d(OutChannels = 4, Kernel = 3, Pad = 1)]
                public partial Layer<float> Conv1 { get; }

                [ReLU]
                public partial Layer<float> Relu1 { get; }

                [MaxPool2d(Kernel = 2)]
                public partial Layer<float> Pool1 { get; }

                [Conv2d(OutChannels = 6, Kernel = 3)]
                public partial Layer<float> Conv2 { get; }

                [ReLU]
                public partial Layer<float> Relu2 { get; }

                [Flatten]
                public partial Layer<float> Flat { get; }

                [Linear(OutFeatures = 16)]
                public partial Layer<float> Fc1 { get; }

                [ReLU]
                public partial Layer<float> Relu3 { get; }

                [Dropout(Rate = 0.25)]
                public partial Layer<float> Drop { get; }

                [Linear(OutFeatures = 5)]
                public partial Layer<float> Fc2 { get; }

                [SoftmaxCrossEntropy]
                public partial Layer<float> Objective { get; }
            }
            """, "LeNet");

    [Fact]
    public void Double_autoencoder_with_deconv2d_and_mean_squared_error()
        => VerifyGenerated("""
            [Model(Batch = 2, Channels = 1, Height = 8, Width = 8, Initialization = TensorDsl.Training.InitScheme.He)]
            public partial class Autoencoder
            {
                [Conv2d(OutChannels = 4, Kernel = 4, Stride = 2, Pad = 1)]
                public partial Layer<double> Encode { get; }

                [ReLU]
                public partial Layer<double> Relu { get; }

                [Deconv2d(OutChannels = 1, Kernel = 4, Stride = 2, Pad = 1)]
                public partial Layer<double> Decode { get; }

                [Sigmoid]
                public partial Layer<double> Pixels { get; }

                [MeanSquaredError]
                public partial Layer<double> Reconstruction { get; }
            }
            """, "Autoencoder");
}
