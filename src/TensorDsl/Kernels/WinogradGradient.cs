using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// The weight gradient of a 3×3, stride-1 convolution (padding up to 2) by Winograd's F(3×3, 2×2): over every 2×2 tile
/// of the output gradient g and its 4×4 input patch d, <c>gW = A'ᵀ [Σ over tiles (G' g G'ᵀ) ⊙ (Bᵀ d B)] A'</c>, with the
/// forward's input transform B, <c>G' = [1 0; ½ ½; ½ −½; 0 1]</c> and <c>A'ᵀ = [1 1 1 0; 0 1 −1 0; 0 1 1 −1]</c> (the
/// last row's sign matches B's). The 16 transform elements become 16 GEMMs reduced over tiles, 2.25× fewer multiplies
/// than the direct GEMM; they run on the AVX-512 weight-gradient tiles (input channels × output channels) with the
/// transforms 16 tiles or channels per Vector512, or without AVX-512 (<c>wide: false</c>) on the 256-bit ones with 8 per
/// Vector256 (AVX2 and FMA).
/// <para>
/// Tasks (tile rows of one image) are dealt to a fixed number of groups, each summing its tasks in order into its own
/// partial sums, and the groups are added in order at the end: results do not depend on the thread count.
/// </para>
/// </summary>
internal sealed class WinogradGradient : IPreparedGradient
{
    private const int Elements = 16;

    /// <summary>Floats past each channel's tiles and the buffers' ends (one cache line; a transform group's overrun).</summary>
    private const int Skew = 16;

    /// <summary>Partial sums kept apart, whatever the thread count (a multiple of the usual 2, 4 or 8 threads).</summary>
    private const int Groups = 8;

    private readonly int _batch, _inChannels, _outChannels, _outHeight, _outWidth;
    private readonly bool _wide;
    private readonly InputTransform _transform;
    private readonly int _tileRows, _tileCols, _paddedTileCols;
    private readonly int _rowsPerTask, _tasksPerImage, _tilesPerTask;
    private readonly int _gemmRows, _gemmColumns, _paddedIn, _paddedOut;
    private readonly int _gridRows, _gridCols;
    private readonly int[] _channelOffsets;


    public WinogradGradient(int batch, int inChannels, int inHeight, int inWidth, int outChannels, int outHeight, int outWidth, int pad, bool wide)
    {
        if (!WinogradPlan.IsApplicable(inHeight, inWidth, outHeight, outWidth, pad))
        {
            throw new ArgumentException("Winograd F(3×3, 2×2) needs a 3×3 stride-1 window with padding 0 to 2.");
        }

        if (!WinogradPlan.IsSupported(wide))
        {
            throw new PlatformNotSupportedException(wide ? "The wide Winograd weight gradient needs AVX-512F." : "The 256-bit Winograd weight gradient needs AVX2 and FMA.");
        }

        _batch = batch;
        _inChannels = inChannels;
        _outChannels = outChannels;
        _outHeight = outHeight;
        _outWidth = outWidth;
        _wide = wide;
        (_tileRows, _tileCols, _paddedTileCols, _transform, _rowsPerTask, _tasksPerImage, _tilesPerTask) =
            WinogradTiling.For(batch, inChannels, inHeight, inWidth, outHeight, outWidth, pad, minimumTasks: 1);
        _gemmRows = wide ? MicroKernels.RowsTileRowsFor(inChannels, outChannels) : MicroKernels.RowsFor(inChannels, outChannels);
        _gemmColumns = wide ? MicroKernels.WideColumnsFor(_gemmRows) : MicroKernels.ColumnsFor(_gemmRows);
        _paddedIn = (inChannels + _gemmRows - 1) / _gemmRows * _gemmRows;
        _paddedOut = (outChannels + _gemmColumns - 1) / _gemmColumns * _gemmColumns;

        // The output gradient re-laid position-major over the whole tile grid (zero past the output), channels padded.
        _gridRows = 2 * _tileRows;
        _gridCols = 2 * _paddedTileCols;
        _channelOffsets = new int[_paddedIn];
        for (int i = 0; i < inChannels; i++)
        {
            _channelOffsets[i] = i * (_tilesPerTask + Skew);
        }
    }

    /// <summary>Tiles (output channels) per transform vector.</summary>
    private int Lanes => _wide ? 16 : 8;

    private int GridImage => _gridRows * _gridCols * _paddedOut;

    private int PartialLength => Elements * _paddedIn * _paddedOut;

    public void Run(ReadOnlySpan<float> image, ReadOnlySpan<float> grid, Span<float> weightGradient)
    {
        float[] source = Workspace.Source((_batch * _transform.Image) + Skew);
        float[] second = Workspace.Second((_batch * GridImage) + (Groups * PartialLength));
        var prepare = new GradientPrepareJob<WinogradGradient> { Plan = this, Image = image, Grid = grid, Source = source, Second = second, First = 0, Images = _batch };
        TensorThreads.Run((_batch * _inChannels) + (_batch * (_paddedOut / Lanes)), ref prepare);
        var job = new GroupJob { Plan = this, Source = source, Second = second };
        TensorThreads.Run(Groups, ref job);
        var finish = new FinishJob { Plan = this, Second = second, WeightGradient = weightGradient };
        TensorThreads.Run(_inChannels, ref finish);
    }

    /// <summary>One preparation task; the group is always the whole batch (first 0, every image).</summary>
    public void PrepareGradient(int task, int first, int images, ReadOnlySpan<float> image, ReadOnlySpan<float> grid, float[] source, float[] second)
    {
        int planes = _batch * _inChannels;
        if (task < planes)
        {
            _transform.Copy(image, source, task / _inChannels, task % _inChannels);
            if (task == planes - 1)
            {
                source.AsSpan(_batch * _transform.Image, Skew).Clear();
            }

            return;
        }

        // second[n][r][col][o] = grid[n][o][r][col], zero past the output and for o ≥ outChannels; a vector's channels per task.
        task -= planes;
        int blocks = _paddedOut / Lanes;
        int n = task / blocks, o0 = task % blocks * Lanes;
        int valid = Math.Clamp(_outChannels - o0, 0, Lanes), plane = _outHeight * _outWidth;
        ref float target = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(second), (n * GridImage) + o0);
        ref float planes0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(grid), ((n * _outChannels) + Math.Min(o0, _outChannels - 1)) * plane);
        Transpose.PlanesToPositions(ref planes0, _outHeight, _outWidth, Lanes, valid, ref target, _gridRows, _gridCols, _paddedOut);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Group(int group, float[] sourceArray, float[] secondArray)
    {
        int tasks = _batch * _tasksPerImage;
        int first = (int)((long)tasks * group / Groups), last = (int)((long)tasks * (group + 1) / Groups);
        int vStride = (_inChannels * (_tilesPerTask + Skew)) + Skew, gStride = (_tilesPerTask * _paddedOut) + Skew;
        int lanes = Lanes;
        float[] vArray = Workspace.Panel(Elements * vStride);
        float[] gArray = Workspace.Tile(Elements * gStride);
        ref float v = ref MemoryMarshal.GetArrayDataReference(vArray);
        ref float gy = ref MemoryMarshal.GetArrayDataReference(gArray);
        ref float source = ref MemoryMarshal.GetArrayDataReference(sourceArray);
        ref float partial = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(secondArray), (_batch * GridImage) + (group * PartialLength));
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_channelOffsets);
        if (first == last)
        {
            MemoryMarshal.CreateSpan(ref partial, PartialLength).Clear();
            return;
        }

        for (int task = first; task < last; task++)
        {
            int n = task / _tasksPerImage;
            int row0 = task % _tasksPerImage * _rowsPerTask;
            int rows = Math.Min(_rowsPerTask, _tileRows - row0);
            // Tiles are numbered r·tileCols + column: the transform's tile groups past a row's end write into the next
            // row's first tiles, which its own first group overwrites next; so the GEMMs see no padding tiles.
            int tiles = rows * _tileCols;

            // V[e][i][t] (channel rows _tilesPerTask + 16 apart), as the forward transforms it.
            for (int i = 0; i < _inChannels; i++)
            {
                ref float plane = ref Unsafe.Add(ref source, (n * _transform.Image) + (i * _transform.Plane));
                ref float vi = ref Unsafe.Add(ref v, i * (_tilesPerTask + Skew));
                for (int r = 0; r < rows; r++)
                {
                    ref float top = ref Unsafe.Add(ref plane, 2 * (row0 + r) * _transform.ColsQ);
                    for (int t0 = 0; t0 < _paddedTileCols; t0 += lanes)
                    {
                        if (_wide)
                        {
                            WinogradPlan.InputTile(ref Unsafe.Add(ref top, 2 * t0), _transform.ColsQ, ref Unsafe.Add(ref vi, (r * _tileCols) + t0), vStride);
                        }
                        else
                        {
                            WinogradPlan.InputTile256(ref Unsafe.Add(ref top, 2 * t0), _transform.ColsQ, ref Unsafe.Add(ref vi, (r * _tileCols) + t0), vStride);
                        }
                    }
                }
            }

            // GY[e][t][o] = G' g G'ᵀ of each tile's 2×2 gradient, a vector's output channels at a time.
            ref float gridImage = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(secondArray), n * GridImage);
            for (int r = 0; r < rows; r++)
            {
                for (int tc = 0; tc < _tileCols; tc++)
                {
                    ref float cell = ref Unsafe.Add(ref gridImage, (((2 * (row0 + r)) * _gridCols) + (2 * tc)) * _paddedOut);
                    ref float to = ref Unsafe.Add(ref gy, ((r * _tileCols) + tc) * _paddedOut);
                    for (int o = 0; o < _paddedOut; o += lanes)
                    {
                        if (_wide)
                        {
                            GradientTile(ref Unsafe.Add(ref cell, o), _gridCols * _paddedOut, _paddedOut, ref Unsafe.Add(ref to, o), gStride);
                        }
                        else
                        {
                            GradientTile256(ref Unsafe.Add(ref cell, o), _gridCols * _paddedOut, _paddedOut, ref Unsafe.Add(ref to, o), gStride);
                        }
                    }
                }
            }

            // M[e][i][o] += Σ over this task's tiles of V[e][i][t] · GY[e][t][o].
            bool accumulate = task > first;
            for (int e = 0; e < Elements; e++)
            {
                for (int i0 = 0; i0 < _paddedIn; i0 += _gemmRows)
                {
                    for (int o0 = 0; o0 < _paddedOut; o0 += _gemmColumns)
                    {
                        ref float at = ref Unsafe.Add(ref partial, (((e * _paddedIn) + i0) * _paddedOut) + o0);
                        if (_wide)
                        {
                            MicroKernels.RowsTile(
                                _gemmRows, ref Unsafe.Add(ref v, e * vStride), ref Unsafe.Add(ref offsets, i0), ref Unsafe.Add(ref gy, (e * gStride) + o0), _paddedOut, tiles,
                                ref at, _paddedOut, accumulate);
                        }
                        else
                        {
                            MicroKernels.RowsTile256(
                                _gemmRows, ref Unsafe.Add(ref v, e * vStride), ref Unsafe.Add(ref offsets, i0), ref Unsafe.Add(ref gy, (e * gStride) + o0), _paddedOut, tiles,
                                ref at, _paddedOut, accumulate);
                        }
                    }
                }
            }
        }
    }

    /// <summary>G' g G'ᵀ for 16 channels: g[a][b] at <c>cell[a·rowStride + b·colStride]</c>; element e at <c>to[e·stride]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTile(ref float cell, int rowStride, int colStride, ref float to, int stride)
    {
        Vector512<float> half = Vector512.Create(0.5f);
        Vector512<float> g00 = Vector512.LoadUnsafe(ref cell), g01 = Vector512.LoadUnsafe(ref cell, (nuint)colStride);
        Vector512<float> g10 = Vector512.LoadUnsafe(ref cell, (nuint)rowStride), g11 = Vector512.LoadUnsafe(ref cell, (nuint)(rowStride + colStride));

        // Rows of G' g (4×2), then each times G'ᵀ.
        Vector512<float> r00 = g00, r01 = g01;
        Vector512<float> r10 = (g00 + g10) * half, r11 = (g01 + g11) * half;
        Vector512<float> r20 = (g00 - g10) * half, r21 = (g01 - g11) * half;
        Vector512<float> r30 = g10, r31 = g11;
        Row(ref to, 0, stride, r00, r01, half);
        Row(ref to, 4, stride, r10, r11, half);
        Row(ref to, 8, stride, r20, r21, half);
        Row(ref to, 12, stride, r30, r31, half);

        static void Row(ref float to, int e, int stride, Vector512<float> a, Vector512<float> b, Vector512<float> half)
        {
            a.StoreUnsafe(ref to, (nuint)(e * stride));
            ((a + b) * half).StoreUnsafe(ref to, (nuint)((e + 1) * stride));
            ((a - b) * half).StoreUnsafe(ref to, (nuint)((e + 2) * stride));
            b.StoreUnsafe(ref to, (nuint)((e + 3) * stride));
        }
    }

    /// <summary><see cref="GradientTile"/> for 8 channels in Vector256 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTile256(ref float cell, int rowStride, int colStride, ref float to, int stride)
    {
        Vector256<float> half = Vector256.Create(0.5f);
        Vector256<float> g00 = Vector256.LoadUnsafe(ref cell), g01 = Vector256.LoadUnsafe(ref cell, (nuint)colStride);
        Vector256<float> g10 = Vector256.LoadUnsafe(ref cell, (nuint)rowStride), g11 = Vector256.LoadUnsafe(ref cell, (nuint)(rowStride + colStride));
        Vector256<float> r10 = (g00 + g10) * half, r11 = (g01 + g11) * half;
        Vector256<float> r20 = (g00 - g10) * half, r21 = (g01 - g11) * half;
        Row(ref to, 0, stride, g00, g01, half);
        Row(ref to, 4, stride, r10, r11, half);
        Row(ref to, 8, stride, r20, r21, half);
        Row(ref to, 12, stride, g10, g11, half);

        static void Row(ref float to, int e, int stride, Vector256<float> a, Vector256<float> b, Vector256<float> half)
        {
            a.StoreUnsafe(ref to, (nuint)(e * stride));
            ((a + b) * half).StoreUnsafe(ref to, (nuint)((e + 1) * stride));
            ((a - b) * half).StoreUnsafe(ref to, (nuint)((e + 2) * stride));
            b.StoreUnsafe(ref to, (nuint)((e + 3) * stride));
        }
    }

    /// <summary>gW[o][i] = A'ᵀ (Σ over groups, in order, of M[·][i][o]) A' for one input channel i, 16 output channels at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finish(int i, float[] second, Span<float> weightGradient)
    {
        if (!_wide)
        {
            Finish256(i, second, weightGradient);
            return;
        }

        ref float partials = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(second), (_batch * GridImage) + (i * _paddedOut));
        Span<float> lanes = stackalloc float[9 * Lanes];
        Span<Vector512<float>> m = stackalloc Vector512<float>[Elements];
        Span<Vector512<float>> t = stackalloc Vector512<float>[12];
        int elementStride = _paddedIn * _paddedOut;
        for (int o0 = 0; o0 < _outChannels; o0 += Lanes)
        {
            // m[e] for 16 output channels, groups added in order.
            for (int e = 0; e < Elements; e++)
            {
                ref float at = ref Unsafe.Add(ref partials, (e * elementStride) + o0);
                Vector512<float> sum = Vector512.LoadUnsafe(ref at);
                for (int g = 1; g < Groups; g++)
                {
                    sum += Vector512.LoadUnsafe(ref Unsafe.Add(ref at, g * PartialLength));
                }

                m[e] = sum;
            }

            // Columns: t = M A' (4×3), then rows: A'ᵀ t (3×3); lanes[k·16 + l] is tap k of output channel o0 + l.
            for (int r = 0; r < 4; r++)
            {
                Vector512<float> m0 = m[4 * r], m1 = m[(4 * r) + 1], m2 = m[(4 * r) + 2], m3 = m[(4 * r) + 3];
                t[3 * r] = m0 + m1 + m2;
                t[(3 * r) + 1] = m1 - m2;
                t[(3 * r) + 2] = m1 + m2 - m3;
            }

            for (int c = 0; c < 3; c++)
            {
                Vector512<float> t0 = t[c], t1 = t[3 + c], t2 = t[6 + c], t3 = t[9 + c];
                (t0 + t1 + t2).StoreUnsafe(ref lanes[c * Lanes]);
                (t1 - t2).StoreUnsafe(ref lanes[(3 + c) * Lanes]);
                (t1 + t2 - t3).StoreUnsafe(ref lanes[(6 + c) * Lanes]);
            }

            int count = Math.Min(Lanes, _outChannels - o0);
            for (int l = 0; l < count; l++)
            {
                Span<float> w = weightGradient.Slice((((o0 + l) * _inChannels) + i) * 9, 9);
                for (int k = 0; k < 9; k++)
                {
                    w[k] = lanes[(k * Lanes) + l];
                }
            }
        }
    }

    /// <summary><see cref="Finish"/> 8 output channels at a time in Vector256 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finish256(int i, float[] second, Span<float> weightGradient)
    {
        const int lanes = 8;
        ref float partials = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(second), (_batch * GridImage) + (i * _paddedOut));
        Span<float> taps = stackalloc float[9 * lanes];
        Span<Vector256<float>> m = stackalloc Vector256<float>[Elements];
        Span<Vector256<float>> t = stackalloc Vector256<float>[12];
        int elementStride = _paddedIn * _paddedOut;
        for (int o0 = 0; o0 < _outChannels; o0 += lanes)
        {
            for (int e = 0; e < Elements; e++)
            {
                ref float at = ref Unsafe.Add(ref partials, (e * elementStride) + o0);
                Vector256<float> sum = Vector256.LoadUnsafe(ref at);
                for (int g = 1; g < Groups; g++)
                {
                    sum += Vector256.LoadUnsafe(ref Unsafe.Add(ref at, g * PartialLength));
                }

                m[e] = sum;
            }

            for (int r = 0; r < 4; r++)
            {
                Vector256<float> m0 = m[4 * r], m1 = m[(4 * r) + 1], m2 = m[(4 * r) + 2], m3 = m[(4 * r) + 3];
                t[3 * r] = m0 + m1 + m2;
                t[(3 * r) + 1] = m1 - m2;
                t[(3 * r) + 2] = m1 + m2 - m3;
            }

            for (int c = 0; c < 3; c++)
            {
                Vector256<float> t0 = t[c], t1 = t[3 + c], t2 = t[6 + c], t3 = t[9 + c];
                (t0 + t1 + t2).StoreUnsafe(ref taps[c * lanes]);
                (t1 - t2).StoreUnsafe(ref taps[(3 + c) * lanes]);
                (t1 + t2 - t3).StoreUnsafe(ref taps[(6 + c) * lanes]);
            }

            int count = Math.Min(lanes, _outChannels - o0);
            for (int l = 0; l < count; l++)
            {
                Span<float> w = weightGradient.Slice((((o0 + l) * _inChannels) + i) * 9, 9);
                for (int k = 0; k < 9; k++)
                {
                    w[k] = taps[(k * lanes) + l];
                }
            }
        }
    }

    private ref struct GroupJob : IParallelJob
    {
        public WinogradGradient Plan;
        public float[] Source;
        public float[] Second;

        public void Execute(int begin, int end)
        {
            for (int group = begin; group < end; group++)
            {
                Plan.Group(group, Source, Second);
            }
        }
    }

    private ref struct FinishJob : IParallelJob
    {
        public WinogradGradient Plan;
        public float[] Second;
        public Span<float> WeightGradient;

        public void Execute(int begin, int end)
        {
            for (int i = begin; i < end; i++)
            {
                Plan.Finish(i, Second, WeightGradient);
            }
        }
    }
}
