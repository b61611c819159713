using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TensorDsl.Kernels;

// Which GEMM tiles a kernel runs: the 256-bit tiles (R × 96/R positions, 12 accumulators) or, on AVX-512, the wide tiles
// (R × 16·V positions, up to 24 accumulators). A plan picks one family when it is built; both sum every output element
// in the same order, so results do not depend on the family.
public static partial class MicroKernels
{
    private static readonly int[] s_wideRows = [24, 16, 12, 8, 6, 4, 3, 2, 1];

    /// <summary>Whether the processor runs the AVX-512 tiles (AVX-512F, Vector512 accelerated): kernels then plan with them.</summary>
    public static bool Avx512 { get; } = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary><paramref name="value"/> rounded up to a multiple of <paramref name="multiple"/>.</summary>
    internal static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>The greatest common divisor of two non-negative counts.</summary>
    internal static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    /// <summary>Positions of a wide (AVX-512) tile with <paramref name="rows"/> output channels.</summary>
    public static int WideColumnsFor(int rows) => rows switch
    {
        24 or 16 => 16,
        12 => 32,
        8 => 48,
        6 => 64,
        4 => 96,
        3 => 128,
        _ => 192,
    };

    /// <summary>
    /// The wide tile rows for <paramref name="channels"/> output channels over <paramref name="positions"/> positions: least
    /// padded work, weighted towards more rows (fewer bytes of B per FMA); at most <paramref name="maxRows"/> rows and
    /// <paramref name="maxColumns"/> positions.
    /// </summary>
    public static int WideRowsFor(int channels, int positions, int maxRows = 24, int maxColumns = int.MaxValue)
    {
        int best = 12;
        double bestCost = double.MaxValue;
        foreach (int rows in s_wideRows)
        {
            int columns = WideColumnsFor(rows);
            if (rows > maxRows || columns > maxColumns)
            {
                continue;
            }

            double work = (double)((channels + rows - 1) / rows * rows) * ((positions + columns - 1) / columns * columns);
            // One vector of positions per row (24 and 16 rows) is bound by the broadcasts: about 3/4 of the speed.
            double cost = work * (1 + (0.6 / rows)) * (columns == 16 ? 1.3 : 1.0);
            if (cost < bestCost)
            {
                best = rows;
                bestCost = cost;
            }
        }

        return best;
    }

    /// <summary>
    /// The rows of the AVX-512 weight-gradient tiles (<see cref="RowsTile(int, ref float, ref int, ref float, int, int, ref float, int, bool)"/>) and of the stacked direct GEMMs for
    /// <paramref name="rows"/> broadcast rows × <paramref name="columns"/> vector columns: as <see cref="WideRowsFor"/>
    /// (16 and 24 rows for 16 columns or fewer: lenet_c2's 16 output channels), but 6 × 64 rather than 12 × 32 when that
    /// pads no more: half the broadcasts per FMA, measured 5–12 % faster on the 3×3 suite layers' weight gradients and
    /// about 10 % on pointwise_1x1's forward.
    /// </summary>
    public static int RowsTileRowsFor(int rows, int columns)
    {
        int best = WideRowsFor(rows, columns);
        bool sixPadsNoMore = (long)RoundUp(rows, 6) * RoundUp(columns, 64) <= (long)RoundUp(rows, 12) * RoundUp(columns, 32);
        return best == 12 && sixPadsNoMore ? 6 : best;
    }

    /// <summary>
    /// The AVX-512 weight-gradient tile: <c>c[r·ldc + j] (+)= Σ over i &lt; k of x[taps[r] + i] · b[i·ldb + j]</c> for
    /// r &lt; <paramref name="rows"/> and j &lt; <see cref="WideColumnsFor"/>(rows); sums in order of i.
    /// </summary>
    public static void RowsTile(int rows, ref float x, ref int taps, ref float b, int ldb, int k, ref float c, int ldc, bool accumulate)
        => RowsTile(rows, ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, int.MaxValue, int.MaxValue, 0);

    /// <summary>
    /// <see cref="RowsTile(int, ref float, ref int, ref float, int, int, ref float, int, bool)"/> over positions in rows of
    /// <paramref name="run"/>, the first with <paramref name="left"/> positions: x moves on by <paramref name="skip"/> more
    /// elements after each row (the input rows a grid row reads are wider than it), b by one row per position.
    /// </summary>
    public static void RowsTile(int rows, ref float x, ref int taps, ref float b, int ldb, int k, ref float c, int ldc, bool accumulate, int run, int left, int skip)
    {
        if (!Avx512F.IsSupported)
        {
            throw new PlatformNotSupportedException("The AVX-512 tiles need AVX-512F.");
        }

        switch (rows)
        {
            case 24: Rows24x1Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
            case 16: Rows16x1Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
            case 12: Rows12x2Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
            case 8: Rows8x3Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
            case 6: Rows6x4Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
            case 4: Rows4x6Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
            case 3: Rows3x8Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
            case 2: Rows2x12Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
            default: Rows1x12Avx512(ref x, ref taps, ref b, ldb, k, ref c, ldc, accumulate, run, left, skip); break;
        }
    }

    /// <summary>
    /// One 12 × 16 tile (12 rows, one vector of positions) over the 12-row tiles' packed weights: the narrow end of a
    /// run of 12 × 32 tiles (a plane of 196 positions is six of them and 4 more); see <see cref="GemmTile"/>.
    /// </summary>
    public static void GemmTile12x16(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate)
    {
        if (!Avx512F.IsSupported)
        {
            throw new PlatformNotSupportedException("The AVX-512 tiles need AVX-512F.");
        }

        Gemm12x1Avx512(ref a, ref b, ref offsets, k, ref c, ldc, accumulate);
    }

    /// <summary>
    /// <paramref name="count"/> adjacent tiles: tile t reads <c>b</c> and writes <c>c</c> shifted by t tile widths
    /// (<see cref="WideColumnsFor"/> when <paramref name="wide"/>, else <see cref="ColumnsFor"/>); see <see cref="GemmTile"/>.
    /// </summary>
    public static void GemmTiles(int rows, bool wide, ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate, int count)
    {
        if (!wide)
        {
            int narrow = ColumnsFor(rows);
            for (int t = 0; t < count; t++)
            {
                GemmTile(rows, ref a, ref Unsafe.Add(ref b, t * narrow), ref offsets, k, ref Unsafe.Add(ref c, t * narrow), ldc, accumulate);
            }

            return;
        }

        if (!Avx512F.IsSupported)
        {
            throw new PlatformNotSupportedException("The AVX-512 tiles need AVX-512F.");
        }

        int columns = WideColumnsFor(rows);
        for (int t = 0; t < count; t++)
        {
            ref float bt = ref Unsafe.Add(ref b, t * columns);
            ref float ct = ref Unsafe.Add(ref c, t * columns);
            switch (rows)
            {
                case 24: Gemm24x1Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
                case 16: Gemm16x1Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
                case 12: Gemm12x2Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
                case 8: Gemm8x3Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
                case 6: Gemm6x4Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
                case 4: Gemm4x6Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
                case 3: Gemm3x8Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
                case 2: Gemm2x12Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
                default: Gemm1x12Avx512(ref a, ref bt, ref offsets, k, ref ct, ldc, accumulate); break;
            }
        }
    }
}
