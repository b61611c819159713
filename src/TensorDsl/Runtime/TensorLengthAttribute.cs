using System;

namespace TensorDsl.Runtime;

/// <summary>
/// Marks a span parameter of a generated method (or a generated shape type) with the exact element count it takes.
/// TensorDsl's analyzer reads it to report, at compile time, arguments whose length is known and wrong (TDSL0200),
/// buffers passed both as an output and as another tensor of one call (TDSL0201), and tensors made from arrays of the
/// wrong length (TDSL0202). It has no effect at run time; the generated methods check lengths themselves.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class TensorLengthAttribute : Attribute
{
    /// <summary>Creates the marker.</summary>
    /// <param name="length">The element count the parameter must have.</param>
    /// <param name="shape">The dimensions as text, <c>8×3×32×32</c>.</param>
    public TensorLengthAttribute(int length, string shape)
    {
        Length = length;
        Shape = shape;
    }

    /// <summary>The element count the parameter must have.</summary>
    public int Length { get; }

    /// <summary>The dimensions as text, <c>8×3×32×32</c>.</summary>
    public string Shape { get; }

    /// <summary>The C# constant that holds <see cref="Length"/>, for messages: <c>Ops.Conv1Shape.XLength</c>.</summary>
    public string? Constant { get; set; }

    /// <summary>Whether the method writes the parameter, so that it must not share memory with another tensor of the call.</summary>
    public bool Written { get; set; }
}
