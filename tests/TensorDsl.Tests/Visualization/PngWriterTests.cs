using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using TensorDsl.Visualization;
using Xunit;

namespace TensorDsl.Tests.Visualization;

public class PngWriterTests
{
    internal sealed record Chunk(string Type, byte[] Data);

    /// <summary>Bit-by-bit CRC-32 (independent of the library's table-driven one).</summary>
    private static uint SlowCrc(IEnumerable<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>Splits a PNG into chunks, asserting the signature and every chunk's CRC.</summary>
    internal static List<Chunk> Chunks(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png.Take(8));
        var chunks = new List<Chunk>();
        int pos = 8;
        while (pos < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            byte[] data = png.AsSpan(pos + 8, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.Equal(SlowCrc(png.Skip(pos + 4).Take(4 + length)), crc);
            chunks.Add(new Chunk(type, data));
            pos += 12 + length;
        }

        Assert.Equal(png.Length, pos);
        Assert.Equal("IHDR", chunks[0].Type);
        Assert.Equal("IEND", chunks[^1].Type);
        Assert.Empty(chunks[^1].Data);
        return chunks;
    }

    /// <summary>Decodes a PNG written with filter type 0 into its raw pixel bytes.</summary>
    internal static (byte[] Pixels, int Width, int Height, int ColorType) Decode(byte[] png)
    {
        List<Chunk> chunks = Chunks(png);
        byte[] ihdr = chunks[0].Data;
        Assert.Equal(13, ihdr.Length);
        int width = BinaryPrimitives.ReadInt32BigEndian(ihdr);
        int height = BinaryPrimitives.ReadInt32BigEndian(ihdr.AsSpan(4));
        Assert.Equal(8, ihdr[8]); // bit depth
        Assert.Equal(0, ihdr[10]); // compression
        Assert.Equal(0, ihdr[11]); // filter method
        Assert.Equal(0, ihdr[12]); // interlace
        int channels = ihdr[9] == 2 ? 3 : 1;

        byte[] idat = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        using var z = new ZLibStream(new MemoryStream(idat), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        byte[] filtered = raw.ToArray();
        int stride = (width * channels) + 1;
        Assert.Equal(stride * height, filtered.Length);
        var pixels = new byte[width * channels * height];
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(0, filtered[y * stride]);
            Array.Copy(filtered, (y * stride) + 1, pixels, y * (stride - 1), stride - 1);
        }

        return (pixels, width, height, ihdr[9]);
    }

    [Fact]
    public void Grayscale_RoundTripsThroughAnIndependentDecoder()
    {
        byte[] pixels = Enumerable.Range(0, 7 * 5).Select(i => (byte)(i * 7)).ToArray();
        byte[] png = PngWriter.Encode(pixels, 7, 5);
        (byte[] decoded, int w, int h, int colorType) = Decode(png);
        Assert.Equal((7, 5, 0), (w, h, colorType));
        Assert.Equal(pixels, decoded);
        Assert.Equal(new[] { "IHDR", "IDAT", "IEND" }, Chunks(png).Select(c => c.Type));
    }

    [Fact]
    public void Rgb_RoundTrips()
    {
        byte[] pixels = Enumerable.Range(0, 3 * 4 * 3).Select(i => (byte)(255 - i)).ToArray();
        var stream = new MemoryStream();
        PngWriter.Write(stream, pixels, 4, 3, PngColorType.Rgb);
        (byte[] decoded, int w, int h, int colorType) = Decode(stream.ToArray());
        Assert.Equal((4, 3, 2), (w, h, colorType));
        Assert.Equal(pixels, decoded);
    }

    [Fact]
    public void Save_WritesAFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tdsl-{Guid.NewGuid():N}.png");
        try
        {
            PngWriter.Save(path, new byte[] { 0, 255, 255, 0 }, 2, 2);
            Assert.Equal(new byte[] { 0, 255, 255, 0 }, Decode(File.ReadAllBytes(path)).Pixels);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Encode_ValidatesTheSize()
    {
        var e = Assert.Throws<ArgumentException>(() => PngWriter.Encode(new byte[11], 2, 2, PngColorType.Rgb));
        Assert.Equal("pixels", e.ParamName);
        Assert.Contains("expected 12", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(ReadOnlySpan<byte>.Empty, 0, 1));
    }
}
