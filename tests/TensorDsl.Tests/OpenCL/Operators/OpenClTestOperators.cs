using System;

namespace TensorDsl.Tests.OpenCL.Operators;

/// <summary>
/// Operators declared for the OpenCL tests. Each declaration's program is compiled once per test run (PoCL takes
/// about a second per program), so the shapes are chosen to cover many cases each: strides, pads, non-square
/// kernels, odd sizes, batch 1, no bias, output padding, explicit deconv sizes, both pooling divisors, both column
/// layouts, float and double, and both convolution forms: tiled implicit GEMM (the default) and one work-item
/// per output (below <c>Gemm.DirectThreshold</c> multiply-adds), with and without split-K weight gradients.
/// </summary>
public static partial class OpenClOperators
{
    // ------------------------------------------------------------------ conv2d

    /// <summary>Tiled; odd sizes, same padding. 24,300 multiply-adds.</summary>
    [Conv2d(Batch = 2, InChannels = 3, Height = 10, Width = 9, OutChannels = 5, Kernel = 3, Pad = 1)]
    public static partial void Conv(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Tiled; batch 1, no bias, non-square kernel, strides 2×3, padding on one axis only.</summary>
    [Conv2d(Batch = 1, InChannels = 4, Height = 21, Width = 20, OutChannels = 7, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 3, PadHeight = 1, Bias = false)]
    public static partial void ConvStrided(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y);

    /// <summary>Tiled with two row tiles (70 output channels) and a weight gradient split into K slices.</summary>
    [Conv2d(Batch = 2, InChannels = 3, Height = 16, Width = 16, OutChannels = 70, Kernel = 3, Pad = 1)]
    public static partial void ConvWide(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Double, tiled; stride 2×1, padding 0×3 wider than the kernel's reach (whole windows in the padding).</summary>
    [Conv2d(Batch = 2, InChannels = 3, Height = 10, Width = 7, OutChannels = 5, KernelHeight = 2, KernelWidth = 3, StrideHeight = 2, PadWidth = 3)]
    public static partial void ConvDouble(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>Double, one work-item per output (1,350 multiply-adds); small enough for finite differences.</summary>
    [Conv2d(Batch = 1, InChannels = 2, Height = 5, Width = 5, OutChannels = 3, Kernel = 3, Pad = 1)]
    public static partial void ConvTiny(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    // ------------------------------------------------------------------ deconv2d

    /// <summary>Tiled; stride 2 (four phases), output padding 1: y is 2×3×12×10.</summary>
    [Deconv2d(Batch = 2, InChannels = 8, Height = 6, Width = 5, OutChannels = 3, Kernel = 3, Stride = 2, Pad = 1, OutputPadding = 1)]
    public static partial void Deconv(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Double, tiled, no bias; kernel 3×4, strides 2×3, output padding only on the width.</summary>
    [Deconv2d(Batch = 2, InChannels = 6, Height = 6, Width = 5, OutChannels = 4, KernelHeight = 3, KernelWidth = 4, StrideHeight = 2, StrideWidth = 3, PadHeight = 1, OutputPaddingWidth = 2, Bias = false)]
    public static partial void DeconvDouble(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);

    /// <summary>Tiled; stride 3 above the kernel 2 (phases no tap reaches) and an explicit output size (DeZero's outsize).</summary>
    [Deconv2d(Batch = 2, InChannels = 8, Height = 5, Width = 5, OutChannels = 6, Kernel = 2, Stride = 3, OutHeight = 16, OutWidth = 15)]
    public static partial void DeconvSparse(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    // ------------------------------------------------------------------ conv2d weight gradient

    /// <summary>Tiled, one K slice.</summary>
    [Conv2dGradW(Batch = 2, InChannels = 3, Height = 8, Width = 8, OutChannels = 4, Kernel = 3, Pad = 1)]
    public static partial void GradW(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gw);

    /// <summary>Double, tiled, K split into slices summed in order.</summary>
    [Conv2dGradW(Batch = 4, InChannels = 2, Height = 12, Width = 12, OutChannels = 3, Kernel = 3, Pad = 1)]
    public static partial void GradWDouble(ReadOnlySpan<double> x, ReadOnlySpan<double> gy, Span<double> gw);

    // ------------------------------------------------------------------ pooling

    [MaxPool2d(Batch = 2, Channels = 3, Height = 8, Width = 6, Kernel = 2)]
    public static partial void MaxPool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    /// <summary>Overlapping windows (3×2 kernel, strides 2×1) with padding on both axes.</summary>
    [MaxPool2d(Batch = 2, Channels = 2, Height = 9, Width = 7, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 1, Pad = 1)]
    public static partial void MaxPoolDouble(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);

    [AvgPool2d(Batch = 2, Channels = 3, Height = 7, Width = 6, Kernel = 3, Stride = 1, Pad = 1)]
    public static partial void AvgPool(ReadOnlySpan<float> x, Span<float> y);

    [AvgPool2d(Batch = 2, Channels = 2, Height = 9, Width = 8, KernelHeight = 3, KernelWidth = 2, Stride = 2, Pad = 1, CountIncludePad = false)]
    public static partial void AvgPoolExcludePad(ReadOnlySpan<double> x, Span<double> y);

    // ------------------------------------------------------------------ im2col / col2im

    [Im2col(Batch = 2, Channels = 3, Height = 7, Width = 6, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 1, PadHeight = 1)]
    public static partial void Im2colMatrix(ReadOnlySpan<float> x, Span<float> col);

    [Im2col(Batch = 1, Channels = 2, Height = 6, Width = 6, Kernel = 3, Stride = 1, Pad = 1, ToMatrix = false)]
    public static partial void Im2colTensor(ReadOnlySpan<double> x, Span<double> col);

    [Col2im(Batch = 2, Channels = 2, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void Col2imMatrix(ReadOnlySpan<double> col, Span<double> x);

    [Col2im(Batch = 1, Channels = 3, Height = 5, Width = 6, KernelHeight = 2, KernelWidth = 3, Stride = 1, ToMatrix = false)]
    public static partial void Col2imTensor(ReadOnlySpan<float> col, Span<float> x);
}
