using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using TensorDsl.Data;
using Xunit;

namespace TensorDsl.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tdsl-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static byte[] Idx(int magic, int[] dims, byte[] payload)
    {
        var bytes = new byte[4 + (4 * dims.Length) + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        payload.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal))
        {
            gz.Write(data);
        }

        return output.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Pixels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 31)).ToArray();

    [Fact]
    public void Read_PlainAndGzippedGiveTheSameContents()
    {
        byte[] payload = Pixels(3 * 4 * 5);
        byte[] idx = Idx(IdxReader.ImagesMagic, new[] { 3, 4, 5 }, payload);
        IdxFile plain = IdxReader.ReadImages(Write("images", idx));
        IdxFile gz = IdxReader.ReadImages(Write("images.bin", Gzip(idx))); // detected by content, not name
        foreach (IdxFile f in new[] { plain, gz })
        {
            Assert.Equal(IdxReader.ImagesMagic, f.Magic);
            Assert.Equal(new[] { 3, 4, 5 }, f.Dimensions);
            Assert.Equal(3, f.Count);
            Assert.Equal(20, f.ItemSize);
            Assert.Equal(payload, f.Data);
        }

        IdxFile labels = IdxReader.ReadLabels(Write("labels.gz", Gzip(Idx(IdxReader.LabelsMagic, new[] { 4 }, new byte[] { 1, 2, 3, 9 }))));
        Assert.Equal(new byte[] { 1, 2, 3, 9 }, labels.Data);
    }

    [Fact]
    public void Read_LargerThanOneReadBuffer()
    {
        byte[] payload = Pixels(3000 * 28 * 28);
        IdxFile f = IdxReader.ReadImages(Write("big.gz", Gzip(Idx(IdxReader.ImagesMagic, new[] { 3000, 28, 28 }, payload))));
        Assert.Equal(payload, f.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_TruncatedPayloadNamesTheFileAndBothSizes(bool gzipped)
    {
        byte[] idx = Idx(IdxReader.ImagesMagic, new[] { 10, 28, 28 }, Pixels(7840));
        byte[] cut = idx.AsSpan(0, 16 + 5000).ToArray();
        string path = Write("cut", gzipped ? Gzip(cut) : cut);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains($"'{path}'", e.Message);
        Assert.Contains("is truncated: its header announces 10×28×28 = 7840 bytes of data but only 5000 follow", e.Message);
    }

    [Fact]
    public void Read_TruncatedGzipStreamIsRejectedNamingTheFile()
    {
        byte[] gz = Gzip(Idx(IdxReader.ImagesMagic, new[] { 100, 28, 28 }, Pixels(78400)));
        string path = Write("cut.gz", gz.AsSpan(0, gz.Length / 2).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.StartsWith($"IDX file '{path}' (gzipped)", e.Message);
        Assert.Matches("truncated|not a valid gzip stream", e.Message);
    }

    [Fact]
    public void Read_TrailingBytesAreRejected()
    {
        byte[] idx = Idx(IdxReader.LabelsMagic, new[] { 3 }, new byte[] { 1, 2, 3, 4, 5 });
        var plain = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(Write("long", idx)));
        Assert.Contains("has 2 unexpected trailing bytes: its header announces 3 = 3 bytes of data but 5 follow", plain.Message);
        var gz = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(Write("long.gz", Gzip(idx))));
        Assert.Contains("has 2 unexpected trailing bytes", gz.Message);
    }

    [Fact]
    public void Read_ForeignFileNamesTheMagicFound()
    {
        byte[] png = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0 };
        string path = Write("picture.png", png);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Equal($"IDX file '{path}' is not an IDX file: it starts with magic 0x89504E47; expected 0x00000803 (unsigned-byte images, rank 3).", e.Message);
    }

    [Fact]
    public void Read_LabelsWhereImagesAreExpectedNamesBothMagics()
    {
        string path = Write("labels", Idx(IdxReader.LabelsMagic, new[] { 2 }, new byte[] { 0, 1 }));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains("has magic 0x00000801 (unsigned-byte labels, rank 1) but 0x00000803 (unsigned-byte images, rank 3) was expected", e.Message);
    }

    [Fact]
    public void Read_OtherElementTypesAreNamed()
    {
        string path = Write("floats", Idx(0x00000D01, new[] { 1 }, new byte[4]));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains("holds IDX element type 0x0D (float32); only unsigned bytes (0x08) are supported", e.Message);
    }

    [Fact]
    public void Read_ShortHeaderIsTruncated()
    {
        var e1 = Assert.Throws<InvalidDataException>(() => IdxReader.Read(Write("tiny", new byte[] { 0, 0 })));
        Assert.Contains("is truncated: it has 2 bytes but an IDX header needs at least 4", e1.Message);
        byte[] header = Idx(IdxReader.ImagesMagic, new[] { 1, 2, 2 }, Array.Empty<byte>()).AsSpan(0, 10).ToArray();
        var e2 = Assert.Throws<InvalidDataException>(() => IdxReader.Read(Write("head", header)));
        Assert.Contains("is truncated: its header needs 16 bytes but the file has 10", e2.Message);
    }

    [Fact]
    public void Read_MissingFileIsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => IdxReader.Read(Path.Combine(_dir, "absent")));
    }
}
