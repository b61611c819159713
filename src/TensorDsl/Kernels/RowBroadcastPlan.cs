using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// A stride-1 correlation without padding and into 16 to 32 output channels (lenet_c2's 16, seed_mnist's 30) on the
/// run tiles (<see cref="MicroKernels.RunTile"/> with AVX-512, R = 8 … 16, one vector of channels; else
/// <see cref="MicroKernels.RunTile256"/>, R = 4 … 6, two): R consecutive output positions of a row × a block of 16 output
/// channels (the last block's channels past the output's zero weights),
/// each position's input values broadcast straight from the image, the weights transposed. The GEMM plan computes
/// rows as wide as the input's (lenet_c2: 14 for 10 outputs, a third of its multiplies dropped) and the stacked direct
/// GEMM packs more than 16 output channels repay; this computes only output positions and packs nothing per position.
/// One task per image and block of 16 output channels: it sums every position's taps for the block into position-major
/// scratch, then transposes it into the NCHW output with the bias (the valid channels only). The GEMM plan had spent a quarter of
/// seed_mnist's forward copying its rows out (25 taps per output). Each output element is one FMA chain over the taps in (c, kh, kw)
/// order with the bias added last: bit-identical to the GEMM tiles.
/// </summary>
internal sealed class RowBroadcastPlan
{
    /// <summary>The output channels of a block: one vector of the AVX-512 run tiles, two of the 256-bit ones.</summary>
    private const int Channels = 16;

    /// <summary>Output channels the plan takes at most: two blocks (with more, the GEMM tiles share each input load among more channels).</summary>
    public const int MaximumOutputChannels = 32;

    private readonly int _outputChannels, _blocks;
    private readonly int _imageSize, _width, _outputHeight, _outputWidth, _plane, _taps, _run;
    private readonly int[] _offsets, _weightIndex;
    private readonly bool _wide;

    private RowBroadcastPlan(int channels, int height, int width, int kernelHeight, int kernelWidth, int outputChannels, int outputHeight, int outputWidth, int run, int[] weightIndex, bool wide)
    {
        _wide = wide;
        _outputChannels = outputChannels;
        _blocks = (outputChannels + Channels - 1) / Channels;
        _imageSize = channels * height * width;
        _width = width;
        _outputHeight = outputHeight;
        _outputWidth = outputWidth;
        _plane = outputHeight * outputWidth;
        _taps = channels * kernelHeight * kernelWidth;
        _run = run;
        _offsets = BroadcastGemmPlan.TapOffsets(channels, kernelHeight, kernelWidth, height * width, width);
        _weightIndex = weightIndex;
    }

    /// <summary>
    /// Plans the correlation of an N×C×H×W input with a KH×KW window (stride 1, no padding) into N×OC×OH×OW, the weights
    /// OC×C×KH×KW (<c>weightIndex</c>: each tap's weight within a filter), on the AVX-512 run tiles where
    /// <paramref name="wide"/>, else on the 256-bit ones; null where it does not apply: AVX-512 (or FMA), 16 to
    /// <see cref="MaximumOutputChannels"/> output channels, and output rows at least as wide as the narrowest run tile (8,
    /// or 4).
    /// </summary>
    public static RowBroadcastPlan? TryCreate(
        int channels, int height, int width, int strideHeight, int strideWidth, int padHeight, int padWidth, int kernelHeight, int kernelWidth,
        int outputChannels, int outputHeight, int outputWidth, int[] weightIndex, bool wide)
    {
        ReadOnlySpan<int> sizes = wide ? MicroKernels.RunSizes : MicroKernels.RunSizes256;
        int narrowest = sizes[^1];
        if (!(wide ? MicroKernels.Avx512 : Fma.IsSupported) || strideHeight != 1 || strideWidth != 1 || padHeight != 0 || padWidth != 0 || outputChannels < Channels || outputChannels > MaximumOutputChannels
            || outputWidth < narrowest || outputHeight + kernelHeight - 1 != height || outputWidth + kernelWidth - 1 != width)
        {
            return null;
        }

        // The run tile computing the fewest positions per row (its last run ends at the row's end, overlapping).
        int run = narrowest;
        foreach (int size in sizes)
        {
            if (size <= outputWidth && ((outputWidth + size - 1) / size * size) < ((outputWidth + run - 1) / run * run))
            {
                run = size;
            }
        }

        return new RowBroadcastPlan(channels, height, width, kernelHeight, kernelWidth, outputChannels, outputHeight, outputWidth, run, weightIndex, wide);
    }

    public void Run(int batch, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        // The weights transposed per block (the GEMM plan's panels, 16 rows): packed[(b·taps + t)·16 + j] = W[16·b + j, t],
        // zero past the last channel.
        Span<float> packed = Workspace.AlignedPacked(_blocks * _taps * Channels);
        for (int block = 0; block < _blocks; block++)
        {
            GemmPlan.PackWeights(packed.Slice(block * _taps * Channels, _taps * Channels), weight, block * Channels, Channels, _outputChannels, _taps, _weightIndex);
        }

        var job = new ComputeJob { Plan = this, Input = input, Packed = packed, Bias = bias, Output = output };
        // A task per image and block, so that a single image of two blocks still takes two threads.
        TensorThreads.Run(batch * _blocks, ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Compute(int begin, int end, ReadOnlySpan<float> input, ReadOnlySpan<float> packedSpan, ReadOnlySpan<float> bias, Span<float> output)
    {
        float[] sumsArray = Workspace.Tile(_plane * Channels);
        ref float sums = ref MemoryMarshal.GetArrayDataReference(sumsArray);
        ref float panels = ref MemoryMarshal.GetReference(packedSpan);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_offsets);
        int run = _run;
        fixed (float* target = output)
        {
            for (int task = begin; task < end; task++)
            {
                int n = task / _blocks, block = task % _blocks;
                ref float image = ref Unsafe.AsRef(in input[n * _imageSize]);
                ref float w = ref Unsafe.Add(ref panels, block * _taps * Channels);
                for (int oh = 0; oh < _outputHeight; oh++)
                {
                    for (int ow0 = 0; ow0 < _outputWidth; ow0 += run)
                    {
                        int ow = Math.Min(ow0, _outputWidth - run);
                        ref float x = ref Unsafe.Add(ref image, (oh * _width) + ow);
                        ref float c = ref Unsafe.Add(ref sums, ((oh * _outputWidth) + ow) * Channels);
                        if (_wide)
                        {
                            MicroKernels.RunTile(run, ref x, ref offsets, ref w, _taps, ref c, Channels, false);
                        }
                        else
                        {
                            MicroKernels.RunTile256(run, ref x, ref offsets, ref w, _taps, ref c, Channels, false);
                        }
                    }
                }

                int oc0 = block * Channels, valid = Math.Min(Channels, _outputChannels - oc0);
                float* planes = target + ((((long)n * _outputChannels) + oc0) * _plane);
                if (_wide)
                {
                    Transpose.PositionsToPlanes(ref sums, Channels, valid, _plane, bias, oc0, planes, _plane);
                }
                else
                {
                    Transpose.PositionsToPlanes256(ref sums, Channels, valid, _plane, bias, oc0, planes, _plane);
                }
            }
        }
    }

    private ref struct ComputeJob : IParallelJob
    {
        public RowBroadcastPlan Plan;
        public ReadOnlySpan<float> Input;
        public ReadOnlySpan<float> Packed;
        public ReadOnlySpan<float> Bias;
        public Span<float> Output;

        public void Execute(int begin, int end) => Plan.Compute(begin, end, Input, Packed, Bias, Output);
    }
}
