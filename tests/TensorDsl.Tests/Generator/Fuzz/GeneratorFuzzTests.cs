using System;
using System.Diagnostics;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit;
using Xunit.Abstractions;

namespace TensorDsl.Tests.Generator.Fuzz;

/// <summary>
/// Property-based fuzzing of the generator (FsCheck): thousands of random and malformed operator and model
/// declarations, checked only against <see cref="FuzzOracle"/>'s three properties. The seed is fixed so that a
/// failure reproduces; <c>TENSORDSL_FUZZ_SEED</c> and <c>TENSORDSL_FUZZ_CASES</c> override seed and count. A
/// failure prints the seed and the shrunk case as source text.
/// </summary>
public sealed class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const ulong DefaultSeed = 20_251_122;

    [Fact]
    public void Operator_declarations_never_break_the_generator() => Run("operators", FuzzGen.Operators(), defaultCases: 1000);

    [Fact]
    public void Model_declarations_never_break_the_generator() => Run("models", FuzzGen.Models(), defaultCases: 600);

    private void Run(string name, Arbitrary<FuzzCase> cases, int defaultCases)
    {
        ulong seed = ulong.TryParse(Environment.GetEnvironmentVariable("TENSORDSL_FUZZ_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong s) ? s : DefaultSeed;
        int count = int.TryParse(Environment.GetEnvironmentVariable("TENSORDSL_FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : defaultCases;
        output.WriteLine("fuzzing " + name + ": seed " + seed + ", " + count + " cases (reproduce with TENSORDSL_FUZZ_SEED=" + seed + ")");

        FuzzOracle.Statistics statistics = new();
        if (Environment.GetEnvironmentVariable("TENSORDSL_FUZZ_EXPLORE") is "1")
        {
            Explore(name, cases, count, statistics);
            return;
        }

        Config config = Config.QuickThrowOnFailure
            .WithMaxTest(count)
            .WithQuietOnSuccess(true)
            .WithParallelRunConfig(FSharpOption<ParallelRunConfig>.Some(new ParallelRunConfig(Environment.ProcessorCount)))
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));
        Stopwatch clock = Stopwatch.StartNew();
        try
        {
            Check.One(config, Prop.ForAll(cases, c => FuzzOracle.Check(c, statistics)));
        }
        catch (Exception e) when (e is not FuzzFailure)
        {
            throw new Xunit.Sdk.XunitException("fuzzing " + name + " with seed " + seed + " failed (reproduce with TENSORDSL_FUZZ_SEED=" + seed + "):\n" + e.Message);
        }

        output.WriteLine(statistics + " in " + clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s");
    }

    /// <summary>
    /// For hunting bugs rather than guarding against them (TENSORDSL_FUZZ_EXPLORE=1): checks every sampled case
    /// without stopping or shrinking, and reports the shortest case of each distinct failure.
    /// </summary>
    private void Explore(string name, Arbitrary<FuzzCase> cases, int count, FuzzOracle.Statistics statistics)
    {
        System.Collections.Generic.Dictionary<string, string> failures = new(StringComparer.Ordinal);
        foreach (FuzzCase c in cases.Generator.Sample(count, 30))
        {
            try
            {
                FuzzOracle.Check(c, statistics);
            }
            catch (FuzzFailure e)
            {
                string kind = System.Text.RegularExpressions.Regex.Replace(e.Message.Split('\n')[0], "[0-9]+|'[^']*'", "#");
                string text = e.Message + "\n" + c.Source;
                if (!failures.TryGetValue(kind, out string? known) || known.Length > text.Length)
                {
                    failures[kind] = text;
                }
            }
        }

        output.WriteLine(statistics.ToString());
        foreach (string failure in failures.Values)
        {
            output.WriteLine("---- " + failure);
        }

        Assert.True(failures.Count == 0, failures.Count + " distinct failures while exploring " + name);
    }
}
