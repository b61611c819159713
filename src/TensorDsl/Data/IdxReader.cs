using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace TensorDsl.Data;

/// <summary>The contents of an IDX file of unsigned bytes: its magic number, dimensions and payload.</summary>
/// <param name="Magic">The magic number, e.g. 0x00000803 for images.</param>
/// <param name="Dimensions">The dimensions from the header (the first is the item count).</param>
/// <param name="Data">The payload, row-major, exactly the product of the dimensions long.</param>
public sealed record IdxFile(int Magic, int[] Dimensions, byte[] Data)
{
    /// <summary>The number of items (the first dimension).</summary>
    public int Count => Dimensions[0];

    /// <summary>The bytes per item (the product of the remaining dimensions).</summary>
    public int ItemSize
    {
        get
        {
            int size = 1;
            for (int i = 1; i < Dimensions.Length; i++)
            {
                size *= Dimensions[i];
            }

            return size;
        }
    }
}

/// <summary>
/// Reads IDX files (the format of MNIST and Fashion-MNIST), plain or gzipped — recognised by the gzip signature
/// 1F 8B, not by the file name. The header is a big-endian 32-bit magic number (two zero bytes, a type code, the
/// rank) and one big-endian 32-bit size per dimension; the payload follows. Only unsigned bytes (type 0x08) are read.
/// Every problem is an <see cref="InvalidDataException"/> whose message starts with the file's path: a foreign file
/// names the magic it found; a short or long payload gives the expected and the actual byte counts.
/// </summary>
public static class IdxReader
{
    /// <summary>The magic of an image file: unsigned bytes, rank 3 (count × rows × columns).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic of a label file: unsigned bytes, rank 1 (count).</summary>
    public const int LabelsMagic = 0x00000801;

    private const int MaxRank = 8;

    /// <summary>Reads an image file (magic 0x00000803).</summary>
    public static IdxFile ReadImages(string path) => Read(path, ImagesMagic);

    /// <summary>Reads a label file (magic 0x00000801).</summary>
    public static IdxFile ReadLabels(string path) => Read(path, LabelsMagic);

    /// <summary>Reads any unsigned-byte IDX file, or, when <paramref name="expectedMagic"/> is given, only one with
    /// that magic number.</summary>
    public static IdxFile Read(string path, int? expectedMagic = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Span<byte> signature = stackalloc byte[2];
        int signatureLength = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzipped = signatureLength == 2 && signature[0] == 0x1F && signature[1] == 0x8B;
        using Stream stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            return ReadFrom(stream, path, gzipped, gzipped ? -1 : file.Length, expectedMagic);
        }
        catch (InvalidDataException e) when (gzipped && !e.Message.StartsWith(Prefix(path, true), StringComparison.Ordinal))
        {
            throw Fail(path, true, $"is not a valid gzip stream ({e.Message})");
        }
    }

    private static IdxFile ReadFrom(Stream stream, string path, bool gzipped, long fileLength, int? expectedMagic)
    {
        Span<byte> head = stackalloc byte[4];
        int got = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (got < 4)
        {
            throw Fail(path, gzipped, $"is truncated: it has {got} bytes but an IDX header needs at least 4");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(head);
        int rank = magic & 0xFF;
        int type = (magic >> 8) & 0xFF;
        if ((magic >> 16) != 0 || rank is 0 or > MaxRank || !IsKnownType(type))
        {
            throw Fail(path, gzipped, $"is not an IDX file: it starts with magic 0x{magic:X8}{Expecting(expectedMagic)}");
        }

        if (type != 0x08)
        {
            throw Fail(path, gzipped, $"holds IDX element type 0x{type:X2} ({TypeName(type)}); only unsigned bytes (0x08) are supported");
        }

        if (expectedMagic is int expected && magic != expected)
        {
            throw Fail(path, gzipped, $"has magic 0x{magic:X8} ({Describe(magic)}) but 0x{expected:X8} ({Describe(expected)}) was expected");
        }

        int headerSize = 4 + (4 * rank);
        Span<byte> dimBytes = stackalloc byte[4 * rank];
        got = stream.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
        if (got < dimBytes.Length)
        {
            throw Fail(path, gzipped, $"is truncated: its header needs {headerSize} bytes but the file has {4 + got}");
        }

        var dims = new int[rank];
        long payload = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes[(4 * i)..]);
            if (d > int.MaxValue)
            {
                throw Fail(path, gzipped, $"has dimension {i} = {d}, beyond what this reader supports");
            }

            dims[i] = (int)d;
            payload *= d;
            if (payload > Array.MaxLength)
            {
                throw Fail(path, gzipped, $"announces {FormatDims(dims.AsSpan(0, i + 1))}… elements, more than an array can hold");
            }
        }

        if (fileLength >= 0 && fileLength - headerSize != payload)
        {
            long actual = fileLength - headerSize;
            throw actual < payload
                ? Fail(path, gzipped, $"is truncated: its header announces {FormatDims(dims)} = {payload} bytes of data but only {actual} follow")
                : Fail(path, gzipped, $"has {actual - payload} unexpected trailing bytes: its header announces {FormatDims(dims)} = {payload} bytes of data but {actual} follow");
        }

        // The size is trusted only as far as the data goes: the buffer grows while bytes keep coming.
        byte[] data = new byte[Math.Min(payload, 1 << 20)];
        int filled = 0;
        while (true)
        {
            int n = stream.Read(data, filled, data.Length - filled);
            if (n == 0)
            {
                break;
            }

            filled += n;
            if (filled == data.Length)
            {
                if (filled == payload)
                {
                    break;
                }

                Array.Resize(ref data, (int)Math.Min(payload, (long)data.Length * 2));
            }
        }

        if (filled < payload)
        {
            throw Fail(path, gzipped, $"is truncated: its header announces {FormatDims(dims)} = {payload} bytes of data but only {filled} follow");
        }

        long trailing = 0;
        Span<byte> scratch = stackalloc byte[4096];
        for (int n; (n = stream.Read(scratch)) > 0;)
        {
            trailing += n;
        }

        if (trailing > 0)
        {
            throw Fail(path, gzipped, $"has {trailing} unexpected trailing bytes: its header announces {FormatDims(dims)} = {payload} bytes of data but {payload + trailing} follow");
        }

        return new IdxFile(magic, dims, data);
    }

    private static string Prefix(string path, bool gzipped) => gzipped ? $"IDX file '{path}' (gzipped)" : $"IDX file '{path}'";

    private static InvalidDataException Fail(string path, bool gzipped, string problem)
        => new($"{Prefix(path, gzipped)} {problem}.");

    private static string Expecting(int? expectedMagic)
        => expectedMagic is int e ? $"; expected 0x{e:X8} ({Describe(e)})" : "";

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "unsigned-byte images, rank 3",
        LabelsMagic => "unsigned-byte labels, rank 1",
        _ => $"{TypeName((magic >> 8) & 0xFF)}, rank {magic & 0xFF}",
    };

    private static bool IsKnownType(int type) => type is 0x08 or 0x09 or 0x0B or 0x0C or 0x0D or 0x0E;

    private static string TypeName(int type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown type",
    };

    private static string FormatDims(ReadOnlySpan<int> dims)
    {
        var parts = new string[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            parts[i] = dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return string.Join("×", parts);
    }
}
