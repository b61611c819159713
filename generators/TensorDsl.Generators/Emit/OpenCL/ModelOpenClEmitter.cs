using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TensorDsl.Generators.Emit.Cpu;
using TensorDsl.Generators.Model;
using TensorDsl.Generators.Shapes;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.OpenCL;

/// <summary>
/// Writes a model's OpenCL executor, the nested class <c>OnOpenCL</c>: every activation, gradient, argmax and
/// parameter lives in a device buffer, and Forward/Backward run layer after layer on the device without a round trip.
/// Only the parameters go up (before Forward), the output comes down and its gradient goes up (around the loss,
/// which the host computes), and the parameter gradients come down after Backward, so any host optimizer works.
/// Window layers run their operators' generated OpenCL kernels; the element-wise and dense layers run the small
/// program written here. Dropout masks are drawn on the host from the model's generator, as on the CPU.
/// </summary>
internal static class ModelOpenClEmitter
{
    private const string Cl = "global::TensorDsl.OpenCL.";

    public static string Emit(ModelSpec m)
    {
        ModelEmitter.Plan plan = new(m);
        string t = m.ElementType;
        string model = SourceFile.Id(m.ClassName);
        IndentedWriter w = new();
        foreach (LayerSpec layer in plan.Layers.Where(l => l.Operator is not null))
        {
            OpenClEmitter.EmitOperator(layer.Operator!, w);
            w.Line();
        }

        string buffer = Cl + "OpenClBuffer<" + t + ">";
        w.Line("/// <summary>");
        w.Line("/// Runs this " + m.ClassName + "'s Forward and Backward on an OpenCL device, with every activation and gradient kept in");
        w.Line("/// device memory between layers. Parameters are uploaded before each Forward and their gradients downloaded after");
        w.Line("/// each Backward, so the host model's Parameters, Loss and optimizers work unchanged.");
        w.Line("/// </summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public sealed class OnOpenCL : global::System.IDisposable"))
        {
            w.Line("/// <summary>Kernels of the element-wise and dense layers; sizes are arguments.</summary>");
            w.Line("private const string Source = @\"");
            w.Lines(Program(m).Replace("\"", "\"\"") + "\";");
            w.Line();
            w.Line("private readonly " + model + " _model;");
            w.Line("private readonly " + Cl + "OpenClRuntime _runtime;");
            w.Line("private readonly " + buffer + " _input;");
            List<string> disposables = new() { "_input" };
            for (int i = 0; i <= plan.LastComputing; i++)
            {
                LayerSpec layer = plan.Layers[i];
                string name = ModelEmitter.Camel(layer.Name);
                if (plan.Owner[i] == i)
                {
                    w.Line("private readonly " + buffer + " _" + name + "Output;");
                    disposables.Add("_" + name + "Output");
                    if (plan.HasGradient[i])
                    {
                        w.Line("private readonly " + buffer + " _" + name + "Gradient;");
                        disposables.Add("_" + name + "Gradient");
                    }
                }

                if (layer.Kind == LayerKind.MaxPool2d)
                {
                    w.Line("private readonly " + Cl + "OpenClBuffer<int> _" + name + "Indexes;");
                    disposables.Add("_" + name + "Indexes");
                }

                if (layer.Kind == LayerKind.Dropout)
                {
                    w.Line("private readonly " + buffer + " _" + name + "Mask;");
                    disposables.Add("_" + name + "Mask");
                }
            }

            foreach (string p in plan.ParameterFields())
            {
                w.Line("private readonly " + buffer + " " + p + ", " + p + "Gradient;");
                disposables.Add(p);
                disposables.Add(p + "Gradient");
            }

            w.Line();
            w.Line("/// <summary>Allocates the device buffers for <paramref name=\"model\"/> on <paramref name=\"runtime\"/> (null: <c>OpenClRuntime.Shared</c>).</summary>");
            w.Line(SourceFile.GeneratedCodeAttribute);
            using (w.Open("public OnOpenCL(" + model + " model, " + Cl + "OpenClRuntime? runtime = null)"))
            {
                w.Line("global::System.ArgumentNullException.ThrowIfNull(model);");
                w.Line("_model = model;");
                w.Line("_runtime = runtime ?? " + Cl + "OpenClRuntime.Shared;");
                w.Line("_input = _runtime.Allocate<" + t + ">(InputLength);");
                for (int i = 0; i <= plan.LastComputing; i++)
                {
                    LayerSpec layer = plan.Layers[i];
                    string name = ModelEmitter.Camel(layer.Name);
                    string length = N(layer.OutputLength);
                    if (plan.Owner[i] == i)
                    {
                        w.Line("_" + name + "Output = _runtime.Allocate<" + t + ">(" + length + ");");
                        if (plan.HasGradient[i])
                        {
                            w.Line("_" + name + "Gradient = _runtime.Allocate<" + t + ">(" + length + ");");
                        }
                    }

                    if (layer.Kind == LayerKind.MaxPool2d)
                    {
                        w.Line("_" + name + "Indexes = _runtime.Allocate<int>(" + length + ");");
                    }

                    if (layer.Kind == LayerKind.Dropout)
                    {
                        w.Line("_" + name + "Mask = _runtime.Allocate<" + t + ">(" + length + ");");
                    }
                }

                foreach (string p in plan.ParameterFields())
                {
                    w.Line(p + " = _runtime.Allocate<" + t + ">(model." + p + ".Length);");
                    w.Line(p + "Gradient = _runtime.Allocate<" + t + ">(model." + p + ".Length);");
                }
            }

            w.Line();
            w.Line("/// <summary>The host model whose parameters this executor uploads and whose gradients it fills.</summary>");
            w.Line("public " + model + " Model => _model;");
            w.Line();
            w.Line("/// <summary>The runtime whose device runs the model.</summary>");
            w.Line("public " + Cl + "OpenClRuntime Runtime => _runtime;");
            w.Line();
            EmitForward(w, m, plan);
            EmitBackward(w, m, plan);
            w.Line();
            w.Line("/// <summary>Releases every device buffer.</summary>");
            using (w.Open("public void Dispose()"))
            {
                foreach (string d in disposables)
                {
                    w.Line(d + ".Dispose();");
                }
            }

            w.Line();
            using (w.Open("private void Launch(string kernel, int count, params global::System.ReadOnlySpan<" + Cl + "OpenClArg> args)"))
            {
                w.Line("_runtime.Run(_runtime.GetKernel(Source, kernel), [(nuint)count], default, args);");
            }
        }

        return SourceFile.Write(m.Namespace, m.ContainingTypes, "the [Model] attribute of " + m.ClassName, w.ToString(), OpenClEmitter.LaunchHelper);
    }

    private static void EmitForward(IndentedWriter w, ModelSpec m, ModelEmitter.Plan plan)
    {
        string t = m.ElementType;
        w.Line("/// <summary>Uploads the model's parameters and <see cref=\"" + SourceFile.Id(m.ClassName) + ".Input\"/>, runs every layer on the device, and downloads the output into the model's <see cref=\"" + SourceFile.Id(m.ClassName) + ".Output\"/>.</summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public global::System.ReadOnlySpan<" + t + "> Forward()"))
        {
            foreach (string p in plan.ParameterFields())
            {
                w.Line(p + ".Upload(_model." + p + ".Value);");
            }

            w.Line("_input.Upload(_model._input);");
            for (int i = 0; i <= plan.LastComputing; i++)
            {
                LayerSpec layer = plan.Layers[i];
                string x = plan.Output(i - 1), y = plan.Output(i), name = ModelEmitter.Camel(layer.Name);
                string op = ModelShapeInference.KernelName(layer.Name) + GeneratedNames.OpenCL;
                string n = N(layer.OutputLength);
                switch (layer.Kind)
                {
                    case LayerKind.Conv2d:
                    case LayerKind.Deconv2d:
                        w.Line(op + ".Forward(" + x + ", _" + name + "Weight, " + (layer.HasBias ? "_" + name + "Bias, " : string.Empty) + y + ", _runtime);");
                        break;
                    case LayerKind.MaxPool2d:
                        w.Line(op + ".Forward(" + x + ", " + y + ", _" + name + "Indexes, _runtime);");
                        break;
                    case LayerKind.AvgPool2d:
                        w.Line(op + ".Forward(" + x + ", " + y + ", _runtime);");
                        break;
                    case LayerKind.Linear:
                        w.Line("Launch(\"linear_forward\", " + N(layer.OutputLength) + ", " + x + ", _" + name + "Weight, " + (layer.HasBias ? "_" + name + "Bias" : "_" + name + "Weight") + ", " + y + ", " + N(layer.InFeatures) + ", " + N(layer.OutFeatures) + ", " + (layer.HasBias ? "1" : "0") + ");");
                        break;
                    case LayerKind.ReLU:
                        w.Line("Launch(\"relu\", " + n + ", " + x + ", " + y + ", " + n + ");");
                        break;
                    case LayerKind.LeakyReLU:
                        w.Line("Launch(\"leaky_relu\", " + n + ", " + x + ", " + y + ", " + Real(layer.Argument, t) + ", " + n + ");");
                        break;
                    case LayerKind.Sigmoid:
                        w.Line("Launch(\"sigmoid\", " + n + ", " + x + ", " + y + ", " + n + ");");
                        break;
                    case LayerKind.Tanh:
                        w.Line("Launch(\"tanh_forward\", " + n + ", " + x + ", " + y + ", " + n + ");");
                        break;
                    case LayerKind.Dropout:
                        w.Line("global::TensorDsl.Models.Activations.DrawDropoutMask<" + t + ">(_model._" + name + "Mask, " + layer.Argument.ToString("R", CultureInfo.InvariantCulture) + ", _model.Training, ref _model._dropoutRandom);");
                        w.Line("_" + name + "Mask.Upload(_model._" + name + "Mask);");
                        w.Line("Launch(\"multiply\", " + n + ", " + x + ", _" + name + "Mask, " + y + ", " + n + ");");
                        break;
                    case LayerKind.Flatten:
                        w.Line("// " + layer.Name + ": flattening shares the buffer.");
                        break;
                }
            }

            w.Line(plan.Output(plan.LastComputing) + ".Download(_model." + plan.Output(plan.LastComputing) + ");");
            w.Line("return _model.Output;");
        }

        if (plan.Layers.Any(l => l.IsLoss))
        {
            LayerSpec loss = plan.Layers.Last();
            bool ce = loss.Kind == LayerKind.SoftmaxCrossEntropy;
            string target = ce ? "global::System.ReadOnlySpan<int> labels" : "global::System.ReadOnlySpan<" + t + "> target";
            w.Line();
            w.Line("/// <summary>Forward on the device, the loss on the host (it writes the model's OutputGradient), Backward on the device.</summary>");
            w.Line(SourceFile.GeneratedCodeAttribute);
            using (w.Open("public " + t + " TrainStep(global::System.ReadOnlySpan<" + t + "> input, " + target + ")"))
            {
                w.Line("global::TensorDsl.Runtime.ShapeCheck.Length(input.Length, InputLength, \"input\", \"" + ModelEmitter.Describe(m.InputShape.ToArray()) + "\");");
                w.Line("input.CopyTo(_model._input);");
                w.Line("Forward();");
                w.Line(t + " loss = _model.Loss(" + (ce ? "labels" : "target") + ");");
                w.Line("Backward();");
                w.Line("return loss;");
            }
        }

        w.Line();
    }

    private static void EmitBackward(IndentedWriter w, ModelSpec m, ModelEmitter.Plan plan)
    {
        string t = m.ElementType;
        w.Line("/// <summary>Uploads the model's OutputGradient, propagates it back on the device, and downloads every parameter's gradient into its Gradient.</summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public void Backward()"))
        {
            w.Line(plan.Gradient(plan.LastComputing) + ".Upload(_model." + plan.Gradient(plan.LastComputing) + ");");
            for (int i = plan.LastComputing; i >= 0; i--)
            {
                LayerSpec layer = plan.Layers[i];
                bool input = plan.NeedsInputGradient[i];
                if (!input && !layer.HasParameters)
                {
                    continue;
                }

                string x = plan.Output(i - 1), y = plan.Output(i), gy = plan.Gradient(i), gx = input ? plan.Gradient(i - 1) : string.Empty;
                string name = ModelEmitter.Camel(layer.Name);
                string op = ModelShapeInference.KernelName(layer.Name) + GeneratedNames.OpenCL;
                string n = N(layer.OutputLength);
                switch (layer.Kind)
                {
                    case LayerKind.Conv2d:
                    case LayerKind.Deconv2d:
                        w.Line(op + ".BackwardWeight(" + x + ", " + gy + ", _" + name + "WeightGradient, _runtime);");
                        if (layer.HasBias)
                        {
                            w.Line(op + ".BackwardBias(" + gy + ", _" + name + "BiasGradient, _runtime);");
                        }

                        if (input)
                        {
                            w.Line(op + ".BackwardInput(_" + name + "Weight, " + gy + ", " + gx + ", _runtime);");
                        }

                        break;
                    case LayerKind.MaxPool2d:
                        w.Line(op + ".Backward(_" + name + "Indexes, " + gy + ", " + gx + ", _runtime);");
                        break;
                    case LayerKind.AvgPool2d:
                        w.Line(op + ".Backward(" + gy + ", " + gx + ", _runtime);");
                        break;
                    case LayerKind.Linear:
                        string sizes = N(layer.InFeatures) + ", " + N(layer.OutFeatures) + ", " + N(layer.InputShape[0]);
                        w.Line("Launch(\"linear_backward_weight\", " + N(layer.InFeatures * layer.OutFeatures) + ", " + x + ", " + gy + ", _" + name + "WeightGradient, " + sizes + ");");
                        if (layer.HasBias)
                        {
                            w.Line("Launch(\"linear_backward_bias\", " + N(layer.OutFeatures) + ", " + gy + ", _" + name + "BiasGradient, " + sizes + ");");
                        }

                        if (input)
                        {
                            w.Line("Launch(\"linear_backward_input\", " + N(layer.InputShape[0] * layer.InFeatures) + ", _" + name + "Weight, " + gy + ", " + gx + ", " + sizes + ");");
                        }

                        break;
                    case LayerKind.ReLU:
                        w.Line("Launch(\"relu_backward\", " + n + ", " + x + ", " + gy + ", " + gx + ", " + n + ");");
                        break;
                    case LayerKind.LeakyReLU:
                        w.Line("Launch(\"leaky_relu_backward\", " + n + ", " + x + ", " + gy + ", " + gx + ", " + Real(layer.Argument, t) + ", " + n + ");");
                        break;
                    case LayerKind.Sigmoid:
                        w.Line("Launch(\"sigmoid_backward\", " + n + ", " + y + ", " + gy + ", " + gx + ", " + n + ");");
                        break;
                    case LayerKind.Tanh:
                        w.Line("Launch(\"tanh_backward\", " + n + ", " + y + ", " + gy + ", " + gx + ", " + n + ");");
                        break;
                    case LayerKind.Dropout:
                        w.Line("Launch(\"multiply\", " + n + ", " + gy + ", _" + name + "Mask, " + gx + ", " + n + ");");
                        break;
                    case LayerKind.Flatten:
                        w.Line("// " + layer.Name + ": the gradient buffer is shared.");
                        break;
                }
            }

            foreach (string p in plan.ParameterFields())
            {
                w.Line(p + "Gradient.Download(_model." + p + ".Gradient);");
            }
        }
    }

    /// <summary>The element-wise and dense kernels, one work-item per output element, each summing in a fixed order.</summary>
    private static string Program(ModelSpec m)
    {
        string head = m.Element == ElementKind.Double ? "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\ntypedef double real;\n" : "typedef float real;\n";
        return head + """
            // Element-wise layers: i < n guards the padded global size.
            __kernel void relu(__global const real* x, __global real* y, const int n)
            { const int i = get_global_id(0); if (i < n) { const real v = x[i]; y[i] = (v > (real)0 || isnan(v)) ? v : (real)0; } }
            __kernel void relu_backward(__global const real* x, __global const real* gy, __global real* gx, const int n)
            { const int i = get_global_id(0); if (i < n) gx[i] = x[i] > (real)0 ? gy[i] : (real)0; }
            __kernel void leaky_relu(__global const real* x, __global real* y, const real slope, const int n)
            { const int i = get_global_id(0); if (i < n) { const real v = x[i]; y[i] = v > (real)0 ? v : slope * v; } }
            __kernel void leaky_relu_backward(__global const real* x, __global const real* gy, __global real* gx, const real slope, const int n)
            { const int i = get_global_id(0); if (i < n) gx[i] = x[i] > (real)0 ? gy[i] : slope * gy[i]; }
            __kernel void sigmoid(__global const real* x, __global real* y, const int n)
            { const int i = get_global_id(0); if (i < n) { const real v = x[i]; if (v >= (real)0) y[i] = (real)1 / ((real)1 + exp(-v)); else { const real e = exp(v); y[i] = e / ((real)1 + e); } } }
            __kernel void sigmoid_backward(__global const real* y, __global const real* gy, __global real* gx, const int n)
            { const int i = get_global_id(0); if (i < n) gx[i] = gy[i] * y[i] * ((real)1 - y[i]); }
            __kernel void tanh_forward(__global const real* x, __global real* y, const int n)
            { const int i = get_global_id(0); if (i < n) y[i] = tanh(x[i]); }
            __kernel void tanh_backward(__global const real* y, __global const real* gy, __global real* gx, const int n)
            { const int i = get_global_id(0); if (i < n) gx[i] = gy[i] * ((real)1 - y[i] * y[i]); }
            __kernel void multiply(__global const real* a, __global const real* b, __global real* c, const int n)
            { const int i = get_global_id(0); if (i < n) c[i] = a[i] * b[i]; }

            // Dense layers, W is out x in: y[s, o] = x[s, :] . W[o, :] + b[o].
            __kernel void linear_forward(__global const real* x, __global const real* w, __global const real* b, __global real* y, const int in, const int out, const int hasBias)
            {
                const int i = get_global_id(0); const int s = i / out, o = i % out;
                real sum = (real)0;
                for (int k = 0; k < in; k++) sum += x[s * in + k] * w[o * in + k];
                y[i] = hasBias ? sum + b[o] : sum;
            }
            __kernel void linear_backward_input(__global const real* w, __global const real* gy, __global real* gx, const int in, const int out, const int batch)
            {
                const int i = get_global_id(0); const int s = i / in, k = i % in;
                real sum = (real)0;
                for (int o = 0; o < out; o++) sum += gy[s * out + o] * w[o * in + k];
                gx[i] = sum;
            }
            __kernel void linear_backward_weight(__global const real* x, __global const real* gy, __global real* gw, const int in, const int out, const int batch)
            {
                const int i = get_global_id(0); const int o = i / in, k = i % in;
                real sum = (real)0;
                for (int s = 0; s < batch; s++) sum += gy[s * out + o] * x[s * in + k];
                gw[i] = sum;
            }
            __kernel void linear_backward_bias(__global const real* gy, __global real* gb, const int in, const int out, const int batch)
            {
                const int o = get_global_id(0);
                real sum = (real)0;
                for (int s = 0; s < batch; s++) sum += gy[s * out + o];
                gb[o] = sum;
            }
            """;
    }

    private static string Real(double value, string t)
        => value.ToString("R", CultureInfo.InvariantCulture) + (t == "float" ? "f" : "d");
}
