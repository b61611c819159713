using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TensorDsl.Generators;
using TensorDsl.Generators.Model;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>
/// The model pipeline's caching: an edit that does not change a model must not re-emit it, and an edit to the
/// model must. Each test runs one driver twice, before and after the edit, and reads the tracked steps of the
/// second run: <see cref="TensorDslGenerator.ModelsStep"/> (the checked model) and the source output fed by it.
/// </summary>
public class ModelIncrementalityTests
{
    private const string Model = """
        using TensorDsl;
        using TensorDsl.Models;
        namespace Demo;

        [Model(Batch = 2, Channels = 1, Height = 6, Width = 6)]
        public partial class Net
        {
            [Conv2d(OutChannels = 2, Kernel = 3)]
            public partial Layer<float> Conv { get; }

            [Flatten]
            public partial Layer<float> Flat { get; }

            [Linear(OutFeatures = 4)]
            public partial Layer<float> Fc { get; }

            [SoftmaxCrossEntropy]
            public partial Layer<float> Ce { get; }
        }
        """;

    private const string Other = "namespace Demo;\n\npublic static class Helpers\n{\n    public static int One() => 1;\n}\n";

    private static readonly IncrementalStepRunReason[] NotRerun = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    /// <summary>The second run's result after replacing source <paramref name="index"/> by <paramref name="edited"/>.</summary>
    private static GeneratorRunResult RunTwice(string edited, int index, params string[] sources)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));

        SyntaxTree old = compilation.SyntaxTrees.ElementAt(index);
        Assert.NotEqual(old.ToString(), edited);
        compilation = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, path: old.FilePath));
        return driver.RunGenerators(compilation).GetRunResult().Results.Single();
    }

    private static IncrementalStepRunReason[] ModelsStepReasons(GeneratorRunResult run)
        => run.TrackedSteps[TensorDslGenerator.ModelsStep].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    /// <summary>The reasons of the source output that writes model files: the one whose input is a <see cref="ModelSpec"/>.</summary>
    private static IncrementalStepRunReason[] ModelSourceReasons(GeneratorRunResult run)
        => run.TrackedOutputSteps[WellKnownGeneratorOutputs.SourceOutput]
            .Where(s => s.Inputs.Any(i => i.Source.Outputs[i.OutputIndex].Value is ModelSpec))
            .SelectMany(s => s.Outputs)
            .Select(o => o.Reason)
            .ToArray();

    private static string ModelSource(GeneratorRunResult run)
        => run.GeneratedSources.Single(s => s.HintName == "Demo.Net.TensorDsl.Model.g.cs").SourceText.ToString();

    [Fact]
    public void An_edit_in_another_file_reuses_the_model()
    {
        GeneratorRunResult run = RunTwice(Other.Replace("=> 1", "=> 2", System.StringComparison.Ordinal), 1, Model, Other);

        Assert.Single(ModelsStepReasons(run));
        Assert.All(ModelsStepReasons(run), r => Assert.Contains(r, NotRerun));
        Assert.Single(ModelSourceReasons(run));
        Assert.All(ModelSourceReasons(run), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void An_unrelated_edit_in_the_model_file_reuses_the_model()
    {
        GeneratorRunResult run = RunTwice(Model + "\npublic static class Extra\n{\n}\n", 0, Model, Other);

        Assert.All(ModelsStepReasons(run), r => Assert.Contains(r, NotRerun));
        Assert.All(ModelSourceReasons(run), r => Assert.Contains(r, NotRerun));
        Assert.NotEmpty(ModelSourceReasons(run));
    }

    [Fact]
    public void A_new_member_and_a_moved_model_without_diagnostics_reuse_the_model()
    {
        // The member changes the class's member names (read for conflicts) and the blank line moves every location.
        string edited = Model
            .Replace("namespace Demo;\n", "namespace Demo;\n\n", System.StringComparison.Ordinal)
            .Replace("    public partial Layer<float> Ce { get; }\n", "    public partial Layer<float> Ce { get; }\n\n    public int Extra => 1;\n", System.StringComparison.Ordinal);
        GeneratorRunResult run = RunTwice(edited, 0, Model, Other);

        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, ModelsStepReasons(run));
        Assert.All(ModelSourceReasons(run), r => Assert.Contains(r, NotRerun));
        Assert.NotEmpty(ModelSourceReasons(run));
    }

    [Fact]
    public void A_moved_warning_is_reported_at_its_new_place_without_re_emitting_the_model()
    {
        // 6×6 with kernel 3 and stride 2 does not tile: TDSL0006, a warning, and the model is still generated.
        string model = Model.Replace("Kernel = 3)]", "Kernel = 3, Stride = 2)]", System.StringComparison.Ordinal);
        string moved = model.Replace("namespace Demo;\n", "namespace Demo;\n\n\n", System.StringComparison.Ordinal);
        GeneratorRunResult run = RunTwice(moved, 0, model, Other);

        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, ModelsStepReasons(run));
        Assert.All(ModelSourceReasons(run), r => Assert.Contains(r, NotRerun));
        Assert.NotEmpty(ModelSourceReasons(run));
        IEnumerable<int> lines = run.Diagnostics.Where(d => d.Id == "TDSL0006").Select(d => d.Location.GetLineSpan().StartLinePosition.Line);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(9, line));
    }

    [Fact]
    public void Changing_OutFeatures_re_emits_the_model()
    {
        GeneratorRunResult run = RunTwice(Model.Replace("OutFeatures = 4", "OutFeatures = 5", System.StringComparison.Ordinal), 0, Model, Other);

        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, ModelsStepReasons(run));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, ModelSourceReasons(run));
        Assert.Contains("Out = 5", ModelSource(run));
        Assert.DoesNotContain("Out = 4", ModelSource(run));
    }
}
