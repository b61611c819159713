using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TensorDsl.Generators;

namespace TensorDsl.Tests.Support;

/// <summary>Runs TensorDsl's generator over source text in memory, as the compiler would in a user's build.</summary>
public static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return platform
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f is "mscorlib.dll" or "netstandard.dll"))
            .Append(typeof(Conv2dAttribute).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray();
    });

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Preview);

    public static CSharpCompilation Compile(params string[] sources)
        => CSharpCompilation.Create(
            "UserProject",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: "Source" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".cs")),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(
            new[] { new TensorDslGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>The generator's result for the sources, and every diagnostic of the compilation with the generated code added.</summary>
    public static Result Run(params string[] sources)
    {
        CSharpCompilation compilation = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        return new Result(run, generatorDiagnostics, output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray(), output);
    }

    public sealed record Result(GeneratorDriverRunResult Run, ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> CompilationDiagnostics, Compilation Output)
    {
        /// <summary>Generated files by hint name.</summary>
        public IReadOnlyDictionary<string, string> Sources => Run.Results
            .SelectMany(r => r.GeneratedSources)
            .ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        /// <summary>
        /// The C# CPU files only (operators' and models'): the other targets (OpenCL, ILGPU) and the shared shape types
        /// are generated beside them and tested on their own.
        /// </summary>
        public IReadOnlyDictionary<string, string> CpuSources => Sources
            .Where(s => s.Key.EndsWith(".TensorDsl.g.cs", StringComparison.Ordinal) || s.Key.EndsWith(".TensorDsl.Model.g.cs", StringComparison.Ordinal))
            .ToDictionary(s => s.Key, s => s.Value);

        /// <summary>Generator and compiler diagnostics together, warnings and errors only.</summary>
        public IEnumerable<Diagnostic> All => GeneratorDiagnostics.Concat(CompilationDiagnostics).Distinct();
    }
}
