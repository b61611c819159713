using TensorDsl;
using TensorDsl.Models;

namespace FashionMnistSample;

/// <summary>
/// A LeNet-style classifier for 28×28 Fashion-MNIST images. Only the input is given; every other shape, every
/// in_channels and in_features is inferred when the project builds, and a layer that does not fit is a compiler error.
/// </summary>
[Model(Batch = 64, Channels = 1, Height = 28, Width = 28)]
public partial class FashionNet
{
    [Conv2d(OutChannels = 8, Kernel = 5, Pad = 2)]
    public partial Layer<float> Conv1 { get; }          // 64×8×28×28

    [ReLU]
    public partial Layer<float> Relu1 { get; }

    [MaxPool2d(Kernel = 2)]
    public partial Layer<float> Pool1 { get; }          // 64×8×14×14

    [Conv2d(OutChannels = 16, Kernel = 5)]
    public partial Layer<float> Conv2 { get; }          // 64×16×10×10

    [ReLU]
    public partial Layer<float> Relu2 { get; }

    [MaxPool2d(Kernel = 2)]
    public partial Layer<float> Pool2 { get; }          // 64×16×5×5

    [Flatten]
    public partial Layer<float> Flatten { get; }        // 64×400

    [Linear(OutFeatures = 120)]
    public partial Layer<float> Fc1 { get; }

    [ReLU]
    public partial Layer<float> Relu3 { get; }

    [Linear(OutFeatures = 84)]
    public partial Layer<float> Fc2 { get; }

    [ReLU]
    public partial Layer<float> Relu4 { get; }

    [Linear(OutFeatures = 10)]
    public partial Layer<float> Fc3 { get; }

    [SoftmaxCrossEntropy]
    public partial Layer<float> Loss1 { get; }
}
