using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TensorDsl.Kernels;

/// <summary>Helpers the GEMM plans share for their tiles' rows: offset tables and the copy of a row into a packed strip.</summary>
internal static class StripRows
{
    /// <summary>
    /// Row r's offset <c>r·stride</c> for a full block of <paramref name="rows"/>, and for a partial last block of
    /// <paramref name="lastRows"/> the same with the missing rows reading its last row again (their sums are dropped).
    /// </summary>
    public static (int[] Full, int[] Last) Offsets(int rows, int lastRows, int stride)
    {
        int[] full = new int[rows], last = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            full[r] = r * stride;
            last[r] = Math.Min(r, lastRows - 1) * stride;
        }

        return (full, last);
    }

    /// <summary>
    /// Copies <paramref name="columns"/> (a multiple of 8) floats of one tile row into its packed strip and asks L2 for the
    /// next strip's lines of the row: hundreds of rows far apart outrun the hardware prefetchers, and the next strip is
    /// packed only after every output-channel block has run over this one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void CopyAndPrefetchNext(ref float row, ref float to, int columns)
    {
        for (int j = 0; j < columns; j += 8)
        {
            Vector256.LoadUnsafe(ref row, (nuint)j).StoreUnsafe(ref to, (nuint)j);
        }

        // Only a hint: an address the collector has since moved fetches a useless line, nothing else.
        for (int j = columns; j < 2 * columns + 16; j += 16)
        {
            Sse.Prefetch1(Unsafe.AsPointer(ref Unsafe.Add(ref row, j)));
        }
    }
}
