using System;
using BenchmarkDotNet.Running;

namespace TensorDsl.Benchmarks;

/// <summary>
/// <c>compare DIR THREADS [CASES]</c>: the comparison with PyTorch (torch_bench.py, run as a timing server; see compare.sh).
/// Anything else goes to BenchmarkDotNet, e.g. <c>--filter *SuiteBenchmarks*</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "compare")
        {
            return Compare.Run(
                args[1],
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2,
                args.Length > 3 && args[3].Length > 0 ? args[3] : null,
                Environment.GetEnvironmentVariable("PYTHON") ?? "/usr/bin/python3");
        }

        if (args.Length >= 3 && args[0] == "loop")
        {
            // loop CASE PART [SECONDS]: calls one part (fwd, gx, gw, gb, bwd) repeatedly, for perf record.
            SuiteCase c = System.Array.Find(SuiteCase.All, x => x.Name == args[1])!;
            Action call = args[2] switch
            {
                "fwd" => c.Forward,
                "bwd" => c.Backward,
                _ => System.Array.Find(c.BackwardParts(), p => p.Name == args[2]).Call,
            };
            call();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            int calls = 0;
            double seconds = args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 10;
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                call();
                calls++;
            }

            double cpuMs = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / calls;
            double flops = c.ForwardFlops * (args[2] == "bwd" ? 2 : 1);
            Console.WriteLine($"{c.Name} {args[2]}: {calls} calls, {watch.Elapsed.TotalMilliseconds / calls:F3} ms per call, {cpuMs:F3} CPU ms per call ({flops / cpuMs / 1e6:F1} GFLOP per CPU second)");
            return 0;
        }

        if (args.Length >= 3 && args[0] == "dist")
        {
            // dist CASE PART [CALLS]: the spread of single calls' wall times (percentiles), to tell a slow kernel from a noisy one.
            // PART "seq": the backward's parts called in its order (each after the one before, as in a training step), each
            // part's spread on its own line.
            SuiteCase c = System.Array.Find(SuiteCase.All, x => x.Name == args[1])!;
            int calls = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 400;
            if (args[2] == "seq")
            {
                (string Name, Action Call)[] parts = c.BackwardParts();
                Compare.Warm(c.Backward);
                double[][] partTimes = System.Array.ConvertAll(parts, _ => new double[calls]);
                for (int i = 0; i < calls; i++)
                {
                    for (int j = 0; j < parts.Length; j++)
                    {
                        long start = System.Diagnostics.Stopwatch.GetTimestamp();
                        parts[j].Call();
                        partTimes[j][i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    }
                }

                for (int j = 0; j < parts.Length; j++)
                {
                    Console.WriteLine(Percentiles(c.Name + " " + parts[j].Name + " (in sequence)", partTimes[j]));
                }

                return 0;
            }

            Action call = args[2] switch
            {
                "fwd" => c.Forward,
                "bwd" => c.Backward,
                _ => System.Array.Find(c.BackwardParts(), p => p.Name == args[2]).Call,
            };
            Compare.Warm(call);
            double[] times = new double[calls];
            for (int i = 0; i < calls; i++)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                call();
                times[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Console.WriteLine(Percentiles(c.Name + " " + args[2], times));
            return 0;
        }

        if (args.Length >= 1 && args[0] == "tiles")
        {
            // tiles [K] [COUNT] [STRIDE]: each AVX-512 GEMM tile alone, operands in cache (the ceiling of the convolutions).
            int k = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 128;
            int count = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1;
            int stride = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0;
            // Without AVX-512, the 256-bit tiles (R × 96/R positions).
            bool wide = Kernels.MicroKernels.Avx512;
            foreach (int rows in wide ? new[] { 24, 16, 12, 8, 6, 4, 3, 2 } : new[] { 6, 4, 3, 2, 1 })
            {
                int columns = wide ? Kernels.MicroKernels.WideColumnsFor(rows) : Kernels.MicroKernels.ColumnsFor(rows);
                float[] a = new float[rows * k];
                int step = stride > 0 ? stride : columns * count;
                float[] b = new float[(k * step) + (columns * count) + 64];
                int[] offsets = new int[k];
                for (int i = 0; i < k; i++)
                {
                    offsets[i] = i * step;
                }

                float[] cBuffer = new float[rows * columns * count];
                var watch = System.Diagnostics.Stopwatch.StartNew();
                long calls = 0;
                while (watch.Elapsed.TotalSeconds < 0.5)
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        Kernels.MicroKernels.GemmTiles(rows, wide, ref a[0], ref b[0], ref offsets[0], k, ref cBuffer[0], columns * count, false, count);
                    }

                    calls += 1000;
                }

                Console.WriteLine($"{rows}x{columns}: {2.0 * rows * columns * count * k * calls / watch.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s");
                if (!wide && System.Runtime.Intrinsics.X86.Fma.IsSupported)
                {
                    // The same tile broadcasting from R rows in place (RowsTile256: weight rows k apart, B rows a step apart).
                    float[] x = new float[rows * k];
                    int[] rowOffsets = new int[rows];
                    for (int r = 0; r < rows; r++)
                    {
                        rowOffsets[r] = r * k;
                    }

                    watch.Restart();
                    calls = 0;
                    while (watch.Elapsed.TotalSeconds < 0.5)
                    {
                        for (int i = 0; i < 1000; i++)
                        {
                            Kernels.MicroKernels.RowsTile256(rows, ref x[0], ref rowOffsets[0], ref b[0], step, k, ref cBuffer[0], columns, false);
                        }

                        calls += 1000;
                    }

                    Console.WriteLine($"{rows}x{columns} rows: {2.0 * rows * columns * k * calls / watch.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s");
                }
            }

            Console.WriteLine($"FMA peak, one thread: {FmaPeak.Measure(1):F1} GFLOP/s");

            return 0;
        }

        if (args.Length >= 1 && args[0] == "parts")
        {
            // parts [THREADS] [CASES]: forward and each gradient timed on its own (the fastest of repeated calls, which a
            // shared machine's load disturbs least), with GFLOP/s, for comparing kernel versions and for profiles.
            Threading.TensorThreads.Count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2;
            foreach (SuiteCase c in SuiteCase.All)
            {
                if (args.Length > 2 && !System.Array.Exists(args[2].Split(','), n => n == c.Name))
                {
                    continue;
                }

                // Long enough for the JIT to finish tiering the code around the kernels (a few dozen calls are not).
                Compare.Warm(c.Forward);
                foreach ((string _, Action part) in c.BackwardParts())
                {
                    Compare.Warm(part);
                }

                double fwd = Compare.BestMs(c.Forward);
                Console.Write($"{c.Name}: fwd {fwd:F3} ms ({c.ForwardFlops / fwd / 1e6:F1} GFLOP/s)");
                foreach ((string name, Action call) in c.BackwardParts())
                {
                    double ms = Compare.BestMs(call);
                    Console.Write($", {name} {ms:F3} ms" + (name == "gb" ? string.Empty : $" ({c.ForwardFlops / ms / 1e6:F1} GFLOP/s)"));
                }

                Console.WriteLine();
            }

            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    /// <summary>"NAME: p0 …, p10 …, …, p99 …" of single calls' times in ms.</summary>
    private static string Percentiles(string name, double[] times)
    {
        double[] sorted = (double[])times.Clone();
        System.Array.Sort(sorted);
        return $"{name}: " + string.Join(", ", System.Array.ConvertAll(new[] { 0, 10, 25, 50, 75, 90, 99 }, q => $"p{q} {sorted[System.Math.Min(sorted.Length - 1, q * sorted.Length / 100)]:F3}"));
    }
}
