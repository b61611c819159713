using System;
using System.Numerics;

namespace TensorDsl.Training;

/// <summary>How a weight is initialised from its fans (see <see cref="Initializers.Fill{T}(Span{T}, InitScheme, int, int, ref TensorRandom)"/>).</summary>
public enum InitScheme
{
    /// <summary>DeZero's default: N(0, 1) · sqrt(1 / fan_in).</summary>
    DeZero,

    /// <summary>He (Kaiming) normal: N(0, 1) · sqrt(2 / fan_in).</summary>
    He,

    /// <summary>Xavier (Glorot) uniform: U(−a, a) with a = sqrt(6 / (fan_in + fan_out)).</summary>
    Xavier,
}

/// <summary>
/// Deterministic parameter initialisation. Every value is drawn in <see cref="double"/> from a
/// <see cref="TensorRandom"/> and then rounded to the element type, so a seed gives the same weights on
/// every machine and .NET version, and a float model gets the rounded values of the double model with the same seed.
/// Elements are drawn in index order; normal deviates are consumed one per element.
/// </summary>
public static class Initializers
{
    /// <summary>Fills <paramref name="destination"/> by <paramref name="scheme"/>.</summary>
    /// <param name="destination">The weights to write.</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="fanIn">Inputs feeding one output: in_channels·kh·kw for a convolution, in_features for a dense layer.</param>
    /// <param name="fanOut">Outputs fed by one input: out_channels·kh·kw, or out_features (only Xavier uses it).</param>
    /// <param name="rng">The generator, advanced in place.</param>
    public static void Fill<T>(Span<T> destination, InitScheme scheme, int fanIn, int fanOut, ref TensorRandom rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fanIn, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fanOut, 1);
        switch (scheme)
        {
            case InitScheme.DeZero:
                Normal(destination, 0.0, Math.Sqrt(1.0 / fanIn), ref rng);
                break;
            case InitScheme.He:
                Normal(destination, 0.0, Math.Sqrt(2.0 / fanIn), ref rng);
                break;
            case InitScheme.Xavier:
                double limit = Math.Sqrt(6.0 / ((double)fanIn + fanOut));
                Uniform(destination, -limit, limit, ref rng);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown initialisation scheme.");
        }
    }

    /// <summary>
    /// Fills a weight parameter by <paramref name="scheme"/>, taking the fans from its shape by the PyTorch convention
    /// (see <see cref="Fans"/>). Transposed-convolution weights stored [in, out, kh, kw] need the explicit overload.
    /// </summary>
    public static void Fill<T>(Parameter<T> parameter, InitScheme scheme, ref TensorRandom rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameter);
        (int fanIn, int fanOut) = Fans(parameter.Shape.AsSpan());
        Fill<T>(parameter.Value, scheme, fanIn, fanOut, ref rng);
    }

    /// <summary>
    /// Fans of a weight shaped [out, in, k…] (convolution [out_channels, in_channels, kh, kw] or dense [out, in]):
    /// fan_in = in·Πk, fan_out = out·Πk. Rank 1 gives (n, n); rank 0 gives (1, 1).
    /// </summary>
    public static (int FanIn, int FanOut) Fans(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0)
        {
            return (1, 1);
        }

        if (shape.Length == 1)
        {
            return (shape[0], shape[0]);
        }

        long receptive = 1;
        for (int i = 2; i < shape.Length; i++)
        {
            receptive *= shape[i];
        }

        return (checked((int)(shape[1] * receptive)), checked((int)(shape[0] * receptive)));
    }

    /// <summary>Fills with N(<paramref name="mean"/>, <paramref name="standardDeviation"/>²).</summary>
    public static void Normal<T>(Span<T> destination, double mean, double standardDeviation, ref TensorRandom rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(mean + (standardDeviation * rng.NextNormal()));
        }
    }

    /// <summary>Fills with U[<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static void Uniform<T>(Span<T> destination, double low, double high, ref TensorRandom rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(rng.NextUniform(low, high));
        }
    }

    /// <summary>Sets every element to zero (the bias initialisation).</summary>
    public static void Zeros<T>(Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
        => destination.Clear();
}
