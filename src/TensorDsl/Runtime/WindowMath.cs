using System;
using System.Runtime.CompilerServices;

namespace TensorDsl.Runtime;

/// <summary>
/// Which window positions read inside the image for one kernel offset, so that generated loops never test
/// bounds in their inner loop. Position o reads image row o·stride − pad + k.
/// </summary>
public static class WindowMath
{
    /// <summary>The first position o whose row o·stride − pad + k is at least 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstInside(int k, int pad, int stride)
        => k >= pad ? 0 : (pad - k + stride - 1) / stride;

    /// <summary>One past the last position o (below <paramref name="positions"/>) whose row is below <paramref name="size"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EndInside(int k, int pad, int stride, int size, int positions)
    {
        int last = size - 1 + pad - k;
        return last < 0 ? 0 : Math.Min(positions, (last / stride) + 1);
    }
}
