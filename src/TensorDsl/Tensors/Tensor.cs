using System;
using System.Runtime.CompilerServices;
using TensorDsl.Runtime;

namespace TensorDsl.Tensors;

/// <summary>
/// An array of exactly <c>TShape.Length</c> elements whose shape is part of its type. Generated operators and models
/// have overloads that take these, so passing a tensor of another shape is a compile-time error (CS1503) rather than
/// an <see cref="ArgumentException"/> at run time.
/// </summary>
/// <remarks>
/// There is deliberately no implicit conversion to <see cref="Span{T}"/>: with one, a tensor of the wrong shape
/// would silently bind to the span overload and fail only when it runs. Use <see cref="Span"/> or
/// <see cref="ReadOnlySpan"/> to leave the typed world explicitly. <c>default</c> has no storage and its spans are
/// empty, which the generated operators reject with an <see cref="ArgumentException"/>.
/// </remarks>
/// <typeparam name="T">The element type: float or double for data, int for max-pooling indexes.</typeparam>
/// <typeparam name="TShape">The shape, for example a generated <c>Shape8x3x32x32</c>.</typeparam>
public readonly struct Tensor<T, TShape>
    where T : unmanaged
    where TShape : ITensorShape
{
    private readonly T[]? _array;

    /// <summary>Wraps an existing array, which must hold exactly <c>TShape.Length</c> elements. Nothing is copied.</summary>
    /// <param name="array">The storage; the tensor and the array share it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="array"/> has another length; the message names the expected shape and the length received.</exception>
    public Tensor(T[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length != TShape.Length)
        {
            throw new ArgumentException(
                $"A {TypeName} needs an array of {TShape.Length} elements (shape {TShape.Dimensions}) but the array has {array.Length}; allocate one with {TypeName}.Allocate().",
                nameof(array));
        }

        _array = array;
    }

    /// <summary>A new zero-filled tensor.</summary>
    public static Tensor<T, TShape> Allocate() => new(new T[TShape.Length]);

    /// <summary>The number of elements, <c>TShape.Length</c>.</summary>
    public int Length => TShape.Length;

    /// <summary>The shape as text, <c>8×3×32×32</c>.</summary>
    public string Dimensions => TShape.Dimensions;

    /// <summary>Whether this is <c>default</c>, a tensor without storage.</summary>
    public bool IsDefault => _array is null;

    /// <summary>The underlying array (null for <c>default</c>).</summary>
    public T[]? Array => _array;

    /// <summary>The elements, writable (empty for <c>default</c>).</summary>
    public Span<T> Span => _array;

    /// <summary>The elements, read-only (empty for <c>default</c>).</summary>
    public ReadOnlySpan<T> ReadOnlySpan => _array;

    /// <summary>The element at a flat (row-major) index.</summary>
    public ref T this[int index] => ref (_array ?? throw new InvalidOperationException($"This {TypeName} is default and has no storage; create it with {TypeName}.Allocate().")).AsSpan()[index];

    /// <summary>Copies <paramref name="source"/>, which must hold exactly <see cref="Length"/> elements, into this tensor.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> has another length.</exception>
    public void CopyFrom(ReadOnlySpan<T> source)
    {
        ShapeCheck.Length(source.Length, TShape.Length, nameof(source), TShape.Dimensions);
        source.CopyTo(Span);
    }

    /// <summary>
    /// The same storage seen with another shape of equal length (a reshape, such as N×C×H×W as N×(C·H·W)). Nothing is copied.
    /// </summary>
    /// <remarks><c>default</c> reshapes to <c>default</c>.</remarks>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public Tensor<T, TOther> Reshape<TOther>()
        where TOther : ITensorShape
    {
        if (TOther.Length != TShape.Length)
        {
            throw new ArgumentException(
                $"Cannot view a {TypeName} ({TShape.Dimensions}, {TShape.Length} elements) as {typeof(TOther).Name} ({TOther.Dimensions}, {TOther.Length} elements); the lengths must be equal.",
                nameof(TOther));
        }

        return _array is null ? default : new Tensor<T, TOther>(_array);
    }

    /// <summary>Describes the tensor, for example <c>Tensor&lt;Single, Shape8x3x32x32&gt; (8×3×32×32)</c>.</summary>
    public override string ToString() => TypeName + " (" + TShape.Dimensions + ")";

    private static string TypeName
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        get => "Tensor<" + typeof(T).Name + ", " + typeof(TShape).Name + ">";
    }
}
