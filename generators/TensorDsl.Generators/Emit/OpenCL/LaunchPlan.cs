using System;
using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Emit.OpenCL;

/// <summary>
/// How one kernel is launched: its name in the program and its NDRange, always three-dimensional (unused
/// dimensions are 1). Every global size is a multiple of the local size; kernels guard the padding themselves.
/// </summary>
internal sealed record KernelLaunch(string Name, int GlobalX, int GlobalY, int GlobalZ, int LocalX, int LocalY, int LocalZ)
{
    public int WorkGroupSize => LocalX * LocalY * LocalZ;

    /// <summary>A one-dimensional launch over <paramref name="items"/> work-items, padded to whole work-groups.</summary>
    public static KernelLaunch Linear(string name, int items)
    {
        int local = LocalSizeFor(items);
        return new KernelLaunch(name, RoundUp(items, local), 1, 1, local, 1, 1);
    }

    /// <summary>
    /// The work-group size of a one-work-item-per-output kernel: 256 (a multiple of every GPU's SIMD width and
    /// within every device's limit) unless the whole range is smaller, then the next power of two.
    /// </summary>
    public static int LocalSizeFor(int items) => Math.Min(256, Gemm.Pow2Ceil(Math.Max(items, 1)));

    public static int RoundUp(int value, int multiple) => checked(((value + multiple - 1) / multiple) * multiple);

    public static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}

/// <summary>
/// The tile shape of a tiled GEMM kernel. A work-group of <see cref="LX"/>×<see cref="LY"/> work-items computes a
/// <see cref="TM"/>×<see cref="TN"/> tile of C; each work-item owns an <see cref="RM"/>×<see cref="RN"/> register block
/// (rows ty + i·LY, columns tx + j·LX, so that neighbouring work-items store neighbouring columns); K advances
/// <see cref="TK"/> at a time through local memory. All sizes are powers of two.
/// </summary>
internal sealed record GemmTiling(int TM, int TN, int TK, int RM, int RN)
{
    public int LX => TN / RN;

    public int LY => TM / RM;

    public int Threads => LX * LY;

    /// <summary>Work-items per B-tile row when loading it (consecutive ones take consecutive columns).</summary>
    public int BColumnItems => Math.Min(Threads, TN);

    public int BRowItems => Threads / BColumnItems;

    public int BColumnsPerItem => TN / BColumnItems;

    public int BRowsPerItem => Math.Max(1, TK / BRowItems);

    /// <summary>Work-items per A-tile row of K when loading it (consecutive ones take consecutive k).</summary>
    public int AKItems => Math.Min(Threads, TK);

    public int ARowItems => Threads / AKItems;

    public int AKPerItem => TK / AKItems;

    public int ARowsPerItem => Math.Max(1, TM / ARowItems);
}

/// <summary>Tile selection for the implicit GEMMs, from the problem's shape only (so it is fixed at build time).</summary>
internal static class Gemm
{
    /// <summary>
    /// Convolutions with fewer multiply-adds than this run one work-item per output: a tile would be mostly
    /// padding and the launch costs more than the arithmetic.
    /// </summary>
    public const long DirectThreshold = 8192;

    /// <summary>
    /// Picks the tiles for C = A·B with A M×K and B K×N. Rows: up to 64 per tile with 4×4 (or smaller) register
    /// blocks; columns are widened when M is small so that a work-group still has 256 work-items, and narrowed
    /// (trading register blocking for work-items) when N is small. The local size never exceeds 256 and the two
    /// local tiles together stay below 25 KiB (K tiles of 8 instead of 16 for the widest double tiles), within
    /// every device's 32 KiB minimum of local memory.
    /// </summary>
    public static GemmTiling Choose(int m, int n, int k, ElementKind element)
    {
        int tm = Math.Min(64, Pow2Ceil(m));
        int rm = tm >= 32 ? 4 : tm >= 8 ? 2 : 1;
        int ly = tm / rm;
        int tnMax = ly >= 16 ? 64 : ly >= 8 ? 128 : 256;
        int tn = Math.Min(tnMax, Pow2Ceil(n));
        int rn = Math.Min(4, tn);
        while ((tn / rn) * ly < 64 && rn > 1)
        {
            rn /= 2;
        }

        int tk = Math.Min(element == ElementKind.Double && tn >= 256 ? 8 : 16, Pow2Ceil(k));
        return new GemmTiling(tm, tn, tk, rm, rn);
    }

    /// <summary>
    /// How many slices the K range of the weight gradient is cut into, so that a small gradient (few tiles) over a
    /// long reduction (batch × output plane) still fills a GPU. Each slice is reduced by its own work-groups into a
    /// scratch buffer and a second kernel sums the slices in order, so the result stays deterministic.
    /// </summary>
    public static int Splits(GemmTiling t, int m, int n, int k)
    {
        const int targetGroups = 64;
        const int minimumSlice = 128;
        int tiles = LaunchCeil(m, t.TM) * LaunchCeil(n, t.TN);
        int wanted = Math.Min((targetGroups + tiles - 1) / tiles, k / minimumSlice);
        return Math.Max(1, Math.Min(wanted, 64));
    }

    /// <summary>The K slice length for <paramref name="splits"/> slices: a whole number of K tiles.</summary>
    public static int Slice(GemmTiling t, int k, int splits)
        => KernelLaunch.RoundUp(LaunchCeil(k, splits), t.TK);

    public static int Pow2Ceil(int value)
    {
        int p = 1;
        while (p < value)
        {
            p <<= 1;
        }

        return p;
    }

    private static int LaunchCeil(int value, int divisor) => KernelLaunch.CeilDiv(value, divisor);
}
