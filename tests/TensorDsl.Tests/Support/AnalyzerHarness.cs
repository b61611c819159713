using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TensorDsl.Generators.Analyzers;
using Xunit;

namespace TensorDsl.Tests.Support;

/// <summary>
/// Runs TensorDsl's call-site analyzer over source text together with the generator's output, as a user's build
/// does: the generated methods carry the [TensorLength] markers the analyzer reads.
/// </summary>
public static class AnalyzerHarness
{
    public sealed record Result(ImmutableArray<Diagnostic> Analyzer, ImmutableArray<Diagnostic> Compiler, Compilation Compilation);

    /// <summary>The analyzer's diagnostics (TDSL02xx), and the generator's and the compiler's errors and warnings, for the sources.</summary>
    public static Result Run(params string[] sources)
    {
        GeneratorHarness.Result generated = GeneratorHarness.Run(sources);
        CompilationWithAnalyzers analyzed = generated.Output.WithAnalyzers(
            ImmutableArray.Create<DiagnosticAnalyzer>(new TensorCallSiteAnalyzer()),
            new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));
        ImmutableArray<Diagnostic> all = analyzed.GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();

        // An exception inside the analyzer surfaces as AD0001; it must never happen.
        Assert.DoesNotContain(all, d => d.Id == "AD0001");
        ImmutableArray<Diagnostic> analyzer = all.Where(d => d.Id.StartsWith("TDSL02", System.StringComparison.Ordinal)).OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
        ImmutableArray<Diagnostic> compiler = generated.GeneratorDiagnostics
            .Concat(all.Where(d => !d.Id.StartsWith("TDSL02", System.StringComparison.Ordinal)))
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToImmutableArray();
        return new Result(analyzer, compiler, analyzed.Compilation);
    }

    /// <summary>The source text a diagnostic points at.</summary>
    public static string TextAt(Diagnostic diagnostic)
        => diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
}
