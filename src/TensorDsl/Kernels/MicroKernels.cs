namespace TensorDsl.Kernels;

/// <summary>
/// Register-blocked inner kernels. Each sums over its reduction index in one fixed order, whatever the
/// instruction set, so a result never depends on the thread that computes it. The widest path the processor
/// accelerates is chosen at run time: Vector512 (AVX-512F), Vector256 with FMA, Vector128, or scalar.
/// </summary>
public static partial class MicroKernels
{
}
