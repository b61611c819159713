using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TensorDsl.Kernels;

/// <summary>Transposes of small blocks in AVX-512 (or AVX) registers, for re-laying tensors between channel- and position-major.</summary>
internal static class Transpose
{
    /// <summary><c>to[c·rows + r] = from[r·columns + c]</c>: a rows × columns matrix re-laid column-major (weights, once per call).</summary>
    public static void Matrix(ReadOnlySpan<float> from, int rows, int columns, Span<float> to)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = from.Slice(r * columns, columns);
            for (int c = 0; c < columns; c++)
            {
                to[(c * rows) + r] = row[c];
            }
        }
    }

    /// <summary>
    /// <c>to[p·ldTo + c] = from[c·ldFrom + p]</c> for p &lt; 16 and c &lt; 16, with the rows c ≥ <paramref name="rows"/> read
    /// as zero. Four stages of register shuffles (32-bit and 64-bit unpacks, then two of 128-bit lanes). Needs AVX-512F.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block16(ref float from, int ldFrom, int rows, ref float to, int ldTo)
    {
        Vector512<float> r0 = Row(ref from, ldFrom, rows, 0), r1 = Row(ref from, ldFrom, rows, 1), r2 = Row(ref from, ldFrom, rows, 2), r3 = Row(ref from, ldFrom, rows, 3);
        Vector512<float> r4 = Row(ref from, ldFrom, rows, 4), r5 = Row(ref from, ldFrom, rows, 5), r6 = Row(ref from, ldFrom, rows, 6), r7 = Row(ref from, ldFrom, rows, 7);
        Vector512<float> r8 = Row(ref from, ldFrom, rows, 8), r9 = Row(ref from, ldFrom, rows, 9), r10 = Row(ref from, ldFrom, rows, 10), r11 = Row(ref from, ldFrom, rows, 11);
        Vector512<float> r12 = Row(ref from, ldFrom, rows, 12), r13 = Row(ref from, ldFrom, rows, 13), r14 = Row(ref from, ldFrom, rows, 14), r15 = Row(ref from, ldFrom, rows, 15);

        // Per 128-bit lane L: u[4g + j] holds column 4L + j of rows 4g .. 4g + 3.
        Quad(r0, r1, r2, r3, out Vector512<float> u0, out Vector512<float> u1, out Vector512<float> u2, out Vector512<float> u3);
        Quad(r4, r5, r6, r7, out Vector512<float> u4, out Vector512<float> u5, out Vector512<float> u6, out Vector512<float> u7);
        Quad(r8, r9, r10, r11, out Vector512<float> u8, out Vector512<float> u9, out Vector512<float> u10, out Vector512<float> u11);
        Quad(r12, r13, r14, r15, out Vector512<float> u12, out Vector512<float> u13, out Vector512<float> u14, out Vector512<float> u15);
        Columns(u0, u4, u8, u12, ref to, ldTo, 0);
        Columns(u1, u5, u9, u13, ref to, ldTo, 1);
        Columns(u2, u6, u10, u14, ref to, ldTo, 2);
        Columns(u3, u7, u11, u15, ref to, ldTo, 3);
    }

    /// <summary>
    /// Re-lays <paramref name="channels"/> (≤ 16) planes of height × width, <c>from[c·height·width + p]</c>, position-major
    /// into a grid of targetHeight × targetWidth cells <paramref name="ldTo"/> floats apart:
    /// <c>to[(oh·targetWidth + ow)·ldTo + c]</c>, zero for the channels c ≥ <paramref name="valid"/> and for the cells
    /// outside the planes. With 16 channels on AVX-512, 16 plane positions at a time in registers: straight into place
    /// where their cells are consecutive (one plane row, or targetWidth = width), else through a scratch block; with AVX,
    /// 8 positions at a time (two 8 × 8 blocks).
    /// </summary>
    public static void PlanesToPositions(ref float from, int height, int width, int channels, int valid, ref float to, int targetHeight, int targetWidth, int ldTo)
        => PlanesToPositions(ref from, height, width, height * width, channels, valid, ref to, targetHeight, targetWidth, ldTo);

    /// <summary>
    /// <see cref="PlanesToPositions(ref float, int, int, int, int, ref float, int, int, int)"/> for the rows of taller planes:
    /// the channels' height × width blocks lie <paramref name="channelStride"/> floats apart (<c>from[c·channelStride + p]</c>),
    /// so a band of rows of each plane can be re-laid on its own.
    /// </summary>
    public static void PlanesToPositions(ref float from, int height, int width, int channelStride, int channels, int valid, ref float to, int targetHeight, int targetWidth, int ldTo)
    {
        int plane = height * width, q = 0;
        if (channels == 16 && Avx512F.IsSupported)
        {
            Span<float> block = stackalloc float[16 * 16];
            ref float scratch = ref MemoryMarshal.GetReference(block);
            for (; q + 16 <= plane; q += 16)
            {
                if (q + PrefetchDistance < plane)
                {
                    Ahead(ref Unsafe.Add(ref from, q + PrefetchDistance), channelStride, valid);
                }

                if (targetWidth == width || (q / width) == ((q + 15) / width))
                {
                    Block16(ref Unsafe.Add(ref from, q), channelStride, valid, ref Unsafe.Add(ref to, Cell(q) * ldTo), ldTo);
                    continue;
                }

                Block16(ref Unsafe.Add(ref from, q), channelStride, valid, ref scratch, 16);
                for (int i = 0; i < 16; i++)
                {
                    Vector512.LoadUnsafe(ref scratch, (nuint)(i * 16)).StoreUnsafe(ref Unsafe.Add(ref to, Cell(q + i) * ldTo));
                }
            }
        }

        else if (channels == 16 && Avx.IsSupported)
        {
            // AVX2: 8 plane positions at a time, two 8 × 8 blocks (channels 0–7 and 8–15) transposed in registers.
            for (; q + 8 <= plane; q += 8)
            {
                if (q + PrefetchDistance < plane)
                {
                    Ahead(ref Unsafe.Add(ref from, q + PrefetchDistance), channelStride, valid);
                }

                bool consecutive = targetWidth == width || (q / width) == ((q + 7) / width);
                int cell0 = Cell(q);
                for (int half = 0; half < 16; half += 8)
                {
                    Block8(ref Unsafe.Add(ref from, (half * channelStride) + q), channelStride, valid - half, out Vector256<float> p0, out Vector256<float> p1, out Vector256<float> p2, out Vector256<float> p3, out Vector256<float> p4, out Vector256<float> p5, out Vector256<float> p6, out Vector256<float> p7);
                    p0.StoreUnsafe(ref Unsafe.Add(ref to, (cell0 * ldTo) + half));
                    p1.StoreUnsafe(ref Unsafe.Add(ref to, ((consecutive ? cell0 + 1 : Cell(q + 1)) * ldTo) + half));
                    p2.StoreUnsafe(ref Unsafe.Add(ref to, ((consecutive ? cell0 + 2 : Cell(q + 2)) * ldTo) + half));
                    p3.StoreUnsafe(ref Unsafe.Add(ref to, ((consecutive ? cell0 + 3 : Cell(q + 3)) * ldTo) + half));
                    p4.StoreUnsafe(ref Unsafe.Add(ref to, ((consecutive ? cell0 + 4 : Cell(q + 4)) * ldTo) + half));
                    p5.StoreUnsafe(ref Unsafe.Add(ref to, ((consecutive ? cell0 + 5 : Cell(q + 5)) * ldTo) + half));
                    p6.StoreUnsafe(ref Unsafe.Add(ref to, ((consecutive ? cell0 + 6 : Cell(q + 6)) * ldTo) + half));
                    p7.StoreUnsafe(ref Unsafe.Add(ref to, ((consecutive ? cell0 + 7 : Cell(q + 7)) * ldTo) + half));
                }
            }
        }

        for (; q < plane; q++)
        {
            ref float cell = ref Unsafe.Add(ref to, Cell(q) * ldTo);
            for (int c = 0; c < channels; c++)
            {
                Unsafe.Add(ref cell, c) = c < valid ? Unsafe.Add(ref from, (c * channelStride) + q) : 0f;
            }
        }

        // The cells outside the planes: the columns past each row, then the rows past the last.
        for (int oh = 0; oh < targetHeight; oh++)
        {
            for (int ow = oh < height ? width : 0; ow < targetWidth; ow++)
            {
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref to, ((oh * targetWidth) + ow) * ldTo), channels).Clear();
            }
        }

        // The cell of plane position p = oh·width + ow: oh·targetWidth + ow.
        int Cell(int p) => (p / width * targetWidth) + (p % width);
    }

    /// <summary>
    /// The 8 × 8 block <c>from[c·ldFrom + j]</c> (c, j &lt; 8; rows c ≥ <paramref name="rows"/> read as zero) transposed:
    /// <paramref name="p0"/> … <paramref name="p7"/> hold positions 0 … 7 across the 8 rows. 32-bit and 64-bit in-lane
    /// shuffles, then a 128-bit lane exchange. Needs AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8(ref float from, int ldFrom, int rows,
        out Vector256<float> p0, out Vector256<float> p1, out Vector256<float> p2, out Vector256<float> p3,
        out Vector256<float> p4, out Vector256<float> p5, out Vector256<float> p6, out Vector256<float> p7)
    {
        Vector256<float> r0 = Row8(ref from, ldFrom, rows, 0), r1 = Row8(ref from, ldFrom, rows, 1), r2 = Row8(ref from, ldFrom, rows, 2), r3 = Row8(ref from, ldFrom, rows, 3);
        Vector256<float> r4 = Row8(ref from, ldFrom, rows, 4), r5 = Row8(ref from, ldFrom, rows, 5), r6 = Row8(ref from, ldFrom, rows, 6), r7 = Row8(ref from, ldFrom, rows, 7);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        p0 = Avx.Permute2x128(s0, s4, 0x20);
        p1 = Avx.Permute2x128(s1, s5, 0x20);
        p2 = Avx.Permute2x128(s2, s6, 0x20);
        p3 = Avx.Permute2x128(s3, s7, 0x20);
        p4 = Avx.Permute2x128(s0, s4, 0x31);
        p5 = Avx.Permute2x128(s1, s5, 0x31);
        p6 = Avx.Permute2x128(s2, s6, 0x31);
        p7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row8(ref float from, int ld, int rows, int c)
        => c < rows ? Vector256.LoadUnsafe(ref from, (nuint)(c * ld)) : Vector256<float>.Zero;

    /// <summary>
    /// Position-major sums (<c>sums[p·channels + j]</c>, <paramref name="count"/> positions, channels a multiple of 16)
    /// plus the bias of channel oc0 + j (none where empty) into planes <paramref name="plane"/> floats apart
    /// (<c>target[j·plane + p]</c>) for the first <paramref name="validChannels"/> channels: 16 positions × 16 channels at
    /// a time, transposed in registers and stored under a mask where the positions end; 16 channels' rows at a time, each
    /// written along in order (16 streams into memory, not one per channel). Needs AVX-512F.
    /// </summary>
    public static unsafe void PositionsToPlanes(ref float sums, int channels, int validChannels, int count, ReadOnlySpan<float> bias, int oc0, float* target, int plane)
    {
        Span<float> transposed = stackalloc float[16 * 16];
        ref float t = ref MemoryMarshal.GetReference(transposed);
        Vector512<int> lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int j0 = 0; j0 < validChannels; j0 += 16)
        {
            int rows = Math.Min(16, validChannels - j0);
            for (int q = 0; q < count; q += 16)
            {
                int positions = Math.Min(16, count - q);
                Vector512<float> mask = Vector512.LessThan(lane, Vector512.Create(positions)).AsSingle();

                // transposed[j·16 + i] = sums of position q + i, channel j0 + j.
                Block16(ref Unsafe.Add(ref sums, (q * channels) + j0), channels, positions, ref t, 16);
                for (int j = 0; j < rows; j++)
                {
                    Vector512<float> v = Vector512.LoadUnsafe(ref t, (nuint)(j * 16));
                    if (!bias.IsEmpty)
                    {
                        v += Vector512.Create(bias[oc0 + j0 + j]);
                    }

                    Avx512F.MaskStore(target + ((long)(j0 + j) * plane) + q, mask, v);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="PositionsToPlanes"/> with AVX: 8 positions × 8 channels at a time transposed in registers
    /// (<see cref="Block8"/>), the plane's last <paramref name="count"/> mod 8 positions one by one; channels a multiple of
    /// 8. The same sums plus the same bias as the AVX-512 version, so the same results. Needs AVX.
    /// </summary>
    public static unsafe void PositionsToPlanes256(ref float sums, int channels, int validChannels, int count, ReadOnlySpan<float> bias, int oc0, float* target, int plane)
    {
        for (int j0 = 0; j0 < validChannels; j0 += 8)
        {
            int rows = Math.Min(8, validChannels - j0);
            float* to = target + ((long)j0 * plane);
            int q = 0;
            for (; q + 8 <= count; q += 8)
            {
                // p_j: channel j0 + j at positions q … q + 7.
                Block8(ref Unsafe.Add(ref sums, (q * channels) + j0), channels, 8, out Vector256<float> p0, out Vector256<float> p1, out Vector256<float> p2, out Vector256<float> p3, out Vector256<float> p4, out Vector256<float> p5, out Vector256<float> p6, out Vector256<float> p7);
                PlaneRow(p0, 0, rows, bias, oc0 + j0, to + q, plane);
                PlaneRow(p1, 1, rows, bias, oc0 + j0, to + q, plane);
                PlaneRow(p2, 2, rows, bias, oc0 + j0, to + q, plane);
                PlaneRow(p3, 3, rows, bias, oc0 + j0, to + q, plane);
                PlaneRow(p4, 4, rows, bias, oc0 + j0, to + q, plane);
                PlaneRow(p5, 5, rows, bias, oc0 + j0, to + q, plane);
                PlaneRow(p6, 6, rows, bias, oc0 + j0, to + q, plane);
                PlaneRow(p7, 7, rows, bias, oc0 + j0, to + q, plane);
            }

            for (; q < count; q++)
            {
                for (int j = 0; j < rows; j++)
                {
                    float sum = Unsafe.Add(ref sums, (q * channels) + j0 + j);
                    to[((long)j * plane) + q] = bias.IsEmpty ? sum : sum + bias[oc0 + j0 + j];
                }
            }
        }
    }

    /// <summary>Row j (of a block of <paramref name="rows"/> channels from <paramref name="channel"/>) plus its bias, stored at <c>to + j·plane</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PlaneRow(Vector256<float> row, int j, int rows, ReadOnlySpan<float> bias, int channel, float* to, int plane)
    {
        if (j < rows)
        {
            if (!bias.IsEmpty)
            {
                row += Vector256.Create(bias[channel + j]);
            }

            row.Store(to + ((long)j * plane));
        }
    }

    /// <summary>
    /// <see cref="PositionsToPlanes"/> for outputs too large to stay in cache: each 16 channels' rows are transposed into
    /// a per-thread buffer, then written by <see cref="StreamedStores.Row"/>. Ends with a store fence, so the rows are
    /// visible to whoever waits for the task. Needs AVX-512F.
    /// </summary>
    public static unsafe void PositionsToPlanesStreaming(ref float sums, int channels, int validChannels, int count, ReadOnlySpan<float> bias, int oc0, float* target, int plane)
    {
        int stride = (count + 15) & ~15;
        float[] rowsArray = Workspace.Rows(16 * stride);
        ref float buffer = ref MemoryMarshal.GetArrayDataReference(rowsArray);
        for (int j0 = 0; j0 < validChannels; j0 += 16)
        {
            int rows = Math.Min(16, validChannels - j0);
            for (int q = 0; q < count; q += 16)
            {
                // buffer[j·stride + q + i] = sums of position q + i, channel j0 + j (the rows' last block whole: the
                // stride is a multiple of 16).
                Block16(ref Unsafe.Add(ref sums, (q * channels) + j0), channels, Math.Min(16, count - q), ref Unsafe.Add(ref buffer, q), stride);
            }

            for (int j = 0; j < rows; j++)
            {
                Vector512<float> offset = bias.IsEmpty ? Vector512<float>.Zero : Vector512.Create(bias[oc0 + j0 + j]);
                StreamedStores.Row(ref Unsafe.Add(ref buffer, j * stride), target + ((long)(j0 + j) * plane), count, offset);
            }
        }

        Sse.StoreFence();
    }

    /// <summary>Floats ahead along each plane that <see cref="PlanesToPositions(ref float, int, int, int, int, ref float, int, int, int)"/> asks the caches for.</summary>
    private const int PrefetchDistance = 64;

    /// <summary>
    /// Asks for the line at <paramref name="from"/> of each of <paramref name="rows"/> planes: 16 streams at once outrun
    /// the hardware prefetchers, and the planes (a gradient the weight gradient re-lays) come from memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Ahead(ref float from, int ld, int rows)
    {
        for (int c = 0; c < rows; c++)
        {
            // Only a hint: an address the collector has since moved fetches a useless line, nothing else. The address is
            // formed on the raw pointer: a managed one past the buffer's end must not exist even for a moment.
            Sse.Prefetch0((float*)Unsafe.AsPointer(ref from) + ((nint)c * ld));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(ref float from, int ld, int rows, int c)
        => c < rows ? Vector512.LoadUnsafe(ref from, (nuint)(c * ld)) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, out Vector512<float> j0, out Vector512<float> j1, out Vector512<float> j2, out Vector512<float> j3)
    {
        Vector512<double> t0 = Avx512F.UnpackLow(a, b).AsDouble(), t1 = Avx512F.UnpackHigh(a, b).AsDouble();
        Vector512<double> t2 = Avx512F.UnpackLow(c, d).AsDouble(), t3 = Avx512F.UnpackHigh(c, d).AsDouble();
        j0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        j1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        j2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        j3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    /// <summary>Columns 4L + j (L = 0..3) of all 16 rows from the four row groups' vectors for j; stored as rows of <c>to</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3, ref float to, int ld, int j)
    {
        Vector512<float> low01 = Avx512F.Shuffle4x128(g0, g1, 0x44), high01 = Avx512F.Shuffle4x128(g0, g1, 0xEE);
        Vector512<float> low23 = Avx512F.Shuffle4x128(g2, g3, 0x44), high23 = Avx512F.Shuffle4x128(g2, g3, 0xEE);
        Avx512F.Shuffle4x128(low01, low23, 0x88).StoreUnsafe(ref to, (nuint)(j * ld));
        Avx512F.Shuffle4x128(low01, low23, 0xDD).StoreUnsafe(ref to, (nuint)((4 + j) * ld));
        Avx512F.Shuffle4x128(high01, high23, 0x88).StoreUnsafe(ref to, (nuint)((8 + j) * ld));
        Avx512F.Shuffle4x128(high01, high23, 0xDD).StoreUnsafe(ref to, (nuint)((12 + j) * ld));
    }
}

/// <summary>
/// Rows written to memory by non-temporal stores wherever a row covers a whole 64-byte line, for outputs that outgrow the
/// caches: an ordinary store first reads the line it writes into the cache, a streamed one does not, which halves the
/// memory traffic of an output written once (resnet_stem's forward writes 25 MiB). A row's ends are masked ordinary
/// stores, so a line shared with another task's elements is never streamed. Streamed stores are weakly ordered: a task
/// that made them ends with <see cref="Sse.StoreFence"/> before another thread may read its output. Needs AVX-512F.
/// </summary>
internal static class StreamedStores
{
    /// <summary>
    /// Output bytes from which a plan writes its output by streamed stores: more than two cores' L2 holds, so it would be
    /// written back from the shared L3 anyway. Measured against ordinary stores, two threads: resnet_stem's forward
    /// (25 MiB) 10–15 % faster, strided_3x3's (3.1 MiB) 3–4 %.
    /// </summary>
    public const long MinimumBytes = 2L << 20;

    /// <summary><c>to[i] = from[i] + offset</c> for i &lt; <paramref name="count"/>; <paramref name="to"/> aligned to its floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Row(ref float from, float* to, int count, Vector512<float> offset)
    {
        Vector512<int> lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

        // Up to the row's first line boundary, the whole lines, then the rest.
        int head = Math.Min(count, (int)((64 - ((nint)to & 63)) & 63) / sizeof(float));
        int i = 0;
        if (head > 0)
        {
            Avx512F.MaskStore(to, Vector512.LessThan(lane, Vector512.Create(head)).AsSingle(), Vector512.LoadUnsafe(ref from) + offset);
            i = head;
        }

        for (; i + 16 <= count; i += 16)
        {
            Avx512F.StoreAlignedNonTemporal(to + i, Vector512.LoadUnsafe(ref from, (nuint)i) + offset);
        }

        if (i < count)
        {
            Avx512F.MaskStore(to + i, Vector512.LessThan(lane, Vector512.Create(count - i)).AsSingle(), Vector512.LoadUnsafe(ref from, (nuint)i) + offset);
        }
    }
}
