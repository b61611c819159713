using System;
using BenchmarkDotNet.Running;

namespace TensorDsl.Benchmarks;

/// <summary>
/// <c>compare DIR THREADS [CASES]</c>: the comparison with PyTorch's outputs and timings in DIR (see compare.sh).
/// Anything else goes to BenchmarkDotNet, e.g. <c>--filter *SuiteBenchmarks*</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "compare")
        {
            return Compare.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2, args.Length > 3 ? args[3] : null);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
