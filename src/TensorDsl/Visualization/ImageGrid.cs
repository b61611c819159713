using System;
using System.Numerics;

namespace TensorDsl.Visualization;

/// <summary>
/// Tiles small single-channel images (filters, feature maps, digits, originals beside reconstructions) into one
/// grayscale picture. Each image is stretched on its own from its minimum (black) to its maximum (white); an image
/// whose values are all equal is shown as its value clamped to [0, 1]. NaN is black.
/// </summary>
public static class ImageGrid
{
    /// <summary>Composes the grid; returns its gray pixels and size.</summary>
    /// <param name="images"><paramref name="count"/> images of H×W values, one after another.</param>
    /// <param name="count">How many images.</param>
    /// <param name="imageHeight">H.</param>
    /// <param name="imageWidth">W.</param>
    /// <param name="columns">Images per row (the last row may be partly empty).</param>
    /// <param name="padding">Background pixels around and between tiles.</param>
    /// <param name="scale">Each image pixel becomes scale×scale output pixels (nearest neighbour).</param>
    /// <param name="background">The gray level of the padding and of empty cells.</param>
    public static (byte[] Pixels, int Width, int Height) Compose<T>(
        ReadOnlySpan<T> images, int count, int imageHeight, int imageWidth, int columns, int padding = 1, int scale = 1, byte background = 128)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        int imageSize = imageHeight * imageWidth;
        if (images.Length != (long)count * imageSize)
        {
            throw new ArgumentException($"images has length {images.Length}; expected {(long)count * imageSize} ({count}×{imageHeight}×{imageWidth}).", nameof(images));
        }

        columns = Math.Min(columns, count);
        int rows = (count + columns - 1) / columns;
        int tileW = imageWidth * scale;
        int tileH = imageHeight * scale;
        int width = checked((columns * tileW) + ((columns + 1) * padding));
        int height = checked((rows * tileH) + ((rows + 1) * padding));
        var pixels = new byte[checked(width * height)];
        pixels.AsSpan().Fill(background);

        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<T> image = images.Slice(n * imageSize, imageSize);
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (T t in image)
            {
                double v = double.CreateTruncating(t);
                if (double.IsFinite(v))
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
            }

            bool stretch = max > min;
            double range = stretch ? max - min : 1;
            int left = padding + ((n % columns) * (tileW + padding));
            int top = padding + ((n / columns) * (tileH + padding));
            for (int y = 0; y < imageHeight; y++)
            {
                for (int x = 0; x < imageWidth; x++)
                {
                    double v = double.CreateTruncating(image[(y * imageWidth) + x]);
                    double unit = double.IsNaN(v) ? 0 : stretch ? (v - min) / range : v;
                    byte level = (byte)Math.Round(Math.Clamp(unit, 0, 1) * 255);
                    for (int dy = 0; dy < scale; dy++)
                    {
                        int row = (top + (y * scale) + dy) * width;
                        pixels.AsSpan(row + left + (x * scale), scale).Fill(level);
                    }
                }
            }
        }

        return (pixels, width, height);
    }

    /// <summary>Composes pairs side by side — original i, then reconstruction i — <paramref name="pairsPerRow"/>
    /// pairs to a row.</summary>
    public static (byte[] Pixels, int Width, int Height) ComposePairs<T>(
        ReadOnlySpan<T> originals, ReadOnlySpan<T> reconstructions, int count, int imageHeight, int imageWidth, int pairsPerRow, int padding = 1, int scale = 1, byte background = 128)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int imageSize = imageHeight * imageWidth;
        if (reconstructions.Length != originals.Length)
        {
            throw new ArgumentException($"reconstructions has length {reconstructions.Length}; expected {originals.Length}, as originals.", nameof(reconstructions));
        }

        if (originals.Length != (long)count * imageSize)
        {
            throw new ArgumentException($"originals has length {originals.Length}; expected {(long)count * imageSize} ({count}×{imageHeight}×{imageWidth}).", nameof(originals));
        }

        var interleaved = new T[2 * originals.Length];
        for (int i = 0; i < count; i++)
        {
            originals.Slice(i * imageSize, imageSize).CopyTo(interleaved.AsSpan(2 * i * imageSize));
            reconstructions.Slice(i * imageSize, imageSize).CopyTo(interleaved.AsSpan(((2 * i) + 1) * imageSize));
        }

        return Compose<T>(interleaved, 2 * count, imageHeight, imageWidth, 2 * pairsPerRow, padding, scale, background);
    }

    /// <summary>Composes the grid (see <see cref="Compose{T}"/>) and saves it as a grayscale PNG.</summary>
    public static void SavePng<T>(string path, ReadOnlySpan<T> images, int count, int imageHeight, int imageWidth, int columns, int padding = 1, int scale = 1, byte background = 128)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (byte[] pixels, int width, int height) = Compose(images, count, imageHeight, imageWidth, columns, padding, scale, background);
        PngWriter.Save(path, pixels, width, height);
    }
}
