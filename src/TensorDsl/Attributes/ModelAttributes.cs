using System;
using TensorDsl.Training;

namespace TensorDsl;

/// <summary>
/// Declares a network: a <c>partial class</c> whose <c>partial</c> properties of type <c>Layer&lt;T&gt;</c> (T = float
/// or double), in declaration order, are its layers. The input is N×C×H×W as given here; every other shape is
/// inferred at build time, and a layer that cannot take what its predecessor produces is a compiler error on
/// that layer's attribute. Layers: [Conv2d], [Deconv2d], [MaxPool2d], [AvgPool2d] (sizes inferred, so give only
/// OutChannels, Kernel, Stride, Pad…), [Linear], [ReLU], [LeakyReLU], [Sigmoid], [Tanh], [Flatten], [Dropout], and
/// last a loss, [SoftmaxCrossEntropy] or [MeanSquaredError].
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>Batch size N (fixed: buffers are preallocated for it).</summary>
    public int Batch { get; set; }

    /// <summary>Input channels C.</summary>
    public int Channels { get; set; }

    /// <summary>Input height H (1 for feature vectors).</summary>
    public int Height { get; set; } = 1;

    /// <summary>Input width W (the feature count for feature vectors).</summary>
    public int Width { get; set; } = 1;

    /// <summary>How weights are initialised by default (the generated constructor can override it). Biases start at zero.</summary>
    public InitScheme Initialization { get; set; } = InitScheme.DeZero;
}

/// <summary>A fully connected layer: y = x·Wᵀ + b with W OutFeatures×InFeatures (PyTorch's layout). Flattens its input.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LinearAttribute : Attribute
{
    /// <summary>Output features.</summary>
    public int OutFeatures { get; set; }

    /// <summary>Input features; inferred from the previous layer when 0, checked against it otherwise.</summary>
    public int InFeatures { get; set; }

    /// <summary>Whether the layer adds a bias. Default true.</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>max(x, 0).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ReLUAttribute : Attribute
{
}

/// <summary>x for x &gt; 0, else Slope·x.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LeakyReLUAttribute : Attribute
{
    /// <summary>The slope for negative inputs. Default 0.01 (PyTorch's).</summary>
    public double Slope { get; set; } = 0.01;
}

/// <summary>1 / (1 + e^−x).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SigmoidAttribute : Attribute
{
}

/// <summary>tanh(x).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class TanhAttribute : Attribute
{
}

/// <summary>Reshapes N×C×H×W to N×(C·H·W) features; costs nothing (the buffer is shared).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
}

/// <summary>
/// Inverted dropout: while the model is training, each element is zeroed with probability Rate and the others
/// scaled by 1/(1 − Rate); otherwise the identity. The mask comes from the model's seeded generator.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Probability of zeroing an element, in [0, 1). Default 0.5.</summary>
    public double Rate { get; set; } = 0.5;
}

/// <summary>The loss for classification: softmax over the features of each sample, then the mean cross entropy with integer labels.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SoftmaxCrossEntropyAttribute : Attribute
{
}

/// <summary>The loss for regression and reconstruction: the mean over all elements of (prediction − target)².</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class MeanSquaredErrorAttribute : Attribute
{
}
