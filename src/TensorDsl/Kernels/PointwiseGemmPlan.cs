using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// A 1×1 convolution without stride or padding on the 256-bit tiles: per image, <c>out[m, p] = Σ over k of w[m, k] ·
/// in[k, p] (+ bias[m])</c>, one GEMM over the batch's stacked positions (g = n·plane + p, no padded columns). The tiles
/// (<see cref="MicroKernels.RowsTile256"/>) broadcast R weights per step straight from R filters, so no weights are packed
/// (except re-laid once per call for the transposed direction). A strip of stacked positions is packed once per reduction
/// block into an aligned contiguous panel (read in place, the planes' rows straddled cache lines: the 6×16 tile ran at 63
/// against 89 GFLOP/s in L1) and stays in L1 while every output-channel block's weights stream over it from L2. A tile
/// inside one image stores straight into the NCHW output; a tile across two images, of a partial last block or the
/// batch's last strip (which ends at the last position, overlapping its neighbour) sums in a spare tile whose own columns
/// are copied out. Sums run over the reduction in order and the bias is added last (a final FMA against a row of ones:
/// round(sum + bias)), the same rounding as the other plans.
/// </summary>
internal sealed class PointwiseGemmPlan
{
    /// <summary>Bytes of packed strip per reduction block: half of L1, the weights' rows beside it.</summary>
    private const int BlockBytes = 16 * 1024;

    private static readonly float[] Ones = CreateOnes();

    private readonly int _batch, _inputChannels, _outputChannels, _plane;
    private readonly int _positions, _rows, _columns, _blocks, _strips, _blockTaps;
    private readonly bool _transposed;
    private readonly int[] _rowOffsets, _lastRowOffsets, _biasOffsets, _lastBiasOffsets;

    private PointwiseGemmPlan(int batch, int inputChannels, int outputChannels, int plane, int rows, bool transposed)
    {
        _batch = batch;
        _inputChannels = inputChannels;
        _outputChannels = outputChannels;
        _plane = plane;
        _rows = rows;
        _columns = MicroKernels.ColumnsFor(rows);
        _blocks = (outputChannels + rows - 1) / rows;
        _positions = batch * plane;
        _strips = (_positions + _columns - 1) / _columns;
        _blockTaps = Math.Clamp(BlockBytes / (_columns * sizeof(float)), 1, inputChannels);
        _transposed = transposed;
        int lastRows = outputChannels - ((_blocks - 1) * rows);
        (_rowOffsets, _lastRowOffsets) = StripRows.Offsets(rows, lastRows, inputChannels);
        (_biasOffsets, _lastBiasOffsets) = StripRows.Offsets(rows, lastRows, 1);
    }

    private static float[] CreateOnes()
    {
        float[] ones = new float[96];
        ones.AsSpan().Fill(1f);
        return ones;
    }

    /// <summary>
    /// Plans a 1×1 convolution of an N × <paramref name="inputChannels"/> × plane input into
    /// <paramref name="outputChannels"/> planes; weights are GC × IC (<paramref name="transposed"/>: the input is the grid, so
    /// the weight of output channel m and input channel k is <c>w[k·M + m]</c>, re-laid per call, else <c>w[m·K + k]</c>).
    /// Null without FMA, or where the batch has fewer positions than one tile.
    /// </summary>
    public static PointwiseGemmPlan? TryCreate(int batch, int inputChannels, int outputChannels, int plane, bool transposed)
    {
        if (!Fma.IsSupported || !Avx2.IsSupported)
        {
            return null;
        }

        // The tile rows that compute least: output channels padded to R, each image's plane to whole strips of 96 / R.
        int best = 0;
        long bestWork = long.MaxValue;
        foreach (int r in (ReadOnlySpan<int>)[6, 4, 3, 2])
        {
            int columns = MicroKernels.ColumnsFor(r);
            if (batch * plane < columns)
            {
                continue;
            }

            long work = (long)MicroKernels.RoundUp(outputChannels, r) * MicroKernels.RoundUp(batch * plane, columns);
            if (work < bestWork)
            {
                best = r;
                bestWork = work;
            }
        }

        return best == 0 ? null : new PointwiseGemmPlan(batch, inputChannels, outputChannels, plane, best, transposed);
    }

    /// <summary>Register-tile rows (output channels) of the plan (for tests).</summary>
    internal int TileRows => _rows;

    public void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        int m = _outputChannels, k = _inputChannels;
        if (weight.Length < m * k || (!bias.IsEmpty && bias.Length < m)
            || input.Length < _batch * k * _plane || output.Length < _batch * m * _plane)
        {
            throw new ArgumentException(
                $"1×1 convolution of {_batch}×{k}×{_plane} into {_batch}×{m}×{_plane}: got input {input.Length}, weights {weight.Length} (need {m * k}), bias {bias.Length}, output {output.Length}.");
        }

        ReadOnlySpan<float> weights = weight;
        if (_transposed)
        {
            // The tiles broadcast consecutive weights of one output channel: re-lay w[k·M + m] as [m·K + k], on the caller's
            // workspace (a quarter MiB for 256 × 256, against milliseconds of GEMM).
            Span<float> laid = Workspace.Packed(m * k).AsSpan(0, m * k);
            Transpose.Matrix(weight, k, m, laid);
            weights = laid;
        }

        var job = new ComputeJob { Plan = this, Input = input, Weight = weights, Bias = bias, Output = output };
        // The work items are (strip, output-channel block) tiles, strip by strip: each thread takes an even run.
        TensorThreads.Run(_strips * _blocks, ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(int begin, int end, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        if (begin >= end)
        {
            return;
        }

        int rows = _rows, columns = _columns, blocks = _blocks, plane = _plane, taps = _inputChannels;
        int lastRows = _outputChannels - ((blocks - 1) * rows);
        float[] spare = Workspace.Tile(blocks * rows * columns);
        ref float spareTiles = ref MemoryMarshal.GetArrayDataReference(spare);
        float[] panelArray = Workspace.Aligned(_blockTaps * columns, out int panelStart);
        ref float panel = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(panelArray), panelStart);
        ref float weights = ref MemoryMarshal.GetReference(weight);
        ref float biases = ref MemoryMarshal.GetReference(bias);
        ref float target = ref MemoryMarshal.GetReference(output);
        ref float ones = ref MemoryMarshal.GetArrayDataReference(Ones);
        bool biased = !bias.IsEmpty;
        int first = begin / blocks, stop = ((end - 1) / blocks) + 1;
        for (int strip = first; strip < stop; strip++)
        {
            // The batch's last strip ends at its last position.
            int g = strip * columns, g0 = Math.Min(g, _positions - columns);
            int n = g0 / plane, p0 = g0 - (n * plane);
            bool inside = p0 + columns <= plane;

            // A strip shared with a neighbouring thread is packed by both: only its own blocks of it.
            int blockBegin = Math.Max(0, begin - (strip * blocks)), blockEnd = Math.Min(blocks, end - (strip * blocks));
            for (int k0 = 0; k0 < taps; k0 += _blockTaps)
            {
                int kb = Math.Min(_blockTaps, taps - k0);
                bool last = k0 + kb == taps;
                Pack(input, g0, k0, kb, ref panel);
                for (int block = blockBegin; block < blockEnd; block++)
                {
                    bool partial = block == blocks - 1 && lastRows < rows;
                    bool spared = partial || g0 < g || !inside;
                    ref float c = ref spared
                        ? ref Unsafe.Add(ref spareTiles, block * rows * columns)
                        : ref Unsafe.Add(ref target, ((((nint)n * _outputChannels) + (block * rows)) * plane) + p0);
                    int ldc = spared ? columns : plane;
                    MicroKernels.RowsTile256(
                        rows, ref Unsafe.Add(ref weights, (block * rows * taps) + k0), ref MemoryMarshal.GetArrayDataReference(partial ? _lastRowOffsets : _rowOffsets),
                        ref panel, columns, kb, ref c, ldc, k0 > 0);
                    if (!last)
                    {
                        continue;
                    }

                    if (biased)
                    {
                        // The bias times a row of ones, last.
                        MicroKernels.RowsTile256(
                            rows, ref Unsafe.Add(ref biases, block * rows), ref MemoryMarshal.GetArrayDataReference(partial ? _lastBiasOffsets : _biasOffsets),
                            ref ones, columns, 1, ref c, ldc, true);
                    }

                    if (spared)
                    {
                        Finish(ref c, ref target, g0, g - g0, Math.Min(rows, _outputChannels - (block * rows)), block * rows);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs taps k0 … k0 + kb − 1 of the strip of stacked positions from <paramref name="g0"/> into contiguous rows of the
    /// strip's width: one plane row segment per image the strip touches.
    /// </summary>
    private void Pack(ReadOnlySpan<float> input, int g0, int k0, int kb, ref float panel)
    {
        int columns = _columns, plane = _plane, taps = _inputChannels;
        ref float source = ref MemoryMarshal.GetReference(input);
        int n = g0 / plane, p0 = g0 - (n * plane);
        if (p0 + columns <= plane)
        {
            ref float from = ref Unsafe.Add(ref source, ((((nint)n * taps) + k0) * plane) + p0);
            for (int k = 0; k < kb; k++)
            {
                ref float row = ref Unsafe.Add(ref from, (nint)k * plane);
                StripRows.CopyAndPrefetchNext(ref row, ref Unsafe.Add(ref panel, k * columns), columns);
            }

            return;
        }

        for (int j0 = 0; j0 < columns;)
        {
            int image = (g0 + j0) / plane, p = g0 + j0 - (image * plane);
            int run = Math.Min(columns - j0, plane - p);
            ref float from = ref Unsafe.Add(ref source, ((((nint)image * taps) + k0) * plane) + p);
            for (int k = 0; k < kb; k++)
            {
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref from, (nint)k * plane), run).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref panel, (k * columns) + j0), run));
            }

            j0 += run;
        }
    }

    /// <summary>
    /// Copies the finished spare tile <paramref name="c"/> (its first column is position <paramref name="g0"/>) to the
    /// output, from column <paramref name="skip"/> on, in runs split where an image ends.
    /// </summary>
    private void Finish(ref float c, ref float output, int g0, int skip, int rows, int oc0)
    {
        int columns = _columns, plane = _plane;
        for (int j0 = skip; j0 < columns;)
        {
            int n = (g0 + j0) / plane, p = g0 + j0 - (n * plane);
            int run = Math.Min(columns - j0, plane - p);
            for (int r = 0; r < rows; r++)
            {
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref c, (r * columns) + j0), run)
                    .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, ((((nint)n * _outputChannels) + oc0 + r) * plane) + p), run));
            }

            j0 += run;
        }
    }

    private ref struct ComputeJob : IParallelJob
    {
        public PointwiseGemmPlan Plan;
        public ReadOnlySpan<float> Input;
        public ReadOnlySpan<float> Weight;
        public ReadOnlySpan<float> Bias;
        public Span<float> Output;

        public void Execute(int begin, int end) => Plan.Compute(begin, end, Input, Weight, Bias, Output);
    }
}
