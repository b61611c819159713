using System.Linq;
using TensorDsl.Generators.Emit.Typed;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.Cpu;

/// <summary>
/// Call-site safety for a model: the <c>[TensorLength]</c> markers on the span parameters of Forward, Loss,
/// TrainStep and CountCorrect, and their typed overloads taking <c>Tensor&lt;T, Shape…&gt;</c>.
/// </summary>
internal static partial class ModelEmitter
{
    /// <summary>What a span parameter of a model method holds.</summary>
    private enum ModelTensor
    {
        Input,
        Output,
        Labels,
    }

    /// <summary><c>[global::TensorDsl.Runtime.TensorLength(50176, "64×1×28×28", Constant = "FashionNet.InputLength")] </c>.</summary>
    private static string Marker(ModelSpec m, ModelTensor tensor)
    {
        int[] dims = Dimensions(m, tensor);
        string constant = tensor switch
        {
            ModelTensor.Input => "InputLength",
            ModelTensor.Output => "OutputLength",
            _ => "Batch",
        };
        return "[global::TensorDsl.Runtime.TensorLength(" + N(Product(dims)) + ", \"" + Describe(dims) + "\", Constant = \"" + m.ClassName + "." + constant + "\")] ";
    }

    private static int[] Dimensions(ModelSpec m, ModelTensor tensor) => tensor switch
    {
        ModelTensor.Input => m.InputShape.ToArray(),
        ModelTensor.Output => ShapeTypes.OutputShape(m),
        _ => new[] { m.InputShape[0] },
    };

    private static string TypedParameter(ModelSpec m, ModelTensor tensor, string name)
        => Marker(m, tensor) + ShapeTypes.Tensor(m.ShapesNamespace, tensor == ModelTensor.Labels ? "int" : m.ElementType, Dimensions(m, tensor)) + " " + name;

    /// <summary>The typed overloads of Forward, Loss, TrainStep and CountCorrect; each forwards to the span method.</summary>
    private static void EmitTypedOverloads(IndentedWriter w, ModelSpec m, LayerSpec? loss)
    {
        if (m.ShapesNamespace.Length == 0)
        {
            return;
        }

        string t = m.ElementType;
        string input = TypedParameter(m, ModelTensor.Input, "input");
        string typed = " Typed form: the shapes are part of the tensors' types, so a wrong shape is a compile-time error.";
        w.Line("/// <summary>Copies <paramref name=\"input\"/> (" + Describe(m.InputShape.ToArray()) + ") into <see cref=\"Input\"/> and runs the network." + typed + "</summary>");
        w.Line("/// <returns>The output, " + Describe(ShapeTypes.OutputShape(m)) + " (the model's own buffer, valid until the next call).</returns>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        w.Line("public global::System.ReadOnlySpan<" + t + "> Forward(" + input + ") => Forward(input.ReadOnlySpan);");
        w.Line();
        w.Line("/// <summary>Runs the network on <paramref name=\"input\"/> (" + Describe(m.InputShape.ToArray()) + ") and copies its output into <paramref name=\"output\"/> (" + Describe(ShapeTypes.OutputShape(m)) + ")." + typed + "</summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("public void Forward(" + input + ", " + TypedParameter(m, ModelTensor.Output, "output") + ")"))
        {
            w.Line("global::TensorDsl.Runtime.ShapeCheck.Length(output.Span.Length, OutputLength, \"output\", \"" + Describe(ShapeTypes.OutputShape(m)) + "\");");
            w.Line("Forward(input.ReadOnlySpan).CopyTo(output.Span);");
        }

        if (loss is null)
        {
            w.Line();
            return;
        }

        bool crossEntropy = loss.Kind == LayerKind.SoftmaxCrossEntropy;
        string target = crossEntropy ? TypedParameter(m, ModelTensor.Labels, "labels") : TypedParameter(m, ModelTensor.Output, "target");
        string targetName = crossEntropy ? "labels" : "target";
        w.Line();
        w.Line(crossEntropy
            ? "/// <summary>The mean softmax cross entropy of the last output against <paramref name=\"labels\"/> (Batch class indices); also writes <see cref=\"OutputGradient\"/>." + typed + "</summary>"
            : "/// <summary>The mean squared error of the last output against <paramref name=\"target\"/>; also writes <see cref=\"OutputGradient\"/>." + typed + "</summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        w.Line("public " + t + " Loss(" + target + ") => Loss(" + targetName + ".ReadOnlySpan);");
        w.Line();
        w.Line("/// <summary>Forward, Loss and Backward in one call." + typed + "</summary>");
        w.Line("/// <returns>The loss.</returns>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        w.Line("public " + t + " TrainStep(" + input + ", " + target + ") => TrainStep(input.ReadOnlySpan, " + targetName + ".ReadOnlySpan);");
        if (crossEntropy)
        {
            w.Line();
            w.Line("/// <summary>How many samples of the last output score their label highest." + typed + "</summary>");
            w.Line(SourceFile.GeneratedCodeAttribute);
            w.Line("public int CountCorrect(" + target + ") => CountCorrect(labels.ReadOnlySpan);");
        }

        w.Line();
    }
}
