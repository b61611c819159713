using System;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.Cpu;

/// <summary>
/// The algorithm and work split of one convolution geometry, chosen at build time. Float32 convolutions run as an
/// implicit GEMM over a padded, stride-phase-split copy of the input (FMA register tiles, see
/// TensorDsl.Kernels.ConvolutionKernel); double keeps the simple vectorized loops. The tiling sizes each task so
/// that its slice of the transformed input stays in L2 and there are enough tasks for an even static partition.
/// </summary>
internal sealed class ConvolutionPlan
{
    /// <summary>Bytes of transformed input one forward task should touch (about half of a 512 KiB L2).</summary>
    private const int TaskInputBytes = 192 * 1024;

    /// <summary>At least this many tasks per call, so that 2–8 threads get even shares.</summary>
    private const int MinimumTasks = 16;

    /// <summary>Row reads (distinct input rows of one channel) a reduction block may touch per tile: ~16 KiB of L1.</summary>
    private const int BlockRowReads = 128;

    private ConvolutionPlan(int correlateRows, int correlateTileRows, int correlateBlockChannels, int scatterRows, int scatterTileRows, int scatterBlockChannels)
    {
        CorrelateRows = correlateRows;
        CorrelateTileRows = correlateTileRows;
        CorrelateBlockChannels = correlateBlockChannels;
        ScatterRows = scatterRows;
        ScatterTileRows = scatterTileRows;
        ScatterBlockChannels = scatterBlockChannels;
    }

    public int CorrelateRows { get; }

    public int CorrelateTileRows { get; }

    public int CorrelateBlockChannels { get; }

    public int ScatterRows { get; }

    public int ScatterTileRows { get; }

    public int ScatterBlockChannels { get; }

    public bool CorrelateWeightsInner { get; private set; }

    public bool ScatterWeightsInner { get; private set; }

    /// <summary>Whether the operator's convolutions use the implicit-GEMM kernels.</summary>
    public static bool Applies(OperatorSpec s)
        => s.Element == ElementKind.Float && s.Kind is OperatorKind.Conv2d or OperatorKind.Deconv2d or OperatorKind.Conv2dGradW;

    public static ConvolutionPlan For(WindowGeometry g)
    {
        // Correlation (image → grid): a task is a band of grid rows of one image.
        int colsQ = g.GridWidth + ((g.KernelWidth - 1) / g.StrideWidth);
        int halo = (g.KernelHeight - 1) / g.StrideHeight;
        long rowBytes = (long)g.ImageChannels * g.StrideHeight * g.StrideWidth * colsQ * sizeof(float);
        int correlateRows = Band(g.GridHeight, rowBytes, halo, g.Batch);

        // Transposed correlation (grid → image): bands of phase rows over the padded grid.
        int tapsHigh = (g.KernelHeight + g.StrideHeight - 1) / g.StrideHeight;
        int tapsWide = (g.KernelWidth + g.StrideWidth - 1) / g.StrideWidth;
        int phaseRows = (g.ImageHeight + g.StrideHeight - 1) / g.StrideHeight;
        long gridRowBytes = (long)g.GridChannels * (g.GridWidth + (2 * tapsWide)) * sizeof(float);
        int scatterRows = Band(phaseRows, gridRowBytes, tapsHigh - 1, g.Batch * g.StrideHeight * g.StrideWidth);

        // Register tiles: the rows (output channels) that waste least on padding; 12 accumulators whatever the rows.
        int correlateTileRows = TileRows(g.GridChannels, g.GridHeight * colsQ);
        int scatterTileRows = TileRows(g.ImageChannels, phaseRows * (((g.ImageWidth + g.StrideWidth - 1) / g.StrideWidth) + tapsWide));

        // Reduction blocks: enough input channels that one tile's reads of a block stay within L1.
        int correlateRowReads = g.KernelHeight * Math.Min(g.KernelWidth, g.StrideWidth);
        int correlateBlock = BlockChannels(correlateRowReads, correlateTileRows);
        int scatterBlock = BlockChannels(tapsHigh, scatterTileRows);

        // 1×1 kernels have many output channels per input row read: keep the input tile in L1 and stream the
        // weights (input-stationary); otherwise keep one block of weights in L1 and stream the tiles.
        bool pointwise = g.KernelArea == 1;
        return new ConvolutionPlan(correlateRows, correlateTileRows, correlateBlock, scatterRows, scatterTileRows, scatterBlock)
        {
            CorrelateWeightsInner = pointwise && g.GridChannels >= 64,
            ScatterWeightsInner = pointwise && g.ImageChannels >= 64,
        };
    }

    /// <summary>
    /// The tile rows R (output channels; the tile is R × 96/R positions) that compute least beyond the output: channels
    /// padded to a multiple of R, and each image's <paramref name="positions"/> to a multiple of 96/R.
    /// </summary>
    private static int TileRows(int channels, int positions)
    {
        int best = 6;
        long bestWork = long.MaxValue;
        foreach (int rows in new[] { 6, 4, 3, 2, 1 })
        {
            int columns = 96 / rows;
            long work = (long)((channels + rows - 1) / rows * rows) * ((positions + columns - 1) / columns * columns);
            if (work < bestWork)
            {
                best = rows;
                bestWork = work;
            }
        }

        return best;
    }

    private static int BlockChannels(int rowReadsPerChannel, int tileRows)
    {
        // A tile 96 / rows positions wide reads (96 / rows) / 16 + 1 cache lines per row read.
        int linesPerRow = (96 / tileRows / 16) + 1;
        return Math.Max(1, BlockRowReads * 3 / linesPerRow / Math.Max(1, rowReadsPerChannel));
    }

    /// <summary>Rows per task: the band's input fits <see cref="TaskInputBytes"/>, and there are enough tasks.</summary>
    private static int Band(int rows, long rowBytes, int halo, int images)
    {
        int fit = (int)Math.Max(1, (TaskInputBytes / Math.Max(1, rowBytes)) - halo);
        int band = Math.Min(rows, fit);
        int wanted = (MinimumTasks + images - 1) / images;
        if (wanted > 1)
        {
            band = Math.Min(band, Math.Max(1, (rows + wanted - 1) / wanted));
        }

        // Even bands: the last one is not a sliver.
        int count = (rows + band - 1) / band;
        return Math.Max(1, (rows + count - 1) / count);
    }

    /// <summary>The file-local holder of the planned kernel, built once at first use.</summary>
    public string Holder(OperatorSpec s, string name)
    {
        WindowGeometry g = s.Geometry;
        IndentedWriter w = new();
        w.Line("/// <summary>The planned float32 convolution kernel of " + s.MethodName + ": implicit GEMM; forward tasks of " + N(CorrelateRows) + " grid rows, " + N(CorrelateTileRows) + "×" + N(96 / CorrelateTileRows) + " tiles, reduction blocks of " + N(CorrelateBlockChannels) + " channels; transposed tasks of " + N(ScatterRows) + " phase rows, " + N(ScatterTileRows) + "×" + N(96 / ScatterTileRows) + " tiles, blocks of " + N(ScatterBlockChannels) + " channels (the 256-bit tiles; with AVX-512 the kernel picks its wider tiles from the same shape).</summary>");
        w.Line(SourceFile.GeneratedCodeAttribute);
        using (w.Open("file static class " + name))
        {
            w.Line("public static readonly global::TensorDsl.Kernels.ConvolutionKernel Kernel = new(");
            w.Indent();
            w.Line(N(g.Batch) + ", " + N(g.ImageChannels) + ", " + N(g.ImageHeight) + ", " + N(g.ImageWidth) + ",");
            w.Line(N(g.GridChannels) + ", " + N(g.GridHeight) + ", " + N(g.GridWidth) + ",");
            w.Line(N(g.KernelHeight) + ", " + N(g.KernelWidth) + ", " + N(g.StrideHeight) + ", " + N(g.StrideWidth) + ", " + N(g.PadHeight) + ", " + N(g.PadWidth) + ",");
            w.Line("new global::TensorDsl.Kernels.ConvolutionTiling(" + N(CorrelateRows) + ", " + N(CorrelateTileRows) + ", " + N(CorrelateBlockChannels) + ", " + N(ScatterRows) + ", " + N(ScatterTileRows) + ", " + N(ScatterBlockChannels) + ", " + (CorrelateWeightsInner ? "true" : "false") + ", " + (ScatterWeightsInner ? "true" : "false") + "));");
            w.Outdent();
        }

        return w.ToString();
    }
}
