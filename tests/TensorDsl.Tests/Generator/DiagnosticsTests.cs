using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TensorDsl.Generators;
using TensorDsl.Generators.Diagnostics;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>
/// Every TDSL diagnostic, triggered by a small declaration: its id, severity, the exact source text it points at, the
/// parts of its message that carry the shapes and the fix, and that nothing else is reported — neither by the generator
/// nor by the compiler, except the compiler errors listed with each case (for instance CS8795 when the generator declines
/// to implement a partial method that has an accessibility modifier).
/// TDSL0099 (internal error) is not tested here: it is reported only when the generator itself throws, which a valid or
/// invalid declaration must never cause; every other id has at least one test below (see <see cref="Every_descriptor_id_is_covered"/>).
/// </summary>
public class DiagnosticsTests
{
    private const string Prefix = "using System;\nusing TensorDsl;\n\nnamespace Demo;\n\n";

    private const string ConvFloat = "(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)";

    /// <summary>The ids the tests of this class trigger; <see cref="Every_descriptor_id_is_covered"/> compares it with the descriptors.</summary>
    private static readonly string[] Covered =
    {
        "TDSL0001", "TDSL0002", "TDSL0003", "TDSL0004", "TDSL0005", "TDSL0006", "TDSL0007",
        "TDSL0008", "TDSL0009", "TDSL0010", "TDSL0011", "TDSL0012", "TDSL0013", "TDSL0014",
    };

    // ------------------------------------------------------------------ TDSL0001: the method

    [Theory]
    [InlineData("public static void Conv1" + ConvFloat + " { }", "is not partial", null)]
    [InlineData("static partial void Conv1" + ConvFloat + " { }", "already has a body", "CS0759")]
    [InlineData("public static partial int Conv1" + ConvFloat + ";", "returns 'int' instead of void", "CS8795")]
    [InlineData("static partial void Conv1<T>" + ConvFloat + ";", "has type parameters", null)]
    public void TDSL0001_method_is_not_a_bodiless_partial_void(string method, string problem, string? compilerId)
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                {{method}}
            }
            """);
        c.AssertGenerator(new Expected("TDSL0001", DiagnosticSeverity.Error, "Conv1",
            "[Conv2d] is on 'Conv1', which " + problem + ";", "declare it as 'partial void Conv1(...);' without a body and without type parameters"));
        c.AssertCompiler(compilerId is null ? Array.Empty<(string, string)>() : new[] { (compilerId, "Conv1") });
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0001_partial_method_implemented_by_hand()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                public static partial void Conv1{{ConvFloat}};

                public static partial void Conv1{{ConvFloat}} { }
            }
            """);
        c.AssertGenerator(new Expected("TDSL0001", DiagnosticSeverity.Error, "Conv1", "which already has a body"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0001_overloaded_method()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1{{ConvFloat}};

                static void Conv1(int unrelated) { }
            }
            """);
        c.AssertGenerator(new Expected("TDSL0001", DiagnosticSeverity.Error, "Conv1",
            "which is overloaded", "each operator needs a name of its own"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ TDSL0002: the containing types

    [Fact]
    public void TDSL0002_containing_type_not_partial()
    {
        Case c = new($$"""
            public static class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(new Expected("TDSL0002", DiagnosticSeverity.Error, "Conv1",
            "'Ops' declares the operator 'Conv1' but is not partial", "add the 'partial' modifier to 'Ops'"));
        c.AssertCompiler(("CS0751", "Conv1"));
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0002_enclosing_type_of_a_nested_partial_type_not_partial()
    {
        Case c = new($$"""
            public class Outer
            {
                public static partial class Ops
                {
                    [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                    static partial void Conv1{{ConvFloat}};
                }
            }
            """);
        c.AssertGenerator(new Expected("TDSL0002", DiagnosticSeverity.Error, "Conv1",
            "'Outer' declares the operator 'Conv1' but is not partial", "add the 'partial' modifier to 'Outer' (and to every type that encloses it)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ TDSL0003: sizes

    [Fact]
    public void TDSL0003_missing_batch_points_at_the_attribute()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(new Expected("TDSL0003", DiagnosticSeverity.Error, "Conv2d(InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)",
            "[Conv2d] Batch is not set; the batch size N must be at least 1"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0003_missing_batch_with_public_method_also_gets_the_compilers_missing_implementation()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [MaxPool2d(Channels = 2, Height = 4, Width = 4, Kernel = 2)]
                public static partial void Pooling(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0003", DiagnosticSeverity.Error, "MaxPool2d(Channels = 2, Height = 4, Width = 4, Kernel = 2)",
            "[MaxPool2d] Batch is not set; the batch size N must be at least 1"));
        c.AssertCompiler(("CS8795", "Pooling"));
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0003_zero_and_negative_sizes_point_at_their_arguments()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 0, Height = -4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(
            new Expected("TDSL0003", DiagnosticSeverity.Error, "InChannels = 0", "[Conv2d] InChannels is 0; the input channel count C must be at least 1"),
            new Expected("TDSL0003", DiagnosticSeverity.Error, "Height = -4", "[Conv2d] Height is -4; the input height H must be at least 1"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0003_missing_kernel_is_reported_once()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4)]
                static partial void Pooling(ReadOnlySpan<float> x, Span<float> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0003", DiagnosticSeverity.Error, "AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4)",
            "[AvgPool2d] Kernel is not set; the kernel size must be at least 1"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ TDSL0004: window

    [Fact]
    public void TDSL0004_zero_stride_is_reported_once()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3, Stride = 0)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(new Expected("TDSL0004", DiagnosticSeverity.Error, "Stride = 0", "[Conv2d] Stride = 0; a stride must be at least 1"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0004_negative_padding_is_reported_once()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3, Pad = -1)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(new Expected("TDSL0004", DiagnosticSeverity.Error, "Pad = -1", "[Conv2d] Pad = -1; padding must be 0 or more"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0004_zero_kernel_is_reported_once()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Im2col(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 0)]
                static partial void Cols(ReadOnlySpan<float> x, Span<float> col);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0004", DiagnosticSeverity.Error, "Kernel = 0", "[Im2col] Kernel = 0; a kernel size must be at least 1"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0004_per_axis_arguments_name_their_axis()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3, KernelHeight = 0, StrideWidth = -2, PadHeight = -3)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(
            new Expected("TDSL0004", DiagnosticSeverity.Error, "KernelHeight = 0", "[Conv2d] KernelHeight = 0; a kernel height must be at least 1"),
            new Expected("TDSL0004", DiagnosticSeverity.Error, "StrideWidth = -2", "[Conv2d] StrideWidth = -2; a stride must be at least 1"),
            new Expected("TDSL0004", DiagnosticSeverity.Error, "PadHeight = -3", "[Conv2d] PadHeight = -3; padding must be 0 or more"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ TDSL0005: empty output

    [Fact]
    public void TDSL0005_kernel_larger_than_the_padded_input()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 5, Width = 12, OutChannels = 1, Kernel = 9, Pad = 1)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(new Expected("TDSL0005", DiagnosticSeverity.Error, "Kernel = 9",
            "[Conv2d] the height kernel 9 is larger than the padded input height 5 + 2·1 = 7", "so the output height would be -1",
            "use a kernel of at most 7 or more padding"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0005_square_kernel_too_large_on_both_axes_reports_each_axis()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [MaxPool2d(Batch = 1, Channels = 1, Height = 6, Width = 4, KernelHeight = 2, KernelWidth = 9)]
                static partial void Pooling(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

                [Conv2d(Batch = 1, InChannels = 1, Height = 5, Width = 5, OutChannels = 1, Kernel = 9, Stride = 2)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(
            new Expected("TDSL0005", DiagnosticSeverity.Error, "KernelWidth = 9",
                "[MaxPool2d] the width kernel 9 is larger than the padded input width 4 + 2·0 = 4, so the output width would be 0"),
            new Expected("TDSL0005", DiagnosticSeverity.Error, "Kernel = 9",
                "[Conv2d] the height kernel 9 is larger than the padded input height 5 + 2·0 = 5, so the output height would be -1"),
            new Expected("TDSL0005", DiagnosticSeverity.Error, "Kernel = 9",
                "[Conv2d] the width kernel 9 is larger than the padded input width 5 + 2·0 = 5, so the output width would be -1"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ TDSL0006: stride does not tile (a warning)

    [Fact]
    public void TDSL0006_stride_not_tiling_is_a_warning_and_the_operator_is_still_generated()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 6, Width = 7, OutChannels = 1, Kernel = 3, Stride = 2)]
                public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

                public static void Use(float[] x, float[] w, float[] b, float[] y) => Conv1(x, w, b, y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0006", DiagnosticSeverity.Warning, "Stride = 2",
            "[Conv2d] (6 + 2·0 − 3) = 3 is not divisible by the height stride 2", "the output height floors to 2",
            "the last 1 padded input row is never read", "change Height or Pad so that it divides, or ignore this warning"));
        c.AssertCompiler();
        string generated = Assert.Single(c.Result.CpuSources).Value;
        Assert.Contains("public static partial void Conv1(", generated, StringComparison.Ordinal);
        Assert.Contains("public const int OutHeight = 2;", generated, StringComparison.Ordinal);
        Assert.Contains("public const int OutWidth = 3;", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void TDSL0006_kernel_stride_reports_each_axis_with_its_remainder()
    {
        Case c = new("""
            public static partial class Ops
            {
                [AvgPool2d(Batch = 1, Channels = 1, Height = 7, Width = 9, Kernel = 2)]
                static partial void Pooling(ReadOnlySpan<double> x, Span<double> y);
            }
            """);

        // The stride defaults to the kernel, so the warning points at the kernel argument.
        c.AssertGenerator(
            new Expected("TDSL0006", DiagnosticSeverity.Warning, "Kernel = 2", "(7 + 2·0 − 2) = 5 is not divisible by the height stride 2",
                "the output height floors to 3 and the last 1 padded input row is never read", "change Height or Pad"),
            new Expected("TDSL0006", DiagnosticSeverity.Warning, "Kernel = 2", "(9 + 2·0 − 2) = 7 is not divisible by the width stride 2",
                "the output width floors to 4 and the last 1 padded input column is never read", "change Width or Pad"));
        c.AssertCompiler();
        Assert.Single(c.Result.CpuSources);
    }

    [Fact]
    public void TDSL0006_can_be_suppressed_with_pragma_where_it_is_reported()
    {
        // The message says "or ignore this warning"; in a project that treats warnings as errors that takes a
        // #pragma around the declaration, which only works when the diagnostic is located in the syntax tree.
        Case c = new("""
            public static partial class Ops
            {
            #pragma warning disable TDSL0006
                [Conv2d(Batch = 1, InChannels = 1, Height = 7, Width = 7, OutChannels = 1, Kernel = 3, Stride = 3)]
                public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            #pragma warning restore TDSL0006

                [Conv2d(Batch = 1, InChannels = 1, Height = 6, Width = 5, OutChannels = 1, Kernel = 3, StrideHeight = 1, StrideWidth = 3)]
                public static partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """);
        Diagnostic[] reported = c.Result.GeneratorDiagnostics.Where(d => !d.IsSuppressed).ToArray();
        Diagnostic unsuppressed = Assert.Single(reported);
        Assert.Equal("TDSL0006", unsuppressed.Id);
        Assert.Equal("StrideWidth = 3", c.Text(unsuppressed));
        Assert.Equal(LocationKind.SourceFile, unsuppressed.Location.Kind);
        Assert.All(c.Result.GeneratorDiagnostics.Where(d => d.IsSuppressed), d => Assert.Equal("Stride = 3", c.Text(d)));
        c.AssertCompiler();

        // What a build with warnings as errors sees: the compilation's own filter applied to the generator's output.
        CSharpCompilation strict = GeneratorHarness.Compile(c.Source).WithOptions(
            GeneratorHarness.Compile().Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(strict, out _, out ImmutableArray<Diagnostic> strictDiagnostics);
        Diagnostic error = Assert.Single(strictDiagnostics, d => !d.IsSuppressed);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Equal("StrideWidth = 3", c.Text(error));
    }

    // ------------------------------------------------------------------ TDSL0007: deconv2d output size

    [Fact]
    public void TDSL0007_output_padding_not_below_the_stride()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 3, Width = 3, OutChannels = 1, Kernel = 3, StrideHeight = 2, StrideWidth = 3, OutputPaddingHeight = 2, OutputPaddingWidth = 2)]
                static partial void Up(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0007", DiagnosticSeverity.Error, "OutputPaddingHeight = 2",
            "[Deconv2d] OutputPaddingHeight = 2 but the height stride is 2", "output padding must be at least 0 and below the stride (0 to 1)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0007_shared_output_padding_not_below_either_stride_reports_each_axis()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 3, Width = 3, OutChannels = 1, Kernel = 3, Stride = 2, OutputPadding = 2)]
                static partial void Up(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
            }
            """);
        c.AssertGenerator(
            new Expected("TDSL0007", DiagnosticSeverity.Error, "OutputPadding = 2", "OutputPadding = 2 but the height stride is 2", "(0 to 1)"),
            new Expected("TDSL0007", DiagnosticSeverity.Error, "OutputPadding = 2", "OutputPadding = 2 but the width stride is 2", "(0 to 1)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0007_unreachable_out_height()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 3, Width = 3, OutChannels = 1, Kernel = 3, Stride = 2, Pad = 1, OutHeight = 7)]
                static partial void Up(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0007", DiagnosticSeverity.Error, "OutHeight = 7",
            "[Deconv2d] OutHeight = 7 is not reachable: a conv2d with kernel 3, stride 2 and pad 1 maps only heights 5 to 6 onto the input height 3",
            "use OutHeight between 5 and 6"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0007_out_width_disagreeing_with_output_padding()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 3, Width = 4, OutChannels = 1, Kernel = 2, Stride = 3, OutputPadding = 1, OutWidth = 13)]
                static partial void Up(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0007", DiagnosticSeverity.Error, "OutWidth = 13",
            "[Deconv2d] OutWidth = 13 disagrees with OutputPadding = 1, which gives 12", "give only one of them"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0007_output_not_positive_points_at_the_padding_of_its_axis()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 2, Width = 1, OutChannels = 1, Kernel = 1, PadHeight = 0, PadWidth = 1)]
                static partial void Up(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0007", DiagnosticSeverity.Error, "PadWidth = 1",
            "[Deconv2d] the output width 1·(1 − 1) + 1 − 2·1 = -1 is not positive", "reduce Pad or enlarge the kernel"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void Deconv2d_out_height_zero_means_computed_as_documented()
    {
        // Deconv2dAttribute.OutHeight: "Explicit output height (DeZero's outsize[0]); 0 means computed."
        Case c = new("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 3, Width = 3, OutChannels = 1, Kernel = 3, Stride = 2, OutHeight = 0, OutWidth = 0, OutputPadding = 1)]
                static partial void Up(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
            }
            """);
        c.AssertGenerator();
        c.AssertCompiler();
        string generated = Assert.Single(c.Result.CpuSources).Value;
        Assert.Contains("public const int OutHeight = 8;", generated, StringComparison.Ordinal);
        Assert.Contains("public const int OutWidth = 8;", generated, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ TDSL0008–TDSL0010: the parameters

    [Fact]
    public void TDSL0008_too_few_parameters_with_bias()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0008", DiagnosticSeverity.Error, "Conv1",
            "'Conv1' has 3 parameter(s) but [Conv2d] expects 4: (ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y) (Bias = false drops b), T = float or double"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0008_bias_parameter_declared_although_bias_is_false()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3, Bias = false)]
                static partial void Up(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0008", DiagnosticSeverity.Error, "Up",
            "'Up' has 4 parameter(s) but [Deconv2d] expects 3: (ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y) (Bias = false), T = float or double"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0009_span_where_a_read_only_span_is_expected()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1(Span<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0009", DiagnosticSeverity.Error, "Span<float> x",
            "Parameter 'x' of 'Conv1' is 'Span<float>' but [Conv2d] expects 'ReadOnlySpan<float>' here (the input, N×C×H×W)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0009_unsupported_element_type()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1(ReadOnlySpan<int> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0009", DiagnosticSeverity.Error, "ReadOnlySpan<int> x",
            "Parameter 'x' of 'Conv1' is 'ReadOnlySpan<int>' but [Conv2d] expects 'ReadOnlySpan<float>' here (the input, N×C×H×W)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0009_no_floating_point_parameter_at_all_asks_for_float_or_double()
    {
        Case c = new("""
            public static partial class Ops
            {
                [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                static partial void Pooling(ReadOnlySpan<decimal> x, float[] y);
            }
            """);
        c.AssertGenerator(
            new Expected("TDSL0009", DiagnosticSeverity.Error, "ReadOnlySpan<decimal> x",
                "Parameter 'x' of 'Pooling' is 'ReadOnlySpan<decimal>' but [AvgPool2d] expects 'ReadOnlySpan<float> or ReadOnlySpan<double>' here (the input, N×C×H×W)"),
            new Expected("TDSL0009", DiagnosticSeverity.Error, "float[] y",
                "Parameter 'y' of 'Pooling' is 'float[]' but [AvgPool2d] expects 'Span<float> or Span<double>' here (the output, N×C×OH×OW)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0009_max_pool_indexes_must_be_int()
    {
        Case c = new("""
            public static partial class Ops
            {
                [MaxPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                static partial void Pooling(ReadOnlySpan<double> x, Span<double> y, Span<long> indexes);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0009", DiagnosticSeverity.Error, "Span<long> indexes",
            "Parameter 'indexes' of 'Pooling' is 'Span<long>' but [MaxPool2d] expects 'Span<int>' here (the argmax h·W + w of each window, N×C×OH×OW)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0009_scoped_span_is_not_what_the_generated_body_declares()
    {
        // Accepting it would put a body without 'scoped' next to the declaration: CS8988 inside the generated file.
        Case c = new("""
            internal static partial class Ops
            {
                [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                static partial void Pooling(scoped ReadOnlySpan<double> x, Span<double> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0009", DiagnosticSeverity.Error, "scoped ReadOnlySpan<double> x",
            "Parameter 'x' of 'Pooling' is 'scoped ReadOnlySpan<double>' but [AvgPool2d] expects 'ReadOnlySpan<double>' here (the input, N×C×H×W)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0009_ref_span_parameter()
    {
        Case c = new("""
            internal static partial class Ops
            {
                [Im2col(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                static partial void Cols(in ReadOnlySpan<double> x, Span<double> col);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0009", DiagnosticSeverity.Error, "in ReadOnlySpan<double> x",
            "Parameter 'x' of 'Cols' is 'in ReadOnlySpan<double>' but [Im2col] expects 'ReadOnlySpan<double>' here (the input, N×C×H×W)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    /// <summary>A generated 'partial class' in another file would be a different type, so a 'file' type is TDSL0001.</summary>
    [Fact]
    public void File_local_containing_type_is_reported_by_the_generator()
    {
        Case c = new("""
            file static partial class Ops
            {
                [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                public static partial void Pooling(ReadOnlySpan<double> x, Span<double> y);
            }
            """);
        Assert.Equal("TDSL0001", Assert.Single(c.Result.GeneratorDiagnostics).Id);
        c.AssertCompiler(("CS8795", "Pooling"));
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0010_float_and_double_mixed()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<double> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0010", DiagnosticSeverity.Error, "ReadOnlySpan<double> w",
            "Parameter 'w' of 'Conv1' has element type 'double' but 'x' has 'float'", "all tensors of one operator are float, or all are double"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ TDSL0011: sizes beyond a span

    [Fact]
    public void TDSL0011_input_larger_than_a_span()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1000, InChannels = 1000, Height = 1000, Width = 1000, OutChannels = 1, Kernel = 3)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(new Expected("TDSL0011", DiagnosticSeverity.Error,
            "Conv2d(Batch = 1000, InChannels = 1000, Height = 1000, Width = 1000, OutChannels = 1, Kernel = 3)",
            "[Conv2d] the tensor x of 'Conv1' would have 1000×1000×1000×1000 = 1000000000000 elements, more than a span holds (2147483647)",
            "reduce the batch or the sizes"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0011_output_dimension_beyond_int_is_reported_not_silently_dropped()
    {
        // The output height (2e9 + 2·1e9 − 1) + 1 = 4e9 does not fit an int: nothing can be generated, so it must be said.
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 2000000000, Width = 1, OutChannels = 1, Kernel = 1, PadHeight = 1000000000)]
                static partial void Conv1{{ConvFloat}};
            }
            """);
        c.AssertGenerator(new Expected("TDSL0011", DiagnosticSeverity.Error,
            "Conv2d(Batch = 1, InChannels = 1, Height = 2000000000, Width = 1, OutChannels = 1, Kernel = 1, PadHeight = 1000000000)",
            "[Conv2d] the tensor y of 'Conv1' would have 1×1×4000000000×1 = 4000000000 elements", "more than a span holds (2147483647)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0011_deconv_output_dimension_beyond_int_is_reported()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 1000000000, Width = 1, OutChannels = 1, Kernel = 1, StrideHeight = 3, Bias = false)]
                static partial void Up(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0011", DiagnosticSeverity.Error,
            "Deconv2d(Batch = 1, InChannels = 1, Height = 1000000000, Width = 1, OutChannels = 1, Kernel = 1, StrideHeight = 3, Bias = false)",
            "[Deconv2d] the tensor y of 'Up' would have 1×1×2999999998×1 = 2999999998 elements", "more than a span holds (2147483647)"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0011_columns_larger_than_a_span()
    {
        Case c = new("""
            public static partial class Ops
            {
                [Im2col(Batch = 32, Channels = 64, Height = 128, Width = 128, Kernel = 11, Pad = 5)]
                static partial void Cols(ReadOnlySpan<float> x, Span<float> col);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0011", DiagnosticSeverity.Error,
            "Im2col(Batch = 32, Channels = 64, Height = 128, Width = 128, Kernel = 11, Pad = 5)",
            "the tensor col of 'Cols' would have 32×64×11×11×128×128 = 4060086272", "more than a span holds"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ TDSL0012: pooling padding

    [Fact]
    public void TDSL0012_max_pool_padding_more_than_half_the_kernel_on_one_axis()
    {
        Case c = new("""
            public static partial class Ops
            {
                [MaxPool2d(Batch = 1, Channels = 1, Height = 6, Width = 6, Kernel = 3, PadHeight = 2, PadWidth = 1)]
                static partial void Pooling(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0012", DiagnosticSeverity.Error, "PadHeight = 2",
            "[MaxPool2d] PadHeight = 2 is more than half the height kernel 3", "a window could lie entirely in the padding", "use a padding of at most 1"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0012_avg_pool_shared_padding_reports_each_axis()
    {
        Case c = new("""
            public static partial class Ops
            {
                [AvgPool2d(Batch = 1, Channels = 1, Height = 6, Width = 6, KernelHeight = 2, KernelWidth = 4, Pad = 2, CountIncludePad = false)]
                static partial void Pooling(ReadOnlySpan<float> x, Span<float> y);
            }
            """);
        c.AssertGenerator(new Expected("TDSL0012", DiagnosticSeverity.Error, "Pad = 2",
            "[AvgPool2d] Pad = 2 is more than half the height kernel 2", "use a padding of at most 1"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ TDSL0013, TDSL0014

    [Theory]
    [InlineData("static void Conv1Backward() { }", "Conv1Backward")]
    [InlineData("static int Conv1BackwardWeight => 0;", "Conv1BackwardWeight")]
    [InlineData("static class Conv1Shape { }", "Conv1Shape")]
    [InlineData("internal static readonly int Conv1BackwardBias = 0;", "Conv1BackwardBias")]
    public void TDSL0013_generated_member_name_already_exists(string member, string name)
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                static partial void Conv1{{ConvFloat}};

                {{member}}
            }
            """);
        c.AssertGenerator(new Expected("TDSL0013", DiagnosticSeverity.Error, "Conv1",
            "'Ops' already has a member named '" + name + "', which TensorDsl generates for the operator 'Conv1'", "rename 'Conv1' or the existing member"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0013_max_pool_with_indexes_conflict()
    {
        Case c = new("""
            public partial class Net
            {
                [MaxPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                partial void Pooling(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

                public void PoolingWithIndexes() { }
            }
            """);
        c.AssertGenerator(new Expected("TDSL0013", DiagnosticSeverity.Error, "Pooling",
            "'Net' already has a member named 'PoolingWithIndexes', which TensorDsl generates for the operator 'Pooling'"));
        c.AssertCompiler();
        c.AssertNothingGenerated();
    }

    [Fact]
    public void TDSL0014_two_operator_attributes_on_one_method()
    {
        Case c = new($$"""
            public static partial class Ops
            {
                [MaxPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                public static partial void Conv1{{ConvFloat}};
            }
            """);

        // Reported once, by the alphabetically first attribute, at that attribute.
        c.AssertGenerator(new Expected("TDSL0014", DiagnosticSeverity.Error, "Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)",
            "'Conv1' carries both [Conv2d] and [MaxPool2d]", "declare a second method for the other"));
        c.AssertCompiler(("CS8795", "Conv1"));
        c.AssertNothingGenerated();
    }

    // ------------------------------------------------------------------ the descriptors themselves

    [Fact]
    public void Every_descriptor_id_is_covered()
    {
        // Model ids (TDSL01xx) are covered by ModelDiagnosticsTests and call-site ids (TDSL02xx) by the analyzer tests.
        string[] ids = DiagnosticDescriptors.All.Select(d => d.Id).Where(i => string.CompareOrdinal(i, "TDSL0100") < 0 || i == "TDSL0099").OrderBy(i => i, StringComparer.Ordinal).ToArray();
        Assert.Equal(Covered.Append("TDSL0099").ToArray(), ids);
        foreach (DiagnosticDescriptor d in DiagnosticDescriptors.All)
        {
            Assert.Equal("TensorDsl", d.Category);
            Assert.True(d.IsEnabledByDefault);
            Assert.Equal("https://github.com/tensordsl/tensordsl/blob/main/docs/diagnostics/" + d.Id + ".md", d.HelpLinkUri);
            if (string.CompareOrdinal(d.Id, "TDSL0200") < 0)
            {
                Assert.Equal(d.Id == "TDSL0006" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, d.DefaultSeverity);
            }
        }
    }

    // ------------------------------------------------------------------ valid declarations

    [Fact]
    public void All_seven_operators_compile_with_zero_diagnostics_even_with_documentation_checks()
        => AssertCleanWithDocumentation(AllSevenSource);

    private static void AssertCleanWithDocumentation(string source)
    {
        CSharpParseOptions documented = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Documented",
            new[] { CSharpSyntaxTree.ParseText(source, documented, path: "Source0.cs") },
            GeneratorHarness.Compile().References,
            GeneratorHarness.Compile().Options);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new TensorDslGenerator().AsSourceGenerator() }, parseOptions: documented);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden));
        // The user's file, then the CPU and OpenCL files of the declaring type and the shared shape types.
        Assert.Equal(4, output.SyntaxTrees.Count());
    }

    private const string AllSevenSource
 = Prefix + """
            /// <summary>Every operator once.</summary>
            public static partial class Ops
            {
                /// <summary>Conv.</summary>
                /// <param name="x">x</param><param name="w">w</param><param name="b">b</param><param name="y">y</param>
                [Conv2d(Batch = 2, InChannels = 3, Height = 6, Width = 5, OutChannels = 4, KernelHeight = 3, KernelWidth = 1, Stride = 1, Pad = 1)]
                public static partial void Conv(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

                /// <summary>Deconv.</summary>
                /// <param name="x">x</param><param name="w">w</param><param name="y">y</param>
                [Deconv2d(Batch = 1, InChannels = 2, Height = 3, Width = 3, OutChannels = 3, Kernel = 3, Stride = 2, Pad = 1, OutHeight = 6, OutWidth = 5, Bias = false)]
                public static partial void Deconv(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y);

                /// <summary>GradW.</summary>
                /// <param name="x">x</param><param name="gy">gy</param><param name="gw">gw</param>
                [Conv2dGradW(Batch = 1, InChannels = 2, Height = 5, Width = 5, OutChannels = 3, Kernel = 3)]
                public static partial void GradW(ReadOnlySpan<double> x, ReadOnlySpan<double> gy, Span<double> gw);

                /// <summary>Max.</summary>
                /// <param name="x">x</param><param name="y">y</param><param name="indexes">i</param>
                [MaxPool2d(Batch = 1, Channels = 2, Height = 4, Width = 4, Kernel = 2)]
                public static partial void Max(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

                /// <summary>Avg.</summary>
                /// <param name="x">x</param><param name="y">y</param>
                [AvgPool2d(Batch = 1, Channels = 2, Height = 4, Width = 4, Kernel = 3, Stride = 1, Pad = 1, CountIncludePad = false)]
                public static partial void Avg(ReadOnlySpan<float> x, Span<float> y);

                /// <summary>Im2col.</summary>
                /// <param name="x">x</param><param name="col">c</param>
                [Im2col(Batch = 1, Channels = 2, Height = 4, Width = 4, Kernel = 2)]
                public static partial void ToColumns(ReadOnlySpan<float> x, Span<float> col);

                /// <summary>Col2im.</summary>
                /// <param name="col">c</param><param name="x">x</param>
                [Col2im(Batch = 1, Channels = 2, Height = 4, Width = 4, Kernel = 2, ToMatrix = false)]
                public static partial void FromColumns(ReadOnlySpan<float> col, Span<float> x);

                /// <summary>A keyword for a name, and no modifiers.</summary>
                /// <param name="in">x</param><param name="out">y</param>
                [AvgPool2d(Batch = 1, Channels = 2, Height = 4, Width = 4, Kernel = 2)]
                static partial void @checked(ReadOnlySpan<float> @in, Span<float> @out);

                /// <summary>Calls every generated member with the documented parameter lists.</summary>
                public static void UseEverything()
                {
                    float[] f = new float[1];
                    double[] d = new double[1];
                    int[] i = new int[1];
                    Conv(f, f, f, f); ConvBackward(f, f, f, f, f, f); ConvBackwardInput(f, f, f); ConvBackwardWeight(f, f, f); ConvBackwardBias(f, f);
                    Deconv(d, d, d); DeconvBackward(d, d, d, d, d); DeconvBackwardInput(d, d, d); DeconvBackwardWeight(d, d, d);
                    GradW(d, d, d); GradWBackward(d, d, d, d, d);
                    Max(f, f, i); MaxBackward(i, f, f); MaxWithIndexes(i, f, f);
                    Avg(f, f); AvgBackward(f, f);
                    ToColumns(f, f); ToColumnsBackward(f, f);
                    FromColumns(f, f); FromColumnsBackward(f, f);
                    @checked(f, f); checkedBackward(f, f);
                    _ = ConvShape.YLength + DeconvShape.YLength + GradWShape.GwLength + MaxShape.IndexesLength + AvgShape.YLength + ToColumnsShape.ColLength + FromColumnsShape.ColLength;
                }
            }
            """;

    [Fact]
    public void Declarations_in_unusual_places_compile_cleanly()
    {
        const string globalNamespace = """
            using System;
            using TensorDsl;

            public static partial class GlobalOps
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 2, Kernel = 3)]
                public static partial void Conv(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }
            """;
        const string elsewhere = Prefix + """
            public partial class Outer
            {
                internal partial class Inner
                {
                    [MaxPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                    internal static partial void Pooling(ReadOnlySpan<double> x, Span<double> y, Span<int> indexes);
                }

                private protected partial struct Deep
                {
                    [Col2im(Batch = 1, Channels = 1, Height = 3, Width = 3, Kernel = 2, Stride = 1, ToMatrix = false)]
                    partial void Back(ReadOnlySpan<float> col, Span<float> x);

                    internal void Use(float[] col, float[] x) { Back(col, x); BackBackward(x, col); }
                }
            }

            public partial class Generic<T, U> where T : struct
            {
                [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                public partial void Pooling(ReadOnlySpan<float> x, Span<float> y);

                public partial class Nested<V>
                {
                    [Im2col(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                    public static partial void Cols(ReadOnlySpan<float> x, Span<float> col);
                }
            }

            public partial struct Value
            {
                [Conv2dGradW(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3)]
                public readonly partial void GradW(ReadOnlySpan<double> x, ReadOnlySpan<double> gy, Span<double> gw);
            }

            public partial record struct Record(int Unused)
            {
                [Deconv2d(Batch = 1, InChannels = 1, Height = 2, Width = 2, OutChannels = 1, Kernel = 2, Stride = 2)]
                public partial void Up(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }

            public static partial class Keywords
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 3, Bias = false)]
                public static partial void @operator(ReadOnlySpan<float> @in, ReadOnlySpan<float> @out, Span<float> @class);

                [AvgPool2d(Batch = 1, Channels = 1, Height = 4, Width = 4, Kernel = 2)]
                public static partial void Pooling(ReadOnlySpan<float> @in, Span<float> @out);

                public static void Use(float[] a, float[] b, float[] c)
                {
                    @operator(a, b, c);
                    @operator(@in: a, @out: b, @class: c);
                    Pooling(@in: a, @out: b);
                    operatorBackward(a, b, c, a, b);
                }
            }
            """;
        GeneratorHarness.Result result = GeneratorHarness.Run(globalNamespace, elsewhere);
        Assert.Empty(result.All);
        Assert.Equal(
            new[]
            {
                "Demo.Generic{T,U}.Nested{V}.TensorDsl.g.cs", "Demo.Generic{T,U}.TensorDsl.g.cs", "Demo.Keywords.TensorDsl.g.cs",
                "Demo.Outer.Deep.TensorDsl.g.cs", "Demo.Outer.Inner.TensorDsl.g.cs", "Demo.Record.TensorDsl.g.cs", "Demo.Value.TensorDsl.g.cs",
                "GlobalOps.TensorDsl.g.cs",
            },
            result.CpuSources.Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>One expected diagnostic: id, severity, the exact source text it covers and fragments of its message.</summary>
    private sealed record Expected(string Id, DiagnosticSeverity Severity, string Located, params string[] MessageParts);

    /// <summary>A declaration run through the generator, with assertions about what it reported.</summary>
    private sealed class Case
    {
        public Case(string declarations)
        {
            Source = Prefix + declarations;
            Result = GeneratorHarness.Run(Source);
        }

        public string Source { get; }

        public GeneratorHarness.Result Result { get; }

        public string Text(Diagnostic d) => Source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);

        /// <summary>Exactly these generator diagnostics, in source order (then by message).</summary>
        public void AssertGenerator(params Expected[] expected)
        {
            Diagnostic[] actual = Result.GeneratorDiagnostics
                .OrderBy(d => d.Location.SourceSpan.Start)
                .ThenBy(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal)
                .ToArray();
            Assert.True(
                expected.Length == actual.Length,
                $"Expected {expected.Length} generator diagnostic(s) but got {actual.Length}:\n" + string.Join("\n", actual.Select(Describe)));
            for (int i = 0; i < expected.Length; i++)
            {
                Expected e = expected[i];
                Diagnostic d = actual[i];
                Assert.Equal(e.Id, d.Id);
                Assert.Equal(e.Severity, d.Severity);
                Assert.Equal(e.Severity == DiagnosticSeverity.Warning ? 1 : 0, d.WarningLevel);
                AssertLocatedAt(d, e.Located);
                string message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
                foreach (string part in e.MessageParts)
                {
                    Assert.True(message.Contains(part, StringComparison.Ordinal), $"The message of {d.Id}\n  {message}\ndoes not contain\n  {part}");
                }
            }
        }

        /// <summary>Exactly these compiler warnings and errors (id and located text), nothing else.</summary>
        public void AssertCompiler(params (string Id, string Located)[] expected)
        {
            Diagnostic[] actual = Result.CompilationDiagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToArray();
            Assert.True(
                expected.Length == actual.Length,
                $"Expected {expected.Length} compiler diagnostic(s) but got {actual.Length}:\n" + string.Join("\n", actual.Select(Describe)));
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Id, actual[i].Id);
                AssertLocatedAt(actual[i], expected[i].Located);
            }
        }

        public void AssertNothingGenerated() => Assert.Empty(Result.Sources);

        /// <summary>The diagnostic covers the first occurrence of <paramref name="located"/> and its line span agrees with its text span.</summary>
        private void AssertLocatedAt(Diagnostic d, string located)
        {
            Assert.Equal("Source0.cs", d.Location.GetLineSpan().Path);
            Assert.Equal(located, Text(d));
            Assert.Equal(Source.IndexOf(located, StringComparison.Ordinal), d.Location.SourceSpan.Start);
            int line = Source.Take(d.Location.SourceSpan.Start).Count(ch => ch == '\n');
            int column = d.Location.SourceSpan.Start - (Source.LastIndexOf('\n', Math.Max(0, d.Location.SourceSpan.Start - 1)) + 1);
            Assert.Equal(line, d.Location.GetLineSpan().StartLinePosition.Line);
            Assert.Equal(column, d.Location.GetLineSpan().StartLinePosition.Character);
        }

        private string Describe(Diagnostic d) => d.Id + " at '" + Text(d) + "': " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }
}
