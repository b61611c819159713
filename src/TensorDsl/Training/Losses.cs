using System;
using System.Numerics;

namespace TensorDsl.Training;

/// <summary>
/// Loss functions over flat row-major spans. They allocate nothing, validate every length (an
/// <see cref="ArgumentException"/> names the parameter, the expected and the received length), and compute in
/// the element type. Passing an empty gradient span skips the gradient (for evaluation).
/// </summary>
public static class Losses
{
    /// <summary>
    /// Softmax followed by cross-entropy, averaged over the batch:
    /// L = (1/B) Σ_b [log Σ_j exp(x_bj) − x_b,label_b], computed stably as m + log Σ_j exp(x_bj − m) with m = max_j x_bj.
    /// The gradient is (softmax(x_b) − onehot(label_b)) / B.
    /// </summary>
    /// <param name="logits">B×C scores, row-major.</param>
    /// <param name="batch">B, at least 1.</param>
    /// <param name="classes">C, at least 1.</param>
    /// <param name="labels">B class indices in [0, C).</param>
    /// <param name="gradLogits">B×C, written with dL/dlogits; may be the very span of <paramref name="logits"/>
    /// (same start), or empty to skip the gradient.</param>
    /// <returns>The mean loss.</returns>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, int batch, int classes, ReadOnlySpan<int> labels, Span<T> gradLogits)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        long expected = (long)batch * classes;
        CheckLength(logits.Length, expected, nameof(logits));
        CheckLength(labels.Length, batch, nameof(labels));
        bool withGradient = !gradLogits.IsEmpty;
        if (withGradient)
        {
            CheckLength(gradLogits.Length, expected, nameof(gradLogits));
        }

        T invBatch = T.One / T.CreateTruncating(batch);
        T total = T.Zero;
        for (int b = 0; b < batch; b++)
        {
            int label = labels[b];
            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels[{b}] = {label} is outside [0, {classes}).");
            }

            ReadOnlySpan<T> row = logits.Slice(b * classes, classes);
            T max = row[0];
            for (int j = 1; j < classes; j++)
            {
                max = T.MaxNumber(max, row[j]);
            }

            T sum = T.Zero;
            for (int j = 0; j < classes; j++)
            {
                sum += T.Exp(row[j] - max);
            }

            T logSum = T.Log(sum);
            total += logSum - (row[label] - max);
            if (withGradient)
            {
                // Reads row[j] before writing grad[j], so exact aliasing of logits and gradLogits is safe.
                Span<T> grad = gradLogits.Slice(b * classes, classes);
                T invSum = T.One / sum;
                for (int j = 0; j < classes; j++)
                {
                    T p = T.Exp(row[j] - max) * invSum;
                    grad[j] = (j == label ? p - T.One : p) * invBatch;
                }
            }
        }

        return total * invBatch;
    }

    /// <summary>
    /// Mean squared error over all N elements (not per example): L = (1/N) Σ_i (p_i − t_i)², gradient 2(p_i − t_i)/N.
    /// This is PyTorch's <c>MSELoss(reduction='mean')</c>; DeZero's <c>mean_squared_error</c> divides by the first
    /// dimension instead, so its loss is larger by the per-example element count.
    /// </summary>
    /// <param name="prediction">N values.</param>
    /// <param name="target">N values.</param>
    /// <param name="gradPrediction">N values written with dL/dprediction (may be the very span of
    /// <paramref name="prediction"/>), or empty to skip the gradient.</param>
    /// <returns>The mean loss.</returns>
    public static T MeanSquaredError<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradPrediction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (prediction.IsEmpty)
        {
            throw new ArgumentException("prediction is empty; the mean over no elements is undefined.", nameof(prediction));
        }

        CheckLength(target.Length, prediction.Length, nameof(target));
        bool withGradient = !gradPrediction.IsEmpty;
        if (withGradient)
        {
            CheckLength(gradPrediction.Length, prediction.Length, nameof(gradPrediction));
        }

        T n = T.CreateTruncating(prediction.Length);
        T scale = (T.One + T.One) / n;
        T total = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i];
            total += d * d;
            if (withGradient)
            {
                gradPrediction[i] = d * scale;
            }
        }

        return total / n;
    }

    /// <summary>
    /// How many rows' arg-max (the first, on ties) equals the label. Labels outside [0, C) never match.
    /// </summary>
    public static int Accuracy<T>(ReadOnlySpan<T> logits, int batch, int classes, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        CheckLength(logits.Length, (long)batch * classes, nameof(logits));
        CheckLength(labels.Length, batch, nameof(labels));
        int correct = 0;
        for (int b = 0; b < batch; b++)
        {
            if (ArgMax(logits.Slice(b * classes, classes)) == labels[b])
            {
                correct++;
            }
        }

        return correct;
    }

    /// <summary>The index of the first largest element (NaN never wins); 0 for an all-NaN row.</summary>
    public static int ArgMax<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("values is empty.", nameof(values));
        }

        int best = 0;
        T bestValue = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > bestValue || (T.IsNaN(bestValue) && !T.IsNaN(values[i])))
            {
                best = i;
                bestValue = values[i];
            }
        }

        return best;
    }

    private static void CheckLength(int actual, long expected, string paramName)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{paramName} has length {actual}; expected {expected}.", paramName);
        }
    }
}
