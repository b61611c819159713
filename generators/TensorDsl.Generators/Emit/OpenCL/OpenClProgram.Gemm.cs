using System;
using System.Collections.Generic;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.OpenCL;

internal sealed partial class OpenClProgram
{
    /// <summary>
    /// The pieces that make one implicit GEMM C = A·B out of the shared tiled template. A and B are never
    /// materialized: <see cref="LoadA"/> and <see cref="LoadB"/> read them straight from the operator's tensors,
    /// with variables m (row of C), k, and the B column decoded once per work-item by <see cref="BColumn"/>.
    /// </summary>
    private sealed class GemmKernel
    {
        public string Name = string.Empty;

        public string[] Comment = Array.Empty<string>();

        public string Parameters = string.Empty;

        public string MText = string.Empty;

        public string NText = string.Empty;

        public string KText = string.Empty;

        public int M;

        public int N;

        public int K;

        /// <summary>Global size in the third dimension: stride phases (scatter) or K slices (weight gradient).</summary>
        public int Depth = 1;

        public List<(string Name, string Value)> Defines = new();

        /// <summary>Lines after the work-item ids; may set up per-group values (phase, K slice).</summary>
        public Action<IndentedWriter>? Prologue;

        public string KBegin = "0";

        public string KEnd = "GEMM_K";

        /// <summary>Sets <c>value</c> to A[m, k] (m and k are in range when this runs).</summary>
        public Action<IndentedWriter> LoadA = _ => { };

        /// <summary>Decodes the B column <c>bc{suffix}</c> into per-column variables (no memory reads).</summary>
        public Action<IndentedWriter, string> BColumn = (_, _) => { };

        /// <summary>Decodes the B row <c>k</c> into per-row variables (no memory reads).</summary>
        public Action<IndentedWriter> BRow = _ => { };

        /// <summary>Sets <c>value</c> to B[k, column {suffix}] when it is not a zero of the padding.</summary>
        public Action<IndentedWriter, string> LoadB = (_, _) => { };

        /// <summary>The accumulator's start for row m of C (bias or zero).</summary>
        public string Initial = "(real)0";

        /// <summary>Stores <c>v</c> as C[m, col] (both in range when this runs).</summary>
        public Action<IndentedWriter> Store = _ => { };
    }

    /// <summary>Writes the tiled kernel and returns its launch.</summary>
    private KernelLaunch WriteGemm(GemmKernel g, GemmTiling t)
    {
        IndentedWriter w = _w;
        foreach (string line in g.Comment)
        {
            w.Line("// " + line);
        }

        w.Line("// Tiles: a work-group of " + N(t.LX) + "x" + N(t.LY) + " work-items computes " + N(t.TM) + " rows x " + N(t.TN) + " columns of C, each work-item");
        w.Line("// a " + N(t.RM) + "x" + N(t.RN) + " register block; K advances " + N(t.TK) + " at a time through local memory.");
        List<(string Name, string Value)> defines = new()
        {
            ("GEMM_M", g.MText),
            ("GEMM_N", g.NText),
            ("GEMM_K", g.KText),
            ("TM", N(t.TM)),
            ("TN", N(t.TN)),
            ("TK", N(t.TK)),
            ("RM", N(t.RM)),
            ("RN", N(t.RN)),
            ("LX", N(t.LX)),
            ("LY", N(t.LY)),
        };
        defines.AddRange(g.Defines);
        foreach ((string name, string value) in defines)
        {
            w.Line("#define " + name + " " + value);
        }

        w.Line("__kernel __attribute__((reqd_work_group_size(LX, LY, 1)))");
        using (w.Open("void " + g.Name + "(" + g.Parameters + ")"))
        {
            w.Line("__local real as[TK][TM + 1];");
            w.Line("__local real bs[TK][TN];");
            w.Line("const int tx = get_local_id(0), ty = get_local_id(1), tid = ty * LX + tx;");
            w.Line("const int row0 = get_group_id(1) * TM, col0 = get_group_id(0) * TN;");
            g.Prologue?.Invoke(w);
            w.Line();
            w.Line("// The B columns this work-item loads, decoded once.");
            for (int c = 0; c < t.BColumnsPerItem; c++)
            {
                string s = N(c);
                w.Line("const int bcc" + s + " = tid % " + N(t.BColumnItems) + (c == 0 ? string.Empty : " + " + N(c * t.BColumnItems)) + ", bc" + s + " = col0 + bcc" + s + ";");
                w.Line("const bool bok" + s + " = bc" + s + " < GEMM_N;");
                g.BColumn(w, s);
            }

            w.Line();
            // Only the register-block loops (RM, RN <= 4) are marked for unrolling, so that acc stays in registers;
            // unrolling the load and k loops as well tripled PoCL's compile time for no gain.
            w.Line("real acc[RM][RN];");
            w.Line("#pragma unroll");
            using (w.Open("for (int ri = 0; ri < RM; ri++)"))
            {
                if (g.Initial.Contains("m"))
                {
                    w.Line("const int m = row0 + ty + ri * LY;");
                }

                w.Line("const real start = " + g.Initial + ";");
                w.Line("#pragma unroll");
                w.Line("for (int rj = 0; rj < RN; rj++) acc[ri][rj] = start;");
            }

            w.Line();
            using (w.Open("for (int k0 = " + g.KBegin + "; k0 < " + g.KEnd + "; k0 += TK)"))
            {
                w.Line("// A tile: " + N(t.AKItems) + " work-items along k (consecutive addresses), " + N(t.ARowItems) + " along m.");
                using (w.Open("for (int j = 0; j < " + N(t.ARowsPerItem) + "; j++)"))
                {
                    w.Line("const int r = tid / " + N(t.AKItems) + " + j * " + N(t.ARowItems) + ";");
                    if (t.ARowItems > t.TM)
                    {
                        w.Line("if (r >= TM) break;");
                    }

                    using (w.Open("for (int c = 0; c < " + N(t.AKPerItem) + "; c++)"))
                    {
                        w.Line("const int kk = tid % " + N(t.AKItems) + " + c * " + N(t.AKItems) + ";");
                        w.Line("const int m = row0 + r, k = k0 + kk;");
                        w.Line("real value = (real)0;");
                        using (w.Open("if (m < GEMM_M && k < " + g.KEnd + ")"))
                        {
                            g.LoadA(w);
                        }

                        w.Line("as[kk][r] = value;");
                    }
                }

                w.Line("// B tile: " + N(t.BColumnItems) + " work-items along the columns, " + N(t.BRowItems) + " along k.");
                using (w.Open("for (int j = 0; j < " + N(t.BRowsPerItem) + "; j++)"))
                {
                    w.Line("const int kk = tid / " + N(t.BColumnItems) + " + j * " + N(t.BRowItems) + ";");
                    if (t.BRowItems > t.TK)
                    {
                        w.Line("if (kk >= TK) break;");
                    }

                    w.Line("const int k = k0 + kk;");
                    w.Line("const bool kok = k < " + g.KEnd + ";");
                    g.BRow(w);
                    for (int c = 0; c < t.BColumnsPerItem; c++)
                    {
                        string s = N(c);
                        w.Line("{");
                        w.Indent();
                        w.Line("real value = (real)0;");
                        using (w.Open("if (kok && bok" + s + ")"))
                        {
                            g.LoadB(w, s);
                        }

                        w.Line("bs[kk][bcc" + s + "] = value;");
                        w.Outdent();
                        w.Line("}");
                    }
                }

                w.Line("barrier(CLK_LOCAL_MEM_FENCE);");
                using (w.Open("for (int kk = 0; kk < TK; kk++)"))
                {
                    w.Line("real ra[RM], rb[RN];");
                    w.Line("#pragma unroll");
                    w.Line("for (int ri = 0; ri < RM; ri++) ra[ri] = as[kk][ty + ri * LY];");
                    w.Line("#pragma unroll");
                    w.Line("for (int rj = 0; rj < RN; rj++) rb[rj] = bs[kk][tx + rj * LX];");
                    w.Line("#pragma unroll");
                    using (w.Open("for (int ri = 0; ri < RM; ri++)"))
                    {
                        w.Line("#pragma unroll");
                        w.Line("for (int rj = 0; rj < RN; rj++) acc[ri][rj] += ra[ri] * rb[rj];");
                    }
                }

                w.Line("barrier(CLK_LOCAL_MEM_FENCE);");
            }

            w.Line();
            w.Line("#pragma unroll");
            using (w.Open("for (int ri = 0; ri < RM; ri++)"))
            {
                w.Line("#pragma unroll");
                using (w.Open("for (int rj = 0; rj < RN; rj++)"))
                {
                    w.Line("const int m = row0 + ty + ri * LY, col = col0 + tx + rj * LX;");
                    using (w.Open("if (m < GEMM_M && col < GEMM_N)"))
                    {
                        w.Line("const real v = acc[ri][rj];");
                        g.Store(w);
                    }
                }
            }
        }

        foreach ((string name, _) in defines)
        {
            w.Line("#undef " + name);
        }

        w.Line();
        int groupsX = KernelLaunch.CeilDiv(g.N, t.TN);
        int groupsY = KernelLaunch.CeilDiv(g.M, t.TM);
        return new KernelLaunch(g.Name, groupsX * t.LX, groupsY * t.LY, g.Depth, t.LX, t.LY, 1);
    }
}
