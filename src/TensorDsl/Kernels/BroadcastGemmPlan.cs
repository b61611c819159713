using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// A strided correlation on the broadcast tiles: with AVX-512 <see cref="MicroKernels.PositionsTile"/>, 6 output
/// positions × 64 output channels per tile (4 vectors); else <see cref="MicroKernels.PositionsTile256"/>, 6 × 16 (2
/// Vector256). Each position's input values are broadcast straight from a zero-padded copy of the input rows it reads,
/// the weights transposed so that a tap's output channels are the tile's vectors. Nothing is packed per position (the
/// im2col packing took 9–25 % of a strided forward on the stacked direct GEMM, and 14 % on the 256-bit GEMM tiles, which
/// also compute rows as wide as the transformed input's), and a stride only changes the positions' bases. One task per
/// image and chunk of its positions: it pads the input rows the chunk reads, sums each block of output channels over
/// the taps (weights a reduction block at a time, in L1) into position-major scratch, and transposes that into the NCHW
/// output with the bias (on AVX-512 by streaming stores where the output outgrows two cores' L2,
/// <see cref="StreamedStores.MinimumBytes"/>). Each output element is one FMA chain over the taps in (c, kh, kw) order
/// with the bias added last: bit-identical to the GEMM tiles.
/// </summary>
internal sealed class BroadcastGemmPlan : IWeightPanels
{
    /// <summary>Output channels per AVX-512 tile: 4 vectors.</summary>
    private const int WideBlockChannels = 64;

    /// <summary>Output channels per 256-bit tile: 2 vectors.</summary>
    private const int NarrowBlockChannels = 16;

    /// <summary>Output positions per tile.</summary>
    private const int GroupPositions = 6;

    /// <summary>Taps per reduction block: 128 × 64 weights, 32 KiB (or 128 × 16, 8 KiB), stay in L1 while the chunk's tiles read them.</summary>
    private const int BlockTaps = 128;

    /// <summary>Floats of position-major sums one chunk may take: a quarter of a 1 MiB L2.</summary>
    private const int ChunkFloats = 64 * 1024;

    /// <summary>Tasks wanted at least, where the planes allow: with one task per image, batch 1 left all threads but one idle.</summary>
    internal const int MinimumTasks = 8;

    private readonly int _channels, _height, _width, _strideHeight, _strideWidth, _padHeight, _padWidth, _kernelHeight, _kernelWidth;
    private readonly int _outputChannels, _outputHeight, _outputWidth, _plane, _taps;
    private readonly int _paddedHeight, _paddedWidth, _paddedPlane;
    private readonly int _chunk, _chunks, _tasks, _blocks;
    private readonly int _blockChannels;
    private readonly int[] _offsets, _weightIndex;
    private readonly bool _wide, _streamed;

    private BroadcastGemmPlan(
        int batch, int channels, int height, int width, int strideHeight, int strideWidth, int padHeight, int padWidth, int kernelHeight, int kernelWidth,
        int outputChannels, int outputHeight, int outputWidth, int[] weightIndex, bool wide, long streamedBytes)
    {
        _wide = wide;
        _blockChannels = wide ? WideBlockChannels : NarrowBlockChannels;
        _weightIndex = weightIndex;
        _channels = channels;
        _height = height;
        _width = width;
        _strideHeight = strideHeight;
        _strideWidth = strideWidth;
        _padHeight = padHeight;
        _padWidth = padWidth;
        _kernelHeight = kernelHeight;
        _kernelWidth = kernelWidth;
        _outputChannels = outputChannels;
        _outputHeight = outputHeight;
        _outputWidth = outputWidth;
        _plane = outputHeight * outputWidth;
        _taps = channels * kernelHeight * kernelWidth;
        _blocks = outputChannels / _blockChannels;

        // The padded rows and columns every window reads (the last window may end before the padding does).
        _paddedHeight = Math.Max(height + (2 * padHeight), ((outputHeight - 1) * strideHeight) + kernelHeight);
        _paddedWidth = Math.Max(width + (2 * padWidth), ((outputWidth - 1) * strideWidth) + kernelWidth);
        _paddedPlane = _paddedHeight * _paddedWidth;
        _offsets = TapOffsets(channels, kernelHeight, kernelWidth, _paddedPlane, _paddedWidth);

        // A whole plane per chunk where its sums fit, else runs of 48 positions (whole tiles and whole transposes); smaller
        // runs (of 48) where the batch is too small for MinimumTasks tasks.
        int most = Math.Max(48, ChunkFloats / outputChannels / 48 * 48);
        _chunk = _plane <= most ? _plane : most;
        int wanted = (MinimumTasks + batch - 1) / batch;
        if ((_plane + _chunk - 1) / _chunk < wanted)
        {
            _chunk = Math.Min(_chunk, Math.Max(48, (_plane + wanted - 1) / wanted / 48 * 48));
        }

        _chunks = (_plane + _chunk - 1) / _chunk;
        _tasks = batch * _chunks;
        _streamed = wide && (long)batch * outputChannels * _plane * sizeof(float) >= streamedBytes;
    }

    /// <summary>
    /// Plans the correlation of an N×C×H×W input with a window (stride, padding, kernel) into N×OC×OH×OW, the weights
    /// OC×C×KH×KW (<c>weightIndex</c>: each tap's weight within a filter, as for <see cref="DirectGemmPlan"/>), on the
    /// AVX-512 tiles where <paramref name="wide"/>, else on the 256-bit ones; null where it does not apply: it needs AVX-512
    /// (or FMA), output channels in whole blocks of 64 (or 16), a stride (stride-1 windows have their own plans), and at
    /// least <see cref="MinimumTaps"/> taps to amortize the transposed stores of the output (resnet_stem has 147: 13–15 %
    /// more GFLOP per CPU-second than the stacked direct GEMM on two threads; fewer taps are not measured).
    /// </summary>
    public static BroadcastGemmPlan? TryCreate(
        int batch, int channels, int height, int width, int strideHeight, int strideWidth, int padHeight, int padWidth, int kernelHeight, int kernelWidth,
        int outputChannels, int outputHeight, int outputWidth, int[] weightIndex, bool wide, long streamedBytes = StreamedStores.MinimumBytes)
    {
        if (!(wide ? MicroKernels.Avx512 : Fma.IsSupported) || outputChannels % (wide ? WideBlockChannels : NarrowBlockChannels) != 0
            || (strideHeight == 1 && strideWidth == 1) || outputHeight * outputWidth < GroupPositions || channels * kernelHeight * kernelWidth < MinimumTaps)
        {
            return null;
        }

        return new BroadcastGemmPlan(
            batch, channels, height, width, strideHeight, strideWidth, padHeight, padWidth, kernelHeight, kernelWidth, outputChannels, outputHeight, outputWidth, weightIndex, wide, streamedBytes);
    }

    /// <summary>Each tap's (c, kh, kw order) offset from its window's first element in images of planes <paramref name="plane"/> floats apart, rows <paramref name="width"/>.</summary>
    internal static int[] TapOffsets(int channels, int kernelHeight, int kernelWidth, int plane, int width)
    {
        int[] offsets = new int[channels * kernelHeight * kernelWidth];
        for (int c = 0, t = 0; c < channels; c++)
        {
            for (int kh = 0; kh < kernelHeight; kh++)
            {
                for (int kw = 0; kw < kernelWidth; kw++, t++)
                {
                    offsets[t] = (c * plane) + (kh * width) + kw;
                }
            }
        }

        return offsets;
    }

    /// <summary>Compute tasks per call: images × chunks of their positions.</summary>
    internal int Tasks => _tasks;

    /// <summary>Whether the output goes to memory by streaming stores (AVX-512 tiles, and at least the plan's threshold, <see cref="StreamedStores.MinimumBytes"/> by default).</summary>
    public bool Streamed => _streamed;

    /// <summary>Taps (C·KH·KW) the plan needs at least (see <see cref="TryCreate"/>).</summary>
    public const int MinimumTaps = 128;

    public void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        Span<float> packed = Workspace.AlignedPacked(_blocks * _taps * _blockChannels);
        var prepare = new WeightPanelJob<BroadcastGemmPlan> { Plan = this, Weight = weight, Packed = packed };
        TensorThreads.Run(_blocks, ref prepare);
        var job = new ComputeJob { Plan = this, Input = input, Packed = packed, Bias = bias, Output = output };
        TensorThreads.Run(_tasks, ref job);
    }

    /// <summary>Block <paramref name="block"/>'s weights transposed (the GEMM plan's panels, B = 64 or 16 rows): packed[(block·taps + t)·B + j] = W[B·block + j, t].</summary>
    public void PackPanel(int block, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> packed)
        => GemmPlan.PackWeights(packed.Slice(block * _taps * _blockChannels, _taps * _blockChannels), weight, block * _blockChannels, _blockChannels, _outputChannels, _taps, _weightIndex);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(int begin, int end, ReadOnlySpan<float> input, ReadOnlySpan<float> packedSpan, ReadOnlySpan<float> bias, Span<float> output)
    {
        int groupsMost = (_chunk + GroupPositions - 1) / GroupPositions;
        float[] paddedArray = Workspace.Source((_channels * _paddedPlane) + 16);
        int blockChannels = _blockChannels;
        float[] sumsArray = Workspace.Tile(_blocks * groupsMost * GroupPositions * blockChannels);
        ref float padded = ref MemoryMarshal.GetArrayDataReference(paddedArray);
        ref float sums = ref MemoryMarshal.GetArrayDataReference(sumsArray);
        ref float packed = ref MemoryMarshal.GetReference(packedSpan);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_offsets);
        Span<int> bases = stackalloc int[groupsMost * GroupPositions];
        for (int task = begin; task < end; task++)
        {
            int n = task / _chunks, p0 = task % _chunks * _chunk, count = Math.Min(_chunk, _plane - p0);
            int groups = (count + GroupPositions - 1) / GroupPositions;

            // The padded rows the chunk's windows read, then each position's base (the last group repeats the last position).
            int row0 = p0 / _outputWidth * _strideHeight, row1 = (((p0 + count - 1) / _outputWidth) * _strideHeight) + _kernelHeight;
            int imageSize = _channels * _height * _width;
            PadRows(input.Slice(n * imageSize, imageSize), _channels, _height, _width, _padHeight, _padWidth, _paddedWidth, _paddedPlane, row0, row1, paddedArray);
            // Row and column stepped along (two divisions per position took 3–4 % of resnet_stem's forward).
            int oh = p0 / _outputWidth, ow = p0 - (oh * _outputWidth);
            for (int i = 0; i < count; i++)
            {
                bases[i] = (oh * _strideHeight * _paddedWidth) + (ow * _strideWidth);
                if (++ow == _outputWidth)
                {
                    ow = 0;
                    oh++;
                }
            }

            for (int i = count; i < groups * GroupPositions; i++)
            {
                bases[i] = bases[count - 1];
            }

            for (int block = 0; block < _blocks; block++)
            {
                ref float blockSums = ref Unsafe.Add(ref sums, block * groups * GroupPositions * blockChannels);
                for (int k0 = 0; k0 < _taps; k0 += BlockTaps)
                {
                    int kb = Math.Min(BlockTaps, _taps - k0);
                    ref float w = ref Unsafe.Add(ref packed, ((block * _taps) + k0) * blockChannels);
                    for (int g = 0, i = 0; g < groups; g++, i += GroupPositions)
                    {
                        if (_wide)
                        {
                            MicroKernels.PositionsTile(
                                ref padded, bases[i], bases[i + 1], bases[i + 2], bases[i + 3], bases[i + 4], bases[i + 5], ref Unsafe.Add(ref offsets, k0),
                                ref w, kb, ref Unsafe.Add(ref blockSums, i * blockChannels), blockChannels, k0 > 0);
                        }
                        else
                        {
                            MicroKernels.PositionsTile256(
                                ref padded, bases[i], bases[i + 1], bases[i + 2], bases[i + 3], bases[i + 4], bases[i + 5], ref Unsafe.Add(ref offsets, k0),
                                ref w, kb, ref Unsafe.Add(ref blockSums, i * blockChannels), blockChannels, k0 > 0);
                        }
                    }
                }

                Store(ref blockSums, count, n, p0, block, bias, output);
            }
        }
    }

    /// <summary>
    /// Rows row0 … row1 − 1 of a zero-padded copy of one image (<paramref name="channels"/> planes of height × width,
    /// <paramref name="padTop"/> rows and <paramref name="padLeft"/> columns of zeros before its own, rows
    /// <paramref name="paddedWidth"/> floats and planes <paramref name="paddedPlane"/> apart in <paramref name="padded"/>),
    /// copied from the image, zero where the padding is (every channel). The broadcast plans read their positions' inputs
    /// from it.
    /// </summary>
    internal static void PadRows(
        ReadOnlySpan<float> image, int channels, int height, int width, int padTop, int padLeft, int paddedWidth, int paddedPlane, int row0, int row1, float[] padded)
    {
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = image.Slice(c * height * width, height * width);
            for (int r = row0; r < row1; r++)
            {
                Span<float> target = padded.AsSpan((c * paddedPlane) + (r * paddedWidth), paddedWidth);
                int ih = r - padTop;
                if ((uint)ih >= (uint)height)
                {
                    target.Clear();
                    continue;
                }

                target.Slice(0, padLeft).Clear();
                plane.Slice(ih * width, width).CopyTo(target.Slice(padLeft));
                target.Slice(padLeft + width).Clear();
            }
        }
    }

    /// <summary>The chunk's position-major sums of one block of output channels, plus the bias, into the NCHW output.</summary>
    private unsafe void Store(ref float blockSums, int count, int n, int p0, int block, ReadOnlySpan<float> bias, Span<float> output)
    {
        fixed (float* target = output)
        {
            float* to = target + ((((long)n * _outputChannels) + (block * _blockChannels)) * _plane) + p0;
            if (_streamed)
            {
                Transpose.PositionsToPlanesStreaming(ref blockSums, _blockChannels, _blockChannels, count, bias, block * _blockChannels, to, _plane);
            }
            else if (_wide)
            {
                Transpose.PositionsToPlanes(ref blockSums, _blockChannels, _blockChannels, count, bias, block * _blockChannels, to, _plane);
            }
            else
            {
                Transpose.PositionsToPlanes256(ref blockSums, _blockChannels, _blockChannels, count, bias, block * _blockChannels, to, _plane);
            }
        }
    }

    private ref struct ComputeJob : IParallelJob
    {
        public BroadcastGemmPlan Plan;
        public ReadOnlySpan<float> Input;
        public ReadOnlySpan<float> Packed;
        public ReadOnlySpan<float> Bias;
        public Span<float> Output;

        public void Execute(int begin, int end) => Plan.Compute(begin, end, Input, Packed, Bias, Output);
    }
}
