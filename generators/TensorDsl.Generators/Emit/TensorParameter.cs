using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Emit;

/// <summary>A span parameter of a generated method: its name, direction, element and fixed dimensions.</summary>
internal sealed record TensorParameter(string Name, bool ReadOnly, bool IsIndex, int[] Dimensions, string Meaning)
{
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int d in Dimensions)
            {
                length *= d;
            }

            return length;
        }
    }

    public string Shape => OperatorSignature.Describe(Dimensions);

    public string Type(string element) => SourceFile.SpanType(ReadOnly, IsIndex ? "int" : element);
}
