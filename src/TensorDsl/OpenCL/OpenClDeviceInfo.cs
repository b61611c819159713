using System;
using System.Collections.Generic;

namespace TensorDsl.OpenCL;

/// <summary>What an OpenCL device reports about itself, read once when the devices are enumerated.</summary>
public sealed class OpenClDeviceInfo
{
    internal OpenClDeviceInfo(nint platformId, nint deviceId)
    {
        PlatformId = platformId;
        DeviceId = deviceId;
    }

    internal nint PlatformId { get; }

    internal nint DeviceId { get; }

    /// <summary>The device name (<c>CL_DEVICE_NAME</c>), e.g. <c>pthread-skylake-avx512</c> or <c>NVIDIA GeForce RTX 3060</c>.</summary>
    public string Name { get; internal init; } = string.Empty;

    /// <summary>The device vendor (<c>CL_DEVICE_VENDOR</c>).</summary>
    public string Vendor { get; internal init; } = string.Empty;

    /// <summary>GPU, CPU, accelerator, ... (<c>CL_DEVICE_TYPE</c>).</summary>
    public OpenClDeviceType Type { get; internal init; }

    /// <summary>The OpenCL version the device supports (<c>CL_DEVICE_VERSION</c>), e.g. <c>OpenCL 3.0 PoCL ...</c>.</summary>
    public string Version { get; internal init; } = string.Empty;

    /// <summary>The OpenCL C language version the compiler accepts (<c>CL_DEVICE_OPENCL_C_VERSION</c>).</summary>
    public string OpenClCVersion { get; internal init; } = string.Empty;

    /// <summary>The driver version (<c>CL_DRIVER_VERSION</c>).</summary>
    public string DriverVersion { get; internal init; } = string.Empty;

    /// <summary>The name of the platform (driver) the device belongs to, e.g. <c>Portable Computing Language</c>.</summary>
    public string PlatformName { get; internal init; } = string.Empty;

    /// <summary>The platform's version string (<c>CL_PLATFORM_VERSION</c>).</summary>
    public string PlatformVersion { get; internal init; } = string.Empty;

    /// <summary>The space-separated extension list (<c>CL_DEVICE_EXTENSIONS</c>).</summary>
    public string Extensions { get; internal init; } = string.Empty;

    /// <summary>The largest work-group (product of the local size) any kernel may use (<c>CL_DEVICE_MAX_WORK_GROUP_SIZE</c>).</summary>
    public long MaxWorkGroupSize { get; internal init; }

    /// <summary>The largest local size per dimension (<c>CL_DEVICE_MAX_WORK_ITEM_SIZES</c>).</summary>
    public IReadOnlyList<long> MaxWorkItemSizes { get; internal init; } = [];

    /// <summary>Bytes of <c>__local</c> memory per work-group (<c>CL_DEVICE_LOCAL_MEM_SIZE</c>).</summary>
    public long LocalMemorySize { get; internal init; }

    /// <summary>Bytes of global memory (<c>CL_DEVICE_GLOBAL_MEM_SIZE</c>).</summary>
    public long GlobalMemorySize { get; internal init; }

    /// <summary>The largest single buffer in bytes (<c>CL_DEVICE_MAX_MEM_ALLOC_SIZE</c>).</summary>
    public long MaxMemoryAllocationSize { get; internal init; }

    /// <summary>Parallel compute units (<c>CL_DEVICE_MAX_COMPUTE_UNITS</c>): cores on a CPU, SMs/CUs on a GPU.</summary>
    public int ComputeUnits { get; internal init; }

    /// <summary>Maximum clock in MHz (<c>CL_DEVICE_MAX_CLOCK_FREQUENCY</c>).</summary>
    public int MaxClockFrequencyMHz { get; internal init; }

    /// <summary>Whether the device reports double precision: the <c>cl_khr_fp64</c> extension or a non-zero <c>CL_DEVICE_DOUBLE_FP_CONFIG</c>.</summary>
    public bool SupportsDouble { get; internal init; }

    /// <summary>Whether the device is available (<c>CL_DEVICE_AVAILABLE</c>).</summary>
    public bool IsAvailable { get; internal init; }

    /// <summary>Whether the platform can compile OpenCL C for it (<c>CL_DEVICE_COMPILER_AVAILABLE</c>).</summary>
    public bool IsCompilerAvailable { get; internal init; }

    /// <summary>Whether <see cref="Extensions"/> lists <paramref name="extension"/> (exact, case-sensitive token match).</summary>
    public bool HasExtension(string extension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(extension);
        foreach (string token in Extensions.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (token == extension)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>For example <c>pthread-skylake-avx512 (Cpu, GenuineIntel, OpenCL 3.0 PoCL, platform Portable Computing Language)</c>.</summary>
    public override string ToString() => $"{Name} ({Type}, {Vendor}, {Version}, platform {PlatformName})";
}
