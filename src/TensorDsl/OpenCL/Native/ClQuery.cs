using System;
using System.Collections.Generic;
using System.Text;

namespace TensorDsl.OpenCL.Native;

/// <summary>Reads platform, device, program and kernel information (the <c>clGet*Info</c> calls) into .NET values.</summary>
internal static unsafe class ClQuery
{
    private delegate int InfoCall(nuint size, void* value, nuint* sizeRet);

    /// <summary>Every device of every platform, in platform order. Throws when no platform exists at all.</summary>
    /// <exception cref="OpenClUnavailableException">The loader is missing or no platform (driver) is installed.</exception>
    public static List<OpenClDeviceInfo> EnumerateDevices()
    {
        ClLoader.EnsureLoaded();
        nint[] platforms;
        try
        {
            platforms = GetPlatforms();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new OpenClUnavailableException(
                $"The OpenCL ICD loader '{Cl.Library}' is present but unusable ({e.Message}). Reinstall 'ocl-icd-libopencl1'.", e);
        }

        if (platforms.Length == 0)
        {
            throw new OpenClUnavailableException(
                "No OpenCL platform is installed: the ICD loader found no driver (see /etc/OpenCL/vendors/*.icd). " +
                "Install 'pocl-opencl-icd' for a CPU device or your GPU vendor's OpenCL driver; 'clinfo -l' lists what is visible.");
        }

        var devices = new List<OpenClDeviceInfo>();
        foreach (nint platform in platforms)
        {
            string platformName = PlatformString(platform, Cl.CL_PLATFORM_NAME);
            string platformVersion = PlatformString(platform, Cl.CL_PLATFORM_VERSION);
            uint count = 0;
            int status = Cl.clGetDeviceIDs(platform, Cl.CL_DEVICE_TYPE_ALL, 0, null, &count);
            if (status != Cl.CL_SUCCESS || count == 0)
            {
                continue; // CL_DEVICE_NOT_FOUND: a platform without devices.
            }

            nint[] ids = new nint[count];
            fixed (nint* p = ids)
            {
                status = Cl.clGetDeviceIDs(platform, Cl.CL_DEVICE_TYPE_ALL, count, p, &count);
            }

            if (status != Cl.CL_SUCCESS)
            {
                continue;
            }

            for (int i = 0; i < (int)count; i++)
            {
                devices.Add(ReadDevice(platform, ids[i], platformName, platformVersion));
            }
        }

        return devices;
    }

    private static nint[] GetPlatforms()
    {
        uint count = 0;
        int status = Cl.clGetPlatformIDs(0, null, &count);
        if (status == -1001 || count == 0)
        {
            return []; // CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no vendor library.
        }

        ClErrors.Check(status, nameof(Cl.clGetPlatformIDs), "Listing OpenCL platforms.");
        nint[] platforms = new nint[count];
        fixed (nint* p = platforms)
        {
            ClErrors.Check(Cl.clGetPlatformIDs(count, p, &count), nameof(Cl.clGetPlatformIDs), "Listing OpenCL platforms.");
        }

        return platforms.AsSpan(0, (int)Math.Min(count, (uint)platforms.Length)).ToArray();
    }

    private static OpenClDeviceInfo ReadDevice(nint platform, nint device, string platformName, string platformVersion)
    {
        ulong type = DeviceValue<ulong>(device, Cl.CL_DEVICE_TYPE);
        string extensions = DeviceString(device, Cl.CL_DEVICE_EXTENSIONS);
        ulong doubleConfig = DeviceValue<ulong>(device, Cl.CL_DEVICE_DOUBLE_FP_CONFIG);
        uint dimensions = DeviceValue<uint>(device, Cl.CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS);
        var itemSizes = new long[Math.Min(dimensions, 16u)];
        if (itemSizes.Length > 0)
        {
            nuint* sizes = stackalloc nuint[itemSizes.Length];
            if (Cl.clGetDeviceInfo(device, Cl.CL_DEVICE_MAX_WORK_ITEM_SIZES, (nuint)(itemSizes.Length * sizeof(nuint)), sizes, null) == Cl.CL_SUCCESS)
            {
                for (int d = 0; d < itemSizes.Length; d++)
                {
                    itemSizes[d] = (long)sizes[d];
                }
            }
        }

        return new OpenClDeviceInfo(platform, device)
        {
            Name = DeviceString(device, Cl.CL_DEVICE_NAME),
            Vendor = DeviceString(device, Cl.CL_DEVICE_VENDOR),
            Type = (type & Cl.CL_DEVICE_TYPE_GPU) != 0 ? OpenClDeviceType.Gpu
                : (type & Cl.CL_DEVICE_TYPE_CPU) != 0 ? OpenClDeviceType.Cpu
                : (type & Cl.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? OpenClDeviceType.Accelerator
                : (type & Cl.CL_DEVICE_TYPE_CUSTOM) != 0 ? OpenClDeviceType.Custom
                : OpenClDeviceType.Other,
            Version = DeviceString(device, Cl.CL_DEVICE_VERSION),
            OpenClCVersion = DeviceString(device, Cl.CL_DEVICE_OPENCL_C_VERSION),
            DriverVersion = DeviceString(device, Cl.CL_DRIVER_VERSION),
            PlatformName = platformName,
            PlatformVersion = platformVersion,
            Extensions = extensions,
            MaxWorkGroupSize = (long)DeviceValue<nuint>(device, Cl.CL_DEVICE_MAX_WORK_GROUP_SIZE),
            MaxWorkItemSizes = itemSizes,
            LocalMemorySize = (long)DeviceValue<ulong>(device, Cl.CL_DEVICE_LOCAL_MEM_SIZE),
            GlobalMemorySize = (long)DeviceValue<ulong>(device, Cl.CL_DEVICE_GLOBAL_MEM_SIZE),
            MaxMemoryAllocationSize = (long)DeviceValue<ulong>(device, Cl.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
            ComputeUnits = (int)DeviceValue<uint>(device, Cl.CL_DEVICE_MAX_COMPUTE_UNITS),
            MaxClockFrequencyMHz = (int)DeviceValue<uint>(device, Cl.CL_DEVICE_MAX_CLOCK_FREQUENCY),
            SupportsDouble = doubleConfig != 0 || HasToken(extensions, "cl_khr_fp64"),
            IsAvailable = DeviceValue<uint>(device, Cl.CL_DEVICE_AVAILABLE) != 0,
            IsCompilerAvailable = DeviceValue<uint>(device, Cl.CL_DEVICE_COMPILER_AVAILABLE) != 0,
        };
    }

    private static bool HasToken(string list, string token)
    {
        foreach (string item in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (item == token)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A fixed-size device value, or default when the device does not answer (older versions lack some queries).</summary>
    private static T DeviceValue<T>(nint device, uint param)
        where T : unmanaged
    {
        T value = default;
        return Cl.clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null) == Cl.CL_SUCCESS ? value : default;
    }

    private static string DeviceString(nint device, uint param) =>
        ReadString((size, value, sizeRet) => Cl.clGetDeviceInfo(device, param, size, value, sizeRet)) ?? string.Empty;

    private static string PlatformString(nint platform, uint param) =>
        ReadString((size, value, sizeRet) => Cl.clGetPlatformInfo(platform, param, size, value, sizeRet)) ?? string.Empty;

    /// <summary>The build log of <paramref name="program"/> for <paramref name="device"/>; empty when unavailable.</summary>
    public static string BuildLog(nint program, nint device) =>
        ReadString((size, value, sizeRet) => Cl.clGetProgramBuildInfo(program, device, Cl.CL_PROGRAM_BUILD_LOG, size, value, sizeRet)) ?? string.Empty;

    /// <summary>The kernel names a built program defines (OpenCL 1.2+), or an empty list.</summary>
    public static string[] KernelNames(nint program)
    {
        string? names = ReadString((size, value, sizeRet) => Cl.clGetProgramInfo(program, Cl.CL_PROGRAM_KERNEL_NAMES, size, value, sizeRet));
        return names is null ? [] : names.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>A fixed-size kernel value (<c>clGetKernelInfo</c>), or default.</summary>
    public static T KernelValue<T>(nint kernel, uint param)
        where T : unmanaged
    {
        T value = default;
        return Cl.clGetKernelInfo(kernel, param, (nuint)sizeof(T), &value, null) == Cl.CL_SUCCESS ? value : default;
    }

    /// <summary>A fixed-size kernel/device value (<c>clGetKernelWorkGroupInfo</c>), or default.</summary>
    public static T KernelWorkGroupValue<T>(nint kernel, nint device, uint param)
        where T : unmanaged
    {
        T value = default;
        return Cl.clGetKernelWorkGroupInfo(kernel, device, param, (nuint)sizeof(T), &value, null) == Cl.CL_SUCCESS ? value : default;
    }

    /// <summary>Runs the two-step size/value protocol for a string query; null when the query fails.</summary>
    private static string? ReadString(InfoCall call)
    {
        nuint size = 0;
        if (call(0, null, &size) != Cl.CL_SUCCESS)
        {
            return null;
        }

        if (size == 0)
        {
            return string.Empty;
        }

        byte[] bytes = new byte[(int)size];
        fixed (byte* p = bytes)
        {
            if (call(size, p, null) != Cl.CL_SUCCESS)
            {
                return null;
            }
        }

        int length = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, length < 0 ? bytes.Length : length).Trim();
    }
}
