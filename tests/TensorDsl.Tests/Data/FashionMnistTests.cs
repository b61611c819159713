using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using TensorDsl.Data;
using Xunit;

namespace TensorDsl.Tests.Data;

public sealed class FashionMnistTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tdsl-fm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] RawGzip(string name)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(RepositoryPaths.FashionMnistSubset, name)), CompressionMode.Decompress);
        using var copy = new MemoryStream();
        gz.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public void ShippedSubset_HasTheDocumentedCountsAndRanges()
    {
        Dataset train = FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: true);
        Dataset test = FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: false);
        Assert.Equal(10_000, train.Count);
        Assert.Equal(2_000, test.Count);
        foreach (Dataset d in new[] { train, test })
        {
            Assert.Equal((1, 28, 28, 784), (d.Channels, d.Height, d.Width, d.ImageSize));
            Assert.Equal(d.Count * 784, d.Images.Length);
            Assert.All(d.Labels, l => Assert.InRange(l, 0, 9));
            Assert.Equal(10, d.Labels.Distinct().Count());
            Assert.Equal(0f, d.Images.Min());
            Assert.Equal(1f, d.Images.Max());
        }
    }

    [Fact]
    public void ShippedSubset_MatchesTheRawBytes()
    {
        byte[] labels = RawGzip("train-labels-idx1-ubyte.gz");
        byte[] images = RawGzip("train-images-idx3-ubyte.gz");
        byte[] testLabels = RawGzip("t10k-labels-idx1-ubyte.gz");
        Dataset train = FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: true);
        Dataset test = FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: false);

        Assert.Equal(labels[8], train.Labels[0]); // the label after the 8-byte header
        Assert.Equal(9, train.Labels[0]); // "Ankle boot": the official training set starts with one
        Assert.Equal(testLabels[8], test.Labels[0]);
        Assert.Equal(labels[8 + 9999], train.Labels[9999]);
        for (int i = 0; i < 784; i++)
        {
            Assert.Equal(images[16 + i] / 255f, train.Images[i]);
        }

        Assert.Equal(images[^1] / 255f, train.Images[^1]);
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[train.Labels[0]]);
    }

    [Fact]
    public void Load_LimitKeepsTheFirstExamples()
    {
        Dataset all = FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: false);
        Dataset some = FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: false, limit: 100);
        Assert.Equal(100, some.Count);
        Assert.Equal(all.Labels.Take(100), some.Labels);
        Assert.Equal(all.Images.Take(78_400), some.Images);
        Assert.Equal(2_000, FashionMnist.Load(RepositoryPaths.FashionMnistSubset, train: false, limit: 1_000_000).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => FashionMnist.Load(RepositoryPaths.FashionMnistSubset, false, -1));
    }

    [Fact]
    public void ClassNames_AreTheTenFashionMnistClasses()
    {
        Assert.Equal(
            new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
            FashionMnist.ClassNames);
    }

    private void WriteSplit(string prefix, int images, byte[] labels, bool gz = false)
    {
        byte[] img = IdxReaderTests.Idx(IdxReader.ImagesMagic, new[] { images, 28, 28 }, new byte[images * 784]);
        byte[] lab = IdxReaderTests.Idx(IdxReader.LabelsMagic, new[] { labels.Length }, labels);
        string suffix = gz ? ".gz" : "";
        File.WriteAllBytes(Path.Combine(_dir, $"{prefix}-images-idx3-ubyte{suffix}"), gz ? IdxReaderTests.Gzip(img) : img);
        File.WriteAllBytes(Path.Combine(_dir, $"{prefix}-labels-idx1-ubyte{suffix}"), gz ? IdxReaderTests.Gzip(lab) : lab);
    }

    [Fact]
    public void Load_ReadsUncompressedFilesToo()
    {
        WriteSplit("t10k", 3, new byte[] { 4, 5, 6 });
        Dataset d = FashionMnist.Load(_dir, train: false);
        Assert.Equal(new[] { 4, 5, 6 }, d.Labels);
    }

    [Fact]
    public void Load_RejectsDifferentCountsAndBadLabels()
    {
        WriteSplit("train", 3, new byte[] { 1, 2 });
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, train: true));
        Assert.Contains("has 3 images but", e.Message);
        Assert.Contains("has 2 labels", e.Message);

        WriteSplit("t10k", 2, new byte[] { 1, 12 }, gz: true);
        var bad = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, train: false));
        Assert.Contains("has label 12 at index 1", bad.Message);
    }

    /// <summary>Through the loader too, a damaged or foreign file is named, with what is wrong with it.</summary>
    [Fact]
    public void Load_NamesATruncatedOrForeignFileAndItsProblem()
    {
        WriteSplit("train", 3, new byte[] { 1, 2, 3 }, gz: true);
        string images = Path.Combine(_dir, "train-images-idx3-ubyte.gz");
        byte[] whole = File.ReadAllBytes(images);
        File.WriteAllBytes(images, whole.AsSpan(0, whole.Length / 2).ToArray());
        var truncated = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, train: true));
        Assert.Contains(images, truncated.Message);
        Assert.Contains("gzip", truncated.Message);

        WriteSplit("t10k", 3, new byte[] { 1, 2, 3 });
        string labels = Path.Combine(_dir, "t10k-labels-idx1-ubyte");
        File.WriteAllBytes(labels, new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13 });
        var foreign = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, train: false));
        Assert.Contains(labels, foreign.Message);
        Assert.Contains("is not an IDX file", foreign.Message);

        File.WriteAllBytes(labels, IdxReaderTests.Idx(IdxReader.LabelsMagic, new[] { 3 }, new byte[] { 1, 2, 3 }).AsSpan(0, 9).ToArray());
        var shortLabels = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, train: false));
        Assert.Contains(labels, shortLabels.Message);
        Assert.Contains("is truncated", shortLabels.Message);
    }

    [Fact]
    public void Load_MissingFilesNameBothCandidates()
    {
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(_dir, train: true));
        Assert.Contains("train-images-idx3-ubyte' nor", e.Message);
        Assert.Contains("train-images-idx3-ubyte.gz'", e.Message);
    }

    [Fact]
    public void FindDefaultDirectory_FindsTheShippedSubsetFromTheBuildOutput()
    {
        string found = FashionMnist.FindDefaultDirectory(false, null, AppContext.BaseDirectory, Path.Combine(_dir, "no-full-set"));
        Assert.Equal(Path.GetFullPath(RepositoryPaths.FashionMnistSubset), Path.GetFullPath(found));
        if (Environment.GetEnvironmentVariable(FashionMnist.DataEnvironmentVariable) is null)
        {
            Assert.Equal(Path.GetFullPath(RepositoryPaths.FashionMnistSubset), Path.GetFullPath(FashionMnist.FindDefaultDirectory()));
        }
    }

    [Fact]
    public void FindDefaultDirectory_FullSetWhenAskedAndPresent()
    {
        WriteSplit("train", 1, new byte[] { 0 }, gz: true);
        string start = AppContext.BaseDirectory;
        Assert.Equal(_dir, FashionMnist.FindDefaultDirectory(true, null, start, _dir));
        Assert.Equal(_dir, FashionMnist.FindDefaultDirectory(false, "full", start, _dir));
        string subset = Path.GetFullPath(RepositoryPaths.FashionMnistSubset);
        Assert.Equal(subset, Path.GetFullPath(FashionMnist.FindDefaultDirectory(true, "subset", start, _dir)));
        Assert.Equal(subset, Path.GetFullPath(FashionMnist.FindDefaultDirectory(false, null, start, _dir)));

        // Asked for but absent: the subset.
        Assert.Equal(subset, Path.GetFullPath(FashionMnist.FindDefaultDirectory(true, null, start, Path.Combine(_dir, "absent"))));
    }

    [Fact]
    public void FindDefaultDirectory_EnvironmentPathWinsAndMustExist()
    {
        Assert.Equal(_dir, FashionMnist.FindDefaultDirectory(true, _dir, AppContext.BaseDirectory, "/nowhere"));
        string missing = Path.Combine(_dir, "missing");
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.FindDefaultDirectory(false, missing, AppContext.BaseDirectory, "/nowhere"));
        Assert.Contains("TENSORDSL_DATA", e.Message);
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void FindDefaultDirectory_OutsideTheRepositoryExplains()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.FindDefaultDirectory(true, null, _dir, Path.Combine(_dir, "absent")));
        Assert.Contains("data/fashion-mnist-subset", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("TENSORDSL_DATA", e.Message);
    }
}
