using System;

namespace TensorDsl.Tests.Operators;

/// <summary>
/// conv2d and its weight gradient over many shapes, declared as a user would. The tests find these declarations by
/// reflection and read the geometry from the attributes, so every declaration here is tested against the reference
/// (see <see cref="DeclaredOperator"/>). Keep the shapes small: each runs forward, every backward and finite differences.
/// </summary>
public static partial class ConvOps
{
    /// <summary>Stride 1, no padding, odd sizes, 3 → 5 channels.</summary>
    [Conv2d(Batch = 2, InChannels = 3, Height = 7, Width = 9, OutChannels = 5, Kernel = 3)]
    public static partial void Plain(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Stride 2, pad 1.</summary>
    [Conv2d(Batch = 2, InChannels = 3, Height = 7, Width = 7, OutChannels = 4, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void Strided(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>Non-square 3×5 kernel, pad 2, batch 1, 5 channels, output 19 wide (vector loops and their tails).</summary>
    [Conv2d(Batch = 1, InChannels = 5, Height = 6, Width = 19, OutChannels = 3, KernelHeight = 3, KernelWidth = 5, Pad = 2)]
    public static partial void Wide(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>1×3 kernel, stride 3, padding only across, no bias.</summary>
    [Conv2d(Batch = 2, InChannels = 2, Height = 7, Width = 10, OutChannels = 3, KernelHeight = 1, KernelWidth = 3, Stride = 3, PadWidth = 1, Bias = false)]
    public static partial void Row(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);

    /// <summary>1×1 kernel.</summary>
    [Conv2d(Batch = 1, InChannels = 3, Height = 5, Width = 5, OutChannels = 2, Kernel = 1)]
    public static partial void Pointwise(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Stride 3 larger than the 2×2 kernel: some input cells are never read.</summary>
    [Conv2d(Batch = 2, InChannels = 3, Height = 8, Width = 8, OutChannels = 2, Kernel = 2, Stride = 3)]
    public static partial void Skipping(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>The kernel is exactly the padded input (6×7 over 4×5 + 2·1): one output cell.</summary>
    [Conv2d(Batch = 1, InChannels = 2, Height = 4, Width = 5, OutChannels = 3, KernelHeight = 6, KernelWidth = 7, Pad = 1)]
    public static partial void Whole(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

#pragma warning disable TDSL0006 // deliberately: the last column is never read, so its input gradient must be zero
    /// <summary>9 → 10 channels (not multiples of 8), stride 1×2, pad 1×0, a width the stride does not tile, no bias.</summary>
    [Conv2d(Batch = 3, InChannels = 9, Height = 5, Width = 6, OutChannels = 10, Kernel = 3, StrideHeight = 1, StrideWidth = 2, PadHeight = 1, PadWidth = 0, Bias = false)]
    public static partial void Channels(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y);

    /// <summary>5×3 kernel, stride 2×3, pad 2×1; the last input row is never read.</summary>
    [Conv2d(Batch = 2, InChannels = 4, Height = 10, Width = 13, OutChannels = 6, KernelHeight = 5, KernelWidth = 3, StrideHeight = 2, StrideWidth = 3, PadHeight = 2, PadWidth = 1)]
    public static partial void Tall(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
#pragma warning restore TDSL0006

    /// <summary>Everything 1.</summary>
    [Conv2d(Batch = 1, InChannels = 1, Height = 1, Width = 1, OutChannels = 1, Kernel = 1)]
    public static partial void Scalar(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>8 channels and a 20-wide output: full vectors in both the float correlation and the weight-gradient dot products.</summary>
    [Conv2d(Batch = 1, InChannels = 8, Height = 5, Width = 20, OutChannels = 8, Kernel = 3, Pad = 1)]
    public static partial void Vectors(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Pad 2 with a 3×3 kernel: the corner windows read a single cell.</summary>
    [Conv2d(Batch = 2, InChannels = 3, Height = 6, Width = 6, OutChannels = 2, Kernel = 3, Pad = 2)]
    public static partial void Padded(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>The PyTorch golden case: x 2×3×5×6, w 2×3×3×2, stride (2, 1), padding (1, 0).</summary>
    [Conv2d(Batch = 2, InChannels = 3, Height = 5, Width = 6, OutChannels = 2, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 1, PadHeight = 1, PadWidth = 0)]
    public static partial void Torch(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>Conv2DGradW, square, pad 1.</summary>
    [Conv2dGradW(Batch = 2, InChannels = 3, Height = 6, Width = 7, OutChannels = 4, Kernel = 3, Pad = 1)]
    public static partial void GradW(ReadOnlySpan<double> x, ReadOnlySpan<double> gy, Span<double> gw);

    /// <summary>Conv2DGradW with a non-square 3×5 kernel, stride 2×1, pad 1×2.</summary>
    [Conv2dGradW(Batch = 2, InChannels = 2, Height = 9, Width = 9, OutChannels = 2, KernelHeight = 3, KernelWidth = 5, StrideHeight = 2, StrideWidth = 1, PadHeight = 1, PadWidth = 2)]
    public static partial void GradWNonSquare(ReadOnlySpan<double> x, ReadOnlySpan<double> gy, Span<double> gw);

#pragma warning disable TDSL0006 // deliberately: neither axis tiles
    /// <summary>Conv2DGradW in float, 2×3 kernel, stride 2×3, pad 0×1, neither axis tiled.</summary>
    [Conv2dGradW(Batch = 1, InChannels = 2, Height = 7, Width = 8, OutChannels = 3, KernelHeight = 2, KernelWidth = 3, StrideHeight = 2, StrideWidth = 3, PadWidth = 1)]
    public static partial void GradWUntiled(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gw);
#pragma warning restore TDSL0006

    /// <summary>Conv2DGradW over a 20-wide output in float: vector dot products.</summary>
    [Conv2dGradW(Batch = 2, InChannels = 3, Height = 4, Width = 20, OutChannels = 2, Kernel = 3, Pad = 1)]
    public static partial void GradWWide(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gw);
}

/// <summary>deconv2d (transposed convolution) over many shapes; x is the small side.</summary>
public static partial class DeconvOps
{
    /// <summary>Stride 1, no padding: y is (H + 2)×(W + 2).</summary>
    [Deconv2d(Batch = 2, InChannels = 3, Height = 4, Width = 5, OutChannels = 2, Kernel = 3)]
    public static partial void Plain(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Stride 2, pad 1, OutputPadding 1: 3×3 → 6×6.</summary>
    [Deconv2d(Batch = 1, InChannels = 2, Height = 3, Width = 3, OutChannels = 3, Kernel = 3, Stride = 2, Pad = 1, OutputPadding = 1)]
    public static partial void OutputPadded(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>The PyTorch golden case: x 1×2×3×4, w 2×3×3×2, stride (2, 3), padding (1, 0), output padding (1, 2).</summary>
    [Deconv2d(Batch = 1, InChannels = 2, Height = 3, Width = 4, OutChannels = 3, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 3, PadHeight = 1, OutputPaddingHeight = 1, OutputPaddingWidth = 2)]
    public static partial void Torch(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>DeZero's outsize: 4×3 kernel, stride 3×2, pad 2×1, OutHeight 14 (natural 12) and OutWidth 8 (natural 7), no bias.</summary>
    [Deconv2d(Batch = 1, InChannels = 3, Height = 5, Width = 4, OutChannels = 2, KernelHeight = 4, KernelWidth = 3, StrideHeight = 3, StrideWidth = 2, PadHeight = 2, PadWidth = 1, OutHeight = 14, OutWidth = 8, Bias = false)]
    public static partial void OutSize(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y);

    /// <summary>1×1 kernel with stride 2: every other output cell is only the bias.</summary>
    [Deconv2d(Batch = 2, InChannels = 5, Height = 3, Width = 3, OutChannels = 4, Kernel = 1, Stride = 2)]
    public static partial void Sparse(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>5×5 kernel, stride 3, pad 2, OutputPadding 2.</summary>
    [Deconv2d(Batch = 1, InChannels = 2, Height = 2, Width = 3, OutChannels = 3, Kernel = 5, Stride = 3, Pad = 2, OutputPadding = 2)]
    public static partial void Large(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    /// <summary>Same-size deconv, 9 output channels, 10 wide (a full float vector plus a tail).</summary>
    [Deconv2d(Batch = 1, InChannels = 3, Height = 6, Width = 10, OutChannels = 9, Kernel = 3, Pad = 1)]
    public static partial void Same(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Double, no bias, stride 2×1 with output padding only vertically.</summary>
    [Deconv2d(Batch = 2, InChannels = 2, Height = 3, Width = 4, OutChannels = 2, KernelHeight = 2, KernelWidth = 3, StrideHeight = 2, StrideWidth = 1, OutputPaddingHeight = 1, Bias = false)]
    public static partial void NoBias(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);
}

/// <summary>
/// conv2d / deconv2d pairs with the same window (the deconv maps the conv's output shape back onto its input shape), in
/// double, for the second-order tests: the input gradient of each is the other's forward.
/// </summary>
public static partial class PairOps
{
    [Conv2d(Batch = 2, InChannels = 3, Height = 7, Width = 7, OutChannels = 4, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void Conv1(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

    [Deconv2d(Batch = 2, InChannels = 4, Height = 4, Width = 4, OutChannels = 3, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void Deconv1(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);

#pragma warning disable TDSL0006 // the conv leaves the last row unread; the deconv restores the height with OutHeight
    [Conv2d(Batch = 1, InChannels = 2, Height = 10, Width = 13, OutChannels = 3, KernelHeight = 5, KernelWidth = 3, StrideHeight = 2, StrideWidth = 3, PadHeight = 2, PadWidth = 1, Bias = false)]
    public static partial void Conv2(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);
#pragma warning restore TDSL0006

    [Deconv2d(Batch = 1, InChannels = 3, Height = 5, Width = 5, OutChannels = 2, KernelHeight = 5, KernelWidth = 3, StrideHeight = 2, StrideWidth = 3, PadHeight = 2, PadWidth = 1, OutHeight = 10, Bias = false)]
    public static partial void Deconv2(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);
}
