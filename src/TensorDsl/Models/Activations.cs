using System;
using System.Numerics;
using TensorDsl.Training;

namespace TensorDsl.Models;

/// <summary>
/// The element-wise layers of generated models, forward and backward. NaN propagates as IEEE says: ReLU of NaN
/// is NaN (as PyTorch), and every backward passes a NaN gradient through where its mask lets anything through.
/// </summary>
public static class Activations
{
    /// <summary>y = max(x, 0).</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(x.Length, y.Length);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = v > T.Zero || T.IsNaN(v) ? v : T.Zero;
        }
    }

    /// <summary>gx = gy where x &gt; 0, else 0.</summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gy, Span<T> gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(x.Length, gy.Length, gx.Length);
        for (int i = 0; i < x.Length; i++)
        {
            gx[i] = x[i] > T.Zero ? gy[i] : T.Zero;
        }
    }

    /// <summary>y = x for x &gt; 0, else slope·x.</summary>
    public static void LeakyRelu<T>(ReadOnlySpan<T> x, Span<T> y, T slope)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(x.Length, y.Length);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = v > T.Zero ? v : slope * v;
        }
    }

    /// <summary>gx = gy for x &gt; 0, else slope·gy.</summary>
    public static void LeakyReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gy, Span<T> gx, T slope)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(x.Length, gy.Length, gx.Length);
        for (int i = 0; i < x.Length; i++)
        {
            gx[i] = x[i] > T.Zero ? gy[i] : slope * gy[i];
        }
    }

    /// <summary>y = 1 / (1 + e^−x), computed without overflow for large |x|.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(x.Length, y.Length);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            if (v >= T.Zero)
            {
                y[i] = T.One / (T.One + T.Exp(-v));
            }
            else
            {
                T e = T.Exp(v);
                y[i] = e / (T.One + e);
            }
        }
    }

    /// <summary>gx = gy · y · (1 − y), from the forward's output y.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> gy, Span<T> gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(y.Length, gy.Length, gx.Length);
        for (int i = 0; i < y.Length; i++)
        {
            gx[i] = gy[i] * y[i] * (T.One - y[i]);
        }
    }

    /// <summary>y = tanh(x).</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(x.Length, y.Length);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = T.Tanh(x[i]);
        }
    }

    /// <summary>gx = gy · (1 − y²), from the forward's output y.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> gy, Span<T> gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(y.Length, gy.Length, gx.Length);
        for (int i = 0; i < y.Length; i++)
        {
            gx[i] = gy[i] * (T.One - (y[i] * y[i]));
        }
    }

    /// <summary>
    /// Inverted dropout while training: mask = 0 with probability <paramref name="rate"/>, else 1/(1 − rate); y = x·mask.
    /// Not training: y = x and the mask is all ones, so the backward is the identity too.
    /// </summary>
    public static void Dropout<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> mask, double rate, bool training, ref TensorRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(x.Length, y.Length, mask.Length);
        if (!training || rate == 0)
        {
            mask.Fill(T.One);
            x.CopyTo(y);
            return;
        }

        DrawDropoutMask(mask, rate, training, ref random);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * mask[i];
        }
    }

    /// <summary>
    /// Draws the mask <see cref="Dropout{T}"/> uses: 0 with probability <paramref name="rate"/>, else 1/(1 − rate); all
    /// ones when not training. Devices draw their masks here too, so a seed gives the same masks on every target.
    /// </summary>
    public static void DrawDropoutMask<T>(Span<T> mask, double rate, bool training, ref TensorRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!training || rate == 0)
        {
            mask.Fill(T.One);
            return;
        }

        T keep = T.CreateChecked(1.0 / (1.0 - rate));
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < rate ? T.Zero : keep;
        }
    }

    /// <summary>gx = gy · mask (the mask the forward drew).</summary>
    public static void DropoutBackward<T>(ReadOnlySpan<T> mask, ReadOnlySpan<T> gy, Span<T> gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(mask.Length, gy.Length, gx.Length);
        for (int i = 0; i < mask.Length; i++)
        {
            gx[i] = gy[i] * mask[i];
        }
    }

    private static void Same(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"The spans have different lengths ({a} and {b}).");
        }
    }

    private static void Same(int a, int b, int c)
    {
        Same(a, b);
        Same(a, c);
    }
}
