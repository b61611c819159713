using System;

namespace TensorDsl.Tests.Operators;

/// <summary>Max and average pooling over many shapes (found by reflection, like <see cref="ConvOps"/>).</summary>
public static partial class PoolOps
{
    /// <summary>2×2 windows, stride defaulting to the kernel.</summary>
    [MaxPool2d(Batch = 2, Channels = 3, Height = 4, Width = 6, Kernel = 2)]
    public static partial void MaxPlain(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    /// <summary>The PyTorch golden case: kernel 3, stride 2, padding 1 over 1×2×5×5.</summary>
    [MaxPool2d(Batch = 1, Channels = 2, Height = 5, Width = 5, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void MaxTorch(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);

    /// <summary>The PyTorch NaN golden case: kernel (2, 3), stride 1, padding 1 over 1×2×3×4.</summary>
    [MaxPool2d(Batch = 1, Channels = 2, Height = 3, Width = 4, KernelHeight = 2, KernelWidth = 3, Stride = 1, Pad = 1)]
    public static partial void MaxNaN(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);

    /// <summary>3×2 windows, stride 1×3, pad 1: overlapping vertically, disjoint across.</summary>
    [MaxPool2d(Batch = 2, Channels = 3, Height = 7, Width = 9, KernelHeight = 3, KernelWidth = 2, StrideHeight = 1, StrideWidth = 3, Pad = 1)]
    public static partial void MaxMixed(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

#pragma warning disable TDSL0006 // deliberately: a 1×1 kernel with stride 2 over an even size
    /// <summary>1×1 windows with stride 2 (subsampling), 9 channels.</summary>
    [MaxPool2d(Batch = 1, Channels = 9, Height = 6, Width = 6, Kernel = 1, Stride = 2)]
    public static partial void MaxSubsample(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);
#pragma warning restore TDSL0006

    /// <summary>One window covering the whole 5×7 input.</summary>
    [MaxPool2d(Batch = 2, Channels = 2, Height = 5, Width = 7, KernelHeight = 5, KernelWidth = 7)]
    public static partial void MaxWhole(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    /// <summary>Padding exactly half the kernel (4, pad 2): the border windows hold only two of four rows.</summary>
    [MaxPool2d(Batch = 1, Channels = 3, Height = 8, Width = 8, Kernel = 4, Stride = 2, Pad = 2)]
    public static partial void MaxHalfPad(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);

    /// <summary>2×2 windows, padding counted (the default).</summary>
    [AvgPool2d(Batch = 2, Channels = 3, Height = 4, Width = 6, Kernel = 2)]
    public static partial void AvgPlain(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>The PyTorch golden case, count_include_pad=True: kernel (3, 2), stride (2, 1), padding 1.</summary>
    [AvgPool2d(Batch = 2, Channels = 2, Height = 5, Width = 6, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 1, Pad = 1)]
    public static partial void AvgTorchInclude(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>The PyTorch golden case, count_include_pad=False.</summary>
    [AvgPool2d(Batch = 2, Channels = 2, Height = 5, Width = 6, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 1, Pad = 1, CountIncludePad = false)]
    public static partial void AvgTorchExclude(ReadOnlySpan<double> x, Span<double> y);

#pragma warning disable TDSL0006 // deliberately: the strides leave the last column (Exclude) or row and column (Tall) unread
    /// <summary>3×3 windows, stride 2×3, pad 1, padding not counted.</summary>
    [AvgPool2d(Batch = 1, Channels = 3, Height = 7, Width = 8, Kernel = 3, StrideHeight = 2, StrideWidth = 3, Pad = 1, CountIncludePad = false)]
    public static partial void AvgExclude(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>4×2 windows, stride 3×2, pad 2×1 (half the kernel on both axes), padding counted.</summary>
    [AvgPool2d(Batch = 2, Channels = 5, Height = 9, Width = 9, KernelHeight = 4, KernelWidth = 2, StrideHeight = 3, StrideWidth = 2, PadHeight = 2, PadWidth = 1)]
    public static partial void AvgTall(ReadOnlySpan<float> x, Span<float> y);
#pragma warning restore TDSL0006

    /// <summary>1×3 windows, stride 1, padding across only, not counted.</summary>
    [AvgPool2d(Batch = 1, Channels = 2, Height = 6, Width = 6, KernelHeight = 1, KernelWidth = 3, Stride = 1, PadWidth = 1, CountIncludePad = false)]
    public static partial void AvgRow(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>3×3 windows over 3×3 with pad 1, not counted: divisors 4, 6 and 9.</summary>
    [AvgPool2d(Batch = 1, Channels = 1, Height = 3, Width = 3, Kernel = 3, Stride = 1, Pad = 1, CountIncludePad = false)]
    public static partial void AvgTiny(ReadOnlySpan<double> x, Span<double> y);

    // Float32 shapes for the vectorized kernels (TensorDsl.Kernels.PoolingKernels): widths that are not multiples of
    // 16, 8 or 4, odd sizes, batch 1, padding, stride above the kernel. Each runs the 16-, 8- or 4-lane path for the
    // widest vector that fits a row, and scalar cells at clipped edges.

    /// <summary>2×2 stride 2 over an odd 9×37 (18 windows across: one 16-lane vector plus an overlapping one; the last column and row unread).</summary>
#pragma warning disable TDSL0006 // deliberately: odd sizes leave the last row and column unread
    [MaxPool2d(Batch = 1, Channels = 3, Height = 9, Width = 37, Kernel = 2)]
    public static partial void MaxOddWide(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    /// <summary>2×2 windows, stride 3×2: rows between the windows get no gradient; 11 windows across (8-lane path).</summary>
    [MaxPool2d(Batch = 2, Channels = 2, Height = 10, Width = 22, Kernel = 2, StrideHeight = 3, StrideWidth = 2)]
    public static partial void MaxSpaced(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    /// <summary>1×2 windows 2 apart over 5×9 (4 windows across: the 4-lane path).</summary>
    [MaxPool2d(Batch = 3, Channels = 1, Height = 5, Width = 9, KernelHeight = 1, KernelWidth = 2, Stride = 2)]
    public static partial void MaxNarrow(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);
#pragma warning restore TDSL0006

    /// <summary>3×3 stride 1 pad 1 over 6×20: the vectors at both edges reach into the padding (masked loads).</summary>
    [MaxPool2d(Batch = 1, Channels = 2, Height = 6, Width = 20, Kernel = 3, Stride = 1, Pad = 1)]
    public static partial void MaxSame(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    /// <summary>3×3 stride 2 pad 1 over 11×41 (the ResNet stem's pooling): scalar edge columns, overlapping windows backward.</summary>
    [MaxPool2d(Batch = 2, Channels = 3, Height = 11, Width = 41, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void MaxStem(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    /// <summary>3×3 stride 1 pad 1 over 7×37, padding counted.</summary>
    [AvgPool2d(Batch = 1, Channels = 3, Height = 7, Width = 37, Kernel = 3, Stride = 1, Pad = 1)]
    public static partial void AvgSame(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>3×3 stride 1 pad 1 over 6×23, padding not counted: per-column divisors at the edges.</summary>
    [AvgPool2d(Batch = 2, Channels = 2, Height = 6, Width = 23, Kernel = 3, Stride = 1, Pad = 1, CountIncludePad = false)]
    public static partial void AvgSameExclude(ReadOnlySpan<float> x, Span<float> y);

#pragma warning disable TDSL0006 // deliberately: the odd size leaves the last row and column unread
    /// <summary>2×2 stride 2 over 9×35 (even and odd columns deinterleaved); the backward keeps the generated loop.</summary>
    [AvgPool2d(Batch = 1, Channels = 4, Height = 9, Width = 35, Kernel = 2)]
    public static partial void AvgHalve(ReadOnlySpan<float> x, Span<float> y);
#pragma warning restore TDSL0006

    /// <summary>4×2 windows, stride 3×1, pad 2×1, not counted: an input row lies in up to two windows' rows.</summary>
    [AvgPool2d(Batch = 1, Channels = 2, Height = 12, Width = 26, KernelHeight = 4, KernelWidth = 2, StrideHeight = 3, StrideWidth = 1, PadHeight = 2, PadWidth = 1, CountIncludePad = false)]
    public static partial void AvgTallNarrow(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>5×5 stride 1 pad 2 over 7×19 (window rows summed in a loop, not unrolled).</summary>
    [AvgPool2d(Batch = 1, Channels = 2, Height = 7, Width = 19, Kernel = 5, Stride = 1, Pad = 2)]
    public static partial void AvgWide5(ReadOnlySpan<float> x, Span<float> y);
}

/// <summary>im2col and col2im in both layouts.</summary>
public static partial class ColumnOps
{
    /// <summary>The textbook shape: 1×3×7×7, kernel 5, matrix layout 9×75.</summary>
    [Im2col(Batch = 1, Channels = 3, Height = 7, Width = 7, Kernel = 5)]
    public static partial void Im2colBook(ReadOnlySpan<double> x, Span<double> col);

    /// <summary>3×2 kernel, stride 2×1, pad 1×0, matrix layout, float.</summary>
    [Im2col(Batch = 2, Channels = 3, Height = 5, Width = 6, KernelHeight = 3, KernelWidth = 2, StrideHeight = 2, StrideWidth = 1, PadHeight = 1)]
    public static partial void Im2colStrided(ReadOnlySpan<float> x, Span<float> col);

    /// <summary>2×3 kernel, stride 2, pad 1, 6-D layout.</summary>
    [Im2col(Batch = 2, Channels = 2, Height = 6, Width = 7, KernelHeight = 2, KernelWidth = 3, Stride = 2, Pad = 1, ToMatrix = false)]
    public static partial void Im2colTensor(ReadOnlySpan<double> x, Span<double> col);

#pragma warning disable TDSL0006 // deliberately: the last padded row is never read
    /// <summary>Kernel 3, stride 3, pad 2, 6-D layout, float, a height the stride does not tile.</summary>
    [Im2col(Batch = 1, Channels = 4, Height = 4, Width = 5, Kernel = 3, Stride = 3, Pad = 2, ToMatrix = false)]
    public static partial void Im2colUntiled(ReadOnlySpan<float> x, Span<float> col);

    /// <summary>col2im with a 3×1 kernel and stride 3×1, 6-D layout, float; the last input row gets nothing.</summary>
    [Col2im(Batch = 2, Channels = 2, Height = 7, Width = 5, KernelHeight = 3, KernelWidth = 1, StrideHeight = 3, StrideWidth = 1, ToMatrix = false)]
    public static partial void Col2imUntiled(ReadOnlySpan<float> col, Span<float> x);
#pragma warning restore TDSL0006

    /// <summary>col2im, kernel 3, stride 2, pad 1, matrix layout, float.</summary>
    [Col2im(Batch = 1, Channels = 2, Height = 5, Width = 5, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void Col2imMatrix(ReadOnlySpan<float> col, Span<float> x);

    /// <summary>col2im, 2×3 kernel, stride 1, 6-D layout.</summary>
    [Col2im(Batch = 2, Channels = 3, Height = 4, Width = 6, KernelHeight = 2, KernelWidth = 3, Stride = 1, ToMatrix = false)]
    public static partial void Col2imTensor(ReadOnlySpan<double> col, Span<double> x);

    /// <summary>col2im, kernel 3, stride 1, pad 2, matrix layout: every cell sums nine entries.</summary>
    [Col2im(Batch = 1, Channels = 2, Height = 6, Width = 6, Kernel = 3, Stride = 1, Pad = 2)]
    public static partial void Col2imOverlap(ReadOnlySpan<double> col, Span<double> x);
}
