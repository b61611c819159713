using System;
using System.Collections.Immutable;
using System.Numerics;
using TensorDsl.Training;

namespace TensorDsl.Models;

/// <summary>
/// One layer of a generated model, as the model's partial property returns it: its name, kind, the shapes it
/// takes and produces (inferred at build time), and its parameters if it has any.
/// </summary>
public sealed class Layer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the description of a layer; generated model code calls this once per layer.</summary>
    public Layer(string name, string kind, ImmutableArray<int> inputShape, ImmutableArray<int> outputShape, Parameter<T>? weight = null, Parameter<T>? bias = null)
    {
        Name = name;
        Kind = kind;
        InputShape = inputShape;
        OutputShape = outputShape;
        Weight = weight;
        Bias = bias;
    }

    /// <summary>The property's name.</summary>
    public string Name { get; }

    /// <summary>The layer attribute's name, e.g. "Conv2d".</summary>
    public string Kind { get; }

    /// <summary>The shape of what the layer takes, batch first.</summary>
    public ImmutableArray<int> InputShape { get; }

    /// <summary>The shape of what the layer produces, batch first.</summary>
    public ImmutableArray<int> OutputShape { get; }

    /// <summary>The weights, or null for a layer without parameters.</summary>
    public Parameter<T>? Weight { get; }

    /// <summary>The bias, or null.</summary>
    public Parameter<T>? Bias { get; }

    /// <inheritdoc/>
    public override string ToString()
        => $"{Name} ({Kind}): {string.Join("×", InputShape)} → {string.Join("×", OutputShape)}";
}
