using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TensorDsl.Kernels;

/// <summary>
/// Register-blocked inner kernels. Each sums over its reduction index in one fixed order, whatever the
/// instruction set, so a result never depends on the thread that computes it. The widest path the processor
/// accelerates is chosen at run time: Vector256 with FMA, Vector128, or scalar.
/// </summary>
public static class MicroKernels
{
    /// <summary>Rows of the output tile of <see cref="Gemm6x16"/> (output channels).</summary>
    public const int Rows = 6;

    /// <summary>Columns of the output tile of <see cref="Gemm6x16"/> (output positions).</summary>
    public const int Columns = 16;

    /// <summary>Output channels of a weight-gradient tile.</summary>
    public const int DotRows = 4;

    /// <summary>Taps of a weight-gradient tile.</summary>
    public const int DotTaps = 3;

    /// <summary>
    /// The implicit-GEMM tile: <c>c[r·ldc + j] = Σ over i &lt; k of a[6·i + r] · b[offsets[i] + j]</c> for r &lt; 6, j &lt; 16.
    /// <paramref name="a"/> is a packed weight panel (6 output channels interleaved), <paramref name="offsets"/> says
    /// where each reduction index (channel and kernel tap) reads the transformed input.
    /// </summary>
    public static void Gemm6x16(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc)
    {
        if (Fma.IsSupported && Vector256.IsHardwareAccelerated)
        {
            Gemm6x16Fma(ref a, ref b, ref offsets, k, ref c, ldc);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Gemm6x16Vector128(ref a, ref b, ref offsets, k, ref c, ldc);
        }
        else
        {
            Gemm6x16Scalar(ref a, ref b, ref offsets, k, ref c, ldc);
        }
    }

    private static void Gemm6x16Fma(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int i = 0; i < k; i++)
        {
            ref float source = ref Unsafe.Add(ref b, Unsafe.Add(ref offsets, i));
            Vector256<float> b0 = Vector256.LoadUnsafe(ref source);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref source, 8);
            Vector256<float> w = Vector256.Create(a);
            c00 = Fma.MultiplyAdd(w, b0, c00);
            c01 = Fma.MultiplyAdd(w, b1, c01);
            w = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = Fma.MultiplyAdd(w, b0, c10);
            c11 = Fma.MultiplyAdd(w, b1, c11);
            w = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = Fma.MultiplyAdd(w, b0, c20);
            c21 = Fma.MultiplyAdd(w, b1, c21);
            w = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = Fma.MultiplyAdd(w, b0, c30);
            c31 = Fma.MultiplyAdd(w, b1, c31);
            w = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = Fma.MultiplyAdd(w, b0, c40);
            c41 = Fma.MultiplyAdd(w, b1, c41);
            w = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = Fma.MultiplyAdd(w, b0, c50);
            c51 = Fma.MultiplyAdd(w, b1, c51);
            a = ref Unsafe.Add(ref a, 6);
        }

        c00.StoreUnsafe(ref c);
        c01.StoreUnsafe(ref c, 8);
        ref float row = ref Unsafe.Add(ref c, ldc);
        c10.StoreUnsafe(ref row);
        c11.StoreUnsafe(ref row, 8);
        row = ref Unsafe.Add(ref row, ldc);
        c20.StoreUnsafe(ref row);
        c21.StoreUnsafe(ref row, 8);
        row = ref Unsafe.Add(ref row, ldc);
        c30.StoreUnsafe(ref row);
        c31.StoreUnsafe(ref row, 8);
        row = ref Unsafe.Add(ref row, ldc);
        c40.StoreUnsafe(ref row);
        c41.StoreUnsafe(ref row, 8);
        row = ref Unsafe.Add(ref row, ldc);
        c50.StoreUnsafe(ref row);
        c51.StoreUnsafe(ref row, 8);
    }

    private static void Gemm6x16Vector128(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc)
    {
        // Two passes of 6×8 keep the accumulators within the 16 SSE registers.
        for (int half = 0; half < 2; half++)
        {
            Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            ref float ap = ref a;
            ref float bh = ref Unsafe.Add(ref b, half * 8);
            for (int i = 0; i < k; i++)
            {
                ref float source = ref Unsafe.Add(ref bh, Unsafe.Add(ref offsets, i));
                Vector128<float> b0 = Vector128.LoadUnsafe(ref source);
                Vector128<float> b1 = Vector128.LoadUnsafe(ref source, 4);
                c00 = MultiplyAdd(Vector128.Create(ap), b0, c00);
                c01 = MultiplyAdd(Vector128.Create(ap), b1, c01);
                c10 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 1)), b0, c10);
                c11 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 1)), b1, c11);
                c20 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 2)), b0, c20);
                c21 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 2)), b1, c21);
                c30 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 3)), b0, c30);
                c31 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 3)), b1, c31);
                c40 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 4)), b0, c40);
                c41 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 4)), b1, c41);
                c50 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 5)), b0, c50);
                c51 = MultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 5)), b1, c51);
                ap = ref Unsafe.Add(ref ap, 6);
            }

            ref float row = ref Unsafe.Add(ref c, half * 8);
            c00.StoreUnsafe(ref row);
            c01.StoreUnsafe(ref row, 4);
            row = ref Unsafe.Add(ref row, ldc);
            c10.StoreUnsafe(ref row);
            c11.StoreUnsafe(ref row, 4);
            row = ref Unsafe.Add(ref row, ldc);
            c20.StoreUnsafe(ref row);
            c21.StoreUnsafe(ref row, 4);
            row = ref Unsafe.Add(ref row, ldc);
            c30.StoreUnsafe(ref row);
            c31.StoreUnsafe(ref row, 4);
            row = ref Unsafe.Add(ref row, ldc);
            c40.StoreUnsafe(ref row);
            c41.StoreUnsafe(ref row, 4);
            row = ref Unsafe.Add(ref row, ldc);
            c50.StoreUnsafe(ref row);
            c51.StoreUnsafe(ref row, 4);
        }
    }

    internal static void Gemm6x16Scalar(ref float a, ref float b, ref int offsets, int k, ref float c, int ldc)
    {
        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < Columns; j++)
            {
                float sum = 0f;
                for (int i = 0; i < k; i++)
                {
                    sum += Unsafe.Add(ref a, (i * Rows) + r) * Unsafe.Add(ref b, Unsafe.Add(ref offsets, i) + j);
                }

                Unsafe.Add(ref c, (r * ldc) + j) = sum;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : c + (a * b);

    /// <summary>
    /// The weight-gradient tile: for r &lt; 4 and t &lt; 3, <c>sums[3·r + t] += Σ over p &lt; length (a multiple of 8) of
    /// g[r·ldg + p] · x[offsets[t] + p]</c>, summing each of 8 lanes in order and then the lanes pairwise.
    /// </summary>
    public static void Dot4x3(ref float g, int ldg, ref float x, ref int offsets, int length, ref float sums)
    {
        if (Fma.IsSupported && Vector256.IsHardwareAccelerated)
        {
            Dot4x3Fma(ref g, ldg, ref x, ref offsets, length, ref sums);
        }
        else
        {
            Dot4x3Portable(ref g, ldg, ref x, ref offsets, length, ref sums);
        }
    }

    private static void Dot4x3Fma(ref float g, int ldg, ref float x, ref int offsets, int length, ref float sums)
    {
        Vector256<float> s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
        Vector256<float> s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
        ref float x0 = ref Unsafe.Add(ref x, offsets);
        ref float x1 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 1));
        ref float x2 = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, 2));
        ref float g1 = ref Unsafe.Add(ref g, ldg);
        ref float g2 = ref Unsafe.Add(ref g, 2 * ldg);
        ref float g3 = ref Unsafe.Add(ref g, 3 * ldg);
        for (nuint p = 0; p < (nuint)length; p += 8)
        {
            Vector256<float> a0 = Vector256.LoadUnsafe(ref x0, p);
            Vector256<float> a1 = Vector256.LoadUnsafe(ref x1, p);
            Vector256<float> a2 = Vector256.LoadUnsafe(ref x2, p);
            Vector256<float> v = Vector256.LoadUnsafe(ref g, p);
            s00 = Fma.MultiplyAdd(v, a0, s00);
            s01 = Fma.MultiplyAdd(v, a1, s01);
            s02 = Fma.MultiplyAdd(v, a2, s02);
            v = Vector256.LoadUnsafe(ref g1, p);
            s10 = Fma.MultiplyAdd(v, a0, s10);
            s11 = Fma.MultiplyAdd(v, a1, s11);
            s12 = Fma.MultiplyAdd(v, a2, s12);
            v = Vector256.LoadUnsafe(ref g2, p);
            s20 = Fma.MultiplyAdd(v, a0, s20);
            s21 = Fma.MultiplyAdd(v, a1, s21);
            s22 = Fma.MultiplyAdd(v, a2, s22);
            v = Vector256.LoadUnsafe(ref g3, p);
            s30 = Fma.MultiplyAdd(v, a0, s30);
            s31 = Fma.MultiplyAdd(v, a1, s31);
            s32 = Fma.MultiplyAdd(v, a2, s32);
        }

        // Reduce 12 vectors to 12 sums with a fixed tree: two 8-wide transposes by horizontal adds.
        Vector256<float> t0 = Avx.HorizontalAdd(Avx.HorizontalAdd(s00, s01), Avx.HorizontalAdd(s02, s10));
        Vector256<float> t1 = Avx.HorizontalAdd(Avx.HorizontalAdd(s11, s12), Avx.HorizontalAdd(s20, s21));
        Vector256<float> t2 = Avx.HorizontalAdd(Avx.HorizontalAdd(s22, s30), Avx.HorizontalAdd(s31, s32));
        Vector256<float> r0 = Vector256.Create(t0.GetLower() + t0.GetUpper(), t1.GetLower() + t1.GetUpper());
        Vector128<float> r2 = t2.GetLower() + t2.GetUpper();
        (Vector256.LoadUnsafe(ref sums) + r0).StoreUnsafe(ref sums);
        (Vector128.LoadUnsafe(ref sums, 8) + r2).StoreUnsafe(ref sums, 8);
    }

    private static void Dot4x3Portable(ref float g, int ldg, ref float x, ref int offsets, int length, ref float sums)
    {
        // The same lane structure as the FMA path (8 partial sums, then a fixed tree), written with scalars.
        Span<float> lanes = stackalloc float[8];
        for (int r = 0; r < DotRows; r++)
        {
            for (int t = 0; t < DotTaps; t++)
            {
                lanes.Clear();
                ref float gr = ref Unsafe.Add(ref g, r * ldg);
                ref float xt = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, t));
                for (int p = 0; p < length; p += 8)
                {
                    for (int l = 0; l < 8; l++)
                    {
                        lanes[l] += Unsafe.Add(ref gr, p + l) * Unsafe.Add(ref xt, p + l);
                    }
                }

                Unsafe.Add(ref sums, (r * DotTaps) + t) += ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
            }
        }
    }
}
