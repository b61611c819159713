using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// A stride-1 transposed correlation into a few image channels (seed_mnist's input gradient: 30 grid channels into one)
/// as the textbook's GEMM then col2im, one task per image: the image's im2col columns
/// <c>col[(c, kh, kw), p] = Σ over gc of W[gc, c, kh, kw] · grid[n, gc, p]</c>, a GEMM whose B rows are the grid's planes
/// read in place (the weight-gradient tiles, <see cref="MicroKernels.RowsTile(int, ref float, ref int, ref float, int, int, ref float, int, bool)"/>
/// or <see cref="MicroKernels.RowsTile256"/>, the weights re-laid once per call so that a column's are consecutive),
/// kept in the thread's L2; then each image element the sum of the columns whose window covers it, in (kh, kw) order,
/// and the bias last. The per-phase GEMM has as many tile rows as image channels: one channel made each grid load feed
/// one FMA (seed_mnist's input gradient ran at about a tenth of peak). Each image is one task: the sums do not depend
/// on the threads.
/// </summary>
internal sealed class StrideOneCol2ImPlan
{
    /// <summary>
    /// Image channels the plan takes at most: with more, the per-phase GEMM's tiles have rows enough. lenet_c2's 6
    /// channels (16 grid channels, 5 × 5; the per-phase GEMM multiplies the grid's padding too, 2.5 × the sums' work) ran
    /// faster this way on a Zen 4 (two threads, medians in the backward's order, alternating builds: 0.42–0.45 → 0.33 ms
    /// on the 256-bit tiles, 0.43–0.44 → 0.32 ms on AVX-512, and 0.61 → 0.33–0.34 ms in the machine's slow spells, when
    /// the per-phase GEMM slowed and this did not) and on the 256-bit tiles of a Zen 5; on the Zen 5's AVX-512 tiles, whose
    /// FMAs are twice as wide, it was 7–15 % slower (0.27–0.30 → 0.32 ms).
    /// </summary>
    public const int MaximumImageChannels = 8;

    private readonly int _batch, _gridChannels, _gridWidth, _plane, _imageChannels, _imageHeight, _imageWidth;
    private readonly int _kernelHeight, _kernelWidth, _padHeight, _padWidth, _gridHeight;
    private readonly int _columnRows, _rows, _columns, _blocks;
    private readonly bool _wide;

    // Per (padded) column row, its first re-laid weight: rows past the last read the last row's, their sums unused.
    private readonly int[] _rowOffsets;

    private StrideOneCol2ImPlan(
        int batch, int gridChannels, int gridHeight, int gridWidth, int imageChannels, int imageHeight, int imageWidth,
        int kernelHeight, int kernelWidth, int padHeight, int padWidth, int rows, bool wide)
    {
        _batch = batch;
        _gridChannels = gridChannels;
        _gridHeight = gridHeight;
        _gridWidth = gridWidth;
        _plane = gridHeight * gridWidth;
        _imageChannels = imageChannels;
        _imageHeight = imageHeight;
        _imageWidth = imageWidth;
        _kernelHeight = kernelHeight;
        _kernelWidth = kernelWidth;
        _padHeight = padHeight;
        _padWidth = padWidth;
        _wide = wide;
        _rows = rows;
        _columns = wide ? MicroKernels.WideColumnsFor(rows) : MicroKernels.ColumnsFor(rows);
        _columnRows = imageChannels * kernelHeight * kernelWidth;
        _blocks = (_columnRows + rows - 1) / rows;
        _rowOffsets = new int[_blocks * rows];
        for (int r = 0; r < _rowOffsets.Length; r++)
        {
            _rowOffsets[r] = Math.Min(r, _columnRows - 1) * gridChannels;
        }
    }

    /// <summary>
    /// Plans the stride-1 transposed correlation of an N×GC×GH×GW grid into an N×IC×IH×IW image (weights GC×IC×KH×KW,
    /// padding (PH, PW)) on the AVX-512 tiles where <paramref name="wide"/>, else on the 256-bit ones; null where it does
    /// not apply: AVX-512 (or FMA), at most <see cref="MaximumImageChannels"/> image channels, a window of more than one
    /// tap, a grid plane at least one tile wide, and an image's columns within <see cref="MaximumColumnFloats"/>.
    /// </summary>
    public static StrideOneCol2ImPlan? TryCreate(
        int batch, int gridChannels, int gridHeight, int gridWidth, int imageChannels, int imageHeight, int imageWidth,
        int kernelHeight, int kernelWidth, int padHeight, int padWidth, bool wide)
    {
        int columnRows = imageChannels * kernelHeight * kernelWidth, plane = gridHeight * gridWidth;
        if (!(wide ? MicroKernels.Avx512 : Fma.IsSupported) || imageChannels > MaximumImageChannels || kernelHeight * kernelWidth < 2)
        {
            return null;
        }

        int rows = wide ? MicroKernels.RowsTileRowsFor(columnRows, plane) : Rows256(columnRows, plane);
        if (plane < (wide ? MicroKernels.WideColumnsFor(rows) : MicroKernels.ColumnsFor(rows))
            || (long)MicroKernels.RoundUp(columnRows, rows) * plane > MaximumColumnFloats)
        {
            return null;
        }

        return new StrideOneCol2ImPlan(batch, gridChannels, gridHeight, gridWidth, imageChannels, imageHeight, imageWidth, kernelHeight, kernelWidth, padHeight, padWidth, rows, wide);
    }

    /// <summary>Floats of one image's columns at most, so that they stay in the thread's L2 (1 MiB).</summary>
    private const long MaximumColumnFloats = 256 * 1024;

    /// <summary>
    /// The 256-bit tile rows: the least padded of 6, 4 and 3. The least padded of all was one row for seed_mnist's 25
    /// column rows, each grid load feeding one FMA again (two threads, AVX-512 off: 0.94–0.98 against 0.72 ms with 3).
    /// </summary>
    private static int Rows256(int columnRows, int plane) => MicroKernels.RowsFor(columnRows, plane, [6, 4, 3]);

    public void Run(ReadOnlySpan<float> grid, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> image)
    {
        int m = _columnRows, k = _gridChannels;
        if (weight.Length < m * k || (!bias.IsEmpty && bias.Length < _imageChannels)
            || grid.Length < _batch * k * _plane || image.Length < _batch * _imageChannels * _imageHeight * _imageWidth)
        {
            throw new ArgumentException(
                $"Transposed correlation of {_batch}×{k}×{_plane} into {_batch}×{_imageChannels}×{_imageHeight}×{_imageWidth}: got grid {grid.Length}, weights {weight.Length} (need {m * k}), bias {bias.Length}, image {image.Length}.");
        }

        // The tiles broadcast consecutive weights of one column row: W[gc·M + m] re-laid as [m·GC + gc], on the caller's
        // workspace (seed_mnist: 750 floats).
        float[] laid = Workspace.Packed(m * k);
        Transpose.Matrix(weight, k, m, laid);

        var job = new ComputeJob { Plan = this, Grid = grid, Weight = laid, Bias = bias, Image = image };
        TensorThreads.Run(_batch, ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(int begin, int end, ReadOnlySpan<float> grid, float[] weight, ReadOnlySpan<float> bias, Span<float> image)
    {
        int plane = _plane, rows = _rows, columns = _columns;
        float[] columnArray = Workspace.Tile(_blocks * rows * plane);
        ref float col = ref MemoryMarshal.GetArrayDataReference(columnArray);
        ref float weights = ref MemoryMarshal.GetArrayDataReference(weight);
        ref int rowOffsets = ref MemoryMarshal.GetArrayDataReference(_rowOffsets);
        int imagePlane = _imageHeight * _imageWidth;
        for (int n = begin; n < end; n++)
        {
            // The columns, strip by strip over the plane (the last strip ends at its end, overlapping its neighbour: the
            // same sums again).
            ref float planes = ref Unsafe.Add(ref MemoryMarshal.GetReference(grid), (nint)n * _gridChannels * plane);
            for (int p = 0; p < plane; p += columns)
            {
                int p0 = Math.Min(p, plane - columns);
                for (int block = 0; block < _blocks; block++)
                {
                    ref float c = ref Unsafe.Add(ref col, (block * rows * plane) + p0);
                    if (_wide)
                    {
                        MicroKernels.RowsTile(rows, ref weights, ref Unsafe.Add(ref rowOffsets, block * rows), ref Unsafe.Add(ref planes, p0), plane, _gridChannels, ref c, plane, false);
                    }
                    else
                    {
                        MicroKernels.RowsTile256(rows, ref weights, ref Unsafe.Add(ref rowOffsets, block * rows), ref Unsafe.Add(ref planes, p0), plane, _gridChannels, ref c, plane, false);
                    }
                }
            }

            for (int channel = 0; channel < _imageChannels; channel++)
            {
                Span<float> target = image.Slice(((n * _imageChannels) + channel) * imagePlane, imagePlane);
                Gather(ref Unsafe.Add(ref col, channel * _kernelHeight * _kernelWidth * plane), target, bias.IsEmpty ? 0f : bias[channel], !bias.IsEmpty);
            }
        }
    }

    /// <summary>
    /// col2im of one image channel: each element the sum of its window's columns (rows of <paramref name="col"/>, in
    /// (kh, kw) order), then the bias.
    /// </summary>
    private void Gather(ref float col, Span<float> target, float bias, bool biased)
    {
        target.Clear();
        ref float image = ref MemoryMarshal.GetReference(target);
        for (int kh = 0; kh < _kernelHeight; kh++)
        {
            // Grid rows oh whose image row ih = oh + kh − PH lies inside; likewise the columns.
            int oh0 = Math.Max(0, _padHeight - kh), oh1 = Math.Min(_gridHeight, _imageHeight + _padHeight - kh);
            for (int kw = 0; kw < _kernelWidth; kw++)
            {
                int ow0 = Math.Max(0, _padWidth - kw), ow1 = Math.Min(_gridWidth, _imageWidth + _padWidth - kw);
                ref float row = ref Unsafe.Add(ref col, ((kh * _kernelWidth) + kw) * _plane);
                for (int oh = oh0; oh < oh1; oh++)
                {
                    ref float from = ref Unsafe.Add(ref row, (oh * _gridWidth) + ow0);
                    ref float to = ref Unsafe.Add(ref image, ((oh + kh - _padHeight) * _imageWidth) + ow0 + kw - _padWidth);
                    AddRow(ref from, ref to, ow1 - ow0);
                }
            }
        }

        if (biased)
        {
            for (int i = 0; i < target.Length; i++)
            {
                target[i] += bias;
            }
        }
    }

    /// <summary><c>to[i] += from[i]</c> for i &lt; <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(ref float from, ref float to, int count)
    {
        int i = 0;
        for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            (Vector256.LoadUnsafe(ref to, (nuint)i) + Vector256.LoadUnsafe(ref from, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
        }

        for (; i < count; i++)
        {
            Unsafe.Add(ref to, i) += Unsafe.Add(ref from, i);
        }
    }

    private ref struct ComputeJob : IParallelJob
    {
        public StrideOneCol2ImPlan Plan;
        public ReadOnlySpan<float> Grid;
        public float[] Weight;
        public ReadOnlySpan<float> Bias;
        public Span<float> Image;

        public void Execute(int begin, int end) => Plan.Compute(begin, end, Grid, Weight, Bias, Image);
    }
}
