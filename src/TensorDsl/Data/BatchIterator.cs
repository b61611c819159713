using System;
using System.Numerics;
using System.Runtime.InteropServices;
using TensorDsl.Training;

namespace TensorDsl.Data;

/// <summary>
/// Walks a <see cref="Dataset"/> in mini-batches, copying each batch into spans the caller owns (no allocation per
/// batch). With shuffling, epoch e visits the examples in an order that depends only on the seed and e: the identity
/// permutation shuffled (Fisher–Yates) by <c>new TensorRandom(seed, stream: e)</c>.
/// </summary>
/// <example>
/// <code>
/// var batches = new BatchIterator(train, batchSize: 64, seed: 1);
/// for (int epoch = 0; epoch &lt; 10; epoch++)
/// {
///     batches.BeginEpoch(epoch);
///     while (batches.TryNext(input, labels, out int n)) { /* forward, loss, backward, step */ }
/// }
/// </code>
/// </example>
public sealed class BatchIterator
{
    private readonly int[] _order;
    private int _next;

    /// <summary>Creates the iterator and begins epoch 0.</summary>
    /// <param name="dataset">The examples.</param>
    /// <param name="batchSize">Examples per batch, at least 1.</param>
    /// <param name="shuffle">Shuffle every epoch; in dataset order when false.</param>
    /// <param name="seed">The shuffling seed.</param>
    /// <param name="dropLast">Skip a final batch smaller than <paramref name="batchSize"/> (for fixed-shape models);
    /// when false the last batch of an epoch may be smaller, and <c>count</c> says how many examples it holds.</param>
    public BatchIterator(Dataset dataset, int batchSize, bool shuffle = true, ulong seed = 0, bool dropLast = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (dropLast && dataset.Count < batchSize)
        {
            throw new ArgumentException($"The dataset has {dataset.Count} examples, fewer than one batch of {batchSize}, and dropLast is set.", nameof(batchSize));
        }

        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        _order = new int[dataset.Count];
        BeginEpoch(0);
    }

    /// <summary>The examples.</summary>
    public Dataset Dataset { get; }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>The shuffling seed.</summary>
    public ulong Seed { get; }

    /// <summary>Whether an incomplete last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The current epoch (set by <see cref="BeginEpoch"/>).</summary>
    public int Epoch { get; private set; }

    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>Batches already taken in this epoch.</summary>
    public int BatchIndex { get; private set; }

    /// <summary>The order of this epoch: the dataset index of each position.</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>Starts epoch <paramref name="epoch"/>: recomputes its order and rewinds to its first batch.</summary>
    public void BeginEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        if (Shuffle)
        {
            var rng = new TensorRandom(Seed, (ulong)epoch);
            rng.Shuffle<int>(_order);
        }

        Epoch = epoch;
        BatchIndex = 0;
        _next = 0;
    }

    /// <summary>Starts the epoch after the current one.</summary>
    public void NextEpoch() => BeginEpoch(Epoch + 1);

    /// <summary>
    /// Copies the next batch of this epoch: <c>count</c> images (C·H·W values each, converted to
    /// <typeparamref name="T"/>) to the start of <paramref name="images"/> and their labels to the start of
    /// <paramref name="labels"/>. Returns false, copying nothing, when the epoch is over. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than a full batch.</exception>
    public bool TryNext<T>(Span<T> images, Span<int> labels, out int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int imageSize = Dataset.ImageSize;
        long need = (long)BatchSize * imageSize;
        if (images.Length < need)
        {
            throw new ArgumentException($"images has length {images.Length}; a batch of {BatchSize} needs at least {need}.", nameof(images));
        }

        if (labels.Length < BatchSize)
        {
            throw new ArgumentException($"labels has length {labels.Length}; a batch of {BatchSize} needs at least {BatchSize}.", nameof(labels));
        }

        int remaining = _order.Length - _next;
        if (remaining <= 0 || (DropLast && remaining < BatchSize))
        {
            count = 0;
            return false;
        }

        count = Math.Min(BatchSize, remaining);
        float[] source = Dataset.Images;
        for (int b = 0; b < count; b++)
        {
            int index = _order[_next + b];
            labels[b] = Dataset.Labels[index];
            ReadOnlySpan<float> from = source.AsSpan(index * imageSize, imageSize);
            Span<T> to = images.Slice(b * imageSize, imageSize);
            if (typeof(T) == typeof(float))
            {
                from.CopyTo(MemoryMarshal.Cast<T, float>(to));
            }
            else
            {
                for (int i = 0; i < from.Length; i++)
                {
                    to[i] = T.CreateTruncating(from[i]);
                }
            }
        }

        _next += count;
        BatchIndex++;
        return true;
    }
}
