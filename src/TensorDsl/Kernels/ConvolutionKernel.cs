using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// How the generator splits a convolution's work into tasks, chosen per shape at build time.
/// </summary>
/// <param name="CorrelateRows">Output rows of one image per task of the correlation (conv2d forward).</param>
/// <param name="CorrelateTileRows">Output channels per register tile of the correlation: 1, 2, 3, 4 or 6.</param>
/// <param name="CorrelateBlockChannels">Input channels per reduction block of the correlation (cache blocking).</param>
/// <param name="ScatterRows">Output rows of one image phase per task of the transposed correlation.</param>
/// <param name="ScatterTileRows">Output channels per register tile of the transposed correlation.</param>
/// <param name="ScatterBlockChannels">Grid channels per reduction block of the transposed correlation.</param>
/// <param name="CorrelateWeightsInner">Loop order of the correlation: weight blocks inside tiles (input-stationary) rather than outside.</param>
/// <param name="ScatterWeightsInner">Loop order of the transposed correlation, likewise.</param>
public readonly record struct ConvolutionTiling(
    int CorrelateRows, int CorrelateTileRows, int CorrelateBlockChannels,
    int ScatterRows, int ScatterTileRows, int ScatterBlockChannels,
    bool CorrelateWeightsInner = false, bool ScatterWeightsInner = false);

/// <summary>
/// A float32 convolution of one fixed geometry, computed as an implicit GEMM over a transformed input.
/// <para>
/// The input is first copied once into a zero-padded buffer, split by stride phase, whose rows are <c>Wq</c> wide.
/// Every output position then reads every kernel tap at a constant offset from its own flat index
/// <c>row·Wq + col</c>, so consecutive positions are one unaligned vector load, and a register tile of R output
/// channels × a few vectors of positions sums over all taps with FMA (AVX-512: up to 24 Vector512 accumulators, e.g.
/// 8 channels × 48 positions; otherwise 12 Vector256). The <c>Wq − width</c> positions past each row are computed and
/// dropped. Transposed convolution (deconv2d, conv2d's input gradient) is the same GEMM once per output stride phase,
/// each phase using its own subset of kernel taps (on AVX-512 with stride 2 along the rows: GEMM then col2im instead,
/// <see cref="Col2ImGemmPlan"/>). The weight gradient is a GEMM reduced over positions: R taps × a
/// few vectors of grid channels, the grid gradient transposed to position-major rows.
/// </para>
/// <para>
/// Geometry follows <c>WindowGeometry</c>: the <em>image</em> is the N×IC×IH×IW tensor the window slides over,
/// the <em>grid</em> the N×GC×GH×GW tensor of window positions; weights are GC×IC×KH×KW.
/// Every output element is computed by one task in a fixed order, so results do not depend on the thread count.
/// </para>
/// </summary>
public sealed class ConvolutionKernel : IPreparedGradient
{
    private readonly int _batch, _imageChannels, _imageHeight, _imageWidth, _gridChannels, _gridHeight, _gridWidth;
    private readonly int _kernelArea;
    private readonly InputTransform _imageTransform;
    private readonly InputTransform _gridTransform;
    private readonly GemmPlan _correlate;
    private readonly GemmPlan _scatter;
    private readonly WinogradPlan? _winogradCorrelate, _winogradScatter;
    private readonly DirectGemmPlan? _directCorrelate, _directScatter;
    private readonly Col2ImGemmPlan? _col2ImScatter;
    private readonly BroadcastGemmPlan? _broadcastCorrelate;
    private readonly BroadcastScatterPlan? _broadcastScatter;
    private readonly RowBroadcastPlan? _rowCorrelate;
    private readonly PointwiseGemmPlan? _pointwiseCorrelate, _pointwiseScatter;
    private readonly StrideOneCol2ImPlan? _strideOneScatter;
    private readonly WinogradGradient? _winogradGradient;

    // Weight gradient: positions p = row·Wq + col of the image transform's row width; R taps × C grid channels per tile.
    private readonly bool _gradientWide;
    private readonly int _gradientLength;

    /// <summary>Images per group of the weight gradient (see <see cref="GradientGroupBytes"/>).</summary>
    private readonly int _gradientGroup;

    /// <summary>Images the weight gradient prepares and reduces at a time (for tests).</summary>
    internal int GradientGroup => _winogradGradient is null ? _gradientGroup : _batch;

    /// <summary>Parts the weight gradient deals the batch's chunks of positions into (1 with the Winograd gradient; for tests).</summary>
    internal int GradientParts => _winogradGradient is null ? _gradientParts : 1;

    /// <summary>Positions per row of the weight gradient's transposed grid: the grid's width on AVX-512, else the transformed rows'.</summary>
    private readonly int _gradientWidth;
    private readonly int _gradientRows, _gradientColumns;
    private readonly int _gradientChannelsPadded;

    /// <summary>Floats between consecutive positions of the transposed grid gradient (at least the padded channels).</summary>
    private readonly int _gradientRowStride;

    /// <summary>Floats between consecutive positions of the weight gradient's transposed grid gradient (for tests).</summary>
    internal int GradientRowStride => _gradientRowStride;
    private readonly int[] _gradientOffsets;
    private readonly int[] _gradientSequence;
    private readonly int _gradientTaps;
    private readonly int _gradientChannelGroup, _gradientChannelGroups, _gradientParts, _gradientBlocks, _gradientTapBlocks;

    /// <summary>
    /// Whether each thread re-lays the grid gradient of its own tasks' channel blocks, a band of grid rows at a time, just
    /// before its tiles read it (see <see cref="ComputeGradientBanded"/>); else a preparation pass re-lays the group's.
    /// </summary>
    private readonly bool _gradientBanded;

    /// <summary>Grid rows per band of <see cref="ComputeGradientBanded"/>.</summary>
    private readonly int _gradientBandRows;

    /// <summary>Whether each weight-gradient thread re-lays its own channels' grid gradient band by band (for tests).</summary>
    internal bool GradientTransposesPerThread => _winogradGradient is null && _gradientBanded;

    /// <summary>Groups of grid-channel blocks the weight gradient's tasks are split into (1 with the Winograd gradient; for tests).</summary>
    internal int GradientChannelGroups => _winogradGradient is null ? _gradientChannelGroups : 1;

    /// <summary>Whether each weight-gradient thread also transforms its own taps' image planes (for tests).</summary>
    internal bool GradientTransformsPerThread => _winogradGradient is null && _gradientTransformsPerThread;
    private readonly int _gradientTasks;
    private readonly int _gradientSourceLength;

    /// <summary>
    /// Where the weight gradient's reads of a group's transformed images end (where each thread transforms its own
    /// planes: the length of its buffer, at least one whole transformed image).
    /// </summary>
    private readonly int _gradientReadEnd;
    private readonly bool _gradientReadsImage;

    /// <summary>
    /// Whether each weight-gradient thread also transforms its own taps' image planes, image by image, into its own buffer
    /// (banded, and the tiles do not read the image itself): no preparation pass, no groups of images.
    /// </summary>
    private readonly bool _gradientTransformsPerThread;

    /// <summary>Elements a weight-gradient tile reads from a tap's offset on, at most (the grid's rows at the transformed rows' width).</summary>
    private readonly int _gradientReadLength;

    /// <summary>Plans the kernels of one geometry; tables are built once here, so calls allocate nothing.</summary>
    public ConvolutionKernel(
        int batch, int imageChannels, int imageHeight, int imageWidth,
        int gridChannels, int gridHeight, int gridWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth,
        ConvolutionTiling tiling)
        : this(batch, imageChannels, imageHeight, imageWidth, gridChannels, gridHeight, gridWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth, tiling, MicroKernels.Avx512)
    {
    }

    /// <summary>
    /// Plans the kernels with the AVX-512 tiles (<paramref name="wide"/>, which needs AVX-512F) or the 256-bit ones; without
    /// <paramref name="winograd"/> or <paramref name="broadcast"/> the plans that would take Winograd or the 256-bit
    /// broadcast tiles take the GEMM tiles instead (the tests compare them).
    /// </summary>
    internal ConvolutionKernel(
        int batch, int imageChannels, int imageHeight, int imageWidth,
        int gridChannels, int gridHeight, int gridWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth,
        ConvolutionTiling tiling, bool wide, bool winograd = true, bool broadcast = true)
    {
        _batch = batch;
        _imageChannels = imageChannels;
        _imageHeight = imageHeight;
        _imageWidth = imageWidth;
        _gridChannels = gridChannels;
        _gridHeight = gridHeight;
        _gridWidth = gridWidth;
        _kernelArea = kernelHeight * kernelWidth;

        // ---- correlation: image → grid, one phase; the image split by stride phase.
        int rowsQ = gridHeight + ((kernelHeight - 1) / strideHeight);
        int colsQ = gridWidth + ((kernelWidth - 1) / strideWidth);
        _imageTransform = new InputTransform(imageChannels, imageHeight, imageWidth, strideHeight, strideWidth, padHeight, padWidth, rowsQ, colsQ);
        int taps = imageChannels * _kernelArea;
        int[] offsets = new int[taps];
        int[] weightIndex = new int[taps];
        for (int ic = 0, k = 0; ic < imageChannels; ic++)
        {
            for (int kh = 0; kh < kernelHeight; kh++)
            {
                for (int kw = 0; kw < kernelWidth; kw++, k++)
                {
                    offsets[k] = _imageTransform.Offset(ic, kh % strideHeight, kw % strideWidth, kh / strideHeight, kw / strideWidth);
                    weightIndex[k] = (ic * _kernelArea) + (kh * kernelWidth) + kw;
                }
            }
        }

        _correlate = new GemmPlan(
            _imageTransform, gridChannels, gridHeight, gridWidth, imageChannels * _kernelArea,
            new[] { new GemmPhase(offsets, weightIndex, _kernelArea, gridHeight, gridWidth, 0, 1, 0, 1) },
            batch, Math.Max(1, tiling.CorrelateRows), tiling.CorrelateTileRows, tiling.CorrelateBlockChannels, tiling.CorrelateWeightsInner, wide);

        // ---- transposed correlation: grid → image, one GEMM per image stride phase.
        int tapsHigh = (kernelHeight + strideHeight - 1) / strideHeight;
        int tapsWide = (kernelWidth + strideWidth - 1) / strideWidth;
        int padTop = tapsHigh - 1, padLeft = tapsWide - 1;
        int gridRowsNeeded = gridHeight + padTop, gridColsNeeded = gridWidth + padLeft;
        for (int rh = 0; rh < strideHeight; rh++)
        {
            (int q0, int q1) = PhaseRange(rh, padHeight, strideHeight, imageHeight);
            if (q1 >= q0)
            {
                gridRowsNeeded = Math.Max(gridRowsNeeded, q1 + padTop + 1);
            }
        }

        for (int rw = 0; rw < strideWidth; rw++)
        {
            (int b0, int b1) = PhaseRange(rw, padWidth, strideWidth, imageWidth);
            if (b1 >= b0)
            {
                gridColsNeeded = Math.Max(gridColsNeeded, b1 + padLeft + 1);
            }
        }

        _gridTransform = new InputTransform(gridChannels, gridHeight, gridWidth, 1, 1, padTop, padLeft, gridRowsNeeded, gridColsNeeded);
        GemmPhase[] phases = new GemmPhase[strideHeight * strideWidth];
        for (int rh = 0; rh < strideHeight; rh++)
        {
            for (int rw = 0; rw < strideWidth; rw++)
            {
                (int q0, int q1) = PhaseRange(rh, padHeight, strideHeight, imageHeight);
                (int b0, int b1) = PhaseRange(rw, padWidth, strideWidth, imageWidth);
                int jh = rh < kernelHeight ? (kernelHeight - rh + strideHeight - 1) / strideHeight : 0;
                int jw = rw < kernelWidth ? (kernelWidth - rw + strideWidth - 1) / strideWidth : 0;
                int phaseTaps = gridChannels * jh * jw;
                int[] phaseOffsets = new int[phaseTaps];
                int[] phaseWeights = new int[phaseTaps];
                for (int gc = 0, k = 0; gc < gridChannels; gc++)
                {
                    for (int j = 0; j < jh; j++)
                    {
                        for (int i = 0; i < jw; i++, k++)
                        {
                            int kh = rh + (strideHeight * j), kw = rw + (strideWidth * i);
                            phaseOffsets[k] = _gridTransform.Offset(gc, 0, 0, q0 + padTop - j, b0 + padLeft - i);
                            phaseWeights[k] = (gc * imageChannels * _kernelArea) + (kh * kernelWidth) + kw;
                        }
                    }
                }

                phases[(rh * strideWidth) + rw] = new GemmPhase(
                    phaseOffsets, phaseWeights, jh * jw, Math.Max(0, q1 - q0 + 1), Math.Max(0, b1 - b0 + 1),
                    (strideHeight * q0) + rh - padHeight, strideHeight, (strideWidth * b0) + rw - padWidth, strideWidth);
            }
        }

        _scatter = new GemmPlan(_gridTransform, imageChannels, imageHeight, imageWidth, _kernelArea, phases, batch, Math.Max(1, tiling.ScatterRows), tiling.ScatterTileRows, tiling.ScatterBlockChannels, tiling.ScatterWeightsInner, wide);

        // On AVX-512 (and from 32 output channels), one GEMM over the batch's stacked output positions, packed straight
        // from the NCHW input and stored straight into the NCHW output (DirectGemmPlan): 1×1 windows without stride or
        // padding in both directions, strided correlations forward. No transformed copy, no dropped columns.
        if (wide && kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padHeight == 0 && padWidth == 0)
        {
            int[] channelWeights = new int[gridChannels];
            for (int gc = 0; gc < gridChannels; gc++)
            {
                channelWeights[gc] = gc * imageChannels;
            }

            _directCorrelate = DirectGemmPlan.TryCreate(batch, imageChannels, imageHeight, imageWidth, 1, 1, 0, 0, 1, 1, gridChannels, gridHeight, gridWidth, weightIndex, imageChannels);
            _directScatter = DirectGemmPlan.TryCreate(batch, gridChannels, gridHeight, gridWidth, 1, 1, 0, 0, 1, 1, imageChannels, imageHeight, imageWidth, channelWeights, 1);
        }
        else if (kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padHeight == 0 && padWidth == 0)
        {
            // The same 1×1 GEMMs on the 256-bit tiles, straight from the NCHW planes (PointwiseGemmPlan).
            _pointwiseCorrelate = PointwiseGemmPlan.TryCreate(batch, imageChannels, gridChannels, gridHeight * gridWidth, transposed: false);
            _pointwiseScatter = PointwiseGemmPlan.TryCreate(batch, gridChannels, imageChannels, imageHeight * imageWidth, transposed: true);
        }
        else if (wide && (strideHeight > 1 || strideWidth > 1))
        {
            // Output channels in blocks of 64: the broadcast tiles, nothing packed per position (BroadcastGemmPlan); else
            // the stacked direct GEMM.
            _broadcastCorrelate = BroadcastGemmPlan.TryCreate(
                batch, imageChannels, imageHeight, imageWidth, strideHeight, strideWidth, padHeight, padWidth, kernelHeight, kernelWidth, gridChannels, gridHeight, gridWidth, weightIndex, wide: true);
            _directCorrelate = _broadcastCorrelate is not null ? null : DirectGemmPlan.TryCreate(
                batch, imageChannels, imageHeight, imageWidth, strideHeight, strideWidth, padHeight, padWidth, kernelHeight, kernelWidth, gridChannels, gridHeight, gridWidth, weightIndex, imageChannels * _kernelArea);
        }
        else if (broadcast && (strideHeight > 1 || strideWidth > 1))
        {
            // Output channels in blocks of 16: the 256-bit broadcast tiles, only output positions and nothing packed per
            // position; else the GEMM plan, whose rows are as wide as the transformed input's.
            _broadcastCorrelate = BroadcastGemmPlan.TryCreate(
                batch, imageChannels, imageHeight, imageWidth, strideHeight, strideWidth, padHeight, padWidth, kernelHeight, kernelWidth, gridChannels, gridHeight, gridWidth, weightIndex, wide: false);
        }

        // Strided transposed correlations on AVX-512 (stride 2 along the rows): GEMM of the transposed weights with the
        // grid, then col2im (Col2ImGemmPlan), rather than a GEMM per stride phase.
        if (wide && _directScatter is null)
        {
            _col2ImScatter = Col2ImGemmPlan.TryCreate(batch, gridChannels, gridHeight, gridWidth, imageChannels, imageHeight, imageWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth);
        }
        else if (!wide && broadcast && (strideHeight > 1 || strideWidth > 1))
        {
            // With the 256-bit tiles, image channels in blocks of 16: the stride phases on the broadcast tiles, each
            // position's sums at its own place (BroadcastScatterPlan), rather than the GEMM's wide rows copied out a
            // stride apart.
            _broadcastScatter = BroadcastScatterPlan.TryCreate(
                batch, _gridTransform, phases, imageChannels, imageHeight, imageWidth, _kernelArea, strideHeight, strideWidth, padHeight, padWidth);
        }

        // 16 to 32 output channels, stride 1, no padding: the run tiles (RowBroadcastPlan), only output positions.
        if (_directCorrelate is null && _broadcastCorrelate is null && _pointwiseCorrelate is null)
        {
            _rowCorrelate = RowBroadcastPlan.TryCreate(imageChannels, imageHeight, imageWidth, strideHeight, strideWidth, padHeight, padWidth, kernelHeight, kernelWidth, gridChannels, gridHeight, gridWidth, weightIndex, wide);
        }

        // 3×3 stride-1 windows: Winograd F(2×2, 3×3) for the correlation and for the transposed correlation (a correlation
        // with the flipped kernel and padding 2 − pad), 2.25× fewer multiplies than the GEMM; on the AVX-512 tiles, or on
        // the 256-bit tiles with AVX2; the weight gradient by F(3×3, 2×2) likewise.
        if (winograd && WinogradPlan.IsSupported(wide) && kernelHeight == 3 && kernelWidth == 3 && strideHeight == 1 && strideWidth == 1 && padHeight == padWidth)
        {
            if (WinogradPlan.IsApplicable(imageHeight, imageWidth, gridHeight, gridWidth, padHeight))
            {
                _winogradCorrelate = new WinogradPlan(batch, imageChannels, imageHeight, imageWidth, gridChannels, gridHeight, gridWidth, padHeight, imageChannels * 9, 9, flip: false, wide);
            }

            if (WinogradPlan.IsApplicable(imageHeight, imageWidth, gridHeight, gridWidth, padHeight))
            {
                _winogradGradient = new WinogradGradient(batch, imageChannels, imageHeight, imageWidth, gridChannels, gridHeight, gridWidth, padHeight, wide);
            }

            if (WinogradPlan.IsApplicable(gridHeight, gridWidth, imageHeight, imageWidth, 2 - padHeight))
            {
                _winogradScatter = new WinogradPlan(batch, gridChannels, gridHeight, gridWidth, imageChannels, imageHeight, imageWidth, 2 - padHeight, 9, imageChannels * 9, flip: true, wide);
            }
        }

        // Stride 1 into at most a few image channels (seed_mnist's input gradient), where Winograd does not take it: GEMM
        // into im2col columns, then col2im (StrideOneCol2ImPlan), rather than a per-phase GEMM with one tile row per
        // image channel.
        if (broadcast && _winogradScatter is null && strideHeight == 1 && strideWidth == 1 && _kernelArea > 1)
        {
            _strideOneScatter = StrideOneCol2ImPlan.TryCreate(batch, gridChannels, gridHeight, gridWidth, imageChannels, imageHeight, imageWidth, kernelHeight, kernelWidth, padHeight, padWidth, wide);
        }

        // ---- weight gradient: a GEMM over the positions of every image, gW[tap, gc] = Σ x[tap offset + p] · g[p, gc],
        // with the grid gradient transposed to position-major rows (grid channels contiguous, padded to the tile width)
        // and each task's taps packed R-interleaved per image: the same tiles as the forward, R taps × C grid channels.
        _gradientWide = wide;
        // The AVX-512 tiles step over the transformed rows' columns past the grid's (strided_3x3: 15-wide rows for 14
        // outputs, lenet_c2: 14 for 10), so their positions are the grid's own; the packed GEMM's run along whole rows.
        _gradientWidth = wide ? gridWidth : colsQ;
        _gradientLength = gridHeight * _gradientWidth;
        _gradientRows = wide ? MicroKernels.RowsTileRowsFor(taps, gridChannels) : MicroKernels.Rows256For(taps, gridChannels);
        _gradientColumns = wide ? MicroKernels.WideColumnsFor(_gradientRows) : MicroKernels.ColumnsFor(_gradientRows);
        _gradientChannelsPadded = MicroKernels.RoundUp(gridChannels, _gradientColumns);

        // The tiles step through the transposed gradient one position (row) at a time: rows an even number of cache lines
        // apart (256 channels: 1 KiB) fall into a fraction of L1's sets and evict each other before the next tile reads
        // them again; an odd number of lines uses every set. 256-bit tiles, from 128 channels (one thread, alternating
        // runs: pointwise_1x1's weight gradient 64 → 68 GFLOP/CPU-s, strided_3x3's 61 → 67; resnet_stem's 64 channels
        // lost 10 %); the AVX-512 layout is unchanged.
        _gradientRowStride = GradientRowStrideFor(_gradientChannelsPadded, wide);
        _gradientTaps = taps;
        _gradientOffsets = new int[MicroKernels.RoundUp(taps, _gradientRows)];
        Array.Copy(offsets, _gradientOffsets, taps);

        // Taps past the last (their sums are dropped) read the last tap's row: a plane the thread that takes them reads anyway.
        _gradientOffsets.AsSpan(taps).Fill(offsets[taps - 1]);
        _gradientSequence = new int[_gradientLength];
        for (int i = 0; i < _gradientLength; i++)
        {
            _gradientSequence[i] = i * _gradientRowStride;
        }

        // Tasks are tap blocks, each over every grid channel (its packed taps serve them all); with few tap blocks the
        // grid channels are split as well, so that the threads get even shares.
        int tapBlocks = _gradientOffsets.Length / _gradientRows;
        int channelBlocks = _gradientChannelsPadded / _gradientColumns;
        _gradientChannelGroups = Math.Clamp((MinimumGradientTasks + tapBlocks - 1) / tapBlocks, 1, channelBlocks);

        // Where the threads re-lay their own channels' gradient (banded, below), a single channel group has every thread
        // re-lay all of it: with two, two threads re-lay half each and both read the whole image instead, which pays where
        // the gradient is no smaller than the image (pointwise_1x1 on two threads, medians of alternating runs: called alone
        // 1.51–1.57 → 1.30–1.33 ms; right after the input gradient, as in a backward, which leaves the gradient in cache,
        // unchanged at 1.37–1.47; the 256-bit tiles after the input gradient 2.65–3.07 → 2.58–2.81; strided_3x3, whose
        // image is twice its gradient, lost 11 % alone).
        if ((wide || Fma.IsSupported) && tapBlocks * _gradientChannelGroups >= MinimumBandedTasks
            && (long)gridChannels * gridHeight * gridWidth >= (long)imageChannels * imageHeight * imageWidth)
        {
            _gradientChannelGroups = Math.Max(_gradientChannelGroups, Math.Min(channelBlocks, 2));
        }

        _gradientChannelGroup = (channelBlocks + _gradientChannelGroups - 1) / _gradientChannelGroups;
        _gradientChannelGroups = (channelBlocks + _gradientChannelGroup - 1) / _gradientChannelGroup;
        _gradientBlocks = tapBlocks * _gradientChannelGroups;

        // Still too few tasks (seed_mnist: 3 tap blocks of one channel block, which split 1 against 2 on two threads):
        // the chunks of positions (whole images where an image is one chunk) are dealt into parts as well, the batch's
        // chunk u to part u mod P, each part with its own sums, added in part order at the end. The parts depend on the
        // shape only, so the results still do not depend on the threads; a part has a chunk in every few, so each group
        // of images gives every part work.
        // Where the tasks can re-lay their own bands (below), from 16 tasks one part does better than even shares:
        // resnet_stem's 25 on AVX-512 split 13 against 12, yet two threads, best calls, alternating: 6.9–7.2 → 6.3–6.8 ms.
        _gradientParts = (wide || Fma.IsSupported) && _gradientBlocks >= MinimumBandedTasks
            ? 1
            : Math.Clamp((MinimumGradientTasks + _gradientBlocks - 1) / _gradientBlocks, 1, batch * GradientChunks);
        _gradientTasks = _gradientBlocks * _gradientParts;
        _gradientTapBlocks = tapBlocks;

        // One part (every thread's tasks see every chunk): tasks are numbered channel group first, so that a thread's run of
        // tasks takes a share of the grid channels where there are several groups, and each thread re-lays its channels'
        // gradient, a band of whole grid rows (about GradientChunkBytes) at a time, into its own aligned buffer right before
        // its tiles read it, from its own L2. A separate pass had re-laid the whole group first, read back from the shared
        // cache, and took longer on two threads than on one (pointwise_1x1: 0.29 against 0.21 ms of 1.6). Best calls, two
        // threads, alternating, AVX-512: pointwise_1x1 1.38–1.56 → 1.15–1.28 ms (its one channel group re-laid by both
        // threads), strided_3x3 6.2–6.9 → 5.8–6.9; 256-bit tiles: resnet_stem (two groups) 15.0–16.6 → 11.0–12.7.
        _gradientBanded = _gradientParts == 1 && (wide || Fma.IsSupported);
        int bandPositions = Math.Max(64, GradientChunkBytes / (_gradientRowStride * sizeof(float)));
        _gradientBandRows = EvenPiece(gridHeight, Math.Max(1, (int)Math.Round((double)bandPositions / _gradientWidth)));
        int maxOffset = 0;
        foreach (int offset in offsets)
        {
            maxOffset = Math.Max(maxOffset, offset);
        }

        int readLength = gridHeight * colsQ;
        _gradientReadLength = readLength;

        // No padding or stride and rows as wide as the image's (1×1 windows, 3×3 without padding, …): the transform is a
        // plain copy, and where every tile read stays inside its image the weight gradient reads the image itself.
        _gradientReadsImage = _imageTransform.StrideHeight == 1 && _imageTransform.StrideWidth == 1 && padHeight == 0 && padWidth == 0
            && _imageTransform.RowsQ == imageHeight && _imageTransform.ColsQ == imageWidth && maxOffset + readLength <= _imageTransform.Image;
        long groupBytes = sizeof(float) * (((long)_gradientLength * _gradientRowStride) + (_gradientReadsImage ? 0 : _imageTransform.Image));
        // Where the threads re-lay their own gradient bands, they transform their own planes as well, each image just
        // before its tiles read it, into their own L2: the shared pass had written a group's transformed images out to
        // the shared cache and read them back, and each of its two waits took the other thread's hiccups (on two threads
        // a tenth of strided_3x3's weight-gradient CPU time was spent waiting).
        _gradientTransformsPerThread = _gradientBanded && !_gradientReadsImage;
        _gradientGroup = _gradientTransformsPerThread ? batch : (int)Math.Clamp(GradientGroupBytes / groupBytes, 1, batch);
        // One transformed image per thread, or a group's: whole planes, and the tiles' reads past them (a window narrower
        // than its stride reads no last phase, so the reads can end before the last plane does).
        _gradientReadEnd = _gradientTransformsPerThread
            ? Math.Max(_imageTransform.Image, maxOffset + readLength)
            : ((_gradientGroup - 1) * _imageTransform.Image) + maxOffset + readLength;
        _gradientSourceLength = Math.Max(_correlate.SourceLength, _gradientReadEnd);
    }

    /// <summary>
    /// Weight-gradient tasks wanted at least, so that 2–8 threads get even shares (resnet_stem's 25 tap blocks split 12
    /// against 13 on two threads; 50 split evenly).
    /// </summary>
    private const int MinimumGradientTasks = 32;

    /// <summary>Weight-gradient tasks from which the banded gradient takes one part (see the constructor).</summary>
    private const int MinimumBandedTasks = 16;

    /// <summary>
    /// Floats between the transposed grid gradient's positions for rows of <paramref name="channels"/> channels: one cache
    /// line more where the 256-bit tiles would find them an even number of lines apart (see the constructor).
    /// </summary>
    private static int GradientRowStrideFor(int channels, bool wide)
        => channels + (!wide && Fma.IsSupported && channels >= 128 && channels / 16 % 2 == 0 ? 16 : 0);

    /// <summary>The size of the even pieces, about <paramref name="target"/> each (the nearest count of them), that cover <paramref name="total"/>.</summary>
    private static int EvenPiece(int total, int target)
    {
        int pieces = Math.Max(1, (int)Math.Round((double)total / target));
        return (total + pieces - 1) / pieces;
    }

    /// <summary>The range q0..q1 of phase positions q whose output row s·q + phase − pad lies in [0, size).</summary>
    private static (int First, int Last) PhaseRange(int phase, int pad, int stride, int size)
    {
        int first = Math.Max(0, CeilDiv(pad - phase, stride));
        int last = FloorDiv(size - 1 + pad - phase, stride);
        return (first, last);
    }

    private static int CeilDiv(int a, int b) => -FloorDiv(-a, b);

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>Whether the correlation runs Winograd F(2×2, 3×3).</summary>
    internal bool CorrelatesByWinograd => _winogradCorrelate is not null;

    /// <summary>Whether the transposed correlation runs Winograd F(2×2, 3×3).</summary>
    internal bool ScattersByWinograd => _winogradScatter is not null;

    /// <summary>Whether the weight gradient runs Winograd F(3×3, 2×2).</summary>
    internal bool WeightGradientByWinograd => _winogradGradient is not null;

    /// <summary>Whether the correlation runs on the broadcast tiles (<see cref="BroadcastGemmPlan"/>).</summary>
    internal bool CorrelatesByBroadcast => _broadcastCorrelate is not null && _winogradCorrelate is null;

    /// <summary>Whether the correlation runs on the run tiles (<see cref="RowBroadcastPlan"/>).</summary>
    internal bool CorrelatesByRows => _rowCorrelate is not null && _winogradCorrelate is null;

    /// <summary>Whether the GEMM plans of the correlation and the transposed correlation pack their tiles' strips.</summary>
    internal (bool Correlate, bool Scatter) PacksStrips => (_correlate.PacksStrips, _scatter.PacksStrips);

    /// <summary>Whether the 1×1 correlation and transposed correlation run on the 256-bit tiles straight from the planes (<see cref="PointwiseGemmPlan"/>).</summary>
    internal bool RunsPointwise => _pointwiseCorrelate is not null && _pointwiseScatter is not null;

    /// <summary>Whether the transposed correlation runs on the 256-bit broadcast tiles (<see cref="BroadcastScatterPlan"/>).</summary>
    internal bool ScattersByBroadcast => _broadcastScatter is not null;

    /// <summary>The compute tasks per call of the broadcast correlation and transposed correlation (0 where they do not run; for tests).</summary>
    internal (int Correlate, int Scatter) BroadcastTasks => (_broadcastCorrelate?.Tasks ?? 0, _broadcastScatter?.Tasks ?? 0);

    /// <summary>Whether the transposed correlation runs as a stride-1 GEMM and col2im (<see cref="StrideOneCol2ImPlan"/>; for tests).</summary>
    internal bool ScattersByStrideOneCol2Im => _strideOneScatter is not null && _winogradScatter is null && _directScatter is null;

    /// <summary>Whether the transposed correlation runs as GEMM and col2im (<see cref="Col2ImGemmPlan"/>).</summary>
    internal bool ScattersByCol2Im => _col2ImScatter is not null && _winogradScatter is null && _directScatter is null;

    /// <summary>grid = correlate(image, weight) (+ bias per grid channel): conv2d's forward, deconv2d's input gradient.</summary>
    public void Correlate(ReadOnlySpan<float> image, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> grid)
    {
        if (_winogradCorrelate is not null)
        {
            _winogradCorrelate.Run(image, weight, bias, grid);
        }
        else if (_broadcastCorrelate is not null)
        {
            _broadcastCorrelate.Run(image, weight, bias, grid);
        }
        else if (_rowCorrelate is not null)
        {
            _rowCorrelate.Run(_batch, image, weight, bias, grid);
        }
        else if (_directCorrelate is not null)
        {
            _directCorrelate.Run(image, weight, bias, grid);
        }
        else if (_pointwiseCorrelate is not null)
        {
            _pointwiseCorrelate.Run(image, weight, bias, grid);
        }
        else
        {
            _correlate.Run(image, weight, bias, grid);
        }
    }

    /// <summary>image = transposed correlation of grid with weight (+ bias per image channel): deconv2d's forward, conv2d's input gradient.</summary>
    public void Scatter(ReadOnlySpan<float> grid, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> image)
    {
        if (_winogradScatter is not null)
        {
            _winogradScatter.Run(grid, weight, bias, image);
        }
        else if (_directScatter is not null)
        {
            _directScatter.Run(grid, weight, bias, image);
        }
        else if (_strideOneScatter is not null)
        {
            _strideOneScatter.Run(grid, weight, bias, image);
        }
        else if (_pointwiseScatter is not null)
        {
            _pointwiseScatter.Run(grid, weight, bias, image);
        }
        else if (_col2ImScatter is not null)
        {
            _col2ImScatter.Run(grid, weight, bias, image);
        }
        else if (_broadcastScatter is not null)
        {
            _broadcastScatter.Run(grid, weight, bias, image);
        }
        else
        {
            _scatter.Run(grid, weight, bias, image);
        }
    }

    /// <summary>weightGradient[gc, ic, kh, kw] = Σ over n, oh, ow of grid[n, gc, oh, ow] · image window: Conv2DGradW.</summary>
    public void WeightGradient(ReadOnlySpan<float> image, ReadOnlySpan<float> grid, Span<float> weightGradient)
    {
        if (_winogradGradient is not null)
        {
            _winogradGradient.Run(image, grid, weightGradient);
            return;
        }

        // Groups of images, each prepared (transformed, its grid transposed) and then reduced before the next: the
        // prepared group stays in cache for the tiles, where preparing the whole batch first wrote it out to memory and read
        // it back (strided_3x3: 7 MiB of transformed input and 3 MiB of transposed gradient; the transform alone ran at the
        // memory's speed, about a tenth of the gradient's time on one thread).
        int group = _gradientGroup;
        float[] second = Workspace.Second(_gradientBanded ? 0 : group * _gradientLength * _gradientRowStride);
        float[]? source = _gradientReadsImage || _gradientTransformsPerThread ? null : Workspace.Source(_gradientSourceLength);
        float[] sums = Workspace.Sums(_gradientTasks * GradientTileSize);
        for (int n0 = 0; n0 < _batch; n0 += group)
        {
            int images = Math.Min(group, _batch - n0);
            var prepare = new GradientPrepareJob<ConvolutionKernel> { Plan = this, Image = image, Grid = grid, Source = source!, Second = second, First = n0, Images = images };
            int prepareTasks = PrepareTasks(images);
            if (prepareTasks > 0)
            {
                TensorThreads.Run(prepareTasks, ref prepare);
            }

            // The transform would copy the image unchanged: the tiles read the image itself; only the grid is re-laid.
            var job = new GradientJob { Kernel = this, Source = source is null ? image : source, Grid = grid, Second = second, Sums = sums, First = n0, Images = images };
            TensorThreads.Run(_gradientTasks, ref job);
        }

        var relay = new GradientRelayJob { Kernel = this, Sums = sums, WeightGradient = weightGradient };
        TensorThreads.Run(_gradientBlocks, ref relay);
    }

    /// <summary>Floats of one weight-gradient task's sums: its tap block × its channel group.</summary>
    private int GradientTileSize => _gradientRows * _gradientChannelGroup * _gradientColumns;

    /// <summary>
    /// Preparation tasks for a group of images: planes to transform, grid blocks to transpose (none where the threads
    /// re-lay their own bands), the slack to clear (where the tiles do not read the image itself). In that order: the
    /// static split then gives the transforms and the transposes to different threads (resnet_stem: 3 planes, 4 blocks).
    /// </summary>
    private int PrepareTasks(int images) => _gradientReadsImage || _gradientTransformsPerThread ? images * PreparedTransposeBlocks : (images * (_imageChannels + PreparedTransposeBlocks)) + 1;

    /// <summary>Grid blocks per image that the preparation pass transposes.</summary>
    private int PreparedTransposeBlocks => _gradientBanded ? 0 : TransposeBlocks;

    /// <summary>
    /// Bytes of prepared input and transposed gradient one group of images may take: about the two cores' L2s. Groups of
    /// one image (1 MiB) lost more at the passes' barriers than they saved (strided_3x3's gradient 6.1–6.6 ms against
    /// 5.2–5.5 for the whole batch at once); groups of 4 MiB (strided_3x3: 6 images) gave 5.15–5.27 ms against 5.32–6.49,
    /// resnet_stem (one image a group) 5.97 against 6.56–6.94, best calls on two threads.
    /// </summary>
    private const int GradientGroupBytes = 4 * 1024 * 1024;

    /// <summary>Grid channels one transposition task writes per position (a cache line).</summary>
    private const int TransposeChannels = 16;

    private int TransposeBlocks => (_gradientChannelsPadded + TransposeChannels - 1) / TransposeChannels;

    /// <summary>Bytes of transposed grid gradient one chunk of positions spans, so that it stays in L2 across tasks.</summary>
    private const int GradientChunkBytes = 192 * 1024;

    /// <summary>
    /// One preparation task of the group of <paramref name="images"/> images from image <paramref name="first"/>: an image
    /// plane to transform into <paramref name="source"/>'s slot of the image (none where the tiles read the image itself:
    /// <paramref name="source"/> is then null), a block of the grid gradient to transpose into <paramref name="second"/>'s,
    /// or the slack past the group's last slot to clear.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IPreparedGradient.PrepareGradient(int task, int first, int images, ReadOnlySpan<float> image, ReadOnlySpan<float> grid, float[] source, float[] second)
    {
        int imageTasks = _gradientReadsImage ? 0 : images * _imageChannels;
        if (task < imageTasks)
        {
            int imageSlot = task / _imageChannels;
            _imageTransform.Copy(image, source, first + imageSlot, task % _imageChannels, imageSlot);
            return;
        }

        task -= imageTasks;
        int blocks = PreparedTransposeBlocks;
        if (task == images * blocks)
        {
            // Slack past the group's last image, as far as the tiles read: only for positions whose gradient is zero, but
            // kept finite (zero). (The buffer is longer, shared with the forward's transform: clearing it all took a
            // seventh of strided_3x3's weight gradient.)
            int end = images * _imageTransform.Image;
            source.AsSpan(end, Math.Max(0, _gradientReadEnd - end)).Clear();
            return;
        }

        int slot = task / blocks, gc0 = task % blocks * TransposeChannels;
        ref float target = ref Unsafe.Add(ref MemoryMarshal.GetReference(second), (slot * _gradientLength * _gradientRowStride) + gc0);
        TransposeGrid(grid, first + slot, gc0, Math.Min(TransposeChannels, _gradientChannelsPadded - gc0), 0, _gridHeight, ref target, _gradientRowStride);
    }

    /// <summary>
    /// Grid rows r0 … r0 + height − 1 of image n's channels gc0 … gc0 + channels − 1 (at most 16) re-laid position-major:
    /// <c>target[p·ld + j] = grid[n, gc0 + j, r0 + oh, ow]</c> at p = oh·(gradient width) + ow; zero for ow ≥ grid width
    /// and for channels past the grid's.
    /// </summary>
    private void TransposeGrid(ReadOnlySpan<float> grid, int n, int gc0, int channels, int r0, int height, ref float target, int ld)
    {
        int plane = _gridHeight * _gridWidth;
        int valid = Math.Clamp(_gridChannels - gc0, 0, channels);

        // Channels past the grid's are not read (valid); the reference stays inside the grid.
        ref float planes = ref Unsafe.Add(ref MemoryMarshal.GetReference(grid), (((n * _gridChannels) + Math.Min(gc0, _gridChannels - 1)) * plane) + (r0 * _gridWidth));
        Transpose.PlanesToPositions(ref planes, height, _gridWidth, plane, channels, valid, ref target, height, _gradientWidth, ld);
    }

    /// <summary>
    /// Positions per chunk of an image's transposed gradient: the image's positions in even chunks of about
    /// <see cref="GradientChunkBytes"/> (rounded to the nearest count, so 196 positions make one chunk, not 192 and a
    /// 4-position call that loads and stores every tile's sums for 4 FMAs).
    /// </summary>
    private int GradientChunk
    {
        get
        {
            return EvenPiece(_gradientLength, Math.Max(64, GradientChunkBytes / (_gradientRowStride * sizeof(float))));
        }
    }

    /// <summary>Chunks of <see cref="GradientChunk"/> positions per image.</summary>
    private int GradientChunks => (_gradientLength + GradientChunk - 1) / GradientChunk;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeGradient(int begin, int end, int first, int images, ReadOnlySpan<float> sourceSpan, ReadOnlySpan<float> grid, float[] secondArray, float[] sums)
    {
        if (_gradientBanded)
        {
            ComputeGradientBanded(begin, end, first, images, sourceSpan, grid, sums);
            return;
        }

        int rows = _gradientRows, columns = _gradientColumns;
        int tileSize = GradientTileSize;
        int chunk = GradientChunk, chunks = GradientChunks;
        float[] panelArray = Workspace.Panel(chunk * rows);
        ref float sum0 = ref MemoryMarshal.GetArrayDataReference(sums);
        ref float panel = ref MemoryMarshal.GetArrayDataReference(panelArray);
        ref float source = ref MemoryMarshal.GetReference(sourceSpan);
        ref float second = ref MemoryMarshal.GetArrayDataReference(secondArray);
        ref int sequence = ref MemoryMarshal.GetArrayDataReference(_gradientSequence);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_gradientOffsets);
        int channelBlocks = _gradientChannelsPadded / columns;

        // Every task's sums run over images, then chunks of positions, then positions: one order whatever the split. The
        // chunk loop is outside the task loop so that a chunk of the transposed gradient is read from L2 by every task.
        for (int slot = 0; slot < images; slot++)
        {
            // The image's transformed slot, or the image itself where the tiles read it.
            int n = first + slot, at = _gradientReadsImage ? n : slot;
            for (int p0 = 0; p0 < _gradientLength; p0 += chunk)
            {
                // Chunk u (counted over the batch) goes to part u mod P, whose first chunk is u < P: the tasks of that
                // part, and only they.
                int unit = (n * chunks) + (p0 / chunk), part = unit % _gradientParts;
                int partBegin = Math.Max(begin, part * _gradientBlocks), partEnd = Math.Min(end, (part + 1) * _gradientBlocks);
                if (partBegin >= partEnd)
                {
                    continue;
                }

                int length = Math.Min(chunk, _gradientLength - p0);
                bool accumulate = unit >= _gradientParts;
                int row0 = p0 / _gradientWidth, col0 = p0 - (row0 * _gradientWidth);
                int skip = _imageTransform.ColsQ - _gradientWidth, run = skip == 0 ? int.MaxValue : _gradientWidth;
                ref float x = ref Unsafe.Add(ref source, (at * _imageTransform.Image) + (row0 * _imageTransform.ColsQ) + col0);
                ref float g = ref Unsafe.Add(ref second, ((slot * _gradientLength) + p0) * _gradientRowStride);
                for (int task = partBegin; task < partEnd; task++)
                {
                    (int tapBlock, int cb0, int cb1) = GradientBlock(task - (part * _gradientBlocks));
                    ref float taskSums = ref Unsafe.Add(ref sum0, task * tileSize);
                    if (_gradientWide)
                    {
                        // AVX-512: the tiles broadcast straight from the input rows, nothing packed.
                        for (int cb = cb0; cb < cb1; cb++)
                        {
                            MicroKernels.RowsTile(
                                rows, ref x, ref Unsafe.Add(ref offsets, tapBlock * rows), ref Unsafe.Add(ref g, cb * columns), _gradientRowStride, length,
                                ref Unsafe.Add(ref taskSums, (cb - cb0) * rows * columns), columns, accumulate, run, run - col0, skip);
                        }

                        continue;
                    }

                    if (Fma.IsSupported)
                    {
                        // 256-bit: likewise from the transformed rows (positions along whole rows, the columns past the
                        // grid's with zero gradient); taps past the last read the last tap's row, their sums are dropped.
                        for (int cb = cb0; cb < cb1; cb++)
                        {
                            MicroKernels.RowsTile256(
                                rows, ref x, ref Unsafe.Add(ref offsets, tapBlock * rows), ref Unsafe.Add(ref g, cb * columns), _gradientRowStride, length,
                                ref Unsafe.Add(ref taskSums, (cb - cb0) * rows * columns), columns, accumulate);
                        }

                        continue;
                    }

                    PackTaps(ref panel, ref x, tapBlock * rows, rows, length);
                    for (int cb = cb0; cb < cb1; cb++)
                    {
                        MicroKernels.GemmTiles(
                            rows, _gradientWide, ref panel, ref Unsafe.Add(ref g, cb * columns), ref sequence, length,
                            ref Unsafe.Add(ref taskSums, (cb - cb0) * rows * columns), columns, accumulate, 1);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Block <paramref name="block"/> of the weight gradient's tasks (within a part): its tap block and its channel blocks
    /// cb0 … cb1 − 1. Where the threads re-lay their own bands, numbered channel group first, so that a thread's run of
    /// blocks shares channel groups (and re-lays fewer channels); else tap block first, as the shapes with several parts
    /// were tuned, so that consecutive tiles read the same input rows.
    /// </summary>
    private (int TapBlock, int ChannelBlock0, int ChannelBlock1) GradientBlock(int block)
    {
        int tapBlock, group;
        if (_gradientBanded)
        {
            group = block / _gradientTapBlocks;
            tapBlock = block - (group * _gradientTapBlocks);
        }
        else
        {
            tapBlock = block / _gradientChannelGroups;
            group = block - (tapBlock * _gradientChannelGroups);
        }

        int cb0 = group * _gradientChannelGroup;
        return (tapBlock, cb0, Math.Min(_gradientChannelsPadded / _gradientColumns, cb0 + _gradientChannelGroup));
    }

    /// <summary>
    /// <see cref="ComputeGradient"/> with one part: per image and band of <see cref="_gradientBandRows"/> grid rows, the
    /// thread first re-lays the grid gradient of the channel blocks its tasks take into its own aligned buffer
    /// (position-major, as the preparation pass would), then runs its tiles over the band. The same sums in the same
    /// order as the pass over the whole group (a band only ends a tile's run where a chunk would), so the same results.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeGradientBanded(int begin, int end, int first, int images, ReadOnlySpan<float> sourceSpan, ReadOnlySpan<float> grid, float[] sums)
    {
        int rows = _gradientRows, columns = _gradientColumns;
        int tileSize = GradientTileSize;
        int cbLo = int.MaxValue, cbHi = 0;
        for (int task = begin; task < end; task++)
        {
            (_, int cb0, int cb1) = GradientBlock(task);
            cbLo = Math.Min(cbLo, cb0);
            cbHi = Math.Max(cbHi, cb1);
        }

        if (cbLo >= cbHi)
        {
            return;
        }

        // The band's rows: this thread's channels, spaced as the shared layout's are.
        int gc0 = cbLo * columns, width = (cbHi - cbLo) * columns;
        int ld = GradientRowStrideFor(width, _gradientWide);
        int bandRows = _gradientBandRows, bands = (_gridHeight + bandRows - 1) / bandRows;
        float[] bandArray = Workspace.Aligned(bandRows * _gradientWidth * ld, out int bandStart);
        ref float band = ref bandArray[bandStart];
        ref float sum0 = ref MemoryMarshal.GetArrayDataReference(sums);
        ref float source = ref MemoryMarshal.GetReference(sourceSpan);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_gradientOffsets);
        int skip = _imageTransform.ColsQ - _gradientWidth, run = skip == 0 ? int.MaxValue : _gradientWidth;
        (int planeLo, int planeHi, int readEnd) = _gradientTransformsPerThread ? TransformPlanes(begin, end) : (0, 0, 0);
        float[]? own = null;
        if (_gradientTransformsPerThread)
        {
            // This thread's image buffer: its planes are transformed per image; the reads past its last plane (only at
            // positions whose gradient is zero) find zeros, kept finite.
            own = Workspace.Source(_gradientReadEnd);
            int ownEnd = planeHi * _imageTransform.Plane;
            own.AsSpan(ownEnd, Math.Max(0, readEnd - ownEnd)).Clear();
            source = ref MemoryMarshal.GetArrayDataReference(own);
        }

        for (int slot = 0; slot < images; slot++)
        {
            int n = first + slot, at = _gradientReadsImage ? n : _gradientTransformsPerThread ? 0 : slot;
            for (int c = planeLo; c < planeHi; c++)
            {
                _imageTransform.Copy(sourceSpan, own, n, c, 0);
            }

            for (int r0 = 0; r0 < _gridHeight; r0 += bandRows)
            {
                int height = Math.Min(bandRows, _gridHeight - r0), length = height * _gradientWidth;
                for (int c0 = 0; c0 < width; c0 += TransposeChannels)
                {
                    TransposeGrid(grid, n, gc0 + c0, Math.Min(TransposeChannels, width - c0), r0, height, ref Unsafe.Add(ref band, c0), ld);
                }

                bool accumulate = (n * bands) + (r0 / bandRows) > 0;
                ref float x = ref Unsafe.Add(ref source, (at * _imageTransform.Image) + (r0 * _imageTransform.ColsQ));
                for (int task = begin; task < end; task++)
                {
                    (int tapBlock, int cb0, int cb1) = GradientBlock(task);
                    ref float taskSums = ref Unsafe.Add(ref sum0, task * tileSize);
                    ref int taps = ref Unsafe.Add(ref offsets, tapBlock * rows);
                    for (int cb = cb0; cb < cb1; cb++)
                    {
                        ref float g = ref Unsafe.Add(ref band, (cb - cbLo) * columns);
                        ref float c = ref Unsafe.Add(ref taskSums, (cb - cb0) * rows * columns);
                        if (_gradientWide)
                        {
                            MicroKernels.RowsTile(rows, ref x, ref taps, ref g, ld, length, ref c, columns, accumulate, run, run, skip);
                        }
                        else
                        {
                            MicroKernels.RowsTile256(rows, ref x, ref taps, ref g, ld, length, ref c, columns, accumulate);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The transformed image planes First … End − 1 that weight-gradient tasks <paramref name="begin"/> … <paramref name="end"/>
    /// − 1 read, and where their reads end (past End's first element where a tap's rows reach into the next plane).
    /// </summary>
    private (int First, int End, int ReadEnd) TransformPlanes(int begin, int end)
    {
        int lo = int.MaxValue, hi = 0, readEnd = 0;
        for (int task = begin; task < end; task++)
        {
            int tap0 = GradientBlock(task).TapBlock * _gradientRows;
            int tap1 = Math.Min(_gradientTaps, tap0 + _gradientRows);
            for (int tap = tap0; tap < tap1; tap++)
            {
                readEnd = Math.Max(readEnd, _gradientOffsets[tap] + _gradientReadLength);
            }

            if (tap1 > tap0)
            {
                lo = Math.Min(lo, tap0 / _kernelArea);
                hi = Math.Max(hi, ((tap1 - 1) / _kernelArea) + 1);
            }
        }

        return lo < hi ? (lo, hi, readEnd) : (0, 0, 0);
    }

    /// <summary>
    /// gW from the sums of tasks <paramref name="begin"/> … <paramref name="end"/> − 1 of part 0 (the other parts' sums of
    /// the same block added to them first, in part order).
    /// </summary>
    private unsafe void RelayGradient(int begin, int end, float[] sums, Span<float> weightGradient)
    {
        int rows = _gradientRows, columns = _gradientColumns;
        int tileSize = GradientTileSize;
        int channelBlocks = _gradientChannelsPadded / columns;

        // gW[gc, tap] from the sums [tap row r][grid channel column j] of each block; taps are in weight order (ic, kh, kw).
        for (int task = begin; task < end; task++)
        {
            Span<float> taskSums = sums.AsSpan(task * tileSize, tileSize);
            for (int part = 1; part < _gradientParts; part++)
            {
                ReadOnlySpan<float> partSums = sums.AsSpan(((part * _gradientBlocks) + task) * tileSize, tileSize);
                for (int i = 0; i < tileSize; i++)
                {
                    taskSums[i] += partSums[i];
                }
            }

            (int tapBlock, int cb0, int cb1) = GradientBlock(task);
            int tap0 = tapBlock * rows, validRows = Math.Min(rows, _gradientTaps - tap0);
            for (int cb = cb0; cb < cb1; cb++)
            {
                ReadOnlySpan<float> blockSums = taskSums.Slice((cb - cb0) * rows * columns);
                int gc0 = cb * columns, validColumns = Math.Min(columns, _gridChannels - gc0);
                if (columns % 16 == 0 && Avx512F.IsSupported)
                {
                    // The block's taps are the positions of a position-major block: transposed 16 × 16 in registers, each
                    // channel's taps stored under a mask (written one by one, this took 3–4 % of strided_3x3's gradient).
                    fixed (float* target = weightGradient)
                    {
                        Transpose.PositionsToPlanes(ref Unsafe.AsRef(in blockSums[0]), columns, validColumns, validRows, ReadOnlySpan<float>.Empty, 0, target + ((long)gc0 * _gradientTaps) + tap0, _gradientTaps);
                    }

                    continue;
                }

                for (int r = 0; r < validRows; r++)
                {
                    for (int j = 0; j < validColumns; j++)
                    {
                        weightGradient[((gc0 + j) * _gradientTaps) + tap0 + r] = blockSums[(r * columns) + j];
                    }
                }
            }
        }
    }

    /// <summary>panel[i·R + r] = x[offset of tap t0 + r + i] for i &lt; length (zero for taps past the last).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PackTaps(ref float panel, ref float x, int t0, int rows, int length)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float to = ref Unsafe.Add(ref panel, r);
            if (t0 + r >= _gradientTaps)
            {
                for (int i = 0; i < length; i++)
                {
                    Unsafe.Add(ref to, i * rows) = 0f;
                }

                continue;
            }

            ref float from = ref Unsafe.Add(ref x, _gradientOffsets[t0 + r]);
            for (int i = 0; i < length; i++)
            {
                Unsafe.Add(ref to, i * rows) = Unsafe.Add(ref from, i);
            }
        }
    }

    private ref struct GradientJob : IParallelJob
    {
        public ConvolutionKernel Kernel;
        public ReadOnlySpan<float> Source;
        public ReadOnlySpan<float> Grid;
        public float[] Second;
        public float[] Sums;
        public int First;
        public int Images;

        public void Execute(int begin, int end) => Kernel.ComputeGradient(begin, end, First, Images, Source, Grid, Second, Sums);
    }

    private ref struct GradientRelayJob : IParallelJob
    {
        public ConvolutionKernel Kernel;
        public float[] Sums;
        public Span<float> WeightGradient;

        public void Execute(int begin, int end) => Kernel.RelayGradient(begin, end, Sums, WeightGradient);
    }
}

/// <summary>
/// Copies an N×C×H×W tensor into a zero-padded buffer split by stride phase:
/// <c>t[n][c][ph][pw][i][j] = x[n][c][i·SH + ph − PT][j·SW + pw − PL]</c> (zero outside), i &lt; RowsQ, j &lt; ColsQ.
/// </summary>
internal sealed class InputTransform
{
    public InputTransform(int channels, int height, int width, int strideHeight, int strideWidth, int padTop, int padLeft, int rowsQ, int colsQ)
    {
        Channels = channels;
        Height = height;
        Width = width;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        PadTop = padTop;
        PadLeft = padLeft;
        RowsQ = rowsQ;
        ColsQ = colsQ;
        PhasePlane = rowsQ * colsQ;
        Plane = strideHeight * strideWidth * PhasePlane;
        Image = channels * Plane;
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    public int StrideHeight { get; }

    public int StrideWidth { get; }

    public int PadTop { get; }

    public int PadLeft { get; }

    public int RowsQ { get; }

    public int ColsQ { get; }

    public int PhasePlane { get; }

    public int Plane { get; }

    public int Image { get; }

    /// <summary>The flat offset of (c, phase, row, col) within one image.</summary>
    public int Offset(int c, int ph, int pw, int row, int col)
        => (c * Plane) + (((ph * StrideWidth) + pw) * PhasePlane) + (row * ColsQ) + col;

    /// <summary>Transforms the plane (n, c) of <paramref name="source"/> into image n of <paramref name="target"/>.</summary>
    public void Copy(ReadOnlySpan<float> source, Span<float> target, int n, int c) => Copy(source, target, n, c, n);

    /// <summary>Transforms the plane (n, c) of <paramref name="source"/> into image <paramref name="slot"/> of <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Copy(ReadOnlySpan<float> source, Span<float> target, int n, int c, int slot)
    {
        ReadOnlySpan<float> plane = source.Slice(((n * Channels) + c) * Height * Width, Height * Width);
        Span<float> output = target.Slice((slot * Image) + (c * Plane), Plane);
        if (StrideHeight == 1 && StrideWidth == 1 && PadLeft == 0 && ColsQ == Width)
        {
            // Rows as wide as the input's: the valid rows are one contiguous block (a 1×1 window's is the whole plane).
            int i0 = Math.Min(RowsQ, PadTop), i1 = Math.Clamp(Height + PadTop, i0, RowsQ);
            output.Slice(0, i0 * Width).Clear();
            if (i1 > i0)
            {
                plane.Slice((i0 - PadTop) * Width, (i1 - i0) * Width).CopyTo(output.Slice(i0 * Width));
            }

            output.Slice(i1 * Width).Clear();
            return;
        }

        for (int ph = 0; ph < StrideHeight; ph++)
        {
            for (int pw = 0; pw < StrideWidth; pw++)
            {
                Span<float> phase = output.Slice(((ph * StrideWidth) + pw) * PhasePlane, PhasePlane);

                // Columns j with 0 ≤ j·SW + pw − PL < Width.
                int j0 = Math.Max(0, (PadLeft - pw + StrideWidth - 1) / StrideWidth);
                int j1 = Math.Min(ColsQ, Width - 1 + PadLeft - pw < 0 ? 0 : ((Width - 1 + PadLeft - pw) / StrideWidth) + 1);
                for (int i = 0; i < RowsQ; i++)
                {
                    Span<float> row = phase.Slice(i * ColsQ, ColsQ);
                    int h = (i * StrideHeight) + ph - PadTop;
                    if ((uint)h >= (uint)Height || j1 <= j0)
                    {
                        row.Clear();
                        continue;
                    }

                    // The padding columns, usually one or two: stored one by one (a Clear call per row took 1.7 % of
                    // strided_3x3's weight gradient).
                    for (int j = 0; j < j0; j++)
                    {
                        row[j] = 0f;
                    }

                    for (int j = j1; j < row.Length; j++)
                    {
                        row[j] = 0f;
                    }

                    ReadOnlySpan<float> line = plane.Slice(h * Width, Width);
                    int first = (j0 * StrideWidth) + pw - PadLeft;
                    if (StrideWidth == 1)
                    {
                        line.Slice(first, j1 - j0).CopyTo(row.Slice(j0));
                    }
                    else
                    {
                        // Reads may run past the line (into the next one) as long as they stay inside the source.
                        int readable = source.Length - ((((n * Channels) + c) * Height * Width) + (h * Width) + first);
                        Gather(ref Unsafe.Add(ref MemoryMarshal.GetReference(line), first), readable, ref MemoryMarshal.GetReference(row.Slice(j0)), j1 - j0, StrideWidth);
                    }
                }
            }
        }
    }

    /// <summary>to[j] = from[j·step] for j &lt; count; <paramref name="readable"/> floats may be read from <paramref name="from"/>.</summary>
    private static void Gather(ref float from, int readable, ref float to, int count, int step)
    {
        int k = 0;
        if (step == 2 && Avx512F.IsSupported)
        {
            // Every other element, 16 at a time: two loads and one two-source permute; a last partial vector stored
            // in halves, so that nothing past the row is written.
            Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; k < count && (2 * k) + 32 <= readable; k += 16)
            {
                Vector512<float> v = Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref from, (nuint)(2 * k)), even, Vector512.LoadUnsafe(ref from, (nuint)((2 * k) + 16)));
                int left = count - k;
                if (left >= 16)
                {
                    v.StoreUnsafe(ref to, (nuint)k);
                    continue;
                }

                ref float at = ref Unsafe.Add(ref to, k);
                Vector256<float> half = v.GetLower();
                if (left >= 8)
                {
                    half.StoreUnsafe(ref at);
                    at = ref Unsafe.Add(ref at, 8);
                    left -= 8;
                    half = v.GetUpper();
                }

                Vector128<float> quarter = half.GetLower();
                if (left >= 4)
                {
                    quarter.StoreUnsafe(ref at);
                    at = ref Unsafe.Add(ref at, 4);
                    left -= 4;
                    quarter = half.GetUpper();
                }

                for (int i = 0; i < left; i++)
                {
                    Unsafe.Add(ref at, i) = quarter.GetElement(i);
                }

                k = count;
            }
        }

        for (; k < count; k++)
        {
            Unsafe.Add(ref to, k) = Unsafe.Add(ref from, k * step);
        }
    }
}

/// <summary>One GEMM of a plan: its taps (read offsets and weight indices) and where its output positions go.</summary>
internal sealed class GemmPhase
{
    public GemmPhase(int[] offsets, int[] weightIndex, int tapsPerChannel, int rows, int columns, int targetRow0, int targetRowStep, int targetColumn0, int targetColumnStep)
    {
        Offsets = offsets;
        WeightIndex = weightIndex;
        TapsPerChannel = tapsPerChannel;
        Rows = rows;
        Columns = columns;
        TargetRow0 = targetRow0;
        TargetRowStep = targetRowStep;
        TargetColumn0 = targetColumn0;
        TargetColumnStep = targetColumnStep;
    }

    public int[] Offsets { get; }

    public int[] WeightIndex { get; }

    public int Taps => Offsets.Length;

    /// <summary>Taps of one input channel; taps are in channel order, so a reduction block is a run of channels.</summary>
    public int TapsPerChannel { get; }

    public int Rows { get; }

    public int Columns { get; }

    public int TargetRow0 { get; }

    public int TargetRowStep { get; }

    public int TargetColumn0 { get; }

    public int TargetColumnStep { get; }

    /// <summary>Where this phase's packed weights start in the packed buffer.</summary>
    public int PackedStart { get; set; }
}

/// <summary>
/// The implicit GEMM of one direction: transform, pack the weights, then R × 96/R tiles per task (with the 256-bit
/// tiles and enough output-channel blocks, over each tile's rows first packed into an aligned strip), then copy out.
/// </summary>
internal sealed class GemmPlan : IPlannedConvolution
{
    private readonly InputTransform _transform;
    private readonly int _outputChannels, _outputHeight, _outputWidth, _weightStride;
    private readonly GemmPhase[] _phases;
    private readonly int _batch;
    private readonly bool _stacked;
    private readonly int _images;
    private readonly int[] _stackedOffsets;
    private readonly int _blocks;
    private readonly int _tileRows, _tileColumns, _blockChannels;
    private readonly bool _weightsInner;
    private readonly bool _wide;
    private readonly int _packedLength;
    private readonly int[] _taskPhase, _taskFlat0, _taskFlat1;
    private readonly int _tileLength;

    // With the 256-bit tiles, each tile's rows of a reduction block are first packed into an aligned contiguous strip.
    private readonly bool _packsStrips;
    private readonly int _packedStripTaps;
    private readonly int[] _packedSequence = [];

    /// <summary>Whether the 256-bit tiles run on packed strips (for tests).</summary>
    internal bool PacksStrips => _packsStrips;

    /// <summary>Bytes of one packed strip: half of L1, the weights' panel beside it.</summary>
    private const int PackedStripBytes = 16 * 1024;

    /// <summary>
    /// Output-channel blocks a packed strip needs at least to pay for its copy (one thread, alternating runs: strided_3x3's
    /// 64 blocks forward 30-38 → 38-43 GFLOP/CPU-s, its input gradient's 32 blocks 17-24 → 37; deconv_up's 8 blocks 31-33
    /// → 34-45; with 4 or 5 blocks lenet_c2's and seed_mnist's forward lost a quarter, resnet_stem's one-block input
    /// gradient a half).
    /// </summary>
    private const int PackedStripBlocks = 8;

    public GemmPlan(InputTransform transform, int outputChannels, int outputHeight, int outputWidth, int weightStride, GemmPhase[] phases, int batch, int rowsPerTask, int tileRows, int blockChannels, bool weightsInner, bool wide)
    {
        // On AVX-512 the wide tiles, whose rows are chosen here from the shape; otherwise the planned 256-bit tiles.
        _wide = wide;
        int maxPositions = 0;
        foreach (GemmPhase phase in phases)
        {
            maxPositions = Math.Max(maxPositions, phase.Rows * transform.ColsQ);
        }

        _tileRows = _wide ? MicroKernels.WideRowsFor(outputChannels, maxPositions) : tileRows is 1 or 2 or 3 or 4 or 6 ? tileRows : 6;
        _tileColumns = _wide ? MicroKernels.WideColumnsFor(_tileRows) : MicroKernels.ColumnsFor(_tileRows);
        _blockChannels = Math.Max(1, blockChannels);
        _weightsInner = weightsInner;
        // With the 256-bit tiles and at least PackedStripBlocks output-channel blocks to share each packed strip.
        _packsStrips = !wide && Fma.IsSupported && (outputChannels + _tileRows - 1) / _tileRows >= PackedStripBlocks;
        if (_packsStrips)
        {
            _weightsInner = true;
            _packedStripTaps = Math.Max(1, PackedStripBytes / (_tileColumns * sizeof(float)));
            _packedSequence = new int[_packedStripTaps];
            for (int i = 0; i < _packedStripTaps; i++)
            {
                _packedSequence[i] = i * _tileColumns;
            }
        }
        _transform = transform;
        _outputChannels = outputChannels;
        _outputHeight = outputHeight;
        _outputWidth = outputWidth;
        _weightStride = weightStride;
        _phases = phases;
        _batch = batch;
        _blocks = (outputChannels + _tileRows - 1) / _tileRows;

        // A 1×1 window without padding or stride: the images are stacked along the positions (the input copied
        // channel-major, [c][n][h·w]), so that tiles run across image boundaries and only the last one is padded.
        GemmPhase only = phases[0];
        _stacked = batch > 1 && phases.Length == 1 && only.TapsPerChannel == 1 && transform.StrideHeight == 1 && transform.StrideWidth == 1
            && transform.PadTop == 0 && transform.PadLeft == 0 && transform.RowsQ == transform.Height && transform.ColsQ == transform.Width
            && only.Rows == outputHeight && only.Columns == outputWidth && outputWidth == transform.Width
            && only.TargetRow0 == 0 && only.TargetColumn0 == 0 && only.TargetRowStep == 1 && only.TargetColumnStep == 1;
        _images = _stacked ? 1 : batch;
        _stackedOffsets = new int[_stacked ? only.Taps : 0];
        for (int i = 0; i < _stackedOffsets.Length; i++)
        {
            _stackedOffsets[i] = only.Offsets[i] / transform.Plane * batch * transform.Plane;
        }

        int packed = 0, maxRead = 0, maxTile = 0;
        System.Collections.Generic.List<(int Phase, int Row0, int Row1)> tasks = new();
        maxPositions = 0;
        for (int p = 0; p < phases.Length; p++)
        {
            GemmPhase phase = phases[p];
            phase.PackedStart = packed;
            packed += _blocks * phase.Taps * _tileRows;
            int flat = ((Positions(phase) + _tileColumns - 1) / _tileColumns * _tileColumns);
            foreach (int offset in _stacked ? _stackedOffsets : phase.Offsets)
            {
                maxRead = Math.Max(maxRead, offset + flat);
            }

            maxPositions = Math.Max(maxPositions, Positions(phase));
        }

        // A task is a run of whole tiles over the flat positions row·Wq + col of one phase: about rowsPerTask rows,
        // so that only the last tile of a phase computes positions past its end. Tasks are in order of band, then
        // phase: the phases of one band read the same input rows, still in cache.
        int tilesPerTask = Math.Max(1, (int)Math.Round((double)rowsPerTask * transform.ColsQ / _tileColumns));
        int span = tilesPerTask * _tileColumns;
        for (int flat0 = 0; flat0 < maxPositions; flat0 += span)
        {
            for (int p = 0; p < phases.Length; p++)
            {
                int flat1 = Math.Min(Positions(phases[p]), flat0 + span);
                if (flat1 > flat0)
                {
                    tasks.Add((p, flat0, flat1));
                    maxTile = Math.Max(maxTile, span);
                }
            }
        }

        _packedLength = Math.Max(1, packed);
        _taskPhase = new int[tasks.Count];
        _taskFlat0 = new int[tasks.Count];
        _taskFlat1 = new int[tasks.Count];
        for (int i = 0; i < tasks.Count; i++)
        {
            (_taskPhase[i], _taskFlat0[i], _taskFlat1[i]) = tasks[i];
        }

        _tileLength = maxTile;
        SourceLength = (_stacked ? Math.Max(batch * transform.Image, maxRead) : Math.Max(batch * transform.Image, ((batch - 1) * transform.Image) + maxRead)) + _tileColumns;
    }

    /// <summary>The flat positions of one GEMM phase: one image's rows × Wq, or every image's when they are stacked.</summary>
    private int Positions(GemmPhase phase) => _stacked ? _batch * _transform.Plane : phase.Rows * _transform.ColsQ;

    /// <summary>Length of the transformed-input buffer, including the slack the last tiles read past the end.</summary>
    public int SourceLength { get; }

    private int TasksPerImage => _taskPhase.Length;

    public void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        float[] source = Workspace.Source(SourceLength);
        float[] packed = Workspace.Packed(_packedLength);
        int planeTasks = _batch * _transform.Channels;
        var prepare = new PlanPrepareJob<GemmPlan> { Plan = this, Input = input, Weight = weight, Source = source, Packed = packed };
        TensorThreads.Run(planeTasks + (_phases.Length * _blocks) + 1, ref prepare);
        var job = new PlanComputeJob<GemmPlan> { Plan = this, Source = source, Packed = packed, Bias = bias, Output = output };
        TensorThreads.Run(_images * TasksPerImage, ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prepare(int task, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, float[] source, float[] packed)
    {
        int planeTasks = _batch * _transform.Channels;
        if (task < planeTasks)
        {
            int n = task / _transform.Channels, c = task % _transform.Channels;
            if (_stacked)
            {
                int plane = _transform.Plane;
                input.Slice(task * plane, plane).CopyTo(source.AsSpan(((c * _batch) + n) * plane, plane));
            }
            else
            {
                _transform.Copy(input, source, n, c);
            }

            return;
        }

        task -= planeTasks;
        if (task == _phases.Length * _blocks)
        {
            // Slack past the last image: read only by dropped positions, kept finite.
            int end = _batch * _transform.Image;
            source.AsSpan(end, SourceLength - end).Clear();
            return;
        }

        GemmPhase phase = _phases[task / _blocks];
        int block = task % _blocks;
        int taps = phase.Taps;
        PackWeights(packed.AsSpan(phase.PackedStart + (block * taps * _tileRows), taps * _tileRows), weight, block * _tileRows, _tileRows, _outputChannels, _weightStride, phase.WeightIndex);
    }

    /// <summary>
    /// Packs the weights of output channels oc0 … oc0 + rows − 1 into <paramref name="panel"/>, R-interleaved per tap
    /// (<c>panel[k·rows + r] = weight[(oc0 + r)·weightStride + index[k]]</c>), zeros for channels past the last.
    /// </summary>
    public static void PackWeights(Span<float> panel, ReadOnlySpan<float> weight, int oc0, int rows, int outputChannels, int weightStride, int[] index)
    {
        int taps = index.Length;
        int valid = Math.Clamp(outputChannels - oc0, 0, rows);
        // Vectorized (System.Linq's Max and Min of an int array): this runs once per panel of every call.
        int largest = taps == 0 ? 0 : System.Linq.Enumerable.Max(index), smallest = taps == 0 ? 0 : Math.Min(0, System.Linq.Enumerable.Min(index));

        // One check for every read and write below, which are unchecked: this pass runs on every call, and the checked
        // element-by-element loop took 2–3 % of pointwise_1x1's input gradient and strided_3x3's forward.
        if (panel.Length < taps * rows || smallest < 0 || (valid > 0 && taps > 0 && ((long)(oc0 + valid - 1) * weightStride) + largest >= weight.Length))
        {
            throw new ArgumentException("The weight panel or the weights are shorter than the plan's taps need.");
        }

        ref float target = ref MemoryMarshal.GetReference(panel);
        ref float source = ref MemoryMarshal.GetReference(weight);
        ref int tap = ref MemoryMarshal.GetArrayDataReference(index);

        if (weightStride == 1)
        {
            // Filters side by side (the transposed weights of an input gradient): a tap's channels are consecutive on
            // both sides.
            for (int k = 0; k < taps; k++)
            {
                ref float to = ref Unsafe.Add(ref target, k * rows);
                for (int r = 0; r < valid; r++)
                {
                    Unsafe.Add(ref to, r) = Unsafe.Add(ref source, oc0 + Unsafe.Add(ref tap, k) + r);
                }

                for (int r = valid; r < rows; r++)
                {
                    Unsafe.Add(ref to, r) = 0f;
                }
            }

            return;
        }

        for (int k0 = 0; k0 < taps;)
        {
            // Panels of 16-channel multiples (the broadcast plans'), 16 consecutive taps at a time: 16 × 16 blocks
            // transposed in registers (channels past the last read as zero).
            if (MicroKernels.Avx512 && rows % 16 == 0 && k0 + 16 <= taps && Consecutive(ref Unsafe.Add(ref tap, k0)))
            {
                for (int r0 = 0; r0 < rows; r0 += 16)
                {
                    // A block wholly past the last channel reads nothing: it points at the weights' start.
                    int count = Math.Clamp(valid - r0, 0, 16);
                    int from = count == 0 ? 0 : ((oc0 + r0) * weightStride) + Unsafe.Add(ref tap, k0);
                    Transpose.Block16(ref Unsafe.Add(ref source, from), weightStride, count, ref Unsafe.Add(ref target, (k0 * rows) + r0), rows);
                }

                k0 += 16;
                continue;
            }

            int k1 = (rows % 16 == 0 && MicroKernels.Avx512) ? k0 + 1 : taps;
            for (int r = 0; r < valid; r++)
            {
                ref float filter = ref Unsafe.Add(ref source, (oc0 + r) * weightStride);
                for (int k = k0; k < k1; k++)
                {
                    Unsafe.Add(ref target, (k * rows) + r) = Unsafe.Add(ref filter, Unsafe.Add(ref tap, k));
                }
            }

            for (int r = valid; r < rows; r++)
            {
                for (int k = k0; k < k1; k++)
                {
                    Unsafe.Add(ref target, (k * rows) + r) = 0f;
                }
            }

            k0 = k1;
        }

        static bool Consecutive(ref int first)
        {
            for (int j = 1; j < 16; j++)
            {
                if (Unsafe.Add(ref first, j) != first + j)
                {
                    return false;
                }
            }

            return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compute(int begin, int end, float[] sourceArray, float[] packedArray, ReadOnlySpan<float> bias, Span<float> output)
    {
        int rows = _tileRows, columns = _tileColumns;
        float[] tile = Workspace.Tile((_weightsInner ? _blocks : 1) * rows * _tileLength);
        ref float tiles = ref MemoryMarshal.GetArrayDataReference(tile);
        ref float source = ref MemoryMarshal.GetArrayDataReference(sourceArray);
        ref float packed = ref MemoryMarshal.GetArrayDataReference(packedArray);
        ref float target = ref MemoryMarshal.GetReference(output);
        for (int task = begin; task < end; task++)
        {
            int n = task / TasksPerImage;
            int t = task - (n * TasksPerImage);
            GemmPhase phase = _phases[_taskPhase[t]];
            int flat0 = _taskFlat0[t], flat1 = _taskFlat1[t];
            int flat = flat1 - flat0;
            int tileCount = (flat + columns - 1) / columns;
            int ldc = tileCount * columns;
            int taps = phase.Taps;
            int blockTaps = _blockChannels * phase.TapsPerChannel;
            ref int offsets = ref MemoryMarshal.GetArrayDataReference(_stacked ? _stackedOffsets : phase.Offsets);
            ref float input = ref Unsafe.Add(ref source, (n * _transform.Image) + flat0);
            if (_weightsInner)
            {
                // Input-stationary: a tile's reads of a reduction block stay in L1 while every output-channel block's
                // weights stream past (from L2, in order); the whole task's outputs are buffered, then copied out.
                if (_packsStrips)
                {
                    ComputePackedStrips(phase, ref input, ref offsets, ref packed, ref tiles, tileCount, ldc);
                }
                else
                {
                    ComputeInputStationary(phase, ref input, ref offsets, ref packed, ref tiles, tileCount, ldc, blockTaps);
                }

                for (int block = 0; block < _blocks; block++)
                {
                    CopyOut(phase, n, block, flat0, flat1, ref Unsafe.Add(ref tiles, block * rows * ldc), ldc, bias, ref target);
                }

                continue;
            }

            for (int block = 0; block < _blocks; block++)
            {
                // Weight-stationary: one output-channel block's weights stay in L1 while the task's tiles stream past.
                ref float panel = ref Unsafe.Add(ref packed, phase.PackedStart + (block * taps * rows));

                // Cache blocking over the reduction: a block of input channels for every tile, then the next block
                // added on top (a fixed order, whatever the thread count). A phase without taps writes zeros.
                int k0 = 0;
                do
                {
                    int k1 = Math.Min(taps, k0 + blockTaps);
                    MicroKernels.GemmTiles(
                        rows, _wide, ref Unsafe.Add(ref panel, k0 * rows), ref input, ref Unsafe.Add(ref offsets, k0), k1 - k0,
                        ref tiles, ldc, k0 > 0, tileCount);

                    k0 = k1;
                }
                while (k0 < taps);

                CopyOut(phase, n, block, flat0, flat1, ref tiles, ldc, bias, ref target);
            }
        }
    }

    /// <summary>
    /// Input-stationary: a tile's reads of a reduction block stay in L1 while every output-channel block's weights stream
    /// past (from L2, in order); the whole task's outputs are buffered in <paramref name="tiles"/>.
    /// </summary>
    private void ComputeInputStationary(GemmPhase phase, ref float input, ref int offsets, ref float packed, ref float tiles, int tileCount, int ldc, int blockTaps)
    {
        int rows = _tileRows, columns = _tileColumns, taps = phase.Taps;
        int k0 = 0;
        do
        {
            int k1 = Math.Min(taps, k0 + blockTaps);
            for (int i = 0; i < tileCount; i++)
            {
                for (int block = 0; block < _blocks; block++)
                {
                    MicroKernels.GemmTiles(
                        rows, _wide, ref Unsafe.Add(ref packed, phase.PackedStart + (((block * taps) + k0) * rows)), ref Unsafe.Add(ref input, i * columns), ref Unsafe.Add(ref offsets, k0), k1 - k0,
                        ref Unsafe.Add(ref tiles, (block * rows * ldc) + (i * columns)), ldc, k0 > 0, 1);
                }
            }

            k0 = k1;
        }
        while (k0 < taps);
    }

    /// <summary>
    /// Input-stationary on packed strips: per reduction block, each tile's rows (a tap apart in the transformed input,
    /// unaligned, on hundreds of different lines) are copied into one aligned contiguous strip, with the next tile's
    /// prefetched, and every output-channel block's tile runs over that strip from L1; the block's weights stay in L2
    /// across the task's tiles. The sums are the same FMA chains as unpacked (bit-identical).
    /// </summary>
    private void ComputePackedStrips(GemmPhase phase, ref float input, ref int offsets, ref float packed, ref float tiles, int tileCount, int ldc)
    {
        int rows = _tileRows, columns = _tileColumns, taps = phase.Taps;
        float[] stripArray = Workspace.Aligned(_packedStripTaps * columns, out int stripStart);
        ref float strip = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(stripArray), stripStart);
        ref int sequence = ref MemoryMarshal.GetArrayDataReference(_packedSequence);
        int k0 = 0;
        do
        {
            int k1 = Math.Min(taps, k0 + _packedStripTaps);
            for (int i = 0; i < tileCount; i++)
            {
                ref float tileInput = ref Unsafe.Add(ref input, i * columns);
                for (int k = k0; k < k1; k++)
                {
                    StripRows.CopyAndPrefetchNext(ref Unsafe.Add(ref tileInput, Unsafe.Add(ref offsets, k)), ref Unsafe.Add(ref strip, (k - k0) * columns), columns);
                }

                for (int block = 0; block < _blocks; block++)
                {
                    MicroKernels.GemmTile(
                        rows, ref Unsafe.Add(ref packed, phase.PackedStart + (((block * taps) + k0) * rows)), ref strip, ref sequence, k1 - k0,
                        ref Unsafe.Add(ref tiles, (block * rows * ldc) + (i * columns)), ldc, k0 > 0);
                }
            }

            k0 = k1;
        }
        while (k0 < taps);
    }

    /// <summary>Copies the valid positions of one output-channel block's tile rows out, adding the bias.</summary>
    private void CopyOut(GemmPhase phase, int n, int block, int flat0, int flat1, ref float tiles, int ldc, ReadOnlySpan<float> bias, ref float target)
    {
        int colsQ = _transform.ColsQ;
        int outputPlane = _outputHeight * _outputWidth;
        for (int r = 0; r < _tileRows; r++)
        {
            int oc = (block * _tileRows) + r;
            if (oc >= _outputChannels)
            {
                break;
            }

            float b = bias.IsEmpty ? 0f : bias[oc];
            ref float plane = ref Unsafe.Add(ref target, ((n * _outputChannels) + oc) * outputPlane);
            ref float rowTiles = ref Unsafe.Add(ref tiles, r * ldc);
            if (_stacked)
            {
                // Stacked images: the run of positions, split where one image ends.
                int size = _transform.Plane;
                for (int p = flat0; p < flat1;)
                {
                    int image = p / size, end = Math.Min(flat1, (image + 1) * size);
                    CopyRow(ref Unsafe.Add(ref rowTiles, p - flat0), ref Unsafe.Add(ref target, (((image * _outputChannels) + oc) * outputPlane) + p - (image * size)), end - p, 1, b);
                    p = end;
                }

                continue;
            }

            if (phase.Columns == colsQ && phase.TargetColumnStep == 1 && phase.TargetRowStep == 1 && phase.TargetColumn0 == 0 && colsQ == _outputWidth)
            {
                // No dropped columns and the output rows are as wide: the task's positions are one contiguous run.
                CopyRow(ref rowTiles, ref Unsafe.Add(ref plane, (phase.TargetRow0 * _outputWidth) + flat0), flat1 - flat0, 1, b);
                continue;
            }

            for (int row = flat0 / colsQ; row * colsQ < flat1; row++)
            {
                // The part of this row inside the task and inside the valid columns.
                int col0 = Math.Max(0, flat0 - (row * colsQ));
                int col1 = Math.Min(phase.Columns, flat1 - (row * colsQ));
                if (col1 <= col0)
                {
                    continue;
                }

                ref float from = ref Unsafe.Add(ref rowTiles, (row * colsQ) + col0 - flat0);
                int outRow = phase.TargetRow0 + (row * phase.TargetRowStep);
                ref float to = ref Unsafe.Add(ref plane, (outRow * _outputWidth) + phase.TargetColumn0 + (col0 * phase.TargetColumnStep));
                CopyRow(ref from, ref to, col1 - col0, phase.TargetColumnStep, b);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRow(ref float from, ref float to, int count, int step, float bias)
    {
        int j = 0;
        if (step == 1)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> b = Vector512.Create(bias);
                for (; j <= count - 16; j += 16)
                {
                    (Vector512.LoadUnsafe(ref from, (nuint)j) + b).StoreUnsafe(ref to, (nuint)j);
                }

                if (j < count && Avx512F.IsSupported)
                {
                    // The rest under a mask, in one load and one store (lenet_c2's 10-wide rows went 8 + 1 + 1).
                    Vector512<float> rest = Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(count - j)).AsSingle();
                    fixed (float* source = &from, target = &to)
                    {
                        Avx512F.MaskStore(target + j, rest, Avx512F.MaskLoad(source + j, rest, Vector512<float>.Zero) + b);
                    }

                    return;
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> b = Vector256.Create(bias);
                for (; j <= count - 8; j += 8)
                {
                    (Vector256.LoadUnsafe(ref from, (nuint)j) + b).StoreUnsafe(ref to, (nuint)j);
                }
            }

            for (; j < count; j++)
            {
                Unsafe.Add(ref to, j) = Unsafe.Add(ref from, j) + bias;
            }
        }
        else
        {
            if (step == 2 && Avx512F.IsSupported)
            {
                // Every other column, 8 at a time: spread to the even lanes and stored under a mask, so that the odd
                // columns (another stride phase's, maybe another thread's) are not written.
                Vector512<int> spread = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
                Vector512<float> even = Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
                Vector256<float> b = Vector256.Create(bias);
                fixed (float* target = &to)
                {
                    for (; j <= count - 8; j += 8)
                    {
                        Vector512<float> values = (Vector256.LoadUnsafe(ref from, (nuint)j) + b).ToVector512Unsafe();
                        Avx512F.MaskStore(target + (2 * j), even, Avx512F.PermuteVar16x32(values, spread));
                    }
                }
            }

            for (; j < count; j++)
            {
                Unsafe.Add(ref to, j * step) = Unsafe.Add(ref from, j) + bias;
            }
        }
    }
}

/// <summary>A convolution plan run in two parallel passes: prepare (transform the input, pack the weights), then compute.</summary>
internal interface IPlannedConvolution
{
    /// <summary>One preparation task: an input plane to transform, a weight block to pack, or the buffer slack to clear.</summary>
    void Prepare(int task, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, float[] source, float[] packed);

    /// <summary>The compute tasks [begin, end): output tiles from the prepared buffers.</summary>
    void Compute(int begin, int end, float[] source, float[] packed, ReadOnlySpan<float> bias, Span<float> output);
}

/// <summary>The preparation pass of a plan over <see cref="TensorThreads"/>.</summary>
internal ref struct PlanPrepareJob<TPlan> : IParallelJob
    where TPlan : class, IPlannedConvolution
{
    public TPlan Plan;
    public ReadOnlySpan<float> Input;
    public ReadOnlySpan<float> Weight;
    public float[] Source;
    public float[] Packed;

    public void Execute(int begin, int end)
    {
        for (int task = begin; task < end; task++)
        {
            Plan.Prepare(task, Input, Weight, Source, Packed);
        }
    }
}

/// <summary>The compute pass of a plan over <see cref="TensorThreads"/>.</summary>
internal ref struct PlanComputeJob<TPlan> : IParallelJob
    where TPlan : class, IPlannedConvolution
{
    public TPlan Plan;
    public float[] Source;
    public float[] Packed;
    public ReadOnlySpan<float> Bias;
    public Span<float> Output;

    public void Execute(int begin, int end) => Plan.Compute(begin, end, Source, Packed, Bias, Output);
}

/// <summary>A plan whose preparation is packing its weights, one panel per task (the bias where the panel holds it).</summary>
internal interface IWeightPanels
{
    void PackPanel(int panel, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> packed);
}

/// <summary>The weight-packing pass of an <see cref="IWeightPanels"/> plan over <see cref="TensorThreads"/>.</summary>
internal ref struct WeightPanelJob<TPlan> : IParallelJob
    where TPlan : class, IWeightPanels
{
    public TPlan Plan;
    public ReadOnlySpan<float> Weight;
    public ReadOnlySpan<float> Bias;
    public Span<float> Packed;

    public void Execute(int begin, int end)
    {
        for (int panel = begin; panel < end; panel++)
        {
            Plan.PackPanel(panel, Weight, Bias, Packed);
        }
    }
}

/// <summary>A weight gradient whose first parallel pass prepares the image and the grid gradient.</summary>
internal interface IPreparedGradient
{
    /// <summary>
    /// One preparation task of the group of <paramref name="images"/> images from image <paramref name="first"/>: an image
    /// plane to transform, a block of the grid gradient to re-lay, or slack to clear (image n in slot n − first).
    /// </summary>
    void PrepareGradient(int task, int first, int images, ReadOnlySpan<float> image, ReadOnlySpan<float> grid, float[] source, float[] second);
}

/// <summary>The preparation pass of a weight gradient over <see cref="TensorThreads"/>.</summary>
internal ref struct GradientPrepareJob<TPlan> : IParallelJob
    where TPlan : class, IPreparedGradient
{
    public TPlan Plan;
    public ReadOnlySpan<float> Image;
    public ReadOnlySpan<float> Grid;
    public float[] Source;
    public float[] Second;

    /// <summary>The group's first image.</summary>
    public int First;

    /// <summary>The group's images.</summary>
    public int Images;

    public void Execute(int begin, int end)
    {
        for (int task = begin; task < end; task++)
        {
            Plan.PrepareGradient(task, First, Images, Image, Grid, Source, Second);
        }
    }
}
