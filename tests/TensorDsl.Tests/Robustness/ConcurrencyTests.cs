using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TensorDsl.Tests.Models;
using TensorDsl.Tests.Reference;
using TensorDsl.Threading;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Robustness;

/// <summary>Tests that change <see cref="TensorThreads.Count"/>, a process-wide setting, run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    public const string Name = "TensorThreads.Count";
}

/// <summary>
/// Reentrancy and determinism: generated operators and models called from many threads at once (the pool runs a
/// call inline when its workers are busy) give bit for bit the single-threaded results, and a training run is a
/// function of its seed alone, whatever the thread count.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public sealed class ConcurrencyTests
{
    private const int Callers = 8;

    [Fact]
    public void Many_threads_calling_one_operator_get_the_single_threaded_results()
    {
        // Per caller its own data, so that any cross-talk between concurrent calls changes someone's result.
        float[][] xs = Enumerable.Range(0, Callers).Select(i => TestData.RandomSingle(RobustnessOperators.ConvShape.XLength, seed: 100 + i)).ToArray();
        float[] w = TestData.RandomSingle(RobustnessOperators.ConvShape.WLength, seed: 1);
        float[] b = TestData.RandomSingle(RobustnessOperators.ConvShape.BLength, seed: 2);
        float[] gy = TestData.RandomSingle(RobustnessOperators.ConvShape.YLength, seed: 3);
        float[][] pools = Enumerable.Range(0, Callers).Select(i => TestData.RandomSingle(RobustnessOperators.MaxPoolFloatShape.XLength, seed: 200 + i)).ToArray();

        (float[] Y, float[] Gx, float[] Gw, float[] Gb, float[] Pooled, int[] Indexes) Compute(int caller)
        {
            float[] y = new float[RobustnessOperators.ConvShape.YLength];
            float[] gx = new float[RobustnessOperators.ConvShape.XLength];
            float[] gw = new float[RobustnessOperators.ConvShape.WLength];
            float[] gb = new float[RobustnessOperators.ConvShape.BLength];
            float[] pooled = new float[RobustnessOperators.MaxPoolFloatShape.YLength];
            int[] indexes = new int[RobustnessOperators.MaxPoolFloatShape.YLength];
            RobustnessOperators.Conv(xs[caller], w, b, y);
            RobustnessOperators.ConvBackward(xs[caller], w, gy, gx, gw, gb);
            RobustnessOperators.MaxPoolFloat(pools[caller], pooled, indexes);
            return (y, gx, gw, gb, pooled, indexes);
        }

        var expected = WithThreads(1, () => Enumerable.Range(0, Callers).Select(Compute).ToArray());
        WithThreads(2, () =>
        {
            using Barrier start = new(Callers);
            Task[] callers = Enumerable.Range(0, Callers).Select(caller => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    for (int round = 0; round < 40; round++)
                    {
                        var actual = Compute(caller);
                        AssertBitEqual(expected[caller].Y, actual.Y, "y", caller, round);
                        AssertBitEqual(expected[caller].Gx, actual.Gx, "gx", caller, round);
                        AssertBitEqual(expected[caller].Gw, actual.Gw, "gw", caller, round);
                        AssertBitEqual(expected[caller].Gb, actual.Gb, "gb", caller, round);
                        AssertBitEqual(expected[caller].Pooled, actual.Pooled, "pooled", caller, round);
                        Assert.Equal(expected[caller].Indexes, actual.Indexes);
                    }
                },
                TaskCreationOptions.LongRunning)).ToArray();
            Task.WaitAll(callers);
            return 0;
        });
    }

    [Fact]
    public void Separate_models_training_at_once_match_their_single_threaded_runs()
    {
        const int models = 4;
        var expected = WithThreads(1, () => Enumerable.Range(0, models).Select(m => Train((ulong)(10 + m), steps: 12)).ToArray());
        WithThreads(2, () =>
        {
            var actual = new (float[] Losses, float[][] Parameters)[models];
            Parallel.For(0, models, new ParallelOptions { MaxDegreeOfParallelism = models }, m => actual[m] = Train((ulong)(10 + m), steps: 12));
            for (int m = 0; m < models; m++)
            {
                AssertBitEqual(expected[m].Losses, actual[m].Losses, "losses", m, 0);
                for (int p = 0; p < expected[m].Parameters.Length; p++)
                {
                    AssertBitEqual(expected[m].Parameters[p], actual[m].Parameters[p], "parameter " + p, m, 0);
                }
            }

            return 0;
        });
    }

    [Fact]
    public void A_fixed_seed_and_thread_count_trains_bit_identically_twice()
    {
        var first = WithThreads(2, () => Train(seed: 3, steps: 15));
        var second = WithThreads(2, () => Train(seed: 3, steps: 15));
        AssertBitEqual(first.Losses, second.Losses, "losses", 0, 0);
        Assert.True(first.Losses[^1] < first.Losses[0], "the test trains something");
    }

    [Fact]
    public void Training_results_do_not_depend_on_the_thread_count()
    {
        var one = WithThreads(1, () => Train(seed: 4, steps: 10));
        foreach (int threads in new[] { 2, 3 })
        {
            var other = WithThreads(threads, () => Train(seed: 4, steps: 10));
            AssertBitEqual(one.Losses, other.Losses, "losses with " + threads + " threads", 0, 0);
            for (int p = 0; p < one.Parameters.Length; p++)
            {
                AssertBitEqual(one.Parameters[p], other.Parameters[p], "parameter " + p + " with " + threads + " threads", 0, 0);
            }
        }
    }

    [Fact]
    public void Operator_results_do_not_depend_on_the_thread_count()
    {
        double[] x = TestData.Random(RobustnessOperators.DeconvShape.XLength, seed: 5);
        double[] w = TestData.Random(RobustnessOperators.DeconvShape.WLength, seed: 6);
        double[] b = TestData.Random(RobustnessOperators.DeconvShape.BLength, seed: 7);
        double[] Run()
        {
            double[] y = new double[RobustnessOperators.DeconvShape.YLength];
            RobustnessOperators.Deconv(x, w, b, y);
            double[] gx = new double[x.Length], gw = new double[w.Length], gb = new double[b.Length];
            RobustnessOperators.DeconvBackward(x, w, y, gx, gw, gb);
            return y.Concat(gx).Concat(gw).Concat(gb).ToArray();
        }

        double[] one = WithThreads(1, Run);
        AssertBitEqual(one, WithThreads(2, Run), "deconv with 2 threads", 0, 0);
        AssertBitEqual(one, WithThreads(3, Run), "deconv with 3 threads", 0, 0);
    }

    /// <summary>
    /// Changing the thread count retires the workers; a call that has already taken them must still complete,
    /// with its usual result, rather than wait forever for a part that a retiring worker skipped.
    /// </summary>
    [Fact]
    public void Changing_the_thread_count_during_calls_neither_hangs_nor_changes_results()
    {
        float[] x = TestData.RandomSingle(RobustnessOperators.ConvShape.XLength, seed: 8);
        float[] w = TestData.RandomSingle(RobustnessOperators.ConvShape.WLength, seed: 9);
        float[] b = TestData.RandomSingle(RobustnessOperators.ConvShape.BLength, seed: 10);
        float[] expected = WithThreads(1, () =>
        {
            float[] y = new float[RobustnessOperators.ConvShape.YLength];
            RobustnessOperators.Conv(x, w, b, y);
            return y;
        });

        WithThreads(2, () =>
        {
            using CancellationTokenSource stop = new();
            Task caller = Task.Factory.StartNew(
                () =>
                {
                    float[] y = new float[RobustnessOperators.ConvShape.YLength];
                    while (!stop.IsCancellationRequested)
                    {
                        RobustnessOperators.Conv(x, w, b, y);
                        AssertBitEqual(expected, y, "y", 0, 0);
                    }
                },
                TaskCreationOptions.LongRunning);
            System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; clock.Elapsed < TimeSpan.FromSeconds(3) && !caller.IsCompleted; i++)
            {
                TensorThreads.Count = 2 + (i % 2);
                Thread.SpinWait(i % 64);
            }

            stop.Cancel();
            Assert.True(caller.Wait(TimeSpan.FromSeconds(30)), "a call hung while the thread count changed");
            return 0;
        });
    }

    /// <summary>Trains a TinyLeNet (with dropout) by Adam; returns every loss and the final parameters.</summary>
    private static (float[] Losses, float[][] Parameters) Train(ulong seed, int steps)
    {
        TinyLeNet model = new(seed);
        Adam<float> adam = new(model);
        float[] x = TestData.RandomSingle(TinyLeNet.InputLength, seed: (int)seed + 1, lo: 0, hi: 1);
        int[] labels = Enumerable.Range(0, TinyLeNet.Batch).Select(i => i % TinyLeNet.Classes).ToArray();
        float[] losses = new float[steps];
        for (int step = 0; step < steps; step++)
        {
            losses[step] = model.TrainStep(x, labels);
            adam.Step();
        }

        return (losses, model.Parameters.Select(p => p.Value.ToArray()).ToArray());
    }

    private static T WithThreads<T>(int threads, Func<T> body)
    {
        int saved = TensorThreads.Count;
        TensorThreads.Count = threads;
        try
        {
            return body();
        }
        finally
        {
            TensorThreads.Count = saved;
        }
    }

    private static void AssertBitEqual(float[] expected, float[] actual, string what, int who, int round)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what} of #{who} (round {round}) differs at {i}: {expected[i]:R} expected, {actual[i]:R} found");
            }
        }
    }

    private static void AssertBitEqual(double[] expected, double[] actual, string what, int who, int round)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                Assert.Fail($"{what} of #{who} (round {round}) differs at {i}: {expected[i]:R} expected, {actual[i]:R} found");
            }
        }
    }
}
