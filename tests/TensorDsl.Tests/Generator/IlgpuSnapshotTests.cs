using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>
/// The ILGPU target: the generated source of representative declarations (compared with accepted snapshots and
/// compiled against <see cref="IlgpuStub"/>), its absence without ILGPU, and its kernels run on the stub against the
/// CPU operators. The check against real ILGPU is described in docs/ilgpu.md.
/// </summary>
public class IlgpuSnapshotTests
{
    private const string Usings = "using System;\nusing TensorDsl;\nnamespace Demo;\n\n";

    /// <summary>Runs the generator on the declarations with the ILGPU stub, asserts a clean build and returns the ILGPU file.</summary>
    private static string GenerateIlgpu(string declarations)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + declarations, IlgpuStub.Source);
        Assert.Empty(result.All);
        KeyValuePair<string, string> file = Assert.Single(result.Sources, s => s.Key.EndsWith(".TensorDsl.Ilgpu.g.cs", StringComparison.Ordinal));
        return "// " + file.Key + "\n" + file.Value;
    }

    private static void VerifyIlgpu(string declarations, string name) => Snapshot.Verify(GenerateIlgpu(declarations), name);

    [Fact]
    public void Conv2d()
        => VerifyIlgpu("""
            public static partial class Ops
            {
                [Conv2d(Batch = 8, InChannels = 3, Height = 32, Width = 32, OutChannels = 16, Kernel = 3, Stride = 1, Pad = 1)]
                public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """, "Conv2d");

    [Fact]
    public void Deconv2d()
        => VerifyIlgpu("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 2, InChannels = 4, Height = 7, Width = 7, OutChannels = 3, Kernel = 4, Stride = 2, Pad = 1, OutputPadding = 1)]
                public static partial void Up(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """, "Deconv2d");

    [Fact]
    public void Max_pool()
        => VerifyIlgpu("""
            public static partial class Ops
            {
                [MaxPool2d(Batch = 4, Channels = 8, Height = 9, Width = 9, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void Pool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);
            }
            """, "MaxPool2d");

    [Fact]
    public void Avg_pool_without_padding_in_the_divisor()
        => VerifyIlgpu("""
            public static partial class Ops
            {
                [AvgPool2d(Batch = 4, Channels = 8, Height = 9, Width = 9, Kernel = 3, Stride = 2, Pad = 1, CountIncludePad = false)]
                public static partial void Average(ReadOnlySpan<float> x, Span<float> y);
            }
            """, "AvgPool2d");

    [Fact]
    public void Im2col_both_layouts()
        => VerifyIlgpu("""
            public static partial class Ops
            {
                [Im2col(Batch = 2, Channels = 3, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1)]
                public static partial void Columns(ReadOnlySpan<float> x, Span<float> col);

                [Im2col(Batch = 2, Channels = 3, Height = 7, Width = 7, Kernel = 3, Stride = 2, Pad = 1, ToMatrix = false)]
                public static partial void Columns6d(ReadOnlySpan<float> x, Span<float> col);
            }
            """, "Im2col");

    [Fact]
    public void Double_conv2d_without_bias()
        => VerifyIlgpu("""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 2, Height = 6, Width = 9, OutChannels = 4, KernelHeight = 2, KernelWidth = 3, StrideHeight = 2, StrideWidth = 3, PadWidth = 0, Bias = false)]
                internal static partial void ConvDouble(ReadOnlySpan<double> input, ReadOnlySpan<double> weights, Span<double> output);
            }
            """, "Conv2dDouble");

    [Fact]
    public void Every_operator_compiles_with_unusual_names_and_nesting()
    {
        // No namespace, a generic and a nested containing type, keyword and helper-like parameter names.
        string source = """
            using System;
            using TensorDsl;

            public partial class Outer<T>
            {
                internal partial struct Inner
                {
                    [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 2)]
                    public static partial void Conv(ReadOnlySpan<float> Check, ReadOnlySpan<float> @in, ReadOnlySpan<float> index, Span<float> Kernels);

                    [Deconv2d(Batch = 1, InChannels = 1, Height = 3, Width = 3, OutChannels = 1, Kernel = 2, Bias = false)]
                    private static partial void Deconv(ReadOnlySpan<double> i, ReadOnlySpan<double> sum, Span<double> n);

                    [Conv2dGradW(Batch = 1, InChannels = 2, Height = 4, Width = 4, OutChannels = 2, Kernel = 3)]
                    public static partial void GradW(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gw);

                    [MaxPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                    public static partial void Max(ReadOnlySpan<double> a, Span<double> @this, Span<int> Accelerator);

                    [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                    public static partial void Avg(ReadOnlySpan<float> x, Span<float> y);

                    [Im2col(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                    public static partial void ToColumns(ReadOnlySpan<float> x, Span<float> col);

                    [Col2im(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2, ToMatrix = false)]
                    public static partial void ToImage(ReadOnlySpan<double> col, Span<double> x);
                }
            }
            """;
        GeneratorHarness.Result result = GeneratorHarness.Run(source, IlgpuStub.Source);
        Assert.Empty(result.All);
        string ilgpu = Assert.Single(result.Sources, s => s.Key.EndsWith(".TensorDsl.Ilgpu.g.cs", StringComparison.Ordinal)).Value;
        foreach (string name in new[] { "Conv", "Deconv", "GradW", "Max", "Avg", "ToColumns", "ToImage" })
        {
            Assert.Contains("public static class " + name + "Ilgpu", ilgpu, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Generated_documentation_is_valid()
    {
        // With documentation diagnostics on (a user's GenerateDocumentationFile), the ILGPU file adds no warning:
        // every cref resolves and every public member is documented.
        CSharpParseOptions options = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "UserProject",
            new[] { IlgpuKernelChecks.Declarations, IlgpuKernelChecks.Checker, IlgpuStub.Source }.Select((text, i) => CSharpSyntaxTree.ParseText(text, options, path: "Source" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".cs")),
            GeneratorHarness.Compile().References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorHarness.CreateDriver().WithUpdatedParseOptions(options).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Diagnostic[] inIlgpuFile = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && (d.Location.SourceTree?.FilePath.EndsWith(".TensorDsl.Ilgpu.g.cs", StringComparison.Ordinal) ?? false))
            .ToArray();
        Assert.Empty(inIlgpuFile);
    }

    [Fact]
    public void Without_ilgpu_nothing_ilgpu_is_generated()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(IlgpuKernelChecks.Declarations);
        Assert.Empty(result.All);
        Assert.NotEmpty(result.Sources);
        Assert.DoesNotContain(result.Sources.Keys, k => k.Contains("Ilgpu", StringComparison.OrdinalIgnoreCase));
        foreach (KeyValuePair<string, string> file in result.Sources)
        {
            Assert.DoesNotContain("ilgpu", file.Value, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Kernels_on_the_stub_match_the_cpu_operators_in_every_direction()
    {
        const string host = """
            using System;
            using ILGPU;

            namespace TargetCheck
            {
                public sealed class StubAccelerator : ILGPU.Runtime.Accelerator { }

                public sealed class StubViews : IViews
                {
                    public ArrayView<T> Upload<T>(T[] data) where T : unmanaged => new ArrayView<T>((T[])data.Clone());

                    public T[] Download<T>(ArrayView<T> view) where T : unmanaged => (T[])view.HostData.Clone();
                }

                public static class StubRun
                {
                    public static string[][] Run()
                    {
                        var checker = new Checker(new StubAccelerator(), new StubViews());
                        checker.RunAll();
                        return new[] { checker.Passed.ToArray(), checker.Failures.ToArray() };
                    }
                }
            }
            """;
        GeneratorHarness.Result result = GeneratorHarness.Run(IlgpuKernelChecks.Declarations, IlgpuKernelChecks.Checker, IlgpuStub.Source, host);
        Assert.Empty(result.All);

        using MemoryStream image = new();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = result.Output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        AssemblyLoadContext context = new("IlgpuStubRun", isCollectible: true);
        try
        {
            image.Position = 0;
            Assembly assembly = context.LoadFromStream(image);
            string[][] outcome = (string[][])assembly.GetType("TargetCheck.StubRun", throwOnError: true)!.GetMethod("Run")!.Invoke(null, null)!;
            Assert.Empty(outcome[1]);

            // Every output of every direction of the 15 operators was compared.
            Assert.Equal(55, outcome[0].Length);
        }
        finally
        {
            context.Unload();
        }
    }
}
