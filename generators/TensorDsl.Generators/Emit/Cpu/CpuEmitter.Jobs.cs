using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.Cpu;

internal static partial class CpuEmitter
{
    /// <summary>
    /// The loop nests, one file-local job struct each. Every job owns disjoint outputs per task and sums in a
    /// fixed order, so results are bit-identical for any thread count. Sizes are constants: the JIT folds them.
    /// </summary>
    private static class Jobs
    {
        private const string Add = "global::System.Runtime.CompilerServices.Unsafe.Add";
        private const string GetRef = "global::System.Runtime.InteropServices.MemoryMarshal.GetReference";
        private const string Window = "global::TensorDsl.Runtime.WindowMath";
        private const string Vector = "global::TensorDsl.Runtime.VectorMath";
        private const string Pooling = "global::TensorDsl.Kernels.PoolingKernels";

        /// <summary>grid[n, gc] = Σ over ic, kh, kw of weight[gc, ic, kh, kw] · image window (+ bias[gc]): conv2d.</summary>
        public static string Correlate(OperatorSpec s, string name, bool bias)
        {
            WindowGeometry g = s.Geometry;
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Correlation of the image with the weights into the grid (conv2d); a task is one (n, gc) grid plane.",
                F("Image", true), F("Weight", true), bias ? F("Bias", true) : default((string, bool, bool)), F("Grid", false));
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                w.Line("ref " + t + " weight = ref " + GetRef + "(Weight);");
                w.Line("ref " + t + " grid = ref " + GetRef + "(Grid);");
                if (bias)
                {
                    w.Line("ref " + t + " bias = ref " + GetRef + "(Bias);");
                }

                using (w.Open("for (int task = begin; task < end; task++)"))
                {
                    w.Line("int n = task / GridChannels;");
                    w.Line("int gc = task - (n * GridChannels);");
                    w.Line("ref " + t + " output = ref " + Add + "(ref grid, task * GridPlane);");
                    w.Line("global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref output, GridPlane).Fill(" + (bias ? Add + "(ref bias, gc)" : Zero(s)) + ");");
                    using (w.Open("for (int ic = 0; ic < ImageChannels; ic++)"))
                    {
                        w.Line("ref " + t + " plane = ref " + Add + "(ref image, ((n * ImageChannels) + ic) * ImagePlane);");
                        w.Line("ref " + t + " kernel = ref " + Add + "(ref weight, ((gc * ImageChannels) + ic) * KernelArea);");
                        WindowLoops(w, s, body: () =>
                        {
                            w.Line("ref " + t + " target = ref " + Add + "(ref output, (oh * GridWidth) + owBegin);");
                            w.Line("ref " + t + " source = ref " + Add + "(ref plane, (((oh * StrideHeight) - PadHeight + kh) * ImageWidth) + (owBegin * StrideWidth) - PadWidth + kw);");
                            if (g.StrideWidth == 1)
                            {
                                w.Line(Vector + ".MultiplyAdd(ref target, ref source, a, count);");
                            }
                            else
                            {
                                using (w.Open("for (int i = 0; i < count; i++)"))
                                {
                                    w.Line(Add + "(ref target, i) += a * " + Add + "(ref source, i * StrideWidth);");
                                }
                            }
                        });
                    }
                }
            }

            return End(w);
        }

        /// <summary>image[n, ic] = Σ over gc, kh, kw of weight[gc, ic, kh, kw] · grid placed at the window (+ bias[ic]): deconv2d.</summary>
        public static string Scatter(OperatorSpec s, string name, bool bias)
        {
            WindowGeometry g = s.Geometry;
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Transposed correlation of the grid with the weights into the image (deconv2d, conv2d's input gradient); a task is one (n, ic) image plane, so overlapping windows never race.",
                F("Grid", true), F("Weight", true), bias ? F("Bias", true) : default((string, bool, bool)), F("Image", false));
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                w.Line("ref " + t + " weight = ref " + GetRef + "(Weight);");
                w.Line("ref " + t + " grid = ref " + GetRef + "(Grid);");
                if (bias)
                {
                    w.Line("ref " + t + " bias = ref " + GetRef + "(Bias);");
                }

                using (w.Open("for (int task = begin; task < end; task++)"))
                {
                    w.Line("int n = task / ImageChannels;");
                    w.Line("int ic = task - (n * ImageChannels);");
                    w.Line("ref " + t + " output = ref " + Add + "(ref image, task * ImagePlane);");
                    w.Line("global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref output, ImagePlane).Fill(" + (bias ? Add + "(ref bias, ic)" : Zero(s)) + ");");
                    using (w.Open("for (int gc = 0; gc < GridChannels; gc++)"))
                    {
                        w.Line("ref " + t + " plane = ref " + Add + "(ref grid, ((n * GridChannels) + gc) * GridPlane);");
                        w.Line("ref " + t + " kernel = ref " + Add + "(ref weight, ((gc * ImageChannels) + ic) * KernelArea);");
                        WindowLoops(w, s, body: () =>
                        {
                            w.Line("ref " + t + " target = ref " + Add + "(ref output, (((oh * StrideHeight) - PadHeight + kh) * ImageWidth) + (owBegin * StrideWidth) - PadWidth + kw);");
                            w.Line("ref " + t + " source = ref " + Add + "(ref plane, (oh * GridWidth) + owBegin);");
                            if (g.StrideWidth == 1)
                            {
                                w.Line(Vector + ".MultiplyAdd(ref target, ref source, a, count);");
                            }
                            else
                            {
                                using (w.Open("for (int i = 0; i < count; i++)"))
                                {
                                    w.Line(Add + "(ref target, i * StrideWidth) += a * " + Add + "(ref source, i);");
                                }
                            }
                        });
                    }
                }
            }

            return End(w);
        }

        /// <summary>weightGradient[gc, ic, kh, kw] = Σ over n, oh, ow of grid[n, gc, oh, ow] · image window: Conv2DGradW.</summary>
        public static string WeightGradient(OperatorSpec s, string name)
        {
            WindowGeometry g = s.Geometry;
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Correlation of the image with the grid into the weight gradient (Conv2DGradW); a task is one (gc, ic) kernel, summed over the batch in order.",
                F("Image", true), F("Grid", true), F("WeightGradient", false));
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                w.Line("ref " + t + " grid = ref " + GetRef + "(Grid);");
                w.Line("ref " + t + " weightGradient = ref " + GetRef + "(WeightGradient);");
                using (w.Open("for (int task = begin; task < end; task++)"))
                {
                    w.Line("int gc = task / ImageChannels;");
                    w.Line("int ic = task - (gc * ImageChannels);");
                    using (w.Open("for (int kh = 0; kh < KernelHeight; kh++)"))
                    {
                        w.Line("int ohBegin = " + Window + ".FirstInside(kh, PadHeight, StrideHeight);");
                        w.Line("int ohEnd = " + Window + ".EndInside(kh, PadHeight, StrideHeight, ImageHeight, GridHeight);");
                        using (w.Open("for (int kw = 0; kw < KernelWidth; kw++)"))
                        {
                            w.Line("int owBegin = " + Window + ".FirstInside(kw, PadWidth, StrideWidth);");
                            w.Line("int count = " + Window + ".EndInside(kw, PadWidth, StrideWidth, ImageWidth, GridWidth) - owBegin;");
                            w.Line(t + " sum = " + Zero(s) + ";");
                            using (w.Open("for (int n = 0; count > 0 && n < Batch; n++)"))
                            {
                                w.Line("ref " + t + " gridPlane = ref " + Add + "(ref grid, ((n * GridChannels) + gc) * GridPlane);");
                                w.Line("ref " + t + " imagePlane = ref " + Add + "(ref image, ((n * ImageChannels) + ic) * ImagePlane);");
                                using (w.Open("for (int oh = ohBegin; oh < ohEnd; oh++)"))
                                {
                                    w.Line("ref " + t + " g = ref " + Add + "(ref gridPlane, (oh * GridWidth) + owBegin);");
                                    w.Line("ref " + t + " x = ref " + Add + "(ref imagePlane, (((oh * StrideHeight) - PadHeight + kh) * ImageWidth) + (owBegin * StrideWidth) - PadWidth + kw);");
                                    if (g.StrideWidth == 1)
                                    {
                                        w.Line("sum += " + Vector + ".Dot(ref g, ref x, count);");
                                    }
                                    else
                                    {
                                        using (w.Open("for (int i = 0; i < count; i++)"))
                                        {
                                            w.Line("sum += " + Add + "(ref g, i) * " + Add + "(ref x, i * StrideWidth);");
                                        }
                                    }
                                }
                            }

                            w.Line(Add + "(ref weightGradient, (task * KernelArea) + (kh * KernelWidth) + kw) = sum;");
                        }
                    }
                }
            }

            return End(w);
        }

        /// <summary>biasGradient[c] = Σ over n and the plane of gradient[n, c].</summary>
        public static string BiasGradient(OperatorSpec s, string name, int channels, int plane)
        {
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Sum of the gradient over the batch and both spatial axes; a task is one channel.", F("Gradient", true), F("BiasGradient", false));
            w.Line("private const int Channels = " + N(channels) + ";");
            w.Line("private const int Plane = " + N(plane) + ";");
            w.Line();
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " gradient = ref " + GetRef + "(Gradient);");
                using (w.Open("for (int c = begin; c < end; c++)"))
                {
                    w.Line(t + " sum = " + Zero(s) + ";");
                    using (w.Open("for (int n = 0; n < Batch; n++)"))
                    {
                        w.Line("sum += " + Vector + ".Sum(ref " + Add + "(ref gradient, ((n * Channels) + c) * Plane), Plane);");
                    }

                    w.Line("BiasGradient[c] = sum;");
                }
            }

            return End(w);
        }

        public static string MaxPoolForward(OperatorSpec s, string name)
        {
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Max pooling; a task is one (n, c) plane. Padded cells are never candidates; the first maximum in row-major window order wins, and a NaN wins (the last NaN, as PyTorch).",
                F("Image", true), F("Grid", false), F("Indexes", false, true));
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                w.Line("ref " + t + " grid = ref " + GetRef + "(Grid);");
                w.Line("ref int indexes = ref " + GetRef + "(Indexes);");
                if (PoolingPlan.VectorForward(s))
                {
                    w.Line("// Vectorized across output columns; the same cells, order and rules as the scalar loop (every window row-major).");
                    w.Line(Pooling + ".MaxPool(ref " + Add + "(ref image, begin * ImagePlane), ref " + Add + "(ref grid, begin * GridPlane), ref " + Add + "(ref indexes, begin * GridPlane), end - begin, " + PoolGeometry(s) + ");");
                }
                else
                {
                    using (w.Open("for (int task = begin; task < end; task++)"))
                    {
                        w.Line("ref " + t + " plane = ref " + Add + "(ref image, task * ImagePlane);");
                        PoolWindows(w, () =>
                        {
                            w.Line(t + " best = " + t + ".NegativeInfinity;");
                            w.Line("int bestIndex = (hBegin * ImageWidth) + wBegin;");
                            using (w.Open("for (int h = hBegin; h < hEnd; h++)"))
                            {
                                using (w.Open("for (int x = wBegin; x < wEnd; x++)"))
                                {
                                    w.Line(t + " value = " + Add + "(ref plane, (h * ImageWidth) + x);");
                                    using (w.Open("if (value > best || " + t + ".IsNaN(value))"))
                                    {
                                        w.Line("best = value;");
                                        w.Line("bestIndex = (h * ImageWidth) + x;");
                                    }
                                }
                            }

                            w.Line(Add + "(ref grid, (task * GridPlane) + cell) = best;");
                            w.Line(Add + "(ref indexes, (task * GridPlane) + cell) = bestIndex;");
                        });
                    }
                }
            }

            return End(w);
        }

        public static string MaxPoolScatter(OperatorSpec s, string name)
        {
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Pooling2DGrad: each gradient cell is added at its window's argmax; a task is one (n, c) plane.",
                F("Indexes", true, true), F("Grid", true), F("Image", false));
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref int indexes = ref " + GetRef + "(Indexes);");
                w.Line("ref " + t + " grid = ref " + GetRef + "(Grid);");
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                using (w.Open("for (int task = begin; task < end; task++)"))
                {
                    w.Line("ref " + t + " plane = ref " + Add + "(ref image, task * ImagePlane);");
                    if (PoolingPlan.VectorMaxBackward(s))
                    {
                        w.Line("// Disjoint windows: each cell is written once (0 + gy where its window's index points, else 0) while every");
                        w.Line("// index points into its own window; otherwise the plane is cleared and scattered below.");
                        using (w.Open("if (" + Pooling + ".TryMaxPoolBackward(ref " + Add + "(ref indexes, task * GridPlane), ref " + Add + "(ref grid, task * GridPlane), ref plane, " + PoolGeometry(s) + "))"))
                        {
                            w.Line("continue;");
                        }

                        w.Line();
                    }

                    w.Line("global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref plane, ImagePlane).Clear();");
                    using (w.Open("for (int cell = 0; cell < GridPlane; cell++)"))
                    {
                        w.Line("int index = " + Add + "(ref indexes, (task * GridPlane) + cell);");
                        w.Line("global::TensorDsl.Runtime.ShapeCheck.Index(index, ImagePlane, \"indexes\");");
                        w.Line(Add + "(ref plane, index) += " + Add + "(ref grid, (task * GridPlane) + cell);");
                    }
                }
            }

            return End(w);
        }

        public static string MaxPoolGather(OperatorSpec s, string name)
        {
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Pooling2DWithIndexes: each output cell reads the image at the given argmax; a task is one (n, c) plane.",
                F("Indexes", true, true), F("Image", true), F("Grid", false));
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref int indexes = ref " + GetRef + "(Indexes);");
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                w.Line("ref " + t + " grid = ref " + GetRef + "(Grid);");
                using (w.Open("for (int task = begin; task < end; task++)"))
                {
                    w.Line("ref " + t + " plane = ref " + Add + "(ref image, task * ImagePlane);");
                    using (w.Open("for (int cell = 0; cell < GridPlane; cell++)"))
                    {
                        w.Line("int index = " + Add + "(ref indexes, (task * GridPlane) + cell);");
                        w.Line("global::TensorDsl.Runtime.ShapeCheck.Index(index, ImagePlane, \"indexes\");");
                        w.Line(Add + "(ref grid, (task * GridPlane) + cell) = " + Add + "(ref plane, index);");
                    }
                }
            }

            return End(w);
        }

        public static string AvgPoolForward(OperatorSpec s, string name)
        {
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Average pooling; a task is one (n, c) plane.", F("Image", true), F("Grid", false));
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                w.Line("ref " + t + " grid = ref " + GetRef + "(Grid);");
                if (PoolingPlan.VectorForward(s))
                {
                    w.Line("// Vectorized across output columns; each window summed from 0 in row-major order, as the scalar loop.");
                    w.Line(Pooling + ".AvgPool(ref " + Add + "(ref image, begin * ImagePlane), ref " + Add + "(ref grid, begin * GridPlane), end - begin, " + PoolGeometry(s) + ");");
                }
                else
                {
                    using (w.Open("for (int task = begin; task < end; task++)"))
                    {
                        w.Line("ref " + t + " plane = ref " + Add + "(ref image, task * ImagePlane);");
                        PoolWindows(w, () =>
                        {
                            w.Line(t + " sum = " + Zero(s) + ";");
                            using (w.Open("for (int h = hBegin; h < hEnd; h++)"))
                            {
                                using (w.Open("for (int x = wBegin; x < wEnd; x++)"))
                                {
                                    w.Line("sum += " + Add + "(ref plane, (h * ImageWidth) + x);");
                                }
                            }

                            w.Line(Add + "(ref grid, (task * GridPlane) + cell) = sum / " + Divisor(s) + ";");
                        });
                    }
                }
            }

            return End(w);
        }

        public static string AvgPoolBackward(OperatorSpec s, string name)
        {
            string t = s.ElementType;
            IndentedWriter w = Begin(s, name, "Average pooling's input gradient; a task is one (n, c) plane.", F("Grid", true), F("Image", false));
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " grid = ref " + GetRef + "(Grid);");
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                if (PoolingPlan.VectorAvgBackward(s))
                {
                    w.Line("// Each input cell sums, from 0, the shares of the windows holding it in window order: what scattering them adds.");
                    w.Line(Pooling + ".AvgPoolBackward(ref " + Add + "(ref grid, begin * GridPlane), ref " + Add + "(ref image, begin * ImagePlane), end - begin, " + PoolGeometry(s) + ");");
                }
                else
                {
                    using (w.Open("for (int task = begin; task < end; task++)"))
                    {
                        w.Line("ref " + t + " plane = ref " + Add + "(ref image, task * ImagePlane);");
                        w.Line("global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref plane, ImagePlane).Clear();");
                        PoolWindows(w, () =>
                        {
                            w.Line(t + " share = " + Add + "(ref grid, (task * GridPlane) + cell) / " + Divisor(s) + ";");
                            using (w.Open("for (int h = hBegin; h < hEnd; h++)"))
                            {
                                using (w.Open("for (int x = wBegin; x < wEnd; x++)"))
                                {
                                    w.Line(Add + "(ref plane, (h * ImageWidth) + x) += share;");
                                }
                            }
                        });
                    }
                }
            }

            return End(w);
        }

        public static string Im2col(OperatorSpec s, string name) => Columns(s, name, toColumns: true);

        public static string Col2im(OperatorSpec s, string name) => Columns(s, name, toColumns: false);

        private static string Columns(OperatorSpec s, string name, bool toColumns)
        {
            string t = s.ElementType;
            string summary = toColumns
                ? "im2col; a task is one (n, c) image plane, which owns its own columns."
                : "col2im; a task is one (n, c) image plane, summing its own columns in a fixed order.";
            IndentedWriter w = toColumns
                ? Begin(s, name, summary, F("Image", true), F("Columns", false))
                : Begin(s, name, summary, F("Columns", true), F("Image", false));
            w.Line("private const int ColumnWidth = ImageChannels * KernelArea;");
            w.Line();
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " image = ref " + GetRef + "(Image);");
                w.Line("ref " + t + " columns = ref " + GetRef + "(Columns);");
                using (w.Open("for (int task = begin; task < end; task++)"))
                {
                    w.Line("int n = task / ImageChannels;");
                    w.Line("int c = task - (n * ImageChannels);");
                    w.Line("ref " + t + " plane = ref " + Add + "(ref image, task * ImagePlane);");
                    if (!toColumns)
                    {
                        w.Line("global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref plane, ImagePlane).Clear();");
                    }

                    using (w.Open("for (int kh = 0; kh < KernelHeight; kh++)"))
                    {
                        using (w.Open("for (int kw = 0; kw < KernelWidth; kw++)"))
                        {
                            using (w.Open("for (int oh = 0; oh < GridHeight; oh++)"))
                            {
                                w.Line("int h = (oh * StrideHeight) - PadHeight + kh;");
                                using (w.Open("for (int ow = 0; ow < GridWidth; ow++)"))
                                {
                                    w.Line("int x = (ow * StrideWidth) - PadWidth + kw;");
                                    w.Line("bool inside = (uint)h < ImageHeight && (uint)x < ImageWidth;");
                                    w.Line(s.ToMatrix
                                        ? "int position = ((((n * GridHeight) + oh) * GridWidth) + ow) * ColumnWidth + (((c * KernelHeight) + kh) * KernelWidth) + kw;"
                                        : "int position = ((((task * KernelHeight) + kh) * KernelWidth) + kw) * GridPlane + (oh * GridWidth) + ow;");
                                    if (toColumns)
                                    {
                                        w.Line(Add + "(ref columns, position) = inside ? " + Add + "(ref plane, (h * ImageWidth) + x) : " + Zero(s) + ";");
                                    }
                                    else
                                    {
                                        using (w.Open("if (inside)"))
                                        {
                                            w.Line(Add + "(ref plane, (h * ImageWidth) + x) += " + Add + "(ref columns, position);");
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }

            return End(w);
        }

        /// <summary>The runtime kernels' description of the job's geometry constants (the divisor rule only matters to average pooling).</summary>
        private static string PoolGeometry(OperatorSpec s)
            => "new global::TensorDsl.Kernels.PoolGeometry(ImageHeight, ImageWidth, GridHeight, GridWidth, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadHeight, PadWidth, "
                + (s.Kind == OperatorKind.AvgPool2d && s.CountIncludePad ? "true" : "false") + ")";

        private static string Divisor(OperatorSpec s)
            => s.CountIncludePad ? "KernelArea" : "((hEnd - hBegin) * (wEnd - wBegin))";

        /// <summary>Loops over one plane's windows, clipped to the image: hBegin/hEnd, wBegin/wEnd and the grid cell.</summary>
        private static void PoolWindows(IndentedWriter w, System.Action body)
        {
            using (w.Open("for (int oh = 0; oh < GridHeight; oh++)"))
            {
                w.Line("int hBegin = global::System.Math.Max((oh * StrideHeight) - PadHeight, 0);");
                w.Line("int hEnd = global::System.Math.Min((oh * StrideHeight) - PadHeight + KernelHeight, ImageHeight);");
                using (w.Open("for (int ow = 0; ow < GridWidth; ow++)"))
                {
                    w.Line("int wBegin = global::System.Math.Max((ow * StrideWidth) - PadWidth, 0);");
                    w.Line("int wEnd = global::System.Math.Min((ow * StrideWidth) - PadWidth + KernelWidth, ImageWidth);");
                    w.Line("int cell = (oh * GridWidth) + ow;");
                    body();
                }
            }
        }

        /// <summary>
        /// kh/kw loops with the grid rows (ohBegin..ohEnd) and columns (owBegin, count) whose window cell lies inside
        /// the image, and the kernel weight a; <paramref name="body"/> runs once per grid row.
        /// </summary>
        private static void WindowLoops(IndentedWriter w, OperatorSpec s, System.Action body)
        {
            string t = s.ElementType;
            using (w.Open("for (int kh = 0; kh < KernelHeight; kh++)"))
            {
                w.Line("int ohBegin = " + Window + ".FirstInside(kh, PadHeight, StrideHeight);");
                w.Line("int ohEnd = " + Window + ".EndInside(kh, PadHeight, StrideHeight, ImageHeight, GridHeight);");
                using (w.Open("for (int kw = 0; kw < KernelWidth; kw++)"))
                {
                    w.Line("int owBegin = " + Window + ".FirstInside(kw, PadWidth, StrideWidth);");
                    w.Line("int count = " + Window + ".EndInside(kw, PadWidth, StrideWidth, ImageWidth, GridWidth) - owBegin;");
                    w.Line(t + " a = " + Add + "(ref kernel, (kh * KernelWidth) + kw);");
                    using (w.Open("for (int oh = ohBegin; count > 0 && oh < ohEnd; oh++)"))
                    {
                        body();
                    }
                }
            }
        }

        private static (string Name, bool ReadOnly, bool IsIndex) F(string name, bool readOnly, bool isIndex = false) => (name, readOnly, isIndex);

        private static string Zero(OperatorSpec s) => s.Element == ElementKind.Float ? "0f" : "0d";

        /// <summary>Opens a job struct: summary, geometry constants and the span fields.</summary>
        private static IndentedWriter Begin(OperatorSpec s, string name, string summary, params (string Name, bool ReadOnly, bool IsIndex)[] fields)
        {
            WindowGeometry g = s.Geometry;
            IndentedWriter w = new();
            w.Line("/// <summary>" + summary + "</summary>");
            w.Line(SourceFile.GeneratedCodeAttribute);
            w.Line("file ref struct " + name + " : global::TensorDsl.Threading.IParallelJob");
            w.Line("{");
            w.Indent();
            w.Line("private const int Batch = " + N(g.Batch) + ";");
            w.Line("private const int ImageChannels = " + N(g.ImageChannels) + ", ImageHeight = " + N(g.ImageHeight) + ", ImageWidth = " + N(g.ImageWidth) + ", ImagePlane = ImageHeight * ImageWidth;");
            w.Line("private const int GridChannels = " + N(g.GridChannels) + ", GridHeight = " + N(g.GridHeight) + ", GridWidth = " + N(g.GridWidth) + ", GridPlane = GridHeight * GridWidth;");
            w.Line("private const int KernelHeight = " + N(g.KernelHeight) + ", KernelWidth = " + N(g.KernelWidth) + ", KernelArea = KernelHeight * KernelWidth;");
            w.Line("private const int StrideHeight = " + N(g.StrideHeight) + ", StrideWidth = " + N(g.StrideWidth) + ", PadHeight = " + N(g.PadHeight) + ", PadWidth = " + N(g.PadWidth) + ";");
            w.Line();
            foreach ((string field, bool readOnly, bool isIndex) in fields)
            {
                if (field is { Length: > 0 })
                {
                    w.Line("public " + SourceFile.SpanType(readOnly, isIndex ? "int" : s.ElementType) + " " + field + ";");
                }
            }

            w.Line();
            return w;
        }

        private static string End(IndentedWriter w)
        {
            w.Outdent();
            w.Line("}");
            return w.ToString();
        }
    }
}
