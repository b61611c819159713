using System;
using TensorDsl.OpenCL;
using Xunit;

namespace TensorDsl.Tests.OpenCL;

/// <summary>
/// The OpenCL runtime tests share one collection so that they do not run in parallel with each other (one of them
/// changes a process environment variable; the rest share <see cref="OpenClRuntime.Shared"/>).
/// </summary>
[CollectionDefinition(Name)]
public sealed class OpenClCollection
{
    public const string Name = "OpenCL runtime";
}

internal static class OpenClTestSupport
{
    /// <summary>The shared runtime, or a test failure that says why OpenCL is unavailable (CI installs PoCL, so this must not be skipped).</summary>
    public static OpenClRuntime Runtime
    {
        get
        {
            if (!OpenClRuntime.TryGetShared(out OpenClRuntime? runtime, out string reason))
            {
                Assert.Fail("OpenCL is unavailable: " + reason);
            }

            return runtime!;
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative = 1e-5, double absolute = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = Math.Max(absolute, relative * Math.Abs(expected[i]));
            if (Math.Abs(expected[i] - actual[i]) > tolerance || float.IsNaN(actual[i]))
            {
                Assert.Fail($"Element {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3}).");
            }
        }
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double relative = 1e-12, double absolute = 1e-14)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = Math.Max(absolute, relative * Math.Abs(expected[i]));
            if (Math.Abs(expected[i] - actual[i]) > tolerance || double.IsNaN(actual[i]))
            {
                Assert.Fail($"Element {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3}).");
            }
        }
    }

    public static float[] RandomFloats(int count, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextDouble() * 2.0 - 1.0);
        }

        return values;
    }
}
