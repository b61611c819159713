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
public static partial class MicroKernels
{
    /// <summary>Output channels of a weight-gradient tile.</summary>
    public const int DotRows = 4;

    /// <summary>Taps of a weight-gradient tile.</summary>
    public const int DotTaps = 3;

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
