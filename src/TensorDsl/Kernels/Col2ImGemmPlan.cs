using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// A transposed correlation with stride 2 along the rows (conv2d's input gradient, deconv2d's forward) on the AVX-512
/// tiles, as the textbook's GEMM then col2im, one task per image and block of image channels: the block's im2col columns
/// <c>col[(c, kh, kw), p] = Σ over gc of W[gc, c, kh, kw] · grid[n, gc, p]</c>, then each image element the sum of the
/// columns whose window covers it. The GEMM reads the grid's planes in place as its B rows and keeps the columns in L2,
/// so nothing is packed but the weights, and no multiply is spent on dropped columns or padding taps (the per-phase GEMM
/// computes a junk column per row and pads each phase's tiles: strided_3x3's input gradient spent about a quarter of its
/// time so). Each image element is written once, by one task, in a fixed order: the sums do not depend on the threads.
/// </summary>
internal sealed class Col2ImGemmPlan : IWeightPanels
{
    /// <summary>Columns of one task wanted at most: its block's rows × the grid plane, about a quarter of a 1 MiB L2.</summary>
    private const int TaskFloats = 64 * 1024;

    /// <summary>Rows of one task wanted at most (more do not share more: each tile reads the grid strip anew).</summary>
    private const int TaskRows = 192;

    /// <summary>At least this many tasks per call where the batch allows, so that 2–8 threads get even shares.</summary>
    private const int MinimumTasks = 32;

    private readonly int _batch, _gridChannels, _gridHeight, _gridWidth, _plane;
    private readonly int _imageChannels, _imageHeight, _imageWidth;
    private readonly int _kernelHeight, _kernelWidth, _kernelArea, _strideHeight, _padHeight, _padWidth;
    private readonly int _rows, _columns, _strips, _margin;
    private readonly bool _narrowTail, _rowTail, _streamed;

    /// <summary>Whether the plane's last positions are computed as vectors of rows (for tests).</summary>
    internal bool TailAsRows => _rowTail;

    /// <summary>Whether the image is written by streamed stores (see <see cref="TryCreate"/>).</summary>
    internal bool Streamed => _streamed;

    /// <summary>Positions the row-vector tail computes (<see cref="TailColumns"/>).</summary>
    private const int TailPositions = 4;
    private readonly int _blockChannels, _blocks, _blockTiles, _tasks;
    private readonly int[] _gridOffsets, _weightIndex;

    // The col2im's lane masks, per 16 image columns of one parity (chunk) and kernel column: grid column inside the grid.
    private readonly float[] _laneMasks;

    private Col2ImGemmPlan(
        int batch, int gridChannels, int gridHeight, int gridWidth, int imageChannels, int imageHeight, int imageWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int padHeight, int padWidth, int rows, bool rowTail, bool streamed)
    {
        _batch = batch;
        _streamed = streamed;
        _gridChannels = gridChannels;
        _gridHeight = gridHeight;
        _gridWidth = gridWidth;
        _plane = gridHeight * gridWidth;
        _imageChannels = imageChannels;
        _imageHeight = imageHeight;
        _imageWidth = imageWidth;
        _kernelHeight = kernelHeight;
        _kernelWidth = kernelWidth;
        _kernelArea = kernelHeight * kernelWidth;
        _strideHeight = strideHeight;
        _padHeight = padHeight;
        _padWidth = padWidth;
        _rows = rows;
        _columns = MicroKernels.WideColumnsFor(rows);
        _strips = (_plane + _columns - 1) / _columns;

        // 12 × 32 tiles whose last strip would have at most 16 new positions: that strip as a 12 × 16 tile instead, or with
        // at most 4, the plane's last 4 positions as vectors of rows (TailColumns: the 12 × 16 tile spent 12 of its 16
        // columns on positions the strip before had computed, about 7 % of strided_3x3's input gradient).
        _narrowTail = rows == 12 && _plane % _columns is > 0 and <= 16;
        _rowTail = rowTail && _narrowTail && _plane % _columns <= TailPositions;

        // Floats kept before and after the columns, which the col2im's whole-vector reads may touch (masked off): a
        // row's last vector starts at most about KW + PW past the grid row's end.
        _margin = 32 + kernelWidth + padWidth;

        // Blocks of whole channels whose rows fill whole tiles (a multiple of `unit` channels), as many rows as L2 keeps
        // columns of, fewer where the batch has too few images for the threads.
        int unit = rows / MicroKernels.Gcd(rows, _kernelArea);
        int unitRows = unit * _kernelArea;
        int units = Math.Max(1, Math.Min(TaskRows, TaskFloats / _plane) / unitRows);
        units = Math.Min(units, (imageChannels + unit - 1) / unit);
        while (units > 1 && batch * ((imageChannels + (units * unit) - 1) / (units * unit)) < MinimumTasks)
        {
            units--;
        }

        _blockChannels = Math.Min(units * unit, imageChannels);
        _blocks = (imageChannels + _blockChannels - 1) / _blockChannels;
        _blockTiles = ((_blockChannels * _kernelArea) + rows - 1) / rows;
        _tasks = batch * _blocks;
        int chunks = ((imageWidth + 1) / 2 + 15) / 16;
        _laneMasks = new float[chunks * kernelWidth * 16];
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            for (int kw = 0; kw < kernelWidth; kw++)
            {
                int shift = Shift(kw);
                for (int l = 0; l < 16; l++)
                {
                    int ow = (16 * chunk) + l - shift;
                    _laneMasks[(((chunk * kernelWidth) + kw) * 16) + l] = (uint)ow < (uint)gridWidth ? BitConverter.Int32BitsToSingle(-1) : 0f;
                }
            }
        }

        _gridOffsets = new int[gridChannels];
        _weightIndex = new int[gridChannels];
        for (int gc = 0; gc < gridChannels; gc++)
        {
            _gridOffsets[gc] = gc * _plane;
            _weightIndex[gc] = gc * imageChannels * _kernelArea;
        }
    }

    /// <summary>
    /// Plans the transposed correlation of an N×GC×GH×GW grid into an N×IC×IH×IW image (weights GC×IC×KH×KW, stride
    /// (SH, 2), padding (PH, PW)) as GEMM and col2im; null where it does not apply: it needs the AVX-512 tiles, stride 2
    /// along the rows, a grid plane of at least one tile of positions, at least <see cref="MinimumGridChannels"/> grid
    /// channels to reduce over (with fewer, the tiles' loads and stores outweigh their FMAs), and the columns of the
    /// smallest block within about L2 (resnet_stem's input gradient needs 7 MiB for its 3 channels: faster than the
    /// per-phase GEMM on one thread, 16.5 against 21.2 ms, but slower on two, 40–60 against 64–74 GFLOP per CPU-second,
    /// the threads' columns then sharing the memory bus). <paramref name="rowTail"/>: whether a plane's last 1–4 positions
    /// may be computed as vectors of rows (<see cref="TailColumns"/>) rather than by a 12 × 16 tile (false for tests).
    /// An image of at least <paramref name="streamedBytes"/> is written by streamed stores (<see cref="StreamedStores"/>):
    /// each plane is summed into a per-thread buffer, then streamed.
    /// </summary>
    public static Col2ImGemmPlan? TryCreate(
        int batch, int gridChannels, int gridHeight, int gridWidth, int imageChannels, int imageHeight, int imageWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth, bool rowTail = true,
        long streamedBytes = StreamedStores.MinimumBytes)
    {
        int plane = gridHeight * gridWidth;
        // Tiles no wider than the plane: each image's strips are its own (the last one overlapping its neighbour).
        int rows = MicroKernels.WideRowsFor(imageChannels * kernelHeight * kernelWidth, plane, maxColumns: plane);
        int kernelArea = kernelHeight * kernelWidth;
        long smallestBlock = (long)Math.Min(rows / MicroKernels.Gcd(rows, kernelArea), imageChannels) * kernelArea * plane;
        if (!MicroKernels.Avx512 || strideWidth != 2 || gridChannels < MinimumGridChannels || plane < MicroKernels.WideColumnsFor(rows)
            || smallestBlock > MaximumBlockFloats)
        {
            return null;
        }

        bool streamed = (long)batch * imageChannels * imageHeight * imageWidth * sizeof(float) >= streamedBytes;
        return new Col2ImGemmPlan(batch, gridChannels, gridHeight, gridWidth, imageChannels, imageHeight, imageWidth, kernelHeight, kernelWidth, strideHeight, padHeight, padWidth, rows, rowTail, streamed);
    }

    /// <summary>Floats of columns the smallest block of channels may take (see <see cref="TryCreate"/>): 1 MiB.</summary>
    private const long MaximumBlockFloats = 256 * 1024;

    /// <summary>Grid channels the plan needs at least (see <see cref="TryCreate"/>).</summary>
    public const int MinimumGridChannels = 32;

    private int TileLength => _gridChannels * _rows;

    public void Run(ReadOnlySpan<float> grid, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> image)
    {
        Span<float> packed = Workspace.AlignedPacked(_blocks * _blockTiles * TileLength);
        var prepare = new WeightPanelJob<Col2ImGemmPlan> { Plan = this, Weight = weight, Packed = packed };
        TensorThreads.Run(_blocks * _blockTiles, ref prepare);
        var job = new ComputeJob { Plan = this, Grid = grid, Weight = weight, Packed = packed, Bias = bias, Image = image };
        TensorThreads.Run(_tasks, ref job);
    }

    /// <summary>Tile <paramref name="tile"/> of every block's weights, R-interleaved: rows (c, kh, kw) past the block's last channel are zero.</summary>
    public void PackPanel(int tile, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> packed)
    {
        int block = tile / _blockTiles, first = (block * _blockChannels * _kernelArea) + (tile % _blockTiles * _rows);
        int end = Math.Min(_imageChannels, (block + 1) * _blockChannels) * _kernelArea;
        if (first < end)
        {
            GemmPlan.PackWeights(packed.Slice(tile * TileLength, TileLength), weight, first, _rows, end, 1, _weightIndex);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Compute(int begin, int end, ReadOnlySpan<float> gridSpan, ReadOnlySpan<float> weight, ReadOnlySpan<float> packedSpan, ReadOnlySpan<float> bias, Span<float> imageSpan)
    {
        int rows = _rows, columns = _columns, plane = _plane, k = _gridChannels;
        float[] scratch = Workspace.Tile((2 * _margin) + (_blockTiles * rows * plane));
        ref float columnsStart = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch), _margin);
        ref float packed = ref MemoryMarshal.GetReference(packedSpan);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_gridOffsets);
        fixed (float* image = imageSpan)
        {
            for (int task = begin; task < end; task++)
            {
                int n = task / _blocks, block = task % _blocks;
                int c0 = block * _blockChannels, c1 = Math.Min(_imageChannels, c0 + _blockChannels);
                int tiles = (((c1 - c0) * _kernelArea) + rows - 1) / rows;
                ref float g = ref Unsafe.AsRef(in gridSpan[n * k * plane]);

                // Each tile of weights stays in L1 while it runs along the image's strips; the last strip ends at the
                // plane's end, overlapping its neighbour (the same sums again, so the same values), one vector wide
                // where that covers the rest with 12-row tiles.
                for (int t = 0; t < tiles; t++)
                {
                    ref float a = ref Unsafe.Add(ref packed, ((block * _blockTiles) + t) * TileLength);
                    ref float tileColumns = ref Unsafe.Add(ref columnsStart, t * rows * plane);
                    for (int s = 0; s < _strips; s++)
                    {
                        int p0 = Math.Min(s * columns, plane - columns);
                        if (s == _strips - 1 && _rowTail)
                        {
                            continue;
                        }

                        if (s == _strips - 1 && _narrowTail)
                        {
                            MicroKernels.GemmTile12x16(ref a, ref Unsafe.Add(ref g, plane - 16), ref offsets, k, ref Unsafe.Add(ref tileColumns, plane - 16), plane, false);
                            continue;
                        }

                        MicroKernels.GemmTiles(rows, true, ref a, ref Unsafe.Add(ref g, p0), ref offsets, k, ref Unsafe.Add(ref tileColumns, p0), plane, false, 1);
                    }
                }

                if (_rowTail)
                {
                    TailColumns(weight, c0 * _kernelArea, (c1 - c0) * _kernelArea, ref Unsafe.Add(ref g, plane - TailPositions), ref Unsafe.Add(ref columnsStart, plane - TailPositions));
                }

                for (int c = c0; c < c1; c++)
                {
                    float* target = image + ((((long)n * _imageChannels) + c) * _imageHeight * _imageWidth);
                    if (_streamed)
                    {
                        fixed (float* buffer = Workspace.Rows(_imageHeight * _imageWidth))
                        {
                            Col2Im(ref Unsafe.Add(ref columnsStart, (c - c0) * _kernelArea * plane), bias.IsEmpty ? 0f : bias[c], buffer);
                            StreamedStores.Row(ref *buffer, target, _imageHeight * _imageWidth, Vector512<float>.Zero);
                        }
                    }
                    else
                    {
                        Col2Im(ref Unsafe.Add(ref columnsStart, (c - c0) * _kernelArea * plane), bias.IsEmpty ? 0f : bias[c], target);
                    }
                }
            }
        }

        if (_streamed)
        {
            Sse.StoreFence();
        }
    }

    /// <summary>
    /// The columns of the plane's last <see cref="TailPositions"/> positions for the block's <paramref name="rows"/> rows
    /// (from row <paramref name="row0"/> of every filter): 64 rows at a time as 4 vectors per position, the weights read
    /// in their own layout (a grid channel's rows are contiguous) and the positions broadcast, so that every lane is a
    /// wanted sum. Each sum is the tiles' FMA chain over the grid channels in order: the same values bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TailColumns(ReadOnlySpan<float> weight, int row0, int rows, ref float grid, ref float columns)
    {
        int k = _gridChannels, filter = _imageChannels * _kernelArea, plane = _plane;
        ref float w0 = ref MemoryMarshal.GetReference(weight);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_gridOffsets);
        Span<float> sums = stackalloc float[TailPositions * 64];
        ref float sum = ref MemoryMarshal.GetReference(sums);
        Vector512<int> lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int r0 = 0; r0 < rows; r0 += 64)
        {
            // Lanes past the weights' end (the last filter's last rows) are loaded as zero; lanes past the block's rows are
            // summed but not stored.
            int room = weight.Length - (((k - 1) * filter) + row0 + r0);
            Vector512<float> m0 = Vector512.LessThan(lane, Vector512.Create(room)).AsSingle();
            Vector512<float> m1 = Vector512.LessThan(lane, Vector512.Create(room - 16)).AsSingle();
            Vector512<float> m2 = Vector512.LessThan(lane, Vector512.Create(room - 32)).AsSingle();
            Vector512<float> m3 = Vector512.LessThan(lane, Vector512.Create(room - 48)).AsSingle();
            Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
            Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
            Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
            Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
            ref float w = ref Unsafe.Add(ref w0, row0 + r0);
            bool whole = room >= 64;
            for (int gc = 0; gc < k; gc++)
            {
                Vector512<float> v0, v1, v2, v3;
                if (whole)
                {
                    v0 = Vector512.LoadUnsafe(ref w, 0);
                    v1 = Vector512.LoadUnsafe(ref w, 16);
                    v2 = Vector512.LoadUnsafe(ref w, 32);
                    v3 = Vector512.LoadUnsafe(ref w, 48);
                }
                else
                {
                    v0 = MaskedLoad(ref w, 0, m0);
                    v1 = MaskedLoad(ref w, 16, m1);
                    v2 = MaskedLoad(ref w, 32, m2);
                    v3 = MaskedLoad(ref w, 48, m3);
                }

                ref float x = ref Unsafe.Add(ref grid, Unsafe.Add(ref offsets, gc));
                Vector512<float> p = Vector512.Create(x);
                c00 = Avx512F.FusedMultiplyAdd(p, v0, c00);
                c01 = Avx512F.FusedMultiplyAdd(p, v1, c01);
                c02 = Avx512F.FusedMultiplyAdd(p, v2, c02);
                c03 = Avx512F.FusedMultiplyAdd(p, v3, c03);
                p = Vector512.Create(Unsafe.Add(ref x, 1));
                c10 = Avx512F.FusedMultiplyAdd(p, v0, c10);
                c11 = Avx512F.FusedMultiplyAdd(p, v1, c11);
                c12 = Avx512F.FusedMultiplyAdd(p, v2, c12);
                c13 = Avx512F.FusedMultiplyAdd(p, v3, c13);
                p = Vector512.Create(Unsafe.Add(ref x, 2));
                c20 = Avx512F.FusedMultiplyAdd(p, v0, c20);
                c21 = Avx512F.FusedMultiplyAdd(p, v1, c21);
                c22 = Avx512F.FusedMultiplyAdd(p, v2, c22);
                c23 = Avx512F.FusedMultiplyAdd(p, v3, c23);
                p = Vector512.Create(Unsafe.Add(ref x, 3));
                c30 = Avx512F.FusedMultiplyAdd(p, v0, c30);
                c31 = Avx512F.FusedMultiplyAdd(p, v1, c31);
                c32 = Avx512F.FusedMultiplyAdd(p, v2, c32);
                c33 = Avx512F.FusedMultiplyAdd(p, v3, c33);
                w = ref Unsafe.Add(ref w, filter);
            }

            c00.StoreUnsafe(ref sum, 0); c01.StoreUnsafe(ref sum, 16); c02.StoreUnsafe(ref sum, 32); c03.StoreUnsafe(ref sum, 48);
            c10.StoreUnsafe(ref sum, 64); c11.StoreUnsafe(ref sum, 80); c12.StoreUnsafe(ref sum, 96); c13.StoreUnsafe(ref sum, 112);
            c20.StoreUnsafe(ref sum, 128); c21.StoreUnsafe(ref sum, 144); c22.StoreUnsafe(ref sum, 160); c23.StoreUnsafe(ref sum, 176);
            c30.StoreUnsafe(ref sum, 192); c31.StoreUnsafe(ref sum, 208); c32.StoreUnsafe(ref sum, 224); c33.StoreUnsafe(ref sum, 240);
            for (int r = 0, count = Math.Min(64, rows - r0); r < count; r++)
            {
                ref float target = ref Unsafe.Add(ref columns, (r0 + r) * plane);
                target = Unsafe.Add(ref sum, r);
                Unsafe.Add(ref target, 1) = Unsafe.Add(ref sum, 64 + r);
                Unsafe.Add(ref target, 2) = Unsafe.Add(ref sum, 128 + r);
                Unsafe.Add(ref target, 3) = Unsafe.Add(ref sum, 192 + r);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> MaskedLoad(ref float row, int at, Vector512<float> mask)
    {
        fixed (float* address = &Unsafe.Add(ref row, at))
        {
            return Avx512F.MaskLoad(address, mask, Vector512<float>.Zero);
        }
    }

    /// <summary>
    /// One image channel's plane from its columns (KH·KW rows of the grid plane): the even and the odd image columns of a
    /// row are two vectors, each the sum over the taps of that parity (kh, then kw ascending) of one masked load from a
    /// column row, interleaved into the image row and stored under a mask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void Col2Im(ref float columns, float bias, float* plane)
    {
        int width = _imageWidth, gridWidth = _gridWidth, kernelWidth = _kernelWidth;
        ref float masks = ref MemoryMarshal.GetArrayDataReference(_laneMasks);
        Vector512<int> lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<int> low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        Vector512<int> high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        Vector512<float> b = Vector512.Create(bias);

        for (int y = 0; y < _imageHeight; y++)
        {
            float* row = plane + ((long)y * width);
            for (int j0 = 0; 2 * j0 < width; j0 += 16)
            {
                ref float chunkMasks = ref Unsafe.Add(ref masks, j0 * kernelWidth);
                Vector512<float> even = Vector512<float>.Zero, odd = Vector512<float>.Zero;
                for (int kh = 0; kh < _kernelHeight; kh++)
                {
                    int t = y + _padHeight - kh;
                    if (t < 0 || t % _strideHeight != 0 || t / _strideHeight >= _gridHeight)
                    {
                        continue;
                    }

                    ref float gridRow = ref Unsafe.Add(ref columns, (kh * kernelWidth * _plane) + (t / _strideHeight * gridWidth));
                    for (int kw = 0; kw < kernelWidth; kw++)
                    {
                        // Lane j (image column 2j + parity) reads grid column j − shift, masked where that is outside the
                        // grid; lanes past the image row are summed too, but not stored.
                        Vector512<float> v = Vector512.LoadUnsafe(ref Unsafe.Add(ref gridRow, (kw * _plane) + j0 - Shift(kw)))
                            & Vector512.LoadUnsafe(ref chunkMasks, (nuint)(kw * 16));
                        if (Parity(kw) == 0)
                        {
                            even += v;
                        }
                        else
                        {
                            odd += v;
                        }
                    }
                }

                int x0 = 2 * j0;
                Vector512<int> x = Vector512.Create(x0) + lane;
                Avx512F.MaskStore(row + x0, Vector512.LessThan(x, Vector512.Create(width)).AsSingle(), Avx512F.PermuteVar16x32x2(even, low, odd) + b);
                Avx512F.MaskStore(row + x0 + 16, Vector512.LessThan(x + Vector512.Create(16), Vector512.Create(width)).AsSingle(), Avx512F.PermuteVar16x32x2(even, high, odd) + b);
            }
        }
    }

    /// <summary>Kernel column kw adds grid column ow to image column 2·(ow + shift) + parity: the shift.</summary>
    private int Shift(int kw) => (kw - _padWidth - Parity(kw)) >> 1;

    /// <summary>The parity of the image columns kernel column kw adds to.</summary>
    private int Parity(int kw) => (kw - _padWidth) & 1;

    private ref struct ComputeJob : IParallelJob
    {
        public Col2ImGemmPlan Plan;
        public ReadOnlySpan<float> Grid;
        public ReadOnlySpan<float> Weight;
        public ReadOnlySpan<float> Packed;
        public ReadOnlySpan<float> Bias;
        public Span<float> Image;

        public void Execute(int begin, int end) => Plan.Compute(begin, end, Grid, Weight, Packed, Bias, Image);
    }
}
