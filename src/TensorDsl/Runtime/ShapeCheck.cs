using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> when <paramref name="written"/>, a tensor the operator writes, shares
    /// memory with <paramref name="other"/>, another tensor of the same call: the operator would read values it has
    /// already overwritten (on several threads, in no fixed order), so in-place use is never allowed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Disjoint<TWritten, TOther>(ReadOnlySpan<TWritten> written, ReadOnlySpan<TOther> other, string writtenName, string otherName)
        where TWritten : unmanaged
        where TOther : unmanaged
    {
        if (MemoryMarshal.AsBytes(written).Overlaps(MemoryMarshal.AsBytes(other)))
        {
            ThrowOverlap(writtenName, otherName);
        }
    }

    [DoesNotReturn]
    private static void ThrowOverlap(string written, string other)
        => throw new ArgumentException(
            $"'{written}' and '{other}' share memory, but the operator writes '{written}' while it uses '{other}'; pass separate buffers (in-place use is not supported).", written);

    [DoesNotReturn]
    private static void ThrowLength(int actual, int expected, string parameter, string shape)
        => throw new ArgumentException(
            $"'{parameter}' must hold {expected} elements (shape {shape}) but has {actual}.", parameter);

    [DoesNotReturn]
    private static void ThrowIndex(int index, int planeLength, string parameter)
        => throw new ArgumentOutOfRangeException(
            parameter, index, $"'{parameter}' holds the position {index}, outside its input plane of {planeLength} cells; pass the indexes the max pooling forward wrote.");
}
