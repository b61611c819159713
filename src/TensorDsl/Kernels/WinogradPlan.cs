using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// A 3×3, stride-1 correlation (any padding up to 2) by Winograd's minimal filtering F(2×2, 3×3) (Lavin &amp; Gray,
/// CVPR 2016): the output is cut into 2×2 tiles; each tile's 4×4 input patch d and each filter g are transformed,
/// <c>V = Bᵀ d B</c> and <c>U = G g Gᵀ</c>, the 16 elements of the transform become 16 GEMMs
/// <c>M[e] = U[e] · V[e]</c> (output channels × input channels × tiles), and <c>Y = Aᵀ M A</c> gives the tile back:
/// 16 multiplies per tile and channel pair instead of 36, so 2.25× fewer FLOPs than the direct GEMM. The GEMMs run on
/// the AVX-512 tiles and the transforms 16 tiles at a time in Vector512 registers (stride-2 columns gathered with
/// two-source permutes); without AVX-512 (<c>wide: false</c>), the GEMMs run on the 256-bit tiles and the transforms 8
/// tiles at a time in Vector256 registers (columns gathered with in-lane shuffles and a cross-lane permute), which needs
/// AVX2 and FMA.
/// <para>
/// Work is split into tasks of whole tile rows of one image, each transformed, multiplied and transformed back in the
/// running thread's buffers (about 0.5 MiB, within L2), so each output element is computed by one task in a fixed
/// order: results do not depend on the thread count. They differ from the direct GEMM's by rounding only (the
/// transforms use the exact constants 1 and 1/2).
/// </para>
/// </summary>
internal sealed class WinogradPlan : IPlannedConvolution
{
    private const int Elements = 16;

    /// <summary>Floats between the elements' planes beyond their size (one cache line), and past the source's end.</summary>
    private const int Skew = 16;

    private readonly int _batch, _inChannels, _outChannels, _outHeight, _outWidth;
    private readonly int _weightOut, _weightIn;
    private readonly bool _flip, _wide;
    private readonly InputTransform _transform;
    private readonly int _tileRows, _tileCols, _paddedTileCols;
    private readonly int _rowsPerTask, _tasksPerImage;
    private readonly int _tilesPerTask, _paddedTiles;
    private readonly int _gemmRows, _gemmColumns, _blocks, _paddedOut;
    private readonly int[] _channelOffsets;

    /// <summary>
    /// Plans <c>out[n, o, y, x] = bias[o] + Σ over i, kh, kw of in[n, i, y + kh − pad, x + kw − pad] · w(o, i, kh, kw)</c>,
    /// where <c>w(o, i, kh, kw) = weight[o·weightOut + i·weightIn + tap]</c> and the tap is <c>kh·3 + kw</c>, or
    /// <c>(2 − kh)·3 + (2 − kw)</c> when <paramref name="flip"/> (the transposed convolution's flipped kernel).
    /// </summary>
    public WinogradPlan(int batch, int inChannels, int inHeight, int inWidth, int outChannels, int outHeight, int outWidth, int pad, int weightOut, int weightIn, bool flip, bool wide)
    {
        if (!IsApplicable(inHeight, inWidth, outHeight, outWidth, pad))
        {
            throw new ArgumentException("Winograd F(2×2, 3×3) needs a 3×3 stride-1 window with padding 0 to 2.");
        }

        if (!IsSupported(wide))
        {
            throw new PlatformNotSupportedException(wide ? "The wide Winograd plan needs AVX-512F." : "The 256-bit Winograd plan needs AVX2 and FMA.");
        }

        _batch = batch;
        _inChannels = inChannels;
        _outChannels = outChannels;
        _outHeight = outHeight;
        _outWidth = outWidth;
        _weightOut = weightOut;
        _weightIn = weightIn;
        _flip = flip;
        _wide = wide;
        (_tileRows, _tileCols, _paddedTileCols, _transform, _rowsPerTask, _tasksPerImage, _tilesPerTask) =
            WinogradTiling.For(batch, inChannels, inHeight, inWidth, outHeight, outWidth, pad, minimumTasks: 16);

        // GEMM tiles: output channels × tiles; the tile shape that pads least (wide: at most 12 rows, 2 or more vectors
        // of tiles).
        _gemmRows = wide ? MicroKernels.WideRowsFor(outChannels, _tilesPerTask, maxRows: 12) : MicroKernels.RowsFor(outChannels, _tilesPerTask);
        _gemmColumns = wide ? MicroKernels.WideColumnsFor(_gemmRows) : MicroKernels.ColumnsFor(_gemmRows);

        _paddedTiles = MicroKernels.RoundUp(_tilesPerTask, _gemmColumns);
        _blocks = (outChannels + _gemmRows - 1) / _gemmRows;
        _paddedOut = _blocks * _gemmRows;
        _channelOffsets = new int[inChannels];
        for (int i = 0; i < inChannels; i++)
        {
            _channelOffsets[i] = i * _paddedTiles;
        }
    }

    /// <summary>Whether a 3×3 stride-1 window from <c>inHeight × inWidth</c> to <c>outHeight × outWidth</c> with this padding fits.</summary>
    public static bool IsApplicable(int inHeight, int inWidth, int outHeight, int outWidth, int pad)
        => pad is >= 0 and <= 2 && outHeight == inHeight + (2 * pad) - 2 && outWidth == inWidth + (2 * pad) - 2 && outHeight > 0 && outWidth > 0;

    /// <summary>Whether this machine runs the wide (AVX-512) or the 256-bit (AVX2) plan.</summary>
    public static bool IsSupported(bool wide) => wide ? MicroKernels.Avx512 : Avx2.IsSupported && Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>Tiles per transform vector.</summary>
    private int Lanes => _wide ? 16 : 8;

    private int SourceLength => (_batch * _transform.Image) + Skew;

    private int PackedLength => Elements * _blocks * _inChannels * _gemmRows;

    public void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        float[] source = Workspace.Source(SourceLength);
        float[] packed = Workspace.Packed(PackedLength);
        var prepare = new PlanPrepareJob<WinogradPlan> { Plan = this, Input = input, Weight = weight, Source = source, Packed = packed };
        TensorThreads.Run((_batch * _inChannels) + _blocks + 1, ref prepare);
        var job = new PlanComputeJob<WinogradPlan> { Plan = this, Source = source, Packed = packed, Bias = bias, Output = output };
        TensorThreads.Run(_batch * _tasksPerImage, ref job);
    }

    public void Prepare(int task, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, float[] source, float[] packed)
    {
        int planes = _batch * _inChannels;
        if (task < planes)
        {
            _transform.Copy(input, source, task / _inChannels, task % _inChannels);
            return;
        }

        task -= planes;
        if (task == _blocks)
        {
            source.AsSpan(_batch * _transform.Image, Skew).Clear();
            return;
        }

        // U[e] for the output channels of one block: packed[e][block][i][r] (r fastest), as the GEMM tiles read it.
        int block = task;
        ref float target = ref MemoryMarshal.GetArrayDataReference(packed);
        ref float filters = ref MemoryMarshal.GetReference(weight);
        int elementStride = _blocks * _inChannels * _gemmRows;
        for (int r = 0; r < _gemmRows; r++)
        {
            int o = (block * _gemmRows) + r;
            for (int i = 0; i < _inChannels; i++)
            {
                ref float u = ref Unsafe.Add(ref target, (((block * _inChannels) + i) * _gemmRows) + r);
                if (o >= _outChannels)
                {
                    for (int e = 0; e < Elements; e++)
                    {
                        Unsafe.Add(ref u, e * elementStride) = 0f;
                    }

                    continue;
                }

                FilterTransform(ref Unsafe.Add(ref filters, (o * _weightOut) + (i * _weightIn)), ref u, elementStride);
            }
        }
    }

    /// <summary>
    /// U = G g Gᵀ with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], g the 3×3 filter at <paramref name="g"/> (flipped if the plan
    /// says so); element e = 4·row + column goes to <c>u[e·stride]</c>.
    /// </summary>
    private void FilterTransform(ref float g, ref float u, int stride)
    {
        float g00 = g, g01 = Unsafe.Add(ref g, 1), g02 = Unsafe.Add(ref g, 2);
        float g10 = Unsafe.Add(ref g, 3), g11 = Unsafe.Add(ref g, 4), g12 = Unsafe.Add(ref g, 5);
        float g20 = Unsafe.Add(ref g, 6), g21 = Unsafe.Add(ref g, 7), g22 = Unsafe.Add(ref g, 8);
        if (_flip)
        {
            (g00, g22) = (g22, g00);
            (g01, g21) = (g21, g01);
            (g02, g20) = (g20, g02);
            (g10, g12) = (g12, g10);
        }

        // t = G g (4×3), by columns.
        float t00 = g00, t01 = g01, t02 = g02;
        float t10 = 0.5f * (g00 + g10 + g20), t11 = 0.5f * (g01 + g11 + g21), t12 = 0.5f * (g02 + g12 + g22);
        float t20 = 0.5f * (g00 - g10 + g20), t21 = 0.5f * (g01 - g11 + g21), t22 = 0.5f * (g02 - g12 + g22);
        float t30 = g20, t31 = g21, t32 = g22;
        Row(ref u, 0, stride, t00, t01, t02);
        Row(ref u, 4, stride, t10, t11, t12);
        Row(ref u, 8, stride, t20, t21, t22);
        Row(ref u, 12, stride, t30, t31, t32);

        // One row of U = t Gᵀ.
        static void Row(ref float u, int e, int stride, float t0, float t1, float t2)
        {
            Unsafe.Add(ref u, e * stride) = t0;
            Unsafe.Add(ref u, (e + 1) * stride) = 0.5f * (t0 + t1 + t2);
            Unsafe.Add(ref u, (e + 2) * stride) = 0.5f * (t0 - t1 + t2);
            Unsafe.Add(ref u, (e + 3) * stride) = t2;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compute(int begin, int end, float[] sourceArray, float[] packedArray, ReadOnlySpan<float> bias, Span<float> output)
    {
        // The 16 elements' planes lie one cache line further apart than their size: at a multiple of 4 KiB, the 16 stores
        // (loads) of one tile group would all fall in the same L1 set.
        int inStride = (_inChannels * _paddedTiles) + Skew, outStride = (_paddedOut * _paddedTiles) + Skew;
        int lanes = Lanes;
        float[] vArray = Workspace.Panel(Elements * inStride);
        float[] mArray = Workspace.Tile(Elements * outStride);
        ref float v = ref MemoryMarshal.GetArrayDataReference(vArray);
        ref float m = ref MemoryMarshal.GetArrayDataReference(mArray);
        ref float packed = ref MemoryMarshal.GetArrayDataReference(packedArray);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_channelOffsets);
        for (int task = begin; task < end; task++)
        {
            int n = task / _tasksPerImage;
            int row0 = task % _tasksPerImage * _rowsPerTask;
            int rows = Math.Min(_rowsPerTask, _tileRows - row0);
            int tiles = rows * _paddedTileCols;
            int columnTiles = (tiles + _gemmColumns - 1) / _gemmColumns;

            // V[e][i][t]; the GEMM columns past this task's tiles, up to a whole tile width, are zero.
            for (int i = 0; i < _inChannels; i++)
            {
                ref float plane = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(sourceArray), (n * _transform.Image) + (i * _transform.Plane));
                ref float vi = ref Unsafe.Add(ref v, i * _paddedTiles);
                for (int r = 0; r < rows; r++)
                {
                    ref float top = ref Unsafe.Add(ref plane, 2 * (row0 + r) * _transform.ColsQ);
                    for (int t0 = 0; t0 < _paddedTileCols; t0 += lanes)
                    {
                        if (_wide)
                        {
                            InputTile(ref Unsafe.Add(ref top, 2 * t0), _transform.ColsQ, ref Unsafe.Add(ref vi, (r * _paddedTileCols) + t0), inStride);
                        }
                        else
                        {
                            InputTile256(ref Unsafe.Add(ref top, 2 * t0), _transform.ColsQ, ref Unsafe.Add(ref vi, (r * _paddedTileCols) + t0), inStride);
                        }
                    }
                }

                for (int e = 0; e < Elements; e++)
                {
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref vi, (e * inStride) + tiles), (columnTiles * _gemmColumns) - tiles).Clear();
                }
            }

            // M[e] = U[e] · V[e], over this task's tiles only (a shorter last task computes fewer GEMM columns).
            for (int e = 0; e < Elements; e++)
            {
                for (int block = 0; block < _blocks; block++)
                {
                    MicroKernels.GemmTiles(
                        _gemmRows, _wide, ref Unsafe.Add(ref packed, ((e * _blocks) + block) * _inChannels * _gemmRows),
                        ref Unsafe.Add(ref v, e * inStride), ref offsets, _inChannels,
                        ref Unsafe.Add(ref m, (e * outStride) + (block * _gemmRows * _paddedTiles)), _paddedTiles, false, columnTiles);
                }
            }

            // Y = Aᵀ M A, plus the bias.
            for (int o = 0; o < _outChannels; o++)
            {
                float b = bias.IsEmpty ? 0f : bias[o];
                ref float plane = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), ((n * _outChannels) + o) * _outHeight * _outWidth);
                ref float mo = ref Unsafe.Add(ref m, o * _paddedTiles);
                for (int r = 0; r < rows; r++)
                {
                    int y = 2 * (row0 + r);
                    for (int t0 = 0; t0 < _tileCols; t0 += lanes)
                    {
                        if (_wide)
                        {
                            OutputTile(ref Unsafe.Add(ref mo, (r * _paddedTileCols) + t0), outStride, b, ref plane, y, 2 * t0);
                        }
                        else
                        {
                            OutputTile256(ref Unsafe.Add(ref mo, (r * _paddedTileCols) + t0), outStride, b, ref plane, y, 2 * t0);
                        }
                    }
                }
            }
        }
    }

    private static readonly Vector512<int> s_even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> s_odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    private static readonly Vector512<int> s_low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static readonly Vector512<int> s_high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    /// <summary>
    /// V = Bᵀ d B for 16 adjacent tiles, Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]: d[i][j] of tile t is
    /// <c>top[i·ld + 2t + j]</c>; element e = 4i + j goes to <c>v[e·stride + t]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void InputTile(ref float top, int ld, ref float v, int stride)
    {
        Vector512<int> even = s_even, odd = s_odd;
        RowTransform(ref top, even, odd, out Vector512<float> a0, out Vector512<float> a1, out Vector512<float> a2, out Vector512<float> a3);
        RowTransform(ref Unsafe.Add(ref top, ld), even, odd, out Vector512<float> b0, out Vector512<float> b1, out Vector512<float> b2, out Vector512<float> b3);
        RowTransform(ref Unsafe.Add(ref top, 2 * ld), even, odd, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3);
        RowTransform(ref Unsafe.Add(ref top, 3 * ld), even, odd, out Vector512<float> d0, out Vector512<float> d1, out Vector512<float> d2, out Vector512<float> d3);
        nuint s = (nuint)stride;
        (a0 - c0).StoreUnsafe(ref v, 0 * s);
        (a1 - c1).StoreUnsafe(ref v, 1 * s);
        (a2 - c2).StoreUnsafe(ref v, 2 * s);
        (a3 - c3).StoreUnsafe(ref v, 3 * s);
        (b0 + c0).StoreUnsafe(ref v, 4 * s);
        (b1 + c1).StoreUnsafe(ref v, 5 * s);
        (b2 + c2).StoreUnsafe(ref v, 6 * s);
        (b3 + c3).StoreUnsafe(ref v, 7 * s);
        (c0 - b0).StoreUnsafe(ref v, 8 * s);
        (c1 - b1).StoreUnsafe(ref v, 9 * s);
        (c2 - b2).StoreUnsafe(ref v, 10 * s);
        (c3 - b3).StoreUnsafe(ref v, 11 * s);
        (b0 - d0).StoreUnsafe(ref v, 12 * s);
        (b1 - d1).StoreUnsafe(ref v, 13 * s);
        (b2 - d2).StoreUnsafe(ref v, 14 * s);
        (b3 - d3).StoreUnsafe(ref v, 15 * s);
    }

    /// <summary>One input row of 16 tiles times B: (d0 − d2, d1 + d2, d2 − d1, d1 − d3), d_j the columns 2t + j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTransform(ref float row, Vector512<int> even, Vector512<int> odd, out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3)
    {
        Vector512<float> lo = Vector512.LoadUnsafe(ref row), hi = Vector512.LoadUnsafe(ref row, 16);
        Vector512<float> lo2 = Vector512.LoadUnsafe(ref row, 2), hi2 = Vector512.LoadUnsafe(ref row, 18);
        Vector512<float> d0 = Avx512F.PermuteVar16x32x2(lo, even, hi);
        Vector512<float> d1 = Avx512F.PermuteVar16x32x2(lo, odd, hi);
        Vector512<float> d2 = Avx512F.PermuteVar16x32x2(lo2, even, hi2);
        Vector512<float> d3 = Avx512F.PermuteVar16x32x2(lo2, odd, hi2);
        r0 = d0 - d2;
        r1 = d1 + d2;
        r2 = d2 - d1;
        r3 = d1 - d3;
    }

    /// <summary>
    /// Y = Aᵀ M A for 16 adjacent tiles, Aᵀ = [1 1 1 0; 0 1 −1 −1], element e of tile t at <c>m[e·stride + t]</c>; writes
    /// output rows y, y + 1 and columns x .. x + 31 that lie inside the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OutputTile(ref float m, int stride, float bias, ref float plane, int y, int x)
    {
        nuint s = (nuint)stride;
        Vector512<float> m0 = Vector512.LoadUnsafe(ref m, 0 * s), m1 = Vector512.LoadUnsafe(ref m, 1 * s), m2 = Vector512.LoadUnsafe(ref m, 2 * s), m3 = Vector512.LoadUnsafe(ref m, 3 * s);
        Vector512<float> m4 = Vector512.LoadUnsafe(ref m, 4 * s), m5 = Vector512.LoadUnsafe(ref m, 5 * s), m6 = Vector512.LoadUnsafe(ref m, 6 * s), m7 = Vector512.LoadUnsafe(ref m, 7 * s);
        Vector512<float> m8 = Vector512.LoadUnsafe(ref m, 8 * s), m9 = Vector512.LoadUnsafe(ref m, 9 * s), m10 = Vector512.LoadUnsafe(ref m, 10 * s), m11 = Vector512.LoadUnsafe(ref m, 11 * s);
        Vector512<float> m12 = Vector512.LoadUnsafe(ref m, 12 * s), m13 = Vector512.LoadUnsafe(ref m, 13 * s), m14 = Vector512.LoadUnsafe(ref m, 14 * s), m15 = Vector512.LoadUnsafe(ref m, 15 * s);

        // Rows of Aᵀ M: s0 = M0 + M1 + M2, s1 = M1 − M2 − M3 (each a row of 4).
        Vector512<float> p0 = m0 + m4 + m8, p1 = m1 + m5 + m9, p2 = m2 + m6 + m10, p3 = m3 + m7 + m11;
        Vector512<float> q0 = m4 - m8 - m12, q1 = m5 - m9 - m13, q2 = m6 - m10 - m14, q3 = m7 - m11 - m15;
        Vector512<float> b = Vector512.Create(bias);
        Vector512<float> y00 = p0 + p1 + p2 + b, y01 = p1 - p2 - p3 + b;
        Vector512<float> y10 = q0 + q1 + q2 + b, y11 = q1 - q2 - q3 + b;
        StoreRow(ref plane, y, x, Avx512F.PermuteVar16x32x2(y00, s_low, y01), Avx512F.PermuteVar16x32x2(y00, s_high, y01));
        if (y + 1 < _outHeight)
        {
            StoreRow(ref plane, y + 1, x, Avx512F.PermuteVar16x32x2(y10, s_low, y11), Avx512F.PermuteVar16x32x2(y10, s_high, y11));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StoreRow(ref float plane, int y, int x, Vector512<float> low, Vector512<float> high)
    {
        ref float row = ref Unsafe.Add(ref plane, (y * _outWidth) + x);
        int count = _outWidth - x;
        if (count >= 32)
        {
            low.StoreUnsafe(ref row);
            high.StoreUnsafe(ref row, 16);
            return;
        }

        // The last columns of a row: as many as lie inside.
        Span<float> values = stackalloc float[32];
        low.StoreUnsafe(ref values[0]);
        high.StoreUnsafe(ref values[0], 16);
        values.Slice(0, count).CopyTo(MemoryMarshal.CreateSpan(ref row, count));
    }

    /// <summary>
    /// <see cref="InputTile"/> for 8 adjacent tiles in Vector256 registers: d[i][j] of tile t is <c>top[i·ld + 2t + j]</c>;
    /// element e = 4i + j goes to <c>v[e·stride + t]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void InputTile256(ref float top, int ld, ref float v, int stride)
    {
        RowTransform256(ref top, out Vector256<float> a0, out Vector256<float> a1, out Vector256<float> a2, out Vector256<float> a3);
        RowTransform256(ref Unsafe.Add(ref top, ld), out Vector256<float> b0, out Vector256<float> b1, out Vector256<float> b2, out Vector256<float> b3);
        RowTransform256(ref Unsafe.Add(ref top, 2 * ld), out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3);
        RowTransform256(ref Unsafe.Add(ref top, 3 * ld), out Vector256<float> d0, out Vector256<float> d1, out Vector256<float> d2, out Vector256<float> d3);
        nuint s = (nuint)stride;
        (a0 - c0).StoreUnsafe(ref v, 0 * s);
        (a1 - c1).StoreUnsafe(ref v, 1 * s);
        (a2 - c2).StoreUnsafe(ref v, 2 * s);
        (a3 - c3).StoreUnsafe(ref v, 3 * s);
        (b0 + c0).StoreUnsafe(ref v, 4 * s);
        (b1 + c1).StoreUnsafe(ref v, 5 * s);
        (b2 + c2).StoreUnsafe(ref v, 6 * s);
        (b3 + c3).StoreUnsafe(ref v, 7 * s);
        (c0 - b0).StoreUnsafe(ref v, 8 * s);
        (c1 - b1).StoreUnsafe(ref v, 9 * s);
        (c2 - b2).StoreUnsafe(ref v, 10 * s);
        (c3 - b3).StoreUnsafe(ref v, 11 * s);
        (b0 - d0).StoreUnsafe(ref v, 12 * s);
        (b1 - d1).StoreUnsafe(ref v, 13 * s);
        (b2 - d2).StoreUnsafe(ref v, 14 * s);
        (b3 - d3).StoreUnsafe(ref v, 15 * s);
    }

    /// <summary>One input row of 8 tiles times B: (d0 − d2, d1 + d2, d2 − d1, d1 − d3), d_j the columns 2t + j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTransform256(ref float row, out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3)
    {
        Vector256<float> lo = Vector256.LoadUnsafe(ref row), hi = Vector256.LoadUnsafe(ref row, 8);
        Vector256<float> lo2 = Vector256.LoadUnsafe(ref row, 2), hi2 = Vector256.LoadUnsafe(ref row, 10);
        Vector256<float> d0 = Even(lo, hi), d1 = Odd(lo, hi), d2 = Even(lo2, hi2), d3 = Odd(lo2, hi2);
        r0 = d0 - d2;
        r1 = d1 + d2;
        r2 = d2 - d1;
        r3 = d1 - d3;
    }

    /// <summary>
    /// The even columns of lo, hi (16 floats): the in-lane shuffle gives (lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6), the
    /// permute of its 64-bit quarters (0, 2, 1, 3) puts them in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Even(Vector256<float> lo, Vector256<float> hi)
        => Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>The odd columns of lo, hi, as <see cref="Even"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Odd(Vector256<float> lo, Vector256<float> hi)
        => Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>
    /// <see cref="OutputTile"/> for 8 adjacent tiles in Vector256 registers; writes output rows y, y + 1 and columns
    /// x .. x + 15 that lie inside the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OutputTile256(ref float m, int stride, float bias, ref float plane, int y, int x)
    {
        nuint s = (nuint)stride;
        Vector256<float> m0 = Vector256.LoadUnsafe(ref m, 0 * s), m1 = Vector256.LoadUnsafe(ref m, 1 * s), m2 = Vector256.LoadUnsafe(ref m, 2 * s), m3 = Vector256.LoadUnsafe(ref m, 3 * s);
        Vector256<float> m4 = Vector256.LoadUnsafe(ref m, 4 * s), m5 = Vector256.LoadUnsafe(ref m, 5 * s), m6 = Vector256.LoadUnsafe(ref m, 6 * s), m7 = Vector256.LoadUnsafe(ref m, 7 * s);
        Vector256<float> m8 = Vector256.LoadUnsafe(ref m, 8 * s), m9 = Vector256.LoadUnsafe(ref m, 9 * s), m10 = Vector256.LoadUnsafe(ref m, 10 * s), m11 = Vector256.LoadUnsafe(ref m, 11 * s);
        Vector256<float> m12 = Vector256.LoadUnsafe(ref m, 12 * s), m13 = Vector256.LoadUnsafe(ref m, 13 * s), m14 = Vector256.LoadUnsafe(ref m, 14 * s), m15 = Vector256.LoadUnsafe(ref m, 15 * s);

        Vector256<float> p0 = m0 + m4 + m8, p1 = m1 + m5 + m9, p2 = m2 + m6 + m10, p3 = m3 + m7 + m11;
        Vector256<float> q0 = m4 - m8 - m12, q1 = m5 - m9 - m13, q2 = m6 - m10 - m14, q3 = m7 - m11 - m15;
        Vector256<float> b = Vector256.Create(bias);
        Vector256<float> y00 = p0 + p1 + p2 + b, y01 = p1 - p2 - p3 + b;
        Vector256<float> y10 = q0 + q1 + q2 + b, y11 = q1 - q2 - q3 + b;
        Interleave(y00, y01, out Vector256<float> low, out Vector256<float> high);
        StoreRow256(ref plane, y, x, low, high);
        if (y + 1 < _outHeight)
        {
            Interleave(y10, y11, out low, out high);
            StoreRow256(ref plane, y + 1, x, low, high);
        }
    }

    /// <summary>
    /// (a0 b0 a1 b1 … a3 b3) and (a4 b4 … a7 b7): the in-lane unpacks give (a0 b0 a1 b1 | a4 b4 a5 b5) and
    /// (a2 b2 a3 b3 | a6 b6 a7 b7), the cross-lane permutes take their low and their high halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector256<float> a, Vector256<float> b, out Vector256<float> low, out Vector256<float> high)
    {
        Vector256<float> lo = Avx.UnpackLow(a, b), hi = Avx.UnpackHigh(a, b);
        low = Avx.Permute2x128(lo, hi, 0x20);
        high = Avx.Permute2x128(lo, hi, 0x31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StoreRow256(ref float plane, int y, int x, Vector256<float> low, Vector256<float> high)
    {
        ref float row = ref Unsafe.Add(ref plane, (y * _outWidth) + x);
        int count = _outWidth - x;
        if (count >= 16)
        {
            low.StoreUnsafe(ref row);
            high.StoreUnsafe(ref row, 8);
            return;
        }

        Span<float> values = stackalloc float[16];
        low.StoreUnsafe(ref values[0]);
        high.StoreUnsafe(ref values[0], 8);
        values.Slice(0, count).CopyTo(MemoryMarshal.CreateSpan(ref row, count));
    }
}

/// <summary>
/// How a Winograd plan cuts its output into 2×2 tiles and its work into tasks: tile rows and columns (columns padded to
/// 16, one vector of tiles), the zero-padded input every tile row reads (rows 2·t .. 2·t + 3, columns likewise; padded
/// tile columns read zeros), and tasks of whole tile rows of one image, about 64 tiles each, with at least
/// <c>minimumTasks</c> tasks where the rows allow.
/// </summary>
internal readonly record struct WinogradTiling(int TileRows, int TileCols, int PaddedTileCols, InputTransform Transform, int RowsPerTask, int TasksPerImage, int TilesPerTask)
{
    public static WinogradTiling For(int batch, int inChannels, int inHeight, int inWidth, int outHeight, int outWidth, int pad, int minimumTasks)
    {
        int tileRows = (outHeight + 1) / 2, tileCols = (outWidth + 1) / 2;
        int paddedTileCols = (tileCols + 15) / 16 * 16;
        var transform = new InputTransform(inChannels, inHeight, inWidth, 1, 1, pad, pad, (2 * tileRows) + 2, (2 * paddedTileCols) + 2);
        int rowsPerTask = Math.Clamp(64 / paddedTileCols, 1, tileRows);
        while (rowsPerTask > 1 && batch * ((tileRows + rowsPerTask - 1) / rowsPerTask) < minimumTasks)
        {
            rowsPerTask--;
        }

        return new WinogradTiling(tileRows, tileCols, paddedTileCols, transform, rowsPerTask, (tileRows + rowsPerTask - 1) / rowsPerTask, rowsPerTask * paddedTileCols);
    }
}
