using System;

namespace TensorDsl.Tests.Robustness;

/// <summary>Operators for the concurrency, determinism and NaN tests: enough tasks to split, padding and overlaps.</summary>
public static partial class RobustnessOperators
{
    [Conv2d(Batch = 4, InChannels = 3, Height = 9, Width = 9, OutChannels = 5, Kernel = 3, Pad = 1)]
    public static partial void Conv(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 2, InChannels = 2, Height = 7, Width = 7, OutChannels = 3, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void ConvDouble(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    [Deconv2d(Batch = 2, InChannels = 3, Height = 4, Width = 4, OutChannels = 2, Kernel = 3, Stride = 2, Pad = 1, OutputPadding = 1)]
    public static partial void Deconv(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    [MaxPool2d(Batch = 2, Channels = 2, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void MaxPool(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);

    [MaxPool2d(Batch = 4, Channels = 4, Height = 8, Width = 8, Kernel = 2)]
    public static partial void MaxPoolFloat(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    [AvgPool2d(Batch = 2, Channels = 2, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void AvgPool(ReadOnlySpan<double> x, Span<double> y);
}
