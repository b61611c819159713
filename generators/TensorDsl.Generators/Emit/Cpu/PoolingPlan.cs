using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Emit.Cpu;

/// <summary>
/// Which pooling loops of one operator run in TensorDsl.Kernels.PoolingKernels, chosen at build time from the fixed
/// geometry; the conditions mirror the kernels' own <c>Supports…</c> checks. Float32 only: the kernels vectorize
/// across output columns and compute exactly what the generated scalar loops compute (same cells, same order), so
/// the choice never changes a result. Double, and geometries the kernels do not take, keep the generated loops.
/// </summary>
internal static class PoolingPlan
{
    /// <summary>The padded share plane the average backward keeps on the stack (PoolingKernels.PaddedPlaneFloats).</summary>
    private const int PaddedPlaneFloats = 16384;

    /// <summary>Max and average pooling forward: windows 1 or 2 columns apart.</summary>
    public static bool VectorForward(OperatorSpec s)
        => s.Element == ElementKind.Float && s.Geometry.StrideWidth is 1 or 2;

    /// <summary>Average pooling's input gradient: windows 1 column apart, the padded share plane within the stack budget.</summary>
    public static bool VectorAvgBackward(OperatorSpec s)
    {
        WindowGeometry g = s.Geometry;
        return s.Element == ElementKind.Float && g.StrideWidth == 1 && (long)g.GridHeight * (g.GridWidth + (2L * (g.KernelWidth - 1))) <= PaddedPlaneFloats;
    }

    /// <summary>Max pooling's scatter: 2-wide windows 2 apart, rows not overlapping, no padding (each input cell in at most one window).</summary>
    public static bool VectorMaxBackward(OperatorSpec s)
    {
        WindowGeometry g = s.Geometry;
        return s.Element == ElementKind.Float && g.KernelWidth == 2 && g.StrideWidth == 2 && g.StrideHeight >= g.KernelHeight && g.PadHeight == 0 && g.PadWidth == 0;
    }
}
