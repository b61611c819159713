using TensorDsl.Models;
using TensorDsl.Training;

namespace TensorDsl.Tests.Models;

/// <summary>A LeNet-style classifier as the samples declare it, small enough for unit tests.</summary>
[Model(Batch = 8, Channels = 1, Height = 12, Width = 12)]
public partial class TinyLeNet
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

    [Dropout(Rate = 0.25)]
    public partial Layer<float> Drop { get; }

    [Linear(OutFeatures = 5)]
    public partial Layer<float> Fc2 { get; }

    [SoftmaxCrossEntropy]
    public partial Layer<float> Loss1 { get; }
}

/// <summary>Every layer kind in one double-precision network, for finite-difference checks.</summary>
[Model(Batch = 2, Channels = 2, Height = 7, Width = 7, Initialization = InitScheme.He)]
public partial class EveryLayer
{
    [Conv2d(OutChannels = 3, KernelHeight = 3, KernelWidth = 2, Pad = 1)]
    public partial Layer<double> Conv { get; }

    [LeakyReLU(Slope = 0.1)]
    public partial Layer<double> Leaky { get; }

    [AvgPool2d(Kernel = 2, Stride = 1)]
    public partial Layer<double> Avg { get; }

    [Deconv2d(OutChannels = 2, Kernel = 3, Stride = 2, Pad = 1)]
    public partial Layer<double> Up { get; }

    [Tanh]
    public partial Layer<double> Squash { get; }

    [MaxPool2d(Kernel = 3, Stride = 2, Pad = 1)]
    public partial Layer<double> Max { get; }

    [Sigmoid]
    public partial Layer<double> Gate { get; }

    [Linear(OutFeatures = 4)]
    public partial Layer<double> Dense { get; }

    [ReLU]
    public partial Layer<double> Relu { get; }

    [Dropout(Rate = 0.3)]
    public partial Layer<double> Drop { get; }

    [Linear(OutFeatures = 3, Bias = false)]
    public partial Layer<double> Out { get; }

    [SoftmaxCrossEntropy]
    public partial Layer<double> Loss1 { get; }
}
