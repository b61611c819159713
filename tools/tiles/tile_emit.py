# Shared pieces of the AVX-512 tile generators: the file's frame and the accumulators' declarations, loads and stores,
# which every tile family writes the same way (one named Vector512 local per accumulator, so that the JIT keeps it in a
# register).


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


def grid(rows, vectors):
    """Accumulators c{r}_{v} of a rows × vectors tile: declared a row per line, row r at c + r·ldc + 16·v."""
    cells = [[(f"c{r}_{v}", f"(nuint)(({r} * ldc) + {16 * v})") for v in range(vectors)] for r in range(rows)]
    return [[name for name, _ in row] for row in cells], [cell for row in cells for cell in row]


def begin_accumulators(w, declared, cells):
    """Declares the accumulators (zero) and, when the tile accumulates, loads them from c."""
    for names in declared:
        w("        Vector512<float> " + ", ".join(f"{name} = default" for name in names) + ";")
    w("        if (accumulate)")
    w("        {")
    for name, offset in cells:
        w(f"            {name} = Vector512.LoadUnsafe(ref c, {offset});")
    w("        }")
    w("")


def store_accumulators(w, cells):
    for name, offset in cells:
        w(f"        {name}.StoreUnsafe(ref c, {offset});")
