namespace TensorDsl.Generators.Model;

/// <summary>The layer kinds a model can hold.</summary>
internal enum LayerKind
{
    Conv2d,
    Deconv2d,
    MaxPool2d,
    AvgPool2d,
    Linear,
    ReLU,
    LeakyReLU,
    Sigmoid,
    Tanh,
    Flatten,
    Dropout,
    SoftmaxCrossEntropy,
    MeanSquaredError,
}

/// <summary>
/// One layer with every shape inferred. Convolution and pooling layers carry the operator spec that the CPU
/// emitter turns into their kernels, exactly as for a declared operator.
/// </summary>
internal sealed record LayerSpec(
    LayerKind Kind,
    string Name,
    string Modifiers,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    OperatorSpec? Operator,
    int InFeatures,
    int OutFeatures,
    bool HasBias,
    double Argument)
{
    public bool IsLoss => Kind is LayerKind.SoftmaxCrossEntropy or LayerKind.MeanSquaredError;

    public bool HasParameters => Kind is LayerKind.Conv2d or LayerKind.Deconv2d or LayerKind.Linear;

    public int OutputLength
    {
        get
        {
            int length = 1;
            foreach (int d in OutputShape)
            {
                length *= d;
            }

            return length;
        }
    }
}

/// <summary>A validated model: input shape, element type, layers in order (the loss, if any, last).</summary>
internal sealed record ModelSpec(
    string Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    ElementKind Element,
    EquatableArray<int> InputShape,
    int Initialization,
    EquatableArray<LayerSpec> Layers)
{
    public string ElementType => Element == ElementKind.Float ? "float" : "double";

    /// <summary>The namespace of the compilation's generated shape types (<c>TensorDsl.Shapes.{Assembly}</c>).</summary>
    public string ShapesNamespace { get; init; } = string.Empty;
}

/// <summary>The result of checking one model: a spec when valid, and its diagnostics.</summary>
internal sealed record ModelResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
