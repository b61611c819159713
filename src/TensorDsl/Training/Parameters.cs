using System;
using System.Collections.Generic;
using System.Numerics;

namespace TensorDsl.Training;

/// <summary>
/// Helpers over lists of parameters. Inside a class that implements <see cref="IParameterSet{T}"/> the name
/// <c>Parameters</c> means the property, so generated code should spell this class
/// <c>global::TensorDsl.Training.Parameters</c>.
/// </summary>
public static class Parameters
{
    /// <summary>Sets every gradient in <paramref name="parameters"/> to zero. Allocates nothing.</summary>
    public static void ZeroGradients<T>(IReadOnlyList<Parameter<T>> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        for (int i = 0; i < parameters.Count; i++)
        {
            Array.Clear(parameters[i].Gradient);
        }
    }

    /// <summary>Sets every gradient of <paramref name="model"/>'s parameters to zero. Allocates nothing.</summary>
    public static void ZeroGradients<T>(IParameterSet<T> model)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ZeroGradients(model.Parameters);
    }

    /// <summary>The total number of elements over all <paramref name="parameters"/>.</summary>
    public static long TotalLength<T>(IReadOnlyList<Parameter<T>> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        long total = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            total += parameters[i].Length;
        }

        return total;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a name occurs twice or an item is null.</summary>
    internal static void ThrowIfInvalid<T>(IReadOnlyList<Parameter<T>> parameters, string paramName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter<T>? p = parameters[i];
            if (p is null)
            {
                throw new ArgumentException($"Parameter #{i} is null.", paramName);
            }

            if (!seen.Add(p.Name))
            {
                throw new ArgumentException($"The parameter name '{p.Name}' occurs more than once.", paramName);
            }
        }
    }
}
