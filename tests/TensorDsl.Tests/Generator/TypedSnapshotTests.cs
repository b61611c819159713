using System.Linq;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>
/// Generated source of the call-site safety features, compared with accepted snapshots: [TensorLength] markers,
/// run-time overlap checks and typed overloads of an operator with an int index tensor, and of a model.
/// </summary>
public class TypedSnapshotTests
{
    private static void VerifyGenerated(string declarations, string name)
    {
        string source = "using System;\nusing TensorDsl;\nusing TensorDsl.Models;\nnamespace Demo;\n\n" + declarations;
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Assert.Empty(result.All);
        string generated = string.Join("\n// ----\n", result.Sources.Where(s => !s.Key.Contains("OpenCL", System.StringComparison.Ordinal)).OrderBy(s => s.Key).Select(s => "// " + s.Key + "\n" + s.Value));
        Snapshot.Verify(generated, name);
    }

    [Fact]
    public void Max_pooling_with_indexes()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [MaxPool2d(Batch = 2, Channels = 4, Height = 8, Width = 8, Kernel = 2)]
                internal static partial void Pool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);
            }
            """, "MaxPool2d");

    [Fact]
    public void Model()
        => VerifyGenerated("""
            [Model(Batch = 4, Channels = 1, Height = 6, Width = 6)]
            public partial class Net
            {
                [Conv2d(OutChannels = 2, Kernel = 3)] public partial Layer<float> Conv { get; }
                [Flatten] public partial Layer<float> Flat { get; }
                [Linear(OutFeatures = 3)] public partial Layer<float> Fc { get; }
                [SoftmaxCrossEntropy] public partial Layer<float> Loss1 { get; }
            }
            """, "Model");
}
