using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Emit.Ilgpu;

internal static partial class IlgpuEmitter
{
    /// <summary>
    /// The kernel bodies. Each starts after <c>int i = index.X;</c>, computes exactly one element of its output and
    /// adds its terms in the order in which the CPU job adds them into that element, so the two targets differ only
    /// by the CPU's vectorized inner loops (fused multiply-add, partial sums). Locals never reuse the conventional
    /// tensor names (x, w, b, y, gx, gy, gw, gb, ggw, ggy, col, gcol, indexes), which the kernels take as parameters.
    /// </summary>
    private static class Kernels
    {
        /// <summary>grid[n, gc, oh, ow] = (bias[gc]) + Σ over ic, kh, kw of weight[gc, ic, kh, kw] · image[n, ic, oh·SH − PH + kh, ow·SW − PW + kw].</summary>
        public static void Correlate(OperatorSpec s, IndentedWriter w, string image, string weight, string? bias, string grid)
        {
            string t = s.ElementType;
            GridElement(w);
            w.Line(t + " sum = " + (bias is null ? Zero(s) : bias + "[gc]") + ";");
            using (w.Open("for (int ic = 0; ic < ImageChannels; ic++)"))
            {
                w.Line("int plane = ((n * ImageChannels) + ic) * ImagePlane;");
                w.Line("int kernel = ((gc * ImageChannels) + ic) * KernelArea;");
                using (w.Open("for (int kh = 0; kh < KernelHeight; kh++)"))
                {
                    w.Line("int ih = (oh * StrideHeight) - PadHeight + kh;");
                    using (w.Open("if (ih < 0 || ih >= ImageHeight)"))
                    {
                        w.Line("continue;");
                    }

                    using (w.Open("for (int kw = 0; kw < KernelWidth; kw++)"))
                    {
                        w.Line("int iw = (ow * StrideWidth) - PadWidth + kw;");
                        using (w.Open("if (iw >= 0 && iw < ImageWidth)"))
                        {
                            w.Line("sum += " + weight + "[kernel + (kh * KernelWidth) + kw] * " + image + "[plane + (ih * ImageWidth) + iw];");
                        }
                    }
                }
            }

            w.Line(grid + "[i] = sum;");
        }

        /// <summary>
        /// image[n, ic, ih, iw] = (bias[ic]) + Σ over gc, kh, kw of weight[gc, ic, kh, kw] · grid[n, gc, oh, ow] for the
        /// window positions (oh, ow) whose cell (kh, kw) lands on (ih, iw): deconv2d and conv2d's input gradient.
        /// </summary>
        public static void TransposedGather(OperatorSpec s, IndentedWriter w, string grid, string weight, string? bias, string image)
        {
            string t = s.ElementType;
            ImageElement(w, "ic");
            w.Line(t + " sum = " + (bias is null ? Zero(s) : bias + "[ic]") + ";");
            using (w.Open("for (int gc = 0; gc < GridChannels; gc++)"))
            {
                w.Line("int plane = ((n * GridChannels) + gc) * GridPlane;");
                w.Line("int kernel = ((gc * ImageChannels) + ic) * KernelArea;");
                AlignedWindows(w, () => w.Line("sum += " + weight + "[kernel + (kh * KernelWidth) + kw] * " + grid + "[plane + (oh * GridWidth) + ow];"));
            }

            w.Line(image + "[i] = sum;");
        }

        /// <summary>gw[gc, ic, kh, kw] = Σ over n, oh, ow of grid[n, gc, oh, ow] · image[n, ic, oh·SH − PH + kh, ow·SW − PW + kw].</summary>
        public static void WeightGradient(OperatorSpec s, IndentedWriter w, string image, string grid, string output)
        {
            string t = s.ElementType;
            w.Line("int kw = i % KernelWidth;");
            w.Line("int kh = (i / KernelWidth) % KernelHeight;");
            w.Line("int ic = (i / KernelArea) % ImageChannels;");
            w.Line("int gc = i / (ImageChannels * KernelArea);");
            w.Line(t + " sum = " + Zero(s) + ";");
            using (w.Open("for (int n = 0; n < Batch; n++)"))
            {
                w.Line("int gridPlane = ((n * GridChannels) + gc) * GridPlane;");
                w.Line("int imagePlane = ((n * ImageChannels) + ic) * ImagePlane;");
                using (w.Open("for (int oh = 0; oh < GridHeight; oh++)"))
                {
                    w.Line("int ih = (oh * StrideHeight) - PadHeight + kh;");
                    using (w.Open("if (ih < 0 || ih >= ImageHeight)"))
                    {
                        w.Line("continue;");
                    }

                    // With a unit stride the CPU job sums each row on its own (a dot product) and then adds it; otherwise
                    // it adds every product directly. The kernel keeps the same grouping.
                    string accumulator = s.Geometry.StrideWidth == 1 ? "row" : "sum";
                    if (s.Geometry.StrideWidth == 1)
                    {
                        w.Line(t + " row = " + Zero(s) + ";");
                    }

                    using (w.Open("for (int ow = 0; ow < GridWidth; ow++)"))
                    {
                        w.Line("int iw = (ow * StrideWidth) - PadWidth + kw;");
                        using (w.Open("if (iw >= 0 && iw < ImageWidth)"))
                        {
                            w.Line(accumulator + " += " + grid + "[gridPlane + (oh * GridWidth) + ow] * " + image + "[imagePlane + (ih * ImageWidth) + iw];");
                        }
                    }

                    if (s.Geometry.StrideWidth == 1)
                    {
                        w.Line("sum += row;");
                    }
                }
            }

            w.Line(output + "[i] = sum;");
        }

        /// <summary>gb[c] = Σ over n of (Σ over the plane of gradient[n, c]).</summary>
        public static void BiasGradient(OperatorSpec s, IndentedWriter w, string gradient, string output, string channels, string plane)
        {
            string t = s.ElementType;
            w.Line(t + " sum = " + Zero(s) + ";");
            using (w.Open("for (int n = 0; n < Batch; n++)"))
            {
                w.Line("int start = ((n * " + channels + ") + i) * " + plane + ";");
                w.Line(t + " part = " + Zero(s) + ";");
                using (w.Open("for (int p = 0; p < " + plane + "; p++)"))
                {
                    w.Line("part += " + gradient + "[start + p];");
                }

                w.Line("sum += part;");
            }

            w.Line(output + "[i] = sum;");
        }

        public static void MaxPoolForward(OperatorSpec s, IndentedWriter w, string x, string y, string indexes)
        {
            string t = s.ElementType;
            PoolWindow(w);
            w.Line(t + " best = " + t + ".NegativeInfinity;");
            w.Line("int bestIndex = (hBegin * ImageWidth) + wBegin;");
            using (w.Open("for (int ih = hBegin; ih < hEnd; ih++)"))
            {
                using (w.Open("for (int iw = wBegin; iw < wEnd; iw++)"))
                {
                    w.Line(t + " value = " + x + "[plane + (ih * ImageWidth) + iw];");
                    using (w.Open("if (value > best || " + t + ".IsNaN(value))"))
                    {
                        w.Line("best = value;");
                        w.Line("bestIndex = (ih * ImageWidth) + iw;");
                    }
                }
            }

            w.Line(y + "[i] = best;");
            w.Line(indexes + "[i] = bestIndex;");
        }

        public static void MaxPoolBackward(OperatorSpec s, IndentedWriter w, string indexes, string gy, string gx)
        {
            ImageElement(w, "c");
            w.Line("int cells = ((n * ImageChannels) + c) * GridPlane;");
            w.Line("int position = (ih * ImageWidth) + iw;");
            w.Line(s.ElementType + " sum = " + Zero(s) + ";");
            CoveringWindows(w, () =>
            {
                w.Line("int cell = cells + (oh * GridWidth) + ow;");
                using (w.Open("if (" + indexes + "[cell] == position)"))
                {
                    w.Line("sum += " + gy + "[cell];");
                }
            });
            w.Line(gx + "[i] = sum;");
        }

        public static void MaxPoolWithIndexes(OperatorSpec s, IndentedWriter w, string indexes, string x, string y)
        {
            w.Line("int position = " + indexes + "[i];");
            w.Line(y + "[i] = position >= 0 && position < ImagePlane ? " + x + "[((i / GridPlane) * ImagePlane) + position] : " + s.ElementType + ".NaN;");
        }

        public static void AvgPoolForward(OperatorSpec s, IndentedWriter w, string x, string y)
        {
            PoolWindow(w);
            w.Line(s.ElementType + " sum = " + Zero(s) + ";");
            using (w.Open("for (int ih = hBegin; ih < hEnd; ih++)"))
            {
                using (w.Open("for (int iw = wBegin; iw < wEnd; iw++)"))
                {
                    w.Line("sum += " + x + "[plane + (ih * ImageWidth) + iw];");
                }
            }

            w.Line(y + "[i] = sum / " + Divisor(s) + ";");
        }

        public static void AvgPoolBackward(OperatorSpec s, IndentedWriter w, string gy, string gx)
        {
            ImageElement(w, "c");
            w.Line("int cells = ((n * ImageChannels) + c) * GridPlane;");
            w.Line(s.ElementType + " sum = " + Zero(s) + ";");
            CoveringWindows(w, () =>
            {
                if (!s.CountIncludePad)
                {
                    ClippedWindow(w);
                }

                w.Line("sum += " + gy + "[cells + (oh * GridWidth) + ow] / " + Divisor(s) + ";");
            });
            w.Line(gx + "[i] = sum;");
        }

        /// <summary>One work-item per column entry: the image value its window cell reads, or zero in the padding.</summary>
        public static void Im2col(OperatorSpec s, IndentedWriter w, string image, string columns)
        {
            if (s.ToMatrix)
            {
                w.Line("int column = i % ColumnWidth;");
                w.Line("int row = i / ColumnWidth;");
                w.Line("int kw = column % KernelWidth;");
                w.Line("int kh = (column / KernelWidth) % KernelHeight;");
                w.Line("int c = column / KernelArea;");
                w.Line("int ow = row % GridWidth;");
                w.Line("int oh = (row / GridWidth) % GridHeight;");
                w.Line("int n = row / GridPlane;");
            }
            else
            {
                w.Line("int ow = i % GridWidth;");
                w.Line("int oh = (i / GridWidth) % GridHeight;");
                w.Line("int kw = (i / GridPlane) % KernelWidth;");
                w.Line("int kh = (i / (GridPlane * KernelWidth)) % KernelHeight;");
                w.Line("int c = (i / (GridPlane * KernelArea)) % ImageChannels;");
                w.Line("int n = i / (GridPlane * KernelArea * ImageChannels);");
            }

            w.Line("int ih = (oh * StrideHeight) - PadHeight + kh;");
            w.Line("int iw = (ow * StrideWidth) - PadWidth + kw;");
            w.Line("bool inside = ih >= 0 && ih < ImageHeight && iw >= 0 && iw < ImageWidth;");
            w.Line(columns + "[i] = inside ? " + image + "[((((n * ImageChannels) + c) * ImageHeight) + ih) * ImageWidth + iw] : " + Zero(s) + ";");
        }

        /// <summary>One work-item per image element: the sum of the column entries that read it, in (kh, kw) order.</summary>
        public static void Col2im(OperatorSpec s, IndentedWriter w, string columns, string image)
        {
            ImageElement(w, "c");
            w.Line(s.ElementType + " sum = " + Zero(s) + ";");
            AlignedWindows(w, () => w.Line("sum += " + columns + "[" + (s.ToMatrix
                ? "((((n * GridHeight) + oh) * GridWidth) + ow) * ColumnWidth + (((c * KernelHeight) + kh) * KernelWidth) + kw"
                : "((((((n * ImageChannels) + c) * KernelHeight) + kh) * KernelWidth) + kw) * GridPlane + (oh * GridWidth) + ow") + "];"));
            w.Line(image + "[i] = sum;");
        }

        /// <summary>Decomposes i into a grid element n, gc, oh, ow.</summary>
        private static void GridElement(IndentedWriter w)
        {
            w.Line("int ow = i % GridWidth;");
            w.Line("int oh = (i / GridWidth) % GridHeight;");
            w.Line("int gc = (i / GridPlane) % GridChannels;");
            w.Line("int n = i / (GridChannels * GridPlane);");
        }

        /// <summary>Decomposes i into an image element n, <paramref name="channel"/>, ih, iw.</summary>
        private static void ImageElement(IndentedWriter w, string channel)
        {
            w.Line("int iw = i % ImageWidth;");
            w.Line("int ih = (i / ImageWidth) % ImageHeight;");
            w.Line("int " + channel + " = (i / ImagePlane) % ImageChannels;");
            w.Line("int n = i / (ImageChannels * ImagePlane);");
        }

        /// <summary>
        /// The window positions (oh, ow) and kernel cells (kh, kw) with oh·SH − PH + kh = ih and ow·SW − PW + kw = iw, in
        /// ascending kh then kw: only the kernel rows congruent to ih + PH modulo the stride can land on ih.
        /// </summary>
        private static void AlignedWindows(IndentedWriter w, System.Action body)
        {
            using (w.Open("for (int kh = (ih + PadHeight) % StrideHeight; kh < KernelHeight; kh += StrideHeight)"))
            {
                w.Line("int oh = (ih + PadHeight - kh) / StrideHeight;");
                using (w.Open("if (oh < 0)"))
                {
                    w.Line("break;");
                }

                using (w.Open("if (oh >= GridHeight)"))
                {
                    w.Line("continue;");
                }

                using (w.Open("for (int kw = (iw + PadWidth) % StrideWidth; kw < KernelWidth; kw += StrideWidth)"))
                {
                    w.Line("int ow = (iw + PadWidth - kw) / StrideWidth;");
                    using (w.Open("if (ow < 0)"))
                    {
                        w.Line("break;");
                    }

                    using (w.Open("if (ow < GridWidth)"))
                    {
                        body();
                    }
                }
            }
        }

        /// <summary>The window positions (oh, ow) whose unclipped window contains (ih, iw), in row-major order.</summary>
        private static void CoveringWindows(IndentedWriter w, System.Action body)
        {
            w.Line("int ohBegin = ih + PadHeight - KernelHeight < 0 ? 0 : ((ih + PadHeight - KernelHeight) / StrideHeight) + 1;");
            w.Line("int ohEnd = ((ih + PadHeight) / StrideHeight) + 1;");
            w.Line("int owBegin = iw + PadWidth - KernelWidth < 0 ? 0 : ((iw + PadWidth - KernelWidth) / StrideWidth) + 1;");
            w.Line("int owEnd = ((iw + PadWidth) / StrideWidth) + 1;");
            using (w.Open("for (int oh = ohBegin; oh < ohEnd && oh < GridHeight; oh++)"))
            {
                using (w.Open("for (int ow = owBegin; ow < owEnd && ow < GridWidth; ow++)"))
                {
                    body();
                }
            }
        }

        /// <summary>Decomposes i into a grid element and its window clipped to the image, and locates its input plane.</summary>
        private static void PoolWindow(IndentedWriter w)
        {
            w.Line("int ow = i % GridWidth;");
            w.Line("int oh = (i / GridWidth) % GridHeight;");
            w.Line("int plane = (i / GridPlane) * ImagePlane;");
            ClippedWindow(w);
        }

        /// <summary>hBegin..hEnd and wBegin..wEnd: the window of (oh, ow) clipped to the image, as the CPU job clips it.</summary>
        private static void ClippedWindow(IndentedWriter w)
        {
            w.Line("int hBegin = (oh * StrideHeight) - PadHeight;");
            w.Line("int hEnd = hBegin + KernelHeight < ImageHeight ? hBegin + KernelHeight : ImageHeight;");
            w.Line("hBegin = hBegin < 0 ? 0 : hBegin;");
            w.Line("int wBegin = (ow * StrideWidth) - PadWidth;");
            w.Line("int wEnd = wBegin + KernelWidth < ImageWidth ? wBegin + KernelWidth : ImageWidth;");
            w.Line("wBegin = wBegin < 0 ? 0 : wBegin;");
        }

        private static string Divisor(OperatorSpec s)
            => s.CountIncludePad ? "KernelArea" : "((hEnd - hBegin) * (wEnd - wBegin))";

        private static string Zero(OperatorSpec s) => s.Element == ElementKind.Float ? "0f" : "0d";
    }
}
