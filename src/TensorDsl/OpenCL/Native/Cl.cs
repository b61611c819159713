using System;
using System.Runtime.InteropServices;

namespace TensorDsl.OpenCL.Native;

/// <summary>
/// Hand-written binding to the OpenCL ICD loader (<c>libOpenCL.so.1</c>, package <c>ocl-icd-libopencl1</c>).
/// Only the calls the runtime needs; every signature follows the Khronos <c>CL/cl.h</c> header with
/// <c>cl_int</c> = <see cref="int"/>, <c>cl_uint</c>/<c>cl_bool</c> = <see cref="uint"/>, <c>cl_bitfield</c> =
/// <see cref="ulong"/> and <c>size_t</c> = <see cref="nuint"/>. Handles are raw pointers here; ownership lives in
/// <see cref="ClHandle"/> and its subclasses. The platform default calling convention matches
/// <c>CL_API_CALL</c> (stdcall on 32-bit Windows, the C convention elsewhere), so no
/// <c>UnmanagedCallConv</c> is needed.
/// </summary>
internal static unsafe partial class Cl
{
    /// <summary>The ICD loader's file name (the versioned name, so the -dev package is not required).</summary>
    public const string Library = "libOpenCL.so.1";

    public const int CL_SUCCESS = 0;
    public const uint CL_FALSE = 0;
    public const uint CL_TRUE = 1;

    // cl_platform_info
    public const uint CL_PLATFORM_PROFILE = 0x0900;
    public const uint CL_PLATFORM_VERSION = 0x0901;
    public const uint CL_PLATFORM_NAME = 0x0902;
    public const uint CL_PLATFORM_VENDOR = 0x0903;
    public const uint CL_PLATFORM_EXTENSIONS = 0x0904;

    // cl_device_type
    public const ulong CL_DEVICE_TYPE_DEFAULT = 1 << 0;
    public const ulong CL_DEVICE_TYPE_CPU = 1 << 1;
    public const ulong CL_DEVICE_TYPE_GPU = 1 << 2;
    public const ulong CL_DEVICE_TYPE_ACCELERATOR = 1 << 3;
    public const ulong CL_DEVICE_TYPE_CUSTOM = 1 << 4;
    public const ulong CL_DEVICE_TYPE_ALL = 0xFFFFFFFF;

    // cl_device_info
    public const uint CL_DEVICE_TYPE = 0x1000;
    public const uint CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    public const uint CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS = 0x1003;
    public const uint CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    public const uint CL_DEVICE_MAX_WORK_ITEM_SIZES = 0x1005;
    public const uint CL_DEVICE_MAX_CLOCK_FREQUENCY = 0x100C;
    public const uint CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    public const uint CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    public const uint CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    public const uint CL_DEVICE_AVAILABLE = 0x1027;
    public const uint CL_DEVICE_COMPILER_AVAILABLE = 0x1028;
    public const uint CL_DEVICE_NAME = 0x102B;
    public const uint CL_DEVICE_VENDOR = 0x102C;
    public const uint CL_DRIVER_VERSION = 0x102D;
    public const uint CL_DEVICE_VERSION = 0x102F;
    public const uint CL_DEVICE_EXTENSIONS = 0x1030;
    public const uint CL_DEVICE_DOUBLE_FP_CONFIG = 0x1032;
    public const uint CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    // cl_context_properties
    public const nint CL_CONTEXT_PLATFORM = 0x1084;

    // cl_command_queue_properties / cl_queue_properties
    public const ulong CL_QUEUE_PROFILING_ENABLE = 1 << 1;
    public const ulong CL_QUEUE_PROPERTIES = 0x1093;

    // cl_mem_flags
    public const ulong CL_MEM_READ_WRITE = 1 << 0;

    // cl_program_info / cl_program_build_info
    public const uint CL_PROGRAM_NUM_KERNELS = 0x1167;
    public const uint CL_PROGRAM_KERNEL_NAMES = 0x1168;
    public const uint CL_PROGRAM_BUILD_STATUS = 0x1181;
    public const uint CL_PROGRAM_BUILD_LOG = 0x1183;

    // cl_kernel_info / cl_kernel_work_group_info
    public const uint CL_KERNEL_FUNCTION_NAME = 0x1190;
    public const uint CL_KERNEL_NUM_ARGS = 0x1191;
    public const uint CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    public const uint CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE = 0x11B3;

    // cl_profiling_info
    public const uint CL_PROFILING_COMMAND_QUEUED = 0x1280;
    public const uint CL_PROFILING_COMMAND_SUBMIT = 0x1281;
    public const uint CL_PROFILING_COMMAND_START = 0x1282;
    public const uint CL_PROFILING_COMMAND_END = 0x1283;

    // ---- platforms and devices ----

    [LibraryImport(Library)]
    public static partial int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);

    [LibraryImport(Library)]
    public static partial int clGetPlatformInfo(nint platform, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    [LibraryImport(Library)]
    public static partial int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices);

    [LibraryImport(Library)]
    public static partial int clGetDeviceInfo(nint device, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    // ---- context and queue ----

    [LibraryImport(Library)]
    public static partial nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint pfnNotify, nint userData, int* errcodeRet);

    [LibraryImport(Library)]
    public static partial int clReleaseContext(nint context);

    /// <summary>OpenCL 2.0+. Properties are a zero-terminated list of (name, value) pairs.</summary>
    [LibraryImport(Library)]
    public static partial nint clCreateCommandQueueWithProperties(nint context, nint device, ulong* properties, int* errcodeRet);

    /// <summary>OpenCL 1.x (deprecated in 2.0, still exported everywhere).</summary>
    [LibraryImport(Library)]
    public static partial nint clCreateCommandQueue(nint context, nint device, ulong properties, int* errcodeRet);

    [LibraryImport(Library)]
    public static partial int clReleaseCommandQueue(nint queue);

    [LibraryImport(Library)]
    public static partial int clFinish(nint queue);

    // ---- memory ----

    [LibraryImport(Library)]
    public static partial nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* errcodeRet);

    [LibraryImport(Library)]
    public static partial int clReleaseMemObject(nint memobj);

    [LibraryImport(Library)]
    public static partial int clEnqueueWriteBuffer(nint queue, nint buffer, uint blockingWrite, nuint offset, nuint size, void* ptr, uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clEnqueueReadBuffer(nint queue, nint buffer, uint blockingRead, nuint offset, nuint size, void* ptr, uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    /// <summary>OpenCL 1.2+.</summary>
    [LibraryImport(Library)]
    public static partial int clEnqueueFillBuffer(nint queue, nint buffer, void* pattern, nuint patternSize, nuint offset, nuint size, uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clEnqueueCopyBuffer(nint queue, nint srcBuffer, nint dstBuffer, nuint srcOffset, nuint dstOffset, nuint size, uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    // ---- programs and kernels ----

    [LibraryImport(Library)]
    public static partial nint clCreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, int* errcodeRet);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int clBuildProgram(nint program, uint numDevices, nint* deviceList, string? options, nint pfnNotify, nint userData);

    [LibraryImport(Library)]
    public static partial int clGetProgramBuildInfo(nint program, nint device, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    [LibraryImport(Library)]
    public static partial int clGetProgramInfo(nint program, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    [LibraryImport(Library)]
    public static partial int clReleaseProgram(nint program);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint clCreateKernel(nint program, string kernelName, int* errcodeRet);

    [LibraryImport(Library)]
    public static partial int clGetKernelInfo(nint kernel, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    [LibraryImport(Library)]
    public static partial int clGetKernelWorkGroupInfo(nint kernel, nint device, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    [LibraryImport(Library)]
    public static partial int clReleaseKernel(nint kernel);

    [LibraryImport(Library)]
    public static partial int clSetKernelArg(nint kernel, uint argIndex, nuint argSize, void* argValue);

    [LibraryImport(Library)]
    public static partial int clEnqueueNDRangeKernel(nint queue, nint kernel, uint workDim, nuint* globalWorkOffset, nuint* globalWorkSize, nuint* localWorkSize, uint numEventsInWaitList, nint* eventWaitList, nint* evt);

    // ---- events ----

    [LibraryImport(Library)]
    public static partial int clWaitForEvents(uint numEvents, nint* eventList);

    [LibraryImport(Library)]
    public static partial int clGetEventProfilingInfo(nint evt, uint paramName, nuint paramValueSize, void* paramValue, nuint* paramValueSizeRet);

    [LibraryImport(Library)]
    public static partial int clReleaseEvent(nint evt);
}
