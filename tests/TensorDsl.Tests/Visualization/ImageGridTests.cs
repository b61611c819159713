using System;
using System.IO;
using System.Linq;
using TensorDsl.Visualization;
using Xunit;

namespace TensorDsl.Tests.Visualization;

public class ImageGridTests
{
    [Fact]
    public void Compose_NormalisesEachImageAndPlacesTilesWithPadding()
    {
        // Two 2×2 images with different ranges, and a constant one.
        float[] images =
        {
            -1, 0, 0, 1,       // min −1 → 0, max 1 → 255
            10, 20, 30, 20,    // min 10 → 0, max 30 → 255
            0.5f, 0.5f, 0.5f, 0.5f, // constant: shown as its value
        };
        (byte[] px, int w, int h) = ImageGrid.Compose<float>(images, 3, 2, 2, columns: 2, padding: 1, background: 7);
        Assert.Equal((2 * 2) + 3, w);
        Assert.Equal((2 * 2) + 3, h);
        byte At(int x, int y) => px[(y * w) + x];
        Assert.Equal(7, At(0, 0)); // padding
        Assert.Equal(new byte[] { 0, 128, 128, 255 }, new[] { At(1, 1), At(2, 1), At(1, 2), At(2, 2) });
        Assert.Equal(new byte[] { 0, 128, 255, 128 }, new[] { At(4, 1), At(5, 1), At(4, 2), At(5, 2) });
        Assert.Equal(new byte[] { 128, 128, 128, 128 }, new[] { At(1, 4), At(2, 4), At(1, 5), At(2, 5) });
        Assert.Equal(7, At(4, 4)); // the empty cell
    }

    [Fact]
    public void Compose_ScalesByNearestNeighbour()
    {
        double[] image = { 0, 1 };
        (byte[] px, int w, int h) = ImageGrid.Compose<double>(image, 1, 1, 2, columns: 4, padding: 0, scale: 3);
        Assert.Equal((6, 3), (w, h));
        Assert.All(Enumerable.Range(0, 3), y =>
        {
            Assert.Equal(new byte[] { 0, 0, 0, 255, 255, 255 }, px.AsSpan(y * 6, 6).ToArray());
        });
    }

    [Fact]
    public void Compose_NaNIsBlackAndInfinitiesClamp()
    {
        float[] image = { float.NaN, 0, 1, float.PositiveInfinity };
        (byte[] px, _, _) = ImageGrid.Compose<float>(image, 1, 2, 2, 1, padding: 0);
        Assert.Equal(new byte[] { 0, 0, 255, 255 }, px);
    }

    [Fact]
    public void ComposePairs_PutsEachOriginalBesideItsReconstruction()
    {
        float[] originals = { 0, 1, 0, 2 };       // two 1×2 images
        float[] reconstructions = { 1, 0, 2, 0 };
        (byte[] px, int w, int h) = ImageGrid.ComposePairs<float>(originals, reconstructions, 2, 1, 2, pairsPerRow: 2, padding: 0);
        Assert.Equal((8, 1), (w, h));
        Assert.Equal(new byte[] { 0, 255, 255, 0, 0, 255, 255, 0 }, px);
    }

    [Fact]
    public void SavePng_WritesADecodablePicture()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tdsl-{Guid.NewGuid():N}.png");
        try
        {
            var images = Enumerable.Range(0, 6 * 25).Select(i => (float)Math.Sin(i)).ToArray();
            ImageGrid.SavePng<float>(path, images, 6, 5, 5, columns: 3, scale: 4);
            (byte[] px, int w, int h, int colorType) = PngWriterTests.Decode(File.ReadAllBytes(path));
            Assert.Equal((3 * 20) + 4, w);
            Assert.Equal((2 * 20) + 3, h);
            Assert.Equal(0, colorType);
            Assert.Equal(w * h, px.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Compose_ValidatesTheLength()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.Compose<float>(new float[7], 2, 2, 2, 2));
        Assert.Equal("images", e.ParamName);
        Assert.Contains("expected 8", e.Message);
    }
}
