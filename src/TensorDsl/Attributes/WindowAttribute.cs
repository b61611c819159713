using System;

namespace TensorDsl;

/// <summary>
/// Fields shared by every windowed operator (convolution, pooling, im2col): the input geometry in NCHW order and
/// the sliding window. <c>Kernel</c>, <c>Stride</c> and <c>Pad</c> set both axes (DeZero's <c>pair</c>);
/// <c>KernelHeight</c>/<c>KernelWidth</c> and friends override one axis.
/// </summary>
/// <remarks>Every value is fixed at build time; the generator checks them and reports TDSL diagnostics.</remarks>
public abstract class WindowAttribute : Attribute
{
    /// <summary>Batch size N of the input.</summary>
    public int Batch { get; set; }

    /// <summary>Height H of the input image (for deconv2d: of its input, the small side).</summary>
    public int Height { get; set; }

    /// <summary>Width W of the input image (for deconv2d: of its input, the small side).</summary>
    public int Width { get; set; }

    /// <summary>Square kernel size, both axes.</summary>
    public int Kernel { get; set; }

    /// <summary>Kernel height; overrides <see cref="Kernel"/> for the vertical axis.</summary>
    public int KernelHeight { get; set; }

    /// <summary>Kernel width; overrides <see cref="Kernel"/> for the horizontal axis.</summary>
    public int KernelWidth { get; set; }

    /// <summary>Stride, both axes. Convolutions default to 1; pooling defaults to the kernel size (as PyTorch).</summary>
    public int Stride { get; set; }

    /// <summary>Vertical stride; overrides <see cref="Stride"/>.</summary>
    public int StrideHeight { get; set; }

    /// <summary>Horizontal stride; overrides <see cref="Stride"/>.</summary>
    public int StrideWidth { get; set; }

    /// <summary>Zero padding on each side, both axes. Default 0.</summary>
    public int Pad { get; set; }

    /// <summary>Vertical padding; overrides <see cref="Pad"/>.</summary>
    public int PadHeight { get; set; }

    /// <summary>Horizontal padding; overrides <see cref="Pad"/>.</summary>
    public int PadWidth { get; set; }
}

/// <summary>Windowed operators over a channel count that they do not change (pooling, im2col, col2im).</summary>
public abstract class ChannelWindowAttribute : WindowAttribute
{
    /// <summary>Channel count C of the input.</summary>
    public int Channels { get; set; }
}

/// <summary>Fields shared by conv2d, deconv2d and the conv2d weight gradient.</summary>
public abstract class ConvolutionAttribute : WindowAttribute
{
    /// <summary>Input channel count C (x is N×C×H×W).</summary>
    public int InChannels { get; set; }

    /// <summary>Output channel count OC.</summary>
    public int OutChannels { get; set; }
}
