using System;
using System.Collections.Generic;
using TensorDsl.OpenCL;
using TensorDsl.OpenCL.Native;
using Xunit;

namespace TensorDsl.Tests.OpenCL;

[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public sealed class OpenClDeviceSelectionTests
{
    private static readonly OpenClDeviceInfo Cpu = Fake("pthread-skylake-avx512", OpenClDeviceType.Cpu);
    private static readonly OpenClDeviceInfo Gpu = Fake("NVIDIA GeForce RTX 3060", OpenClDeviceType.Gpu);
    private static readonly OpenClDeviceInfo Accelerator = Fake("FPGA emulator", OpenClDeviceType.Accelerator);
    private static readonly OpenClDeviceInfo OfflineGpu = Fake("Offline GPU", OpenClDeviceType.Gpu, available: false);

    [Fact]
    public void DefaultPrefersGpuThenCpuThenAny()
    {
        Assert.Same(Gpu, OpenClDeviceSelector.Select([Accelerator, Cpu, Gpu], OpenClDeviceKind.Default, null, null));
        Assert.Same(Cpu, OpenClDeviceSelector.Select([Accelerator, Cpu, OfflineGpu], OpenClDeviceKind.Default, null, null));
        Assert.Same(Accelerator, OpenClDeviceSelector.Select([Accelerator], OpenClDeviceKind.Default, null, null));
        Assert.Same(Accelerator, OpenClDeviceSelector.Select([Accelerator, Cpu, Gpu], OpenClDeviceKind.Any, null, null));
    }

    [Fact]
    public void EnvironmentSelectsKindOrNameSubstring()
    {
        IReadOnlyList<OpenClDeviceInfo> devices = [Cpu, Gpu];

        Assert.Same(Cpu, OpenClDeviceSelector.Select(devices, OpenClDeviceKind.Default, null, "cpu"));
        Assert.Same(Cpu, OpenClDeviceSelector.Select(devices, OpenClDeviceKind.Default, null, " CPU "));
        Assert.Same(Gpu, OpenClDeviceSelector.Select(devices, OpenClDeviceKind.Default, null, "gpu"));
        Assert.Same(Gpu, OpenClDeviceSelector.Select(devices, OpenClDeviceKind.Default, null, "rtx"));
        Assert.Same(Cpu, OpenClDeviceSelector.Select(devices, OpenClDeviceKind.Default, null, "skylake"));
    }

    [Fact]
    public void CodeSettingsWinOverTheEnvironment()
    {
        IReadOnlyList<OpenClDeviceInfo> devices = [Cpu, Gpu];

        Assert.Same(Cpu, OpenClDeviceSelector.Select(devices, OpenClDeviceKind.Cpu, null, "gpu"));
        Assert.Same(Gpu, OpenClDeviceSelector.Select(devices, OpenClDeviceKind.Default, "GeForce", "cpu"));
    }

    [Fact]
    public void MissingKindNamesWhatToInstall()
    {
        OpenClUnavailableException error = Assert.Throws<OpenClUnavailableException>(
            () => OpenClDeviceSelector.Select([Cpu], OpenClDeviceKind.Gpu, null, null));

        Assert.Contains("GPU", error.Message, StringComparison.Ordinal);
        Assert.Contains("pthread-skylake-avx512", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoDevicesNamesThePackage()
    {
        OpenClUnavailableException error = Assert.Throws<OpenClUnavailableException>(
            () => OpenClDeviceSelector.Select([], OpenClDeviceKind.Default, null, null));

        Assert.Contains("pocl-opencl-icd", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnmatchedEnvironmentNameOnRealDevicesNamesTheValue()
    {
        _ = OpenClTestSupport.Runtime; // fails with the reason when OpenCL itself is missing

        OpenClUnavailableException error = Assert.Throws<OpenClUnavailableException>(
            () => OpenClRuntime.SelectDevice(OpenClDeviceKind.Default, null, "no-such-device-qx7"));

        Assert.Contains("no-such-device-qx7", error.Message, StringComparison.Ordinal);
        Assert.Contains(OpenClRuntime.DeviceEnvironmentVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains(OpenClRuntime.Shared.Device.Name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnmatchedEnvironmentVariableMakesCreateThrow()
    {
        _ = OpenClTestSupport.Runtime; // Shared exists before the variable changes, so it is not affected.
        string? saved = Environment.GetEnvironmentVariable(OpenClRuntime.DeviceEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(OpenClRuntime.DeviceEnvironmentVariable, "definitely-not-a-device-9z");
            OpenClUnavailableException error = Assert.Throws<OpenClUnavailableException>(() => OpenClRuntime.Create());
            Assert.Contains("definitely-not-a-device-9z", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(OpenClRuntime.DeviceEnvironmentVariable, saved);
        }
    }

    [Fact]
    public void RealDeviceCanBeSelectedByItsOwnName()
    {
        OpenClDeviceInfo shared = OpenClTestSupport.Runtime.Device;
        IReadOnlyList<OpenClDeviceInfo> devices = OpenClRuntime.GetDevices();

        Assert.Contains(devices, d => d.Name == shared.Name);
        OpenClDeviceInfo chosen = OpenClRuntime.SelectDevice(OpenClDeviceKind.Default, null, shared.Name.ToUpperInvariant());
        Assert.Equal(shared.Name, chosen.Name);
    }

    [Fact]
    public void SeparateRuntimeWorksAndDisposes()
    {
        OpenClDeviceInfo device = OpenClTestSupport.Runtime.Device;
        OpenClRuntime runtime = OpenClRuntime.Create(device);
        Assert.False(runtime.IsShared);
        Assert.NotSame(OpenClRuntime.Shared, runtime);

        using (OpenClBuffer<int> buffer = runtime.Upload<int>([4, 5, 6]))
        {
            Assert.Equal([4, 5, 6], buffer.ToArray());

            // A buffer from another runtime is refused.
            using OpenClBuffer<int> other = OpenClRuntime.Shared.Allocate<int>(3);
            Assert.Throws<ArgumentException>(() => buffer.CopyTo(other));
        }

        runtime.Dispose();
        runtime.Dispose();
        Assert.Throws<ObjectDisposedException>(() => runtime.Allocate<float>(1));
        Assert.Throws<ObjectDisposedException>(() => runtime.GetKernel("__kernel void k() {}", "k"));
    }

    [Fact]
    public void SharedIgnoresDisposeAndRejectsLateDevicePreference()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        runtime.Dispose();
        using (OpenClBuffer<int> buffer = runtime.Upload<int>([1]))
        {
            Assert.Equal([1], buffer.ToArray());
        }

        OpenClDeviceKind other = OpenClRuntime.PreferredDevice == OpenClDeviceKind.Cpu ? OpenClDeviceKind.Gpu : OpenClDeviceKind.Cpu;
        Assert.Throws<InvalidOperationException>(() => OpenClRuntime.PreferredDevice = other);
        Assert.Throws<InvalidOperationException>(() => OpenClRuntime.PreferredDeviceName = "something-else-entirely");
        OpenClRuntime.PreferredDevice = OpenClRuntime.PreferredDevice; // unchanged values are allowed
    }

    [Fact]
    public void ErrorCodesHaveTheirNames()
    {
        Assert.Equal("CL_INVALID_WORK_GROUP_SIZE", ClErrors.Name(-54));
        Assert.Equal("CL_BUILD_PROGRAM_FAILURE", ClErrors.Name(-11));
        Assert.Equal("CL_PLATFORM_NOT_FOUND_KHR", ClErrors.Name(-1001));
        Assert.Equal("CL_UNKNOWN_ERROR(-9999)", ClErrors.Name(-9999));

        var error = new OpenClException(-5, "clFinish", "Waiting.");
        Assert.Equal("clFinish failed with CL_OUT_OF_RESOURCES (-5). Waiting.", error.Message);
    }

    private static OpenClDeviceInfo Fake(string name, OpenClDeviceType type, bool available = true) =>
        new(0, 0)
        {
            Name = name,
            Type = type,
            Vendor = "Test",
            Version = "OpenCL 3.0",
            IsAvailable = available,
            IsCompilerAvailable = true,
        };
}
