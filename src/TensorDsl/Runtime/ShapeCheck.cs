using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace TensorDsl.Runtime;

/// <summary>Argument checks that generated code runs before touching memory.</summary>
public static class ShapeCheck
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the parameter, the expected shape and the received length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(int actual, int expected, string parameter, string shape)
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected, parameter, shape);
        }
    }

    /// <summary>Throws when an index read from an argmax buffer lies outside its input plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Index(int index, int planeLength, string parameter)
    {
        if ((uint)index >= (uint)planeLength)
        {
            ThrowIndex(index, planeLength, parameter);
        }
    }

    [DoesNotReturn]
    private static void ThrowLength(int actual, int expected, string parameter, string shape)
        => throw new ArgumentException(
            $"'{parameter}' must hold {expected} elements (shape {shape}) but has {actual}.", parameter);

    [DoesNotReturn]
    private static void ThrowIndex(int index, int planeLength, string parameter)
        => throw new ArgumentOutOfRangeException(
            parameter, index, $"'{parameter}' holds the position {index}, outside its input plane of {planeLength} cells; pass the indexes the max pooling forward wrote.");
}
