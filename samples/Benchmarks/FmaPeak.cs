using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace TensorDsl.Benchmarks;

/// <summary>The machine's fp32 FMA peak: 12 independent Vector256 FMA chains per thread, all threads at once.</summary>
internal static class FmaPeak
{
    private const int Iterations = 20_000_000;

    public static double Measure(int threads)
    {
        double best = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            using Barrier barrier = new(threads + 1);
            Thread[] workers = new Thread[threads];
            for (int i = 0; i < threads; i++)
            {
                workers[i] = new Thread(() =>
                {
                    barrier.SignalAndWait();
                    Sink = Loop(Iterations);
                });
                workers[i].Start();
            }

            barrier.SignalAndWait();
            Stopwatch watch = Stopwatch.StartNew();
            foreach (Thread worker in workers)
            {
                worker.Join();
            }

            double flops = (double)threads * Iterations * 12 * 16;
            best = System.Math.Max(best, flops / watch.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    private static float Sink { get; set; }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop(int iterations)
    {
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
