using System;
using System.Collections.Immutable;
using System.Numerics;
using System.Text;

namespace TensorDsl.Training;

/// <summary>
/// A trainable tensor: a name, a fixed shape, the values and a gradient buffer of the same length. Generated models
/// own one per weight and bias and expose them through <see cref="IParameterSet{T}"/>; optimizers and
/// <see cref="ParameterFile"/> work on lists of them.
/// </summary>
/// <typeparam name="T">The element type; <see cref="float"/> and <see cref="double"/> are the supported ones.</typeparam>
public sealed class Parameter<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The longest name accepted, in UTF-8 bytes (the parameter file stores names length-prefixed).</summary>
    public const int MaxNameBytes = 1024;

    /// <summary>The largest rank accepted.</summary>
    public const int MaxRank = 16;

    /// <summary>Creates a parameter with zero values and zero gradient.</summary>
    /// <param name="name">A non-empty name, unique within its model, e.g. <c>conv1.W</c>.</param>
    /// <param name="shape">The dimensions, each at least 1 (an empty shape is a scalar of one element).</param>
    public Parameter(string name, params ReadOnlySpan<int> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new ArgumentException($"The name is longer than {MaxNameBytes} UTF-8 bytes.", nameof(name));
        }

        if (shape.Length > MaxRank)
        {
            throw new ArgumentException($"Parameter '{name}' has rank {shape.Length}; at most {MaxRank} is supported.", nameof(shape));
        }

        long length = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 1)
            {
                throw new ArgumentException($"Parameter '{name}' has dimension {i} = {shape[i]}; every dimension must be at least 1.", nameof(shape));
            }

            length *= shape[i];
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Parameter '{name}' with shape {FormatShape(shape)} has more elements than an array can hold.", nameof(shape));
            }
        }

        Name = name;
        Shape = ImmutableArray.Create(shape);
        Value = new T[length];
        Gradient = new T[length];
    }

    /// <summary>The parameter's name, e.g. <c>conv1.W</c>.</summary>
    public string Name { get; }

    /// <summary>The dimensions (read-only; it has <c>Length</c> and an indexer like an array).</summary>
    public ImmutableArray<int> Shape { get; }

    /// <summary>The values, row-major in <see cref="Shape"/>. The array is fixed for the parameter's lifetime.</summary>
    public T[] Value { get; }

    /// <summary>The gradient of the loss with respect to <see cref="Value"/>, same layout and length.</summary>
    public T[] Gradient { get; }

    /// <summary>The element count (the product of <see cref="Shape"/>).</summary>
    public int Length => Value.Length;

    /// <summary>The shape as text, e.g. <c>6×1×5×5</c> (a scalar is <c>scalar</c>).</summary>
    public string ShapeText => FormatShape(Shape.AsSpan());

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{ShapeText}]";

    internal static string FormatShape(ReadOnlySpan<int> shape)
    {
        if (shape.IsEmpty)
        {
            return "scalar";
        }

        var text = new StringBuilder();
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                text.Append('×');
            }

            text.Append(shape[i]);
        }

        return text.ToString();
    }
}
