using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TensorDsl.Kernels;

// The register-blocked GEMM tiles: R output channels × (96 / R) positions, always 12 Vector256 accumulators.
// The FMA tiles themselves are in MicroKernels.Gemm256.cs (written by tools/tiles/gemm256_tiles.py); here the dispatch
// and the portable fallback.
public static partial class MicroKernels
{
    /// <summary>
    /// <c>c[r·ldc + j] (+)= Σ over i &lt; k of a[R·i + r] · b[offsets[i] + j]</c> for r &lt; R = <paramref name="rows"/>
    /// (1, 2, 3, 4 or 6) and j &lt; <see cref="ColumnsFor"/>(R); with <paramref name="accumulate"/> the sum starts
    /// from c instead of zero. Sums in order of i.
    /// </summary>
    public static void GemmTile(int rows, ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate)
    {
        if (Fma.IsSupported && Vector256.IsHardwareAccelerated)
        {
            switch (rows)
            {
                case 1: Gemm1Fma(ref a, ref b, ref offsets, k, ref c, ldc, accumulate); return;
                case 2: Gemm2Fma(ref a, ref b, ref offsets, k, ref c, ldc, accumulate); return;
                case 3: Gemm3Fma(ref a, ref b, ref offsets, k, ref c, ldc, accumulate); return;
                case 4: Gemm4Fma(ref a, ref b, ref offsets, k, ref c, ldc, accumulate); return;
                case 6: Gemm6Fma(ref a, ref b, ref offsets, k, ref c, ldc, accumulate); return;
            }
        }

        GemmPortable(rows, ref a, ref b, ref offsets, k, ref c, ldc, accumulate);
    }

    /// <summary>
    /// The 256-bit weight-gradient tile: <c>c[r·ldc + j] (+)= Σ over i &lt; k of x[rowOffsets[r] + i] · b[i·ldb + j]</c>
    /// for r &lt; R = <paramref name="rows"/> (1, 2, 3, 4 or 6) and j &lt; <see cref="ColumnsFor"/>(R); sums in order of i.
    /// Needs FMA.
    /// </summary>
    public static void RowsTile256(int rows, ref float x, ref int rowOffsets, ref float b, int ldb, int k, ref float c, int ldc, bool accumulate)
    {
        if (!Fma.IsSupported)
        {
            throw new PlatformNotSupportedException("The 256-bit weight-gradient tiles need FMA.");
        }

        switch (rows)
        {
            case 1: Rows1Fma(ref x, ref rowOffsets, ref b, ldb, k, ref c, ldc, accumulate); return;
            case 2: Rows2Fma(ref x, ref rowOffsets, ref b, ldb, k, ref c, ldc, accumulate); return;
            case 3: Rows3Fma(ref x, ref rowOffsets, ref b, ldb, k, ref c, ldc, accumulate); return;
            case 4: Rows4Fma(ref x, ref rowOffsets, ref b, ldb, k, ref c, ldc, accumulate); return;
            case 6: Rows6Fma(ref x, ref rowOffsets, ref b, ldb, k, ref c, ldc, accumulate); return;
            default: throw new ArgumentOutOfRangeException(nameof(rows), rows, "The 256-bit tiles have 1, 2, 3, 4 or 6 rows.");
        }
    }

    /// <summary>Positions (columns) of a tile with <paramref name="rows"/> output channels.</summary>
    public static int ColumnsFor(int rows) => 96 / rows;

    /// <summary>256-bit tile rows for a GEMM of <paramref name="rows"/> × <paramref name="columns"/>: least padded work.</summary>
    public static int RowsFor(int rows, int columns) => RowsFor(rows, columns, [6, 4, 3, 2, 1]);

    /// <summary>The 256-bit tile rows of <paramref name="candidates"/> that compute least (padded); the first of equals.</summary>
    public static int RowsFor(int rows, int columns, ReadOnlySpan<int> candidates)
    {
        int best = candidates[0];
        long bestWork = long.MaxValue;
        foreach (int r in candidates)
        {
            long work = (long)RoundUp(rows, r) * RoundUp(columns, ColumnsFor(r));
            if (work < bestWork)
            {
                best = r;
                bestWork = work;
            }
        }

        return best;
    }

    /// <summary>
    /// Rows of the 256-bit weight-gradient tiles (<see cref="RowsTile256"/>) for <paramref name="rows"/> taps ×
    /// <paramref name="columns"/> grid channels: 6 (two loads of the transposed gradient per step, which come from L2,
    /// against four for 3 rows) unless that computes over 5 % more than the least padded choice (<see cref="RowsFor(int, int)"/>).
    /// One thread, alternating runs: resnet_stem's 147 taps × 64 channels 58 → 69 GFLOP/CPU-s on 6 rows (150 taps) against
    /// 3; seed_mnist's 25 × 30 stays on 3 (6 rows pad 11 % more, 43–45 against 42).
    /// </summary>
    public static int Rows256For(int rows, int columns)
    {
        int least = RowsFor(rows, columns);
        long Work(int r) => (long)RoundUp(rows, r) * RoundUp(columns, ColumnsFor(r));
        return Work(6) * 100 <= Work(least) * 105 ? 6 : least;
    }

    /// <summary>Any R without FMA: Vector128 (or scalar) per row, summing in the same order of i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemmPortable(int rows, ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate)
    {
        int columns = ColumnsFor(rows);
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref c, r * ldc);
            int j = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                for (; j < columns; j += 4)
                {
                    Vector128<float> sum = accumulate ? Vector128.LoadUnsafe(ref row, (nuint)j) : default;
                    for (int i = 0; i < k; i++)
                    {
                        Vector128<float> source = Vector128.LoadUnsafe(ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, i) + j));
                        sum += Vector128.Create(Unsafe.Add(ref a, (i * rows) + r)) * source;
                    }

                    sum.StoreUnsafe(ref row, (nuint)j);
                }
            }

            for (; j < columns; j++)
            {
                float sum = accumulate ? Unsafe.Add(ref row, j) : 0f;
                for (int i = 0; i < k; i++)
                {
                    sum += Unsafe.Add(ref a, (i * rows) + r) * Unsafe.Add(ref b, Unsafe.Add(ref offsets, i) + j);
                }

                Unsafe.Add(ref row, j) = sum;
            }
        }
    }
}
