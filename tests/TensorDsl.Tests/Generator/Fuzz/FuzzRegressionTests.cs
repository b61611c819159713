using System.Linq;
using Microsoft.CodeAnalysis;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator.Fuzz;

/// <summary>
/// One test per generator bug the fuzzer found, each on the smallest declaration that showed it: valid ones must
/// compile without a single diagnostic, invalid ones must get the named TDSL error (and nothing in generated code).
/// </summary>
public sealed class FuzzRegressionTests
{
    private const string Usings = "using System;\nusing TensorDsl;\nusing TensorDsl.Models;\n";

    private const string Conv = "[Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 2)]";

    // ---- operators ----------------------------------------------------------------------------------------------

    /// <summary>Hint names rejected the '@' of 'namespace @class' (TDSL0099); type names were written unescaped.</summary>
    [Fact]
    public void Keyword_namespaces_and_type_names_are_escaped() => AssertCompilesCleanly(
        "namespace @class.x { public static partial class @event { public static partial class @class { " + Conv
        + " public static partial void @in(ReadOnlySpan<float> @in2, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y); } } }");

    /// <summary>A parameter named 'job' collided with the forward's local of that name (CS0841).</summary>
    [Fact]
    public void A_parameter_may_be_named_like_the_generated_local() => AssertCompilesCleanly(
        "public static partial class Ops { " + Conv + " public static partial void Conv1(ReadOnlySpan<float> job, ReadOnlySpan<float> _job, ReadOnlySpan<float> b, Span<float> y); }");

    /// <summary>'scoped', 'params' and 'this' were dropped from the implementation (CS8988, CS0758, …).</summary>
    [Theory]
    [InlineData("scoped Span<float> y")]
    [InlineData("params Span<float> y")]
    public void Parameter_modifiers_the_implementation_cannot_repeat_are_TDSL0009(string last)
        => AssertReports("TDSL0009", "public static partial class Ops { " + Conv + " public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, " + last + "); }");

    [Fact]
    public void An_extension_parameter_is_TDSL0009()
        => AssertReports("TDSL0009", "public static partial class Ops { " + Conv + " public static partial void Conv1(this ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y); }");

    /// <summary>The generated part of a file-local type is another type (CS0759).</summary>
    [Fact]
    public void An_operator_in_a_file_local_type_is_TDSL0001()
        => AssertReports("TDSL0001", "file static partial class Ops { " + Conv + " public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y); }");

    /// <summary>An async implementation never awaits (CS1998).</summary>
    [Fact]
    public void An_async_operator_is_TDSL0001()
        => AssertReports("TDSL0001", "public static partial class Ops { " + Conv + " public static async partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y); }");

    /// <summary>Two parameters of one name made the body ambiguous (CS0229) besides the user's CS0100.</summary>
    [Fact]
    public void Duplicate_parameter_names_leave_only_the_compilers_error()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + "public static partial class Ops { " + Conv + " public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> x, ReadOnlySpan<float> b, Span<float> y); }");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.All(result.CompilationDiagnostics, d => Assert.Equal("Source0.cs", d.Location.SourceTree?.FilePath));
        Assert.Contains(result.CompilationDiagnostics, d => d.Id == "CS0100");
    }

    /// <summary>An output axis beyond int.MaxValue (int.MaxValue rows plus padding) gave no spec and no diagnostic (CS8795).</summary>
    [Theory]
    [InlineData("[Im2col(Batch = 1, Channels = 1, Height = int.MaxValue, Width = 1, Kernel = 1, PadHeight = 1)] private static partial void Cols(ReadOnlySpan<double> x, Span<double> col);")]
    [InlineData("[Deconv2d(Batch = 1, InChannels = 1, Height = 1073741825, Width = 1, OutChannels = 1, Kernel = 1, StrideHeight = 2)] private static partial void Up(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);")]
    public void An_output_axis_beyond_int_MaxValue_is_TDSL0011(string method)
        => AssertReports("TDSL0011", "public static partial class Ops { " + method + " }");

    // ---- models -------------------------------------------------------------------------------------------------

    private const string Model = "[Model(Batch = 2, Channels = 1, Height = 6, Width = 6)]";

    /// <summary>A layer named like a generated member (Input, Loss, …) was not reported and collided (CS0102).</summary>
    [Theory]
    [InlineData("Input")]
    [InlineData("Loss")]
    [InlineData("Forward")]
    public void A_layer_named_like_a_generated_member_is_TDSL0013(string name)
        => AssertReports("TDSL0013", Model + " public partial class Net { [Conv2d(OutChannels = 2, Kernel = 3)] public partial Layer<float> " + name + " { get; } [Flatten] public partial Layer<float> Flat { get; } }");

    /// <summary>A window layer's kernel is a private method '{Layer}Kernel'; a member of that name collided.</summary>
    [Fact]
    public void A_member_named_like_a_layer_kernel_is_TDSL0013()
        => AssertReports("TDSL0013", Model + " public partial class Net { [Conv2d(OutChannels = 2, Kernel = 3)] public partial Layer<float> Conv1 { get; } [ReLU] public partial Layer<float> Conv1Kernel { get; } }");

    /// <summary>Layers Conv1 and conv1 shared the fields _conv1Output, … (CS0102).</summary>
    [Fact]
    public void Layers_differing_only_in_case_get_fields_of_their_own() => AssertCompilesCleanly(
        Model + " public partial class Net { [Conv2d(OutChannels = 2, Kernel = 3)] public partial Layer<float> Conv1 { get; } [Conv2d(OutChannels = 2, Kernel = 3)] public partial Layer<float> conv1 { get; } [Flatten] public partial Layer<float> Flat { get; } [Linear(OutFeatures = 3)] public partial Layer<float> Fc { get; } [SoftmaxCrossEntropy] public partial Layer<float> Loss1 { get; } }");

    /// <summary>A layer named with a keyword was written unescaped; so was a model class named with one.</summary>
    [Fact]
    public void Keyword_layer_and_model_names_are_escaped() => AssertCompilesCleanly(
        Model + " public partial class @class { [Conv2d(OutChannels = 2, Kernel = 3)] public partial Layer<float> @in { get; } [ReLU] public partial Layer<float> @event { get; } }");

    /// <summary>A model whose first Linear has nothing with parameters before it emitted an unused job (CS0649 warnings).</summary>
    [Fact]
    public void A_perceptron_compiles_without_warnings() => AssertCompilesCleanly(
        Model + " public partial class Net { [Flatten] public partial Layer<float> Flat { get; } [Linear(OutFeatures = 4)] public partial Layer<float> Fc1 { get; } [ReLU] public partial Layer<float> Relu { get; } [Linear(OutFeatures = 3)] public partial Layer<float> Fc2 { get; } [SoftmaxCrossEntropy] public partial Layer<float> Loss1 { get; } }");

    /// <summary>Only a loss, or only a flatten, crashed the emitter (TDSL0099, IndexOutOfRangeException).</summary>
    [Theory]
    [InlineData("[MeanSquaredError] public partial Layer<float> Loss1 { get; }")]
    [InlineData("[Flatten] public partial Layer<float> Flat { get; }")]
    [InlineData("[Flatten] public partial Layer<float> Flat { get; } [SoftmaxCrossEntropy] public partial Layer<float> Loss1 { get; }")]
    public void A_model_that_computes_nothing_is_TDSL0108(string layers)
        => AssertReports("TDSL0108", Model + " public partial class Net { " + layers + " }");

    /// <summary>An input of more than int.MaxValue elements overflowed into a negative array size (CS0248).</summary>
    [Fact]
    public void An_input_too_large_for_a_span_is_TDSL0011()
        => AssertReports("TDSL0011", "[Model(Batch = 8, Channels = 2147483647, Height = 4, Width = 12)] public partial class Net { [ReLU] public partial Layer<float> Relu { get; } }");

    /// <summary>A float model's slope was written as a float constant out of range (CS0594).</summary>
    [Fact]
    public void A_slope_out_of_float_range_is_TDSL0105()
        => AssertReports("TDSL0105", Model + " public partial class Net { [LeakyReLU(Slope = -1e300)] public partial Layer<float> Leaky { get; } }");

    /// <summary>Nullable, extern and abstract layer properties got implementations that could not match (CS9255, CS0179).</summary>
    [Theory]
    [InlineData("public partial Layer<float>? Relu { get; }")]
    [InlineData("public extern partial Layer<float> Relu { get; }")]
    public void Layer_properties_the_implementation_cannot_match_are_TDSL0101(string property)
        => AssertReports("TDSL0101", "#nullable enable\n" + Model + " public partial class Net { [ReLU] " + property + " }");

    /// <summary>A file-local model's generated part is another type.</summary>
    [Fact]
    public void A_file_local_model_is_TDSL0100()
        => AssertReports("TDSL0100", Model + " file partial class Net { [ReLU] public partial Layer<float> Relu { get; } }");

    /// <summary>A layer declared in another partial part of the model was silently left unimplemented (CS9248).</summary>
    [Fact]
    public void A_layer_in_another_partial_declaration_is_TDSL0101()
        => AssertReports("TDSL0101", Model + " public partial class Net { [ReLU] public partial Layer<float> Relu { get; } } public partial class Net { [Tanh] public partial Layer<float> Squash { get; } }");

    /// <summary>Two [Model] attributes on two parts of one class (the compiler's CS0579) generated the model twice (CS9251).</summary>
    [Fact]
    public void A_second_model_attribute_generates_nothing_more()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + Model + " public partial class Net { [ReLU] public partial Layer<float> Relu { get; } } " + Model + " public partial class Net { }");
        Assert.Single(result.CpuSources);
        Assert.All(result.All, d => Assert.Equal("Source0.cs", d.Location.GetLineSpan().Path));
    }

    /// <summary>Two layer properties of one name (the compiler's CS0102) got two implementations each (CS9251).</summary>
    [Fact]
    public void Duplicate_layer_names_leave_only_the_compilers_error()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + Model + " public partial class Net { [ReLU] public partial Layer<float> Act { get; } [Tanh] public partial Layer<float> Act { get; } }");
        Assert.Empty(result.Sources);
        Assert.Contains(result.CompilationDiagnostics, d => d.Id == "CS0102");
    }

    private static void AssertCompilesCleanly(string source)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + source);
        Assert.NotEmpty(result.Sources);
        Assert.True(!result.All.Any(), "expected no diagnostics, got:\n" + string.Join("\n", result.All));
    }

    private static void AssertReports(string id, string source)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + source);
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == id && d.Severity == DiagnosticSeverity.Error);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "TDSL0099");
        Assert.All(result.All, d => Assert.Equal("Source0.cs", d.Location.GetLineSpan().Path));
    }
}
