namespace TensorDsl.Threading;

/// <summary>
/// A unit of generated work split over an index range. Implementations are usually <c>ref struct</c>s holding the
/// operator's spans. Contract that keeps results independent of the thread count: every index writes its own
/// disjoint part of the output and sums in a fixed order, so any partition gives bit-identical results.
/// </summary>
public interface IParallelJob
{
    /// <summary>Runs the indices <paramref name="begin"/> (inclusive) to <paramref name="end"/> (exclusive).</summary>
    void Execute(int begin, int end);
}
