# Shared pieces of the tile generators: the file's frame and the accumulators' declarations, loads and stores, which
# every tile family writes the same way (one named vector local per accumulator, so that the JIT keeps it in a register).
# The AVX-512 families use the defaults; the 256-bit tiles pass Vector256, 8 lanes and Fma.MultiplyAdd.


class Writer:
    """Collects the generated lines; `w(line)` appends one, `w.text()` joins them."""

    def __init__(self):
        self.lines = []

    def __call__(self, line=""):
        self.lines.append(line)

    def text(self):
        return "\n".join(self.lines) + "\n"


def open_class(w, comment, system=False):
    """The usings, the namespace, the family's comment lines and the opening of the partial MicroKernels class."""
    if system:
        w("using System;")
    w("using System.Runtime.CompilerServices;")
    w("using System.Runtime.Intrinsics;")
    w("using System.Runtime.Intrinsics.X86;")
    w("")
    w("namespace TensorDsl.Kernels;")
    w("")
    for line in comment:
        w("// " + line)
    w("public static partial class MicroKernels")
    w("{")


def grid(rows, vectors, lanes=16):
    """Accumulators c{r}_{v} of a rows × vectors tile: declared a row per line, row r at c + r·ldc + lanes·v."""
    cells = [[(f"c{r}_{v}", f"(nuint)(({r} * ldc) + {lanes * v})") for v in range(vectors)] for r in range(rows)]
    return [[name for name, _ in row] for row in cells], [cell for row in cells for cell in row]


def begin_accumulators(w, declared, cells, vector="Vector512"):
    """Declares the accumulators (zero) and, when the tile accumulates, loads them from c."""
    for names in declared:
        w(f"        {vector}<float> " + ", ".join(f"{name} = default" for name in names) + ";")
    w("        if (accumulate)")
    w("        {")
    for name, offset in cells:
        w(f"            {name} = {vector}.LoadUnsafe(ref c, {offset});")
    w("        }")
    w("")


def store_accumulators(w, cells):
    for name, offset in cells:
        w(f"        {name}.StoreUnsafe(ref c, {offset});")


def require_avx512(w):
    """The guard a public tile entry opens with: the wide tiles exist only where AVX-512F does."""
    w("        if (!Avx512F.IsSupported)")
    w("        {")
    w('            throw new PlatformNotSupportedException("The AVX-512 tiles need AVX-512F.");')
    w("        }")
    w("")


def require_fma(w):
    """The guard a public 256-bit tile entry opens with: those tiles exist only where FMA does."""
    w("        if (!Fma.IsSupported)")
    w("        {")
    w('            throw new PlatformNotSupportedException("The 256-bit tiles need FMA.");')
    w("        }")
    w("")


def positions_tiles(w, vectors, vector, lanes, fma, suffix, require, scattered=True):
    """The broadcast tiles of one width: 6 positions × `vectors` vectors of output channels, each position's input values
    broadcast from the image at its own base b0 … b5 plus the tap's offset, the weights transposed (lanes·vectors per
    tap). Two entries: `PositionsTile{suffix}`, the sums evenly spaced (ldc), and `ScatteredPositionsTile{suffix}`, each
    position's sums at its own place t0 … t5 (positions not evenly spaced there: a transposed correlation's stride
    phases, laid out by image position), written only where `scattered`. `require(w)` writes the entries'
    instruction-set guard."""
    rows, width = 6, lanes * vectors
    bases = "int b0, int b1, int b2, int b3, int b4, int b5"
    targets = "int t0, int t1, int t2, int t3, int t4, int t5"
    name = f"Positions{rows}x{vectors}{'Avx512' if vector == 'Vector512' else 'Fma'}"
    declared, spaced = grid(rows, vectors, lanes)
    placed = [(f"c{r}_{v}", f"(nuint)(t{r} + {lanes * v})") for r in range(rows) for v in range(vectors)]
    needs = "AVX-512F" if vector == "Vector512" else "FMA"

    def step():
        # The weights are the loaded vectors (w0, w1, …, the parameter w being their pointer), the inputs the broadcasts.
        w("            int o = Unsafe.Add(ref offsets, i);")
        fma_step(w, rows, vectors, lambda v: f"{vector}.LoadUnsafe(ref w, {lanes * v})", lambda r: f"Unsafe.Add(ref x{r}, o)",
                 vector=vector, fma=fma, load_once_from=1, loaded="w", broadcasted="s")
        w(f"            w = ref Unsafe.Add(ref w, {width});")

    setup = [
        "        ref float x0 = ref Unsafe.Add(ref x, b0), x1 = ref Unsafe.Add(ref x, b1), x2 = ref Unsafe.Add(ref x, b2);",
        "        ref float x3 = ref Unsafe.Add(ref x, b3), x4 = ref Unsafe.Add(ref x, b4), x5 = ref Unsafe.Add(ref x, b5);",
    ]
    entries = [
        (f"PositionsTile{suffix}", name, f"ref float c, int ldc", "ref c, ldc", spaced,
         f"<c>c[r·ldc + j] (+)= Σ over i &lt; k of x[b_r + offsets[i]] · w[i·{width} + j]</c> for the 6 positions r (bases b0 … b5)",
         f"and the {width} output channels j. Needs {needs}."),
        (f"ScatteredPositionsTile{suffix}", "Scattered" + name, f"ref float c, {targets}", "ref c, t0, t1, t2, t3, t4, t5", placed,
         f"<c>c[t_r + j] (+)= Σ over i &lt; k of x[b_r + offsets[i]] · w[i·{width} + j]</c> for the 6 positions r (bases b0 … b5, sums",
         f"at t0 … t5) and the {width} output channels j; a position given twice (same base, same target) gets the same sums. Needs {needs}."),
    ]
    for n, (entry, method, sums, sums_args, cells, doc1, doc2) in enumerate(entries if scattered else entries[:1]):
        if n:
            w("")
        w("    /// <summary>")
        w(f"    /// {doc1}")
        w(f"    /// {doc2}")
        w("    /// </summary>")
        w(f"    public static void {entry}(ref float x, {bases}, ref int offsets, ref float w, int k, {sums}, bool accumulate)")
        w("    {")
        require(w)
        w(f"        {method}(ref x, b0, b1, b2, b3, b4, b5, ref offsets, ref w, k, {sums_args}, accumulate);")
        w("    }")
        w("")
        tile_method(w, f"{method}(ref float x, {bases}, ref int offsets, ref float w, int k, {sums}, bool accumulate)",
                    declared, cells, step, setup=setup, vector=vector)


def run_dispatch(w, sizes, method):
    """The body of a run-tile entry's switch: one case per size, largest first, the smallest as the default;
    `method(R)` is the name of size R's tile method."""
    w("        switch (run)")
    w("        {")
    for R in sorted(sizes, reverse=True):
        label = "default" if R == min(sizes) else f"case {R}"
        w(f"            {label}: {method(R)}(ref x, ref offsets, ref w, k, ref c, ldc, accumulate); break;")
    w("        }")
    w("    }")
    w("")


def tile_method(w, signature, declared, cells, step, setup=(), vector="Vector512", unroll=1, unsafe=False):
    """One private tile method: its accumulators (loaded from c when it accumulates), the `setup` lines, the reduction
    loop over i < k whose body `step()` writes, and the accumulators stored back to c. With `unroll` > 1 the loop takes
    `unroll` steps an iteration, each in its own block written by `step(u)` for reduction index i + u, then the last
    k mod `unroll` steps one at a time, likewise by `step(0)`. `unsafe` marks the method unsafe (for prefetches)."""
    w("    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
    w(f"    private static {'unsafe ' if unsafe else ''}void {signature}")
    w("    {")
    begin_accumulators(w, declared, cells, vector)
    for line in setup:
        w(line)
    if unroll == 1:
        w("        for (int i = 0; i < k; i++)")
        w("        {")
        step()
        w("        }")
    else:
        w("        int i = 0;")
        w(f"        for (; i <= k - {unroll}; i += {unroll})")
        w("        {")
        for u in range(unroll):
            w("            {")
            step(u)
            w("            }")
        w("        }")
        w("")
        w("        for (; i < k; i++)")
        w("        {")
        w("            {")
        step(0)
        w("            }")
        w("        }")
    w("")
    store_accumulators(w, cells)
    w("    }")


def fma_step(w, rows, vectors, load, broadcast, vector="Vector512", fma="Avx512F.FusedMultiplyAdd", load_once_from=6, indent=12,
             loaded="b", broadcasted="w"):
    """One reduction step of a rows × vectors tile: with `load_once_from` or more rows the vectors' B values are loaded
    once (as `loaded`0, `loaded`1, …) and each row's broadcast (`broadcasted`) feeds them all; with fewer, the rows'
    broadcasts are made once and each loaded vector feeds them all. `load(v)` is the expression of vector v's B value,
    `broadcast(r)` that of row r's scalar."""
    pad = " " * indent
    if rows >= load_once_from:
        for v in range(vectors):
            w(f"{pad}{vector}<float> {loaded}{v} = {load(v)};")
        for r in range(rows):
            w(f"{pad}{vector + '<float> ' if r == 0 else ''}{broadcasted} = {vector}.Create({broadcast(r)});")
            for v in range(vectors):
                w(f"{pad}c{r}_{v} = {fma}({broadcasted}, {loaded}{v}, c{r}_{v});")
    else:
        for r in range(rows):
            w(f"{pad}{vector}<float> w{r} = {vector}.Create({broadcast(r)});")
        for v in range(vectors):
            w(f"{pad}{vector + '<float> ' if v == 0 else ''}s = {load(v)};")
            for r in range(rows):
                w(f"{pad}c{r}_{v} = {fma}(w{r}, s, c{r}_{v});")
