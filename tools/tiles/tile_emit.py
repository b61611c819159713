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


def tile_method(w, signature, declared, cells, step, setup=(), vector="Vector512", unroll=1):
    """One private tile method: its accumulators (loaded from c when it accumulates), the `setup` lines, the reduction
    loop over i < k whose body `step()` writes, and the accumulators stored back to c. With `unroll` > 1 the loop takes
    `unroll` steps an iteration, each in its own block written by `step(u)` for reduction index i + u, then the last
    k mod `unroll` steps one at a time, likewise by `step(0)`."""
    w("    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
    w(f"    private static void {signature}")
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


def fma_step(w, rows, vectors, load, broadcast, vector="Vector512", fma="Avx512F.FusedMultiplyAdd", load_once_from=6, indent=12):
    """One reduction step of a rows × vectors tile: with `load_once_from` or more rows the vectors' B values are loaded
    once and each row's broadcast feeds them all; with fewer, the rows' broadcasts are made once and each loaded vector
    feeds them all. `load(v)` is the expression of vector v's B value, `broadcast(r)` that of row r's scalar."""
    pad = " " * indent
    if rows >= load_once_from:
        for v in range(vectors):
            w(f"{pad}{vector}<float> b{v} = {load(v)};")
        for r in range(rows):
            w(f"{pad}{vector + '<float> ' if r == 0 else ''}w = {vector}.Create({broadcast(r)});")
            for v in range(vectors):
                w(f"{pad}c{r}_{v} = {fma}(w, b{v}, c{r}_{v});")
    else:
        for r in range(rows):
            w(f"{pad}{vector}<float> w{r} = {vector}.Create({broadcast(r)});")
        for v in range(vectors):
            w(f"{pad}{vector + '<float> ' if v == 0 else ''}s = {load(v)};")
            for r in range(rows):
                w(f"{pad}c{r}_{v} = {fma}(w{r}, s, c{r}_{v});")
