using System;
using System.Collections.Generic;
using System.IO;

namespace TensorDsl.Data;

/// <summary>
/// Loads Fashion-MNIST (Zalando; MIT licence) — or MNIST, whose files have the same names and format — from a
/// directory holding <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>
/// and <c>t10k-labels-idx1-ubyte</c>, each optionally gzipped (<c>.gz</c>).
/// </summary>
public static class FashionMnist
{
    /// <summary>The environment variable that chooses the data: a directory path, <c>full</c> (the installed full
    /// set, when present) or <c>subset</c> (the subset shipped in the repository).</summary>
    public const string DataEnvironmentVariable = "TENSORDSL_DATA";

    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the full set.</summary>
    public const string FullSetDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The shipped subset's folder, relative to the repository root.</summary>
    public const string SubsetRelativeDirectory = "data/fashion-mnist-subset";

    private static readonly string[] s_classNames =
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>The ten class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames => s_classNames;

    /// <summary>
    /// Loads the training (60,000 in the full set) or test (10,000) split as 1×28×28 images scaled from bytes to
    /// [0, 1] (value / 255) and labels 0–9.
    /// </summary>
    /// <param name="directory">The folder holding the four files.</param>
    /// <param name="train">The training split when true, the test split (<c>t10k-*</c>) when false.</param>
    /// <param name="limit">Keep only the first this many examples (all when null).</param>
    /// <exception cref="FileNotFoundException">A file is missing (plain and <c>.gz</c> were both looked for).</exception>
    /// <exception cref="InvalidDataException">A file is malformed, the counts differ, or a label is not 0–9.</exception>
    public static Dataset Load(string directory, bool train, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "Must not be negative.");
        }

        string prefix = train ? "train" : "t10k";
        string imagesPath = Locate(directory, prefix + "-images-idx3-ubyte");
        string labelsPath = Locate(directory, prefix + "-labels-idx1-ubyte");
        IdxFile images = IdxReader.ReadImages(imagesPath);
        IdxFile labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Count)
        {
            throw new InvalidDataException($"'{imagesPath}' has {images.Count} images but '{labelsPath}' has {labels.Count} labels.");
        }

        int count = Math.Min(images.Count, limit ?? int.MaxValue);
        int rows = images.Dimensions[1];
        int columns = images.Dimensions[2];
        int size = rows * columns;

        var labelArray = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = labels.Data[i];
            if (label >= s_classNames.Length)
            {
                throw new InvalidDataException($"IDX file '{labelsPath}' has label {label} at index {i}; Fashion-MNIST labels are 0 to {s_classNames.Length - 1}.");
            }

            labelArray[i] = label;
        }

        Span<float> scale = stackalloc float[256];
        for (int v = 0; v < 256; v++)
        {
            scale[v] = v / 255f;
        }

        var pixels = new float[(long)count * size];
        ReadOnlySpan<byte> source = images.Data.AsSpan(0, pixels.Length);
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = scale[source[i]];
        }

        return new Dataset(pixels, labelArray, 1, rows, columns);
    }

    /// <summary>
    /// The data directory to use. <c>TENSORDSL_DATA</c> decides first: a directory path is returned as it is,
    /// <c>full</c> asks for the full set and <c>subset</c> for the shipped subset. Otherwise
    /// <paramref name="preferFullSet"/> asks for the full set. The full set (<see cref="FullSetDirectory"/>) is
    /// returned when asked for and present; in every other case the shipped subset, found by walking up from
    /// <see cref="AppContext.BaseDirectory"/> to a folder containing <c>data/fashion-mnist-subset</c> (so it is found
    /// from a build output inside the repository, not from an installed package).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">TENSORDSL_DATA names a missing directory, or no data is found.</exception>
    public static string FindDefaultDirectory(bool preferFullSet = false)
        => FindDefaultDirectory(preferFullSet, Environment.GetEnvironmentVariable(DataEnvironmentVariable), AppContext.BaseDirectory, FullSetDirectory);

    /// <summary>The logic of <see cref="FindDefaultDirectory(bool)"/> with its inputs explicit (for tests).</summary>
    internal static string FindDefaultDirectory(bool preferFullSet, string? environmentValue, string startDirectory, string fullSetDirectory)
    {
        string? setting = environmentValue?.Trim();
        if (string.Equals(setting, "full", StringComparison.OrdinalIgnoreCase))
        {
            preferFullSet = true;
        }
        else if (string.Equals(setting, "subset", StringComparison.OrdinalIgnoreCase))
        {
            preferFullSet = false;
        }
        else if (!string.IsNullOrEmpty(setting))
        {
            if (!Directory.Exists(setting))
            {
                throw new DirectoryNotFoundException(
                    $"{DataEnvironmentVariable} is '{setting}', which is not a directory; set it to a directory holding the IDX files, to 'full' or to 'subset'.");
            }

            return Path.GetFullPath(setting);
        }

        if (preferFullSet && HasData(fullSetDirectory))
        {
            return fullSetDirectory;
        }

        for (DirectoryInfo? dir = new(startDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, SubsetRelativeDirectory);
            if (HasData(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No Fashion-MNIST data found: '{SubsetRelativeDirectory}' is not in '{startDirectory}' or any folder above it" +
            (preferFullSet ? $", and the full set is not at '{fullSetDirectory}' (apt-get install dataset-fashion-mnist)" : "") +
            $". Set {DataEnvironmentVariable} to a directory holding the IDX files.");
    }

    private static bool HasData(string directory)
        => Exists(Path.Combine(directory, "train-images-idx3-ubyte")) || Exists(Path.Combine(directory, "t10k-images-idx3-ubyte"));

    private static bool Exists(string path) => File.Exists(path) || File.Exists(path + ".gz");

    private static string Locate(string directory, string name)
    {
        string plain = Path.Combine(directory, name);
        if (File.Exists(plain))
        {
            return plain;
        }

        string gz = plain + ".gz";
        if (File.Exists(gz))
        {
            return gz;
        }

        throw new FileNotFoundException($"Neither '{plain}' nor '{gz}' exists.", plain);
    }
}
