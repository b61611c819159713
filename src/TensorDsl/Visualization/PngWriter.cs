using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using TensorDsl.IO;

namespace TensorDsl.Visualization;

/// <summary>The PNG colour types <see cref="PngWriter"/> writes (8 bits per sample).</summary>
public enum PngColorType
{
    /// <summary>One byte per pixel, 0 black to 255 white.</summary>
    Grayscale = 0,

    /// <summary>Three bytes per pixel: red, green, blue.</summary>
    Rgb = 2,
}

/// <summary>
/// A minimal PNG encoder: 8-bit grayscale or RGB, not interlaced, every row with filter type 0 (none), one zlib
/// stream (<see cref="ZLibStream"/>) in a single IDAT chunk, a CRC-32 on every chunk.
/// </summary>
public static class PngWriter
{
    private static readonly byte[] s_signature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => s_signature;

    /// <summary>Writes a PNG file.</summary>
    public static void Save(string path, ReadOnlySpan<byte> pixels, int width, int height, PngColorType colorType = PngColorType.Grayscale)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = Encode(pixels, width, height, colorType);
        File.WriteAllBytes(path, png);
    }

    /// <summary>Writes a PNG image to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> pixels, int width, int height, PngColorType colorType = PngColorType.Grayscale)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Encode(pixels, width, height, colorType));
    }

    /// <summary>Encodes a PNG image.</summary>
    /// <param name="pixels">Rows top to bottom, each <paramref name="width"/> pixels of 1 (gray) or 3 (RGB) bytes.</param>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="colorType">Grayscale or RGB.</param>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, PngColorType colorType = PngColorType.Grayscale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        int channels = colorType switch
        {
            PngColorType.Grayscale => 1,
            PngColorType.Rgb => 3,
            _ => throw new ArgumentOutOfRangeException(nameof(colorType), colorType, "Only grayscale and RGB are supported."),
        };
        long rowBytes = (long)width * channels;
        if (pixels.Length != rowBytes * height)
        {
            throw new ArgumentException($"pixels has length {pixels.Length}; expected {rowBytes * height} ({width}×{height}×{channels}).", nameof(pixels));
        }

        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            ReadOnlySpan<byte> filterNone = stackalloc byte[1];
            for (int y = 0; y < height; y++)
            {
                zlib.Write(filterNone);
                zlib.Write(pixels.Slice((int)(y * rowBytes), (int)rowBytes));
            }
        }

        var output = new MemoryStream();
        output.Write(s_signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = (byte)colorType;
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method 0
        header[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, header);
        WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND"u8, ReadOnlySpan<byte>.Empty);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Finish(Crc32.Append(Crc32.Append(Crc32.Start, type), data)));
        output.Write(word);
    }
}
