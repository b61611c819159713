using System;
using System.IO;

namespace TensorDsl.Tests.Data;

/// <summary>Finds files of the repository from the test's build output by walking up to the folder holding TensorDsl.sln.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string FashionMnistSubset => Path.Combine(Root, "data", "fashion-mnist-subset");

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TensorDsl.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"TensorDsl.sln is not in '{AppContext.BaseDirectory}' or any folder above it.");
    }
}
