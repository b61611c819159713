using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TensorDsl.Kernels;

// The register-blocked GEMM tiles: R output channels × (96 / R) positions, always 12 Vector256 accumulators.
// Written out per R (the JIT keeps only named locals in registers). When R·(B vectors) fits beside the accumulators
// the B vectors are loaded once per reduction step; otherwise the R weights are, and each FMA reads B from memory.
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

    /// <summary>Positions (columns) of a tile with <paramref name="rows"/> output channels.</summary>
    public static int ColumnsFor(int rows) => 96 / rows;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm1Fma(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate)
    {
        Vector256<float> c0_0 = default, c0_1 = default, c0_2 = default, c0_3 = default, c0_4 = default, c0_5 = default, c0_6 = default, c0_7 = default, c0_8 = default, c0_9 = default, c0_10 = default, c0_11 = default;
        if (accumulate)
        {
            c0_0 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 0));
            c0_1 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 8));
            c0_2 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 16));
            c0_3 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 24));
            c0_4 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 32));
            c0_5 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 40));
            c0_6 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 48));
            c0_7 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 56));
            c0_8 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 64));
            c0_9 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 72));
            c0_10 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 80));
            c0_11 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 88));
        }

        for (int i = 0; i < k; i++)
        {
            ref float source = ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, i));
            Vector256<float> w0 = Vector256.Create(Unsafe.Add(ref a, 0));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref source, 0);
            c0_0 = Fma.MultiplyAdd(w0, b0, c0_0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref source, 8);
            c0_1 = Fma.MultiplyAdd(w0, b1, c0_1);
            Vector256<float> b2 = Vector256.LoadUnsafe(ref source, 16);
            c0_2 = Fma.MultiplyAdd(w0, b2, c0_2);
            Vector256<float> b3 = Vector256.LoadUnsafe(ref source, 24);
            c0_3 = Fma.MultiplyAdd(w0, b3, c0_3);
            Vector256<float> b4 = Vector256.LoadUnsafe(ref source, 32);
            c0_4 = Fma.MultiplyAdd(w0, b4, c0_4);
            Vector256<float> b5 = Vector256.LoadUnsafe(ref source, 40);
            c0_5 = Fma.MultiplyAdd(w0, b5, c0_5);
            Vector256<float> b6 = Vector256.LoadUnsafe(ref source, 48);
            c0_6 = Fma.MultiplyAdd(w0, b6, c0_6);
            Vector256<float> b7 = Vector256.LoadUnsafe(ref source, 56);
            c0_7 = Fma.MultiplyAdd(w0, b7, c0_7);
            Vector256<float> b8 = Vector256.LoadUnsafe(ref source, 64);
            c0_8 = Fma.MultiplyAdd(w0, b8, c0_8);
            Vector256<float> b9 = Vector256.LoadUnsafe(ref source, 72);
            c0_9 = Fma.MultiplyAdd(w0, b9, c0_9);
            Vector256<float> b10 = Vector256.LoadUnsafe(ref source, 80);
            c0_10 = Fma.MultiplyAdd(w0, b10, c0_10);
            Vector256<float> b11 = Vector256.LoadUnsafe(ref source, 88);
            c0_11 = Fma.MultiplyAdd(w0, b11, c0_11);
            a = ref Unsafe.Add(ref a, 1);
        }

        c0_0.StoreUnsafe(ref c, (nuint)((0 * ldc) + 0));
        c0_1.StoreUnsafe(ref c, (nuint)((0 * ldc) + 8));
        c0_2.StoreUnsafe(ref c, (nuint)((0 * ldc) + 16));
        c0_3.StoreUnsafe(ref c, (nuint)((0 * ldc) + 24));
        c0_4.StoreUnsafe(ref c, (nuint)((0 * ldc) + 32));
        c0_5.StoreUnsafe(ref c, (nuint)((0 * ldc) + 40));
        c0_6.StoreUnsafe(ref c, (nuint)((0 * ldc) + 48));
        c0_7.StoreUnsafe(ref c, (nuint)((0 * ldc) + 56));
        c0_8.StoreUnsafe(ref c, (nuint)((0 * ldc) + 64));
        c0_9.StoreUnsafe(ref c, (nuint)((0 * ldc) + 72));
        c0_10.StoreUnsafe(ref c, (nuint)((0 * ldc) + 80));
        c0_11.StoreUnsafe(ref c, (nuint)((0 * ldc) + 88));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm2Fma(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate)
    {
        Vector256<float> c0_0 = default, c0_1 = default, c0_2 = default, c0_3 = default, c0_4 = default, c0_5 = default, c1_0 = default, c1_1 = default, c1_2 = default, c1_3 = default, c1_4 = default, c1_5 = default;
        if (accumulate)
        {
            c0_0 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 0));
            c0_1 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 8));
            c0_2 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 16));
            c0_3 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 24));
            c0_4 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 32));
            c0_5 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 40));
            c1_0 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 0));
            c1_1 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 8));
            c1_2 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 16));
            c1_3 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 24));
            c1_4 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 32));
            c1_5 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 40));
        }

        for (int i = 0; i < k; i++)
        {
            ref float source = ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, i));
            Vector256<float> w0 = Vector256.Create(Unsafe.Add(ref a, 0));
            Vector256<float> w1 = Vector256.Create(Unsafe.Add(ref a, 1));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref source, 0);
            c0_0 = Fma.MultiplyAdd(w0, b0, c0_0);
            c1_0 = Fma.MultiplyAdd(w1, b0, c1_0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref source, 8);
            c0_1 = Fma.MultiplyAdd(w0, b1, c0_1);
            c1_1 = Fma.MultiplyAdd(w1, b1, c1_1);
            Vector256<float> b2 = Vector256.LoadUnsafe(ref source, 16);
            c0_2 = Fma.MultiplyAdd(w0, b2, c0_2);
            c1_2 = Fma.MultiplyAdd(w1, b2, c1_2);
            Vector256<float> b3 = Vector256.LoadUnsafe(ref source, 24);
            c0_3 = Fma.MultiplyAdd(w0, b3, c0_3);
            c1_3 = Fma.MultiplyAdd(w1, b3, c1_3);
            Vector256<float> b4 = Vector256.LoadUnsafe(ref source, 32);
            c0_4 = Fma.MultiplyAdd(w0, b4, c0_4);
            c1_4 = Fma.MultiplyAdd(w1, b4, c1_4);
            Vector256<float> b5 = Vector256.LoadUnsafe(ref source, 40);
            c0_5 = Fma.MultiplyAdd(w0, b5, c0_5);
            c1_5 = Fma.MultiplyAdd(w1, b5, c1_5);
            a = ref Unsafe.Add(ref a, 2);
        }

        c0_0.StoreUnsafe(ref c, (nuint)((0 * ldc) + 0));
        c0_1.StoreUnsafe(ref c, (nuint)((0 * ldc) + 8));
        c0_2.StoreUnsafe(ref c, (nuint)((0 * ldc) + 16));
        c0_3.StoreUnsafe(ref c, (nuint)((0 * ldc) + 24));
        c0_4.StoreUnsafe(ref c, (nuint)((0 * ldc) + 32));
        c0_5.StoreUnsafe(ref c, (nuint)((0 * ldc) + 40));
        c1_0.StoreUnsafe(ref c, (nuint)((1 * ldc) + 0));
        c1_1.StoreUnsafe(ref c, (nuint)((1 * ldc) + 8));
        c1_2.StoreUnsafe(ref c, (nuint)((1 * ldc) + 16));
        c1_3.StoreUnsafe(ref c, (nuint)((1 * ldc) + 24));
        c1_4.StoreUnsafe(ref c, (nuint)((1 * ldc) + 32));
        c1_5.StoreUnsafe(ref c, (nuint)((1 * ldc) + 40));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm3Fma(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate)
    {
        Vector256<float> c0_0 = default, c0_1 = default, c0_2 = default, c0_3 = default, c1_0 = default, c1_1 = default, c1_2 = default, c1_3 = default, c2_0 = default, c2_1 = default, c2_2 = default, c2_3 = default;
        if (accumulate)
        {
            c0_0 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 0));
            c0_1 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 8));
            c0_2 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 16));
            c0_3 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 24));
            c1_0 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 0));
            c1_1 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 8));
            c1_2 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 16));
            c1_3 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 24));
            c2_0 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 0));
            c2_1 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 8));
            c2_2 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 16));
            c2_3 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 24));
        }

        for (int i = 0; i < k; i++)
        {
            ref float source = ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, i));
            Vector256<float> w0 = Vector256.Create(Unsafe.Add(ref a, 0));
            Vector256<float> w1 = Vector256.Create(Unsafe.Add(ref a, 1));
            Vector256<float> w2 = Vector256.Create(Unsafe.Add(ref a, 2));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref source, 0);
            c0_0 = Fma.MultiplyAdd(w0, b0, c0_0);
            c1_0 = Fma.MultiplyAdd(w1, b0, c1_0);
            c2_0 = Fma.MultiplyAdd(w2, b0, c2_0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref source, 8);
            c0_1 = Fma.MultiplyAdd(w0, b1, c0_1);
            c1_1 = Fma.MultiplyAdd(w1, b1, c1_1);
            c2_1 = Fma.MultiplyAdd(w2, b1, c2_1);
            Vector256<float> b2 = Vector256.LoadUnsafe(ref source, 16);
            c0_2 = Fma.MultiplyAdd(w0, b2, c0_2);
            c1_2 = Fma.MultiplyAdd(w1, b2, c1_2);
            c2_2 = Fma.MultiplyAdd(w2, b2, c2_2);
            Vector256<float> b3 = Vector256.LoadUnsafe(ref source, 24);
            c0_3 = Fma.MultiplyAdd(w0, b3, c0_3);
            c1_3 = Fma.MultiplyAdd(w1, b3, c1_3);
            c2_3 = Fma.MultiplyAdd(w2, b3, c2_3);
            a = ref Unsafe.Add(ref a, 3);
        }

        c0_0.StoreUnsafe(ref c, (nuint)((0 * ldc) + 0));
        c0_1.StoreUnsafe(ref c, (nuint)((0 * ldc) + 8));
        c0_2.StoreUnsafe(ref c, (nuint)((0 * ldc) + 16));
        c0_3.StoreUnsafe(ref c, (nuint)((0 * ldc) + 24));
        c1_0.StoreUnsafe(ref c, (nuint)((1 * ldc) + 0));
        c1_1.StoreUnsafe(ref c, (nuint)((1 * ldc) + 8));
        c1_2.StoreUnsafe(ref c, (nuint)((1 * ldc) + 16));
        c1_3.StoreUnsafe(ref c, (nuint)((1 * ldc) + 24));
        c2_0.StoreUnsafe(ref c, (nuint)((2 * ldc) + 0));
        c2_1.StoreUnsafe(ref c, (nuint)((2 * ldc) + 8));
        c2_2.StoreUnsafe(ref c, (nuint)((2 * ldc) + 16));
        c2_3.StoreUnsafe(ref c, (nuint)((2 * ldc) + 24));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm4Fma(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate)
    {
        Vector256<float> c0_0 = default, c0_1 = default, c0_2 = default, c1_0 = default, c1_1 = default, c1_2 = default, c2_0 = default, c2_1 = default, c2_2 = default, c3_0 = default, c3_1 = default, c3_2 = default;
        if (accumulate)
        {
            c0_0 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 0));
            c0_1 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 8));
            c0_2 = Vector256.LoadUnsafe(ref c, (nuint)((0 * ldc) + 16));
            c1_0 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 0));
            c1_1 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 8));
            c1_2 = Vector256.LoadUnsafe(ref c, (nuint)((1 * ldc) + 16));
            c2_0 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 0));
            c2_1 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 8));
            c2_2 = Vector256.LoadUnsafe(ref c, (nuint)((2 * ldc) + 16));
            c3_0 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 0));
            c3_1 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 8));
            c3_2 = Vector256.LoadUnsafe(ref c, (nuint)((3 * ldc) + 16));
        }

        for (int i = 0; i < k; i++)
        {
            ref float source = ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, i));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref source, 0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref source, 8);
            Vector256<float> b2 = Vector256.LoadUnsafe(ref source, 16);
            Vector256<float> w0 = Vector256.Create(Unsafe.Add(ref a, 0));
            c0_0 = Fma.MultiplyAdd(w0, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(w0, b1, c0_1);
            c0_2 = Fma.MultiplyAdd(w0, b2, c0_2);
            w0 = Vector256.Create(Unsafe.Add(ref a, 1));
            c1_0 = Fma.MultiplyAdd(w0, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(w0, b1, c1_1);
            c1_2 = Fma.MultiplyAdd(w0, b2, c1_2);
            w0 = Vector256.Create(Unsafe.Add(ref a, 2));
            c2_0 = Fma.MultiplyAdd(w0, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(w0, b1, c2_1);
            c2_2 = Fma.MultiplyAdd(w0, b2, c2_2);
            w0 = Vector256.Create(Unsafe.Add(ref a, 3));
            c3_0 = Fma.MultiplyAdd(w0, b0, c3_0);
            c3_1 = Fma.MultiplyAdd(w0, b1, c3_1);
            c3_2 = Fma.MultiplyAdd(w0, b2, c3_2);
            a = ref Unsafe.Add(ref a, 4);
        }

        c0_0.StoreUnsafe(ref c, (nuint)((0 * ldc) + 0));
        c0_1.StoreUnsafe(ref c, (nuint)((0 * ldc) + 8));
        c0_2.StoreUnsafe(ref c, (nuint)((0 * ldc) + 16));
        c1_0.StoreUnsafe(ref c, (nuint)((1 * ldc) + 0));
        c1_1.StoreUnsafe(ref c, (nuint)((1 * ldc) + 8));
        c1_2.StoreUnsafe(ref c, (nuint)((1 * ldc) + 16));
        c2_0.StoreUnsafe(ref c, (nuint)((2 * ldc) + 0));
        c2_1.StoreUnsafe(ref c, (nuint)((2 * ldc) + 8));
        c2_2.StoreUnsafe(ref c, (nuint)((2 * ldc) + 16));
        c3_0.StoreUnsafe(ref c, (nuint)((3 * ldc) + 0));
        c3_1.StoreUnsafe(ref c, (nuint)((3 * ldc) + 8));
        c3_2.StoreUnsafe(ref c, (nuint)((3 * ldc) + 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm6Fma(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc, bool accumulate)
    {
        Vector256<float> c0_0 = default, c0_1 = default, c1_0 = default, c1_1 = default, c2_0 = default, c2_1 = default, c3_0 = default, c3_1 = default, c4_0 = default, c4_1 = default, c5_0 = default, c5_1 = default;
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
            ref float source = ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, i));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref source, 0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref source, 8);
            Vector256<float> w0 = Vector256.Create(Unsafe.Add(ref a, 0));
            c0_0 = Fma.MultiplyAdd(w0, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(w0, b1, c0_1);
            w0 = Vector256.Create(Unsafe.Add(ref a, 1));
            c1_0 = Fma.MultiplyAdd(w0, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(w0, b1, c1_1);
            w0 = Vector256.Create(Unsafe.Add(ref a, 2));
            c2_0 = Fma.MultiplyAdd(w0, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(w0, b1, c2_1);
            w0 = Vector256.Create(Unsafe.Add(ref a, 3));
            c3_0 = Fma.MultiplyAdd(w0, b0, c3_0);
            c3_1 = Fma.MultiplyAdd(w0, b1, c3_1);
            w0 = Vector256.Create(Unsafe.Add(ref a, 4));
            c4_0 = Fma.MultiplyAdd(w0, b0, c4_0);
            c4_1 = Fma.MultiplyAdd(w0, b1, c4_1);
            w0 = Vector256.Create(Unsafe.Add(ref a, 5));
            c5_0 = Fma.MultiplyAdd(w0, b0, c5_0);
            c5_1 = Fma.MultiplyAdd(w0, b1, c5_1);
            a = ref Unsafe.Add(ref a, 6);
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
