using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace TensorDsl.Benchmarks;

/// <summary>
/// The machine's fp32 FMA peak: 12 independent FMA chains per thread, all threads at once, of the widest vectors the
/// processor runs (Vector512 with AVX-512F, else Vector256 with FMA).
/// </summary>
internal static class FmaPeak
{
    private const int Iterations = 20_000_000;

    /// <summary>
    /// The best of 10 attempts of the sum over threads of each thread's own FMA rate (all threads started together): a
    /// shared VM that steals one vCPU for a moment then lowers one attempt, not the figure.
    /// </summary>
    public static double Measure(int threads)
    {
        double best = 0;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            using Barrier barrier = new(threads);
            Thread[] workers = new Thread[threads];
            double[] rates = new double[threads];
            for (int i = 0; i < threads; i++)
            {
                int index = i;
                workers[i] = new Thread(() =>
                {
                    barrier.SignalAndWait();
                    long start = Stopwatch.GetTimestamp();
                    Sink = Loop(Iterations);
                    rates[index] = (double)Iterations * 12 * 2 * Lanes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
                });
                workers[i].Start();
            }

            double sum = 0;
            for (int i = 0; i < threads; i++)
            {
                workers[i].Join();
                sum += rates[i];
            }

            best = System.Math.Max(best, sum);
        }

        return best;
    }

    private static float Sink { get; set; }

    /// <summary>The vector instruction set the peak is measured with.</summary>
    public static string Isa => Wide ? "AVX-512 (Vector512 FMA)" : "AVX2 (Vector256 FMA)";

    private static int Lanes => Wide ? 16 : 8;

    /// <summary>Whether the loop runs Vector512 FMA (else Vector256).</summary>
    private static bool Wide => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(int iterations)
    {
        Vector512<float> m = Vector512.Create(0.9999999f), a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector512<float> c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, m, a);
            c1 = Avx512F.FusedMultiplyAdd(c1, m, a);
            c2 = Avx512F.FusedMultiplyAdd(c2, m, a);
            c3 = Avx512F.FusedMultiplyAdd(c3, m, a);
            c4 = Avx512F.FusedMultiplyAdd(c4, m, a);
            c5 = Avx512F.FusedMultiplyAdd(c5, m, a);
            c6 = Avx512F.FusedMultiplyAdd(c6, m, a);
            c7 = Avx512F.FusedMultiplyAdd(c7, m, a);
            c8 = Avx512F.FusedMultiplyAdd(c8, m, a);
            c9 = Avx512F.FusedMultiplyAdd(c9, m, a);
            c10 = Avx512F.FusedMultiplyAdd(c10, m, a);
            c11 = Avx512F.FusedMultiplyAdd(c11, m, a);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop(int iterations)
    {
        if (Wide)
        {
            return Loop512(iterations);
        }

        if (!Fma.IsSupported)
        {
            return 0;
        }

        Vector256<float> m = Vector256.Create(0.9999999f), a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector256<float> c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, m, a);
            c1 = Fma.MultiplyAdd(c1, m, a);
            c2 = Fma.MultiplyAdd(c2, m, a);
            c3 = Fma.MultiplyAdd(c3, m, a);
            c4 = Fma.MultiplyAdd(c4, m, a);
            c5 = Fma.MultiplyAdd(c5, m, a);
            c6 = Fma.MultiplyAdd(c6, m, a);
            c7 = Fma.MultiplyAdd(c7, m, a);
            c8 = Fma.MultiplyAdd(c8, m, a);
            c9 = Fma.MultiplyAdd(c9, m, a);
            c10 = Fma.MultiplyAdd(c10, m, a);
            c11 = Fma.MultiplyAdd(c11, m, a);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
