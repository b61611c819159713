using System;
using System.Buffers.Binary;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TensorDsl.IO;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Training;

public sealed class ParameterFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tdsl-prm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static Parameter<T>[] Model<T>(int seed, int conv1Out = 6)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var ps = new[]
        {
            new Parameter<T>("conv1.W", conv1Out, 1, 5, 5),
            new Parameter<T>("conv1.b", conv1Out),
            new Parameter<T>("fc.W", 10, 12),
            new Parameter<T>("fc.b", 10),
            new Parameter<T>("scale"),
        };
        var rng = new TensorRandom((ulong)seed);
        foreach (var p in ps)
        {
            Initializers.Normal<T>(p.Value, 0, 1, ref rng);
        }

        return ps;
    }

    private static T[][] Snapshot<T>(Parameter<T>[] ps)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => ps.Select(p => (T[])p.Value.Clone()).ToArray();

    private static void AssertBitExact<T>(Parameter<T>[] expected, Parameter<T>[] actual)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected[i].Value.AsSpan())
                .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual[i].Value.AsSpan())), expected[i].Name);
        }
    }

    private static void AssertUnchanged<T>(T[][] before, Parameter<T>[] ps)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.Equal(before[i], ps[i].Value);
        }
    }

    private InvalidDataException Rejects<T>(string path, Parameter<T>[] ps)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T[][] before = Snapshot(ps);
        var e = Assert.Throws<InvalidDataException>(() => ParameterFile.Load(path, ps));
        Assert.Contains(path, e.Message);
        AssertUnchanged(before, ps);
        return e;
    }

    [Fact]
    public void RoundTrip_FloatIsBitExact()
    {
        var saved = Model<float>(1);
        saved[0].Value[0] = float.NaN;
        saved[0].Value[1] = -0f;
        saved[0].Value[2] = float.Epsilon;
        string path = PathOf("m.tdsl");
        ParameterFile.Save(path, saved);
        var loaded = Model<float>(2);
        ParameterFile.Load(path, loaded);
        AssertBitExact(saved, loaded);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }

    [Fact]
    public void RoundTrip_DoubleIsBitExactThroughAParameterSet()
    {
        var saved = new TestModel<double>(Model<double>(3));
        string path = PathOf("m.tdsl");
        ParameterFile.Save(path, saved);
        var loaded = new TestModel<double>(Model<double>(4));
        ParameterFile.Load(path, loaded);
        AssertBitExact((Parameter<double>[])saved.Parameters, (Parameter<double>[])loaded.Parameters);
    }

    [Fact]
    public void Load_MatchesRecordsByNameNotOrder()
    {
        var saved = Model<float>(5);
        string path = PathOf("m.tdsl");
        ParameterFile.Save(path, saved);
        var reversed = Model<float>(6).Reverse().ToArray();
        ParameterFile.Load(path, reversed);
        AssertBitExact(saved, reversed.Reverse().ToArray());
    }

    [Fact]
    public void Layout_FollowsTheDocumentedFormat()
    {
        var p = new Parameter<float>("ab", 2);
        p.Value[0] = 1.5f;
        p.Value[1] = -2f;
        string path = PathOf("tiny.tdsl");
        ParameterFile.Save(path, new[] { p });
        byte[] bytes = File.ReadAllBytes(path);
        var expected = new List<byte>();
        expected.AddRange(Encoding.ASCII.GetBytes("TDSLPRM1"));
        expected.AddRange(BitConverter.GetBytes(1u)); // version
        expected.AddRange(BitConverter.GetBytes(1u)); // float32
        expected.AddRange(BitConverter.GetBytes(1u)); // count
        expected.AddRange(BitConverter.GetBytes(2u));
        expected.AddRange("ab"u8.ToArray());
        expected.AddRange(BitConverter.GetBytes(1u)); // rank
        expected.AddRange(BitConverter.GetBytes(2u)); // dim
        expected.AddRange(BitConverter.GetBytes(1.5f));
        expected.AddRange(BitConverter.GetBytes(-2f));
        uint crc = Crc32.Compute(expected.ToArray());
        Assert.Equal(0xF8FCE9E1u, crc); // zlib.crc32 of the same 42 bytes; the example in docs/parameter-file-format.md
        expected.AddRange(BitConverter.GetBytes(crc));
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Crc32_MatchesTheCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute(ReadOnlySpan<byte>.Empty));
        byte[] data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        uint state = Crc32.Append(Crc32.Start, data.AsSpan(0, 333));
        Assert.Equal(Crc32.Compute(data), Crc32.Finish(Crc32.Append(state, data.AsSpan(333))));
    }

    [Fact]
    public void Load_RejectsEveryTruncation()
    {
        var saved = Model<float>(7);
        string good = PathOf("good.tdsl");
        ParameterFile.Save(good, saved);
        byte[] bytes = File.ReadAllBytes(good);
        string cut = PathOf("cut.tdsl");
        var model = Model<float>(8);
        foreach (int length in new[] { 0, 5, 8, 19, 20, 23, 30, 100, bytes.Length - 5, bytes.Length - 4, bytes.Length - 1 })
        {
            File.WriteAllBytes(cut, bytes.AsSpan(0, length).ToArray());
            var e = Rejects(cut, model);
            Assert.Contains("truncated", e.Message);
        }

        var mid = Rejects(WriteBytes("mid.tdsl", bytes.AsSpan(0, 200).ToArray()), model);
        Assert.Matches(@"ends after 200 bytes, in the values of parameter #0 'conv1\.W' \(6×1×5×5, 600 bytes\); a complete file needs at least \d+ bytes", mid.Message);
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Load_RejectsAnyFlippedBit()
    {
        string good = PathOf("good.tdsl");
        ParameterFile.Save(good, Model<double>(9));
        byte[] bytes = File.ReadAllBytes(good);
        var model = Model<double>(10);
        var rng = new TensorRandom(1);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] copy = (byte[])bytes.Clone();
            int index = trial < 40 ? trial : rng.NextInt32(copy.Length);
            copy[index] ^= (byte)(1 << rng.NextInt32(8));
            string path = WriteBytes("flip.tdsl", copy);
            var e = Rejects(path, model);
            Assert.Matches("corrupted|truncated|magic|version|not a TensorDsl|unexpected trailing", e.Message);
        }

        byte[] data = (byte[])bytes.Clone();
        data[100] ^= 0x10; // inside conv1.W's values
        var flipped = Rejects(WriteBytes("data.tdsl", data), model);
        Assert.Matches(@"is corrupted: the stored checksum is 0x[0-9A-F]{8} but the content gives 0x[0-9A-F]{8}\.$", flipped.Message);
    }

    [Fact]
    public void Load_RejectsAForeignFileNamingWhatItStartsWith()
    {
        var e = Rejects(WriteBytes("foreign.bin", "PK\u0003\u0004 not ours at all"u8.ToArray()), Model<float>(1));
        Assert.Contains("is not a TensorDsl parameter file", e.Message);
        Assert.Contains("0x504B0304", e.Message);

        var text = Rejects(WriteBytes("text.txt", "TDSLPRM2........................"u8.ToArray()), Model<float>(1));
        Assert.Contains("starts with \"TDSLPRM2\"", text.Message);
        Assert.Contains("not \"TDSLPRM1\"", text.Message);

        var empty = Rejects(WriteBytes("empty.tdsl", Array.Empty<byte>()), Model<float>(1));
        Assert.Contains("truncated", empty.Message);
    }

    [Fact]
    public void Load_RejectsAnotherVersion()
    {
        string path = PathOf("v.tdsl");
        ParameterFile.Save(path, Model<float>(1));
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        var e = Rejects(WriteBytes("v2.tdsl", bytes), Model<float>(1));
        Assert.Contains("has format version 2; this library reads version 1", e.Message);
    }

    [Fact]
    public void Load_RejectsTheOtherElementType()
    {
        string path = PathOf("d.tdsl");
        ParameterFile.Save(path, Model<double>(1));
        var e = Rejects(path, Model<float>(2));
        Assert.Contains("holds float64 values but the parameters are float32", e.Message);

        ParameterFile.Save(path, Model<float>(1));
        var e2 = Rejects(path, Model<double>(2));
        Assert.Contains("holds float32 values but the parameters are float64", e2.Message);
    }

    [Fact]
    public void Load_RejectsADifferentShapeNamingBoth()
    {
        string path = PathOf("s.tdsl");
        ParameterFile.Save(path, Model<float>(1, conv1Out: 16));
        var model = Model<float>(2, conv1Out: 6);
        var e = Rejects(path, model);
        Assert.Contains("parameter 'conv1.W' has shape 16×1×5×5 in the file but 6×1×5×5 in the model", e.Message);
        Assert.Contains("parameter 'conv1.b' has shape 16 in the file but 6 in the model", e.Message);
    }

    [Fact]
    public void Load_RejectsDifferentNamesAndCounts()
    {
        string path = PathOf("n.tdsl");
        var saved = Model<float>(1);
        ParameterFile.Save(path, saved);

        var fewer = saved.Take(4).Select(p => new Parameter<float>(p.Name, p.Shape.AsSpan())).ToArray();
        var e1 = Rejects(path, fewer);
        Assert.Contains("has 5 parameters and the model 4", e1.Message);
        Assert.Contains("in the file but not in the model: 'scale'", e1.Message);

        var renamed = Model<float>(2);
        renamed[2] = new Parameter<float>("fc1.W", 10, 12);
        var e2 = Rejects(path, renamed);
        Assert.Contains("missing from the file: 'fc1.W'", e2.Message);
        Assert.Contains("in the file but not in the model: 'fc.W'", e2.Message);

        var more = Model<float>(3).Append(new Parameter<float>("extra", 3)).ToArray();
        var e3 = Rejects(path, more);
        Assert.Contains("has 5 parameters and the model 6", e3.Message);
        Assert.Contains("missing from the file: 'extra'", e3.Message);
    }

    [Fact]
    public void Load_RejectsTrailingBytes()
    {
        string path = PathOf("t.tdsl");
        ParameterFile.Save(path, Model<float>(1));
        byte[] bytes = File.ReadAllBytes(path).Concat(new byte[] { 1, 2, 3 }).ToArray();
        var e = Rejects(WriteBytes("t2.tdsl", bytes), Model<float>(2));
        Assert.Contains("has 3 unexpected trailing bytes after the checksum", e.Message);
    }

    [Fact]
    public void Save_OverwritesAtomicallyAndLeavesNoTemporaryFile()
    {
        string path = PathOf("m.tdsl");
        ParameterFile.Save(path, Model<float>(1));
        var second = Model<float>(2);
        ParameterFile.Save(path, second);
        var loaded = Model<float>(3);
        ParameterFile.Load(path, loaded);
        AssertBitExact(second, loaded);
        Assert.Equal(new[] { path }, Directory.GetFiles(_dir));
    }

    [Fact]
    public void Save_FailingAtAnyPointKeepsTheOldFileAndRemovesTheTemporaryFile()
    {
        string path = PathOf("m.tdsl");
        ParameterFile.Save(path, Model<float>(1));
        byte[] good = File.ReadAllBytes(path);

        int failuresWithTempPresent = 0;
        for (int failAt = 1; ; failAt++)
        {
            var list = new FailingList(Model<float>(2), failAt, _dir);
            try
            {
                ParameterFile.Save(path, list);
                break; // failAt is past the last access: the save went through
            }
            catch (IOException e) when (e.Message == FailingList.FailureMessage)
            {
                if (list.TempFileExistedAtFailure)
                {
                    failuresWithTempPresent++;
                }

                Assert.Equal(good, File.ReadAllBytes(path));
                Assert.Equal(new[] { path }, Directory.GetFiles(_dir));
            }
        }

        Assert.True(failuresWithTempPresent > 0, "no failure happened while the temporary file was being written");
    }

    [Fact]
    public void Save_ToAPathThatIsADirectoryFailsAndCleansUp()
    {
        string path = PathOf("taken");
        Directory.CreateDirectory(path);
        Assert.ThrowsAny<IOException>(() => ParameterFile.Save(path, Model<float>(1)));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Save_RejectsDuplicateNamesBeforeWriting()
    {
        string path = PathOf("dup.tdsl");
        var e = Assert.Throws<ArgumentException>(() => ParameterFile.Save(path, new[] { new Parameter<float>("w", 1), new Parameter<float>("w", 2) }));
        Assert.Contains("'w'", e.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Load_MissingFileIsAFileNotFoundException()
    {
        Assert.Throws<FileNotFoundException>(() => ParameterFile.Load(PathOf("absent.tdsl"), Model<float>(1)));
    }

    /// <summary>A parameter list whose indexer throws on its n-th access, noting whether a temporary file exists then.</summary>
    private sealed class FailingList(Parameter<float>[] items, int failAt, string directory) : IReadOnlyList<Parameter<float>>
    {
        public const string FailureMessage = "simulated failure while saving";
        private int _accesses;

        public bool TempFileExistedAtFailure { get; private set; }

        public int Count => items.Length;

        public Parameter<float> this[int index]
        {
            get
            {
                if (++_accesses == failAt)
                {
                    TempFileExistedAtFailure = Directory.GetFiles(directory, "*.tmp-*").Length > 0;
                    throw new IOException(FailureMessage);
                }

                return items[index];
            }
        }

        public IEnumerator<Parameter<float>> GetEnumerator() => ((IEnumerable<Parameter<float>>)items).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
