using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Analyzers;

/// <summary>
/// TDSL0200–0202: the call-site analyzer over user code that calls generated operators, with the generator's output
/// in the compilation. Each diagnostic: its id, where it points, its whole message, and silence on correct code.
/// </summary>
public class TensorCallSiteAnalyzerTests
{
    // x 2×3×8×8 = 384, w 4×3×3×3 = 108, b 4, y 2×4×8×8 = 512; Smooth keeps 2×4×8×8; Pool halves it to 2×4×4×4 = 128.
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

            [AvgPool2d(Batch = 2, Channels = 4, Height = 8, Width = 8, Kernel = 3, Stride = 1, Pad = 1)]
            public static partial void Smooth(ReadOnlySpan<float> x, Span<float> y);

            [MaxPool2d(Batch = 2, Channels = 4, Height = 8, Width = 8, Kernel = 2)]
            public static partial void Pool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);
        }

        """;

    private static AnalyzerHarness.Result Analyze(string code)
    {
        AnalyzerHarness.Result result = AnalyzerHarness.Run(Operators + code);
        Assert.Empty(result.Compiler);
        return result;
    }

    private static Diagnostic Single(string code, string id)
    {
        AnalyzerHarness.Result result = Analyze(code);
        Diagnostic diagnostic = Assert.Single(result.Analyzer);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("https://github.com/tensordsl/tensordsl/blob/main/docs/diagnostics/" + id + ".md", diagnostic.Descriptor.HelpLinkUri);
        return diagnostic;
    }

    // ---- TDSL0200: a constant-length argument of the wrong length ----

    [Fact]
    public void Array_creation_of_the_wrong_length_is_TDSL0200_on_the_argument()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] w, float[] b, float[] y) => Ops.Conv1(new float[100], w, b, y);
            }
            """, "TDSL0200");
        Assert.Equal("new float[100]", AnalyzerHarness.TextAt(d));
        Assert.Equal("'x' of Ops.Conv1 needs 384 elements (2×3×8×8) but 'new float[100]' has 100; allocate Ops.Conv1Shape.XLength elements", d.GetMessage());
    }

    [Fact]
    public void Another_operators_length_constant_is_TDSL0200()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] w, float[] b) => Ops.Conv1(x, w, b, new float[Ops.PoolShape.YLength]);
            }
            """, "TDSL0200");
        Assert.Equal("new float[Ops.PoolShape.YLength]", AnalyzerHarness.TextAt(d));
        Assert.Equal("'y' of Ops.Conv1 needs 512 elements (2×4×8×8) but 'new float[Ops.PoolShape.YLength]' has 128; allocate Ops.Conv1Shape.YLength elements", d.GetMessage());
    }

    [Fact]
    public void Collection_expression_of_the_wrong_length_is_TDSL0200()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] w, float[] y) => Ops.Conv1(x, w, [1f, 2f, 3f], y);
            }
            """, "TDSL0200");
        Assert.Equal("[1f, 2f, 3f]", AnalyzerHarness.TextAt(d));
        Assert.Equal("'b' of Ops.Conv1 needs 4 elements (4) but '[1f, 2f, 3f]' has 3; allocate Ops.Conv1Shape.BLength elements", d.GetMessage());
    }

    [Fact]
    public void Array_initializer_of_the_wrong_length_is_TDSL0200()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] w, float[] y) => Ops.Conv1(x, w, new[] { 1f, 2f }, y);
            }
            """, "TDSL0200");
        Assert.Equal("new[] { 1f, 2f }", AnalyzerHarness.TextAt(d));
        Assert.Contains("but 'new[] { 1f, 2f }' has 2;", d.GetMessage());
    }

    [Fact]
    public void Stackalloc_of_the_wrong_length_is_TDSL0200()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] w, float[] y) => Ops.Conv1(x, w, stackalloc float[5], y);
            }
            """, "TDSL0200");
        Assert.Equal("stackalloc float[5]", AnalyzerHarness.TextAt(d));
        Assert.Equal("'b' of Ops.Conv1 needs 4 elements (4) but 'stackalloc float[5]' has 5; allocate Ops.Conv1Shape.BLength elements", d.GetMessage());
    }

    [Fact]
    public void Local_initialised_with_the_wrong_length_is_TDSL0200_naming_the_local()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] w, float[] b)
                {
                    var output = new float[500];
                    Ops.Conv1(x, w, b, output);
                }
            }
            """, "TDSL0200");
        Assert.Equal("output", AnalyzerHarness.TextAt(d));
        Assert.Equal("'y' of Ops.Conv1 needs 512 elements (2×4×8×8) but 'output' (new float[500]) has 500; allocate Ops.Conv1Shape.YLength elements", d.GetMessage());
    }

    [Fact]
    public void Span_local_from_stackalloc_is_TDSL0200()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] w, float[] y)
                {
                    Span<float> bias = stackalloc float[8];
                    Ops.Conv1(x, w, bias, y);
                }
            }
            """, "TDSL0200");
        Assert.Equal("bias", AnalyzerHarness.TextAt(d));
        Assert.Contains("but 'bias' (stackalloc float[8]) has 8;", d.GetMessage());
    }

    [Fact]
    public void Readonly_field_initialised_with_the_wrong_length_is_TDSL0200()
    {
        Diagnostic d = Single("""
            public sealed class Layer
            {
                private readonly float[] _weights = new float[27];
                private readonly float[] _bias = new float[Ops.Conv1Shape.BLength];

                public void Run(float[] x, float[] y) => Ops.Conv1(x, _weights, _bias, y);
            }
            """, "TDSL0200");
        Assert.Equal("_weights", AnalyzerHarness.TextAt(d));
        Assert.Equal("'w' of Ops.Conv1 needs 108 elements (4×3×3×3) but '_weights' (new float[27]) has 27; allocate Ops.Conv1Shape.WLength elements", d.GetMessage());
    }

    [Fact]
    public void Backward_methods_are_checked_too()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] w, float[] gy) => Ops.Conv1BackwardInput(w, gy, new float[512]);
            }
            """, "TDSL0200");
        Assert.Equal("'gx' of Ops.Conv1BackwardInput needs 384 elements (2×3×8×8) but 'new float[512]' has 512; allocate Ops.Conv1Shape.XLength elements", d.GetMessage());
    }

    [Fact]
    public void Index_buffers_are_checked_too()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] y) => Ops.Pool(x, y, new int[512]);
            }
            """, "TDSL0200");
        Assert.Equal("'indexes' of Ops.Pool needs 128 elements (2×4×4×4) but 'new int[512]' has 512; allocate Ops.PoolShape.YLength elements", d.GetMessage());
    }

    [Fact]
    public void Named_arguments_are_matched_to_their_parameters()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] w, float[] b) => Ops.Conv1(y: new float[384], x: x, w: w, b: b);
            }
            """, "TDSL0200");
        Assert.Equal("new float[384]", AnalyzerHarness.TextAt(d));
        Assert.StartsWith("'y' of Ops.Conv1 needs 512 elements", d.GetMessage());
    }

    [Fact]
    public void Every_wrong_argument_of_a_call_is_reported()
    {
        AnalyzerHarness.Result result = Analyze("""
            public static class Calls
            {
                public static void Run() => Ops.Conv1(new float[1], new float[2], new float[3], new float[4]);
            }
            """);
        Assert.Equal(new[] { "new float[1]", "new float[2]", "new float[3]", "new float[4]" }, result.Analyzer.Select(AnalyzerHarness.TextAt));
        Assert.All(result.Analyzer, d => Assert.Equal("TDSL0200", d.Id));
    }

    [Fact]
    public void Model_methods_are_checked_with_the_models_constants()
    {
        Diagnostic d = Single("""
            [Model(Batch = 4, Channels = 1, Height = 6, Width = 6)]
            public partial class Net
            {
                [Conv2d(OutChannels = 2, Kernel = 3)] public partial TensorDsl.Models.Layer<float> Conv { get; }
                [Flatten] public partial TensorDsl.Models.Layer<float> Flat { get; }
                [Linear(OutFeatures = 3)] public partial TensorDsl.Models.Layer<float> Fc { get; }
                [SoftmaxCrossEntropy] public partial TensorDsl.Models.Layer<float> Loss1 { get; }
            }

            public static class Calls
            {
                public static float Run(Net net) => net.TrainStep(new float[Net.InputLength], new int[3]);
            }
            """, "TDSL0200");
        Assert.Equal("new int[3]", AnalyzerHarness.TextAt(d));
        Assert.Equal("'labels' of Net.TrainStep needs 4 elements (4) but 'new int[3]' has 3; allocate Net.Batch elements", d.GetMessage());
    }

    [Fact]
    public void Correct_and_unknown_lengths_are_not_reported()
    {
        AnalyzerHarness.Result result = Analyze("""
            public sealed class Calls
            {
                private readonly float[] _w = new float[Ops.Conv1Shape.WLength];
                private float[] _reassigned = new float[3];
                public float[] Public = new float[3];

                public Calls(int n) => _reassigned = new float[n];

                public void Run(int n, float[] parameter, float[] big, float[] y)
                {
                    // Right lengths, written every way.
                    Ops.Conv1(new float[384], _w, [1f, 2f, 3f, 4f], new float[Ops.Conv1Shape.YLength]);
                    Span<float> bias = stackalloc float[4];
                    Ops.Conv1(new float[2 * 3 * 8 * 8], new float[108], bias, new float[512]);

                    // Lengths not known at compile time.
                    float[] runtime = new float[n];
                    float[] later = new float[3];
                    later = new float[4];
                    float[] viaRef = new float[3];
                    Resize(ref viaRef);
                    Ops.Conv1(runtime, parameter, later, y);
                    Ops.Conv1(big.AsSpan(0, 384), parameter, viaRef, y);
                    Ops.Conv1(big, parameter, [.. parameter], big.AsSpan(384));
                    Ops.Conv1(big, parameter, _reassigned, y);
                    Ops.Conv1(big, parameter, Public, y);
                }

                private static void Resize(ref float[] a) => Array.Resize(ref a, 4);
            }
            """);
        Assert.Empty(result.Analyzer);
    }

    [Fact]
    public void Struct_fields_are_not_followed()
    {
        // Assigning 'this' in a struct replaces even readonly fields, so their initializers prove nothing.
        AnalyzerHarness.Result result = Analyze("""
            public struct Holder
            {
                private readonly float[] _bias = new float[3];

                public Holder() { }

                public void Reset() => this = new Holder();

                public void Run(float[] x, float[] w, float[] y) => Ops.Conv1(x, w, _bias, y);
            }
            """);
        Assert.Empty(result.Analyzer);
    }

    // ---- TDSL0201: one buffer as a written tensor and another tensor of the call ----

    [Fact]
    public void Same_array_as_input_and_output_is_TDSL0201_on_the_output()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] a) => Ops.Smooth(a, a);
            }
            """, "TDSL0201");
        string line = d.Location.SourceTree!.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString();
        Assert.Equal(line.IndexOf("a, a)", System.StringComparison.Ordinal) + 3, d.Location.GetLineSpan().StartLinePosition.Character);
        Assert.Equal("a", AnalyzerHarness.TextAt(d));
        Assert.Equal("'a' is passed as both 'y' and 'x' of Ops.Smooth, which overwrites 'y' while it uses 'x'; pass a separate buffer as 'y' (generated methods do not work in place)", d.GetMessage());
    }

    [Fact]
    public void Same_tensor_through_its_spans_is_TDSL0201()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x4x8x8> t) => Ops.Smooth(t.ReadOnlySpan, t.Span);
            }
            """, "TDSL0201");
        Assert.Equal("t.Span", AnalyzerHarness.TextAt(d));
        Assert.StartsWith("'t' is passed as both 'y' and 'x' of Ops.Smooth", d.GetMessage());
    }

    [Fact]
    public void Same_tensor_to_a_typed_overload_is_TDSL0201()
    {
        Diagnostic d = Single("""
            public sealed class Calls
            {
                private readonly Tensor<float, Shape2x4x8x8> _t = Tensor<float, Shape2x4x8x8>.Allocate();

                public void Run() => Ops.Smooth(_t, _t);
            }
            """, "TDSL0201");
        Assert.Equal("'_t' is passed as both 'y' and 'x' of Ops.Smooth, which overwrites 'y' while it uses 'x'; pass a separate buffer as 'y' (generated methods do not work in place)", d.GetMessage());
    }

    [Fact]
    public void Two_outputs_sharing_a_buffer_are_TDSL0201_once()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run(float[] x, float[] w, float[] gy, float[] gw, float[] g) => Ops.Conv1Backward(x, w, gy, gx: g, gw: gw, gb: g.AsSpan());
            }
            """, "TDSL0201");
        Assert.Equal("g", AnalyzerHarness.TextAt(d));
        Assert.StartsWith("'g' is passed as both 'gx' and 'gb' of Ops.Conv1Backward", d.GetMessage());
    }

    [Fact]
    public void Same_buffer_for_two_inputs_or_separate_buffers_are_not_reported()
    {
        AnalyzerHarness.Result result = Analyze("""
            public static class Calls
            {
                public static void Run(float[] a, float[] b, float[] g)
                {
                    Ops.Smooth(a, b);
                    Ops.Conv1BackwardWeight(g.AsSpan(0, 384), g.AsSpan(0, 512), b);   // overlapping slices: the run-time check's job
                    Ops.SmoothBackward(a, b);
                }
            }
            """);
        Assert.Empty(result.Analyzer);
    }

    // ---- TDSL0202: a tensor made from an array of the wrong constant length ----

    [Fact]
    public void Tensor_from_an_array_of_the_wrong_length_is_TDSL0202()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static Tensor<float, Shape4> Bias() => new Tensor<float, Shape4>(new float[5]);
            }
            """, "TDSL0202");
        Assert.Equal("new float[5]", AnalyzerHarness.TextAt(d));
        Assert.Equal("'new float[5]' has 5 elements but Tensor<float, Shape4> needs 4 (4); create it with Tensor<float, Shape4>.Allocate() or from an array of 4 elements", d.GetMessage());
    }

    [Fact]
    public void Target_typed_tensor_creation_is_TDSL0202_too()
    {
        Diagnostic d = Single("""
            public static class Calls
            {
                public static void Run()
                {
                    float[] data = [1f, 2f, 3f];
                    Tensor<float, Shape4> bias = new(data);
                }
            }
            """, "TDSL0202");
        Assert.Equal("'data' ([1f, 2f, 3f]) has 3 elements but Tensor<float, Shape4> needs 4 (4); create it with Tensor<float, Shape4>.Allocate() or from an array of 4 elements", d.GetMessage());
    }

    [Fact]
    public void Tensors_of_the_right_or_unknown_length_are_not_reported()
    {
        AnalyzerHarness.Result result = Analyze("""
            public static class Calls
            {
                public static void Run(float[] any, int n)
                {
                    var a = new Tensor<float, Shape4>(new float[4]);
                    var b = new Tensor<float, Shape2x4x8x8>(new float[Ops.Conv1Shape.YLength]);
                    var c = new Tensor<float, Shape4>(any);
                    var d = new Tensor<float, Shape4>(new float[n]);
                }
            }
            """);
        Assert.Empty(result.Analyzer);
    }

    // ---- TDSL0203: a tensor of another shape type than the typed overload's ----

    private static Diagnostic SingleWithCompilerErrors(string code)
    {
        AnalyzerHarness.Result result = AnalyzerHarness.Run(Operators + code);
        Assert.NotEmpty(result.Compiler);
        Assert.All(result.Compiler, d => Assert.Equal("CS1503", d.Id)); // the compiler's own errors, against the span overload
        Diagnostic diagnostic = Assert.Single(result.Analyzer);
        Assert.Equal("TDSL0203", diagnostic.Id);
        return diagnostic;
    }

    [Fact]
    public void Tensor_of_another_shape_is_TDSL0203_naming_only_that_argument()
    {
        Diagnostic d = SingleWithCompilerErrors("""
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x4x4x4> small, Tensor<float, Shape4x3x3x3> w, Tensor<float, Shape4> b, Tensor<float, Shape2x4x8x8> y)
                    => Ops.Conv1(small, w, b, y);
            }
            """);
        Assert.Equal("small", AnalyzerHarness.TextAt(d));
        Assert.Equal("'small' is Tensor<float, Shape2x4x4x4> (2×4×4×4) but 'x' of Ops.Conv1 takes Tensor<float, Shape2x3x8x8> (2×3×8×8); pass a Tensor<float, Shape2x3x8x8> (Tensor<float, Shape2x3x8x8>.Allocate() makes one)", d.GetMessage());
    }

    [Fact]
    public void Only_the_misplaced_use_of_a_tensor_is_named()
    {
        // y is right as the output and wrong as the input: one diagnostic, on the first argument.
        Diagnostic d = SingleWithCompilerErrors("""
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x4x4x4> y, Tensor<int, Shape2x4x4x4> i)
                    => Ops.Pool(y, y, i);
            }
            """);
        string line = d.Location.SourceTree!.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString();
        Assert.Equal(line.IndexOf("Pool(y", System.StringComparison.Ordinal) + "Pool(".Length, d.Location.GetLineSpan().StartLinePosition.Character);
        Assert.Equal("'y' is Tensor<float, Shape2x4x4x4> (2×4×4×4) but 'x' of Ops.Pool takes Tensor<float, Shape2x4x8x8> (2×4×8×8); pass a Tensor<float, Shape2x4x8x8> (Tensor<float, Shape2x4x8x8>.Allocate() makes one)", d.GetMessage());
    }

    [Fact]
    public void Tensor_of_the_same_count_but_other_dimensions_suggests_reshape()
    {
        AnalyzerHarness.Result result = AnalyzerHarness.Run(Operators + """
            public static partial class More
            {
                [AvgPool2d(Batch = 2, Channels = 3, Height = 8, Width = 8, Kernel = 1)]
                public static partial void Same(ReadOnlySpan<float> x, Span<float> y);
                [AvgPool2d(Batch = 1, Channels = 6, Height = 8, Width = 8, Kernel = 1)]
                public static partial void Flat(ReadOnlySpan<float> x, Span<float> y);
            }

            public static class Calls
            {
                public static void Run(Tensor<float, Shape1x6x8x8> flat, Tensor<float, Shape2x3x8x8> y) => More.Same(flat, y);
            }
            """);
        Diagnostic d = Assert.Single(result.Analyzer);
        Assert.Equal("TDSL0203", d.Id);
        Assert.Equal("'flat' is Tensor<float, Shape1x6x8x8> (1×6×8×8) but 'x' of More.Same takes Tensor<float, Shape2x3x8x8> (2×3×8×8); pass a Tensor<float, Shape2x3x8x8> (Tensor<float, Shape2x3x8x8>.Allocate() makes one), or, if the data is laid out as 2×3×8×8, 'flat.Reshape<Shape2x3x8x8>()'", d.GetMessage());
    }

    [Fact]
    public void Tensor_of_another_element_type_is_TDSL0203()
    {
        Diagnostic d = SingleWithCompilerErrors("""
            public static class Calls
            {
                public static void Run(Tensor<float, Shape2x4x8x8> x, Tensor<float, Shape2x4x4x4> y, Tensor<float, Shape2x4x4x4> positions)
                    => Ops.Pool(x, y, indexes: positions);
            }
            """);
        Assert.Equal("positions", AnalyzerHarness.TextAt(d));
        Assert.StartsWith("'positions' is Tensor<float, Shape2x4x4x4> (2×4×4×4) but 'indexes' of Ops.Pool takes Tensor<int, Shape2x4x4x4> (2×4×4×4);", d.GetMessage());
    }

    // ---- robustness ----

    [Fact]
    public void Broken_code_does_not_make_the_analyzer_throw()
    {
        // Syntax and binding errors everywhere a creation or argument could be; the harness fails on AD0001.
        AnalyzerHarness.Result result = AnalyzerHarness.Run(Operators + """
            public static class Calls
            {
                public static void Run(float[] x)
                {
                    Ops.Conv1(new float[], x, stackalloc float[Missing], new Unknown[3]);
                    Ops.Conv1(new float[-1], [.. nothing], x);
                    Ops.Smooth(x, x, x);
                    var t = new Tensor<float, Shape4>(;
                    float[] local = new float[3]
                    Ops.Smooth(local
                }
            }
            """);
        Assert.NotEmpty(result.Compiler);
    }

    [Fact]
    public async System.Threading.Tasks.Task Nothing_is_reported_where_TensorDsl_is_not_referenced()
    {
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "Plain",
            new[] { Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("static class C { static void M(System.Span<float> s) { } static void N() => M(new float[3]); }") },
            new[] { MetadataReference.CreateFromFile(typeof(object).Assembly.Location) });
        var diagnostics = await compilation.WithAnalyzers(System.Collections.Immutable.ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(new TensorDsl.Generators.Analyzers.TensorCallSiteAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);
    }
}
