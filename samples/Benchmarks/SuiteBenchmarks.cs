using System.Linq;
using BenchmarkDotNet.Attributes;
using TensorDsl.Threading;

namespace TensorDsl.Benchmarks;

/// <summary>BenchmarkDotNet over the suite: every case, forward and backward, with allocations per call.</summary>
[MemoryDiagnoser]
public class SuiteBenchmarks
{
    private SuiteCase _case = null!;

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    /// <summary>Threads for the generated kernels (TENSORDSL_THREADS, default 2).</summary>
    [Params(2)]
    public int Threads { get; set; }

    public static string[] Cases => SuiteCase.All.Select(c => c.Name).ToArray();

    [GlobalSetup]
    public void Setup()
    {
        TensorThreads.Count = Threads;
        _case = SuiteCase.All.First(c => c.Name == Case);
    }

    [Benchmark]
    public void Forward() => _case.Forward();

    [Benchmark]
    public void Backward() => _case.Backward();
}
