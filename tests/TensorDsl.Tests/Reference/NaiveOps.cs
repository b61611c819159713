using System;

namespace TensorDsl.Tests.Reference;

/// <summary>What a max-pooling window reports when it holds more than one NaN.</summary>
public enum MaxPoolNaN
{
    /// <summary>The first NaN in scan order wins (once the running maximum is NaN it stays).</summary>
    FirstWins,

    /// <summary>
    /// Every NaN replaces the running maximum, so the last NaN in scan order wins. This is what PyTorch's CPU kernel does, and TensorDsl's specification
    /// (<c>if (val &gt; maxval || isnan(val))</c>; observed with torch 1.13 on contiguous NCHW input).
    /// </summary>
    LastWins,
}

/// <summary>
/// Obviously-correct reference implementations of the convolution and pooling operators, written straight from their
/// mathematical definitions with plain nested loops in <see cref="double"/>. Nothing here is fast or clever, on purpose:
/// the generated operators are tested against these.
/// <para>
/// All tensors are flat arrays in contiguous NCHW order. Every method takes its shapes explicitly, validates them, and
/// returns a new array. Strides are (sh, sw) ≥ 1, paddings (ph, pw) ≥ 0 and are zero padding (or "never wins" for max
/// pooling). Output sizes use floor division, as DeZero and PyTorch (ceil_mode = false) do.
/// </para>
/// </summary>
public static class NaiveOps
{
    // ------------------------------------------------------------------ sizes

    /// <summary>Output size of a convolution or pooling along one axis: floor((size + 2p − k) / s) + 1.</summary>
    public static int ConvOutSize(int size, int k, int s, int p)
    {
        CheckWindow(k, s, p);
        if (size <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "Size must be positive.");
        }

        int span = size + 2 * p - k;
        if (span < 0)
        {
            throw new ArgumentException($"Kernel {k} is larger than the padded input {size} + 2·{p}.");
        }

        return span / s + 1;
    }

    /// <summary>Default output size of a transposed convolution along one axis: s·(size − 1) + k − 2p + outputPadding.</summary>
    public static int DeconvOutSize(int size, int k, int s, int p, int outputPadding = 0)
    {
        CheckWindow(k, s, p);
        if (size <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "Size must be positive.");
        }

        if (outputPadding < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding, "Output padding must be non-negative.");
        }

        int result = s * (size - 1) + k - 2 * p + outputPadding;
        if (result <= 0)
        {
            throw new ArgumentException($"Transposed convolution output size {result} is not positive.");
        }

        return result;
    }

    /// <summary>Σ a[i]·b[i] in index order.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Dot of lengths {a.Length} and {b.Length}.");
        }

        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    // ------------------------------------------------------------------ convolution

    /// <summary>
    /// y[n,oc,i,j] = b[oc] + Σ_{c,kh,kw} x[n,c,i·sh−ph+kh, j·sw−pw+kw] · w[oc,c,kh,kw], with x = 0 outside the image
    /// (cross-correlation, as in DeZero and PyTorch). Returns y[N, OC, OH, OW].
    /// </summary>
    public static double[] Conv2d(
        double[] x, Shape4 xShape, double[] w, Shape4 wShape, double[]? b, int sh, int sw, int ph, int pw)
    {
        xShape.Check(x, nameof(x));
        wShape.Check(w, nameof(w));
        if (wShape.C != xShape.C)
        {
            throw new ArgumentException($"Weight {wShape} has {wShape.C} input channels but x {xShape} has {xShape.C}.");
        }

        int oc = wShape.N, kh = wShape.H, kw = wShape.W;
        CheckBias(b, oc);
        Shape4 yShape = new(xShape.N, oc, ConvOutSize(xShape.H, kh, sh, ph), ConvOutSize(xShape.W, kw, sw, pw));
        var y = new double[yShape.Length];
        for (int n = 0; n < yShape.N; n++)
        for (int o = 0; o < oc; o++)
        for (int i = 0; i < yShape.H; i++)
        for (int j = 0; j < yShape.W; j++)
        {
            double sum = b is null ? 0 : b[o];
            for (int c = 0; c < xShape.C; c++)
            for (int u = 0; u < kh; u++)
            for (int v = 0; v < kw; v++)
            {
                int h = i * sh - ph + u;
                int wi = j * sw - pw + v;
                if (h >= 0 && h < xShape.H && wi >= 0 && wi < xShape.W)
                {
                    sum += x[xShape.Offset(n, c, h, wi)] * w[wShape.Offset(o, c, u, v)];
                }
            }

            y[yShape.Offset(n, o, i, j)] = sum;
        }

        return y;
    }

    /// <summary>
    /// Gradient of <see cref="Conv2d"/> with respect to x, written as a scatter straight from the definition:
    /// every product x[n,c,h,wi]·w[oc,c,kh,kw] that contributed to y[n,oc,i,j] sends gy[n,oc,i,j]·w[oc,c,kh,kw] back to
    /// gx[n,c,h,wi]. <paramref name="xShape"/> is needed because OH does not determine H when the stride leaves rows unused.
    /// Returns gx[N, C, H, W].
    /// </summary>
    public static double[] Conv2dGradX(
        double[] w, Shape4 wShape, double[] gy, Shape4 gyShape, Shape4 xShape, int sh, int sw, int ph, int pw)
    {
        wShape.Check(w, nameof(w));
        gyShape.Check(gy, nameof(gy));
        int kh = wShape.H, kw = wShape.W;
        CheckConvShapes(xShape, wShape, gyShape, sh, sw, ph, pw);
        var gx = new double[xShape.Length];
        for (int n = 0; n < gyShape.N; n++)
        for (int o = 0; o < gyShape.C; o++)
        for (int i = 0; i < gyShape.H; i++)
        for (int j = 0; j < gyShape.W; j++)
        {
            double g = gy[gyShape.Offset(n, o, i, j)];
            for (int c = 0; c < xShape.C; c++)
            for (int u = 0; u < kh; u++)
            for (int v = 0; v < kw; v++)
            {
                int h = i * sh - ph + u;
                int wi = j * sw - pw + v;
                if (h >= 0 && h < xShape.H && wi >= 0 && wi < xShape.W)
                {
                    gx[xShape.Offset(n, c, h, wi)] += g * w[wShape.Offset(o, c, u, v)];
                }
            }
        }

        return gx;
    }

    /// <summary>
    /// gw[oc,c,kh,kw] = Σ_{n,i,j} gy[n,oc,i,j] · x[n,c,i·sh−ph+kh, j·sw−pw+kw] (zero outside the image).
    /// Returns gw[OC, C, KH, KW].
    /// </summary>
    public static double[] Conv2dGradW(
        double[] x, Shape4 xShape, double[] gy, Shape4 gyShape, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        xShape.Check(x, nameof(x));
        gyShape.Check(gy, nameof(gy));
        Shape4 wShape = new(gyShape.C, xShape.C, kh, kw);
        CheckConvShapes(xShape, wShape, gyShape, sh, sw, ph, pw);
        var gw = new double[wShape.Length];
        for (int o = 0; o < wShape.N; o++)
        for (int c = 0; c < wShape.C; c++)
        for (int u = 0; u < kh; u++)
        for (int v = 0; v < kw; v++)
        {
            double sum = 0;
            for (int n = 0; n < gyShape.N; n++)
            for (int i = 0; i < gyShape.H; i++)
            for (int j = 0; j < gyShape.W; j++)
            {
                int h = i * sh - ph + u;
                int wi = j * sw - pw + v;
                if (h >= 0 && h < xShape.H && wi >= 0 && wi < xShape.W)
                {
                    sum += gy[gyShape.Offset(n, o, i, j)] * x[xShape.Offset(n, c, h, wi)];
                }
            }

            gw[wShape.Offset(o, c, u, v)] = sum;
        }

        return gw;
    }

    /// <summary>gb[oc] = Σ_{n,i,j} gy[n,oc,i,j]. Returns gb[OC].</summary>
    public static double[] Conv2dGradB(double[] gy, Shape4 gyShape)
    {
        gyShape.Check(gy, nameof(gy));
        var gb = new double[gyShape.C];
        for (int o = 0; o < gyShape.C; o++)
        {
            double sum = 0;
            for (int n = 0; n < gyShape.N; n++)
            for (int i = 0; i < gyShape.H; i++)
            for (int j = 0; j < gyShape.W; j++)
            {
                sum += gy[gyShape.Offset(n, o, i, j)];
            }

            gb[o] = sum;
        }

        return gb;
    }

    // ------------------------------------------------------------------ transposed convolution

    /// <summary>
    /// Transposed convolution with the default output size <see cref="DeconvOutSize"/> (no output padding).
    /// </summary>
    public static double[] Deconv2d(
        double[] x, Shape4 xShape, double[] w, Shape4 wShape, double[]? b, int sh, int sw, int ph, int pw)
        => Deconv2d(
            x, xShape, w, wShape, b, sh, sw, ph, pw,
            DeconvOutSize(xShape.H, wShape.H, sh, ph), DeconvOutSize(xShape.W, wShape.W, sw, pw));

    /// <summary>
    /// Transposed convolution, x[N, C, H, W] and w[C, OC, KH, KW] (note: input channels first, as in DeZero and PyTorch):
    /// y[n,oc,i,j] = b[oc] + Σ x[n,c,h,wi]·w[c,oc,kh,kw] over every (c,h,wi,kh,kw) with i = h·sh − ph + kh and
    /// j = wi·sw − pw + kw, for (i, j) in [0,outH)×[0,outW). Written as a gather: for each output cell and kernel offset,
    /// solve for the input cell (h = (i + ph − kh)/sh when that divides exactly). Returns y[N, OC, outH, outW].
    /// </summary>
    public static double[] Deconv2d(
        double[] x, Shape4 xShape, double[] w, Shape4 wShape, double[]? b, int sh, int sw, int ph, int pw,
        int outH, int outW)
    {
        xShape.Check(x, nameof(x));
        wShape.Check(w, nameof(w));
        CheckWindow(wShape.H, sh, ph);
        CheckWindow(wShape.W, sw, pw);
        if (wShape.N != xShape.C)
        {
            throw new ArgumentException($"Weight {wShape} has {wShape.N} input channels but x {xShape} has {xShape.C}.");
        }

        if (outH <= 0 || outW <= 0)
        {
            throw new ArgumentException($"Output size {outH}×{outW} is not positive.");
        }

        int oc = wShape.C, kh = wShape.H, kw = wShape.W;
        CheckBias(b, oc);
        Shape4 yShape = new(xShape.N, oc, outH, outW);
        var y = new double[yShape.Length];
        for (int n = 0; n < yShape.N; n++)
        for (int o = 0; o < oc; o++)
        for (int i = 0; i < outH; i++)
        for (int j = 0; j < outW; j++)
        {
            double sum = b is null ? 0 : b[o];
            for (int c = 0; c < xShape.C; c++)
            for (int u = 0; u < kh; u++)
            for (int v = 0; v < kw; v++)
            {
                int th = i + ph - u; // = h·sh
                int tw = j + pw - v; // = wi·sw
                if (th < 0 || tw < 0 || th % sh != 0 || tw % sw != 0)
                {
                    continue;
                }

                int h = th / sh;
                int wi = tw / sw;
                if (h < xShape.H && wi < xShape.W)
                {
                    sum += x[xShape.Offset(n, c, h, wi)] * w[wShape.Offset(c, o, u, v)];
                }
            }

            y[yShape.Offset(n, o, i, j)] = sum;
        }

        return y;
    }

    // ------------------------------------------------------------------ im2col / col2im

    /// <summary>
    /// DeZero's im2col. With <paramref name="toMatrix"/> = false the result is col[N, C, KH, KW, OH, OW] with
    /// col[n,c,kh,kw,i,j] = xpad[n,c,i·sh+kh, j·sw+kw] (0 in the padding). With <paramref name="toMatrix"/> = true it is
    /// that tensor transposed (0,4,5,1,2,3) and reshaped to [N·OH·OW, C·KH·KW]: row (n·OH + i)·OW + j,
    /// column (c·KH + kh)·KW + kw.
    /// </summary>
    public static double[] Im2col(double[] x, Shape4 xShape, int kh, int kw, int sh, int sw, int ph, int pw, bool toMatrix)
    {
        xShape.Check(x, nameof(x));
        int oh = ConvOutSize(xShape.H, kh, sh, ph), ow = ConvOutSize(xShape.W, kw, sw, pw);
        var col = new double[checked(xShape.N * xShape.C * kh * kw * oh * ow)];
        for (int n = 0; n < xShape.N; n++)
        for (int c = 0; c < xShape.C; c++)
        for (int u = 0; u < kh; u++)
        for (int v = 0; v < kw; v++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int h = i * sh + u - ph; // row in the padded image minus the padding
            int wi = j * sw + v - pw;
            double value = h >= 0 && h < xShape.H && wi >= 0 && wi < xShape.W ? x[xShape.Offset(n, c, h, wi)] : 0.0;
            col[ColOffset(xShape, kh, kw, oh, ow, toMatrix, n, c, u, v, i, j)] = value;
        }

        return col;
    }

    /// <summary>
    /// The adjoint of <see cref="Im2col"/>: every col entry is added into the x position it was copied from; entries that
    /// came from the padding are dropped. Returns x[N, C, H, W].
    /// </summary>
    public static double[] Col2im(double[] col, Shape4 xShape, int kh, int kw, int sh, int sw, int ph, int pw, bool toMatrix)
    {
        ArgumentNullException.ThrowIfNull(col);
        int oh = ConvOutSize(xShape.H, kh, sh, ph), ow = ConvOutSize(xShape.W, kw, sw, pw);
        int expected = checked(xShape.N * xShape.C * kh * kw * oh * ow);
        if (col.Length != expected)
        {
            throw new ArgumentException($"col has {col.Length} elements, expected {expected}.", nameof(col));
        }

        var x = new double[xShape.Length];
        for (int n = 0; n < xShape.N; n++)
        for (int c = 0; c < xShape.C; c++)
        for (int u = 0; u < kh; u++)
        for (int v = 0; v < kw; v++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int h = i * sh + u - ph;
            int wi = j * sw + v - pw;
            if (h >= 0 && h < xShape.H && wi >= 0 && wi < xShape.W)
            {
                x[xShape.Offset(n, c, h, wi)] += col[ColOffset(xShape, kh, kw, oh, ow, toMatrix, n, c, u, v, i, j)];
            }
        }

        return x;
    }

    private static int ColOffset(
        Shape4 xShape, int kh, int kw, int oh, int ow, bool toMatrix, int n, int c, int u, int v, int i, int j)
    {
        if (toMatrix)
        {
            int row = (n * oh + i) * ow + j;
            int column = (c * kh + u) * kw + v;
            return row * (xShape.C * kh * kw) + column;
        }

        return ((((n * xShape.C + c) * kh + u) * kw + v) * oh + i) * ow + j;
    }

    // ------------------------------------------------------------------ max pooling

    /// <summary>
    /// Max pooling with PyTorch semantics. For each window the cells inside the image are scanned row-major (kh, then kw);
    /// padded cells never win (they act as −∞). A larger value replaces the running maximum (strict &gt;, so ties keep the
    /// first maximum, as PyTorch CPU does); a NaN always wins over a number — which NaN is reported when there are several is
    /// chosen by <paramref name="nan"/>. If nothing beats the initial −∞ (all cells −∞) the index is that of the first cell
    /// inside the image, again as PyTorch does. The index is h·W + w within the input plane.
    /// Returns y[N, C, OH, OW] and the indexes, same shape.
    /// </summary>
    public static (double[] Y, int[] Indexes) MaxPool2d(
        double[] x, Shape4 xShape, int kh, int kw, int sh, int sw, int ph, int pw, MaxPoolNaN nan = MaxPoolNaN.LastWins)
    {
        xShape.Check(x, nameof(x));
        Shape4 yShape = PoolOutShape(xShape, kh, kw, sh, sw, ph, pw);
        var y = new double[yShape.Length];
        var indexes = new int[yShape.Length];
        for (int n = 0; n < xShape.N; n++)
        for (int c = 0; c < xShape.C; c++)
        for (int i = 0; i < yShape.H; i++)
        for (int j = 0; j < yShape.W; j++)
        {
            double best = double.NegativeInfinity;
            int bestIndex = -1;
            for (int u = 0; u < kh; u++)
            for (int v = 0; v < kw; v++)
            {
                int h = i * sh - ph + u;
                int wi = j * sw - pw + v;
                if (h < 0 || h >= xShape.H || wi < 0 || wi >= xShape.W)
                {
                    continue;
                }

                double value = x[xShape.Offset(n, c, h, wi)];
                if (bestIndex < 0)
                {
                    bestIndex = h * xShape.W + wi;
                }

                bool replace = nan == MaxPoolNaN.FirstWins
                    ? !double.IsNaN(best) && (value > best || double.IsNaN(value))
                    : value > best || double.IsNaN(value);
                if (replace)
                {
                    best = value;
                    bestIndex = h * xShape.W + wi;
                }
            }

            if (bestIndex < 0)
            {
                throw new ArgumentException($"Pooling window ({i},{j}) lies entirely in the padding.");
            }

            y[yShape.Offset(n, c, i, j)] = best;
            indexes[yShape.Offset(n, c, i, j)] = bestIndex;
        }

        return (y, indexes);
    }

    /// <summary>
    /// Backward of max pooling: gx[n,c,·] starts at zero and gy[n,c,i,j] is added at plane position indexes[n,c,i,j];
    /// overlapping windows that chose the same cell accumulate. Returns gx[N, C, H, W].
    /// </summary>
    public static double[] MaxPool2dBackward(int[] indexes, double[] gy, Shape4 gyShape, Shape4 xShape)
    {
        gyShape.Check(gy, nameof(gy));
        gyShape.Check(indexes, nameof(indexes));
        CheckPlanes(gyShape, xShape);
        var gx = new double[xShape.Length];
        int plane = xShape.H * xShape.W;
        for (int n = 0; n < gyShape.N; n++)
        for (int c = 0; c < gyShape.C; c++)
        for (int i = 0; i < gyShape.H; i++)
        for (int j = 0; j < gyShape.W; j++)
        {
            int k = gyShape.Offset(n, c, i, j);
            int index = CheckIndex(indexes[k], plane);
            gx[(n * xShape.C + c) * plane + index] += gy[k];
        }

        return gx;
    }

    /// <summary>
    /// Gathers x at the pooling indexes: y[n,c,i,j] = x[n,c, indexes[n,c,i,j]] (DeZero's MaxPooling2DWithIndexes, the
    /// adjoint of <see cref="MaxPool2dBackward"/>). Returns y with shape <paramref name="yShape"/>.
    /// </summary>
    public static double[] MaxPool2dWithIndexes(int[] indexes, double[] x, Shape4 xShape, Shape4 yShape)
    {
        xShape.Check(x, nameof(x));
        yShape.Check(indexes, nameof(indexes));
        CheckPlanes(yShape, xShape);
        var y = new double[yShape.Length];
        int plane = xShape.H * xShape.W;
        for (int n = 0; n < yShape.N; n++)
        for (int c = 0; c < yShape.C; c++)
        for (int i = 0; i < yShape.H; i++)
        for (int j = 0; j < yShape.W; j++)
        {
            int k = yShape.Offset(n, c, i, j);
            int index = CheckIndex(indexes[k], plane);
            y[k] = x[(n * xShape.C + c) * plane + index];
        }

        return y;
    }

    // ------------------------------------------------------------------ average pooling

    /// <summary>
    /// Average pooling: y[n,c,i,j] = (Σ of the window's cells inside the image) / divisor, where divisor is
    /// <see cref="AvgPoolDivisor"/> (KH·KW when <paramref name="countIncludePad"/>, else the number of the window's cells
    /// inside the image). Returns y[N, C, OH, OW].
    /// </summary>
    public static double[] AvgPool2d(
        double[] x, Shape4 xShape, int kh, int kw, int sh, int sw, int ph, int pw, bool countIncludePad)
    {
        xShape.Check(x, nameof(x));
        Shape4 yShape = PoolOutShape(xShape, kh, kw, sh, sw, ph, pw);
        var y = new double[yShape.Length];
        for (int n = 0; n < xShape.N; n++)
        for (int c = 0; c < xShape.C; c++)
        for (int i = 0; i < yShape.H; i++)
        for (int j = 0; j < yShape.W; j++)
        {
            double sum = 0;
            for (int u = 0; u < kh; u++)
            for (int v = 0; v < kw; v++)
            {
                int h = i * sh - ph + u;
                int wi = j * sw - pw + v;
                if (h >= 0 && h < xShape.H && wi >= 0 && wi < xShape.W)
                {
                    sum += x[xShape.Offset(n, c, h, wi)];
                }
            }

            y[yShape.Offset(n, c, i, j)] = sum / AvgPoolDivisor(xShape, kh, kw, sh, sw, ph, pw, countIncludePad, i, j);
        }

        return y;
    }

    /// <summary>
    /// Backward of average pooling: every cell of window (i, j) that lies inside the image receives
    /// gy[n,c,i,j] / divisor(i, j); overlapping windows accumulate. Returns gx[N, C, H, W].
    /// </summary>
    public static double[] AvgPool2dBackward(
        double[] gy, Shape4 xShape, int kh, int kw, int sh, int sw, int ph, int pw, bool countIncludePad)
    {
        Shape4 yShape = PoolOutShape(xShape, kh, kw, sh, sw, ph, pw);
        yShape.Check(gy, nameof(gy));
        var gx = new double[xShape.Length];
        for (int n = 0; n < xShape.N; n++)
        for (int c = 0; c < xShape.C; c++)
        for (int i = 0; i < yShape.H; i++)
        for (int j = 0; j < yShape.W; j++)
        {
            double g = gy[yShape.Offset(n, c, i, j)] / AvgPoolDivisor(xShape, kh, kw, sh, sw, ph, pw, countIncludePad, i, j);
            for (int u = 0; u < kh; u++)
            for (int v = 0; v < kw; v++)
            {
                int h = i * sh - ph + u;
                int wi = j * sw - pw + v;
                if (h >= 0 && h < xShape.H && wi >= 0 && wi < xShape.W)
                {
                    gx[xShape.Offset(n, c, h, wi)] += g;
                }
            }
        }

        return gx;
    }

    /// <summary>
    /// The divisor of average-pooling window (i, j), following PyTorch's CPU kernel: the window [i·sh − ph, i·sh − ph + KH)
    /// is first clipped to [−ph, H + ph) — that count is used when <paramref name="countIncludePad"/> — and then to [0, H)
    /// — that count is used otherwise. With floor output sizes a window never reaches past H + ph (its start is at most
    /// H + ph − KH), so the first count is always KH·KW; the clip is kept only to mirror the definition. (It would matter
    /// with ceil_mode, which is not supported here.)
    /// </summary>
    public static int AvgPoolDivisor(
        Shape4 xShape, int kh, int kw, int sh, int sw, int ph, int pw, bool countIncludePad, int i, int j)
    {
        int h0 = i * sh - ph, w0 = j * sw - pw;
        int h1 = Math.Min(h0 + kh, xShape.H + ph), w1 = Math.Min(w0 + kw, xShape.W + pw);
        if (countIncludePad)
        {
            return (h1 - h0) * (w1 - w0);
        }

        h0 = Math.Max(h0, 0);
        w0 = Math.Max(w0, 0);
        h1 = Math.Min(h1, xShape.H);
        w1 = Math.Min(w1, xShape.W);
        int count = (h1 - h0) * (w1 - w0);
        if (h1 <= h0 || w1 <= w0 || count <= 0)
        {
            throw new ArgumentException($"Pooling window ({i},{j}) lies entirely in the padding.");
        }

        return count;
    }

    /// <summary>Output shape [N, C, OH, OW] of a pooling over <paramref name="xShape"/>.</summary>
    public static Shape4 PoolOutShape(Shape4 xShape, int kh, int kw, int sh, int sw, int ph, int pw)
        => new(xShape.N, xShape.C, ConvOutSize(xShape.H, kh, sh, ph), ConvOutSize(xShape.W, kw, sw, pw));

    // ------------------------------------------------------------------ checks

    private static void CheckWindow(int k, int s, int p)
    {
        if (k <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "Kernel size must be positive.");
        }

        if (s <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(s), s, "Stride must be positive.");
        }

        if (p < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Padding must be non-negative.");
        }
    }

    private static void CheckBias(double[]? b, int oc)
    {
        if (b is not null && b.Length != oc)
        {
            throw new ArgumentException($"Bias has {b.Length} elements, expected {oc}.", nameof(b));
        }
    }

    private static void CheckConvShapes(Shape4 xShape, Shape4 wShape, Shape4 gyShape, int sh, int sw, int ph, int pw)
    {
        if (xShape.N <= 0 || xShape.C <= 0 || xShape.H <= 0 || xShape.W <= 0)
        {
            throw new ArgumentException($"x shape {xShape} has a non-positive dimension.");
        }

        Shape4 expected = new(
            xShape.N, wShape.N, ConvOutSize(xShape.H, wShape.H, sh, ph), ConvOutSize(xShape.W, wShape.W, sw, pw));
        if (wShape.C != xShape.C || gyShape != expected)
        {
            throw new ArgumentException($"Shapes x {xShape}, w {wShape}, gy {gyShape} do not fit (gy should be {expected}).");
        }
    }

    private static void CheckPlanes(Shape4 yShape, Shape4 xShape)
    {
        if (yShape.N != xShape.N || yShape.C != xShape.C || xShape.H <= 0 || xShape.W <= 0)
        {
            throw new ArgumentException($"Pooled shape {yShape} does not match input shape {xShape}.");
        }
    }

    private static int CheckIndex(int index, int plane)
    {
        if (index < 0 || index >= plane)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Pooling index outside the plane of {plane} cells.");
        }

        return index;
    }
}
