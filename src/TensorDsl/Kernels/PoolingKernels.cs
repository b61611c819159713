using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

using TensorDsl.Runtime;
namespace TensorDsl.Kernels;

/// <summary>The fixed geometry of a pooling operator, one (n, c) plane at a time.</summary>
public readonly struct PoolGeometry
{
    /// <summary>Describes the windows of one pooling operator.</summary>
    public PoolGeometry(int imageHeight, int imageWidth, int gridHeight, int gridWidth, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth, bool countIncludePad)
    {
        ImageHeight = imageHeight;
        ImageWidth = imageWidth;
        GridHeight = gridHeight;
        GridWidth = gridWidth;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        PadHeight = padHeight;
        PadWidth = padWidth;
        CountIncludePad = countIncludePad;
    }

    /// <summary>Input rows.</summary>
    public int ImageHeight { get; }

    /// <summary>Input columns.</summary>
    public int ImageWidth { get; }

    /// <summary>Output rows.</summary>
    public int GridHeight { get; }

    /// <summary>Output columns.</summary>
    public int GridWidth { get; }

    /// <summary>Window rows.</summary>
    public int KernelHeight { get; }

    /// <summary>Window columns.</summary>
    public int KernelWidth { get; }

    /// <summary>Rows between windows.</summary>
    public int StrideHeight { get; }

    /// <summary>Columns between windows.</summary>
    public int StrideWidth { get; }

    /// <summary>Padding above and below.</summary>
    public int PadHeight { get; }

    /// <summary>Padding left and right.</summary>
    public int PadWidth { get; }

    /// <summary>Average pooling: divide by KH·KW (true) or by the window's cells inside the image (false).</summary>
    public bool CountIncludePad { get; }

    /// <summary>Input cells per plane.</summary>
    public int ImagePlane => ImageHeight * ImageWidth;

    /// <summary>Output cells per plane.</summary>
    public int GridPlane => GridHeight * GridWidth;
}

/// <summary>
/// Float32 pooling over whole (n, c) planes, vectorized across output columns with the widest of Vector512,
/// Vector256 and Vector128 the processor accelerates, or scalar. Windows clipped by the padding are vectorized too
/// with stride 1 (masked loads, or a zero-padded copy of the rows for average pooling); with stride 2 they are
/// scalar. Every path computes exactly what the scalar loops of the generated code compute, bit for bit: the
/// windows are read in the same row-major order, sums start from +0 and add the cells in that order, and max
/// pooling keeps the first strict maximum, a NaN replacing anything (the last NaN wins). So results do not depend
/// on the vector width, the thread count or the column a window falls in. Geometry is passed at run time; the
/// generator calls these only for geometries the <c>Supports…</c> checks accept and keeps its loops otherwise.
/// </summary>
public static class PoolingKernels
{
    /// <summary>
    /// The most floats of a zero-padded plane copy average pooling keeps on the stack (64 KiB): the input plane of a
    /// padded stride-1 forward, the share plane of the backward.
    /// </summary>
    public const int PaddedPlaneFloats = 16384;

    /// <summary>The widest lane count: the public entry points allow every width.</summary>
    internal const int AllWidths = 16;

    /// <summary>Whether <see cref="MaxPool(ref float, ref float, ref int, int, in PoolGeometry)"/> and <see cref="AvgPool(ref float, ref float, int, in PoolGeometry)"/> take this geometry (column stride 1 or 2).</summary>
    public static bool SupportsForward(in PoolGeometry g) => g.StrideWidth is 1 or 2;

    /// <summary>Whether <see cref="AvgPoolBackward(ref float, ref float, int, in PoolGeometry)"/> takes this geometry (column stride 1, a share plane of GH × (GW + 2·(KW − 1)) floats within <see cref="PaddedPlaneFloats"/>).</summary>
    public static bool SupportsAvgBackward(in PoolGeometry g)
        => g.StrideWidth == 1 && (long)g.GridHeight * (g.GridWidth + (2L * (g.KernelWidth - 1))) <= PaddedPlaneFloats;

    /// <summary>Whether <see cref="TryMaxPoolBackward(ref int, ref float, ref float, in PoolGeometry)"/> takes this geometry (2-wide windows 2 apart, rows not overlapping, no padding).</summary>
    public static bool SupportsMaxBackward(in PoolGeometry g)
        => g.KernelWidth == 2 && g.StrideWidth == 2 && g.StrideHeight >= g.KernelHeight && g.PadHeight == 0 && g.PadWidth == 0;

    // ------------------------------------------------------------------ max pooling forward

    /// <summary>
    /// Max pooling of <paramref name="planes"/> consecutive planes: <paramref name="grid"/> gets each window's
    /// maximum and <paramref name="indexes"/> its position h·W + w in the input plane. Padding is never a
    /// candidate; the first maximum in row-major window order wins, a NaN wins over anything (the last NaN).
    /// </summary>
    public static void MaxPool(ref float image, ref float grid, ref int indexes, int planes, in PoolGeometry g)
        => MaxPool(ref image, ref grid, ref indexes, planes, g, AllWidths);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void MaxPool(ref float image, ref float grid, ref int indexes, int planes, in PoolGeometry g, int lanes)
    {
        Require(SupportsForward(g));
        Columns columns = Columns.For(g);

        // Pinned for the masked loads of windows that reach into the padding.
        fixed (float* pinned = &image)
        {
            for (int p = 0; p < planes; p++)
            {
                ref float plane = ref Unsafe.Add(ref image, p * g.ImagePlane);
                for (int oh = 0; oh < g.GridHeight; oh++)
                {
                    int top = (oh * g.StrideHeight) - g.PadHeight;
                    int hBegin = Math.Max(top, 0), hEnd = Math.Min(top + g.KernelHeight, g.ImageHeight);
                    int cell = (p * g.GridPlane) + (oh * g.GridWidth);
                    ref float y = ref Unsafe.Add(ref grid, cell);
                    ref int index = ref Unsafe.Add(ref indexes, cell);
                    int begin = columns.VectorBegin, end = columns.VectorEnd, count = end - begin;
                    if (lanes >= 16 && Lanes512.IsSupported && count >= 16)
                    {
                        MaxVectors<Lanes512, Vector512<float>, Vector512<int>>(ref plane, ref y, ref index, g, columns, hBegin, hEnd);
                    }
                    else if (lanes >= 8 && Lanes256.IsSupported && count >= 8)
                    {
                        MaxVectors<Lanes256, Vector256<float>, Vector256<int>>(ref plane, ref y, ref index, g, columns, hBegin, hEnd);
                    }
                    else if (lanes >= 4 && Lanes128.IsSupported && count >= 4)
                    {
                        MaxVectors<Lanes128, Vector128<float>, Vector128<int>>(ref plane, ref y, ref index, g, columns, hBegin, hEnd);
                    }
                    else
                    {
                        begin = end = 0;
                    }

                    MaxCells(ref plane, ref y, ref index, g, hBegin, hEnd, 0, begin);
                    MaxCells(ref plane, ref y, ref index, g, hBegin, hEnd, end, g.GridWidth);
                }
            }
        }
    }

    /// <summary>Output columns [begin, end) of one output row, one window at a time (the generated scalar loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxCells(ref float plane, ref float y, ref int indexes, in PoolGeometry g, int hBegin, int hEnd, int begin, int end)
    {
        int width = g.ImageWidth;
        for (int ow = begin; ow < end; ow++)
        {
            int left = (ow * g.StrideWidth) - g.PadWidth;
            int wBegin = Math.Max(left, 0), wEnd = Math.Min(left + g.KernelWidth, width);
            float best = float.NegativeInfinity;
            int bestIndex = (hBegin * width) + wBegin;
            for (int h = hBegin; h < hEnd; h++)
            {
                for (int x = wBegin; x < wEnd; x++)
                {
                    float value = Unsafe.Add(ref plane, (h * width) + x);
                    if (value > best || float.IsNaN(value))
                    {
                        best = value;
                        bestIndex = (h * width) + x;
                    }
                }
            }

            Unsafe.Add(ref y, ow) = best;
            Unsafe.Add(ref indexes, ow) = bestIndex;
        }
    }

    /// <summary>
    /// The vector columns of one output row (at least one vector), a vector of windows at a time, the last one
    /// overlapping its predecessor (recomputing identical values). With stride 2 the window column j of consecutive
    /// windows is every other image column, taken from two vectors' worth of the row. With stride 1 a vector whose
    /// windows reach into the padding loads the cells outside as −∞ (masked loads), which never replace the running
    /// maximum, and starts from each window's first cell inside, exactly as the scalar loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaxVectors<TLanes, TF, TI>(ref float plane, ref float y, ref int indexes, in PoolGeometry g, in Columns columns, int hBegin, int hEnd)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int width = g.ImageWidth, kernelWidth = g.KernelWidth, stride = g.StrideWidth, pad = g.PadWidth;
        int last = columns.VectorEnd - TLanes.Count;
        for (int ow = columns.VectorBegin; ; ow += TLanes.Count)
        {
            ow = Math.Min(ow, last);
            int pair = Math.Min(ow + TLanes.Count, last);
            if (pair > ow && ow >= columns.InsideBegin && pair + TLanes.Count <= columns.InsideEnd)
            {
                // Two vectors of windows at a time: two independent chains of compares and selects.
                MaxPair<TLanes, TF, TI>(ref plane, ref y, ref indexes, g, hBegin, hEnd, ow, pair);
                if (pair == last)
                {
                    break;
                }

                ow += TLanes.Count;
                continue;
            }

            int x0 = (ow * stride) - pad;
            TF best = TLanes.NegativeInfinity;
            TI bestIndex;
            if (ow >= columns.InsideBegin && ow + TLanes.Count <= columns.InsideEnd)
            {
                TI first = TLanes.Sequence((hBegin * width) + x0, stride);
                bestIndex = first;
                for (int h = hBegin; h < hEnd; h++)
                {
                    ref float row = ref Unsafe.Add(ref plane, (h * width) + x0);
                    TI rowIndex = TLanes.AddIndex(first, (h - hBegin) * width);
                    for (int j = 0; j < kernelWidth; j++)
                    {
                        TF candidate = stride == 1 ? TLanes.Load(ref Unsafe.Add(ref row, j))
                            : (j & 1) == 0 ? TLanes.LoadEvens(ref Unsafe.Add(ref row, j))
                            : TLanes.LoadOdds(ref Unsafe.Add(ref row, j - 1));
                        TF replaces = TLanes.Replaces(candidate, best);
                        best = TLanes.Select(replaces, candidate, best);
                        bestIndex = TLanes.SelectIndex(replaces, TLanes.AddIndex(rowIndex, j), bestIndex);
                    }
                }
            }
            else
            {
                // Stride 1 only (Columns): windows clipped by the padding.
                bestIndex = TLanes.AddIndex(TLanes.MaxIndex(TLanes.Sequence(x0, 1), 0), hBegin * width);
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref plane, h * width));
                    for (int j = 0; j < kernelWidth; j++)
                    {
                        TF candidate = TLanes.LoadClipped(row, x0 + j, width, float.NegativeInfinity);
                        TF replaces = TLanes.Replaces(candidate, best);
                        best = TLanes.Select(replaces, candidate, best);
                        bestIndex = TLanes.SelectIndex(replaces, TLanes.Sequence((h * width) + x0 + j, 1), bestIndex);
                    }
                }
            }

            TLanes.Store(best, ref Unsafe.Add(ref y, ow));
            TLanes.StoreIndex(bestIndex, ref Unsafe.Add(ref indexes, ow));
            if (ow == last)
            {
                break;
            }
        }
    }

    /// <summary>Two vectors of inside windows, output columns a and b, as the single-vector loop of <see cref="MaxVectors"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxPair<TLanes, TF, TI>(ref float plane, ref float y, ref int indexes, in PoolGeometry g, int hBegin, int hEnd, int a, int b)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int width = g.ImageWidth, kernelWidth = g.KernelWidth, stride = g.StrideWidth;
        int xa = (a * stride) - g.PadWidth, xb = (b * stride) - g.PadWidth;
        TI firstA = TLanes.Sequence((hBegin * width) + xa, stride), firstB = TLanes.Sequence((hBegin * width) + xb, stride);
        TF bestA = TLanes.NegativeInfinity, bestB = TLanes.NegativeInfinity;
        TI indexA = firstA, indexB = firstB;
        for (int h = hBegin; h < hEnd; h++)
        {
            ref float rowA = ref Unsafe.Add(ref plane, (h * width) + xa);
            ref float rowB = ref Unsafe.Add(ref plane, (h * width) + xb);
            int down = (h - hBegin) * width;
            for (int j = 0; j < kernelWidth; j++)
            {
                TF candidateA, candidateB;
                if (stride == 1)
                {
                    candidateA = TLanes.Load(ref Unsafe.Add(ref rowA, j));
                    candidateB = TLanes.Load(ref Unsafe.Add(ref rowB, j));
                }
                else if ((j & 1) == 0)
                {
                    candidateA = TLanes.LoadEvens(ref Unsafe.Add(ref rowA, j));
                    candidateB = TLanes.LoadEvens(ref Unsafe.Add(ref rowB, j));
                }
                else
                {
                    candidateA = TLanes.LoadOdds(ref Unsafe.Add(ref rowA, j - 1));
                    candidateB = TLanes.LoadOdds(ref Unsafe.Add(ref rowB, j - 1));
                }

                TF replacesA = TLanes.Replaces(candidateA, bestA), replacesB = TLanes.Replaces(candidateB, bestB);
                bestA = TLanes.Select(replacesA, candidateA, bestA);
                bestB = TLanes.Select(replacesB, candidateB, bestB);
                indexA = TLanes.SelectIndex(replacesA, TLanes.AddIndex(firstA, down + j), indexA);
                indexB = TLanes.SelectIndex(replacesB, TLanes.AddIndex(firstB, down + j), indexB);
            }
        }

        TLanes.Store(bestA, ref Unsafe.Add(ref y, a));
        TLanes.StoreIndex(indexA, ref Unsafe.Add(ref indexes, a));
        TLanes.Store(bestB, ref Unsafe.Add(ref y, b));
        TLanes.StoreIndex(indexB, ref Unsafe.Add(ref indexes, b));
    }

    // ------------------------------------------------------------------ average pooling forward

    /// <summary>
    /// Average pooling of <paramref name="planes"/> consecutive planes. Each window is summed from +0 in row-major
    /// order over its cells inside the image, then divided by KH·KW or by that cell count
    /// (<see cref="PoolGeometry.CountIncludePad"/>).
    /// </summary>
    public static void AvgPool(ref float image, ref float grid, int planes, in PoolGeometry g)
        => AvgPool(ref image, ref grid, planes, g, AllWidths);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void AvgPool(ref float image, ref float grid, int planes, in PoolGeometry g, int lanes)
    {
        Require(SupportsForward(g));
        if (g.StrideWidth == 1 && g.PadWidth > 0 && (long)g.ImageHeight * (g.ImageWidth + (2L * g.PadWidth)) <= PaddedPlaneFloats)
        {
            AvgPoolPadded(ref image, ref grid, planes, g, lanes);
            return;
        }

        Columns columns = Columns.For(g);

        // Pinned for the masked loads of windows that reach into the padding.
        fixed (float* pinned = &image)
        {
            for (int p = 0; p < planes; p++)
            {
                ref float plane = ref Unsafe.Add(ref image, p * g.ImagePlane);
                for (int oh = 0; oh < g.GridHeight; oh++)
                {
                    int top = (oh * g.StrideHeight) - g.PadHeight;
                    int hBegin = Math.Max(top, 0), hEnd = Math.Min(top + g.KernelHeight, g.ImageHeight);
                    ref float y = ref Unsafe.Add(ref grid, (p * g.GridPlane) + (oh * g.GridWidth));
                    int begin = columns.VectorBegin, end = columns.VectorEnd, count = end - begin;
                    if (lanes >= 16 && Lanes512.IsSupported && count >= 16)
                    {
                        AvgVectors<Lanes512, Vector512<float>, Vector512<int>>(ref plane, ref y, g, columns, hBegin, hEnd);
                    }
                    else if (lanes >= 8 && Lanes256.IsSupported && count >= 8)
                    {
                        AvgVectors<Lanes256, Vector256<float>, Vector256<int>>(ref plane, ref y, g, columns, hBegin, hEnd);
                    }
                    else if (lanes >= 4 && Lanes128.IsSupported && count >= 4)
                    {
                        AvgVectors<Lanes128, Vector128<float>, Vector128<int>>(ref plane, ref y, g, columns, hBegin, hEnd);
                    }
                    else
                    {
                        begin = end = 0;
                    }

                    AvgCells(ref plane, ref y, g, hBegin, hEnd, 0, begin);
                    AvgCells(ref plane, ref y, g, hBegin, hEnd, end, g.GridWidth);
                }
            }
        }
    }

    /// <summary>
    /// Stride 1 with padding across: each plane is copied into rows with PW zeros on both sides, so that every
    /// window of a row is a plain vector sum (two vectors at a time) — no clipped edges. The zeros are exact: a sum
    /// starts from +0, so it is never −0, and adding +0 changes no bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit] // the stack plane is cleared explicitly (its zero margins are part of the sum)
    private static void AvgPoolPadded(ref float image, ref float grid, int planes, in PoolGeometry g, int lanes)
    {
        int width = g.ImageWidth, stride = width + (2 * g.PadWidth), gridWidth = g.GridWidth;
        Span<float> copy = stackalloc float[g.ImageHeight * stride];
        copy.Clear();
        ref float padded = ref MemoryMarshal.GetReference(copy);
        Box box = new(g.KernelWidth, stride, g.CountIncludePad ? g.KernelHeight * g.KernelWidth : 0f, !g.CountIncludePad, -g.PadWidth, width);
        for (int p = 0; p < planes; p++)
        {
            ref float plane = ref Unsafe.Add(ref image, p * g.ImagePlane);
            int copied = 0;
            for (int oh = 0; oh < g.GridHeight; oh++)
            {
                int top = (oh * g.StrideHeight) - g.PadHeight;
                int hBegin = Math.Max(top, 0), hEnd = Math.Min(top + g.KernelHeight, g.ImageHeight);

                // Each row is copied right before its first use, while it is still in the L1 cache.
                for (; copied < hEnd; copied++)
                {
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref plane, copied * width), width).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref padded, (copied * stride) + g.PadWidth), width));
                }

                ref float y = ref Unsafe.Add(ref grid, (p * g.GridPlane) + (oh * gridWidth));
                ref float rows = ref Unsafe.Add(ref padded, hBegin * stride);
                if (lanes >= 16 && Lanes512.IsSupported && gridWidth >= 16)
                {
                    BoxVectors<Lanes512, Vector512<float>, Vector512<int>>(ref rows, hEnd - hBegin, ref y, gridWidth, box);
                }
                else if (lanes >= 8 && Lanes256.IsSupported && gridWidth >= 8)
                {
                    BoxVectors<Lanes256, Vector256<float>, Vector256<int>>(ref rows, hEnd - hBegin, ref y, gridWidth, box);
                }
                else if (lanes >= 4 && Lanes128.IsSupported && gridWidth >= 4)
                {
                    BoxVectors<Lanes128, Vector128<float>, Vector128<int>>(ref rows, hEnd - hBegin, ref y, gridWidth, box);
                }
                else
                {
                    AvgCells(ref plane, ref y, g, hBegin, hEnd, 0, gridWidth);
                }
            }
        }
    }

    /// <summary>
    /// A box sum over zero-padded rows: target[c] = Σ over k &lt; rows, then j &lt; KW, of source[k·stride + c + j],
    /// from +0 in that order, then divided by <see cref="Divisor"/> (0: not divided), or with
    /// <see cref="CountsColumns"/> by rows × how many of the image columns c + CountFrom … + KW − 1 lie in [0, Width).
    /// </summary>
    internal readonly record struct Box(int KernelWidth, int Stride, float Divisor, bool CountsColumns, int CountFrom, int Width);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BoxVectors<TLanes, TF, TI>(ref float source, int rows, ref float target, int count, in Box box)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int kernelWidth = box.KernelWidth, stride = box.Stride, last = count - TLanes.Count;
        for (int c = 0; ;)
        {
            // Two vectors at a time: two independent chains of additions.
            int a = Math.Min(c, last), b = Math.Min(c + TLanes.Count, last);
            TF sumA = TLanes.Zero, sumB = TLanes.Zero;
            ref float row = ref source;
            for (int k = 0; k < rows; k++)
            {
                sumA = SumRow<TLanes, TF, TI>(sumA, ref Unsafe.Add(ref row, a), kernelWidth, 1);
                sumB = SumRow<TLanes, TF, TI>(sumB, ref Unsafe.Add(ref row, b), kernelWidth, 1);
                row = ref Unsafe.Add(ref row, stride);
            }

            TLanes.Store(Finish<TLanes, TF, TI>(sumA, a, rows, box), ref Unsafe.Add(ref target, a));
            TLanes.Store(Finish<TLanes, TF, TI>(sumB, b, rows, box), ref Unsafe.Add(ref target, b));
            if (b == last)
            {
                break;
            }

            c += 2 * TLanes.Count;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Finish<TLanes, TF, TI>(TF sum, int c, int rows, in Box box)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
        => box.Divisor != 0f ? TLanes.Divide(sum, box.Divisor)
            : !box.CountsColumns ? sum
            : TLanes.Divide(sum, TLanes.Multiply(TLanes.ColumnCounts(c + box.CountFrom, box.KernelWidth, box.Width), rows));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AvgCells(ref float plane, ref float y, in PoolGeometry g, int hBegin, int hEnd, int begin, int end)
    {
        int width = g.ImageWidth;
        for (int ow = begin; ow < end; ow++)
        {
            int left = (ow * g.StrideWidth) - g.PadWidth;
            int wBegin = Math.Max(left, 0), wEnd = Math.Min(left + g.KernelWidth, width);
            float sum = 0f;
            for (int h = hBegin; h < hEnd; h++)
            {
                for (int x = wBegin; x < wEnd; x++)
                {
                    sum += Unsafe.Add(ref plane, (h * width) + x);
                }
            }

            Unsafe.Add(ref y, ow) = sum / (g.CountIncludePad ? g.KernelHeight * g.KernelWidth : (hEnd - hBegin) * (wEnd - wBegin));
        }
    }

    /// <summary>
    /// The vector columns of one output row, as <see cref="MaxVectors"/>. A window reaching into the padding (stride
    /// 1) loads the cells outside as +0: the sum starts from +0, so it is never −0 and adding +0 leaves it unchanged,
    /// bit for bit, as skipping the cell does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AvgVectors<TLanes, TF, TI>(ref float plane, ref float y, in PoolGeometry g, in Columns columns, int hBegin, int hEnd)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int width = g.ImageWidth, kernelWidth = g.KernelWidth, stride = g.StrideWidth, pad = g.PadWidth;
        int last = columns.VectorEnd - TLanes.Count;

        // Windows not clipped across divide by one number per row.
        float divisor = g.CountIncludePad ? g.KernelHeight * g.KernelWidth : (hEnd - hBegin) * kernelWidth;
        for (int ow = columns.VectorBegin; ;)
        {
            // Two vectors of windows at a time when both lie inside: two independent chains of additions.
            int a = Math.Min(ow, last), b = Math.Min(ow + TLanes.Count, last);
            if (b > a && a >= columns.InsideBegin && b + TLanes.Count <= columns.InsideEnd)
            {
                TF sumA = TLanes.Zero, sumB = TLanes.Zero;
                for (int h = hBegin; h < hEnd; h++)
                {
                    ref float row = ref Unsafe.Add(ref plane, h * width);
                    sumA = SumRow<TLanes, TF, TI>(sumA, ref Unsafe.Add(ref row, (a * stride) - pad), kernelWidth, stride);
                    sumB = SumRow<TLanes, TF, TI>(sumB, ref Unsafe.Add(ref row, (b * stride) - pad), kernelWidth, stride);
                }

                TLanes.Store(TLanes.Divide(sumA, divisor), ref Unsafe.Add(ref y, a));
                TLanes.Store(TLanes.Divide(sumB, divisor), ref Unsafe.Add(ref y, b));
                if (b == last)
                {
                    break;
                }

                ow += 2 * TLanes.Count;
                continue;
            }

            int x0 = (a * stride) - pad;
            TF sum = TLanes.Zero;
            if (a >= columns.InsideBegin && a + TLanes.Count <= columns.InsideEnd)
            {
                for (int h = hBegin; h < hEnd; h++)
                {
                    sum = SumRow<TLanes, TF, TI>(sum, ref Unsafe.Add(ref plane, (h * width) + x0), kernelWidth, stride);
                }

                TLanes.Store(TLanes.Divide(sum, divisor), ref Unsafe.Add(ref y, a));
            }
            else
            {
                // Stride 1 only (Columns): windows clipped by the padding.
                for (int h = hBegin; h < hEnd; h++)
                {
                    float* row = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref plane, h * width));
                    for (int j = 0; j < kernelWidth; j++)
                    {
                        sum = TLanes.Add(sum, TLanes.LoadClipped(row, x0 + j, width, 0f));
                    }
                }

                TLanes.Store(
                    g.CountIncludePad ? TLanes.Divide(sum, divisor) : TLanes.Divide(sum, TLanes.Multiply(TLanes.ColumnCounts(x0, kernelWidth, width), hEnd - hBegin)),
                    ref Unsafe.Add(ref y, a));
            }

            if (a == last)
            {
                break;
            }

            ow += TLanes.Count;
        }
    }

    /// <summary>sum + the KW cells of one window row for each lane, left to right (stride 1 or 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF SumRow<TLanes, TF, TI>(TF sum, ref float row, int kernelWidth, int stride)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        if (stride == 1)
        {
            switch (kernelWidth)
            {
                case 2:
                    return TLanes.Add(TLanes.Add(sum, TLanes.Load(ref row)), TLanes.Load(ref Unsafe.Add(ref row, 1)));
                case 3:
                    return TLanes.Add(TLanes.Add(TLanes.Add(sum, TLanes.Load(ref row)), TLanes.Load(ref Unsafe.Add(ref row, 1))), TLanes.Load(ref Unsafe.Add(ref row, 2)));
                default:
                    for (int j = 0; j < kernelWidth; j++)
                    {
                        sum = TLanes.Add(sum, TLanes.Load(ref Unsafe.Add(ref row, j)));
                    }

                    return sum;
            }
        }

        switch (kernelWidth)
        {
            case 2:
                return TLanes.Add(TLanes.Add(sum, TLanes.LoadEvens(ref row)), TLanes.LoadOdds(ref row));
            case 3:
                return TLanes.Add(TLanes.Add(TLanes.Add(sum, TLanes.LoadEvens(ref row)), TLanes.LoadOdds(ref row)), TLanes.LoadEvens(ref Unsafe.Add(ref row, 2)));
            default:
                for (int j = 0; j < kernelWidth; j++)
                {
                    sum = TLanes.Add(sum, (j & 1) == 0 ? TLanes.LoadEvens(ref Unsafe.Add(ref row, j)) : TLanes.LoadOdds(ref Unsafe.Add(ref row, j - 1)));
                }

                return sum;
        }
    }

    /// <summary>
    /// Which output columns of a row the forward kernels vectorize. Inside: windows that neither reach into the
    /// padding nor, with stride 2, read past the row's end through the two-vector loads. Vector: with stride 1 every
    /// column (clipped windows use masked loads, still faster than scalar cells), with stride 2 the inside ones (the
    /// rest are scalar).
    /// </summary>
    internal readonly record struct Columns(int InsideBegin, int InsideEnd, int VectorBegin, int VectorEnd)
    {
        public static Columns For(in PoolGeometry g)
        {
            int stride = g.StrideWidth;

            // A vector of windows starting at image column x reads up to x + reach (stride 2: up to the end of two vectors).
            int reach = stride == 1 ? g.KernelWidth - 1 : (g.KernelWidth - 1) | 1;
            int begin = Math.Min(WindowMath.FirstInside(0, g.PadWidth, stride), g.GridWidth);
            int end = Math.Max(begin, WindowMath.EndInside(reach, g.PadWidth, stride, g.ImageWidth, g.GridWidth));
            return stride == 1 ? new Columns(begin, end, 0, g.GridWidth) : new Columns(begin, end, begin, end);
        }
    }

    // ------------------------------------------------------------------ average pooling backward

    /// <summary>
    /// Average pooling's input gradient for <paramref name="planes"/> consecutive planes, column stride 1: each
    /// gradient cell's share gy / divisor (divided exactly as the forward) is summed into every input cell of its
    /// window. Each input cell is computed once, from +0, adding the shares of the windows that contain it in
    /// row-major window order — the order in which scattering the windows one by one would add them — so no
    /// clearing pass and no read-modify-write of the input gradient. The shares of a plane are laid out with
    /// KW − 1 zeros on both sides of each row, standing for the windows that do not exist (adding +0 to a sum that
    /// started from +0 changes no bit), so every input row is a plain vector box sum.
    /// </summary>
    public static void AvgPoolBackward(ref float grid, ref float image, int planes, in PoolGeometry g)
        => AvgPoolBackward(ref grid, ref image, planes, g, AllWidths);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit] // the stack plane is cleared explicitly (its zero margins are part of the sum)
    internal static void AvgPoolBackward(ref float grid, ref float image, int planes, in PoolGeometry g, int lanes)
    {
        Require(SupportsAvgBackward(g));
        int gridWidth = g.GridWidth, width = g.ImageWidth, margin = g.KernelWidth - 1, stride = gridWidth + (2 * margin);
        Span<float> plane = stackalloc float[g.GridHeight * stride];
        plane.Clear();
        ref float shares = ref MemoryMarshal.GetReference(plane);
        Box box = new(g.KernelWidth, stride, 0f, false, 0, width);
        for (int p = 0; p < planes; p++)
        {
            ref float gy = ref Unsafe.Add(ref grid, p * g.GridPlane);
            ref float gx = ref Unsafe.Add(ref image, p * g.ImagePlane);
            // Windows ohBegin … ohEnd − 1 hold input row h (both bounds only grow with h); their shares are computed
            // right before the first input row that needs them.
            int ohBegin = 0, ohEnd = 0;
            for (int h = 0; h < g.ImageHeight; h++)
            {
                while (ohBegin < g.GridHeight && (ohBegin * g.StrideHeight) - g.PadHeight + g.KernelHeight <= h)
                {
                    ohBegin++;
                }

                while (ohEnd < g.GridHeight && (ohEnd * g.StrideHeight) - g.PadHeight <= h)
                {
                    ShareRow(ref Unsafe.Add(ref gy, ohEnd * gridWidth), ref Unsafe.Add(ref shares, (ohEnd * stride) + margin), g, ohEnd, lanes);
                    ohEnd++;
                }

                ref float target = ref Unsafe.Add(ref gx, h * width);
                if (ohBegin >= ohEnd)
                {
                    MemoryMarshal.CreateSpan(ref target, width).Clear();
                    continue;
                }

                // Input column x reads windows ow = x + PW − KW + 1 … x + PW: padded columns x + PW … x + PW + KW − 1.
                ref float first = ref Unsafe.Add(ref shares, (ohBegin * stride) + g.PadWidth);
                int windows = ohEnd - ohBegin;
                if (lanes >= 16 && Lanes512.IsSupported && width >= 16)
                {
                    BoxVectors<Lanes512, Vector512<float>, Vector512<int>>(ref first, windows, ref target, width, box);
                }
                else if (lanes >= 8 && Lanes256.IsSupported && width >= 8)
                {
                    BoxVectors<Lanes256, Vector256<float>, Vector256<int>>(ref first, windows, ref target, width, box);
                }
                else if (lanes >= 4 && Lanes128.IsSupported && width >= 4)
                {
                    BoxVectors<Lanes128, Vector128<float>, Vector128<int>>(ref first, windows, ref target, width, box);
                }
                else
                {
                    for (int x = 0; x < width; x++)
                    {
                        float sum = 0f;
                        for (int k = 0; k < windows; k++)
                        {
                            for (int j = 0; j < g.KernelWidth; j++)
                            {
                                sum += Unsafe.Add(ref first, (k * stride) + x + j);
                            }
                        }

                        Unsafe.Add(ref target, x) = sum;
                    }
                }
            }
        }
    }

    /// <summary>shares[ow] = gy[ow] / the divisor of window (oh, ow), as the forward divides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShareRow(ref float gy, ref float shares, in PoolGeometry g, int oh, int lanes)
    {
        int top = (oh * g.StrideHeight) - g.PadHeight;
        int rows = Math.Min(top + g.KernelHeight, g.ImageHeight) - Math.Max(top, 0);
        int count = g.GridWidth;
        if (lanes >= 16 && Lanes512.IsSupported && count >= 16)
        {
            Divide<Lanes512, Vector512<float>, Vector512<int>>(ref gy, ref shares, g, rows);
        }
        else if (lanes >= 8 && Lanes256.IsSupported && count >= 8)
        {
            Divide<Lanes256, Vector256<float>, Vector256<int>>(ref gy, ref shares, g, rows);
        }
        else if (lanes >= 4 && Lanes128.IsSupported && count >= 4)
        {
            Divide<Lanes128, Vector128<float>, Vector128<int>>(ref gy, ref shares, g, rows);
        }
        else
        {
            for (int ow = 0; ow < count; ow++)
            {
                int left = ow - g.PadWidth;
                int columns = Math.Min(left + g.KernelWidth, g.ImageWidth) - Math.Max(left, 0);
                Unsafe.Add(ref shares, ow) = Unsafe.Add(ref gy, ow) / (g.CountIncludePad ? g.KernelHeight * g.KernelWidth : rows * columns);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Divide<TLanes, TF, TI>(ref float gy, ref float shares, in PoolGeometry g, int rows)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int last = g.GridWidth - TLanes.Count;
        float area = g.KernelHeight * g.KernelWidth;
        for (int ow = 0; ; ow += TLanes.Count)
        {
            ow = Math.Min(ow, last);
            TF value = TLanes.Load(ref Unsafe.Add(ref gy, ow));
            TLanes.Store(
                g.CountIncludePad ? TLanes.Divide(value, area) : TLanes.Divide(value, TLanes.Multiply(TLanes.ColumnCounts(ow - g.PadWidth, g.KernelWidth, g.ImageWidth), rows)),
                ref Unsafe.Add(ref shares, ow));
            if (ow == last)
            {
                break;
            }
        }
    }

    // ------------------------------------------------------------------ max pooling backward

    /// <summary>
    /// Max pooling's input gradient of one plane, for 2-wide windows 2 apart whose rows do not overlap and no
    /// padding (<see cref="SupportsMaxBackward"/>): every input cell lies in at most one window, so when each index
    /// points into its own window, gx = 0 + gy of the window whose index is the cell, else +0, written once with
    /// vector stores — what clearing gx and adding every gy at its index gives, bit for bit. Returns false, with
    /// the plane partly written, as soon as an index points outside its window; the caller then clears the plane
    /// and scatters (which also rejects indexes outside the plane).
    /// </summary>
    public static bool TryMaxPoolBackward(ref int indexes, ref float grid, ref float image, in PoolGeometry g)
        => TryMaxPoolBackward(ref indexes, ref grid, ref image, g, AllWidths);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryMaxPoolBackward(ref int indexes, ref float grid, ref float image, in PoolGeometry g, int lanes)
    {
        Require(SupportsMaxBackward(g));
        int width = g.ImageWidth, gridWidth = g.GridWidth, covered = 2 * gridWidth;
        // Row h is row i of window row oh; rows below every window, or between windows (stride above the kernel),
        // and the last column when no window reaches it get +0.
        for (int h = 0, oh = 0, i = 0; h < g.ImageHeight; h++)
        {
            if (oh >= g.GridHeight || i >= g.KernelHeight)
            {
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref image, h * width), width).Clear();
            }
            else if (covered < width)
            {
                Unsafe.Add(ref image, (h * width) + covered) = 0f;
            }

            if (++i == g.StrideHeight)
            {
                i = 0;
                oh++;
            }
        }

        for (int oh = 0; oh < g.GridHeight; oh++)
        {
            ref int index = ref Unsafe.Add(ref indexes, oh * gridWidth);
            ref float gy = ref Unsafe.Add(ref grid, oh * gridWidth);
            int top = oh * g.StrideHeight;
            bool ok;
            if (lanes >= 16 && Lanes512.IsSupported && gridWidth >= 16)
            {
                ok = UnpoolVectors<Lanes512, Vector512<float>, Vector512<int>>(ref index, ref gy, ref image, g, top);
            }
            else if (lanes >= 8 && Lanes256.IsSupported && gridWidth >= 8)
            {
                ok = UnpoolVectors<Lanes256, Vector256<float>, Vector256<int>>(ref index, ref gy, ref image, g, top);
            }
            else if (lanes >= 4 && Lanes128.IsSupported && gridWidth >= 4)
            {
                ok = UnpoolVectors<Lanes128, Vector128<float>, Vector128<int>>(ref index, ref gy, ref image, g, top);
            }
            else
            {
                ok = UnpoolCells(ref index, ref gy, ref image, g, top);
            }

            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool UnpoolCells(ref int indexes, ref float gy, ref float image, in PoolGeometry g, int top)
    {
        int width = g.ImageWidth;
        for (int ow = 0; ow < g.GridWidth; ow++)
        {
            int index = Unsafe.Add(ref indexes, ow);
            float value = Unsafe.Add(ref gy, ow) + 0f;
            bool found = false;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                for (int j = 0; j < 2; j++)
                {
                    int position = ((top + i) * width) + (2 * ow) + j;
                    bool hit = index == position;
                    Unsafe.Add(ref image, position) = hit ? value : 0f;
                    found |= hit;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool UnpoolVectors<TLanes, TF, TI>(ref int indexes, ref float gy, ref float image, in PoolGeometry g, int top)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int width = g.ImageWidth, kernelHeight = g.KernelHeight, last = g.GridWidth - TLanes.Count;
        for (int ow = 0; ; ow += TLanes.Count)
        {
            ow = Math.Min(ow, last);
            TI index = TLanes.LoadIndex(ref Unsafe.Add(ref indexes, ow));

            // + 0: the scatter adds gy to a cleared +0 cell, which turns −0 into +0.
            TF value = TLanes.Add(TLanes.Load(ref Unsafe.Add(ref gy, ow)), TLanes.Zero);
            TI found = default;
            for (int i = 0; i < kernelHeight; i++)
            {
                int position = ((top + i) * width) + (2 * ow);
                TI even = TLanes.EqualsIndex(index, TLanes.Sequence(position, 2));
                TI odd = TLanes.EqualsIndex(index, TLanes.Sequence(position + 1, 2));
                found = TLanes.Or(found, TLanes.Or(even, odd));
                TLanes.StoreInterleaved(TLanes.SelectByIndex(even, value, TLanes.Zero), TLanes.SelectByIndex(odd, value, TLanes.Zero), ref Unsafe.Add(ref image, position));
            }

            if (!TLanes.All(found))
            {
                return false;
            }

            if (ow == last)
            {
                return true;
            }
        }
    }

    private static void Require(bool supported)
    {
        if (!supported)
        {
            throw new ArgumentException("This pooling geometry has no vectorized kernel; the generated code loops over it itself.", "g");
        }
    }
}
