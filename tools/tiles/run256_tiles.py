# Writes src/TensorDsl/Kernels/MicroKernels.Runs256.cs: python3 tools/tiles/run256_tiles.py > src/TensorDsl/Kernels/MicroKernels.Runs256.cs
# The 256-bit (AVX2 + FMA) run tiles: R consecutive output positions (stride-1 windows) × 16 output channels (two
# Vector256, 2·R ≤ 12 accumulators), each position's input values broadcast from the image at the tap's offset plus the
# position's column; the weights transposed, 16 output channels per tap, as the AVX-512 run tiles read them.
from tile_emit import Writer, open_class, run_dispatch, grid, tile_method, fma_step, require_fma

SIZES = [4, 5, 6]
w = Writer()
open_class(w, [
    "The 256-bit run tiles: R consecutive output positions of one row (stride-1 windows) × 16 output channels (two",
    "Vector256, 2·R ≤ 12 accumulators), each position's input values broadcast from the image at the tap's offset plus",
    "the position's column; the weights transposed, 16 output channels per tap (the AVX-512 run tiles' layout). Generated",
    "by tools/tiles/run256_tiles.py; each output element is one FMA chain over the taps in order, as in the GEMM tiles.",
], system=True)
w("    /// <summary>Positions per 256-bit run tile, largest first.</summary>")
w("    internal static ReadOnlySpan<int> RunSizes256 => [" + ", ".join(str(s) for s in reversed(SIZES)) + "];")
w("")
w("    /// <summary>")
w("    /// <c>c[r·ldc + j] (+)= Σ over i &lt; k of x[offsets[i] + r] · w[i·16 + j]</c> for the <paramref name=\"run\"/> positions r")
w("    /// (one of <see cref=\"RunSizes256\"/>) and the 16 output channels j. Needs FMA.")
w("    /// </summary>")
w("    public static void RunTile256(int run, ref float x, ref int offsets, ref float w, int k, ref float c, int ldc, bool accumulate)")
w("    {")
require_fma(w)
run_dispatch(w, SIZES, lambda R: f"Run{R}x2Fma")
for n, R in enumerate(SIZES):
    if n:
        w("")
    declared, cells = grid(R, 2, lanes=8)

    def step():
        w("            ref float source = ref Unsafe.Add(ref x, Unsafe.Add(ref offsets, i));")
        fma_step(w, R, 2, lambda v: f"Vector256.LoadUnsafe(ref weights, {8 * v})", lambda r: f"Unsafe.Add(ref source, {r})",
                 vector="Vector256", fma="Fma.MultiplyAdd", load_once_from=1)
        w("            weights = ref Unsafe.Add(ref weights, 16);")

    tile_method(w, f"Run{R}x2Fma(ref float x, ref int offsets, ref float weights, int k, ref float c, int ldc, bool accumulate)",
                declared, cells, step, vector="Vector256")
w("}")
print(w.text(), end="")
