using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>
/// The typed overloads and shape types in a compilation: a tensor of the wrong shape or element type is a compiler
/// error at the argument, shapes are structural across operators, and the shape types never collide.
/// </summary>
public class TypedOverloadTests
{
    // Conv1: x 2×3×8×8, w 4×3×3×3, b 4, y 2×4×8×8. Pool takes 2×4×8×8 (conv1's output). Narrow takes 2×3×8×7.
    private const string Operators = """
        using System;
        using TensorDsl;
        using TensorDsl.Tensors;
        using TensorDsl.Shapes.UserProject;

        namespace Demo;

        public static partial class Ops
        {
            [Conv2d(Batch = 2, InChannels = 3, Height = 8, Width = 8, OutChannels = 4, Kernel = 3, Pad = 1)]
            public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

            [MaxPool2d(Batch = 2, Channels = 4, Height = 8, Width = 8, Kernel = 2)]
            public static partial void Pool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

            [AvgPool2d(Batch = 2, Channels = 3, Height = 8, Width = 7, Kernel = 1)]
            public static partial void Narrow(ReadOnlySpan<float> x, Span<float> y);
        }

        """;

    /// <summary>
    /// The compiler's errors for a call that fits no overload. It reports them against the first candidate in member
    /// order, the span method, so every tensor argument gets a CS1503; the wrong one is among them (and TDSL0203,
    /// the analyzer's, names it alone; see TensorCallSiteAnalyzerTests).
    /// </summary>
    private static string[] ConversionErrors(GeneratorHarness.Result result)
    {
        Diagnostic[] errors = result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.All(errors, d => Assert.Equal("CS1503", d.Id));
        return errors.Select(TextAt).ToArray();
    }

    private static string TextAt(Diagnostic d) => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan);

    [Fact]
    public void Tensor_of_the_wrong_shape_is_a_compile_error_at_the_argument()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Operators + """
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x3x8x7> narrow, Tensor<float, Shape4x3x3x3> w, Tensor<float, Shape4> b, Tensor<float, Shape2x4x8x8> y)
                    => Ops.Conv1(narrow, w, b, y);
            }
            """);
        string[] errors = ConversionErrors(result);
        Assert.Equal("narrow", errors[0]);
        Assert.Contains(result.CompilationDiagnostics, d => d.GetMessage().Contains("Tensor<float, TensorDsl.Shapes.UserProject.Shape2x3x8x7>", StringComparison.Ordinal));
    }

    [Fact]
    public void Tensor_of_the_wrong_element_type_is_a_compile_error()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Operators + """
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x4x8x8> x, Tensor<float, Shape2x4x4x4> y, Tensor<float, Shape2x4x4x4> notIndexes)
                    => Ops.Pool(x, y, notIndexes);
            }
            """);
        Assert.Contains("notIndexes", ConversionErrors(result));
    }

    [Fact]
    public void Swapped_arguments_of_different_shapes_are_a_compile_error()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Operators + """
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x3x8x8> x, Tensor<float, Shape4x3x3x3> w, Tensor<float, Shape4> b, Tensor<float, Shape2x4x8x8> y)
                    => Ops.Conv1(w, x, b, y);
            }
            """);
        string[] errors = ConversionErrors(result);
        Assert.Contains("w", errors);
        Assert.Contains("x", errors);
    }

    [Fact]
    public void A_tensor_does_not_convert_to_a_span_implicitly()
    {
        // Otherwise a wrong-shape tensor would bind to the span overload and fail only at run time.
        GeneratorHarness.Result result = GeneratorHarness.Run(Operators + """
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x3x8x7> narrow, float[] w, float[] b, float[] y) => Ops.Conv1(narrow, w, b, y);
            }
            """);
        Assert.Contains("narrow", ConversionErrors(result));
    }

    [Fact]
    public void Shapes_are_structural_across_operators_and_the_span_overloads_still_work()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Operators + """
            public static class Calls
            {
                public static void Run(float[] rawX)
                {
                    var x = new Tensor<float, Shape2x3x8x8>(rawX);
                    var w = Tensor<float, Shape4x3x3x3>.Allocate();
                    var b = Tensor<float, Shape4>.Allocate();
                    var y = Tensor<float, Shape2x4x8x8>.Allocate();
                    var pooled = Tensor<float, Shape2x4x4x4>.Allocate();
                    var indexes = Tensor<int, Shape2x4x4x4>.Allocate();
                    Ops.Conv1(x, w, b, y);
                    Ops.Pool(y, pooled, indexes);                        // conv1's output type is the pool's input type
                    Ops.PoolBackward(indexes, pooled, y);
                    Ops.Conv1Backward(x, w, y, Tensor<float, Shape2x3x8x8>.Allocate(), w, b);
                    Ops.Conv1(x.ReadOnlySpan, w.Span, b.Array, y.Span);  // the span overload, unchanged
                    Ops.Conv1(rawX, new float[108], new float[4], new float[512]);
                }
            }
            """);
        Assert.Empty(result.All);
    }

    [Fact]
    public void Every_generated_span_method_has_a_typed_overload()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using System;
            using TensorDsl;
            using TensorDsl.Models;
            namespace Demo;

            public static partial class Every
            {
                [Conv2d(Batch = 1, InChannels = 2, Height = 5, Width = 5, OutChannels = 3, Kernel = 3)]
                public static partial void Conv(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
                [Conv2d(Batch = 1, InChannels = 2, Height = 5, Width = 5, OutChannels = 3, Kernel = 3, Bias = false)]
                public static partial void ConvNoBias(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);
                [Deconv2d(Batch = 1, InChannels = 2, Height = 3, Width = 3, OutChannels = 1, Kernel = 3, Stride = 2, Pad = 1, OutputPadding = 1)]
                public static partial void Deconv(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
                [Conv2dGradW(Batch = 1, InChannels = 2, Height = 5, Width = 5, OutChannels = 3, Kernel = 3)]
                public static partial void GradW(ReadOnlySpan<double> x, ReadOnlySpan<double> gy, Span<double> gw);
                [MaxPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                public static partial void Max(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);
                [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 3, Stride = 1, Pad = 1)]
                public static partial void Avg(ReadOnlySpan<float> x, Span<float> y);
                [Im2col(Batch = 1, Channels = 3, Height = 7, Width = 7, Kernel = 5)]
                public static partial void ToColumns(ReadOnlySpan<float> x, Span<float> col);
                [Col2im(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2, ToMatrix = false)]
                private static partial void FromColumns(ReadOnlySpan<float> col, Span<float> x);
            }

            [Model(Batch = 2, Channels = 1, Height = 6, Width = 6)]
            public partial class Regressor
            {
                [Conv2d(OutChannels = 2, Kernel = 3)] public partial Layer<float> Conv { get; }
                [MeanSquaredError] public partial Layer<float> Mse { get; }
            }
            """);
        Assert.Empty(result.All);

        foreach (string typeName in new[] { "Demo.Every", "Demo.Regressor" })
        {
            INamedTypeSymbol type = result.Output.GetTypeByMetadataName(typeName)!;
            IMethodSymbol[] methods = type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToArray();
            // Every method with [TensorLength]-marked span parameters (a model's private kernels have none).
            IMethodSymbol[] spanMethods = methods
                .Where(m => m.Parameters.Length > 0 && m.Parameters.All(p => p.Type.Name is "Span" or "ReadOnlySpan"))
                .Where(m => (m.PartialImplementationPart ?? m).Parameters.All(p => p.GetAttributes().Any(a => a.AttributeClass?.Name == "TensorLengthAttribute")))
                .ToArray();
            Assert.NotEmpty(spanMethods);
            foreach (IMethodSymbol span in spanMethods)
            {
                IMethodSymbol typed = Assert.Single(methods, m => m.Name == span.Name && m.Parameters.Length == span.Parameters.Length && m.Parameters.All(p => p.Type.Name == "Tensor"));
                Assert.Equal(span.DeclaredAccessibility, typed.DeclaredAccessibility);
                Assert.Equal(span.IsStatic, typed.IsStatic);
                for (int i = 0; i < span.Parameters.Length; i++)
                {
                    Assert.Equal(span.Parameters[i].Name, typed.Parameters[i].Name);
                    INamedTypeSymbol tensor = (INamedTypeSymbol)typed.Parameters[i].Type;
                    Assert.Equal(((INamedTypeSymbol)span.Parameters[i].Type).TypeArguments[0], tensor.TypeArguments[0], SymbolEqualityComparer.Default);
                    Assert.Equal("TensorDsl.Shapes.UserProject", tensor.TypeArguments[1].ContainingNamespace.ToDisplayString());
                }
            }
        }
    }

    [Fact]
    public void Model_typed_overloads_use_the_models_shapes()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using TensorDsl;
            using TensorDsl.Models;
            using TensorDsl.Tensors;
            using TensorDsl.Shapes.UserProject;
            namespace Demo;

            [Model(Batch = 4, Channels = 1, Height = 6, Width = 6)]
            public partial class Net
            {
                [Conv2d(OutChannels = 2, Kernel = 3)] public partial Layer<float> Conv { get; }
                [Flatten] public partial Layer<float> Flat { get; }
                [Linear(OutFeatures = 3)] public partial Layer<float> Fc { get; }
                [SoftmaxCrossEntropy] public partial Layer<float> Loss1 { get; }
            }

            public static class Calls
            {
                public static float Run(Net net, Tensor<float, Shape4x1x6x6> images, Tensor<int, Shape4> labels, Tensor<float, Shape4x3> scores)
                {
                    net.Forward(images, scores);
                    return net.TrainStep(images, labels) + net.Loss(labels) + net.CountCorrect(labels) + net.Forward(images)[0];
                }

                public static void Wrong(Net net, Tensor<float, Shape4x3> scores) => net.Forward(scores);
            }
            """);
        Assert.Equal(new[] { "scores" }, ConversionErrors(result));
    }

    [Fact]
    public void Shape_types_are_one_file_of_distinct_sorted_shapes()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Operators);
        string shapes = result.Sources["TensorDsl.Shapes.g.cs"];
        string[] names = shapes.Split('\n').Where(l => l.Contains("public readonly struct", StringComparison.Ordinal)).Select(l => l.Trim().Split(' ')[3]).ToArray();
        Assert.Equal(new[] { "Shape4", "Shape2x3x8x7", "Shape2x3x8x8", "Shape2x4x4x4", "Shape2x4x8x8", "Shape4x3x3x3" }, names);
        Assert.Contains("namespace TensorDsl.Shapes.UserProject", shapes, StringComparison.Ordinal);
        Assert.Contains("[global::TensorDsl.Runtime.TensorLength(384, \"2×3×8×8\")]", shapes, StringComparison.Ordinal);
    }

    [Fact]
    public void No_shape_file_without_operators()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("namespace Demo; public static class Nothing { }");
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void The_shape_namespace_comes_from_the_assembly_name()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Operators.Replace("using TensorDsl.Shapes.UserProject;", "using TensorDsl.Shapes.My_App_Core;", StringComparison.Ordinal))
            .WithAssemblyName("My-App.Core");
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.NotNull(output.GetTypeByMetadataName("TensorDsl.Shapes.My_App_Core.Shape2x3x8x8"));
    }

    [Fact]
    public void Two_assemblies_with_the_same_shapes_do_not_collide()
    {
        // Library defines operators (so shape types); App references it and defines operators of the same shapes.
        CSharpCompilation library = GeneratorHarness.Compile(Operators.Replace("namespace Demo;", "namespace Library;", StringComparison.Ordinal).Replace(".UserProject;", ".Library;", StringComparison.Ordinal)).WithAssemblyName("Library");
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(library, out Compilation libraryOutput, out _);
        using MemoryStream image = new();
        Assert.True(libraryOutput.Emit(image).Success);

        CSharpCompilation app = GeneratorHarness.Compile(Operators + """
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x4x8x8> mine, Tensor<float, global::TensorDsl.Shapes.Library.Shape2x4x8x8> theirs)
                {
                    Ops.Pool(mine, Tensor<float, Shape2x4x4x4>.Allocate(), Tensor<int, Shape2x4x4x4>.Allocate());
                    Library.Ops.Pool(theirs, Tensor<float, global::TensorDsl.Shapes.Library.Shape2x4x4x4>.Allocate(), Tensor<int, global::TensorDsl.Shapes.Library.Shape2x4x4x4>.Allocate());
                    Library.Ops.Pool(mine.Reshape<global::TensorDsl.Shapes.Library.Shape2x4x8x8>(), Tensor<float, global::TensorDsl.Shapes.Library.Shape2x4x4x4>.Allocate(), Tensor<int, global::TensorDsl.Shapes.Library.Shape2x4x4x4>.Allocate());
                }
            }
            """).AddReferences(MetadataReference.CreateFromImage(image.ToArray()));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(app, out Compilation appOutput, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics);
        Assert.Empty(appOutput.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Generated_documentation_has_no_ambiguous_or_broken_references()
    {
        // With XML documentation on (GenerateDocumentationFile), a cref to an overloaded method would be CS0419.
        CSharpParseOptions documented = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "UserProject",
            new[] { CSharpSyntaxTree.ParseText(Operators + """
                /// <summary>A model.</summary>
                [Model(Batch = 4, Channels = 1, Height = 6, Width = 6)]
                public partial class Net
                {
                    /// <summary>A layer.</summary>
                    [Conv2d(OutChannels = 2, Kernel = 3)] public partial TensorDsl.Models.Layer<float> Conv { get; }
                    /// <summary>A layer.</summary>
                    [MeanSquaredError] public partial TensorDsl.Models.Layer<float> Mse { get; }
                }
                """, documented, path: "Source0.cs") },
            GeneratorHarness.Compile().References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new[] { new TensorDsl.Generators.TensorDslGenerator().AsSourceGenerator() }, parseOptions: documented)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        Diagnostic[] generated = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath != "Source0.cs")
            .ToArray();
        Assert.Empty(generated);
    }
}
