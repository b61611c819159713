using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using TensorDsl.Threading;

namespace TensorDsl.Benchmarks;

/// <summary>
/// The .NET side of compare.sh: times every case and direction of the suite (medians), checks the results against the
/// outputs PyTorch wrote in the same run, measures the machine's FMA peak, and prints one table.
/// </summary>
internal static class Compare
{
    private static int s_calls;

    /// <summary>Rounds of (torch, ours) timings per case and direction; the table shows the median of each.</summary>
    private const int Rounds = 5;

    public static int Run(string directory, int threads, string? only, string python)
    {
        TensorThreads.Count = threads;
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        using Process server = StartTorch(python, directory, threads, only);
        double peak1 = FmaPeak.Measure(1), peak = FmaPeak.Measure(threads);
        using JsonDocument torch = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "torch.json")));
        Console.WriteLine($"threads: {threads} (ours TensorThreads.Count, torch.set_num_threads({torch.RootElement.GetProperty("threads").GetInt32()})), torch {torch.RootElement.GetProperty("torch").GetString()}");
        Console.WriteLine($"measured FMA peak ({FmaPeak.Isa}): {peak1:F1} GFLOP/s on 1 thread, {peak:F1} GFLOP/s on {threads} threads");
        Console.WriteLine();
        Console.WriteLine("| case | dir | ours ms | torch ms | torch/ours | GFLOP/s | % of peak | GFLOP/CPU-s | GB/s | alloc B/call | max rel err |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<double> ratios = new();

        string[]? names = only is { Length: > 0 } ? only.Split(',') : null;
        SuiteCase[] cases = SuiteCase.All.Where(c => names is null || names.Contains(c.Name)).ToArray();

        // Every case once before any is timed: the first case then meets the same JIT tiering and warm workers as the rest.
        // Long enough for the JIT to finish tiering the code around the kernels: after a few calls the first cases were
        // still timed partly on unoptimized code (seed_mnist's forward read 1.3 ms for its 0.35 ms).
        foreach (SuiteCase c in cases)
        {
            Warm(c.Forward);
            Warm(c.Backward);
        }

        foreach (SuiteCase c in cases)
        {
            foreach (bool forward in new[] { true, false })
            {
                Action call = forward ? c.Forward : c.Backward;
                call();
                string error = forward
                    ? Error(directory, c.Name, ("y", c.Y))
                    : c.Kind is "conv" or "deconv"
                        ? Error(directory, c.Name, ("gx", c.Gx), ("gw", c.Gw), ("gb", c.Gb))
                        : Error(directory, c.Name, ("gx", c.Gx));
                // Interleaved: torch, then ours, a few rounds, so that both see the same load.
                List<double> oursRounds = new(), torchRounds = new();
                TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                int calls0 = s_calls;
                for (int round = 0; round < Rounds; round++)
                {
                    server.StandardInput.WriteLine($"time {c.Name} {(forward ? "fwd" : "bwd")} 0.5");
                    torchRounds.Add(double.Parse(server.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture));
                    oursRounds.Add(MedianMs(call, 0.5));
                }

                double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / (s_calls - calls0);
                double ms = Median(oursRounds), torchMs = Median(torchRounds);
                long alloc = AllocatedPerCall(call);
                double ratio = torchMs / ms;
                ratios.Add(ratio);
                double flops = c.ForwardFlops * (forward ? 1 : 2);
                string gflops = flops > 0 ? (flops / ms / 1e6).ToString("F1") : "-";
                string percent = flops > 0 ? (100 * flops / ms / 1e6 / peak).ToString("F0") + " %" : "-";
                string gbs = flops > 0 ? "-" : (c.PoolBytes / ms / 1e6).ToString("F1");
                string perCpu = flops > 0 ? (flops / cpuMs / 1e6).ToString("F1") : "-";
                Console.WriteLine($"| {c.Name} | {(forward ? "fwd" : "bwd")} | {ms:F3} | {torchMs:F3} | {ratio:F2} | {gflops} | {percent} | {perCpu} | {gbs} | {alloc} | {error} |");
            }
        }

        server.StandardInput.WriteLine("quit");
        server.WaitForExit();
        double geomean = Math.Exp(ratios.Average(Math.Log));
        Console.WriteLine();
        Console.WriteLine($"geomean speedup vs torch: {geomean:F2}");
        return 0;
    }

    /// <summary>Starts torch_bench.py: it writes torch's outputs, says "ready", then times cases on request.</summary>
    /// <summary>Calls <paramref name="call"/> for half a second (at least 50 times).</summary>
    public static void Warm(Action call)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 50 || watch.Elapsed.TotalSeconds < 0.5; i++)
        {
            call();
        }
    }

    private static Process StartTorch(string python, string directory, int threads, string? only)
    {
        ProcessStartInfo start = new(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "torch_bench.py"));
        start.ArgumentList.Add(directory);
        start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(only ?? string.Empty);
        start.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        Process server = Process.Start(start)!;
        string? line = server.StandardOutput.ReadLine();
        if (line != "ready")
        {
            throw new InvalidOperationException("torch_bench.py did not start: " + line);
        }

        return server;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /// <summary>The largest |ours − torch| over the largest |torch|, per tensor; the worst of the tensors given.</summary>
    private static string Error(string directory, string name, params (string Key, float[] Ours)[] tensors)
    {
        double worst = 0;
        foreach ((string key, float[] ours) in tensors)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(directory, name + "." + key + ".bin"));
            float[] reference = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, reference, 0, bytes.Length);
            if (reference.Length != ours.Length)
            {
                return $"{key}: length {ours.Length} vs torch {reference.Length}";
            }

            double scale = 0, diff = 0;
            for (int i = 0; i < ours.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(reference[i]));
                double d = Math.Abs((double)ours[i] - reference[i]);
                diff = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(diff, d);
            }

            worst = Math.Max(worst, diff / Math.Max(scale, 1e-30));
        }

        return worst.ToString("0.0e+0");
    }

    /// <summary>
    /// The median wall time of repeated calls (at least 5, up to 40 or about a second), after a warm-up of 10 calls or
    /// a quarter second, whichever ends first, so that the JIT's tiered compilation has settled.
    /// </summary>
    public static double MedianMs(Action call, double budget = 1.0) => Times(call, budget, out _);

    /// <summary>The fastest of the same repeated calls: for comparing kernel versions on a machine shared with other work.</summary>
    public static double BestMs(Action call, double budget = 1.0)
    {
        Times(call, budget, out double best);
        return best;
    }

    private static double Times(Action call, double budget, out double best)
    {
        Stopwatch total = Stopwatch.StartNew();
        Action counted = () =>
        {
            call();
            s_calls++;
        };
        for (int i = 0; i < 10 && (i < 2 || total.Elapsed.TotalSeconds < 0.25); i++)
        {
            counted();
        }

        List<double> times = new();
        total.Restart();
        while (times.Count < 5 || (times.Count < 40 && total.Elapsed.TotalSeconds < budget))
        {
            long start = Stopwatch.GetTimestamp();
            counted();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        best = times.Min();
        return Median(times);
    }

    /// <summary>Bytes allocated on all threads per warm call (GC.GetTotalAllocatedBytes(precise)).</summary>
    private static long AllocatedPerCall(Action call)
    {
        call();
        long before = GC.GetTotalAllocatedBytes(true);
        for (int i = 0; i < 5; i++)
        {
            call();
        }

        return (GC.GetTotalAllocatedBytes(true) - before) / 5;
    }
}
