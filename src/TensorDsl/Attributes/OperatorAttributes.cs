using System;

namespace TensorDsl;

/// <summary>
/// 2-D convolution (cross-correlation, as DeZero and PyTorch): <c>y = conv2d(x, W) + b</c>.
/// Put it on a <c>partial void</c> method <c>(ReadOnlySpan&lt;T&gt; x, ReadOnlySpan&lt;T&gt; w, ReadOnlySpan&lt;T&gt; b, Span&lt;T&gt; y)</c>
/// (no <c>b</c> when <see cref="Bias"/> is false), T = float or double. x is N×C×H×W, w is OC×C×KH×KW, b is OC,
/// y is N×OC×OH×OW with OH = (H + 2·PH − KH) / SH + 1. The build generates the body, <c>{Name}Backward</c>
/// (gx, gW, gb), the separate <c>{Name}BackwardInput</c>/<c>Weight</c>/<c>Bias</c> parts, and <c>{Name}Shape</c> constants.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class Conv2dAttribute : ConvolutionAttribute
{
    /// <summary>Whether the operator adds a bias (DeZero's <c>nobias</c> is <c>Bias = false</c>). Default true.</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// 2-D transposed convolution (DeZero's deconv2d, PyTorch's conv_transpose2d): the gradient of conv2d with respect
/// to its input, plus a bias. Method shape as <see cref="Conv2dAttribute"/>; w is C×OC×KH×KW. The output size is
/// OH = SH·(H − 1) + KH − 2·PH + output padding; give either <see cref="OutputPadding"/> (PyTorch) or
/// <see cref="OutHeight"/>/<see cref="OutWidth"/> (DeZero's <c>outsize</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class Deconv2dAttribute : ConvolutionAttribute
{
    /// <summary>Whether the operator adds a bias. Default true.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>Extra rows and columns added to one side of the output (PyTorch's output_padding); must be below the stride.</summary>
    public int OutputPadding { get; set; }

    /// <summary>Output padding for the vertical axis; overrides <see cref="OutputPadding"/>.</summary>
    public int OutputPaddingHeight { get; set; }

    /// <summary>Output padding for the horizontal axis; overrides <see cref="OutputPadding"/>.</summary>
    public int OutputPaddingWidth { get; set; }

    /// <summary>Explicit output height (DeZero's outsize[0]); 0 means computed.</summary>
    public int OutHeight { get; set; }

    /// <summary>Explicit output width (DeZero's outsize[1]); 0 means computed.</summary>
    public int OutWidth { get; set; }
}

/// <summary>
/// The weight gradient of conv2d as an operator of its own (DeZero's Conv2DGradW):
/// <c>(ReadOnlySpan&lt;T&gt; x, ReadOnlySpan&lt;T&gt; gy, Span&lt;T&gt; gw)</c> with x N×C×H×W, gy N×OC×OH×OW, gw OC×C×KH×KW.
/// Its generated backward gives the gradients with respect to x and gy, which makes conv2d twice differentiable.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class Conv2dGradWAttribute : ConvolutionAttribute
{
}

/// <summary>
/// Max pooling: <c>(ReadOnlySpan&lt;T&gt; x, Span&lt;T&gt; y, Span&lt;int&gt; indexes)</c>. x is N×C×H×W, y and indexes
/// N×C×OH×OW; each index is the argmax's position h·W + w in its input plane (PyTorch's convention). Padding
/// never wins (as PyTorch: padded cells are −∞); a NaN in the window wins and propagates. Stride defaults to the kernel.
/// Generates <c>{Name}Backward(indexes, gy, gx)</c> (Pooling2DGrad) and <c>{Name}WithIndexes(indexes, x, y)</c>
/// (Pooling2DWithIndexes), each the other's gradient.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class MaxPool2dAttribute : ChannelWindowAttribute
{
}

/// <summary>
/// Average pooling: <c>(ReadOnlySpan&lt;T&gt; x, Span&lt;T&gt; y)</c>. With <see cref="CountIncludePad"/> (the default, as
/// DeZero and PyTorch) every window divides by KH·KW, padded cells counting as zeros; otherwise by the number of
/// cells inside the image. Stride defaults to the kernel. Generates <c>{Name}Backward(gy, gx)</c>; the gradient of
/// that backward is the forward again.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AvgPool2dAttribute : ChannelWindowAttribute
{
    /// <summary>Whether padded cells count in the divisor. Default true.</summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>
/// im2col: <c>(ReadOnlySpan&lt;T&gt; x, Span&lt;T&gt; col)</c>. With <see cref="ToMatrix"/> (default) col is
/// (N·OH·OW)×(C·KH·KW), DeZero's to_matrix=True layout; otherwise N×C×KH×KW×OH×OW. Generates
/// <c>{Name}Backward(gcol, gx)</c>, which is col2im.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class Im2colAttribute : ChannelWindowAttribute
{
    /// <summary>Matrix layout (true) or the 6-D layout (false). Default true.</summary>
    public bool ToMatrix { get; set; } = true;
}

/// <summary>
/// col2im: <c>(ReadOnlySpan&lt;T&gt; col, Span&lt;T&gt; x)</c>, the adjoint of <see cref="Im2colAttribute"/> with the same
/// layouts: overlapping window cells are summed. Generates <c>{Name}Backward(gx, gcol)</c>, which is im2col.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class Col2imAttribute : ChannelWindowAttribute
{
    /// <summary>Matrix layout (true) or the 6-D layout (false). Default true.</summary>
    public bool ToMatrix { get; set; } = true;
}
