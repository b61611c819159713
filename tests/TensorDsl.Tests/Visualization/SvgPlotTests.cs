using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using TensorDsl.Visualization;
using Xunit;

namespace TensorDsl.Tests.Visualization;

public class SvgPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly PlotSeries[] Curves =
    {
        new("train loss", new[] { 2.3, 1.1, 0.7, 0.55, 0.48 }),
        new("test loss <held out> & \"quoted\"", new[] { 2.2, 1.2, 0.8, 0.66, 0.62 }),
    };

    [Fact]
    public void Render_IsWellFormedSvgWithBothSeriesAxesLabelsAndLegend()
    {
        string svg = SvgPlot.Render("Fashion-MNIST: loss", "epoch", "cross-entropy", Curves);
        XDocument doc = XDocument.Parse(svg);
        XElement root = doc.Root!;
        Assert.Equal(Svg + "svg", root.Name);

        string[] texts = root.Descendants(Svg + "text").Select(t => t.Value).ToArray();
        Assert.Contains("Fashion-MNIST: loss", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("cross-entropy", texts);
        Assert.Contains("train loss", texts);
        Assert.Contains("test loss <held out> & \"quoted\"", texts);

        var series = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToArray();
        Assert.Equal(2, series.Length);
        Assert.Equal("train loss", (string?)series[0].Attribute("data-name"));
        foreach (XElement g in series)
        {
            string d = (string)g.Element(Svg + "path")!.Attribute("d")!;
            Assert.StartsWith("M", d);
            Assert.Equal(4, d.Count(c => c == 'L')); // five points
            Assert.Equal(5, g.Elements(Svg + "circle").Count());
        }

        Assert.Single(root.Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "legend");
        // Integer x ticks for epochs.
        var ticks = root.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "x-tick").Select(t => t.Value).ToArray();
        Assert.Equal(new[] { "1", "2", "3", "4", "5" }, ticks);
        var yTicks = root.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "y-tick").Select(t => t.Value).ToArray();
        Assert.Equal(new[] { "0.0", "0.5", "1.0", "1.5", "2.0", "2.5" }, yTicks);
    }

    [Fact]
    public void Render_PlotsHigherValuesHigherUp()
    {
        XDocument doc = XDocument.Parse(SvgPlot.Render("t", "x", "y", new[] { new PlotSeries("up", new[] { 0.0, 1.0 }) }));
        var dots = doc.Descendants(Svg + "circle").Select(c => (X: (double)c.Attribute("cx")!, Y: (double)c.Attribute("cy")!)).ToArray();
        Assert.True(dots[1].X > dots[0].X);
        Assert.True(dots[1].Y < dots[0].Y);
    }

    [Fact]
    public void Render_LeavesGapsForNonFiniteValuesAndUsesGivenX()
    {
        var s = new PlotSeries("acc", new[] { 0.1, double.NaN, 0.5, 0.7 }, new[] { 0.0, 0.5, 1.0, 1.5 }, "#000000");
        XDocument doc = XDocument.Parse(SvgPlot.Render("t", "x", "y", new[] { s }));
        XElement path = doc.Descendants(Svg + "path").Single();
        string d = (string)path.Attribute("d")!;
        Assert.Equal(2, d.Count(c => c == 'M'));
        Assert.Equal("#000000", (string?)path.Attribute("stroke"));
        Assert.Equal(3, doc.Descendants(Svg + "circle").Count());
    }

    [Fact]
    public void Render_RejectsMismatchedSeries()
    {
        var bad = new PlotSeries("bad", new[] { 1.0, 2.0 }, new[] { 1.0 });
        var e = Assert.Throws<ArgumentException>(() => SvgPlot.Render("t", "x", "y", new[] { bad }));
        Assert.Contains("'bad' has 2 values but 1 x positions", e.Message);
        Assert.Throws<ArgumentException>(() => SvgPlot.Render("t", "x", "y", Array.Empty<PlotSeries>()));
    }

    [Fact]
    public void Render_HandlesASinglePointAndConstantSeries()
    {
        XDocument.Parse(SvgPlot.Render("t", "x", "y", new[] { new PlotSeries("one", new[] { 0.5 }) }));
        XDocument.Parse(SvgPlot.Render("t", "x", "y", new[] { new PlotSeries("flat", new[] { 0.0, 0.0, 0.0 }) }));
        XDocument.Parse(SvgPlot.Render("t", "x", "y", new[] { new PlotSeries("none", new[] { double.NaN }) }));
    }

    [Theory]
    [InlineData(0.48, 2.3, 0.0, 2.5, 0.5)]
    [InlineData(0.81, 0.93, 0.8, 0.94, 0.02)]
    [InlineData(1, 10, 0, 10, 2)]
    public void NiceRange_CoversTheDataOnRoundSteps(double min, double max, double low, double high, double step)
    {
        (double l, double h, double s) = SvgPlot.NiceRange(min, max, integers: false);
        Assert.Equal(step, s, 1e-12);
        Assert.Equal(low, l, 1e-12);
        Assert.Equal(high, h, 1e-12);
    }

    [Fact]
    public void Save_WritesUtf8WithoutBom()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tdsl-{Guid.NewGuid():N}.svg");
        try
        {
            SvgPlot.Save(path, "accuracy", "epoch", "fraction correct", Curves);
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal((byte)'<', bytes[0]);
            XDocument.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
