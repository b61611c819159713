using System.Collections.Generic;
using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Emit.OpenCL;

/// <summary>
/// Writes, for every operator of one declaring type, OpenCL C kernels for its fixed shapes and the typed launch
/// code (a nested <c>{Name}OpenCL</c> class) that runs them through <c>TensorDsl.OpenCL.OpenClRuntime</c>.
/// </summary>
internal static class OpenClEmitter
{
    /// <summary>The whole file for the declaring type, or null when there is nothing to write.</summary>
    public static string? Emit(IReadOnlyList<OperatorSpec> specs) => null;
}
