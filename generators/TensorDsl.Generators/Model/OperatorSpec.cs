namespace TensorDsl.Generators.Model;

/// <summary>The operator an attribute declares.</summary>
internal enum OperatorKind
{
    Conv2d,
    Deconv2d,
    Conv2dGradW,
    MaxPool2d,
    AvgPool2d,
    Im2col,
    Col2im,
}

/// <summary>The element type shared by every floating-point tensor of an operator.</summary>
internal enum ElementKind
{
    Float,
    Double,
}

/// <summary>
/// The geometry every windowed operator shares, in two sides: the <em>image</em> (the large N×C×H×W tensor a
/// window slides over) and the <em>grid</em> (one cell per window position, N×GC×GH×GW, with
/// GH = (H + 2·PH − KH) / SH + 1). For conv2d x is the image and y the grid; for deconv2d x is the grid and y
/// the image; for pooling and im2col the grid has the image's channels. Gradients swap roles, never geometry.
/// </summary>
internal sealed record WindowGeometry(
    int Batch,
    int ImageChannels,
    int ImageHeight,
    int ImageWidth,
    int GridChannels,
    int GridHeight,
    int GridWidth,
    int KernelHeight,
    int KernelWidth,
    int StrideHeight,
    int StrideWidth,
    int PadHeight,
    int PadWidth)
{
    public int ImagePlane => ImageHeight * ImageWidth;

    public int GridPlane => GridHeight * GridWidth;

    public int KernelArea => KernelHeight * KernelWidth;

    public int ImageLength => Batch * ImageChannels * ImagePlane;

    public int GridLength => Batch * GridChannels * GridPlane;
}

/// <summary>One type that encloses the declaring method, outermost first: keyword and name with type parameters.</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>
/// Everything an emitter needs to write one operator, validated and free of Roslyn symbols, so that the pipeline
/// caches it by value. Parameter names are the user's, in the operator's fixed parameter order. A spec that a
/// model layer implies rather than a user's method has <see cref="IsPartial"/> false: its forward is an ordinary
/// private method.
/// </summary>
internal sealed record OperatorSpec(
    OperatorKind Kind,
    string Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string MethodName,
    string Modifiers,
    ElementKind Element,
    WindowGeometry Geometry,
    bool HasBias,
    bool ToMatrix,
    bool CountIncludePad,
    EquatableArray<string> ParameterNames,
    bool IsPartial = true)
{
    /// <summary>The C# keyword of the element type.</summary>
    public string ElementType => Element == ElementKind.Float ? "float" : "double";

    /// <summary>
    /// The namespace of the compilation's generated shape types (<c>TensorDsl.Shapes.{Assembly}</c>), set for the
    /// user's own operators; empty for a model's kernels, which get no typed overloads.
    /// </summary>
    public string ShapesNamespace { get; init; } = string.Empty;

    /// <summary>Identifies the declaring type (namespace plus nesting), which decides the output file.</summary>
    public string DeclaringTypeKey
    {
        get
        {
            System.Text.StringBuilder key = new(Namespace);
            foreach (ContainingTypeSpec type in ContainingTypes)
            {
                key.Append('.').Append(type.Name);
            }

            return key.ToString();
        }
    }
}

/// <summary>The result of reading and checking one declaration: a spec when it is valid, and its diagnostics.</summary>
internal sealed record OperatorResult(OperatorSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
