using System;

namespace TensorDsl.Data;

/// <summary>
/// Labelled images held in memory: <see cref="Images"/> is N×C×H×W floats (row-major, one image after another) and
/// <see cref="Labels"/> N class indices.
/// </summary>
public sealed class Dataset
{
    /// <summary>Wraps the arrays (not copied).</summary>
    /// <exception cref="ArgumentException">The lengths do not agree with the shape.</exception>
    public Dataset(float[] images, int[] labels, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        long imageSize = (long)channels * height * width;
        if (imageSize * labels.Length != images.Length)
        {
            throw new ArgumentException(
                $"images has length {images.Length}; {labels.Length} labels of {channels}×{height}×{width} images need {imageSize * labels.Length}.",
                nameof(images));
        }

        Images = images;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>All images, N×C×H×W.</summary>
    public float[] Images { get; }

    /// <summary>The class index of each image.</summary>
    public int[] Labels { get; }

    /// <summary>N, the number of examples.</summary>
    public int Count => Labels.Length;

    /// <summary>C.</summary>
    public int Channels { get; }

    /// <summary>H.</summary>
    public int Height { get; }

    /// <summary>W.</summary>
    public int Width { get; }

    /// <summary>C·H·W, the floats per image.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>Image <paramref name="index"/>'s C·H·W values.</summary>
    public ReadOnlySpan<float> GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Images.AsSpan(index * ImageSize, ImageSize);
    }
}
