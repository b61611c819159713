using System;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>
/// One test per diagnostic a [Model] class can get: id, severity, the exact source text it points at, the key parts
/// of its message, and every other diagnostic of the build (generator and compiler). When the generator declines
/// to generate a model, the compiler adds CS9248 ("Partial property must have an implementation part") for every
/// layer property; those are asserted too, so that a change in that experience shows up here.
/// </summary>
public class ModelDiagnosticsTests
{
    private const string Header = "using System;\nusing TensorDsl;\nusing TensorDsl.Models;\nnamespace Demo;\n\n";

    private const string ModelFile = "Demo.Net.TensorDsl.Model.g.cs";

    private static GeneratorHarness.Result Run(string declarations) => GeneratorHarness.Run(Header + declarations);

    /// <summary>
    /// The source text a diagnostic points at. Generator diagnostics carry a path and span but no syntax tree
    /// (the generator keeps locations as plain data), so the tree is looked up by path.
    /// </summary>
    private static string Located(GeneratorHarness.Result result, Diagnostic diagnostic)
    {
        Assert.True(diagnostic.Location != Location.None, diagnostic.Id + " has no location: " + diagnostic);
        string path = diagnostic.Location.GetLineSpan().Path;
        SyntaxTree tree = diagnostic.Location.SourceTree ?? result.Output.SyntaxTrees.Single(t => t.FilePath == path);
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);

    /// <summary>Asserts the whole set of warnings and errors, each as "id severity: located text", in any order.</summary>
    private static void AssertDiagnostics(GeneratorHarness.Result result, params string[] expected)
    {
        string[] actual = result.All
            .Select(d => d.Id + " " + d.Severity + ": " + Located(result, d))
            .OrderBy(s => s, StringComparer.Ordinal)
            .ToArray();
        string[] wanted = expected.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        Assert.True(
            wanted.SequenceEqual(actual),
            "Expected:\n  " + string.Join("\n  ", wanted) + "\nActual:\n  " + string.Join("\n  ", result.All.Select(d => d.ToString())));
    }

    /// <summary>The one diagnostic with this id (the generator's), asserting its severity.</summary>
    private static Diagnostic Single(GeneratorHarness.Result result, string id, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(severity, diagnostic.Severity);
        return diagnostic;
    }

    /// <summary>Asserts that the user's project with the generated code compiles to an assembly, without a warning.</summary>
    private static void AssertCompiles(GeneratorHarness.Result result)
    {
        using System.IO.MemoryStream stream = new();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = result.Output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        Assert.Empty(emitted.Diagnostics.Where(d => d.Severity > DiagnosticSeverity.Info));
    }

    /// <summary>The compiler's error for a partial layer property that the generator left without an implementation.</summary>
    private static string Unimplemented(string property) => "CS9248 Error: " + property;

    // ---- TDSL0102: Linear InFeatures ----

    [Fact]
    public void TDSL0102_Linear_InFeatures_disagreeing_with_the_flattened_input_is_on_the_argument()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Height = 32, Width = 32)]
            public partial class LeNet
            {
                [Conv2d(OutChannels = 6, Kernel = 5)]
                public partial Layer<float> conv1 { get; }

                [MaxPool2d(Kernel = 2)]
                public partial Layer<float> pool1 { get; }

                [Conv2d(OutChannels = 16, Kernel = 5)]
                public partial Layer<float> conv2 { get; }

                [MaxPool2d(Kernel = 2)]
                public partial Layer<float> pool2 { get; }

                [Linear(OutFeatures = 10, InFeatures = 1024)]
                public partial Layer<float> fc1 { get; }

                [SoftmaxCrossEntropy]
                public partial Layer<float> loss { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0102");
        Assert.Equal("InFeatures = 1024", Located(result, d));
        Assert.Equal("'fc1' expects 1024 inputs but 'pool2' produces 16×5×5 = 400; remove InFeatures (it is inferred) or set it to 400", Message(d));
        AssertDiagnostics(
            result,
            "TDSL0102 Error: InFeatures = 1024",
            Unimplemented("conv1"),
            Unimplemented("pool1"),
            Unimplemented("conv2"),
            Unimplemented("pool2"),
            Unimplemented("fc1"),
            Unimplemented("loss"));
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void TDSL0102_after_Flatten_counts_the_features_without_repeating_the_image_shape()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 3, Height = 4, Width = 4)]
            public partial class Net
            {
                [Flatten]
                public partial Layer<float> Flat { get; }

                [Linear(InFeatures = 16, OutFeatures = 4)]
                public partial Layer<float> Fc { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0102");
        Assert.Equal("InFeatures = 16", Located(result, d));
        Assert.Equal("'Fc' expects 16 inputs but 'Flat' produces 48; remove InFeatures (it is inferred) or set it to 48", Message(d));
        AssertDiagnostics(result, "TDSL0102 Error: InFeatures = 16", Unimplemented("Flat"), Unimplemented("Fc"));
    }

    [Fact]
    public void Linear_InFeatures_equal_to_the_inferred_count_is_accepted()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 3, Height = 4, Width = 4)]
            public partial class Net
            {
                [Linear(InFeatures = 48, OutFeatures = 4)]
                public partial Layer<float> Fc { get; }
            }
            """);

        Assert.Empty(result.All);
        Assert.Contains(ModelFile, result.Sources.Keys);
        AssertCompiles(result);
    }

    /// <summary>Regression: InFeatures = 0 is documented as "inferred" but was reported as TDSL0102 ("expects 0 inputs").</summary>
    [Fact]
    public void Linear_InFeatures_zero_means_inferred()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 3, Height = 4, Width = 4)]
            public partial class Net
            {
                [Conv2d(OutChannels = 2, Kernel = 1)]
                public partial Layer<float> Conv { get; }

                [Linear(InFeatures = 0, OutFeatures = 4)]
                public partial Layer<float> Fc { get; }
            }
            """);

        Assert.Empty(result.All);
        AssertCompiles(result);
        Assert.Contains("In = 32, Out = 4", result.Sources[ModelFile]);
    }

    /// <summary>
    /// Regression: a Linear layer with no parameters before it needs no input gradient, and the generated code used to
    /// declare its input-gradient job anyway, never assigned (three CS0649 warnings, errors with warnings as errors).
    /// </summary>
    [Fact]
    public void A_perceptron_whose_first_layer_is_Linear_compiles_without_warnings()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 4, Channels = 1, Width = 6)]
            public partial class Net
            {
                [Flatten]
                public partial Layer<float> Flat { get; }

                [Linear(OutFeatures = 5)]
                public partial Layer<float> Hidden { get; }

                [Tanh]
                public partial Layer<float> Act { get; }

                [Linear(OutFeatures = 3)]
                public partial Layer<float> Out { get; }

                [SoftmaxCrossEntropy]
                public partial Layer<float> Ce { get; }
            }
            """);

        Assert.Empty(result.All);
        AssertCompiles(result);
        string source = result.Sources[ModelFile];
        Assert.DoesNotContain("Net_Hidden_LinearBackwardInput", source);
        Assert.Contains("Net_Out_LinearBackwardInput", source);
    }

    /// <summary>Regression: when the first layer disagrees with the model's input, messages said 'the input' in quotes, as if it were a layer.</summary>
    [Fact]
    public void TDSL0102_on_the_first_layer_names_the_input_without_quotes()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Height = 28, Width = 28)]
            public partial class Net
            {
                [Linear(OutFeatures = 10, InFeatures = 700)]
                public partial Layer<float> Fc { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0102");
        Assert.Equal("InFeatures = 700", Located(result, d));
        Assert.Equal("'Fc' expects 700 inputs but the input produces 1×28×28 = 784; remove InFeatures (it is inferred) or set it to 784", Message(d));
        AssertDiagnostics(result, "TDSL0102 Error: InFeatures = 700", Unimplemented("Fc"));
    }

    [Fact]
    public void TDSL0103_on_the_first_layer_names_the_input_without_quotes()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Height = 8, Width = 8)]
            public partial class Net
            {
                [Conv2d(InChannels = 3, OutChannels = 4, Kernel = 3)]
                public partial Layer<float> Conv1 { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0103");
        Assert.Equal("InChannels = 3", Located(result, d));
        Assert.Equal("'Conv1' declares InChannels = 3 but the input produces 1; remove InChannels (sizes are inferred in a model) or set it to 1", Message(d));
        AssertDiagnostics(result, "TDSL0103 Error: InChannels = 3", Unimplemented("Conv1"));
    }

    [Fact]
    public void TDSL0107_on_the_first_layer_names_the_input_without_quotes()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [SoftmaxCrossEntropy]
                public partial Layer<float> Ce { get; }

                [ReLU]
                public partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0107");
        Assert.Equal("SoftmaxCrossEntropy", Located(result, d));
        Assert.Equal("[SoftmaxCrossEntropy] 'Ce' takes N×classes features but the input produces 2×1×1×4; end the network with [Flatten] and a [Linear] layer", Message(d));
        AssertDiagnostics(result, "TDSL0107 Error: SoftmaxCrossEntropy", Unimplemented("Ce"), Unimplemented("Act"));
    }

    // ---- Window layers: operator diagnostics on the layer's attribute ----

    [Fact]
    public void TDSL0005_pooling_window_larger_than_its_input_is_on_the_Kernel_argument()
    {
        // Input 1×2×8×8, the first pool makes it 4×4, so the second pool's 8×8 window does not fit.
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 2, Height = 8, Width = 8)]
            public partial class Net
            {
                [MaxPool2d(Kernel = 2)]
                public partial Layer<float> Pool1 { get; }

                [MaxPool2d(Kernel = 8)]
                public partial Layer<float> Pool2 { get; }
            }
            """);

        // A square kernel that does not fit is reported once per axis, both times on the same argument.
        Diagnostic[] errors = result.GeneratorDiagnostics.ToArray();
        Assert.All(errors, d => Assert.Equal(("TDSL0005", DiagnosticSeverity.Error, "Kernel = 8"), (d.Id, d.Severity, Located(result, d))));
        Assert.Equal(
            new[]
            {
                "[MaxPool2d] the height kernel 8 is larger than the padded input height 4 + 2·0 = 4, so the output height would be 0; use a kernel of at most 4 or more padding",
                "[MaxPool2d] the width kernel 8 is larger than the padded input width 4 + 2·0 = 4, so the output width would be 0; use a kernel of at most 4 or more padding",
            },
            errors.Select(Message).OrderBy(m => m, StringComparer.Ordinal));
        AssertDiagnostics(result, "TDSL0005 Error: Kernel = 8", "TDSL0005 Error: Kernel = 8", Unimplemented("Pool1"), Unimplemented("Pool2"));
    }

    [Fact]
    public void TDSL0005_convolution_kernel_too_large_for_the_inferred_input_is_on_the_Kernel_argument()
    {
        // 1×1×4×8: the 6×6 kernel fits the width, not the height, so exactly one axis is reported.
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Height = 4, Width = 8)]
            public partial class Net
            {
                [ReLU]
                public partial Layer<float> Act { get; }

                [Conv2d(OutChannels = 2, Kernel = 6)]
                public partial Layer<float> Conv { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0005");
        Assert.Equal("Kernel = 6", Located(result, d));
        Assert.Equal("[Conv2d] the height kernel 6 is larger than the padded input height 4 + 2·0 = 4, so the output height would be -1; use a kernel of at most 4 or more padding", Message(d));
        AssertDiagnostics(result, "TDSL0005 Error: Kernel = 6", Unimplemented("Act"), Unimplemented("Conv"));
    }

    [Fact]
    public void TDSL0006_stride_that_does_not_tile_is_a_warning_and_the_model_still_compiles()
    {
        // 6×7 input, kernel 3, stride 2: the height (6 − 3 = 3) does not divide, the width (7 − 3 = 4) does.
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Height = 6, Width = 7)]
            public partial class Net
            {
                [Conv2d(OutChannels = 2, Kernel = 3, Stride = 2)]
                public partial Layer<float> Conv { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0006", DiagnosticSeverity.Warning);
        Assert.Equal("Stride = 2", Located(result, d));
        Assert.Contains("(6 + 2·0 − 3) = 3 is not divisible by the height stride 2", Message(d));
        Assert.Contains("the output height floors to 2 and the last 1 padded input row is never read", Message(d));
        AssertDiagnostics(result, "TDSL0006 Warning: Stride = 2");
        Assert.Contains(ModelFile, result.Sources.Keys);
        AssertCompiles(result);
    }

    [Fact]
    public void TDSL0103_explicit_InChannels_disagreeing_with_the_previous_layer_is_on_the_argument()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Height = 8, Width = 8)]
            public partial class Net
            {
                [Conv2d(OutChannels = 4, Kernel = 3)]
                public partial Layer<float> Conv1 { get; }

                [Conv2d(InChannels = 3, OutChannels = 4, Kernel = 3)]
                public partial Layer<float> Conv2 { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0103");
        Assert.Equal("InChannels = 3", Located(result, d));
        Assert.Equal("'Conv2' declares InChannels = 3 but 'Conv1' produces 4; remove InChannels (sizes are inferred in a model) or set it to 4", Message(d));
        AssertDiagnostics(result, "TDSL0103 Error: InChannels = 3", Unimplemented("Conv1"), Unimplemented("Conv2"));
    }

    [Fact]
    public void TDSL0103_explicit_Height_on_a_pooling_layer_is_checked_too()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Height = 8, Width = 8)]
            public partial class Net
            {
                [MaxPool2d(Kernel = 2)]
                public partial Layer<float> Pool1 { get; }

                [AvgPool2d(Kernel = 2, Channels = 1, Height = 8)]
                public partial Layer<float> Pool2 { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0103");
        Assert.Equal("Height = 8", Located(result, d));
        Assert.Contains("'Pool2' declares Height = 8 but 'Pool1' produces 4", Message(d));
        AssertDiagnostics(result, "TDSL0103 Error: Height = 8", Unimplemented("Pool1"), Unimplemented("Pool2"));
    }

    [Fact]
    public void TDSL0104_image_layer_after_Flatten_is_on_its_attribute()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                [Flatten]
                public partial Layer<float> Flat { get; }

                [Conv2d(OutChannels = 2, Kernel = 3)]
                public partial Layer<float> Conv { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0104");
        Assert.Equal("Conv2d(OutChannels = 2, Kernel = 3)", Located(result, d));
        Assert.Equal("'Conv' ([Conv2d]) takes an image N×C×H×W but 'Flat' produces features 2×16; move 'Conv' before the [Flatten] or [Linear] layer", Message(d));
        AssertDiagnostics(result, "TDSL0104 Error: Conv2d(OutChannels = 2, Kernel = 3)", Unimplemented("Flat"), Unimplemented("Conv"));
    }

    [Fact]
    public void TDSL0104_pooling_after_Linear_is_on_its_attribute()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                [Linear(OutFeatures = 8)]
                public partial Layer<double> Fc { get; }

                [AvgPool2d(Kernel = 2)]
                public partial Layer<double> Pool { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0104");
        Assert.Equal("AvgPool2d(Kernel = 2)", Located(result, d));
        Assert.Contains("'Pool' ([AvgPool2d]) takes an image N×C×H×W but 'Fc' produces features 2×8", Message(d));
        AssertDiagnostics(result, "TDSL0104 Error: AvgPool2d(Kernel = 2)", Unimplemented("Fc"), Unimplemented("Pool"));
    }

    [Fact]
    public void Operator_TDSL0004_on_a_layer_is_on_the_argument()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                [Conv2d(OutChannels = 2, Kernel = 3, Stride = 0)]
                public partial Layer<float> Conv { get; }
            }
            """);

        Assert.NotEmpty(result.GeneratorDiagnostics);
        Assert.All(result.GeneratorDiagnostics, d => Assert.Equal("[Conv2d] Stride = 0; a stride must be at least 1", Message(d)));

        // Both axes read the one Stride argument; it is reported once.
        AssertDiagnostics(result, "TDSL0004 Error: Stride = 0", Unimplemented("Conv"));
    }

    [Fact]
    public void Operator_TDSL0007_on_a_Deconv2d_layer_is_on_the_OutputPadding_argument()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                [Deconv2d(OutChannels = 2, Kernel = 3, Stride = 2, OutputPaddingHeight = 2)]
                public partial Layer<float> Up { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0007");
        Assert.Equal("OutputPaddingHeight = 2", Located(result, d));
        Assert.Equal("[Deconv2d] OutputPaddingHeight = 2 but the height stride is 2; output padding must be at least 0 and below the stride (0 to 1)", Message(d));
        AssertDiagnostics(result, "TDSL0007 Error: OutputPaddingHeight = 2", Unimplemented("Up"));
    }

    [Fact]
    public void Operator_TDSL0011_on_a_Linear_layer_is_on_its_attribute()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Width = 100000)]
            public partial class Net
            {
                [Linear(OutFeatures = 100000)]
                public partial Layer<float> Fc { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0011");
        Assert.Equal("Linear(OutFeatures = 100000)", Located(result, d));
        Assert.Contains("the tensor w of 'Fc' would have 100000×100000 = 10000000000 elements", Message(d));
        AssertDiagnostics(result, "TDSL0011 Error: Linear(OutFeatures = 100000)", Unimplemented("Fc"));
    }

    [Fact]
    public void Operator_TDSL0012_pooling_padding_on_a_layer_is_on_the_Pad_argument()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Height = 8, Width = 8)]
            public partial class Net
            {
                [AvgPool2d(Kernel = 2, PadHeight = 2)]
                public partial Layer<float> Pool { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0012");
        Assert.Equal("PadHeight = 2", Located(result, d));
        Assert.Equal("[AvgPool2d] PadHeight = 2 is more than half the height kernel 2, so a window could lie entirely in the padding; use a padding of at most 1", Message(d));
        AssertDiagnostics(result, "TDSL0012 Error: PadHeight = 2", Unimplemented("Pool"));
    }

    [Fact]
    public void Operator_TDSL0003_Conv2d_layer_without_OutChannels_is_on_its_attribute()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 1, Channels = 1, Height = 8, Width = 8)]
            public partial class Net
            {
                [Conv2d(Kernel = 3)]
                public partial Layer<float> Conv { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0003");
        Assert.Equal("Conv2d(Kernel = 3)", Located(result, d));
        Assert.Equal("[Conv2d] OutChannels is not set; the output channel count OC must be at least 1", Message(d));
        AssertDiagnostics(result, "TDSL0003 Error: Conv2d(Kernel = 3)", Unimplemented("Conv"));
    }

    // ---- The model class ----

    [Fact]
    public void TDSL0002_model_class_not_partial_is_on_the_class_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public class Net
            {
                [ReLU]
                public partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0002");
        Assert.Equal("Net", Located(result, d));
        Assert.Contains("add the 'partial' modifier to 'Net'", Message(d));

        // The compiler rejects the partial property in a non-partial class on its own (CS0751) as well.
        AssertDiagnostics(result, "TDSL0002 Error: Net", "CS0751 Error: Act", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0002_enclosing_class_not_partial_names_it()
    {
        GeneratorHarness.Result result = Run("""
            public class Outer
            {
                [Model(Batch = 2, Channels = 1)]
                public partial class Net
                {
                    [ReLU]
                    public partial Layer<float> Act { get; }
                }
            }
            """);

        Diagnostic d = Single(result, "TDSL0002");
        Assert.Equal("Net", Located(result, d));
        Assert.Contains("add the 'partial' modifier to 'Outer'", Message(d));
        AssertDiagnostics(result, "TDSL0002 Error: Net", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0100_static_model_is_on_the_class_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public static partial class Net
            {
                [ReLU]
                public static partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0100");
        Assert.Equal("Net", Located(result, d));
        Assert.Equal("[Model] is on 'Net', which is static; declare it as 'public partial class Net' (not static, without type parameters)", Message(d));
        AssertDiagnostics(result, "TDSL0100 Error: Net", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0100_generic_model_is_on_the_class_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial class Net<T>
            {
                [ReLU]
                public partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0100");
        Assert.Equal("Net", Located(result, d));
        Assert.Contains("[Model] is on 'Net', which has type parameters", Message(d));
        AssertDiagnostics(result, "TDSL0100 Error: Net", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0100_record_model_is_on_the_class_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial record Net
            {
                [ReLU]
                public partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0100");
        Assert.Equal("Net", Located(result, d));
        Assert.Contains("[Model] is on 'Net', which is not a class", Message(d));
        AssertDiagnostics(result, "TDSL0100 Error: Net", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0003_Model_without_Batch_is_on_the_attribute()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Channels = 1, Width = 4)]
            public partial class Net
            {
                [ReLU]
                public partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0003");
        Assert.Equal("Model(Channels = 1, Width = 4)", Located(result, d));
        Assert.Equal("[Model] Batch is not set; the batch size N must be at least 1", Message(d));
        AssertDiagnostics(result, "TDSL0003 Error: Model(Channels = 1, Width = 4)", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0003_Model_with_zero_Batch_is_on_the_argument()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 0, Channels = 1, Width = 4)]
            public partial class Net
            {
                [ReLU]
                public partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0003");
        Assert.Equal("Batch = 0", Located(result, d));
        Assert.Equal("[Model] Batch is 0; the batch size N must be at least 1", Message(d));
        AssertDiagnostics(result, "TDSL0003 Error: Batch = 0", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0013_user_member_named_like_a_generated_one_is_on_the_class_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [ReLU]
                public partial Layer<float> Act { get; }

                public void Forward()
                {
                }
            }
            """);

        Diagnostic d = Single(result, "TDSL0013");
        Assert.Equal("Net", Located(result, d));
        Assert.Contains("'Net' already has a member named 'Forward'", Message(d));
        AssertDiagnostics(result, "TDSL0013 Error: Net", Unimplemented("Act"));
    }

    /// <summary>
    /// Regression: a layer named like a generated member (a loss layer called Loss is natural) was exempt from
    /// TDSL0013, and the build failed with CS0102 inside the generated file instead.
    /// </summary>
    [Theory]
    [InlineData("Loss")]
    [InlineData("Output")]
    [InlineData("Training")]
    public void TDSL0013_layer_named_like_a_generated_member_is_on_the_property_identifier(string name)
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [Linear(OutFeatures = 3)]
                public partial Layer<float> Fc { get; }

                [SoftmaxCrossEntropy]
                public partial Layer<float> NAME { get; }
            }
            """.Replace("NAME", name, StringComparison.Ordinal));

        Diagnostic d = Single(result, "TDSL0013");
        Assert.Equal(name, Located(result, d));
        Assert.Contains("'Net' already has a member named '" + name + "'", Message(d));
        AssertDiagnostics(result, "TDSL0013 Error: " + name, Unimplemented("Fc"), Unimplemented(name));
    }

    [Fact]
    public void TDSL0108_model_without_layers_is_on_the_class_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial class Net
            {
                public int Other { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0108");
        Assert.Equal("Net", Located(result, d));
        Assert.StartsWith("'Net' is a [Model] without layers; add partial Layer<T> properties", Message(d));
        AssertDiagnostics(result, "TDSL0108 Error: Net");
    }

    /// <summary>Regression: a model whose only layer is its loss crashed the emitter (TDSL0099 without a location).</summary>
    [Fact]
    public void TDSL0108_model_whose_only_layer_is_its_loss_is_on_the_class_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [MeanSquaredError]
                public partial Layer<float> Mse { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0108");
        Assert.Equal("Net", Located(result, d));
        Assert.StartsWith("'Net' is a [Model] without layers before its loss 'Mse'; add partial Layer<T> properties", Message(d));
        AssertDiagnostics(result, "TDSL0108 Error: Net", Unimplemented("Mse"));
    }

    // ---- Layer properties ----

    [Fact]
    public void TDSL0101_layer_property_not_partial_is_on_the_property_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial class Net
            {
                [ReLU]
                public Layer<float> Act { get; }

                [Tanh]
                public partial Layer<float> Squash { get; }

                [Sigmoid]
                public partial Layer<float> Gate { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0101");
        Assert.Equal("Act", Located(result, d));
        Assert.Equal("The layer 'Act' is not partial; declare it as 'public partial Layer<float> Act { get; }' (or Layer<double>)", Message(d));

        // The non-partial property is an ordinary auto-property to the compiler, hence its nullability warning;
        // one bad layer leaves every other layer unimplemented.
        AssertDiagnostics(result, "TDSL0101 Error: Act", "CS8618 Warning: Act", Unimplemented("Squash"), Unimplemented("Gate"));
    }

    [Fact]
    public void TDSL0101_layer_property_of_the_wrong_type_is_on_the_property_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial class Net
            {
                [ReLU]
                public partial int Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0101");
        Assert.Equal("Act", Located(result, d));
        Assert.Contains("The layer 'Act' has type 'int'", Message(d));
        AssertDiagnostics(result, "TDSL0101 Error: Act", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0101_layer_property_with_a_setter_is_on_the_property_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial class Net
            {
                [ReLU]
                public partial Layer<float> Act { get; set; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0101");
        Assert.Equal("Act", Located(result, d));
        Assert.Contains("The layer 'Act' is not get-only", Message(d));
        AssertDiagnostics(result, "TDSL0101 Error: Act", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0101_static_layer_property_is_on_the_property_identifier()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial class Net
            {
                [ReLU]
                public static partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0101");
        Assert.Equal("Act", Located(result, d));
        Assert.Contains("The layer 'Act' is static", Message(d));
        AssertDiagnostics(result, "TDSL0101 Error: Act", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0109_two_layer_attributes_on_one_property_is_on_the_first()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial class Net
            {
                [ReLU]
                [Tanh]
                public partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0109");
        Assert.Equal("ReLU", Located(result, d));
        Assert.Equal("'Act' carries both [ReLU] and [Tanh]; a property declares exactly one layer", Message(d));
        AssertDiagnostics(result, "TDSL0109 Error: ReLU", Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0110_float_and_double_layers_mixed_is_on_the_odd_property()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1)]
            public partial class Net
            {
                [ReLU]
                public partial Layer<float> Act { get; }

                [Tanh]
                public partial Layer<double> Squash { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0110");
        Assert.Equal("Squash", Located(result, d));
        Assert.Equal("'Squash' is Layer<double> but 'Act' is Layer<float>; all layers of a model share float or double", Message(d));
        AssertDiagnostics(result, "TDSL0110 Error: Squash", Unimplemented("Act"), Unimplemented("Squash"));
    }

    // ---- Layer arguments and losses ----

    [Fact]
    public void TDSL0105_dropout_rate_above_one_is_on_the_Rate_argument()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [Dropout(Rate = 1.5)]
                public partial Layer<float> Drop { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0105");
        Assert.Equal("Rate = 1.5", Located(result, d));
        Assert.Equal("'Drop' has Rate = 1.5; the dropout rate must be at least 0 and below 1", Message(d));
        AssertDiagnostics(result, "TDSL0105 Error: Rate = 1.5", Unimplemented("Drop"));
    }

    [Fact]
    public void TDSL0105_LeakyReLU_slope_that_is_not_finite_is_on_the_Slope_argument()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [LeakyReLU(Slope = double.NaN)]
                public partial Layer<float> Leaky { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0105");
        Assert.Equal("Slope = double.NaN", Located(result, d));
        Assert.Equal("'Leaky' has Slope = NaN; the slope must be a finite number", Message(d));
        AssertDiagnostics(result, "TDSL0105 Error: Slope = double.NaN", Unimplemented("Leaky"));
    }

    [Fact]
    public void TDSL0003_Linear_without_OutFeatures_is_on_its_attribute()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [Linear]
                public partial Layer<float> Fc { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0003");
        Assert.Equal("Linear", Located(result, d));
        Assert.Equal("[Linear] OutFeatures is not set; the output feature count must be at least 1", Message(d));
        AssertDiagnostics(result, "TDSL0003 Error: Linear", Unimplemented("Fc"));
    }

    [Fact]
    public void TDSL0106_loss_that_is_not_last_is_on_its_attribute()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [Linear(OutFeatures = 3)]
                public partial Layer<float> Fc { get; }

                [MeanSquaredError]
                public partial Layer<float> Mse { get; }

                [ReLU]
                public partial Layer<float> Act { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0106");
        Assert.Equal("MeanSquaredError", Located(result, d));
        Assert.Equal("The loss 'Mse' must be the model's last layer, but 'Act' follows it; move 'Mse' to the end (a model has at most one loss)", Message(d));
        AssertDiagnostics(result, "TDSL0106 Error: MeanSquaredError", Unimplemented("Fc"), Unimplemented("Mse"), Unimplemented("Act"));
    }

    [Fact]
    public void TDSL0106_two_losses_report_the_first()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [Linear(OutFeatures = 3)]
                public partial Layer<float> Fc { get; }

                [SoftmaxCrossEntropy]
                public partial Layer<float> Ce { get; }

                [MeanSquaredError]
                public partial Layer<float> Mse { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0106");
        Assert.Equal("SoftmaxCrossEntropy", Located(result, d));
        Assert.Contains("The loss 'Ce' must be the model's last layer, but 'Mse' follows it", Message(d));
        AssertDiagnostics(result, "TDSL0106 Error: SoftmaxCrossEntropy", Unimplemented("Fc"), Unimplemented("Ce"), Unimplemented("Mse"));
    }

    [Fact]
    public void TDSL0107_SoftmaxCrossEntropy_after_an_image_is_on_its_attribute()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                [Conv2d(OutChannels = 3, Kernel = 3)]
                public partial Layer<float> Conv { get; }

                [SoftmaxCrossEntropy]
                public partial Layer<float> Loss1 { get; }
            }
            """);

        Diagnostic d = Single(result, "TDSL0107");
        Assert.Equal("SoftmaxCrossEntropy", Located(result, d));
        Assert.Equal("[SoftmaxCrossEntropy] 'Loss1' takes N×classes features but 'Conv' produces 2×3×2×2; end the network with [Flatten] and a [Linear] layer", Message(d));
        AssertDiagnostics(result, "TDSL0107 Error: SoftmaxCrossEntropy", Unimplemented("Conv"), Unimplemented("Loss1"));
    }

    // ---- Valid models ----

    private const string EveryLayerKind = """
        [Conv2d(OutChannels = 3, KernelHeight = 3, KernelWidth = 2, Pad = 1)]
        public partial Layer<double> Conv { get; }

        [LeakyReLU(Slope = 0.1)]
        public partial Layer<double> Leaky { get; }

        [AvgPool2d(Kernel = 2, Stride = 1)]
        public partial Layer<double> Avg { get; }

        [Deconv2d(OutChannels = 2, Kernel = 3, Stride = 2, Pad = 1)]
        public partial Layer<double> Up { get; }

        [Tanh]
        public partial Layer<double> Squash { get; }

        [MaxPool2d(Kernel = 3, Stride = 2, Pad = 1)]
        public partial Layer<double> Max { get; }

        [Sigmoid]
        public partial Layer<double> Gate { get; }

        [Flatten]
        public partial Layer<double> Flat { get; }

        [Linear(OutFeatures = 4)]
        public partial Layer<double> Dense { get; }

        [ReLU]
        public partial Layer<double> Relu { get; }

        [Dropout(Rate = 0.3)]
        public partial Layer<double> Drop { get; }

        [Linear(OutFeatures = 3, Bias = false)]
        public partial Layer<double> Out { get; }
        """;

    [Theory]
    [InlineData("SoftmaxCrossEntropy")]
    [InlineData("MeanSquaredError")]
    public void A_model_with_every_layer_kind_compiles_without_diagnostics(string loss)
    {
        GeneratorHarness.Result result = Run(
            "[Model(Batch = 2, Channels = 2, Height = 7, Width = 7)]\npublic partial class Net\n{\n"
            + EveryLayerKind
            + "\n\n[" + loss + "]\npublic partial Layer<double> Objective { get; }\n}\n");

        Assert.Empty(result.All);
        Assert.Equal(new[] { ModelFile }, result.CpuSources.Keys.ToArray());
        AssertCompiles(result);
    }

    [Fact]
    public void A_model_without_a_loss_compiles_without_diagnostics()
    {
        GeneratorHarness.Result result = Run("[Model(Batch = 2, Channels = 2, Height = 7, Width = 7)]\npublic partial class Net\n{\n" + EveryLayerKind + "\n}\n");

        Assert.Empty(result.All);
        AssertCompiles(result);
    }

    [Fact]
    public void A_model_nested_in_a_partial_class_compiles()
    {
        GeneratorHarness.Result result = Run("""
            public partial class Outer
            {
                [Model(Batch = 2, Channels = 1, Height = 4, Width = 4)]
                internal partial class Net
                {
                    [Conv2d(OutChannels = 2, Kernel = 3)]
                    public partial Layer<float> Conv { get; }

                    [Flatten]
                    public partial Layer<float> Flat { get; }

                    [MeanSquaredError]
                    public partial Layer<float> Mse { get; }
                }

                public static int Outputs() => Net.OutputLength + new Net(seed: 1).Conv.OutputShape[1];
            }
            """);

        Assert.Empty(result.All);
        Assert.Equal(new[] { "Demo.Outer.Net.TensorDsl.Model.g.cs" }, result.CpuSources.Keys.ToArray());
        AssertCompiles(result);
    }

    [Fact]
    public void A_model_in_the_global_namespace_compiles()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using TensorDsl;
            using TensorDsl.Models;

            [Model(Batch = 2, Channels = 1, Height = 4, Width = 4)]
            public partial class GlobalNet
            {
                [Conv2d(OutChannels = 2, Kernel = 3)]
                public partial Layer<float> Conv { get; }

                [Flatten]
                public partial Layer<float> Flat { get; }

                [Linear(OutFeatures = 3)]
                public partial Layer<float> Fc { get; }

                [SoftmaxCrossEntropy]
                public partial Layer<float> Ce { get; }
            }

            public static class User
            {
                public static float Step(float[] x, int[] labels) => new GlobalNet(seed: 1).TrainStep(x, labels);
            }
            """);

        Assert.Empty(result.All);
        Assert.Equal(new[] { "GlobalNet.TensorDsl.Model.g.cs" }, result.CpuSources.Keys.ToArray());
        AssertCompiles(result);
    }

    /// <summary>Regression: a layer named with a keyword (PyTorch's self.out) was emitted unescaped, and the generated file did not parse.</summary>
    [Fact]
    public void Layers_named_with_keywords_compile()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            public partial class Net
            {
                [Linear(OutFeatures = 3)]
                public partial Layer<float> @in { get; }

                [ReLU]
                public partial Layer<float> @class { get; }

                [Linear(OutFeatures = 2)]
                public partial Layer<float> @out { get; }

                [MeanSquaredError]
                public partial Layer<float> @fixed { get; }

                public static string Names() => new Net().@in.Name + new Net().@out.Name;
            }
            """);

        Assert.Empty(result.All);
        AssertCompiles(result);
        Assert.Contains("partial global::TensorDsl.Models.Layer<float> @out { get", result.Sources[ModelFile]);
    }

    [Fact]
    public void Layer_accessibility_is_kept()
    {
        GeneratorHarness.Result result = Run("""
            [Model(Batch = 2, Channels = 1, Width = 4)]
            internal partial class Net
            {
                [Conv2d(OutChannels = 2, Kernel = 1)]
                internal partial Layer<float> Conv { get; }

                [ReLU]
                private partial Layer<float> Act { get; }

                [Linear(OutFeatures = 3)]
                protected internal partial Layer<float> Fc { get; }
            }
            """);

        Assert.Empty(result.All);
        AssertCompiles(result);
        string source = result.Sources[ModelFile];
        Assert.Contains("internal partial global::TensorDsl.Models.Layer<float> Conv { get", source);
        Assert.Contains("private partial global::TensorDsl.Models.Layer<float> Act { get", source);
        Assert.Contains("protected internal partial global::TensorDsl.Models.Layer<float> Fc { get", source);
    }
}
