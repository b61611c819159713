using System;

namespace TensorDsl.Tests.Reference;

/// <summary>
/// A four-dimensional shape for a contiguous row-major (NCHW) tensor stored as a flat array.
/// The field names follow activations; a weight [OC, C, KH, KW] uses N = OC, C = C, H = KH, W = KW.
/// </summary>
public readonly record struct Shape4(int N, int C, int H, int W)
{
    /// <summary>Number of elements, N·C·H·W.</summary>
    public int Length => checked(N * C * H * W);

    /// <summary>The dimensions as an array, e.g. for <see cref="TensorAssert"/> messages.</summary>
    public int[] Dims => new[] { N, C, H, W };

    /// <summary>Flat offset of element [n, c, h, w].</summary>
    public int Offset(int n, int c, int h, int w) => ((n * C + c) * H + h) * W + w;

    /// <summary>Throws unless every dimension is positive and <paramref name="data"/> holds exactly <see cref="Length"/> elements.</summary>
    public void Check<T>(T[] data, string name)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        if (N <= 0 || C <= 0 || H <= 0 || W <= 0)
        {
            throw new ArgumentException($"{name}: shape {this} has a non-positive dimension.", name);
        }

        if (data.Length != Length)
        {
            throw new ArgumentException($"{name}: shape {this} needs {Length} elements but the array has {data.Length}.", name);
        }
    }

    public override string ToString() => $"[{N},{C},{H},{W}]";
}
