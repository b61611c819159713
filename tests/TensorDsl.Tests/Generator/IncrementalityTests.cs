using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using TensorDsl.Generators;
using TensorDsl.Generators.Model;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Generator;

/// <summary>
/// The pipeline caches: edits that do not touch a declaration leave the <see cref="TensorDslGenerator.OperatorsStep"/>
/// steps and the generated sources cached or unchanged; editing a declaration modifies them; moving a declaration
/// re-reports its diagnostics at the new place without regenerating the source.
/// </summary>
public class IncrementalityTests
{
    private const string Declarations = """
        using System;
        using TensorDsl;

        namespace Demo;

        public static partial class Ops
        {
            [Conv2d(Batch = 2, InChannels = 3, Height = 8, Width = 8, OutChannels = 4, Kernel = 3, Pad = 1)]
            public static partial void Conv1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

            [MaxPool2d(Batch = 2, Channels = 4, Height = 8, Width = 8, Kernel = 2)]
            public static partial void Pool1(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

            public static int Helper() => 1;
        }

        public partial class Net
        {
            [Deconv2d(Batch = 1, InChannels = 2, Height = 3, Width = 3, OutChannels = 1, Kernel = 3, Stride = 2, OutputPadding = 1)]
            private partial void Up(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y);
        }
        """;

    private static readonly IncrementalStepRunReason[] CachedOrUnchanged = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    [Fact]
    public void Adding_an_unrelated_file_leaves_operators_and_sources_cached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(Declarations);
        SyntaxTree other = CSharpSyntaxTree.ParseText("namespace Demo; public static class Other { public static int F() => 2; }", GeneratorHarness.ParseOptions, path: "Other.cs");
        GeneratorRunResult run = Rerun(ref driver, compilation.AddSyntaxTrees(other));

        AssertOperators(run, CachedOrUnchanged);
        AssertSources(run, CachedOrUnchanged);
        Assert.Equal(2, run.GeneratedSources.Count(s => s.HintName.EndsWith(".TensorDsl.g.cs", StringComparison.Ordinal)));
    }

    [Fact]
    public void Editing_an_unrelated_method_body_in_the_same_file_leaves_operators_and_sources_cached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(Declarations);
        GeneratorRunResult run = Rerun(ref driver, Edit(compilation, "public static int Helper() => 1;", "public static int Helper() => 1 + 41;"));

        AssertOperators(run, CachedOrUnchanged);
        AssertSources(run, CachedOrUnchanged);
    }

    [Fact]
    public void Adding_a_member_to_the_declaring_type_leaves_operators_and_sources_unchanged()
    {
        // The member names feed the TDSL0013 check, so the declarations are re-read; their results are equal.
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(Declarations);
        GeneratorRunResult run = Rerun(ref driver, Edit(compilation, "public static int Helper() => 1;", "public static int Helper() => 1;\n    public static int Helper2() => 2;"));

        AssertOperators(run, CachedOrUnchanged);
        AssertSources(run, CachedOrUnchanged);
    }

    [Fact]
    public void Editing_a_kernel_modifies_that_operator_and_its_file_only()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(Declarations);
        string before = GeneratedText(driver, "Demo.Ops.TensorDsl.g.cs");
        GeneratorRunResult run = Rerun(ref driver, Edit(compilation, "OutChannels = 4, Kernel = 3, Pad = 1", "OutChannels = 4, Kernel = 5, Pad = 2"));

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(run.TrackedSteps[TensorDslGenerator.OperatorsStep]));
        Dictionary<string, IncrementalStepRunReason> sources = SourceReasons(run);
        Assert.Equal(IncrementalStepRunReason.Modified, sources["Demo.Ops"]);
        Assert.Contains(sources["Demo.Net"], CachedOrUnchanged);
        string after = GeneratedText(driver, "Demo.Ops.TensorDsl.g.cs");
        Assert.NotEqual(before, after);
        Assert.Contains("public const int KernelHeight = 5;", after, StringComparison.Ordinal);
        Assert.Empty(run.Diagnostics);
    }

    [Fact]
    public void Moving_a_declaration_re_reports_its_diagnostic_at_the_new_place_and_leaves_the_source_unchanged()
    {
        // Stride 2 over 8 + 2·1 − 3 = 7 rows does not tile: a warning, and the operator is still generated.
        string source = Declarations.Replace("Kernel = 3, Pad = 1)]", "Kernel = 3, Pad = 1, Stride = 2)]", StringComparison.Ordinal);
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(source);
        Diagnostic[] before = driver.GetRunResult().Diagnostics.ToArray();
        Assert.Equal(2, before.Length);
        Assert.All(before, d => Assert.Equal("TDSL0006", d.Id));
        string generated = GeneratedText(driver, "Demo.Ops.TensorDsl.g.cs");

        GeneratorRunResult run = Rerun(ref driver, Edit(compilation, "public static partial class Ops\n{", "public static partial class Ops\n{\n\n\n"));

        Diagnostic[] after = run.Diagnostics.ToArray();
        Assert.Equal(2, after.Length);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(before[i].GetMessage(), after[i].GetMessage());
            Assert.Equal(before[i].Location.GetLineSpan().StartLinePosition.Line + 3, after[i].Location.GetLineSpan().StartLinePosition.Line);
            Assert.Equal(before[i].Location.SourceSpan.Start + 3, after[i].Location.SourceSpan.Start);
            Assert.Equal("Stride = 2", after[i].Location.SourceTree!.GetText().ToString(after[i].Location.SourceSpan));
        }

        // The declaration's result moved (its diagnostics carry the location); its spec, and so the sources, did not.
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(run.TrackedSteps[TensorDslGenerator.OperatorsStep]));
        AssertSources(run, CachedOrUnchanged);
        Assert.Equal(generated, GeneratedText(driver, "Demo.Ops.TensorDsl.g.cs"));
    }

    [Fact]
    public void Removing_a_declaration_removes_its_file()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(Declarations);
        string net = Declarations.Substring(Declarations.IndexOf("public partial class Net", StringComparison.Ordinal));
        GeneratorRunResult run = Rerun(ref driver, Edit(compilation, net, string.Empty));
        Assert.Equal(new[] { "Demo.Ops.TensorDsl.g.cs" }, run.GeneratedSources.Select(s => s.HintName).Where(h => h.EndsWith(".TensorDsl.g.cs", StringComparison.Ordinal)));
        Assert.DoesNotContain(run.GeneratedSources, s => s.HintName.StartsWith("Demo.Net.", StringComparison.Ordinal));
        Assert.Contains(IncrementalStepRunReason.Removed, Reasons(run.TrackedSteps[TensorDslGenerator.OperatorsStep]));
    }

    // ------------------------------------------------------------------ helpers

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(string source)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Null(first.Exception);
        Assert.NotEmpty(first.TrackedSteps[TensorDslGenerator.OperatorsStep]);
        Assert.All(Reasons(first.TrackedSteps[TensorDslGenerator.OperatorsStep]), r => Assert.Equal(IncrementalStepRunReason.New, r));
        return (driver, compilation);
    }

    private static GeneratorRunResult Rerun(ref GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGenerators(compilation);
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        Assert.Null(run.Exception);
        return run;
    }

    private static CSharpCompilation Edit(CSharpCompilation compilation, string find, string replace)
    {
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
        string text = tree.GetText().ToString();
        int at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, "edit target not found: " + find);
        SyntaxTree edited = tree.WithChangedText(tree.GetText().WithChanges(new TextChange(new TextSpan(at, find.Length), replace)));
        return compilation.ReplaceSyntaxTree(tree, edited);
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(IEnumerable<IncrementalGeneratorRunStep> steps)
        => steps.SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static void AssertOperators(GeneratorRunResult run, IncrementalStepRunReason[] allowed)
    {
        IncrementalStepRunReason[] reasons = Reasons(run.TrackedSteps[TensorDslGenerator.OperatorsStep]).ToArray();
        Assert.Equal(3, reasons.Length);
        Assert.All(reasons, r => Assert.Contains(r, allowed));
        Assert.All(Reasons(run.TrackedSteps[TensorDslGenerator.TypesStep]), r => Assert.Contains(r, allowed));
    }

    /// <summary>Source outputs per declaring type: the CPU and the OpenCL files (no ILGPU reference here).</summary>
    private const int Targets = 2;

    /// <summary>Every source output (the step fed by the per-type step) was cached or unchanged.</summary>
    private static void AssertSources(GeneratorRunResult run, IncrementalStepRunReason[] allowed)
    {
        IncrementalStepRunReason[] reasons = SourceOutputSteps(run).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Equal(2 * Targets, reasons.Length);
        Assert.All(reasons, r => Assert.Contains(r, allowed));
    }

    /// <summary>The reason of each source output, by the declaring type it writes ("Demo.Ops").</summary>
    private static Dictionary<string, IncrementalStepRunReason> SourceReasons(GeneratorRunResult run)
    {
        Dictionary<string, IncrementalStepRunReason> byType = new();
        foreach (IncrementalGeneratorRunStep step in SourceOutputSteps(run))
        {
            (IncrementalGeneratorRunStep source, int index) = Assert.Single(step.Inputs);
            EquatableArray<OperatorSpec> specs = (EquatableArray<OperatorSpec>)source.Outputs[index].Value;
            IncrementalStepRunReason reason = Assert.Single(step.Outputs).Reason;

            // Every target's file of one type must agree: all modified, or all cached.
            if (byType.TryGetValue(specs[0].DeclaringTypeKey, out IncrementalStepRunReason seen))
            {
                Assert.Equal(seen == IncrementalStepRunReason.Modified, reason == IncrementalStepRunReason.Modified);
            }

            byType[specs[0].DeclaringTypeKey] = reason;
        }

        return byType;
    }

    private static IEnumerable<IncrementalGeneratorRunStep> SourceOutputSteps(GeneratorRunResult run)
        => run.TrackedOutputSteps.SelectMany(p => p.Value)
            .Where(s => s.Inputs.Any(i => i.Source.Name == TensorDslGenerator.TypesStep));

    private static string GeneratedText(GeneratorDriver driver, string hintName)
        => driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();
}
