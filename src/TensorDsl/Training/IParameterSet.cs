using System.Collections.Generic;
using System.Numerics;

namespace TensorDsl.Training;

/// <summary>Something that owns trainable parameters, typically a generated model.</summary>
/// <typeparam name="T">The element type (<see cref="float"/> or <see cref="double"/>).</typeparam>
public interface IParameterSet<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The parameters in a fixed order. The list and its items must not change after construction.</summary>
    IReadOnlyList<Parameter<T>> Parameters { get; }
}
