using System.Collections.Generic;
using System.Numerics;
using TensorDsl.Training;

namespace TensorDsl.Tests.Training;

/// <summary>The smallest <see cref="IParameterSet{T}"/>: a fixed list, as a generated model would expose.</summary>
internal sealed class TestModel<T>(params Parameter<T>[] parameters) : IParameterSet<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public IReadOnlyList<Parameter<T>> Parameters { get; } = parameters;
}
