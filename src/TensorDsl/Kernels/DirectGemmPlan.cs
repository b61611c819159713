using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorDsl.Threading;

namespace TensorDsl.Kernels;

/// <summary>
/// A correlation as one implicit GEMM over every output position of the batch (g = n·plane + oh·OW + ow: images stacked,
/// no dropped columns), on the AVX-512 tiles. The positions are cut into strips of the tile width; the threads take even
/// runs of the (strip, output-channel block) tiles. Per chunk of a thread's strips and reduction block a
/// <see cref="WindowPacker"/> packs the strips' im2col rows straight from the NCHW input into contiguous, aligned
/// micro-panels; each strip then stays in cache (L2, streamed to L1) while every output-channel block's tiles run over
/// it (against the strip re-read from memory when blocks were the outer loop: strided_3x3's forward about 5 % faster).
/// The tiles broadcast the weights straight from the weight tensor
/// (<see cref="MicroKernels.RowsTile(int, ref float, ref int, ref float, int, int, ref float, int, bool, int, int, int)"/>):
/// the taps' weights lie an even step apart within a filter (consecutive in a forward, a filter apart in a 1×1 input
/// gradient), so no panels are packed per call (they took 2.4 % of pointwise_1x1's forward, and a pass over the threads).
/// A tile inside one image stores straight into the NCHW output (row stride: the plane), so nothing is copied out;
/// a tile across two images, of a partial last channel block, or the batch's last strip (computed whole, ending at the
/// last position, so overlapping its neighbour) accumulates in a spare tile whose own columns are copied out. Sums run
/// over the taps in order and the bias is added last: the same rounding as <see cref="GemmPlan"/>.
/// </summary>
internal sealed class DirectGemmPlan
{
    /// <summary>
    /// Floats of packed B per strip and reduction block: 64 KiB, streamed from L2 (the tiles' 256 bytes per 24 FMAs are well
    /// within its bandwidth). Against 32 KiB blocks that stayed in L1, pointwise_1x1's 256 taps make one block, and its
    /// output is written once rather than written, read back and written again: forward and input gradient 2–3 % faster.
    /// </summary>
    private const int BlockFloats = 16384;

    /// <summary>Floats of packed B one chunk of strips may take per reduction block: about half of a 1 MiB L2.</summary>
    private const int ChunkFloats = 128 * 1024;

    private readonly WindowPacker _packer;
    private readonly int _outputChannels, _plane, _positions, _weightStride;
    private readonly int[] _weightIndex;
    private readonly int _rows, _columns, _blocks, _blockTaps, _taps;
    private readonly int _strips, _chunkStrips;

    // The taps' weights lie an even step apart within a filter (a forward's consecutive taps, the input gradient's filters
    // side by side): the tiles broadcast row r's from weights[(oc0 + r)·stride + k·step], no panels packed per call.
    private readonly int _tapStep;
    private readonly int[] _rowOffsets, _lastRowOffsets, _biasOffsets, _lastBiasOffsets;

    private DirectGemmPlan(WindowPacker packer, int batch, int outputChannels, int plane, int[] weightIndex, int weightStride, int tapStep)
    {
        _packer = packer;
        _outputChannels = outputChannels;
        _plane = plane;
        _positions = batch * plane;
        _weightIndex = weightIndex;
        _weightStride = weightStride;
        _taps = weightIndex.Length;
        _rows = MicroKernels.RowsTileRowsFor(outputChannels, _positions);
        _columns = MicroKernels.WideColumnsFor(_rows);
        _blocks = (outputChannels + _rows - 1) / _rows;
        _blockTaps = Math.Min(_taps, Math.Max(1, BlockFloats / _columns));
        _strips = (_positions + _columns - 1) / _columns;
        // A thread packs its strips together, in chunks as large as L2 holds packed.
        _chunkStrips = Math.Clamp(ChunkFloats / (_blockTaps * _columns), 1, 256);

        _tapStep = tapStep;
        int lastRows = outputChannels - ((_blocks - 1) * _rows);
        // A partial last block's missing rows read its last channel again; their sums go to a spare tile and are dropped.
        (_rowOffsets, _lastRowOffsets) = StripRows.Offsets(_rows, lastRows, weightStride);
        (_biasOffsets, _lastBiasOffsets) = StripRows.Offsets(_rows, lastRows, 1);
    }

    /// <summary>The even step between consecutive taps' weights (at least 1), or 0 where the taps are not evenly spaced.</summary>
    private static int TapStep(int[] weightIndex)
    {
        int step = weightIndex.Length > 1 ? weightIndex[1] - weightIndex[0] : 1;
        for (int k = 1; k < weightIndex.Length; k++)
        {
            if (weightIndex[k] - weightIndex[k - 1] != step)
            {
                return 0;
            }
        }

        return step >= 1 ? step : 0;
    }

    /// <summary>
    /// Plans the correlation of an NCHW input (N×C×H×W) with a window (stride, padding, kernel) into an output of
    /// <paramref name="outputChannels"/> × OH × OW as a direct GEMM; null where it does not pay or the packer cannot take
    /// the window: it needs the AVX-512 tiles, at least one whole tile of positions, and at least
    /// <see cref="MinimumOutputChannels"/> output channels to share each packed element (with fewer, packing outweighs
    /// what it saves: lenet_c2's 16 channels ran at half the speed of the GEMM plan). <c>weightIndex</c> gives per tap, in
    /// (c, kh, kw) order, its weight within one output channel's filter; filters are <c>weightStride</c> floats apart. The
    /// taps' weights must lie an even step apart (the tiles read them in place): null otherwise.
    /// </summary>
    public static DirectGemmPlan? TryCreate(
        int batch, int channels, int height, int width, int strideHeight, int strideWidth, int padHeight, int padWidth, int kernelHeight, int kernelWidth,
        int outputChannels, int outputHeight, int outputWidth, int[] weightIndex, int weightStride)
    {
        int plane = outputHeight * outputWidth;

        // The tile rows by the weight-gradient tiles' rule: 6 × 64 rather than 12 × 32 when that pads no more (half the
        // broadcasts per FMA, measured about 10 % faster on pointwise_1x1's forward, best of five alternating runs).
        int columns = MicroKernels.WideColumnsFor(MicroKernels.RowsTileRowsFor(outputChannels, batch * plane));
        int tapStep = TapStep(weightIndex);
        if (!MicroKernels.Avx512 || outputChannels < MinimumOutputChannels || batch * plane < columns || tapStep == 0
            || !WindowPacker.Handles(batch, outputHeight, outputWidth, kernelHeight, kernelWidth, strideWidth, columns))
        {
            return null;
        }

        var packer = new WindowPacker(batch, channels, height, width, strideHeight, strideWidth, padHeight, padWidth, kernelHeight, kernelWidth, outputHeight, outputWidth, columns);
        return new DirectGemmPlan(packer, batch, outputChannels, plane, weightIndex, weightStride, tapStep);
    }

    /// <summary>Output channels a direct GEMM needs at least (see <see cref="TryCreate"/>).</summary>
    public const int MinimumOutputChannels = 32;

    public void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        // The tiles read the weights and the bias unchecked: one check here.
        long last = ((long)(_outputChannels - 1) * _weightStride) + _weightIndex[^1];
        if (_weightIndex[0] < 0 || last >= weight.Length || (!bias.IsEmpty && bias.Length < _outputChannels))
        {
            throw new ArgumentException($"The weights ({weight.Length}) or the bias ({bias.Length}) are shorter than the plan's {_outputChannels} output channels need.");
        }

        var job = new ComputeJob { Plan = this, Input = input, Weight = weight, Bias = bias, Output = output };
        // The work items are the (strip, output-channel block) tiles, strip by strip: each thread takes an even run of
        // them, so threads differ by at most one tile, not one strip (pointwise_1x1's 49 strips had split 24 against 25).
        // A strip shared by two threads is packed by both.
        TensorThreads.Run(_strips * _blocks, ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(int begin, int end, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        if (begin >= end)
        {
            return;
        }

        int rows = _rows, columns = _columns, taps = _taps, plane = _plane;
        int lastRows = _outputChannels - ((_blocks - 1) * rows);
        float[] spare = Workspace.Tile(_blocks * _chunkStrips * rows * columns);
        ref float spareTiles = ref MemoryMarshal.GetArrayDataReference(spare);
        ref float weights = ref Unsafe.Add(ref MemoryMarshal.GetReference(weight), _weightIndex[0]);
        ref float biases = ref MemoryMarshal.GetReference(bias);
        int tapStep = _tapStep;
        ref float target = ref MemoryMarshal.GetReference(output);
        float[] panelArray = Workspace.Aligned(_chunkStrips * WindowPacker.StripLength(_blockTaps + 1, columns), out int panelStart);
        bool biased = !bias.IsEmpty;
        ref float panel = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(panelArray), panelStart);
        int first = begin / _blocks, stop = ((end - 1) / _blocks) + 1;
        for (int s0 = first; s0 < stop; s0 += _chunkStrips)
        {
            int s1 = Math.Min(stop, s0 + _chunkStrips);
            int k0 = 0;
            do
            {
                int kb = Math.Min(_blockTaps, taps - k0);
                bool last = k0 + kb == taps;

                // The last reduction block's strips end with a row of ones: the tiles add the bias as their last FMA,
                // round(sum + bias · 1), the same rounding as adding it after, without a second pass over the output
                // (which cost resnet_stem's forward 15 % when it used this plan: its output does not stay in cache).
                int stripTaps = last && biased ? kb + 1 : kb, stripLength = WindowPacker.StripLength(stripTaps, columns);
                _packer.Pack(input, s0, s1, k0, kb, stripTaps, ref panel);
                if (stripTaps > kb)
                {
                    for (int strip = 0; strip < s1 - s0; strip++)
                    {
                        MemoryMarshal.CreateSpan(ref Unsafe.Add(ref panel, (strip * stripLength) + (kb * columns)), columns).Fill(1f);
                    }
                }

                for (int strip = s0; strip < s1; strip++)
                {
                    // The thread's first and last strips may be shared: only its own blocks of them.
                    int blockBegin = Math.Max(0, begin - (strip * _blocks)), blockEnd = Math.Min(_blocks, end - (strip * _blocks));
                    for (int block = blockBegin; block < blockEnd; block++)
                    {
                        int blockRows = block == _blocks - 1 ? lastRows : rows;
                        int g = strip * columns, g0 = Math.Min(g, _positions - columns);
                        int n = g0 / plane, p0 = g0 - (n * plane);
                        bool spared = blockRows < rows || g0 < g || p0 + columns > plane;
                        ref float c = ref spared
                            ? ref Unsafe.Add(ref spareTiles, ((block * _chunkStrips) + strip - s0) * rows * columns)
                            : ref Unsafe.Add(ref target, (((n * _outputChannels) + (block * rows)) * plane) + p0);
                        int ldc = spared ? columns : plane;
                        ref float b = ref Unsafe.Add(ref panel, (strip - s0) * stripLength);
                        // Row r's weights from weights[(oc0 + r)·stride + (k0 + i)·step]: x moves on by one, then step − 1.
                        bool partial = blockRows < rows;
                        MicroKernels.RowsTile(
                            rows, ref Unsafe.Add(ref weights, (block * rows * _weightStride) + (k0 * tapStep)), ref MemoryMarshal.GetArrayDataReference(partial ? _lastRowOffsets : _rowOffsets),
                            ref b, columns, kb, ref c, ldc, k0 > 0, 1, 1, tapStep - 1);
                        if (stripTaps > kb)
                        {
                            // The bias times the strip's row of ones, last.
                            MicroKernels.RowsTile(
                                rows, ref Unsafe.Add(ref biases, block * rows), ref MemoryMarshal.GetArrayDataReference(partial ? _lastBiasOffsets : _biasOffsets),
                                ref Unsafe.Add(ref b, kb * columns), columns, 1, ref c, ldc, true);
                        }

                        if (last && spared)
                        {
                            Finish(ref c, ref target, g0, g - g0, blockRows, block * rows);
                        }
                    }
                }

                k0 += kb;
            }
            while (k0 < taps);
        }
    }

    /// <summary>
    /// Copies the finished spare tile <paramref name="c"/> (its first column is position <paramref name="g0"/>) to the
    /// output, from column <paramref name="skip"/> on, in runs split where an image ends.
    /// </summary>
    private void Finish(ref float c, ref float output, int g0, int skip, int rows, int oc0)
    {
        for (int j0 = skip; j0 < _columns;)
        {
            int n = (g0 + j0) / _plane, p = g0 + j0 - (n * _plane);
            int run = Math.Min(_columns - j0, _plane - p);
            for (int r = 0; r < rows; r++)
            {
                ref float from = ref Unsafe.Add(ref c, (r * _columns) + j0);
                ref float to = ref Unsafe.Add(ref output, (((n * _outputChannels) + oc0 + r) * _plane) + p);
                int j = 0;
                for (; j <= run - 16; j += 16)
                {
                    Vector512.LoadUnsafe(ref from, (nuint)j).StoreUnsafe(ref to, (nuint)j);
                }

                for (; j < run; j++)
                {
                    Unsafe.Add(ref to, j) = Unsafe.Add(ref from, j);
                }
            }

            j0 += run;
        }
    }

    private ref struct ComputeJob : IParallelJob
    {
        public DirectGemmPlan Plan;
        public ReadOnlySpan<float> Input;
        public ReadOnlySpan<float> Weight;
        public ReadOnlySpan<float> Bias;
        public Span<float> Output;

        public void Execute(int begin, int end) => Plan.Compute(begin, end, Input, Weight, Bias, Output);
    }
}

/// <summary>
/// Packs the implicit-GEMM B operand of a convolution (im2col rows) for strips of the batch's stacked output positions
/// straight from the NCHW input: tap (c, kh, kw)'s row over a strip is a few segments of up to 16 positions (runs split
/// where an output row or an image ends, unless the input continues there), each one vector load (stride 2: two loads and
/// a two-source permute of the even elements), zeroed where the window lies in the padding, stored whole: a later
/// segment overwrites what a store wrote past its own. The segment table covers one period of strips (strips and images
/// line up again after lcm(plane, strip width) positions) and is reused for the next periods.
/// </summary>
internal sealed class WindowPacker
{
    private readonly int _channels, _planeSize, _imageSize, _kernelArea, _strideWidth, _columns;
    private readonly int _periodStrips, _periodImages, _lastStrip, _tailImage;
    private readonly bool _tail;
    private readonly int[] _segmentStart, _runSource;
    private readonly Segment[] _segments;

    public WindowPacker(int batch, int channels, int height, int width, int strideHeight, int strideWidth, int padHeight, int padWidth, int kernelHeight, int kernelWidth, int outputHeight, int outputWidth, int columns)
    {
        _channels = channels;
        _planeSize = height * width;
        _imageSize = channels * _planeSize;
        _kernelArea = kernelHeight * kernelWidth;
        _strideWidth = strideWidth;
        _columns = columns;
        int plane = outputHeight * outputWidth;
        int positions = batch * plane;
        int period = Period(batch, plane, columns);
        _periodStrips = period / columns;
        _periodImages = period / plane;
        _lastStrip = ((positions + columns - 1) / columns) - 1;
        _tailImage = (positions - columns) / plane;
        var start = new System.Collections.Generic.List<int>();
        var source = new System.Collections.Generic.List<int>();
        var target = new System.Collections.Generic.List<int>();
        var lanes = new System.Collections.Generic.List<byte>();
        for (int s = 0; s < _periodStrips; s++)
        {
            AddStrip(s * columns, 0);
        }

        // The batch's last strip, when the positions are not a multiple of its width: it ends at the last position.
        _tail = positions % columns != 0;
        if (_tail)
        {
            AddStrip(positions - columns, _tailImage);
        }

        void AddStrip(int g0, int firstImage)
        {
            for (int kh = 0; kh < kernelHeight; kh++)
            {
                for (int kw = 0; kw < kernelWidth; kw++)
                {
                    start.Add(source.Count);
                    int runFrom = 0, runTarget = 0, runCount = 0;
                    for (int g = g0; g < g0 + columns;)
                    {
                        // The strip's positions on one output row of one image.
                        int n = g / plane, p = g - (n * plane);
                        int oh = p / outputWidth, ow = p % outputWidth;
                        int count = Math.Min(outputWidth - ow, g0 + columns - g);
                        int ih = (oh * strideHeight) + kh - padHeight;
                        int iw = (ow * strideWidth) + kw - padWidth;
                        bool rowInside = (uint)ih < (uint)height;
                        int lo = 0, hi = 0;
                        if (rowInside)
                        {
                            // Lanes whose column iw + l·SW lies inside the row.
                            lo = Math.Min(count, iw >= 0 ? 0 : (-iw + strideWidth - 1) / strideWidth);
                            hi = Math.Max(lo, Math.Min(count, iw >= width ? 0 : ((width - 1 - iw) / strideWidth) + 1));
                        }

                        int from = rowInside ? ((n - firstImage) * _imageSize) + (ih * width) + iw : int.MinValue;
                        bool whole = rowInside && lo == 0 && hi == count;
                        if (whole && strideWidth == 1 && runCount > 0 && runFrom + runCount == from)
                        {
                            // Contiguous in the input and inside it (1×1 windows: the whole strip): one run.
                            runCount += count;
                        }
                        else
                        {
                            Emit(runFrom, runTarget, runCount, 0, runCount, true);
                            runCount = 0;
                            if (whole && strideWidth == 1)
                            {
                                (runFrom, runTarget, runCount) = (from, g - g0, count);
                            }
                            else
                            {
                                Emit(from, g - g0, count, lo, hi, whole);
                            }
                        }

                        g += count;
                    }

                    Emit(runFrom, runTarget, runCount, 0, runCount, true);
                }
            }
        }

        // Segments of at most 16 lanes for `count` positions from `from` (int.MinValue: all zero), lanes lo … hi − 1 inside.
        void Emit(int from, int targetStart, int count, int lo, int hi, bool whole)
        {
            for (int j = 0; j < count; j += 16)
            {
                int lanes16 = Math.Min(16, count - j);
                source.Add(from == int.MinValue ? int.MinValue : from + (j * strideWidth));
                target.Add(targetStart + j);
                lanes.Add((byte)Math.Clamp(lo - j, 0, lanes16));
                lanes.Add((byte)Math.Clamp(hi - j, 0, lanes16));
                lanes.Add(whole ? (byte)0 : (byte)1);
            }
        }

        start.Add(source.Count);
        _segmentStart = start.ToArray();
        _segments = new Segment[source.Count];
        for (int i = 0; i < _segments.Length; i++)
        {
            _segments[i] = new Segment(source[i], (short)target[i], lanes[3 * i], lanes[(3 * i) + 1], lanes[(3 * i) + 2] != 0);
        }

        // Table rows that are one contiguous run of the input, unmasked (1×1 windows inside an image): their source.
        _runSource = new int[_segmentStart.Length - 1];
        for (int row = 0; row < _runSource.Length; row++)
        {
            int first = _segmentStart[row], count = _segmentStart[row + 1] - first;
            bool run = strideWidth == 1 && count * 16 == columns;
            for (int i = 0; run && i < count; i++)
            {
                Segment segment = _segments[first + i];
                run = !segment.Masked && segment.Source != int.MinValue && segment.Target == 16 * i && segment.Source == _segments[first].Source + (16 * i);
            }

            _runSource[row] = run ? _segments[first].Source : int.MinValue;
        }

    }

    /// <summary>
    /// Floats of one strip's packed rows of <paramref name="kb"/> taps: the rows, then 16 that the last row's stores may
    /// write past it (strips are packed tap by tap for 1×1 windows, so the next strip's first row is already written).
    /// </summary>
    public static int StripLength(int kb, int columns) => (kb * columns) + 16;

    /// <summary>
    /// Whether the packer handles this window: a stride of 1 or 2 along the rows (the loads cover 16 positions with one or
    /// two vectors), and a segment table of at most <see cref="MaximumTableRows"/> (strip, tap) rows (a plane whose size
    /// shares few factors with the strip width repeats only after many strips).
    /// </summary>
    public static bool Handles(int batch, int outputHeight, int outputWidth, int kernelHeight, int kernelWidth, int strideWidth, int columns)
        => strideWidth is 1 or 2
            && ((long)(Period(batch, outputHeight * outputWidth, columns) / columns) + 1) * kernelHeight * kernelWidth <= MaximumTableRows;

    /// <summary>(strip, tap) rows a segment table may have: about 2–4 segments of 12 bytes each per row.</summary>
    private const long MaximumTableRows = 1 << 18;

    /// <summary>Positions after which strips and images line up again: lcm(plane, strip width), at most the batch's.</summary>
    private static int Period(int batch, int plane, int columns)
        => (int)Math.Min((long)batch * plane, (long)plane / MicroKernels.Gcd(plane, columns) * columns);

    /// <summary>
    /// Writes taps k0 … k0 + kb − 1 (in (c, kh, kw) order) of strips s0 … s1 − 1 to <paramref name="panel"/>: per strip
    /// kb rows of the strip width; strips are <see cref="StripLength"/>(<paramref name="stripTaps"/>) apart (rows past kb
    /// are the caller's).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(ReadOnlySpan<float> input, int s0, int s1, int k0, int kb, int stripTaps, ref float panel)
    {
        ref float x = ref MemoryMarshal.GetReference(input);
        int[] segmentStart = _segmentStart, runSource = _runSource;
        int stripLength = StripLength(stripTaps, _columns);
        int c0 = k0 / _kernelArea, t0 = k0 - (c0 * _kernelArea);
        // Per strip: where its segment table and its first image's planes are (the period's, or the batch's last strip's).
        int count = s1 - s0;
        Span<int> tables = stackalloc int[count];
        Span<int> planes = stackalloc int[count];
        for (int strip = s0, period = s0 / _periodStrips, pattern = s0 - (period * _periodStrips); strip < s1; strip++)
        {
            bool tail = _tail && strip == _lastStrip;
            tables[strip - s0] = (tail ? _periodStrips : pattern) * _kernelArea;
            planes[strip - s0] = ((tail ? _tailImage : period * _periodImages) * _imageSize) + (c0 * _planeSize);
            if (++pattern == _periodStrips)
            {
                pattern = 0;
                period++;
            }
        }

        if (_kernelArea == 1)
        {
            // 1×1 windows: a tap is one input plane, read along it strip after strip.
            for (int k = 0; k < kb; k++)
            {
                for (int j = 0; j < count; j++)
                {
                    int table = tables[j];
                    ref float row = ref Unsafe.Add(ref panel, (j * stripLength) + (k * _columns));
                    int at = planes[j] + (k * _planeSize) + runSource[table];
                    if (runSource[table] != int.MinValue && at >= 0 && at + _columns <= input.Length)
                    {
                        // A strip inside one image: a plain copy, without the segment table's per-segment work (which
                        // took about as long as the loads even where the input was in L2).
                        for (int i = 0; i < _columns; i += 16)
                        {
                            Vector512.LoadUnsafe(ref x, (nuint)(at + i)).StoreUnsafe(ref row, (nuint)i);
                        }

                        continue;
                    }

                    PackRow(ref x, input.Length, segmentStart[table], segmentStart[table + 1], planes[j] + (k * _planeSize), ref row);
                }
            }

            return;
        }

        for (int j = 0; j < count; j++)
        {
            for (int k = 0, t = t0, channel = planes[j]; k < kb; k++)
            {
                int table = tables[j] + t;
                PackRow(ref x, input.Length, segmentStart[table], segmentStart[table + 1], channel, ref Unsafe.Add(ref panel, (j * stripLength) + (k * _columns)));
                if (++t == _kernelArea)
                {
                    t = 0;
                    channel += _planeSize;
                }
            }
        }
    }

    /// <summary>One tap's row over one strip: segments first … last − 1, read from the plane starting at <paramref name="planeStart"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PackRow(ref float x, int length, int first, int last, int planeStart, ref float row)
    {
        int step = _strideWidth, reach = 16 * step;
        ref Segment segments = ref MemoryMarshal.GetArrayDataReference(_segments);
        for (int i = first; i < last; i++)
        {
            ref Segment segment = ref Unsafe.Add(ref segments, i);
            ref float to = ref Unsafe.Add(ref row, segment.Target);
            if (segment.Source == int.MinValue)
            {
                Vector512<float>.Zero.StoreUnsafe(ref to);
                continue;
            }

            int at = planeStart + segment.Source;
            if (at >= 0 && at + reach <= length)
            {
                Vector512<float> v = step == 1
                    ? Vector512.LoadUnsafe(ref x, (nuint)at)
                    : Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref x, (nuint)at), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), Vector512.LoadUnsafe(ref x, (nuint)(at + 16)));
                if (segment.Masked)
                {
                    Vector512<int> lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                    v &= (Vector512.GreaterThanOrEqual(lane, Vector512.Create((int)segment.Low)) & Vector512.LessThan(lane, Vector512.Create((int)segment.High))).AsSingle();
                }

                v.StoreUnsafe(ref to);
                continue;
            }

            // Near either end of the input: element by element, only where the window is inside.
            for (int l = 0; l < 16; l++)
            {
                Unsafe.Add(ref to, l) = l >= segment.Low && l < segment.High ? Unsafe.Add(ref x, at + (l * step)) : 0f;
            }
        }
    }

    /// <summary>
    /// Up to 16 positions of a tap's row: read from <see cref="Source"/> (within the first image's planes; int.MinValue:
    /// all zero) to <see cref="Target"/> in the strip; lanes <see cref="Low"/> … <see cref="High"/> − 1 lie inside the input.
    /// </summary>
    private readonly record struct Segment(int Source, short Target, byte Low, byte High, bool Masked);
}
