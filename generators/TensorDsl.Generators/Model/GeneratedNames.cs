using System.Collections.Generic;

namespace TensorDsl.Generators.Model;

/// <summary>The members TensorDsl adds next to an operator method, as suffixes of the method's name.</summary>
internal static class GeneratedNames
{
    public const string Shape = "Shape";
    public const string Backward = "Backward";
    public const string BackwardInput = "BackwardInput";
    public const string BackwardWeight = "BackwardWeight";
    public const string BackwardBias = "BackwardBias";
    public const string WithIndexes = "WithIndexes";
    public const string OpenCL = "OpenCL";
    public const string Ilgpu = "Ilgpu";

    public static IEnumerable<string> Suffixes(OperatorKind kind)
    {
        yield return Shape;
        yield return Backward;
        yield return OpenCL;
        yield return Ilgpu;
        if (kind is OperatorKind.Conv2d or OperatorKind.Deconv2d)
        {
            yield return BackwardInput;
            yield return BackwardWeight;
            yield return BackwardBias;
        }

        if (kind == OperatorKind.MaxPool2d)
        {
            yield return WithIndexes;
        }
    }
}
