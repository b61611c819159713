using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using TensorDsl.IO;

namespace TensorDsl.Training;

/// <summary>
/// Saves and loads parameter values in the TensorDsl parameter file format, version 1
/// (also described in <c>docs/parameter-file-format.md</c>). All integers and values are little-endian:
/// <code>
/// offset  size   field
/// 0       8      magic, the ASCII bytes "TDSLPRM1"
/// 8       4      uint32 format version = 1
/// 12      4      uint32 element type: 1 = float32 (IEEE 754 binary32), 2 = float64 (binary64)
/// 16      4      uint32 parameter count N
/// then N records, each:
///         4      uint32 name length L in bytes, 1..1024
///         L      the name, UTF-8, no terminator
///         4      uint32 rank R, 0..16
///         4·R    uint32 dimensions, each at least 1
///         E·S    the values, row-major: E = product of the dimensions, S = 4 or 8 bytes
/// then    4      uint32 CRC-32 (ISO-HDLC, as in zlib and PNG) of every byte before it
/// </code>
/// Names are unique within a file. <see cref="Load{T}(string, IReadOnlyList{Parameter{T}})"/> matches records to
/// parameters by name, so record order does not matter, but the set of names, every shape and the element type must
/// equal the model's.
/// </summary>
/// <remarks>
/// <para>Saving is atomic: the file is written to <c>path + ".tmp-" + random</c>, flushed to the disk
/// (<see cref="FileStream.Flush(bool)"/> with <c>true</c>), then moved over the path; on any failure the
/// temporary file is deleted and an existing file at the path is left as it was. (The directory entry itself is not
/// synced; a power cut right after the move may still show the old file, never a partial one.)</para>
/// <para>Loading reads and validates the whole file — magic, version, element type, structure, truncation, trailing
/// bytes, checksum, names, shapes and count — before it writes any parameter, so a rejected file leaves the
/// parameters unchanged. Every rejection is an <see cref="InvalidDataException"/> whose message names the file and
/// the problem.</para>
/// </remarks>
public static class ParameterFile
{
    /// <summary>The magic bytes that start every file.</summary>
    public const string Magic = "TDSLPRM1";

    /// <summary>The format version this library writes and reads.</summary>
    public const uint Version = 1;

    /// <summary>The element type code of float32 values.</summary>
    public const uint Float32Code = 1;

    /// <summary>The element type code of float64 values.</summary>
    public const uint Float64Code = 2;

    private const int HeaderSize = 20;
    private const int ChecksumSize = 4;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Saves the model's parameters to <paramref name="path"/> (atomically; see the class remarks).</summary>
    public static void Save<T>(string path, IParameterSet<T> model)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        Save(path, model.Parameters);
    }

    /// <summary>Loads the model's parameters from <paramref name="path"/> (all or nothing; see the class remarks).</summary>
    public static void Load<T>(string path, IParameterSet<T> model)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        Load(path, model.Parameters);
    }

    /// <summary>Saves the values of <paramref name="parameters"/> to <paramref name="path"/>, replacing any file there
    /// only once the new one is completely on disk.</summary>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    /// <exception cref="ArgumentException">A name occurs twice.</exception>
    public static void Save<T>(string path, IReadOnlyList<Parameter<T>> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(parameters);
        uint typeCode = TypeCode<T>();
        Parameters.ThrowIfInvalid(parameters, nameof(parameters));

        string fullPath = Path.GetFullPath(path);
        string tempPath = fullPath + ".tmp-" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
        try
        {
            using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                var writer = new ChecksumWriter(stream);
                writer.Write(Encoding.ASCII.GetBytes(Magic));
                writer.WriteUInt32(Version);
                writer.WriteUInt32(typeCode);
                writer.WriteUInt32((uint)parameters.Count);
                for (int i = 0; i < parameters.Count; i++)
                {
                    Parameter<T> p = parameters[i];
                    byte[] name = Encoding.UTF8.GetBytes(p.Name);
                    writer.WriteUInt32((uint)name.Length);
                    writer.Write(name);
                    writer.WriteUInt32((uint)p.Shape.Length);
                    foreach (int d in p.Shape)
                    {
                        writer.WriteUInt32((uint)d);
                    }

                    writer.WriteValues<T>(p.Value);
                }

                Span<byte> crc = stackalloc byte[ChecksumSize];
                BinaryPrimitives.WriteUInt32LittleEndian(crc, writer.Checksum);
                stream.Write(crc);
                stream.Flush(flushToDisk: true);
            }

            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>
    /// Loads <paramref name="parameters"/>' values from <paramref name="path"/>. Everything is validated before the
    /// first value is written, so on any exception the parameters are unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid parameter file for these parameters.</exception>
    /// <exception cref="IOException">The file cannot be read (missing, locked, …).</exception>
    public static void Load<T>(string path, IReadOnlyList<Parameter<T>> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(parameters);
        uint typeCode = TypeCode<T>();
        Parameters.ThrowIfInvalid(parameters, nameof(parameters));

        byte[] bytes = File.ReadAllBytes(path);
        List<Record> records = Parse(path, bytes);

        uint fileType = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12));
        if (fileType != typeCode)
        {
            throw Rejected(path, $"holds {TypeName(fileType)} values but the parameters are {TypeName(typeCode)}");
        }

        var byName = new Dictionary<string, Record>(records.Count, StringComparer.Ordinal);
        foreach (Record r in records)
        {
            byName.Add(r.Name, r);
        }

        var missing = new List<string>();
        var modelNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < parameters.Count; i++)
        {
            modelNames.Add(parameters[i].Name);
            if (!byName.ContainsKey(parameters[i].Name))
            {
                missing.Add("'" + parameters[i].Name + "'");
            }
        }

        var extra = new List<string>();
        foreach (Record r in records)
        {
            if (!modelNames.Contains(r.Name))
            {
                extra.Add("'" + r.Name + "'");
            }
        }

        if (missing.Count > 0 || extra.Count > 0)
        {
            var problem = new StringBuilder($"has {records.Count} parameters and the model {parameters.Count}, with different names");
            if (missing.Count > 0)
            {
                problem.Append("; missing from the file: ").AppendJoin(", ", missing);
            }

            if (extra.Count > 0)
            {
                problem.Append("; in the file but not in the model: ").AppendJoin(", ", extra);
            }

            throw Rejected(path, problem.ToString());
        }

        var shapeProblems = new List<string>();
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter<T> p = parameters[i];
            Record r = byName[p.Name];
            if (!r.Shape.AsSpan().SequenceEqual(p.Shape.AsSpan()))
            {
                shapeProblems.Add($"parameter '{p.Name}' has shape {Parameter<T>.FormatShape(r.Shape)} in the file but {p.ShapeText} in the model");
            }
        }

        if (shapeProblems.Count > 0)
        {
            throw Rejected(path, "does not match the model: " + string.Join("; ", shapeProblems));
        }

        // Everything is valid: only now are the parameters written.
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter<T> p = parameters[i];
            Record r = byName[p.Name];
            ReadValues(bytes.AsSpan(r.DataOffset, r.DataLength), p.Value);
        }
    }

    private static List<Record> Parse(string path, byte[] bytes)
    {
        int length = bytes.Length;
        byte[] magic = Encoding.ASCII.GetBytes(Magic);
        int magicPart = Math.Min(length, magic.Length);
        if (!bytes.AsSpan(0, magicPart).SequenceEqual(magic.AsSpan(0, magicPart)))
        {
            throw Rejected(path, $"is not a TensorDsl parameter file: it starts with {DescribeBytes(bytes.AsSpan(0, magicPart))}, not \"{Magic}\"");
        }

        if (length < HeaderSize)
        {
            throw Rejected(path, $"is truncated: it has {length} bytes but the header alone needs {HeaderSize}");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version != Version)
        {
            throw Rejected(path, $"has format version {version}; this library reads version {Version}");
        }

        uint storedChecksum = length >= HeaderSize + ChecksumSize ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(length - ChecksumSize)) : 0;
        bool checksumOfWholeMatches = length >= HeaderSize + ChecksumSize && Crc32.Compute(bytes.AsSpan(0, length - ChecksumSize)) == storedChecksum;

        var records = new List<Record>();
        string? problem = TryParseRecords(bytes, records, out bool truncated, out int end);
        if (problem is not null)
        {
            if (checksumOfWholeMatches || truncated)
            {
                throw Rejected(path, problem);
            }

            throw Rejected(path, $"is corrupted (the checksum does not match) and {problem}");
        }

        int remaining = length - end;
        if (remaining < ChecksumSize)
        {
            throw Rejected(path, $"is truncated: it has {length} bytes but its records and checksum need {end + ChecksumSize}");
        }

        uint checksumAtEnd = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(end));
        uint computed = Crc32.Compute(bytes.AsSpan(0, end));
        if (checksumAtEnd != computed)
        {
            throw Rejected(path, $"is corrupted: the stored checksum is 0x{checksumAtEnd:X8} but the content gives 0x{computed:X8}");
        }

        if (remaining > ChecksumSize)
        {
            throw Rejected(path, $"has {remaining - ChecksumSize} unexpected trailing bytes after the checksum (the file should end at byte {end + ChecksumSize})");
        }

        return records;
    }

    /// <summary>Walks the records; returns null when the structure is sound, else the problem.</summary>
    private static string? TryParseRecords(byte[] bytes, List<Record> records, out bool truncated, out int end)
    {
        int length = bytes.Length;
        uint typeCode = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12));
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16));
        truncated = false;
        end = HeaderSize;
        int elementSize;
        switch (typeCode)
        {
            case Float32Code:
                elementSize = 4;
                break;
            case Float64Code:
                elementSize = 8;
                break;
            default:
                return $"has unknown element type code {typeCode} (1 = float32, 2 = float64)";
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        long pos = HeaderSize;
        for (uint i = 0; i < count; i++)
        {
            string which = $"parameter #{i}";
            if (pos + 4 > length)
            {
                truncated = true;
                return Truncated(length, pos + 4 + ChecksumSize, $"the name length of {which}");
            }

            uint nameLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)pos));
            pos += 4;
            if (nameLength is 0 or > Parameter<float>.MaxNameBytes)
            {
                return $"gives {which} a name length of {nameLength} bytes; it must be 1 to {Parameter<float>.MaxNameBytes}";
            }

            if (pos + nameLength > length)
            {
                truncated = true;
                return Truncated(length, pos + nameLength + ChecksumSize, $"the name of {which}");
            }

            string name;
            try
            {
                name = s_strictUtf8.GetString(bytes, (int)pos, (int)nameLength);
            }
            catch (DecoderFallbackException)
            {
                return $"has a name that is not valid UTF-8 in {which}";
            }

            pos += nameLength;
            which = $"parameter #{i} '{name}'";
            if (!names.Add(name))
            {
                return $"has the parameter name '{name}' twice";
            }

            if (pos + 4 > length)
            {
                truncated = true;
                return Truncated(length, pos + 4 + ChecksumSize, $"the rank of {which}");
            }

            uint rank = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)pos));
            pos += 4;
            if (rank > Parameter<float>.MaxRank)
            {
                return $"gives {which} rank {rank}; at most {Parameter<float>.MaxRank} is supported";
            }

            if (pos + (4 * rank) > length)
            {
                truncated = true;
                return Truncated(length, pos + (4 * rank) + ChecksumSize, $"the dimensions of {which}");
            }

            var shape = new int[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++)
            {
                uint dim = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)pos + (4 * d)));
                if (dim is 0 or > int.MaxValue)
                {
                    return $"gives {which} dimension {d} = {dim}; every dimension must be 1 to {int.MaxValue}";
                }

                shape[d] = (int)dim;
                elements *= dim;
                if (elements > Array.MaxLength)
                {
                    return $"gives {which} shape {Parameter<float>.FormatShape(shape.AsSpan(0, d + 1))}…, more elements than an array can hold";
                }
            }

            pos += 4 * rank;
            long dataLength = elements * elementSize;
            if (pos + dataLength > length)
            {
                truncated = true;
                return Truncated(length, pos + dataLength + ChecksumSize, $"the values of {which} ({Parameter<float>.FormatShape(shape)}, {dataLength} bytes)");
            }

            records.Add(new Record(name, shape, (int)pos, (int)dataLength));
            pos += dataLength;
        }

        end = (int)pos;
        return null;
    }

    private static InvalidDataException Rejected(string path, string problem)
        => new($"Parameter file '{path}' {problem}.");

    private static string Truncated(int length, long needed, string what)
        => $"is truncated: it ends after {length} bytes, in {what}; a complete file needs at least {needed} bytes";

    private static void ReadValues<T>(ReadOnlySpan<byte> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, T>(source).CopyTo(destination);
            return;
        }

        Span<byte> raw = MemoryMarshal.AsBytes(destination);
        source.CopyTo(raw);
        int size = raw.Length / destination.Length;
        for (int i = 0; i < raw.Length; i += size)
        {
            raw.Slice(i, size).Reverse();
        }
    }

    private static uint TypeCode<T>()
    {
        if (typeof(T) == typeof(float))
        {
            return Float32Code;
        }

        if (typeof(T) == typeof(double))
        {
            return Float64Code;
        }

        throw new NotSupportedException($"Parameter files hold float or double values, not {typeof(T).Name}.");
    }

    private static string TypeName(uint code) => code switch
    {
        Float32Code => "float32",
        Float64Code => "float64",
        _ => $"type {code}",
    };

    private static string DescribeBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "nothing (the file is empty)";
        }

        var text = new StringBuilder();
        bool printable = true;
        foreach (byte b in bytes)
        {
            printable &= b is >= 0x20 and < 0x7F;
        }

        if (printable)
        {
            text.Append('"').Append(Encoding.ASCII.GetString(bytes)).Append("\" (");
        }

        text.Append("0x").Append(Convert.ToHexString(bytes));
        if (printable)
        {
            text.Append(')');
        }

        return text.ToString();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record Record(string Name, int[] Shape, int DataOffset, int DataLength);

    /// <summary>Writes to a stream while keeping a CRC-32 of everything written.</summary>
    private sealed class ChecksumWriter(Stream stream)
    {
        private uint _state = Crc32.Start;

        public uint Checksum => Crc32.Finish(_state);

        public void Write(ReadOnlySpan<byte> data)
        {
            _state = Crc32.Append(_state, data);
            stream.Write(data);
        }

        public void WriteUInt32(uint value)
        {
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
            Write(buffer);
        }

        public void WriteValues<T>(ReadOnlySpan<T> values)
            where T : unmanaged
        {
            ReadOnlySpan<byte> raw = MemoryMarshal.AsBytes(values);
            if (BitConverter.IsLittleEndian)
            {
                Write(raw);
                return;
            }

            int size = raw.Length / Math.Max(values.Length, 1);
            Span<byte> chunk = stackalloc byte[4096];
            while (!raw.IsEmpty)
            {
                int n = Math.Min(chunk.Length, raw.Length);
                raw[..n].CopyTo(chunk);
                for (int i = 0; i < n; i += size)
                {
                    chunk.Slice(i, size).Reverse();
                }

                Write(chunk[..n]);
                raw = raw[n..];
            }
        }
    }
}
