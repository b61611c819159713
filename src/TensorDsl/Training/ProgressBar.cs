using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace TensorDsl.Training;

/// <summary>
/// A plain-text progress line for a training or evaluation loop: a bar, batch i/n, the latest loss and images per
/// second. On a terminal the line is redrawn in place with <c>\r</c> (at most every 100 ms, and always for the last
/// batch); when the output is redirected to a file or pipe it prints a whole line each time another tenth of the
/// batches is done, so logs stay readable. No ANSI escapes are used.
/// </summary>
/// <example>
/// <code>
/// var bar = new ProgressBar(batches.BatchesPerEpoch, $"epoch {epoch}");
/// while (batches.TryNext(x, y, out int n)) { /* … */ bar.Report(batches.BatchIndex, loss, n); }
/// bar.Complete();
/// </code>
/// </example>
public sealed class ProgressBar
{
    private const int BarWidth = 24;
    private static readonly TimeSpan s_redrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly long _start;
    private long _lastDraw;
    private int _lastDecile;
    private int _lastLength;
    private bool _drewAny;
    private int _done;
    private double _loss = double.NaN;
    private long _images;

    /// <summary>Creates the bar; nothing is written until the first <see cref="Report"/>.</summary>
    /// <param name="total">The number of batches, at least 1.</param>
    /// <param name="label">A prefix such as <c>epoch 3</c>.</param>
    /// <param name="output">Where to write; the console when null.</param>
    /// <param name="interactive">Redraw in place (true) or print every ~10 % (false); when null, true exactly when
    /// <paramref name="output"/> is the console and the console's output is not redirected.</param>
    /// <param name="timeProvider">The clock for the rate; the system clock when null.</param>
    public ProgressBar(int total, string label = "", TextWriter? output = null, bool? interactive = null, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        ArgumentNullException.ThrowIfNull(label);
        Total = total;
        Label = label;
        _output = output ?? Console.Out;
        Interactive = interactive ?? (output is null && !Console.IsOutputRedirected);
        _time = timeProvider ?? TimeProvider.System;
        _start = _time.GetTimestamp();
        _lastDraw = _start;
    }

    /// <summary>The number of batches.</summary>
    public int Total { get; }

    /// <summary>The prefix.</summary>
    public string Label { get; }

    /// <summary>Whether the line is redrawn in place.</summary>
    public bool Interactive { get; }

    /// <summary>Records that <paramref name="batch"/> of <see cref="Total"/> batches are done.</summary>
    /// <param name="batch">Batches done so far (1-based count), clamped to [0, Total].</param>
    /// <param name="loss">The latest (or running mean) loss.</param>
    /// <param name="imagesInBatch">Images in the batch just done, for the rate.</param>
    public void Report(int batch, double loss, int imagesInBatch)
    {
        _done = Math.Clamp(batch, 0, Total);
        _loss = loss;
        _images += Math.Max(0, imagesInBatch);
        long now = _time.GetTimestamp();
        if (Interactive)
        {
            if (_done == Total || !_drewAny || _time.GetElapsedTime(_lastDraw, now) >= s_redrawInterval)
            {
                Redraw(now);
            }
        }
        else
        {
            int decile = (int)((long)_done * 10 / Total);
            if (decile > _lastDecile)
            {
                _lastDecile = decile;
                _output.WriteLine(Format(now));
                _output.Flush();
            }
        }
    }

    /// <summary>Finishes the line: on a terminal, draws the final state and moves to the next line; redirected,
    /// prints the final state unless the 100 % line was already printed.</summary>
    public void Complete()
    {
        long now = _time.GetTimestamp();
        if (Interactive)
        {
            Redraw(now);
            _output.WriteLine();
        }
        else if (_lastDecile < 10)
        {
            _lastDecile = 10;
            _output.WriteLine(Format(now));
        }

        _output.Flush();
    }

    /// <summary>The current line, e.g. <c>epoch 1 [############............] 469/937 loss 0.4123 5231 img/s</c>.</summary>
    public string Format() => Format(_time.GetTimestamp());

    private void Redraw(long now)
    {
        string line = Format(now);
        int pad = Math.Max(0, _lastLength - line.Length);
        _output.Write('\r');
        _output.Write(line);
        if (pad > 0)
        {
            _output.Write(new string(' ', pad));
        }

        _output.Flush();
        _lastLength = line.Length;
        _lastDraw = now;
        _drewAny = true;
    }

    private string Format(long now)
    {
        var text = new StringBuilder(96);
        if (Label.Length > 0)
        {
            text.Append(Label).Append(' ');
        }

        int filled = (int)((long)_done * BarWidth / Total);
        text.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append("] ");
        int digits = Total.ToString(CultureInfo.InvariantCulture).Length;
        text.Append(_done.ToString(CultureInfo.InvariantCulture).PadLeft(digits)).Append('/').Append(Total.ToString(CultureInfo.InvariantCulture));
        text.Append(" loss ").Append(double.IsNaN(_loss) ? "-" : _loss.ToString("F4", CultureInfo.InvariantCulture));
        double seconds = _time.GetElapsedTime(_start, now).TotalSeconds;
        string rate = seconds > 0 ? (_images / seconds).ToString("F0", CultureInfo.InvariantCulture) : "-";
        text.Append(' ').Append(rate).Append(" img/s");
        return text.ToString();
    }
}
