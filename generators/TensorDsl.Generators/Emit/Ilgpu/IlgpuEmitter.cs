using System.Collections.Generic;
using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Emit.Ilgpu;

/// <summary>
/// Writes, for every operator of one declaring type, static ILGPU kernel methods and a typed wrapper (a nested
/// <c>{Name}Ilgpu</c> class) that loads them on an Accelerator. Runs only when the compilation references ILGPU.
/// </summary>
internal static class IlgpuEmitter
{
    /// <summary>Metadata name whose presence in the compilation means ILGPU is referenced.</summary>
    public const string DetectionType = "ILGPU.Runtime.Accelerator";

    /// <summary>The whole file for the declaring type, or null when there is nothing to write.</summary>
    public static string? Emit(IReadOnlyList<OperatorSpec> specs) => null;
}
