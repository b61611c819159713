using System.Collections.Generic;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.OpenCL;

internal sealed partial class OpenClProgram
{
    private const string In = "__global const real* restrict ";
    private const string Out = "__global real* restrict ";

    /// <summary>
    /// grid[n, gc, oh, ow] = bias[gc] + sum over (ic, kh, kw) of weight[gc, ic, kh, kw] * image[n, ic, oh*SH - PH + kh, ow*SW - PW + kw]:
    /// conv2d, and deconv2d's input gradient. An implicit GEMM whose A is the weights as stored (GC x IC*KH*KW) and
    /// whose B is the image's im2col, gathered into local memory tile by tile and never written out.
    /// </summary>
    private void WriteCorrelate(bool bias)
    {
        WindowGeometry g = _g;
        string parameters = In + "image, " + In + "weight, " + (bias ? In + "bias, " : string.Empty) + Out + "grid";
        string summary = "correlate: grid[n, gc, oh, ow] = " + (bias ? "bias[gc] + " : string.Empty) + "sum over (ic, kh, kw) of weight[gc, ic, kh, kw] * image[n, ic, oh*SH - PH + kh, ow*SW - PW + kw]";
        if (Direct)
        {
            WriteDirect(Correlate, parameters, g.Batch * g.GridChannels * g.GridPlane, new[]
            {
                summary + ".",
                "One work-item per grid element (the problem is too small for tiles); sums in the order ic, kh, kw.",
            }, w =>
            {
                w.Line("const int n = i / (GC * GP), gc = (i / GP) % GC, p = i % GP, oh = p / GW, ow = p % GW;");
                w.Line("real sum = " + (bias ? "bias[gc]" : "(real)0") + ";");
                using (w.Open("for (int ic = 0; ic < IC; ic++)"))
                {
                    using (w.Open("for (int kh = 0; kh < KH; kh++)"))
                    {
                        w.Line("const int h = oh * SH - PH + kh;");
                        w.Line("if (h < 0 || h >= IH) continue;");
                        using (w.Open("for (int kw = 0; kw < KW; kw++)"))
                        {
                            w.Line("const int x = ow * SW - PW + kw;");
                            w.Line("if (x < 0 || x >= IW) continue;");
                            w.Line("sum += weight[((gc * IC + ic) * KH + kh) * KW + kw] * image[((n * IC + ic) * IH + h) * IW + x];");
                        }
                    }
                }

                w.Line("grid[i] = sum;");
            });
            return;
        }

        GemmKernel k = new()
        {
            Name = Correlate,
            Comment = new[]
            {
                summary + ".",
                "Implicit GEMM: C (GC x N*GH*GW) = A (the weights as stored, GC x IC*KH*KW) * B (the im2col of the image, gathered",
                "tile by tile into local memory and never stored). Each output sums k = (ic, kh, kw) in increasing order.",
            },
            Parameters = parameters,
            MText = "GC",
            NText = "(BATCH * GP)",
            KText = "(IC * KA)",
            M = g.GridChannels,
            N = g.Batch * g.GridPlane,
            K = g.ImageChannels * g.KernelArea,
            Initial = bias ? "(m < GEMM_M ? bias[m] : (real)0)" : "(real)0",
            LoadA = w => w.Line("value = weight[m * GEMM_K + k];"),
            BColumn = (w, c) =>
            {
                w.Line("const int bn" + c + " = bc" + c + " / GP, bp" + c + " = bc" + c + " - bn" + c + " * GP, boh" + c + " = bp" + c + " / GW;");
                w.Line("const int bh" + c + " = boh" + c + " * SH - PH, bw" + c + " = (bp" + c + " - boh" + c + " * GW) * SW - PW, bbase" + c + " = bn" + c + " * (IC * IP);");
            },
            BRow = w => w.Line("const int ic = k / KA, kr = k - ic * KA, kh = kr / KW, kw = kr - kh * KW;"),
            LoadB = (w, c) =>
            {
                w.Line("const int h = bh" + c + " + kh, x = bw" + c + " + kw;");
                w.Line("if (h >= 0 && h < IH && x >= 0 && x < IW) value = image[bbase" + c + " + ic * IP + h * IW + x];");
            },
            Store = w =>
            {
                w.Line("const int n = col / GP, p = col - n * GP;");
                w.Line("grid[(n * GC + m) * GP + p] = v;");
            },
        };
        Add(WriteGemm(k, Gemm.Choose(k.M, k.N, k.K, _s.Element)));
    }

    /// <summary>
    /// image[n, ic, h, x] = bias[ic] + sum over (gc, kh, kw) of weight[gc, ic, kh, kw] * grid[n, gc, oh, ow] where
    /// oh*SH - PH + kh = h and ow*SW - PW + kw = x: deconv2d, and conv2d's input gradient. Written as a gather over the
    /// image, so each image element is summed by one work-item and no atomics are needed. Image rows of one stride
    /// phase (h mod SH) meet only the kernel rows kh = (h + PH) mod SH + t*SH, so the NDRange's third dimension runs
    /// over the SH*SW phases and each phase is a dense implicit GEMM with ceil(KH/SH)*ceil(KW/SW) taps per channel.
    /// </summary>
    private void WriteScatter(bool bias)
    {
        WindowGeometry g = _g;
        string parameters = In + "grid, " + In + "weight, " + (bias ? In + "bias, " : string.Empty) + Out + "image";
        string summary = "scatter: image[n, ic, h, x] = " + (bias ? "bias[ic] + " : string.Empty) + "sum over (gc, kh, kw) of weight[gc, ic, kh, kw] * grid[n, gc, oh, ow] with oh*SH - PH + kh = h, ow*SW - PW + kw = x";
        if (Direct)
        {
            WriteDirect(Scatter, parameters, g.Batch * g.ImageChannels * g.ImagePlane, new[]
            {
                summary + ".",
                "A gather over the image (no atomics): one work-item per image element; sums in the order gc, kh, kw.",
            }, w =>
            {
                w.Line("const int n = i / (IC * IP), ic = (i / IP) % IC, p = i % IP, h = p / IW, x = p % IW;");
                w.Line("real sum = " + (bias ? "bias[ic]" : "(real)0") + ";");
                using (w.Open("for (int gc = 0; gc < GC; gc++)"))
                {
                    using (w.Open("for (int kh = 0; kh < KH; kh++)"))
                    {
                        w.Line("const int th = h + PH - kh, oh = th / SH;");
                        w.Line("if (th < 0 || oh * SH != th || oh >= GH) continue;");
                        using (w.Open("for (int kw = 0; kw < KW; kw++)"))
                        {
                            w.Line("const int tw = x + PW - kw, ow = tw / SW;");
                            w.Line("if (tw < 0 || ow * SW != tw || ow >= GW) continue;");
                            w.Line("sum += weight[((gc * IC + ic) * KH + kh) * KW + kw] * grid[((n * GC + gc) * GH + oh) * GW + ow];");
                        }
                    }
                }

                w.Line("image[i] = sum;");
            });
            return;
        }

        int tapsH = KernelLaunch.CeilDiv(g.KernelHeight, g.StrideHeight), tapsW = KernelLaunch.CeilDiv(g.KernelWidth, g.StrideWidth);
        int rows = KernelLaunch.CeilDiv(g.ImageHeight, g.StrideHeight), cols = KernelLaunch.CeilDiv(g.ImageWidth, g.StrideWidth);
        GemmKernel k = new()
        {
            Name = Scatter,
            Comment = new[]
            {
                summary + ".",
                "A gather over the image, so no atomics. Image rows h of one stride phase (h mod SH) only meet kernel rows",
                "kh = (h + PH) mod SH + t*SH (likewise columns), so the third NDRange dimension runs over the SH*SW phases and each",
                "phase is a dense implicit GEMM: C (IC x N*ROWS*COLS image cells of the phase) = A (weight taps of the phase,",
                "IC x GC*TAPS_H*TAPS_W) * B (grid cells under those taps). Each output sums (gc, kh, kw) in increasing order.",
            },
            Parameters = parameters,
            MText = "IC",
            NText = "(BATCH * ROWS * COLS)",
            KText = "(GC * TAPS_H * TAPS_W)",
            M = g.ImageChannels,
            N = g.Batch * rows * cols,
            K = g.GridChannels * tapsH * tapsW,
            Depth = g.StrideHeight * g.StrideWidth,
            Defines = new List<(string, string)>
            {
                ("TAPS_H", N(tapsH)),
                ("TAPS_W", N(tapsW)),
                ("ROWS", N(rows)),
                ("COLS", N(cols)),
            },
            Prologue = w =>
            {
                w.Line("// This group's stride phase: image rows rowPhase + i*SH meet kernel rows kh0 + t*SH at grid rows gh0 + i - t.");
                w.Line("const int rowPhase = get_group_id(2) / SW, colPhase = get_group_id(2) % SW;");
                w.Line("const int kh0 = (rowPhase + PH) % SH, kw0 = (colPhase + PW) % SW;");
                w.Line("const int gh0 = (rowPhase + PH) / SH, gw0 = (colPhase + PW) / SW;");
            },
            Initial = bias ? "(m < GEMM_M ? bias[m] : (real)0)" : "(real)0",
            LoadA = w =>
            {
                w.Line("const int gc = k / (TAPS_H * TAPS_W), t = k - gc * (TAPS_H * TAPS_W), th = t / TAPS_W, tw = t - th * TAPS_W;");
                w.Line("const int kh = kh0 + th * SH, kw = kw0 + tw * SW;");
                w.Line("if (kh < KH && kw < KW) value = weight[((gc * IC + m) * KH + kh) * KW + kw];");
            },
            BColumn = (w, c) =>
            {
                w.Line("const int bn" + c + " = bc" + c + " / (ROWS * COLS), bq" + c + " = bc" + c + " - bn" + c + " * (ROWS * COLS), bi" + c + " = bq" + c + " / COLS, bj" + c + " = bq" + c + " - bi" + c + " * COLS;");
                w.Line("const bool bin" + c + " = rowPhase + bi" + c + " * SH < IH && colPhase + bj" + c + " * SW < IW;");
                w.Line("const int bgh" + c + " = gh0 + bi" + c + ", bgw" + c + " = gw0 + bj" + c + ", bbase" + c + " = bn" + c + " * (GC * GP);");
            },
            BRow = w =>
            {
                w.Line("const int gc = k / (TAPS_H * TAPS_W), t = k - gc * (TAPS_H * TAPS_W), th = t / TAPS_W, tw = t - th * TAPS_W;");
                w.Line("const bool tap = kh0 + th * SH < KH && kw0 + tw * SW < KW;");
            },
            LoadB = (w, c) =>
            {
                w.Line("const int oh = bgh" + c + " - th, ow = bgw" + c + " - tw;");
                w.Line("if (tap && bin" + c + " && oh >= 0 && oh < GH && ow >= 0 && ow < GW) value = grid[bbase" + c + " + gc * GP + oh * GW + ow];");
            },
            Store = w =>
            {
                w.Line("const int n = col / (ROWS * COLS), q = col - n * (ROWS * COLS), i = q / COLS;");
                w.Line("const int h = rowPhase + i * SH, x = colPhase + (q - i * COLS) * SW;");
                w.Line("if (h < IH && x < IW) image[((n * IC + m) * IH + h) * IW + x] = v;");
            },
        };
        Add(WriteGemm(k, Gemm.Choose(k.M, k.N, k.K, _s.Element)));
    }

    /// <summary>
    /// weight_gradient[gc, ic, kh, kw] = sum over (n, oh, ow) of grid[n, gc, oh, ow] * image[n, ic, oh*SH - PH + kh, ow*SW - PW + kw]:
    /// Conv2DGradW, the weight gradient of conv2d and deconv2d. An implicit GEMM with A = the grid (GC x N*GH*GW) and
    /// B = the image's im2col transposed; a long K is cut into slices summed by a second kernel in slice order.
    /// </summary>
    private void WriteWeightGradient()
    {
        WindowGeometry g = _g;
        string summary = "weight_gradient: weight_gradient[gc, ic, kh, kw] = sum over (n, oh, ow) of grid[n, gc, oh, ow] * image[n, ic, oh*SH - PH + kh, ow*SW - PW + kw]";
        if (Direct)
        {
            WriteDirect(WeightGradient, In + "image, " + In + "grid, " + Out + "weight_gradient", WeightLength, new[]
            {
                summary + ".",
                "One work-item per weight (the problem is too small for tiles); sums in the order n, oh, ow.",
            }, w =>
            {
                w.Line("const int gc = i / (IC * KA), ic = (i / KA) % IC, kh = (i % KA) / KW, kw = i % KW;");
                w.Line("real sum = (real)0;");
                using (w.Open("for (int n = 0; n < BATCH; n++)"))
                {
                    using (w.Open("for (int oh = 0; oh < GH; oh++)"))
                    {
                        w.Line("const int h = oh * SH - PH + kh;");
                        w.Line("if (h < 0 || h >= IH) continue;");
                        using (w.Open("for (int ow = 0; ow < GW; ow++)"))
                        {
                            w.Line("const int x = ow * SW - PW + kw;");
                            w.Line("if (x < 0 || x >= IW) continue;");
                            w.Line("sum += grid[((n * GC + gc) * GH + oh) * GW + ow] * image[((n * IC + ic) * IH + h) * IW + x];");
                        }
                    }
                }

                w.Line("weight_gradient[i] = sum;");
            });
            return;
        }

        int m = g.GridChannels, n = g.ImageChannels * g.KernelArea, kLength = g.Batch * g.GridPlane;
        GemmTiling t = Gemm.Choose(m, n, kLength, _s.Element);
        int splits = Gemm.Splits(t, m, n, kLength);
        int slice = Gemm.Slice(t, kLength, splits);
        splits = KernelLaunch.CeilDiv(kLength, slice);
        WeightGradientSplits = splits;
        GemmKernel k = new()
        {
            Name = WeightGradient,
            Comment = splits > 1
                ? new[]
                {
                    summary + ".",
                    "Implicit GEMM: C (GC x IC*KH*KW) = A (the grid, GC x N*GH*GW) * B (the image's im2col, gathered tile by tile).",
                    "K = N*GH*GW is long and C small, so the third NDRange dimension cuts K into " + N(splits) + " slices of " + N(slice) + ": slice s",
                    "writes its partial sums to partial[s] and weight_gradient_sum adds the slices in order s = 0, 1, ...",
                }
                : new[]
                {
                    summary + ".",
                    "Implicit GEMM: C (GC x IC*KH*KW) = A (the grid, GC x N*GH*GW) * B (the image's im2col, gathered tile by tile).",
                    "Each output sums k = (n, oh, ow) in increasing order.",
                },
            Parameters = In + "image, " + In + "grid, " + Out + (splits > 1 ? "partial" : "weight_gradient"),
            MText = "GC",
            NText = "(IC * KA)",
            KText = "(BATCH * GP)",
            M = m,
            N = n,
            K = kLength,
            Depth = splits,
            Defines = splits > 1 ? new List<(string, string)> { ("K_SLICE", N(slice)) } : new List<(string, string)>(),
            Prologue = splits > 1
                ? w => w.Line("const int kBegin = get_group_id(2) * K_SLICE, kEnd = min(kBegin + K_SLICE, GEMM_K);")
                : null,
            KBegin = splits > 1 ? "kBegin" : "0",
            KEnd = splits > 1 ? "kEnd" : "GEMM_K",
            LoadA = w =>
            {
                w.Line("const int n = k / GP, p = k - n * GP;");
                w.Line("value = grid[(n * GC + m) * GP + p];");
            },
            BColumn = (w, c) =>
            {
                w.Line("const int bic" + c + " = bc" + c + " / KA, bkr" + c + " = bc" + c + " - bic" + c + " * KA, bkh" + c + " = bkr" + c + " / KW;");
                w.Line("const int bdh" + c + " = bkh" + c + " - PH, bdw" + c + " = bkr" + c + " - bkh" + c + " * KW - PW, boff" + c + " = bic" + c + " * IP;");
            },
            BRow = w =>
            {
                w.Line("const int n = k / GP, p = k - n * GP, oh = p / GW, ow = p - oh * GW, rowBase = n * (IC * IP);");
            },
            LoadB = (w, c) =>
            {
                w.Line("const int h = oh * SH + bdh" + c + ", x = ow * SW + bdw" + c + ";");
                w.Line("if (h >= 0 && h < IH && x >= 0 && x < IW) value = image[rowBase + boff" + c + " + h * IW + x];");
            },
            Store = splits > 1
                ? w => w.Line("partial[(get_group_id(2) * GEMM_M + m) * GEMM_N + col] = v;")
                : w => w.Line("weight_gradient[m * GEMM_N + col] = v;"),
        };
        Add(WriteGemm(k, t));
        if (splits > 1)
        {
            WriteDirect(WeightGradientSum, In + "partial, " + Out + "weight_gradient", WeightLength, new[]
            {
                "weight_gradient_sum: weight_gradient[i] = partial[0][i] + partial[1][i] + ... in slice order (deterministic).",
            }, w =>
            {
                w.Line("real sum = partial[i];");
                w.Line("for (int s = 1; s < " + N(splits) + "; s++) sum += partial[s * (GC * IC * KA) + i];");
                w.Line("weight_gradient[i] = sum;");
            });
        }
    }

    /// <summary>bias_gradient[c] = sum over (n, cell) of gradient[n, c, cell]: one work-item per channel.</summary>
    private void WriteBiasGradient(int channels, string channelsName, string planeName, string side)
    {
        WriteDirect(BiasGradient, In + "gradient, " + Out + "bias_gradient", channels, new[]
        {
            "bias_gradient: bias_gradient[c] = sum over n and the plane of gradient[n, c] (" + side + " side).",
            "One work-item per channel, summing in memory order: a reduction with no atomics and a fixed order.",
        }, w =>
        {
            w.Line("real sum = (real)0;");
            using (w.Open("for (int n = 0; n < BATCH; n++)"))
            {
                w.Line("__global const real* plane = gradient + (n * " + channelsName + " + i) * " + planeName + ";");
                w.Line("for (int p = 0; p < " + planeName + "; p++) sum += plane[p];");
            }

            w.Line("bias_gradient[i] = sum;");
        });
    }

    /// <summary>A one-work-item-per-output kernel over <paramref name="items"/> outputs; the body sees the index i.</summary>
    private void WriteDirect(string name, string parameters, int items, string[] comment, System.Action<IndentedWriter> body)
    {
        KernelLaunch launch = KernelLaunch.Linear(name, items);
        foreach (string line in comment)
        {
            _w.Line("// " + line);
        }

        _w.Line("__kernel __attribute__((reqd_work_group_size(" + N(launch.LocalX) + ", 1, 1)))");
        using (_w.Open("void " + name + "(" + parameters + ")"))
        {
            _w.Line("const int i = get_global_id(0);");
            if (launch.GlobalX != items)
            {
                _w.Line("if (i >= " + N(items) + ") return;");
            }

            body(_w);
        }

        _w.Line();
        Add(launch);
    }
}
