using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml.Linq;

namespace TensorDsl.Visualization;

/// <summary>One line of a plot.</summary>
/// <param name="Name">The legend text.</param>
/// <param name="Y">The values.</param>
/// <param name="X">The x of each value; 1, 2, 3, … (e.g. epochs) when null.</param>
/// <param name="Color">A CSS colour; a palette colour by position when null.</param>
public sealed record PlotSeries(string Name, IReadOnlyList<double> Y, IReadOnlyList<double>? X = null, string? Color = null);

/// <summary>
/// Writes line plots (loss or accuracy curves) as standalone SVG: a title, both axes with "nice" ticks and labels,
/// one polyline per series with a dot per point, and a legend. Non-finite values leave a gap. The text is built
/// with <see cref="XDocument"/>, so it is well-formed XML whatever the labels contain.
/// </summary>
public static class SvgPlot
{
    private static readonly string[] s_palette = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b" };
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    /// <summary>Renders the plot as SVG text.</summary>
    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, int width = 720, int height = 440)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(xLabel);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 150);
        if (series.Count == 0)
        {
            throw new ArgumentException("At least one series is needed.", nameof(series));
        }

        foreach (PlotSeries s in series)
        {
            if (s.X is not null && s.X.Count != s.Y.Count)
            {
                throw new ArgumentException($"Series '{s.Name}' has {s.Y.Count} values but {s.X.Count} x positions.", nameof(series));
            }
        }

        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity, yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        bool integerX = true;
        foreach (PlotSeries s in series)
        {
            for (int i = 0; i < s.Y.Count; i++)
            {
                double x = XOf(s, i), y = s.Y[i];
                if (double.IsFinite(x) && double.IsFinite(y))
                {
                    xMin = Math.Min(xMin, x);
                    xMax = Math.Max(xMax, x);
                    yMin = Math.Min(yMin, y);
                    yMax = Math.Max(yMax, y);
                    integerX &= x == Math.Floor(x);
                }
            }
        }

        if (!double.IsFinite(xMin))
        {
            (xMin, xMax, yMin, yMax) = (0, 1, 0, 1);
        }

        (double x0, double x1, double xStep) = NiceRange(xMin, xMax, integerX);
        (double y0, double y1, double yStep) = NiceRange(yMin, yMax, integers: false);

        const double left = 72, right = 24, top = 44, bottom = 58;
        double plotW = width - left - right, plotH = height - top - bottom;
        double Px(double x) => left + ((x - x0) / (x1 - x0) * plotW);
        double Py(double y) => top + plotH - ((y - y0) / (y1 - y0) * plotH);

        var root = new XElement(s_svg + "svg",
            new XAttribute("width", width),
            new XAttribute("height", height),
            new XAttribute("viewBox", $"0 0 {width} {height}"),
            new XAttribute("font-family", "sans-serif"),
            new XAttribute("font-size", 12),
            new XElement(s_svg + "title", title),
            new XElement(s_svg + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "white")),
            Text(width / 2.0, 24, title, "middle", 16, "title"));

        // Grid, ticks and tick labels.
        var axes = new XElement(s_svg + "g", new XAttribute("class", "axes"), new XAttribute("stroke", "#333"));
        foreach (double t in Ticks(x0, x1, xStep))
        {
            double px = Px(t);
            root.Add(Line(px, top, px, top + plotH, "#e4e4e4"));
            axes.Add(Line(px, top + plotH, px, top + plotH + 5, "#333"));
            root.Add(Text(px, top + plotH + 19, Format(t, xStep), "middle", 11, "x-tick"));
        }

        foreach (double t in Ticks(y0, y1, yStep))
        {
            double py = Py(t);
            root.Add(Line(left, py, left + plotW, py, "#e4e4e4"));
            axes.Add(Line(left - 5, py, left, py, "#333"));
            root.Add(Text(left - 8, py + 4, Format(t, yStep), "end", 11, "y-tick"));
        }

        axes.Add(Line(left, top, left, top + plotH, "#333"));
        axes.Add(Line(left, top + plotH, left + plotW, top + plotH, "#333"));
        root.Add(axes);
        root.Add(Text(left + (plotW / 2), height - 14, xLabel, "middle", 13, "x-label"));
        var yText = Text(18, top + (plotH / 2), yLabel, "middle", 13, "y-label");
        yText.Add(new XAttribute("transform", $"rotate(-90 {N(18)} {N(top + (plotH / 2))})"));
        root.Add(yText);

        // The series.
        for (int k = 0; k < series.Count; k++)
        {
            PlotSeries s = series[k];
            string color = s.Color ?? s_palette[k % s_palette.Length];
            var group = new XElement(s_svg + "g", new XAttribute("class", "series"), new XAttribute("data-name", s.Name));
            var path = new StringBuilder();
            bool penDown = false;
            var dots = new List<XElement>();
            for (int i = 0; i < s.Y.Count; i++)
            {
                double x = XOf(s, i), y = s.Y[i];
                if (!double.IsFinite(x) || !double.IsFinite(y))
                {
                    penDown = false;
                    continue;
                }

                path.Append(penDown ? " L" : (path.Length > 0 ? " M" : "M")).Append(N(Px(x))).Append(',').Append(N(Py(y)));
                penDown = true;
                dots.Add(new XElement(s_svg + "circle", new XAttribute("cx", N(Px(x))), new XAttribute("cy", N(Py(y))), new XAttribute("r", 2.5), new XAttribute("fill", color)));
            }

            if (path.Length > 0)
            {
                group.Add(new XElement(s_svg + "path", new XAttribute("d", path.ToString()), new XAttribute("fill", "none"), new XAttribute("stroke", color), new XAttribute("stroke-width", 2)));
            }

            if (dots.Count <= 60)
            {
                group.Add(dots);
            }

            root.Add(group);
        }

        // The legend, top right inside the plot area.
        double legendW = 0;
        foreach (PlotSeries s in series)
        {
            legendW = Math.Max(legendW, 7.2 * s.Name.Length);
        }

        legendW += 44;
        double lx = left + plotW - legendW - 8, ly = top + 8;
        var legend = new XElement(s_svg + "g", new XAttribute("class", "legend"),
            new XElement(s_svg + "rect", new XAttribute("x", N(lx)), new XAttribute("y", N(ly)), new XAttribute("width", N(legendW)), new XAttribute("height", N((18 * series.Count) + 8)),
                new XAttribute("fill", "white"), new XAttribute("fill-opacity", 0.85), new XAttribute("stroke", "#999")));
        for (int k = 0; k < series.Count; k++)
        {
            string color = series[k].Color ?? s_palette[k % s_palette.Length];
            double rowY = ly + 16 + (18 * k);
            var sample = Line(lx + 8, rowY - 4, lx + 30, rowY - 4, color);
            sample.SetAttributeValue("stroke-width", 2);
            legend.Add(sample);
            legend.Add(Text(lx + 36, rowY, series[k].Name, "start", 12, "legend-label"));
        }

        root.Add(legend);
        var document = new XDocument(new XDeclaration("1.0", "utf-8", null), root);
        return document.Declaration + "\n" + document.ToString() + "\n";
    }

    /// <summary>Renders the plot and writes it to <paramref name="path"/> (UTF-8).</summary>
    public static void Save(string path, string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, int width = 720, int height = 440)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllText(path, Render(title, xLabel, yLabel, series, width, height), new UTF8Encoding(false));
    }

    private static double XOf(PlotSeries s, int i) => s.X is null ? i + 1 : s.X[i];

    private static XElement Line(double x1, double y1, double x2, double y2, string stroke)
        => new(s_svg + "line", new XAttribute("x1", N(x1)), new XAttribute("y1", N(y1)), new XAttribute("x2", N(x2)), new XAttribute("y2", N(y2)), new XAttribute("stroke", stroke));

    private static XElement Text(double x, double y, string text, string anchor, int size, string cssClass)
        => new(s_svg + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("text-anchor", anchor),
            new XAttribute("font-size", size), new XAttribute("class", cssClass), text);

    private static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A range covering [min, max] that starts and ends on multiples of a 1-2-5 step, about 5 steps wide.</summary>
    internal static (double Low, double High, double Step) NiceRange(double min, double max, bool integers)
    {
        if (max <= min)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }

        double raw = (max - min) / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double fraction = raw / magnitude;
        double step = (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * magnitude;
        if (integers)
        {
            step = Math.Max(1, Math.Round(step));
        }

        double low = Math.Floor((min / step) + 1e-9) * step;
        double high = Math.Ceiling((max / step) - 1e-9) * step;
        if (high <= low)
        {
            high = low + step;
        }

        return (low, high, step);
    }

    private static IEnumerable<double> Ticks(double low, double high, double step)
    {
        int n = (int)Math.Round((high - low) / step);
        for (int i = 0; i <= n; i++)
        {
            yield return low + (i * step);
        }
    }

    private static string Format(double value, double step)
    {
        int decimals = Math.Max(0, (int)-Math.Floor(Math.Log10(step) + 1e-9));
        if (Math.Abs(value) < step * 1e-6)
        {
            value = 0;
        }

        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
