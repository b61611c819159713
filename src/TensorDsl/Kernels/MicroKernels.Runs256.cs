using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TensorDsl.Kernels;

// The 256-bit run tiles: R consecutive output positions of one row (stride-1 windows) × 16 output channels (two
// Vector256, 2·R ≤ 12 accumulators), each position's input values broadcast from the image at the tap's offset plus
// the position's column; the weights transposed, 16 output channels per tap (the AVX-512 run tiles' layout). Generated
// by tools/tiles/run256_tiles.py; each output element is one FMA chain over the taps in order, as in the GEMM tiles.
public static partial class MicroKernels
{
    /// <summary>Positions per 256-bit run tile, largest first.</summary>
    internal static ReadOnlySpan<int> RunSizes256 => [6, 5, 4];

    /// <summary>
    /// <c>c[r·ldc + j] (+)= Σ over i &lt; k of x[offsets[i] + r] · w[i·16 + j]</c> for the <paramref name="run"/> positions r
    /// (one of <see cref="RunSizes256"/>) and the 16 output channels j. Needs FMA.
    /// </summary>
    public static void RunTile256(int run, ref float x, ref int offsets, ref float w, int k, ref float c, int ldc, bool accumulate)
    {
        if (!Fma.IsSupported)
        {
            throw new PlatformNotSupportedException("The 256-bit tiles need FMA.");
        }

        switch (run)
        {
            case 6: Run6x2Fma(ref x, ref offsets, ref w, k, ref c, ldc, accumulate); break;
            case 5: Run5x2Fma(ref x, ref offsets, ref w, k, ref c, ldc, accumulate); break;
            default: Run4x2Fma(ref x, ref offsets, ref w, k, ref c, ldc, accumulate); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run4x2Fma(ref float x, ref int offsets, ref float weights, int k, ref float c, int ldc, bool accumulate)
    {
        Vector256<float> c0_0 = default, c0_1 = default;
        Vector256<float> c1_0 = default, c1_1 = default;
        Vector256<float> c2_0 = default, c2_1 = default;
        Vector256<float> c3_0 = default, c3_1 = default;
        if (accumulate)
        {
            c0_0 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 0));
            c0_1 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 8));
            c1_0 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 0));
            c1_1 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 8));
            c2_0 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 0));
            c2_1 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 8));
            c3_0 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 0));
            c3_1 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 8));
        }

        for (int i = 0; i < k; i++)
        {
            ref float source = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, i));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref weights, 0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref weights, 8);
            Vector256<float> w = Vector256.Create(Unsafe.Add(ref source, 0));
            c0_0 = Fma.MultiplyAdd(w, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(w, b1, c0_1);
            w = Vector256.Create(Unsafe.Add(ref source, 1));
            c1_0 = Fma.MultiplyAdd(w, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(w, b1, c1_1);
            w = Vector256.Create(Unsafe.Add(ref source, 2));
            c2_0 = Fma.MultiplyAdd(w, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(w, b1, c2_1);
            w = Vector256.Create(Unsafe.Add(ref source, 3));
            c3_0 = Fma.MultiplyAdd(w, b0, c3_0);
            c3_1 = Fma.MultiplyAdd(w, b1, c3_1);
            weights = ref Unsafe.Add(ref weights, 16);
        }

        c0_0.StoreUnsafe(ref c, (nuint)((0 * ldc) + 0));
        c0_1.StoreUnsafe(ref c, (nuint)((0 * ldc) + 8));
        c1_0.StoreUnsafe(ref c, (nuint)((1 * ldc) + 0));
        c1_1.StoreUnsafe(ref c, (nuint)((1 * ldc) + 8));
        c2_0.StoreUnsafe(ref c, (nuint)((2 * ldc) + 0));
        c2_1.StoreUnsafe(ref c, (nuint)((2 * ldc) + 8));
        c3_0.StoreUnsafe(ref c, (nuint)((3 * ldc) + 0));
        c3_1.StoreUnsafe(ref c, (nuint)((3 * ldc) + 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run5x2Fma(ref float x, ref int offsets, ref float weights, int k, ref float c, int ldc, bool accumulate)
    {
        Vector256<float> c0_0 = default, c0_1 = default;
        Vector256<float> c1_0 = default, c1_1 = default;
        Vector256<float> c2_0 = default, c2_1 = default;
        Vector256<float> c3_0 = default, c3_1 = default;
        Vector256<float> c4_0 = default, c4_1 = default;
        if (accumulate)
        {
            c0_0 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 0));
            c0_1 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 8));
            c1_0 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 0));
            c1_1 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 8));
            c2_0 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 0));
            c2_1 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 8));
            c3_0 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 0));
            c3_1 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 8));
            c4_0 = Vector256.LoadUnsafe(ref c, (nuint)((4 * ldc) + 0));
            c4_1 = Vector256.LoadUnsafe(ref c, (nuint)((4 * ldc) + 8));
        }

        for (int i = 0; i < k; i++)
        {
            ref float source = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, i));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref weights, 0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref weights, 8);
            Vector256<float> w = Vector256.Create(Unsafe.Add(ref source, 0));
            c0_0 = Fma.MultiplyAdd(w, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(w, b1, c0_1);
            w = Vector256.Create(Unsafe.Add(ref source, 1));
            c1_0 = Fma.MultiplyAdd(w, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(w, b1, c1_1);
            w = Vector256.Create(Unsafe.Add(ref source, 2));
            c2_0 = Fma.MultiplyAdd(w, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(w, b1, c2_1);
            w = Vector256.Create(Unsafe.Add(ref source, 3));
            c3_0 = Fma.MultiplyAdd(w, b0, c3_0);
            c3_1 = Fma.MultiplyAdd(w, b1, c3_1);
            w = Vector256.Create(Unsafe.Add(ref source, 4));
            c4_0 = Fma.MultiplyAdd(w, b0, c4_0);
            c4_1 = Fma.MultiplyAdd(w, b1, c4_1);
            weights = ref Unsafe.Add(ref weights, 16);
        }

        c0_0.StoreUnsafe(ref c, (nuint)((0 * ldc) + 0));
        c0_1.StoreUnsafe(ref c, (nuint)((0 * ldc) + 8));
        c1_0.StoreUnsafe(ref c, (nuint)((1 * ldc) + 0));
        c1_1.StoreUnsafe(ref c, (nuint)((1 * ldc) + 8));
        c2_0.StoreUnsafe(ref c, (nuint)((2 * ldc) + 0));
        c2_1.StoreUnsafe(ref c, (nuint)((2 * ldc) + 8));
        c3_0.StoreUnsafe(ref c, (nuint)((3 * ldc) + 0));
        c3_1.StoreUnsafe(ref c, (nuint)((3 * ldc) + 8));
        c4_0.StoreUnsafe(ref c, (nuint)((4 * ldc) + 0));
        c4_1.StoreUnsafe(ref c, (nuint)((4 * ldc) + 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run6x2Fma(ref float x, ref int offsets, ref float weights, int k, ref float c, int ldc, bool accumulate)
    {
        Vector256<float> c0_0 = default, c0_1 = default;
        Vector256<float> c1_0 = default, c1_1 = default;
        Vector256<float> c2_0 = default, c2_1 = default;
        Vector256<float> c3_0 = default, c3_1 = default;
        Vector256<float> c4_0 = default, c4_1 = default;
        Vector256<float> c5_0 = default, c5_1 = default;
        if (accumulate)
        {
            c0_0 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 0));
            c0_1 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 8));
            c1_0 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 0));
            c1_1 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 8));
            c2_0 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 0));
            c2_1 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 8));
            c3_0 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 0));
            c3_1 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 8));
            c4_0 = Vector256.LoadUnsafe(ref c, (nuint)((4 * ldc) + 0));
            c4_1 = Vector256.LoadUnsafe(ref c, (nuint)((4 * ldc) + 8));
            c5_0 = Vector256.LoadUnsafe(ref c, (nuint)((5 * ldc) + 0));
            c5_1 = Vector256.LoadUnsafe(ref c, (nuint)((5 * ldc) + 8));
        }

        for (int i = 0; i < k; i++)
        {
            ref float source = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, i));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref weights, 0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref weights, 8);
            Vector256<float> w = Vector256.Create(Unsafe.Add(ref source, 0));
            c0_0 = Fma.MultiplyAdd(w, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(w, b1, c0_1);
            w = Vector256.Create(Unsafe.Add(ref source, 1));
            c1_0 = Fma.MultiplyAdd(w, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(w, b1, c1_1);
            w = Vector256.Create(Unsafe.Add(ref source, 2));
            c2_0 = Fma.MultiplyAdd(w, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(w, b1, c2_1);
            w = Vector256.Create(Unsafe.Add(ref source, 3));
            c3_0 = Fma.MultiplyAdd(w, b0, c3_0);
            c3_1 = Fma.MultiplyAdd(w, b1, c3_1);
            w = Vector256.Create(Unsafe.Add(ref source, 4));
            c4_0 = Fma.MultiplyAdd(w, b0, c4_0);
            c4_1 = Fma.MultiplyAdd(w, b1, c4_1);
            w = Vector256.Create(Unsafe.Add(ref source, 5));
            c5_0 = Fma.MultiplyAdd(w, b0, c5_0);
            c5_1 = Fma.MultiplyAdd(w, b1, c5_1);
            weights = ref Unsafe.Add(ref weights, 16);
        }

        c0_0.StoreUnsafe(ref c, (nuint)((0 * ldc) + 0));
        c0_1.StoreUnsafe(ref c, (nuint)((0 * ldc) + 8));
        c1_0.StoreUnsafe(ref c, (nuint)((1 * ldc) + 0));
        c1_1.StoreUnsafe(ref c, (nuint)((1 * ldc) + 8));
        c2_0.StoreUnsafe(ref c, (nuint)((2 * ldc) + 0));
        c2_1.StoreUnsafe(ref c, (nuint)((2 * ldc) + 8));
        c3_0.StoreUnsafe(ref c, (nuint)((3 * ldc) + 0));
        c3_1.StoreUnsafe(ref c, (nuint)((3 * ldc) + 8));
        c4_0.StoreUnsafe(ref c, (nuint)((4 * ldc) + 0));
        c4_1.StoreUnsafe(ref c, (nuint)((4 * ldc) + 8));
        c5_0.StoreUnsafe(ref c, (nuint)((5 * ldc) + 0));
        c5_1.StoreUnsafe(ref c, (nuint)((5 * ldc) + 8));
    }
}
