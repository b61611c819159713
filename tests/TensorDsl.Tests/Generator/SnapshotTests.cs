using System.Linq;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>The generated source of representative declarations, compared with accepted snapshots.</summary>
public class SnapshotTests
{
    private static void VerifyGenerated(string declarations, string name)
    {
        string source = "using System;\nusing TensorDsl;\nnamespace Demo;\n\n" + declarations;
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Assert.Empty(result.All);
        // The OpenCL file has snapshots of its own (OpenClSnapshotTests).
        string generated = string.Join("\n// ----\n", result.Sources.Where(s => !s.Key.EndsWith(".TensorDsl.OpenCL.g.cs", System.StringComparison.Ordinal)).OrderBy(s => s.Key).Select(s => "// " + s.Key + "\n" + s.Value));
        Snapshot.Verify(generated, name);
    }

    [Fact]
    public void Readme_conv2d_example()
        => VerifyGenerated("""
            public static partial class Ops
            {
                [Conv2d(Batch = 8, InChannels = 3, Height = 32, Width = 32, OutChannels = 16, Kernel = 3, Stride = 1, Pad = 1)]
                public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """, "Conv2d");
}
