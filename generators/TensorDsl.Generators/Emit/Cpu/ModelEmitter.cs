using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TensorDsl.Generators.Model;
using TensorDsl.Generators.Shapes;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.Cpu;

/// <summary>
/// Writes a model class's CPU implementation: preallocated activation and gradient buffers, parameters and their
/// initialisation, Forward, Loss, Backward and TrainStep. Window layers reuse the operator emitter: each becomes a
/// private operator (<c>{Layer}Kernel</c>) generated exactly as a declared one would be.
/// </summary>
internal static partial class ModelEmitter
{
    private const string Training = "global::TensorDsl.Training.";
    private const string Add = "global::System.Runtime.CompilerServices.Unsafe.Add";
    private const string GetRef = "global::System.Runtime.InteropServices.MemoryMarshal.GetReference";
    private const string Vector = "global::TensorDsl.Runtime.VectorMath";

    public static string Emit(ModelSpec m)
    {
        IndentedWriter w = new();
        IndentedWriter jobs = new();
        Plan plan = new(m);
        string t = m.ElementType;
        LayerSpec[] layers = m.Layers.ToArray();
        LayerSpec? loss = layers.LastOrDefault(l => l.IsLoss);
        int last = plan.LastComputing;

        EmitConstants(w, m, plan, loss);
        EmitFields(w, m, plan);
        EmitConstructors(w, m, plan);
        EmitProperties(w, m, plan);
        EmitForward(w, m, plan);
        if (loss is not null)
        {
            EmitLoss(w, m, plan, loss);
        }

        EmitTypedOverloads(w, m, loss);

        EmitBackward(w, m, plan);

        for (int i = 0; i < layers.Length; i++)
        {
            LayerSpec layer = layers[i];
            if (layer.Operator is not null)
            {
                w.Line();
                CpuEmitter.EmitOperator(layer.Operator, w, jobs);
                jobs.Line();
            }
            else if (layer.Kind == LayerKind.Linear)
            {
                jobs.Lines(LinearJobs(m, layer, plan.NeedsInputGradient[i]));
                jobs.Line();
            }
        }

        string fileTypes = jobs.ToString().TrimEnd('\n');
        return SourceFile.Write(m.Namespace, m.ContainingTypes, "the [Model] attribute of " + m.ClassName, w.ToString(), fileTypes, Training + "IParameterSet<" + t + ">");
    }

    /// <summary>Which buffer each layer reads and writes, and which gradients the backward needs.</summary>
    internal sealed class Plan
    {
        public Plan(ModelSpec m)
        {
            Layers = m.Layers.ToArray();
            int count = Layers.Length;
            LastComputing = count - 1;
            while (LastComputing >= 0 && Layers[LastComputing].IsLoss)
            {
                LastComputing--;
            }

            // Layer i needs its input gradient when some layer before it has parameters.
            NeedsInputGradient = new bool[count];
            bool parameters = false;
            for (int i = 0; i < count; i++)
            {
                NeedsInputGradient[i] = parameters;
                parameters |= Layers[i].HasParameters;
            }

            Owner = new int[count];
            for (int i = 0; i < count; i++)
            {
                Owner[i] = Layers[i].Kind == LayerKind.Flatten ? (i == 0 ? -1 : Owner[i - 1]) : i;
            }

            HasGradient = new bool[count];
            for (int i = 0; i <= LastComputing; i++)
            {
                bool needed = i == LastComputing || (i + 1 < count && NeedsInputGradient[i + 1]);
                if (needed && Owner[i] >= 0)
                {
                    HasGradient[Owner[i]] = true;
                }
            }
        }

        public LayerSpec[] Layers { get; }

        public int LastComputing { get; }

        public bool[] NeedsInputGradient { get; }

        public int[] Owner { get; }

        public bool[] HasGradient { get; }

        /// <summary>The field holding layer i's output (i = −1: the input).</summary>
        public string Output(int i) => i < 0 || Owner[i] < 0 ? "_input" : "_" + Camel(Layers[Owner[i]].Name) + "Output";

        public string Gradient(int i) => "_" + Camel(Layers[Owner[i]].Name) + "Gradient";

        /// <summary>The fields of every weight and bias in layer order ("_conv1Weight", "_conv1Bias", …): the model's Parameters.</summary>
        public IEnumerable<string> ParameterFields()
        {
            foreach (LayerSpec layer in Layers.Where(l => l.HasParameters))
            {
                yield return "_" + Camel(layer.Name) + "Weight";
                if (layer.HasBias)
                {
                    yield return "_" + Camel(layer.Name) + "Bias";
                }
            }
        }
    }

    private static void EmitConstants(IndentedWriter w, ModelSpec m, Plan plan, LayerSpec? loss)
    {
        int[] input = m.InputShape.ToArray();
        int[] output = plan.LastComputing >= 0 ? plan.Layers[plan.LastComputing].OutputShape.ToArray() : input;
        w.Line("/// <summary>Batch size N: every call processes exactly this many samples.</summary>");
        w.Line("public const int Batch = " + N(m.InputShape[0]) + ";");
        w.Line();
        w.Line("/// <summary>Element count of the input, " + Describe(input) + ".</summary>");
        w.Line("public const int InputLength = " + N(Product(input)) + ";");
        w.Line();
        w.Line("/// <summary>Element count of the output, " + Describe(output) + ".</summary>");
        w.Line("public const int OutputLength = " + N(Product(output)) + ";");
        if (loss?.Kind == LayerKind.SoftmaxCrossEntropy)
        {
            w.Line();
            w.Line("/// <summary>Number of classes the output scores.</summary>");
            w.Line("public const int Classes = " + N(output[1]) + ";");
        }

        w.Line();
    }

    private static void EmitFields(IndentedWriter w, ModelSpec m, Plan plan)
    {
        string t = m.ElementType;
        w.Line("private readonly " + t + "[] _input = new " + t + "[InputLength];");
        for (int i = 0; i <= plan.LastComputing; i++)
        {
            LayerSpec layer = plan.Layers[i];
            string name = Camel(layer.Name);
            int length = layer.OutputLength;
            if (plan.Owner[i] == i)
            {
                w.Line("private readonly " + t + "[] _" + name + "Output = new " + t + "[" + N(length) + "];");
                if (plan.HasGradient[i])
                {
                    w.Line("private readonly " + t + "[] _" + name + "Gradient = new " + t + "[" + N(length) + "];");
                }
            }

            if (layer.Kind == LayerKind.MaxPool2d)
            {
                w.Line("private readonly int[] _" + name + "Indexes = new int[" + N(length) + "];");
            }

            if (layer.Kind == LayerKind.Dropout)
            {
                w.Line("private readonly " + t + "[] _" + name + "Mask = new " + t + "[" + N(length) + "];");
            }
        }

        foreach (LayerSpec layer in plan.Layers.Where(l => l.HasParameters))
        {
            w.Line("private readonly " + Training + "Parameter<" + t + "> _" + Camel(layer.Name) + "Weight;");
            if (layer.HasBias)
            {
                w.Line("private readonly " + Training + "Parameter<" + t + "> _" + Camel(layer.Name) + "Bias;");
            }
        }

        foreach (LayerSpec layer in plan.Layers)
        {
            w.Line("private readonly global::TensorDsl.Models.Layer<" + t + "> _" + Camel(layer.Name) + "Layer;");
        }

        w.Line("private readonly " + Training + "Parameter<" + t + ">[] _parameters;");
        w.Line("private readonly global::TensorDsl.Models.Layer<" + t + ">[] _layers;");
        w.Line("private " + Training + "TensorRandom _dropoutRandom;");
        w.Line();
    }

    private static void EmitConstructors(IndentedWriter w, ModelSpec m, Plan plan)
    {
        string t = m.ElementType;
        string scheme = Training + "InitScheme." + (m.Initialization switch { 1 => "He", 2 => "Xavier", _ => "DeZero" });
        w.Line("/// <summary>Creates the model with its weights drawn from <paramref name=\"seed\"/> by " + scheme.Substring(Training.Length) + " initialisation; biases start at zero.</summary>");
        w.Line("/// <param name=\"seed\">The seed of the weights and of the dropout masks: equal seeds give equal models and training runs.</param>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        w.Line("public " + SourceFile.Id(m.ClassName) + "(ulong seed = 0)");
        w.Indent();
        w.Line(": this(seed, " + scheme + ")");
        w.Outdent();
        w.Line("{");
        w.Line("}");
        w.Line();
        w.Line("/// <summary>Creates the model with its weights drawn from <paramref name=\"seed\"/> by <paramref name=\"initialization\"/>; biases start at zero.</summary>");
        w.Line("/// <param name=\"seed\">The seed of the weights and of the dropout masks.</param>");
        w.Line("/// <param name=\"initialization\">How the weights are drawn.</param>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public " + SourceFile.Id(m.ClassName) + "(ulong seed, " + Training + "InitScheme initialization)"))
        {
            w.Line(Training + "TensorRandom random = new " + Training + "TensorRandom(seed);");
            w.Line("_dropoutRandom = new " + Training + "TensorRandom(seed, 1);");
            foreach (LayerSpec layer in plan.Layers.Where(l => l.HasParameters))
            {
                string name = Camel(layer.Name);
                (int[] weight, int fanIn, int fanOut, int biasLength) = ParameterShapes(layer);
                w.Line("_" + name + "Weight = new " + Training + "Parameter<" + t + ">(\"" + layer.Name + ".weight\", " + string.Join(", ", weight.Select(d => N(d))) + ");");
                w.Line(Training + "Initializers.Fill<" + t + ">(_" + name + "Weight.Value, initialization, " + N(fanIn) + ", " + N(fanOut) + ", ref random);");
                if (layer.HasBias)
                {
                    w.Line("_" + name + "Bias = new " + Training + "Parameter<" + t + ">(\"" + layer.Name + ".bias\", " + N(biasLength) + ");");
                }
            }

            foreach (LayerSpec layer in plan.Layers)
            {
                string name = Camel(layer.Name);
                string parameters = layer.HasParameters ? ", _" + name + "Weight" + (layer.HasBias ? ", _" + name + "Bias" : string.Empty) : string.Empty;
                w.Line("_" + name + "Layer = new global::TensorDsl.Models.Layer<" + t + ">(\"" + layer.Name + "\", \"" + layer.Kind + "\", " + Shape(layer.InputShape) + ", " + Shape(layer.OutputShape) + parameters + ");");
            }

            w.Line("_parameters = new " + Training + "Parameter<" + t + ">[] { " + string.Join(", ", plan.ParameterFields()) + " };");
            w.Line("_layers = new global::TensorDsl.Models.Layer<" + t + ">[] { " + string.Join(", ", plan.Layers.Select(l => "_" + Camel(l.Name) + "Layer")) + " };");
        }

        w.Line();
    }

    private static void EmitProperties(IndentedWriter w, ModelSpec m, Plan plan)
    {
        string t = m.ElementType;
        w.Line("/// <summary>Every weight and bias, in layer order; names are \"{Layer}.weight\" and \"{Layer}.bias\".</summary>");
        w.Line("public global::System.Collections.Generic.IReadOnlyList<" + Training + "Parameter<" + t + ">> Parameters => _parameters;");
        w.Line();
        w.Line("/// <summary>The layers in order, with their inferred shapes.</summary>");
        w.Line("public global::System.Collections.Generic.IReadOnlyList<global::TensorDsl.Models.Layer<" + t + ">> Layers => _layers;");
        w.Line();
        w.Line("/// <summary>Whether dropout layers drop (training) or pass everything through (evaluation). Default true.</summary>");
        w.Line("public bool Training { get; set; } = true;");
        w.Line();
        w.Line("/// <summary>The input buffer, " + Describe(m.InputShape.ToArray()) + ": fill it and call <see cref=\"Forward()\"/> to avoid a copy.</summary>");
        w.Line("public global::System.Span<" + t + "> Input => _input;");
        w.Line();
        w.Line("/// <summary>The output of the last <see cref=\"Forward()\"/>, " + Describe(OutputShape(m, plan)) + ".</summary>");
        w.Line("public global::System.ReadOnlySpan<" + t + "> Output => " + plan.Output(plan.LastComputing) + ";");
        w.Line();
        w.Line("/// <summary>The gradient of the loss with respect to <see cref=\"Output\"/>; Loss writes it, or write it yourself before <see cref=\"Backward\"/>.</summary>");
        w.Line("public global::System.Span<" + t + "> OutputGradient => " + (plan.LastComputing >= 0 ? plan.Gradient(plan.LastComputing) : "_input") + ";");
        foreach (LayerSpec layer in plan.Layers)
        {
            w.Line();
            w.Line("/// <summary>The layer '" + layer.Name + "' ([" + layer.Kind + "]): " + Describe(layer.InputShape.ToArray()) + " → " + Describe(layer.OutputShape.ToArray()) + ".</summary>");
            w.Line(layer.Modifiers + " partial global::TensorDsl.Models.Layer<" + t + "> " + SourceFile.Id(layer.Name) + " { get => _" + Camel(layer.Name) + "Layer; }");
        }

        w.Line();
    }

    private static void EmitForward(IndentedWriter w, ModelSpec m, Plan plan)
    {
        string t = m.ElementType;
        w.Line("/// <summary>Copies <paramref name=\"input\"/> (" + Describe(m.InputShape.ToArray()) + ") into <see cref=\"Input\"/> and runs the network.</summary>");
        w.Line("/// <returns>The output, " + Describe(OutputShape(m, plan)) + " (the model's own buffer, valid until the next call).</returns>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public global::System.ReadOnlySpan<" + t + "> Forward(" + Marker(m, ModelTensor.Input) + "global::System.ReadOnlySpan<" + t + "> input)"))
        {
            w.Line("global::TensorDsl.Runtime.ShapeCheck.Length(input.Length, InputLength, \"input\", \"" + Describe(m.InputShape.ToArray()) + "\");");
            w.Line("input.CopyTo(_input);");
            w.Line("return Forward();");
        }

        w.Line();
        w.Line("/// <summary>Runs the network on <see cref=\"Input\"/>. Allocates nothing.</summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public global::System.ReadOnlySpan<" + t + "> Forward()"))
        {
            for (int i = 0; i <= plan.LastComputing; i++)
            {
                LayerSpec layer = plan.Layers[i];
                string x = plan.Output(i - 1);
                string y = plan.Output(i);
                string name = Camel(layer.Name);
                string kernel = ModelShapeInference.KernelName(layer.Name);
                switch (layer.Kind)
                {
                    case LayerKind.Conv2d:
                    case LayerKind.Deconv2d:
                        w.Line(kernel + "(" + x + ", _" + name + "Weight.Value, " + (layer.HasBias ? "_" + name + "Bias.Value, " : string.Empty) + y + ");");
                        break;
                    case LayerKind.MaxPool2d:
                        w.Line(kernel + "(" + x + ", " + y + ", _" + name + "Indexes);");
                        break;
                    case LayerKind.AvgPool2d:
                        w.Line(kernel + "(" + x + ", " + y + ");");
                        break;
                    case LayerKind.Linear:
                        w.Line("var " + name + "Job = new " + LinearJob(m, layer, "Forward") + " { X = " + x + ", W = _" + name + "Weight.Value, " + (layer.HasBias ? "B = _" + name + "Bias.Value, " : string.Empty) + "Y = " + y + " };");
                        w.Line("global::TensorDsl.Threading.TensorThreads.Run(Batch, ref " + name + "Job);");
                        break;
                    case LayerKind.ReLU:
                        w.Line("global::TensorDsl.Models.Activations.Relu<" + t + ">(" + x + ", " + y + ");");
                        break;
                    case LayerKind.LeakyReLU:
                        w.Line("global::TensorDsl.Models.Activations.LeakyRelu<" + t + ">(" + x + ", " + y + ", " + Real(layer.Argument, t) + ");");
                        break;
                    case LayerKind.Sigmoid:
                        w.Line("global::TensorDsl.Models.Activations.Sigmoid<" + t + ">(" + x + ", " + y + ");");
                        break;
                    case LayerKind.Tanh:
                        w.Line("global::TensorDsl.Models.Activations.Tanh<" + t + ">(" + x + ", " + y + ");");
                        break;
                    case LayerKind.Dropout:
                        w.Line("global::TensorDsl.Models.Activations.Dropout<" + t + ">(" + x + ", " + y + ", _" + name + "Mask, " + layer.Argument.ToString("R", CultureInfo.InvariantCulture) + ", Training, ref _dropoutRandom);");
                        break;
                    case LayerKind.Flatten:
                        w.Line("// " + layer.Name + ": flattening shares the buffer, nothing to do.");
                        break;
                }
            }

            w.Line("return " + plan.Output(plan.LastComputing) + ";");
        }

        w.Line();
    }

    private static void EmitLoss(IndentedWriter w, ModelSpec m, Plan plan, LayerSpec loss)
    {
        string t = m.ElementType;
        string output = plan.Output(plan.LastComputing);
        string gradient = plan.Gradient(plan.LastComputing);
        bool crossEntropy = loss.Kind == LayerKind.SoftmaxCrossEntropy;
        string target = crossEntropy ? Marker(m, ModelTensor.Labels) + "global::System.ReadOnlySpan<int> labels" : Marker(m, ModelTensor.Output) + "global::System.ReadOnlySpan<" + t + "> target";
        w.Line(crossEntropy
            ? "/// <summary>The mean softmax cross entropy of the last output against <paramref name=\"labels\"/> (Batch class indices); also writes <see cref=\"OutputGradient\"/>.</summary>"
            : "/// <summary>The mean squared error of the last output against <paramref name=\"target\"/> (" + Describe(OutputShape(m, plan)) + "); also writes <see cref=\"OutputGradient\"/>.</summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public " + t + " Loss(" + target + ")"))
        {
            w.Line(crossEntropy
                ? "return " + Training + "Losses.SoftmaxCrossEntropy<" + t + ">(" + output + ", Batch, Classes, labels, " + gradient + ");"
                : "return " + Training + "Losses.MeanSquaredError<" + t + ">(" + output + ", target, " + gradient + ");");
        }

        w.Line();
        w.Line("/// <summary>Forward, Loss and Backward in one call: afterwards every parameter's Gradient holds this batch's gradient.</summary>");
        w.Line("/// <returns>The loss.</returns>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public " + t + " TrainStep(" + Marker(m, ModelTensor.Input) + "global::System.ReadOnlySpan<" + t + "> input, " + target + ")"))
        {
            w.Line("Forward(input);");
            w.Line(t + " loss = Loss(" + (crossEntropy ? "labels" : "target") + ");");
            w.Line("Backward();");
            w.Line("return loss;");
        }

        if (crossEntropy)
        {
            w.Line();
            w.Line("/// <summary>How many samples of the last output score their label highest.</summary>");
            w.Line(SourceFile.GeneratedCodeAttribute);
            w.Line("public int CountCorrect(" + target + ") => " + Training + "Losses.Accuracy<" + t + ">(" + output + ", Batch, Classes, labels);");
        }

        w.Line();
    }

    private static void EmitBackward(IndentedWriter w, ModelSpec m, Plan plan)
    {
        string t = m.ElementType;
        w.Line("/// <summary>Sets every parameter's Gradient to zero.</summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        w.Line("public void ZeroGrad() => " + Training + "Parameters.ZeroGradients(_parameters);");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Propagates <see cref=\"OutputGradient\"/> back through the network and writes (does not accumulate) every");
        w.Line("/// parameter's Gradient. Uses the activations of the last <see cref=\"Forward()\"/>; allocates nothing.");
        w.Line("/// </summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public void Backward()"))
        {
            for (int i = plan.LastComputing; i >= 0; i--)
            {
                LayerSpec layer = plan.Layers[i];
                bool input = plan.NeedsInputGradient[i];
                if (!input && !layer.HasParameters)
                {
                    continue;
                }

                string x = plan.Output(i - 1);
                string y = plan.Output(i);
                string gy = plan.Gradient(i);
                string gx = input ? plan.Gradient(i - 1) : string.Empty;
                string name = Camel(layer.Name);
                string kernel = ModelShapeInference.KernelName(layer.Name);
                switch (layer.Kind)
                {
                    case LayerKind.Conv2d:
                    case LayerKind.Deconv2d:
                        w.Line(kernel + "BackwardWeight(" + x + ", " + gy + ", _" + name + "Weight.Gradient);");
                        if (layer.HasBias)
                        {
                            w.Line(kernel + "BackwardBias(" + gy + ", _" + name + "Bias.Gradient);");
                        }

                        if (input)
                        {
                            w.Line(kernel + "BackwardInput(_" + name + "Weight.Value, " + gy + ", " + gx + ");");
                        }

                        break;
                    case LayerKind.MaxPool2d:
                        w.Line(kernel + "Backward(_" + name + "Indexes, " + gy + ", " + gx + ");");
                        break;
                    case LayerKind.AvgPool2d:
                        w.Line(kernel + "Backward(" + gy + ", " + gx + ");");
                        break;
                    case LayerKind.Linear:
                        w.Line("var " + name + "WeightJob = new " + LinearJob(m, layer, "BackwardWeight") + " { X = " + x + ", GY = " + gy + ", GW = _" + name + "Weight.Gradient" + (layer.HasBias ? ", GB = _" + name + "Bias.Gradient" : string.Empty) + " };");
                        w.Line("global::TensorDsl.Threading.TensorThreads.Run(" + N(layer.OutFeatures) + ", ref " + name + "WeightJob);");
                        if (input)
                        {
                            w.Line("var " + name + "InputJob = new " + LinearJob(m, layer, "BackwardInput") + " { W = _" + name + "Weight.Value, GY = " + gy + ", GX = " + gx + " };");
                            w.Line("global::TensorDsl.Threading.TensorThreads.Run(Batch, ref " + name + "InputJob);");
                        }

                        break;
                    case LayerKind.ReLU:
                        w.Line("global::TensorDsl.Models.Activations.ReluBackward<" + t + ">(" + x + ", " + gy + ", " + gx + ");");
                        break;
                    case LayerKind.LeakyReLU:
                        w.Line("global::TensorDsl.Models.Activations.LeakyReluBackward<" + t + ">(" + x + ", " + gy + ", " + gx + ", " + Real(layer.Argument, t) + ");");
                        break;
                    case LayerKind.Sigmoid:
                        w.Line("global::TensorDsl.Models.Activations.SigmoidBackward<" + t + ">(" + y + ", " + gy + ", " + gx + ");");
                        break;
                    case LayerKind.Tanh:
                        w.Line("global::TensorDsl.Models.Activations.TanhBackward<" + t + ">(" + y + ", " + gy + ", " + gx + ");");
                        break;
                    case LayerKind.Dropout:
                        w.Line("global::TensorDsl.Models.Activations.DropoutBackward<" + t + ">(_" + name + "Mask, " + gy + ", " + gx + ");");
                        break;
                    case LayerKind.Flatten:
                        w.Line("// " + layer.Name + ": the gradient buffer is shared, nothing to do.");
                        break;
                }
            }
        }
    }

    private static string LinearJob(ModelSpec m, LayerSpec layer, string direction) => m.ClassName + "_" + layer.Name + "_Linear" + direction;

    /// <summary>
    /// The dense layer's jobs: y = x·Wᵀ + b per sample row; gx per sample row, only when <paramref name="inputGradient"/>
    /// (a job Backward never runs would leave its fields unassigned, warning CS0649); gW and gb per output row.
    /// </summary>
    private static string LinearJobs(ModelSpec m, LayerSpec layer, bool inputGradient)
    {
        string t = m.ElementType;
        string span = "global::System.ReadOnlySpan<" + t + ">";
        string mutable = "global::System.Span<" + t + ">";
        IndentedWriter w = new();
        void Header(string direction, string summary, params string[] fields)
        {
            w.Line("/// <summary>" + summary + "</summary>");
            w.Line(SourceFile.GeneratedCodeAttribute);
            w.Line("file ref struct " + LinearJob(m, layer, direction) + " : global::TensorDsl.Threading.IParallelJob");
            w.Line("{");
            w.Indent();
            w.Line("private const int Batch = " + N(layer.InputShape[0]) + ", In = " + N(layer.InFeatures) + ", Out = " + N(layer.OutFeatures) + ";");
            w.Line();
            foreach (string field in fields)
            {
                w.Line("public " + field + ";");
            }

            w.Line();
        }

        void Close()
        {
            w.Outdent();
            w.Line("}");
        }

        void EmitBackwardInput()
        {
            Header("BackwardInput", "Linear layer '" + layer.Name + "': gx[n, :] = Σ over o of gy[n, o] · W[o, :]; a task is one sample row.", span + " W", span + " GY", mutable + " GX");
            using (w.Open("public void Execute(int begin, int end)"))
            {
                w.Line("ref " + t + " weight = ref " + GetRef + "(W);");
                w.Line("ref " + t + " gx = ref " + GetRef + "(GX);");
                using (w.Open("for (int n = begin; n < end; n++)"))
                {
                    w.Line("GX.Slice(n * In, In).Clear();");
                    using (w.Open("for (int o = 0; o < Out; o++)"))
                    {
                        w.Line(Vector + ".MultiplyAdd(ref " + Add + "(ref gx, n * In), ref " + Add + "(ref weight, o * In), GY[(n * Out) + o], In);");
                    }
                }
            }

            Close();
            w.Line();
        }

        Header("Forward", "Linear layer '" + layer.Name + "': y[n, o] = x[n, :] · W[o, :] + b[o]; a task is one sample row.", span + " X", span + " W", layer.HasBias ? span + " B" : null!, mutable + " Y");
        using (w.Open("public void Execute(int begin, int end)"))
        {
            w.Line("ref " + t + " x = ref " + GetRef + "(X);");
            w.Line("ref " + t + " weight = ref " + GetRef + "(W);");
            using (w.Open("for (int n = begin; n < end; n++)"))
            {
                using (w.Open("for (int o = 0; o < Out; o++)"))
                {
                    w.Line("Y[(n * Out) + o] = " + Vector + ".Dot(ref " + Add + "(ref x, n * In), ref " + Add + "(ref weight, o * In), In)" + (layer.HasBias ? " + B[o]" : string.Empty) + ";");
                }
            }
        }

        Close();
        w.Line();
        if (inputGradient)
        {
            EmitBackwardInput();
        }

        Header("BackwardWeight", "Linear layer '" + layer.Name + "': gW[o, :] = Σ over n of gy[n, o] · x[n, :] and gb[o] = Σ over n of gy[n, o]; a task is one output row.", span + " X", span + " GY", mutable + " GW", layer.HasBias ? mutable + " GB" : null!);
        using (w.Open("public void Execute(int begin, int end)"))
        {
            w.Line("ref " + t + " x = ref " + GetRef + "(X);");
            w.Line("ref " + t + " gw = ref " + GetRef + "(GW);");
            using (w.Open("for (int o = begin; o < end; o++)"))
            {
                w.Line("GW.Slice(o * In, In).Clear();");
                w.Line(t + " bias = 0;");
                using (w.Open("for (int n = 0; n < Batch; n++)"))
                {
                    w.Line(t + " g = GY[(n * Out) + o];");
                    w.Line("bias += g;");
                    w.Line(Vector + ".MultiplyAdd(ref " + Add + "(ref gw, o * In), ref " + Add + "(ref x, n * In), g, In);");
                }

                if (layer.HasBias)
                {
                    w.Line("GB[o] = bias;");
                }
            }
        }

        Close();
        return w.ToString().Replace("    public ;\n", string.Empty);
    }

    private static (int[] Weight, int FanIn, int FanOut, int BiasLength) ParameterShapes(LayerSpec layer)
    {
        if (layer.Kind == LayerKind.Linear)
        {
            return (new[] { layer.OutFeatures, layer.InFeatures }, layer.InFeatures, layer.OutFeatures, layer.OutFeatures);
        }

        WindowGeometry g = layer.Operator!.Geometry;
        int area = g.KernelArea;
        return layer.Kind == LayerKind.Deconv2d
            ? (new[] { g.GridChannels, g.ImageChannels, g.KernelHeight, g.KernelWidth }, g.GridChannels * area, g.ImageChannels * area, g.ImageChannels)
            : (new[] { g.GridChannels, g.ImageChannels, g.KernelHeight, g.KernelWidth }, g.ImageChannels * area, g.GridChannels * area, g.GridChannels);
    }

    private static int[] OutputShape(ModelSpec m, Plan plan)
        => plan.LastComputing >= 0 ? plan.Layers[plan.LastComputing].OutputShape.ToArray() : m.InputShape.ToArray();

    private static string Shape(EquatableArray<int> dims)
        => "global::System.Collections.Immutable.ImmutableArray.Create(" + string.Join(", ", dims.Select(d => N(d))) + ")";

    private static string Real(double value, string t)
        => value.ToString("R", CultureInfo.InvariantCulture) + (t == "float" ? "f" : "d");

    internal static string Describe(int[] dims) => string.Join("×", dims.Select(d => N(d)));

    private static int Product(int[] dims)
    {
        int p = 1;
        foreach (int d in dims)
        {
            p *= d;
        }

        return p;
    }

    /// <summary>
    /// The stem of a layer's private fields and locals: "Conv1" → "conv1". Names that do not start with a capital
    /// get a leading '_' ("conv1" → "_conv1"), so that layers named Conv1 and conv1 never share a field.
    /// </summary>
    internal static string Camel(string name) => char.IsUpper(name[0]) ? char.ToLowerInvariant(name[0]) + name.Substring(1) : "_" + name;
}
