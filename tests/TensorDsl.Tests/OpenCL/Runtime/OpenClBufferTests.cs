using System;
using System.IO;
using TensorDsl.OpenCL;
using TensorDsl.OpenCL.Native;
using Xunit;

namespace TensorDsl.Tests.OpenCL;

[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public sealed class OpenClBufferTests
{
    [Fact]
    public void SharedRuntimeReportsItsDevice()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        OpenClDeviceInfo device = runtime.Device;

        Assert.True(runtime.IsShared);
        Assert.Same(runtime, OpenClRuntime.Shared);
        Assert.False(string.IsNullOrWhiteSpace(device.Name));
        Assert.StartsWith("OpenCL ", device.Version, StringComparison.Ordinal);
        Assert.True(device.MaxWorkGroupSize >= 1);
        Assert.True(device.ComputeUnits >= 1);
        Assert.True(device.LocalMemorySize > 0);
        Assert.NotEqual(OpenClDeviceType.Other, device.Type);
        Assert.Equal(device.HasExtension("cl_khr_fp64") || device.SupportsDouble, device.SupportsDouble);
    }

    [Fact]
    public void PoclCacheDirectoryIsSetAndWritable()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        string? directory = Environment.GetEnvironmentVariable("POCL_CACHE_DIR");

        Assert.False(string.IsNullOrEmpty(directory));
        Assert.True(Directory.Exists(directory), $"POCL_CACHE_DIR '{directory}' does not exist.");
        Assert.Equal(directory, ClLoader.GetNativeEnvironmentVariable("POCL_CACHE_DIR"));
        if (runtime.Device.PlatformName.Contains("Portable Computing Language", StringComparison.Ordinal))
        {
            // PoCL only sees the variable if it reached the native environment; it then caches builds there.
            _ = runtime.GetKernel("__kernel void pocl_cache_probe(__global int* x) { x[0] = 1; }", "pocl_cache_probe");
            Assert.NotEmpty(Directory.EnumerateFileSystemEntries(directory!));
        }
    }

    [Fact]
    public void UploadThenDownloadRoundTrips()
    {
        float[] data = OpenClTestSupport.RandomFloats(1000, seed: 1);
        using OpenClBuffer<float> buffer = OpenClTestSupport.Runtime.Upload<float>(data);

        Assert.Equal(1000, buffer.Length);
        Assert.Equal(4000, buffer.SizeInBytes);
        Assert.Equal(data, buffer.ToArray());
    }

    [Fact]
    public void UploadIntoExistingBufferReplacesContents()
    {
        using OpenClBuffer<int> buffer = OpenClTestSupport.Runtime.Allocate<int>(5);
        buffer.Upload([1, 2, 3, 4, 5]);
        buffer.Upload([9, 8], offset: 3);

        int[] result = new int[5];
        buffer.Download(result);
        Assert.Equal([1, 2, 3, 9, 8], result);

        int[] tail = new int[2];
        buffer.Download(tail, offset: 1);
        Assert.Equal([2, 3], tail);
    }

    [Fact]
    public void AllocateIsZeroFilled()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;

        // Dirty some device memory first, so a recycled allocation would show non-zero bytes if the fill were missing.
        for (int round = 0; round < 4; round++)
        {
            float[] ones = new float[4096];
            Array.Fill(ones, 1.5f);
            using (runtime.Upload<float>(ones))
            {
            }

            using OpenClBuffer<float> fresh = runtime.Allocate<float>(4096);
            Assert.All(fresh.ToArray(), value => Assert.Equal(0f, value));
        }
    }

    [Fact]
    public void ClearZeroesTheBuffer()
    {
        using OpenClBuffer<double> buffer = OpenClTestSupport.Runtime.Upload<double>([1.0, 2.0, 3.0]);
        Assert.Equal([1.0, 2.0, 3.0], buffer.ToArray());

        buffer.Clear();

        Assert.Equal([0.0, 0.0, 0.0], buffer.ToArray());
    }

    [Fact]
    public void CopyToCopiesIntoTheStartOfTheDestination()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<int> source = runtime.Upload<int>([7, 8, 9]);
        using OpenClBuffer<int> destination = runtime.Upload<int>([1, 1, 1, 1, 1]);

        source.CopyTo(destination);

        Assert.Equal([7, 8, 9, 1, 1], destination.ToArray());
        Assert.Equal([7, 8, 9], source.ToArray());
    }

    [Fact]
    public void CopyToShorterDestinationThrows()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<int> source = runtime.Allocate<int>(4);
        using OpenClBuffer<int> destination = runtime.Allocate<int>(3);

        Assert.Throws<ArgumentException>(() => source.CopyTo(destination));
    }

    [Fact]
    public void MismatchedLengthsThrow()
    {
        using OpenClBuffer<float> buffer = OpenClTestSupport.Runtime.Allocate<float>(4);

        Assert.Throws<ArgumentException>(() => buffer.Upload(new float[3]));
        Assert.Throws<ArgumentException>(() => buffer.Download(new float[5]));
        Assert.Throws<ArgumentException>(() => buffer.Upload(new float[2], offset: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OpenClTestSupport.Runtime.Allocate<float>(-1));
    }

    [Fact]
    public void EmptyBuffersWork()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<float> empty = runtime.Allocate<float>(0);
        using OpenClBuffer<float> uploaded = runtime.Upload<float>([]);

        Assert.Empty(empty.ToArray());
        Assert.Empty(uploaded.ToArray());
        empty.Clear();
        empty.CopyTo(uploaded);
    }

    [Fact]
    public void DisposedBufferThrowsObjectDisposed()
    {
        OpenClBuffer<float> buffer = OpenClTestSupport.Runtime.Allocate<float>(8);
        buffer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => buffer.ToArray());
    }
}
