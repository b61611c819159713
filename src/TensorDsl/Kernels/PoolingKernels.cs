using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
/// Vector256 and Vector128 the processor accelerates (scalar otherwise, and for the columns whose windows are
/// clipped by the padding or the image edge). Every path computes exactly what the scalar loops of the generated
/// code compute, bit for bit: the windows are read in the same row-major order, sums start from +0 and add the
/// cells in that order, and max pooling keeps the first strict maximum, a NaN replacing anything (the last NaN
/// wins). So results do not depend on the vector width, the thread count or the column a window falls in.
/// </summary>
public static class PoolingKernels
{
    /// <summary>Floats of share rows <see cref="AvgPoolBackward(ref float, ref float, int, in PoolGeometry)"/> keeps on the stack.</summary>
    public const int ShareRowFloats = 8192;

    /// <summary>The widest lane count: the public entry points allow every width.</summary>
    internal const int AllWidths = 16;

    /// <summary>Whether <see cref="MaxPool(ref float, ref float, ref int, int, in PoolGeometry)"/> and <see cref="AvgPool(ref float, ref float, int, in PoolGeometry)"/> take this geometry (column stride 1 or 2).</summary>
    public static bool SupportsForward(in PoolGeometry g) => g.StrideWidth is 1 or 2;

    /// <summary>Whether <see cref="AvgPoolBackward(ref float, ref float, int, in PoolGeometry)"/> takes this geometry (column stride 1, share rows within <see cref="ShareRowFloats"/>).</summary>
    public static bool SupportsAvgBackward(in PoolGeometry g)
        => g.StrideWidth == 1 && (long)ShareRows(g) * g.GridWidth <= ShareRowFloats;

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
    internal static void MaxPool(ref float image, ref float grid, ref int indexes, int planes, in PoolGeometry g, int lanes)
    {
        Require(SupportsForward(g));
        (int begin, int end) = VectorColumns(g);
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
                MaxCells(ref plane, ref y, ref index, g, hBegin, hEnd, 0, begin);
                int count = end - begin;
                if (lanes >= 16 && Lanes512.IsSupported && count >= 16)
                {
                    MaxVectors<Lanes512, Vector512<float>, Vector512<int>>(ref plane, ref y, ref index, g, hBegin, hEnd, begin, end);
                }
                else if (lanes >= 8 && Lanes256.IsSupported && count >= 8)
                {
                    MaxVectors<Lanes256, Vector256<float>, Vector256<int>>(ref plane, ref y, ref index, g, hBegin, hEnd, begin, end);
                }
                else if (lanes >= 4 && Lanes128.IsSupported && count >= 4)
                {
                    MaxVectors<Lanes128, Vector128<float>, Vector128<int>>(ref plane, ref y, ref index, g, hBegin, hEnd, begin, end);
                }
                else
                {
                    MaxCells(ref plane, ref y, ref index, g, hBegin, hEnd, begin, end);
                }

                MaxCells(ref plane, ref y, ref index, g, hBegin, hEnd, end, g.GridWidth);
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
    /// Output columns [begin, end), at least one vector, whose windows lie inside the image: a vector of windows at
    /// a time, the last one overlapping its predecessor (recomputing identical values). With stride 2 the window
    /// column j of consecutive windows is every other image column, taken from two vectors' worth of the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxVectors<TLanes, TF, TI>(ref float plane, ref float y, ref int indexes, in PoolGeometry g, int hBegin, int hEnd, int begin, int end)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int width = g.ImageWidth, kernelWidth = g.KernelWidth, stride = g.StrideWidth, last = end - TLanes.Count;
        for (int ow = begin; ; ow += TLanes.Count)
        {
            ow = Math.Min(ow, last);
            int x0 = (ow * stride) - g.PadWidth;
            TI first = TLanes.Sequence((hBegin * width) + x0, stride);
            TF best = TLanes.NegativeInfinity;
            TI bestIndex = first;
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

            TLanes.Store(best, ref Unsafe.Add(ref y, ow));
            TLanes.StoreIndex(bestIndex, ref Unsafe.Add(ref indexes, ow));
            if (ow == last)
            {
                break;
            }
        }
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
    internal static void AvgPool(ref float image, ref float grid, int planes, in PoolGeometry g, int lanes)
    {
        Require(SupportsForward(g));
        (int begin, int end) = VectorColumns(g);
        for (int p = 0; p < planes; p++)
        {
            ref float plane = ref Unsafe.Add(ref image, p * g.ImagePlane);
            for (int oh = 0; oh < g.GridHeight; oh++)
            {
                int top = (oh * g.StrideHeight) - g.PadHeight;
                int hBegin = Math.Max(top, 0), hEnd = Math.Min(top + g.KernelHeight, g.ImageHeight);
                ref float y = ref Unsafe.Add(ref grid, (p * g.GridPlane) + (oh * g.GridWidth));
                AvgCells(ref plane, ref y, g, hBegin, hEnd, 0, begin);
                int count = end - begin;

                // Windows of the vector columns are never clipped across, so the divisor is one number per row.
                float divisor = g.CountIncludePad ? g.KernelHeight * g.KernelWidth : (hEnd - hBegin) * g.KernelWidth;
                if (lanes >= 16 && Lanes512.IsSupported && count >= 16)
                {
                    AvgVectors<Lanes512, Vector512<float>, Vector512<int>>(ref plane, ref y, g, hBegin, hEnd, begin, end, divisor);
                }
                else if (lanes >= 8 && Lanes256.IsSupported && count >= 8)
                {
                    AvgVectors<Lanes256, Vector256<float>, Vector256<int>>(ref plane, ref y, g, hBegin, hEnd, begin, end, divisor);
                }
                else if (lanes >= 4 && Lanes128.IsSupported && count >= 4)
                {
                    AvgVectors<Lanes128, Vector128<float>, Vector128<int>>(ref plane, ref y, g, hBegin, hEnd, begin, end, divisor);
                }
                else
                {
                    AvgCells(ref plane, ref y, g, hBegin, hEnd, begin, end);
                }

                AvgCells(ref plane, ref y, g, hBegin, hEnd, end, g.GridWidth);
            }
        }
    }

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AvgVectors<TLanes, TF, TI>(ref float plane, ref float y, in PoolGeometry g, int hBegin, int hEnd, int begin, int end, float divisor)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int width = g.ImageWidth, kernelWidth = g.KernelWidth, stride = g.StrideWidth, last = end - TLanes.Count;
        for (int ow = begin; ; ow += TLanes.Count)
        {
            ow = Math.Min(ow, last);
            int x0 = (ow * stride) - g.PadWidth;
            TF sum = TLanes.Zero;
            for (int h = hBegin; h < hEnd; h++)
            {
                ref float row = ref Unsafe.Add(ref plane, (h * width) + x0);
                for (int j = 0; j < kernelWidth; j++)
                {
                    sum = TLanes.Add(sum, stride == 1 ? TLanes.Load(ref Unsafe.Add(ref row, j))
                        : (j & 1) == 0 ? TLanes.LoadEvens(ref Unsafe.Add(ref row, j))
                        : TLanes.LoadOdds(ref Unsafe.Add(ref row, j - 1)));
                }
            }

            TLanes.Store(TLanes.Divide(sum, divisor), ref Unsafe.Add(ref y, ow));
            if (ow == last)
            {
                break;
            }
        }
    }

    /// <summary>
    /// The output columns whose windows a vector path may read without clipping or leaving the row: window column 0
    /// at or right of image column 0, and with stride 2 two vectors' worth of the row (every other column) readable.
    /// </summary>
    private static (int Begin, int End) VectorColumns(in PoolGeometry g)
    {
        int stride = g.StrideWidth;
        int reach = stride == 1 ? g.KernelWidth - 1 : (g.KernelWidth - 1) | 1;
        int begin = Math.Min((g.PadWidth + stride - 1) / stride, g.GridWidth);
        int last = g.ImageWidth - 1 + g.PadWidth - reach;
        int end = last < 0 ? 0 : Math.Min(g.GridWidth, (last / stride) + 1);
        return (begin, Math.Max(begin, end));
    }

    // ------------------------------------------------------------------ average pooling backward

    /// <summary>
    /// Average pooling's input gradient for <paramref name="planes"/> consecutive planes, column stride 1: each
    /// gradient cell's share gy / divisor (divided exactly as the forward) is summed into every input cell of its
    /// window. Each input cell is computed once, from +0, adding the shares of the windows that contain it in
    /// row-major window order — the order in which scattering the windows one by one would add them — so no
    /// clearing pass and no read-modify-write of the input gradient.
    /// </summary>
    public static void AvgPoolBackward(ref float grid, ref float image, int planes, in PoolGeometry g)
        => AvgPoolBackward(ref grid, ref image, planes, g, AllWidths);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AvgPoolBackward(ref float grid, ref float image, int planes, in PoolGeometry g, int lanes)
    {
        Require(SupportsAvgBackward(g));
        int rows = ShareRows(g), gridWidth = g.GridWidth, width = g.ImageWidth;

        // The last `rows` rows of shares, row oh in slot oh % rows: an input row reads at most that many grid rows.
        Span<float> ring = stackalloc float[rows * gridWidth];
        ref float shares = ref MemoryMarshal.GetReference(ring);

        // Input columns x whose windows ow = x + PW − KW + 1 … x + PW all exist.
        int begin = Math.Min(Math.Max(g.KernelWidth - 1 - g.PadWidth, 0), width);
        int end = Math.Max(begin, Math.Min(width, gridWidth - g.PadWidth));
        for (int p = 0; p < planes; p++)
        {
            ref float gy = ref Unsafe.Add(ref grid, p * g.GridPlane);
            ref float plane = ref Unsafe.Add(ref image, p * g.ImagePlane);
            int computed = -1;
            for (int h = 0; h < g.ImageHeight; h++)
            {
                ref float target = ref Unsafe.Add(ref plane, h * width);
                int low = h + g.PadHeight - g.KernelHeight + 1;
                int ohBegin = low <= 0 ? 0 : (low + g.StrideHeight - 1) / g.StrideHeight;
                int ohEnd = Math.Min(g.GridHeight, ((h + g.PadHeight) / g.StrideHeight) + 1);
                if (ohBegin >= ohEnd)
                {
                    MemoryMarshal.CreateSpan(ref target, width).Clear();
                    continue;
                }

                while (computed < ohEnd - 1)
                {
                    computed++;
                    ShareRow(ref Unsafe.Add(ref gy, computed * gridWidth), ref Unsafe.Add(ref shares, (computed % rows) * gridWidth), g, computed, lanes);
                }

                GatherCells(ref shares, ref target, g, rows, ohBegin, ohEnd, 0, begin);
                int count = end - begin;
                if (lanes >= 16 && Lanes512.IsSupported && count >= 16)
                {
                    GatherVectors<Lanes512, Vector512<float>, Vector512<int>>(ref shares, ref target, g, rows, ohBegin, ohEnd, begin, end);
                }
                else if (lanes >= 8 && Lanes256.IsSupported && count >= 8)
                {
                    GatherVectors<Lanes256, Vector256<float>, Vector256<int>>(ref shares, ref target, g, rows, ohBegin, ohEnd, begin, end);
                }
                else if (lanes >= 4 && Lanes128.IsSupported && count >= 4)
                {
                    GatherVectors<Lanes128, Vector128<float>, Vector128<int>>(ref shares, ref target, g, rows, ohBegin, ohEnd, begin, end);
                }
                else
                {
                    GatherCells(ref shares, ref target, g, rows, ohBegin, ohEnd, begin, end);
                }

                GatherCells(ref shares, ref target, g, rows, ohBegin, ohEnd, end, width);
            }
        }
    }

    /// <summary>Grid rows whose windows one input row can lie in: ⌈KH / SH⌉.</summary>
    private static int ShareRows(in PoolGeometry g) => (g.KernelHeight + g.StrideHeight - 1) / g.StrideHeight;

    /// <summary>shares[ow] = gy[ow] / the divisor of window (oh, ow), as the forward divides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShareRow(ref float gy, ref float shares, in PoolGeometry g, int oh, int lanes)
    {
        int top = (oh * g.StrideHeight) - g.PadHeight;
        int rows = Math.Min(top + g.KernelHeight, g.ImageHeight) - Math.Max(top, 0);

        // Windows ow in [begin, end) have all KW columns inside the image (stride 1).
        int begin = 0, end = g.GridWidth;
        if (!g.CountIncludePad)
        {
            begin = Math.Min(g.PadWidth, g.GridWidth);
            end = Math.Max(begin, Math.Min(g.GridWidth, g.ImageWidth - g.KernelWidth + g.PadWidth + 1));
        }

        ShareCells(ref gy, ref shares, g, rows, 0, begin);
        float divisor = g.CountIncludePad ? g.KernelHeight * g.KernelWidth : rows * g.KernelWidth;
        int count = end - begin;
        if (lanes >= 16 && Lanes512.IsSupported && count >= 16)
        {
            Divide<Lanes512, Vector512<float>, Vector512<int>>(ref gy, ref shares, begin, end, divisor);
        }
        else if (lanes >= 8 && Lanes256.IsSupported && count >= 8)
        {
            Divide<Lanes256, Vector256<float>, Vector256<int>>(ref gy, ref shares, begin, end, divisor);
        }
        else if (lanes >= 4 && Lanes128.IsSupported && count >= 4)
        {
            Divide<Lanes128, Vector128<float>, Vector128<int>>(ref gy, ref shares, begin, end, divisor);
        }
        else
        {
            ShareCells(ref gy, ref shares, g, rows, begin, end);
        }

        ShareCells(ref gy, ref shares, g, rows, end, g.GridWidth);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShareCells(ref float gy, ref float shares, in PoolGeometry g, int rows, int begin, int end)
    {
        for (int ow = begin; ow < end; ow++)
        {
            int left = ow - g.PadWidth;
            int columns = Math.Min(left + g.KernelWidth, g.ImageWidth) - Math.Max(left, 0);
            Unsafe.Add(ref shares, ow) = Unsafe.Add(ref gy, ow) / (g.CountIncludePad ? g.KernelHeight * g.KernelWidth : rows * columns);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Divide<TLanes, TF, TI>(ref float gy, ref float shares, int begin, int end, float divisor)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int last = end - TLanes.Count;
        for (int ow = begin; ; ow += TLanes.Count)
        {
            ow = Math.Min(ow, last);
            TLanes.Store(TLanes.Divide(TLanes.Load(ref Unsafe.Add(ref gy, ow)), divisor), ref Unsafe.Add(ref shares, ow));
            if (ow == last)
            {
                break;
            }
        }
    }

    /// <summary>Input columns [begin, end) of one row: the shares of windows (oh, ow) containing them, row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherCells(ref float shares, ref float target, in PoolGeometry g, int rows, int ohBegin, int ohEnd, int begin, int end)
    {
        int gridWidth = g.GridWidth;
        for (int x = begin; x < end; x++)
        {
            int owBegin = Math.Max(x + g.PadWidth - g.KernelWidth + 1, 0), owEnd = Math.Min(x + g.PadWidth + 1, gridWidth);
            float sum = 0f;
            for (int oh = ohBegin; oh < ohEnd; oh++)
            {
                ref float row = ref Unsafe.Add(ref shares, (oh % rows) * gridWidth);
                for (int ow = owBegin; ow < owEnd; ow++)
                {
                    sum += Unsafe.Add(ref row, ow);
                }
            }

            Unsafe.Add(ref target, x) = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherVectors<TLanes, TF, TI>(ref float shares, ref float target, in PoolGeometry g, int rows, int ohBegin, int ohEnd, int begin, int end)
        where TLanes : struct, ILanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int gridWidth = g.GridWidth, kernelWidth = g.KernelWidth, shift = g.PadWidth - kernelWidth + 1, last = end - TLanes.Count;
        int firstSlot = ohBegin % rows, windows = ohEnd - ohBegin;
        for (int x = begin; ; x += TLanes.Count)
        {
            x = Math.Min(x, last);
            TF sum = TLanes.Zero;
            for (int k = 0, slot = firstSlot; k < windows; k++, slot = slot + 1 == rows ? 0 : slot + 1)
            {
                ref float row = ref Unsafe.Add(ref shares, (slot * gridWidth) + x + shift);
                for (int j = 0; j < kernelWidth; j++)
                {
                    sum = TLanes.Add(sum, TLanes.Load(ref Unsafe.Add(ref row, j)));
                }
            }

            TLanes.Store(sum, ref Unsafe.Add(ref target, x));
            if (x == last)
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
        for (int h = 0; h < g.ImageHeight; h++)
        {
            int oh = h / g.StrideHeight;
            if (oh >= g.GridHeight || h - (oh * g.StrideHeight) >= g.KernelHeight)
            {
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref image, h * width), width).Clear();
            }
            else if (covered < width)
            {
                Unsafe.Add(ref image, (h * width) + covered) = 0f;
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
