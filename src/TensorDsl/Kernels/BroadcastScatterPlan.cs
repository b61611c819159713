using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// A strided transposed correlation (conv2d's input gradient, deconv2d's forward) on the 256-bit broadcast tiles
/// (<see cref="MicroKernels.ScatteredPositionsTile256"/>): 6 image positions × 16 image channels per tile, one stride
/// phase at a time. A phase (rh, rw) holds the image positions (s·q + rh − pad, s·b + rw − pad); each reads the grid
/// at (q − j, b − i) for its taps (grid channel, j, i), kernel tap (rh + s·j, rw + s·i), so it is a stride-1
/// correlation of a zero-padded copy of the grid with that phase's part of the kernel. Each position's grid values are
/// broadcast straight from the padded copy, and its sums go to its own place in image-position-major scratch, so the
/// phases interleave there and the scratch goes to the NCHW image by the plain transposed stores. The GEMM plan's
/// phases compute rows as wide as the padded grid's and copy them out column by column, a stride apart. One task per
/// image and band of its rows: it pads the grid rows the band reads, sums each block of 16 image channels over every
/// phase's taps (a reduction block at a time, its weights in L1), and transposes that into the image with the bias.
/// Each element is one FMA chain over its phase's taps in (grid channel, j, i) order with the bias added last, as in
/// the GEMM plan's phases: bit-identical. Positions that no tap reaches (a stride wider than the kernel) are zero plus
/// the bias.
/// </summary>
internal sealed class BroadcastScatterPlan : IWeightPanels
{
    /// <summary>Image channels per tile: 2 vectors.</summary>
    private const int BlockChannels = 16;

    /// <summary>Image positions per tile.</summary>
    private const int GroupPositions = 6;

    /// <summary>Taps per reduction block: 128 × 16 weights, 8 KiB, stay in L1 while the band's tiles read them.</summary>
    private const int BlockTaps = 128;

    /// <summary>Image positions a band holds at most (but always a whole row): 16 channels of sums, 64 KiB, stay in L2.</summary>
    private const int BandPositions = 1024;

    /// <summary>Taps (grid channels · kernel area) per stride phase the plan needs on average, as for the forward plan (<see cref="BroadcastGemmPlan.MinimumTaps"/>).</summary>
    public const int MinimumTaps = BroadcastGemmPlan.MinimumTaps;

    private readonly int _gridChannels, _gridHeight, _gridWidth, _imageChannels, _imageHeight, _imageWidth, _imagePlane;
    private readonly int _padTop, _padLeft, _paddedWidth, _paddedPlane, _kernelArea;
    private readonly int _bandRows, _bands, _blocks, _packedLength;
    private readonly Phase[] _phases;

    /// <summary>Per band: its padded grid rows [first, end) and, per phase, its positions' bases and targets (6 to a group).</summary>
    private readonly int[] _bandRowFirst, _bandRowEnd;
    private readonly int[][] _bases, _targets;

    /// <summary>One stride phase: its taps' offsets from a position's base in the padded grid, its weights, where they are packed.</summary>
    private sealed class Phase
    {
        public required int[] Offsets { get; init; }

        public required int[] WeightIndex { get; init; }

        public required int PackedStart { get; init; }
    }

    private BroadcastScatterPlan(
        int batch, InputTransform grid, GemmPhase[] phases, int imageChannels, int imageHeight, int imageWidth, int kernelArea, int strideHeight, int strideWidth, int padHeight, int padWidth)
    {
        _gridChannels = grid.Channels;
        _gridHeight = grid.Height;
        _gridWidth = grid.Width;
        _imageChannels = imageChannels;
        _imageHeight = imageHeight;
        _imageWidth = imageWidth;
        _imagePlane = imageHeight * imageWidth;
        _kernelArea = kernelArea;
        _blocks = imageChannels / BlockChannels;

        // The GEMM plan's padded grid (padded on top and left by the phases' widest reach back, below and right as far
        // as the last phase positions read) and its phases, in (rh, rw) order: their taps in (grid channel, j, i) order,
        // offsets relative to the phase's first position (its first tap, grid channel 0 at j = i = 0, is that position).
        _padTop = grid.PadTop;
        _padLeft = grid.PadLeft;
        _paddedWidth = grid.ColsQ;
        _paddedPlane = grid.Plane;
        _phases = new Phase[phases.Length];
        int packed = 0;
        for (int p = 0; p < phases.Length; p++)
        {
            int[] offsets = (int[])phases[p].Offsets.Clone();
            for (int k = offsets.Length - 1; k >= 0; k--)
            {
                offsets[k] -= offsets[0];
            }

            _phases[p] = new Phase { Offsets = offsets, WeightIndex = phases[p].WeightIndex, PackedStart = packed };
            packed += _blocks * offsets.Length * BlockChannels;
        }

        _packedLength = Math.Max(1, packed);

        // Bands of whole image rows, fewer rows where the batch is too small for the forward's minimum of tasks; per band
        // and phase, its positions (image row, then column) as bases in the padded grid and targets in the band's
        // scratch, the last group filled up by repeating the last position.
        _bandRows = Math.Clamp(BandPositions / imageWidth, 1, imageHeight);
        int wanted = (BroadcastGemmPlan.MinimumTasks + batch - 1) / batch;
        _bandRows = Math.Min(_bandRows, Math.Max(1, (imageHeight + wanted - 1) / wanted));
        _bands = (imageHeight + _bandRows - 1) / _bandRows;
        Tasks = batch * _bands;
        _bandRowFirst = new int[_bands];
        _bandRowEnd = new int[_bands];
        _bases = new int[_bands * _phases.Length][];
        _targets = new int[_bands * _phases.Length][];
        for (int band = 0; band < _bands; band++)
        {
            int ih0 = band * _bandRows, ih1 = Math.Min(imageHeight, ih0 + _bandRows);
            int rowFirst = int.MaxValue, rowEnd = 0;
            var bases = new List<int>[_phases.Length];
            var targets = new List<int>[_phases.Length];
            for (int p = 0; p < _phases.Length; p++)
            {
                bases[p] = new List<int>();
                targets[p] = new List<int>();
            }

            for (int ih = ih0; ih < ih1; ih++)
            {
                int rh = (ih + padHeight) % strideHeight, q = (ih + padHeight) / strideHeight;
                for (int iw = 0; iw < imageWidth; iw++)
                {
                    int rw = (iw + padWidth) % strideWidth, b = (iw + padWidth) / strideWidth;
                    int p = (rh * strideWidth) + rw;
                    bases[p].Add(grid.Offset(0, 0, 0, q + _padTop, b + _padLeft));
                    targets[p].Add((((ih - ih0) * imageWidth) + iw) * BlockChannels);
                }

                // The padded rows this image row reads: q − j + padTop for j < taps high.
                rowFirst = Math.Min(rowFirst, q);
                rowEnd = Math.Max(rowEnd, q + _padTop + 1);
            }

            _bandRowFirst[band] = rowFirst;
            _bandRowEnd[band] = Math.Min(rowEnd, grid.RowsQ);
            for (int p = 0; p < _phases.Length; p++)
            {
                while (bases[p].Count % GroupPositions != 0)
                {
                    bases[p].Add(bases[p][^1]);
                    targets[p].Add(targets[p][^1]);
                }

                _bases[(band * _phases.Length) + p] = bases[p].ToArray();
                _targets[(band * _phases.Length) + p] = targets[p].ToArray();
            }
        }
    }

    /// <summary>
    /// Plans the transposed correlation of the GEMM plan's padded grid (<paramref name="grid"/>: N×GC×GH×GW padded, stride
    /// 1) into the N×IC×IH×IW image by its stride phases (<paramref name="phases"/>, in (rh, rw) order; weights GC×IC×KH×KW,
    /// image channel c's filter <paramref name="kernelArea"/>·c past channel 0's); null where it does not apply: it needs
    /// FMA, image channels in whole blocks of 16, a stride (stride-1 windows have their own plans), at least
    /// <see cref="MinimumTaps"/> taps per phase on average, and image rows at least a tile wide.
    /// </summary>
    public static BroadcastScatterPlan? TryCreate(
        int batch, InputTransform grid, GemmPhase[] phases, int imageChannels, int imageHeight, int imageWidth, int kernelArea, int strideHeight, int strideWidth, int padHeight, int padWidth)
    {
        int taps = 0;
        foreach (GemmPhase phase in phases)
        {
            taps += phase.Taps;
        }

        if (!Fma.IsSupported || imageChannels % BlockChannels != 0 || (strideHeight == 1 && strideWidth == 1)
            || taps < MinimumTaps * phases.Length || imageWidth < GroupPositions)
        {
            return null;
        }

        return new BroadcastScatterPlan(batch, grid, phases, imageChannels, imageHeight, imageWidth, kernelArea, strideHeight, strideWidth, padHeight, padWidth);
    }

    /// <summary>Compute tasks per call: images × bands.</summary>
    public int Tasks { get; }

    public void Run(ReadOnlySpan<float> grid, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> image)
    {
        Span<float> packed = Workspace.AlignedPacked(_packedLength);
        var prepare = new WeightPanelJob<BroadcastScatterPlan> { Plan = this, Weight = weight, Packed = packed };
        TensorThreads.Run(_phases.Length * _blocks, ref prepare);
        var job = new ComputeJob { Plan = this, Grid = grid, Packed = packed, Bias = bias, Image = image };
        TensorThreads.Run(Tasks, ref job);
    }

    /// <summary>
    /// Phase panel / blocks's weights of block panel mod blocks, transposed: packed[start + (block·taps + t)·16 + j] =
    /// W[gc, 16·block + j, kh, kw] of the phase's tap t.
    /// </summary>
    public void PackPanel(int panel, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> packed)
    {
        Phase phase = _phases[panel / _blocks];
        int block = panel % _blocks, taps = phase.Offsets.Length;
        if (taps > 0)
        {
            GemmPlan.PackWeights(
                packed.Slice(phase.PackedStart + (block * taps * BlockChannels), taps * BlockChannels), weight, block * BlockChannels, BlockChannels, _imageChannels, _kernelArea, phase.WeightIndex);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Compute(int begin, int end, ReadOnlySpan<float> grid, ReadOnlySpan<float> packedSpan, ReadOnlySpan<float> bias, Span<float> image)
    {
        float[] paddedArray = Workspace.Source(_gridChannels * _paddedPlane);
        float[] sumsArray = Workspace.Tile(_bandRows * _imageWidth * BlockChannels);
        ref float padded = ref MemoryMarshal.GetArrayDataReference(paddedArray);
        ref float sums = ref MemoryMarshal.GetArrayDataReference(sumsArray);
        ref float packed = ref MemoryMarshal.GetReference(packedSpan);
        fixed (float* target = image)
        {
            for (int task = begin; task < end; task++)
            {
                int n = task / _bands, band = task % _bands;
                int ih0 = band * _bandRows, count = (Math.Min(ih0 + _bandRows, _imageHeight) - ih0) * _imageWidth;
                int gridSize = _gridChannels * _gridHeight * _gridWidth;
                BroadcastGemmPlan.PadRows(
                    grid.Slice(n * gridSize, gridSize), _gridChannels, _gridHeight, _gridWidth, _padTop, _padLeft, _paddedWidth, _paddedPlane, _bandRowFirst[band], _bandRowEnd[band], paddedArray);
                for (int block = 0; block < _blocks; block++)
                {
                    for (int p = 0; p < _phases.Length; p++)
                    {
                        Phase phase = _phases[p];
                        int[] basesArray = _bases[(band * _phases.Length) + p], targetsArray = _targets[(band * _phases.Length) + p];
                        int taps = phase.Offsets.Length, positions = basesArray.Length;
                        ref int bases = ref MemoryMarshal.GetArrayDataReference(basesArray);
                        ref int targets = ref MemoryMarshal.GetArrayDataReference(targetsArray);
                        if (taps == 0)
                        {
                            // No tap reaches these positions: zero sums (the bias is added with the rest).
                            for (int i = 0; i < positions; i++)
                            {
                                new Span<float>(sumsArray, Unsafe.Add(ref targets, i), BlockChannels).Clear();
                            }

                            continue;
                        }

                        ref int offsets = ref MemoryMarshal.GetArrayDataReference(phase.Offsets);
                        for (int k0 = 0; k0 < taps; k0 += BlockTaps)
                        {
                            int kb = Math.Min(BlockTaps, taps - k0);
                            ref float w = ref Unsafe.Add(ref packed, phase.PackedStart + (((block * taps) + k0) * BlockChannels));
                            for (int i = 0; i < positions; i += GroupPositions)
                            {
                                MicroKernels.ScatteredPositionsTile256(
                                    ref padded, Unsafe.Add(ref bases, i), Unsafe.Add(ref bases, i + 1), Unsafe.Add(ref bases, i + 2), Unsafe.Add(ref bases, i + 3), Unsafe.Add(ref bases, i + 4), Unsafe.Add(ref bases, i + 5),
                                    ref Unsafe.Add(ref offsets, k0), ref w, kb, ref sums,
                                    Unsafe.Add(ref targets, i), Unsafe.Add(ref targets, i + 1), Unsafe.Add(ref targets, i + 2), Unsafe.Add(ref targets, i + 3), Unsafe.Add(ref targets, i + 4), Unsafe.Add(ref targets, i + 5),
                                    k0 > 0);
                            }
                        }
                    }

                    float* to = target + ((((long)n * _imageChannels) + (block * BlockChannels)) * _imagePlane) + (ih0 * _imageWidth);
                    Transpose.PositionsToPlanes256(ref sums, BlockChannels, BlockChannels, count, bias, block * BlockChannels, to, _imagePlane);
                }
            }
        }
    }

    private ref struct ComputeJob : IParallelJob
    {
        public BroadcastScatterPlan Plan;
        public ReadOnlySpan<float> Grid;
        public ReadOnlySpan<float> Packed;
        public ReadOnlySpan<float> Bias;
        public Span<float> Image;

        public void Execute(int begin, int end) => Plan.Compute(begin, end, Grid, Packed, Bias, Image);
    }
}
