using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using TensorDsl.Threading;
using Xunit;

namespace TensorDsl.Tests.Operators;

/// <summary>Tests that change <see cref="TensorThreads.Count"/>: they run alone, after every parallel test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    public const string Name = "TensorThreads.Count";
}

/// <summary>
/// The documented contract of <see cref="IParallelJob"/> and the generated jobs: results are bit-identical for any thread
/// count, because every task writes its own outputs and sums in a fixed order. Each operator runs its forward and every
/// backward with 1, 2 and 3 threads (and concurrently from several callers, when the workers are busy).
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class ThreadCountTests
{
    public static TheoryData<string> Operators => new()
    {
        "ConvOps.Vectors", "ConvOps.Tall", "ConvOps.Strided", "DeconvOps.Same", "DeconvOps.Torch", "DeconvOps.OutSize",
        "ConvOps.GradWWide", "ConvOps.GradWNonSquare", "PoolOps.MaxMixed", "PoolOps.MaxHalfPad", "PoolOps.AvgTall",
        "PoolOps.AvgTorchExclude", "ColumnOps.Im2colStrided", "ColumnOps.Col2imOverlap",
    };

    [Theory]
    [MemberData(nameof(Operators))]
    public void Results_are_bit_identical_for_one_two_and_three_threads(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        int saved = TensorThreads.Count;
        try
        {
            TensorThreads.Count = 1;
            List<double[]> single = RunEverything(op);
            foreach (int threads in new[] { 2, 3, 1, 2 })
            {
                TensorThreads.Count = threads;
                List<double[]> many = RunEverything(op);
                Assert.Equal(single.Count, many.Count);
                for (int i = 0; i < single.Count; i++)
                {
                    Scaled.Identical(single[i], many[i], $"{id} result {i} with {threads} threads");
                }
            }
        }
        finally
        {
            TensorThreads.Count = saved;
        }
    }

    [Fact]
    public void Concurrent_callers_get_the_same_bits_as_a_single_thread()
    {
        // While one caller holds the workers, the others run their jobs on their own thread: same results.
        DeclaredOperator op = DeclaredOperator.Get("ConvOps.Vectors");
        int saved = TensorThreads.Count;
        try
        {
            TensorThreads.Count = 1;
            List<double[]> expected = RunEverything(op);
            TensorThreads.Count = 2;
            List<double[]>[] results = new List<double[]>[8];
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = RunEverything(op));
            foreach (List<double[]> result in results)
            {
                for (int i = 0; i < expected.Count; i++)
                {
                    Scaled.Identical(expected[i], result[i], $"concurrent result {i}");
                }
            }
        }
        finally
        {
            TensorThreads.Count = saved;
        }
    }

    [Fact]
    public void Count_must_be_positive_and_reads_back()
    {
        int saved = TensorThreads.Count;
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => TensorThreads.Count = 0);
            Assert.Equal(saved, TensorThreads.Count);
            TensorThreads.Count = 3;
            Assert.Equal(3, TensorThreads.Count);
        }
        finally
        {
            TensorThreads.Count = saved;
        }
    }

    /// <summary>The forward and every backward of an operator on fixed inputs, flattened to a list of results.</summary>
    private static List<double[]> RunEverything(DeclaredOperator op)
    {
        List<double[]> results = new();
        double[] x = op.Random(op.XShape.Length, 51), gy = op.Random(op.YShape.Length, 52);
        switch (op.Kind)
        {
            case OperatorKind.Conv2d:
            case OperatorKind.Deconv2d:
            {
                double[] w = op.Random(op.WShape.Length, 53), b = op.Random(op.OC, 54);
                results.Add(op.Run("", op.HasBias ? new[] { x, w, b } : new[] { x, w }, op.YShape.Length)[0]);
                results.AddRange(op.Run("Backward", new[] { x, w, gy }, op.HasBias ? new[] { op.XShape.Length, op.WShape.Length, op.OC } : new[] { op.XShape.Length, op.WShape.Length }));
                break;
            }

            case OperatorKind.Conv2dGradW:
                results.Add(op.Run("", new[] { x, gy }, op.WShape.Length)[0]);
                results.AddRange(op.Run("Backward", new[] { x, gy, op.Random(op.WShape.Length, 55) }, op.XShape.Length, op.YShape.Length));
                break;
            case OperatorKind.MaxPool2d:
            {
                (double[] y, int[] indexes) = op.RunMaxPool(x);
                results.Add(y);
                results.Add(indexes.Select(i => (double)i).ToArray());
                results.Add(op.RunIndexed("Backward", indexes, gy, op.XShape.Length));
                results.Add(op.RunIndexed("WithIndexes", indexes, op.Random(op.XShape.Length, 56), op.YShape.Length));
                break;
            }

            case OperatorKind.AvgPool2d:
                results.Add(op.Run("", new[] { x }, op.YShape.Length)[0]);
                results.Add(op.Run("Backward", new[] { gy }, op.XShape.Length)[0]);
                break;
            case OperatorKind.Im2col:
                results.Add(op.Run("", new[] { x }, op.ColLength)[0]);
                results.Add(op.Run("Backward", new[] { op.Random(op.ColLength, 57) }, op.XShape.Length)[0]);
                break;
            default:
                results.Add(op.Run("", new[] { op.Random(op.ColLength, 58) }, op.XShape.Length)[0]);
                results.Add(op.Run("Backward", new[] { x }, op.ColLength)[0]);
                break;
        }

        return results;
    }
}
