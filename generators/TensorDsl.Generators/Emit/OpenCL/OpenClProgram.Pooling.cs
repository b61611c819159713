using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.OpenCL;

internal sealed partial class OpenClProgram
{
    /// <summary>
    /// Pooling and im2col are memory-bound with a few operations per element, so every kernel here runs one
    /// work-item per output element. Gradients that the CPU scatters (max and average pooling's backward, col2im)
    /// are gathers over the image: each image cell visits the windows that cover it in increasing window order,
    /// which is the order in which the CPU adds them, so no atomics are needed and the sums match the CPU's.
    /// </summary>
    private void WriteMaxPool()
    {
        WriteDirect(MaxPool, In + "image, " + Out + "grid, __global int* restrict indexes", _g.GridLength, new[]
        {
            "max_pool: grid = the largest value of each window (cells in the padding are never candidates), indexes = its position",
            "h*IW + x in the input plane. Scans the window row-major: a larger value replaces the maximum (ties keep the first) and",
            "a NaN always replaces it, so a NaN wins and the last NaN's index is reported (as PyTorch).",
        }, w =>
        {
            WindowOf(w);
            w.Line("__global const real* plane = image + (i / GP) * IP;");
            w.Line("real best = -INFINITY;");
            w.Line("int bestIndex = hBegin * IW + xBegin;");
            using (w.Open("for (int h = hBegin; h < hEnd; h++)"))
            {
                using (w.Open("for (int x = xBegin; x < xEnd; x++)"))
                {
                    w.Line("const real value = plane[h * IW + x];");
                    using (w.Open("if (value > best || isnan(value))"))
                    {
                        w.Line("best = value;");
                        w.Line("bestIndex = h * IW + x;");
                    }
                }
            }

            w.Line("grid[i] = best;");
            w.Line("indexes[i] = bestIndex;");
        });
    }

    private void WriteMaxPoolBackward()
    {
        WriteDirect(MaxPoolBackward, "__global const int* restrict indexes, " + In + "grid_gradient, " + Out + "image_gradient", _g.ImageLength, new[]
        {
            "max_pool_backward (Pooling2DGrad): image_gradient[n, c, h, x] = sum of grid_gradient over the windows covering (h, x)",
            "whose index is h*IW + x, in window order. A gather over the image, so no atomics; an index outside its window is ignored.",
        }, w =>
        {
            CoveringWindows(w);
            w.Line("const int here = h * IW + x;");
            w.Line("real sum = (real)0;");
            using (w.Open("for (int oh = ohBegin; oh < ohEnd; oh++)"))
            {
                using (w.Open("for (int ow = owBegin; ow < owEnd; ow++)"))
                {
                    w.Line("const int cell = plane * GP + oh * GW + ow;");
                    w.Line("if (indexes[cell] == here) sum += grid_gradient[cell];");
                }
            }

            w.Line("image_gradient[i] = sum;");
        });
    }

    private void WriteMaxPoolWithIndexes()
    {
        WriteDirect(MaxPoolWithIndexes, "__global const int* restrict indexes, " + In + "image, " + Out + "grid", _g.GridLength, new[]
        {
            "max_pool_with_indexes (Pooling2DWithIndexes): grid[n, c, cell] = image[n, c, indexes[n, c, cell]].",
            "An index outside the input plane reads nothing and yields NaN (a kernel cannot throw).",
        }, w =>
        {
            w.Line("const int index = indexes[i];");
            w.Line("grid[i] = index >= 0 && index < IP ? image[(i / GP) * IP + index] : (real)NAN;");
        });
    }

    private void WriteAvgPool()
    {
        WriteDirect(AvgPool, In + "image, " + Out + "grid", _g.GridLength, new[]
        {
            "avg_pool: grid = (sum of the window's cells inside the image, row-major) / " + (_s.CountIncludePad ? "KH*KW (padding counts as zeros)." : "the number of those cells (padding does not count)."),
        }, w =>
        {
            WindowOf(w);
            w.Line("__global const real* plane = image + (i / GP) * IP;");
            w.Line("real sum = (real)0;");
            using (w.Open("for (int h = hBegin; h < hEnd; h++)"))
            {
                w.Line("for (int x = xBegin; x < xEnd; x++) sum += plane[h * IW + x];");
            }

            w.Line("grid[i] = sum / (real)(" + (_s.CountIncludePad ? "KA" : "(hEnd - hBegin) * (xEnd - xBegin)") + ");");
        });
    }

    private void WriteAvgPoolBackward()
    {
        WriteDirect(AvgPoolBackward, In + "grid_gradient, " + Out + "image_gradient", _g.ImageLength, new[]
        {
            "avg_pool_backward: image_gradient[n, c, h, x] = sum over the windows covering (h, x), in window order, of",
            "grid_gradient / the window's divisor (as avg_pool). A gather over the image, so no atomics.",
        }, w =>
        {
            CoveringWindows(w);
            w.Line("real sum = (real)0;");
            using (w.Open("for (int oh = ohBegin; oh < ohEnd; oh++)"))
            {
                using (w.Open("for (int ow = owBegin; ow < owEnd; ow++)"))
                {
                    if (_s.CountIncludePad)
                    {
                        w.Line("sum += grid_gradient[plane * GP + oh * GW + ow] / (real)KA;");
                    }
                    else
                    {
                        w.Line("const int rows = min(oh * SH - PH + KH, IH) - max(oh * SH - PH, 0);");
                        w.Line("const int cols = min(ow * SW - PW + KW, IW) - max(ow * SW - PW, 0);");
                        w.Line("sum += grid_gradient[plane * GP + oh * GW + ow] / (real)(rows * cols);");
                    }
                }
            }

            w.Line("image_gradient[i] = sum;");
        });
    }

    private void WriteIm2col()
    {
        string layout = _s.ToMatrix ? "col[(n*GH + oh)*GW + ow][(c*KH + kh)*KW + kw]" : "col[n][c][kh][kw][oh][ow]";
        WriteDirect(Im2col, In + "image, " + Out + "col", ColumnLength, new[]
        {
            "im2col: " + layout + " = image[n, c, oh*SH - PH + kh, ow*SW - PW + kw], 0 in the padding.",
            "One work-item per column element (consecutive work-items write consecutive addresses).",
        }, w =>
        {
            if (_s.ToMatrix)
            {
                w.Line("const int row = i / (IC * KA), column = i % (IC * KA);");
                w.Line("const int n = row / GP, oh = (row % GP) / GW, ow = row % GW;");
                w.Line("const int c = column / KA, kh = (column % KA) / KW, kw = column % KW;");
            }
            else
            {
                w.Line("const int ow = i % GW, oh = (i / GW) % GH, kw = (i / GP) % KW, kh = (i / (GP * KW)) % KH;");
                w.Line("const int c = (i / (GP * KA)) % IC, n = i / (GP * KA * IC);");
            }

            w.Line("const int h = oh * SH - PH + kh, x = ow * SW - PW + kw;");
            w.Line("col[i] = h >= 0 && h < IH && x >= 0 && x < IW ? image[((n * IC + c) * IH + h) * IW + x] : (real)0;");
        });
    }

    private void WriteCol2im()
    {
        string position = _s.ToMatrix
            ? "((n * GP + oh * GW + ow) * IC + c) * KA + kh * KW + kw"
            : "(((n * IC + c) * KA + kh * KW + kw) * GH + oh) * GW + ow";
        WriteDirect(Col2im, In + "col, " + Out + "image", _g.ImageLength, new[]
        {
            "col2im: image[n, c, h, x] = sum of the column entries copied from (h, x), in the order kh, kw (padding entries are",
            "dropped). A gather over the image: each (kh, kw) meets at most one window position, so no atomics.",
        }, w =>
        {
            w.Line("const int n = i / (IC * IP), c = (i / IP) % IC, h = (i % IP) / IW, x = i % IW;");
            w.Line("real sum = (real)0;");
            using (w.Open("for (int kh = 0; kh < KH; kh++)"))
            {
                w.Line("const int th = h + PH - kh, oh = th / SH;");
                w.Line("if (th < 0 || oh * SH != th || oh >= GH) continue;");
                using (w.Open("for (int kw = 0; kw < KW; kw++)"))
                {
                    w.Line("const int tw = x + PW - kw, ow = tw / SW;");
                    w.Line("if (tw < 0 || ow * SW != tw || ow >= GW) continue;");
                    w.Line("sum += col[" + position + "];");
                }
            }

            w.Line("image[i] = sum;");
        });
    }

    private int ColumnLength => _g.Batch * _g.ImageChannels * _g.KernelArea * _g.GridPlane;

    /// <summary>Decodes grid element i into its window, clipped to the image: rows hBegin..hEnd, columns xBegin..xEnd.</summary>
    private static void WindowOf(IndentedWriter w)
    {
        w.Line("const int oh = (i % GP) / GW, ow = i % GW;");
        w.Line("const int hBegin = max(oh * SH - PH, 0), hEnd = min(oh * SH - PH + KH, IH);");
        w.Line("const int xBegin = max(ow * SW - PW, 0), xEnd = min(ow * SW - PW + KW, IW);");
    }

    /// <summary>Decodes image element i and the grid windows covering it: oh in ohBegin..ohEnd, ow in owBegin..owEnd.</summary>
    private static void CoveringWindows(IndentedWriter w)
    {
        w.Line("const int plane = i / IP, h = (i % IP) / IW, x = i % IW;");
        w.Line("// Window oh covers rows oh*SH - PH .. oh*SH - PH + KH - 1.");
        w.Line("const int ohBegin = h + PH - KH + 1 > 0 ? (h + PH - KH + SH) / SH : 0, ohEnd = min((h + PH) / SH + 1, GH);");
        w.Line("const int owBegin = x + PW - KW + 1 > 0 ? (x + PW - KW + SW) / SW : 0, owEnd = min((x + PW) / SW + 1, GW);");
    }
}
