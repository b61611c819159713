using System;

namespace TensorDsl.Tests.Kernels;

/// <summary>
/// Float32 operators that run on the fast implicit-GEMM kernels: the benchmark suite's shapes, scaled down for
/// test time (the strided ones one pixel larger, so that the window tiles the image exactly: TDSL0006), and awkward shapes (odd sizes, channels not a multiple of 8, batch 1, stride above the kernel,
/// rectangular kernels and strides, no bias).
/// </summary>
public static partial class KernelOperators
{
    // ---- the suite, scaled down (batch and channels), same kernel / stride / pad as the benchmark.
    [Conv2d(Batch = 3, InChannels = 1, Height = 28, Width = 28, OutChannels = 30, Kernel = 5)]
    public static partial void SeedMnist(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 4, InChannels = 6, Height = 14, Width = 14, OutChannels = 16, Kernel = 5)]
    public static partial void Lenet(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 2, InChannels = 16, Height = 32, Width = 32, OutChannels = 16, Kernel = 3, Pad = 1)]
    public static partial void Cifar(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 1, InChannels = 3, Height = 57, Width = 57, OutChannels = 16, Kernel = 7, Stride = 2, Pad = 3)]
    public static partial void ResnetStem(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 2, InChannels = 8, Height = 56, Width = 56, OutChannels = 8, Kernel = 3, Pad = 1)]
    public static partial void Resnet3x3(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 2, InChannels = 16, Height = 29, Width = 29, OutChannels = 32, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void Strided3x3(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 2, InChannels = 64, Height = 14, Width = 14, OutChannels = 70, Kernel = 1)]
    public static partial void Pointwise(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Deconv2d(Batch = 2, InChannels = 16, Height = 16, Width = 16, OutChannels = 8, Kernel = 4, Stride = 2, Pad = 1)]
    public static partial void DeconvUp(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    // ---- awkward shapes.
    [Conv2d(Batch = 1, InChannels = 5, Height = 13, Width = 11, OutChannels = 7, Kernel = 3, Pad = 1)]
    public static partial void OddSizes(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 3, InChannels = 7, Height = 9, Width = 10, OutChannels = 13, Kernel = 2, Bias = false)]
    public static partial void OddChannelsNoBias(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y);

    [Conv2d(Batch = 2, InChannels = 3, Height = 11, Width = 11, OutChannels = 5, Kernel = 2, Stride = 3)]
    public static partial void StrideAboveKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 1, InChannels = 4, Height = 11, Width = 9, OutChannels = 9, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 1, PadHeight = 1, PadWidth = 1)]
    public static partial void Rectangular(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 1, InChannels = 2, Height = 3, Width = 3, OutChannels = 1, Kernel = 3, Pad = 2)]
    public static partial void TinyPadded(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Deconv2d(Batch = 1, InChannels = 5, Height = 5, Width = 7, OutChannels = 3, Kernel = 3, Stride = 2, Pad = 1, OutputPadding = 1)]
    public static partial void DeconvOutputPadding(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Deconv2d(Batch = 2, InChannels = 3, Height = 4, Width = 5, OutChannels = 9, Kernel = 2, Stride = 3)]
    public static partial void DeconvStrideAboveKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2dGradW(Batch = 2, InChannels = 5, Height = 9, Width = 9, OutChannels = 6, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void GradW(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gw);
}
