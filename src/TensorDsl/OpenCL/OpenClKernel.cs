using TensorDsl.OpenCL.Native;

namespace TensorDsl.OpenCL;

/// <summary>
/// A compiled kernel, obtained from <see cref="OpenClRuntime.GetKernel(string, string)"/> and owned (cached and
/// released) by its runtime. Launch it with <see cref="OpenClRuntime.Run"/>; launches of one kernel are serialized on
/// an internal lock because OpenCL kernel arguments are per-object state, while different kernels launch in parallel.
/// </summary>
public sealed class OpenClKernel
{
    internal OpenClKernel(OpenClRuntime runtime, ClKernelHandle handle, string name, int argumentCount, long workGroupSize, long preferredMultiple)
    {
        Runtime = runtime;
        Handle = handle;
        Name = name;
        ArgumentCount = argumentCount;
        WorkGroupSize = workGroupSize;
        PreferredWorkGroupSizeMultiple = preferredMultiple;
    }

    /// <summary>The kernel function's name.</summary>
    public string Name { get; }

    /// <summary>The runtime the kernel was built for.</summary>
    public OpenClRuntime Runtime { get; }

    /// <summary>How many parameters the kernel declares; <see cref="OpenClRuntime.Run"/> requires exactly this many arguments.</summary>
    public int ArgumentCount { get; }

    /// <summary>The largest work-group this kernel can run with on the device (<c>CL_KERNEL_WORK_GROUP_SIZE</c>).</summary>
    public long WorkGroupSize { get; }

    /// <summary>The work-group size multiple the device runs best with (<c>CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE</c>).</summary>
    public long PreferredWorkGroupSizeMultiple { get; }

    internal ClKernelHandle Handle { get; }

    /// <summary>Held while arguments are set and the launch is enqueued.</summary>
    internal object SyncRoot { get; } = new();

    /// <summary>The kernel name.</summary>
    public override string ToString() => Name;
}
