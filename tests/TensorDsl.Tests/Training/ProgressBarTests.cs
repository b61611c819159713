using System;
using System.IO;
using System.Linq;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Training;

public class ProgressBarTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(double seconds) => Ticks += (long)(seconds * TimeSpan.TicksPerSecond);
    }

    [Fact]
    public void Redirected_PrintsALineForEachTenthAndOneAtTheEnd()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var bar = new ProgressBar(100, "epoch 1", output, interactive: false, clock);
        for (int i = 1; i <= 100; i++)
        {
            clock.Advance(0.01);
            bar.Report(i, 1.0 / i, 32);
        }

        bar.Complete();
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);
        Assert.DoesNotContain('\r', output.ToString());
        Assert.Equal("epoch 1 [##......................]  10/100 loss 0.1000 3200 img/s", lines[0]);
        Assert.Equal("epoch 1 [########################] 100/100 loss 0.0100 3200 img/s", lines[^1]);
    }

    [Fact]
    public void Redirected_CompletePrintsTheFinalStateWhenTheLastTenthWasNotReached()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(7, "", output, interactive: false, new ManualClock());
        bar.Report(3, 0.5, 10);
        bar.Complete();
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // 3/7 crosses four tenths at once: one line; then the final one
        Assert.StartsWith("[##########..............] 3/7 loss 0.5000", lines[0]);
    }

    [Fact]
    public void Interactive_RedrawsInPlaceAtMostEvery100Milliseconds()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var bar = new ProgressBar(50, "train", output, interactive: true, clock);
        for (int i = 1; i <= 50; i++)
        {
            clock.Advance(0.02); // 20 ms per batch: a redraw every 5 batches
            bar.Report(i, 0.25, 64);
        }

        bar.Complete();
        string text = output.ToString();
        int redraws = text.Count(c => c == '\r');
        Assert.InRange(redraws, 10, 13);
        Assert.EndsWith("train [########################] 50/50 loss 0.2500 3200 img/s" + Environment.NewLine, text);
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Interactive_ErasesALongerPreviousLine()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var bar = new ProgressBar(2, "", output, interactive: true, clock);
        clock.Advance(1);
        bar.Report(1, 123456.0, 100000);
        clock.Advance(1000);
        bar.Report(2, 1.0, 1);
        string[] draws = output.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, draws.Length);
        Assert.Equal(draws[0].Length, draws[1].Length);
        Assert.EndsWith(" ", draws[1]);
    }

    [Fact]
    public void Format_ShowsADashBeforeAnyLoss()
    {
        var bar = new ProgressBar(4, "eval", new StringWriter(), interactive: false, new ManualClock());
        Assert.Equal("eval [........................] 0/4 loss - - img/s", bar.Format());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressBar(0));
    }
}
