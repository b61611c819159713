using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TensorDsl.Tests.Support;

namespace TensorDsl.Tests.Generator.Fuzz;

/// <summary>A property of the generator that one fuzz case broke; its message says which and shows the evidence.</summary>
public sealed class FuzzFailure(string message) : Exception(message);

/// <summary>
/// What must hold for every source file, however malformed, and nothing more:
/// <list type="number">
/// <item>the generator never throws (the driver would report CS8784/CS8785) and never reports TDSL0099;</item>
/// <item>every diagnostic, the generator's and the compiler's, is a TDSL or CS one located in the user's source
/// (none is without a location, and none is in generated code — unless it repeats, in the implementation, an
/// error that the user's own source already has, such as an invalid modifier);</item>
/// <item>when the generator reports no TDSL error, the compilation with the generated code has no error that the
/// user's source did not already have by itself; and if the user's source had no errors but the "partial member
/// has no implementation" ones, which the generator exists to resolve, it has none at all.</item>
/// </list>
/// </summary>
public static class FuzzOracle
{
    private const string UserFile = "Source0.cs";

    /// <summary>Errors the user's source has only until the generator writes the implementations.</summary>
    private static readonly HashSet<string> MissingImplementation = new(StringComparer.Ordinal)
    {
        "CS8795", // partial method with accessibility modifiers must have an implementation
        "CS9248", // partial property must have an implementation part
    };

    /// <summary>
    /// Errors that make the user's own type declarations ill-formed, so that no generated part can match them
    /// (parts of different kinds, accessibilities or base classes, a misplaced 'partial'): with one of these in the
    /// user's source, errors in generated code are the compiler's follow-ups, not the generator's.
    /// </summary>
    private static readonly HashSet<string> IllFormedTypes = new(StringComparer.Ordinal) { "CS0261", "CS0262", "CS0263", "CS0267" };

    /// <summary>Counts of what the cases exercised, for the test's report.</summary>
    public sealed class Statistics
    {
        private int _cases;
        private int _accepted;
        private int _generatedFiles;
        private readonly ConcurrentDictionary<string, int> _diagnostics = new(StringComparer.Ordinal);

        public int Cases => _cases;

        public int Accepted => _accepted;

        public int GeneratedFiles => _generatedFiles;

        public IReadOnlyDictionary<string, int> Diagnostics => _diagnostics;

        internal void Record(bool accepted, int generated, IEnumerable<string> ids)
        {
            Interlocked.Increment(ref _cases);
            if (accepted)
            {
                Interlocked.Increment(ref _accepted);
            }

            Interlocked.Add(ref _generatedFiles, generated);
            foreach (string id in ids.Distinct())
            {
                _diagnostics.AddOrUpdate(id, 1, (_, n) => n + 1);
            }
        }

        public override string ToString()
            => Cases + " cases: " + Accepted + " without a TDSL error, " + GeneratedFiles + " generated files; diagnostics (cases): "
               + string.Join(", ", _diagnostics.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + " " + p.Value));
    }

    /// <summary>Runs the generator on the case and throws <see cref="FuzzFailure"/> if a property fails.</summary>
    public static void Check(FuzzCase c, Statistics? statistics = null)
    {
        string source = c.Source;
        CSharpCompilation input = GeneratorHarness.Compile(source);
        GeneratorDriver driver = GeneratorHarness.CreateDriver()
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();

        foreach (GeneratorRunResult result in run.Results)
        {
            if (result.Exception is not null)
            {
                throw new FuzzFailure("the generator threw: " + result.Exception);
            }
        }

        foreach (Diagnostic d in generatorDiagnostics)
        {
            if (d.Id == "TDSL0099" || !d.Id.StartsWith("TDSL", StringComparison.Ordinal))
            {
                throw new FuzzFailure("the generator reported " + Describe(d));
            }
        }

        ImmutableArray<Diagnostic>? inputDiagnostics = null;
        ImmutableArray<Diagnostic> InputDiagnostics() => inputDiagnostics ??= input.GetDiagnostics();

        // A compiler diagnostic in generated code is tolerated only as a repetition of an error the user's own
        // source already has (an invalid modifier copied onto the implementation, say): the user sees theirs.
        bool RepeatsUserError(Diagnostic d)
            => d.Id.StartsWith("CS", StringComparison.Ordinal)
               && InputDiagnostics().Any(u => (u.Severity >= DiagnosticSeverity.Warning && u.Id == d.Id) || IllFormedTypes.Contains(u.Id));

        ImmutableArray<Diagnostic> compilerDiagnostics = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
        foreach (Diagnostic d in generatorDiagnostics.Concat(compilerDiagnostics))
        {
            if (d.Severity < DiagnosticSeverity.Warning)
            {
                continue;
            }

            if (!(d.Id.StartsWith("TDSL", StringComparison.Ordinal) || d.Id.StartsWith("CS", StringComparison.Ordinal)))
            {
                throw new FuzzFailure("a diagnostic that is neither TensorDsl's nor the compiler's: " + Describe(d));
            }

            if (!InUserSource(d.Location, source.Length) && !RepeatsUserError(d))
            {
                throw new FuzzFailure("a diagnostic outside the user's source: " + Describe(d) + GeneratedText(d));
            }
        }

        bool accepted = !generatorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        if (accepted)
        {
            Diagnostic[] errors = compilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            if (errors.Length > 0)
            {
                Diagnostic[] before = InputDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
                HashSet<(string, TextSpanKey)> known = before.Select(d => (d.Id, Key(d))).ToHashSet();
                bool userSourceValid = before.All(d => MissingImplementation.Contains(d.Id));
                foreach (Diagnostic error in errors)
                {
                    if (userSourceValid)
                    {
                        throw new FuzzFailure("the generator reported no error on valid source, but the compilation has " + Describe(error) + GeneratedText(error));
                    }

                    if (!known.Contains((error.Id, Key(error))) && (InUserSource(error.Location, source.Length) || !RepeatsUserError(error)))
                    {
                        throw new FuzzFailure("the generator reported no error but the generated code adds a compiler error: " + Describe(error) + GeneratedText(error));
                    }
                }
            }
        }

        statistics?.Record(accepted, run.Results.Sum(r => r.GeneratedSources.Length), generatorDiagnostics.Select(d => d.Id));
    }

    /// <summary>
    /// In the user's file, within its text. The generator's own diagnostics carry file locations rebuilt from plain
    /// data (path, span, line span) rather than syntax-tree locations, as incremental generators must: both count.
    /// </summary>
    private static bool InUserSource(Location location, int length)
        => location.Kind is LocationKind.SourceFile or LocationKind.ExternalFile
           && location.GetLineSpan().Path == UserFile
           && location.SourceSpan.End <= length;

    private readonly record struct TextSpanKey(string Path, int Start, int Length);

    private static TextSpanKey Key(Diagnostic d) => new(d.Location.GetLineSpan().Path ?? string.Empty, d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);

    private static string Describe(Diagnostic d)
    {
        string where = d.Location.Kind is LocationKind.SourceFile or LocationKind.ExternalFile
            ? d.Location.GetLineSpan().Path + "(" + (d.Location.GetLineSpan().StartLinePosition.Line + 1) + ")"
            : "no location";
        return d.Id + " at " + where + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The generated line a diagnostic points at, to show what went wrong.</summary>
    private static string GeneratedText(Diagnostic d)
    {
        if (!d.Location.IsInSource || d.Location.SourceTree is null)
        {
            return string.Empty;
        }

        string line = d.Location.SourceTree.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim();
        return "\n  generated line: " + line;
    }
}
