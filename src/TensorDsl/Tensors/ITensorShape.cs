namespace TensorDsl.Tensors;

/// <summary>
/// A fixed tensor shape as a type, so that <see cref="Tensor{T, TShape}"/> carries its shape in its type and a
/// tensor of the wrong shape does not compile where a generated operator expects another. TensorDsl generates one
/// implementation per distinct dimension list a project's operators and models use (for example
/// <c>Shape8x3x32x32</c> in the namespace <c>TensorDsl.Shapes.{AssemblyName}</c>); shapes are structural, so every
/// operator of a project that takes 8×3×32×32 takes the same type.
/// </summary>
public interface ITensorShape
{
    /// <summary>The number of elements, the product of the dimensions.</summary>
    static abstract int Length { get; }

    /// <summary>The dimensions, outermost first, as text: <c>8×3×32×32</c>.</summary>
    static abstract string Dimensions { get; }
}
