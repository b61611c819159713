using System;

namespace TensorDsl.Tests.Operators;

/// <summary>The operators of the textbook's worked examples, declared as a user would.</summary>
public static partial class SeedOperators
{
    [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 2)]
    public static partial void Conv4x4(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    [Conv2d(Batch = 1, InChannels = 1, Height = 3, Width = 3, OutChannels = 1, Kernel = 2, Pad = 1)]
    public static partial void Conv3x3Padded(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    [Conv2d(Batch = 1, InChannels = 2, Height = 3, Width = 3, OutChannels = 3, Kernel = 2)]
    public static partial void TwoChannelsThreeFilters(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Im2col(Batch = 1, Channels = 3, Height = 7, Width = 7, Kernel = 5)]
    public static partial void Im2colSingle(ReadOnlySpan<double> x, Span<double> col);

    [Im2col(Batch = 10, Channels = 3, Height = 7, Width = 7, Kernel = 5)]
    public static partial void Im2colBatch(ReadOnlySpan<double> x, Span<double> col);

    [Im2col(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2, Stride = 1)]
    public static partial void Im2col4x4(ReadOnlySpan<double> x, Span<double> col);

    [MaxPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2, Stride = 2)]
    public static partial void MaxPool4x4(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);

    [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 3, Stride = 1, Pad = 1)]
    public static partial void AvgPool4x4(ReadOnlySpan<double> x, Span<double> y);

    [Deconv2d(Batch = 1, InChannels = 2, Height = 3, Width = 3, OutChannels = 1, Kernel = 3, Stride = 2, Pad = 1, OutputPadding = 1)]
    public static partial void Deconv(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    [Conv2dGradW(Batch = 1, InChannels = 2, Height = 5, Width = 5, OutChannels = 3, Kernel = 3)]
    public static partial void GradW(ReadOnlySpan<double> x, ReadOnlySpan<double> gy, Span<double> gw);

    [Col2im(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2, Stride = 1, ToMatrix = false)]
    public static partial void Col2im4x4(ReadOnlySpan<double> col, Span<double> x);
}
