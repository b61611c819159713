using System;

namespace TensorDsl.Kernels;

/// <summary>
/// Scratch memory for the fast kernels, one set per thread, allocated on first use and grown (never shrunk) when a
/// larger operator needs more. A call uses the caller's buffers for what its tasks share (transformed inputs,
/// packed weights) and each running thread's own tile buffer, so concurrent calls from different threads never
/// share memory, and a warm call allocates nothing.
/// </summary>
internal static class Workspace
{
    [ThreadStatic]
    private static float[]? t_source;

    [ThreadStatic]
    private static float[]? t_second;

    [ThreadStatic]
    private static float[]? t_packed;

    [ThreadStatic]
    private static float[]? t_tile;

    [ThreadStatic]
    private static float[]? t_panel;

    /// <summary>
    /// The calling thread's buffer for a transformed (padded, phase-split) input; the broadcast plans (each running
    /// thread's padded copy) and the weight gradient's banded tasks (each thread's own transformed image) also take it
    /// inside their tasks, so no caller may hold it across one of their calls.
    /// </summary>
    public static float[] Source(int length) => Get(ref t_source, length);

    /// <summary>The calling thread's buffer for a second transformed input (the gradient in the weight gradient).</summary>
    public static float[] Second(int length) => Get(ref t_second, length);

    [ThreadStatic]
    private static float[]? t_sums;

    /// <summary>The calling thread's buffer for sums its tasks keep across passes (the weight gradient's, per task).</summary>
    public static float[] Sums(int length) => Get(ref t_sums, length);

    /// <summary>The calling thread's buffer for packed weights.</summary>
    public static float[] Packed(int length) => Get(ref t_packed, length);

    [ThreadStatic]
    private static float[]? t_alignedPacked;

    /// <summary>
    /// The calling thread's buffer for packed weights that the tiles load whole vectors of: <paramref name="length"/> floats
    /// from a 64-byte boundary (see <see cref="Aligned"/>). Misaligned, every AVX-512 load of the broadcast tiles'
    /// weights straddled two lines: strided_3x3's forward ran at 152 or 172 GFLOP per CPU-second on one thread, by the
    /// process's luck of where the buffer fell.
    /// </summary>
    public static Span<float> AlignedPacked(int length)
    {
        float[] buffer = GetAligned(ref t_alignedPacked, length, out int start);
        return buffer.AsSpan(start, length);
    }

    /// <summary>The running thread's buffer for one task's output tiles.</summary>
    public static float[] Tile(int length) => Get(ref t_tile, length);

    /// <summary>The running thread's buffer for a task's packed panel of inputs.</summary>
    public static float[] Panel(int length) => Get(ref t_panel, length);

    [ThreadStatic]
    private static float[]? t_rows;

    /// <summary>The running thread's buffer for output rows on their way to memory (<see cref="Transpose.PositionsToPlanes"/>).</summary>
    public static float[] Rows(int length) => Get(ref t_rows, length);

    [ThreadStatic]
    private static float[]? t_aligned;

    /// <summary>
    /// The running thread's buffer for packed GEMM operands; <paramref name="start"/> is its first element on a 64-byte
    /// boundary (the buffer is pinned, so the boundary holds), where whole-vector loads never straddle cache lines.
    /// </summary>
    public static float[] Aligned(int length, out int start) => GetAligned(ref t_aligned, length, out start);

    private static unsafe float[] GetAligned(ref float[]? slot, int length, out int start)
    {
        float[] buffer = slot is { } existing && existing.Length >= length + 16 ? existing : (slot = GC.AllocateUninitializedArray<float>(length + 16 + (length / 4), pinned: true));
        fixed (float* first = buffer)
        {
            start = (int)((64 - ((nint)first & 63)) & 63) / sizeof(float);
        }

        return buffer;
    }

    private static float[] Get(ref float[]? slot, int length)
    {
        float[]? buffer = slot;
        if (buffer is null || buffer.Length < length)
        {
            // Round up so that a few operators of similar size settle on one buffer.
            int size = Math.Max(length, (int)Math.Min(int.MaxValue - 64, (long)length * 5 / 4));
            buffer = GC.AllocateUninitializedArray<float>(size);
            slot = buffer;
        }

        return buffer;
    }
}
