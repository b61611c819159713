using System;
using System.Collections.Generic;
using System.Linq;
using TensorDsl.Data;
using Xunit;

namespace TensorDsl.Tests.Data;

public class BatchIteratorTests
{
    // Image i is filled with the value i, so a copied batch shows which examples it holds.
    private static Dataset Numbered(int count, int channels = 1, int size = 2)
    {
        int imageSize = channels * size * size;
        var images = new float[count * imageSize];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = i / imageSize;
        }

        return new Dataset(images, Enumerable.Range(0, count).Select(i => i % 10).ToArray(), channels, size, size);
    }

    private static List<int[]> Epoch(BatchIterator it, out int[] sizes)
    {
        var batches = new List<int[]>();
        var counts = new List<int>();
        var images = new float[it.BatchSize * it.Dataset.ImageSize];
        var labels = new int[it.BatchSize];
        while (it.TryNext<float>(images, labels, out int n))
        {
            var ids = new int[n];
            for (int b = 0; b < n; b++)
            {
                ids[b] = (int)images[b * it.Dataset.ImageSize];
                Assert.All(images.AsSpan(b * it.Dataset.ImageSize, it.Dataset.ImageSize).ToArray(), v => Assert.Equal(ids[b], v));
                Assert.Equal(ids[b] % 10, labels[b]);
            }

            batches.Add(ids);
            counts.Add(n);
        }

        sizes = counts.ToArray();
        return batches;
    }

    [Fact]
    public void Epoch_VisitsEveryExampleOnceInShuffledOrder()
    {
        var it = new BatchIterator(Numbered(100), 10, seed: 3, dropLast: false);
        Assert.Equal(10, it.BatchesPerEpoch);
        int[] seen = Epoch(it, out int[] sizes).SelectMany(b => b).ToArray();
        Assert.All(sizes, s => Assert.Equal(10, s));
        Assert.Equal(Enumerable.Range(0, 100), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), seen);
        Assert.Equal(seen, it.Order.ToArray());
        Assert.Equal(10, it.BatchIndex);
    }

    [Fact]
    public void Order_DependsOnlyOnSeedAndEpoch()
    {
        var a = new BatchIterator(Numbered(50), 5, seed: 7);
        var b = new BatchIterator(Numbered(50), 5, seed: 7);
        int[] a0 = a.Order.ToArray();
        a.NextEpoch();
        int[] a1 = a.Order.ToArray();
        Assert.NotEqual(a0, a1);
        b.BeginEpoch(1);
        Assert.Equal(a1, b.Order.ToArray());
        b.BeginEpoch(0);
        Assert.Equal(a0, b.Order.ToArray());
        Assert.NotEqual(a0, new BatchIterator(Numbered(50), 5, seed: 8).Order.ToArray());
    }

    [Fact]
    public void DropLast_SkipsOrKeepsTheIncompleteBatch()
    {
        var drop = new BatchIterator(Numbered(23), 5, shuffle: false);
        Assert.Equal(4, drop.BatchesPerEpoch);
        var dropped = Epoch(drop, out int[] dropSizes);
        Assert.Equal(new[] { 5, 5, 5, 5 }, dropSizes);
        Assert.Equal(Enumerable.Range(0, 20), dropped.SelectMany(x => x));

        var keep = new BatchIterator(Numbered(23), 5, shuffle: false, dropLast: false);
        Assert.Equal(5, keep.BatchesPerEpoch);
        var kept = Epoch(keep, out int[] keepSizes);
        Assert.Equal(new[] { 5, 5, 5, 5, 3 }, keepSizes);
        Assert.Equal(Enumerable.Range(0, 23), kept.SelectMany(x => x));

        // After the epoch, nothing more until the next one begins.
        Assert.False(keep.TryNext<float>(new float[20], new int[5], out int none));
        Assert.Equal(0, none);
        keep.NextEpoch();
        Assert.Equal(1, keep.Epoch);
        Assert.True(keep.TryNext<float>(new float[20], new int[5], out _));
    }

    [Fact]
    public void TryNext_ConvertsToDouble()
    {
        var it = new BatchIterator(Numbered(4, channels: 3, size: 1), 2, shuffle: false);
        var images = new double[6];
        var labels = new int[2];
        Assert.True(it.TryNext<double>(images, labels, out int n));
        Assert.Equal(2, n);
        Assert.Equal(new double[] { 0, 0, 0, 1, 1, 1 }, images);
        Assert.Equal(new[] { 0, 1 }, labels);
    }

    [Fact]
    public void TryNext_RejectsShortSpans()
    {
        var it = new BatchIterator(Numbered(10), 4);
        var e = Assert.Throws<ArgumentException>(() => it.TryNext<float>(new float[15], new int[4], out _));
        Assert.Equal("images", e.ParamName);
        Assert.Contains("length 15", e.Message);
        Assert.Contains("at least 16", e.Message);
        var l = Assert.Throws<ArgumentException>(() => it.TryNext<float>(new float[16], new int[3], out _));
        Assert.Equal("labels", l.ParamName);
    }

    [Fact]
    public void Constructor_RejectsADatasetSmallerThanOneBatchWhenDroppingTheRest()
    {
        var e = Assert.Throws<ArgumentException>(() => new BatchIterator(Numbered(3), 4));
        Assert.Contains("3 examples, fewer than one batch of 4", e.Message);
        Assert.Equal(1, new BatchIterator(Numbered(3), 4, dropLast: false).BatchesPerEpoch);
    }

    [Fact]
    public void TryNext_AllocatesNothing()
    {
        var it = new BatchIterator(Numbered(640, size: 28), 64, seed: 1);
        var images = new float[64 * 784];
        var doubles = new double[64 * 784];
        var labels = new int[64];
        // Warm up whole epochs of both element types first: first calls may load types or compile code.
        for (int epoch = 0; epoch < 2; epoch++)
        {
            it.BeginEpoch(epoch);
            while (it.TryNext<float>(images, labels, out _))
            {
            }

            it.BeginEpoch(epoch);
            while (it.TryNext<double>(doubles, labels, out _))
            {
            }
        }

        it.BeginEpoch(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        while (it.TryNext<float>(images, labels, out _))
        {
        }

        it.BeginEpoch(1);
        while (it.TryNext<double>(doubles, labels, out _))
        {
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
