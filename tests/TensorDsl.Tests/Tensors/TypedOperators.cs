using System;
using TensorDsl.Models;

namespace TensorDsl.Tests.Tensors;

/// <summary>Operators and a model called through their typed overloads in <see cref="TypedOperatorTests"/>.</summary>
public static partial class TypedOps
{
    // x 2×3×6×6, w 4×3×3×3, b 4, y 2×4×6×6.
    [Conv2d(Batch = 2, InChannels = 3, Height = 6, Width = 6, OutChannels = 4, Kernel = 3, Pad = 1)]
    public static partial void Conv(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    // Takes Conv's output: x 2×4×6×6, y and indexes 2×4×3×3.
    [MaxPool2d(Batch = 2, Channels = 4, Height = 6, Width = 6, Kernel = 2)]
    public static partial void Pool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    // x and y 1×1×4×4.
    [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 3, Stride = 1, Pad = 1)]
    public static partial void Smooth(ReadOnlySpan<double> x, Span<double> y);

    // x and y 1×4×2×2: as many elements as Smooth's, other dimensions.
    [AvgPool2d(Batch = 1, Channels = 4, Height = 2, Width = 2, Kernel = 1)]
    public static partial void Identity(ReadOnlySpan<double> x, Span<double> y);
}

/// <summary>A small classifier: input 2×1×6×6, output 2×3, labels 2.</summary>
[Model(Batch = 2, Channels = 1, Height = 6, Width = 6)]
public partial class TypedNet
{
    [Conv2d(OutChannels = 2, Kernel = 3)]
    public partial Layer<float> Conv { get; }

    [Flatten]
    public partial Layer<float> Flat { get; }

    [Linear(OutFeatures = 3)]
    public partial Layer<float> Fc { get; }

    [SoftmaxCrossEntropy]
    public partial Layer<float> Loss1 { get; }
}
