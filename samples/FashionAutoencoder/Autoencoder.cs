using TensorDsl;
using TensorDsl.Models;

namespace FashionAutoencoderSample;

/// <summary>
/// A convolutional autoencoder: two strided conv2d layers squeeze a 28×28 image to 32×7×7, and two deconv2d
/// layers (transposed convolutions) grow it back to 28×28. Trained to reproduce its input.
/// </summary>
[Model(Batch = 64, Channels = 1, Height = 28, Width = 28, Initialization = TensorDsl.Training.InitScheme.He)]
public partial class Autoencoder
{
    [Conv2d(OutChannels = 16, Kernel = 4, Stride = 2, Pad = 1)]
    public partial Layer<float> Encode1 { get; }        // 64×16×14×14

    [ReLU]
    public partial Layer<float> Relu1 { get; }

    [Conv2d(OutChannels = 32, Kernel = 4, Stride = 2, Pad = 1)]
    public partial Layer<float> Encode2 { get; }        // 64×32×7×7: the code

    [ReLU]
    public partial Layer<float> Relu2 { get; }

    [Deconv2d(OutChannels = 16, Kernel = 4, Stride = 2, Pad = 1)]
    public partial Layer<float> Decode1 { get; }        // 64×16×14×14

    [ReLU]
    public partial Layer<float> Relu3 { get; }

    [Deconv2d(OutChannels = 1, Kernel = 4, Stride = 2, Pad = 1)]
    public partial Layer<float> Decode2 { get; }        // 64×1×28×28

    [Sigmoid]
    public partial Layer<float> Pixels { get; }

    [MeanSquaredError]
    public partial Layer<float> Reconstruction { get; }
}
