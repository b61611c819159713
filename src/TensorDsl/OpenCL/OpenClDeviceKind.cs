namespace TensorDsl.OpenCL;

/// <summary>Which kind of device <see cref="OpenClRuntime"/> should pick (see <see cref="OpenClRuntime.PreferredDevice"/>).</summary>
public enum OpenClDeviceKind
{
    /// <summary>
    /// No preference set in code: use the <c>TENSORDSL_OPENCL_DEVICE</c> environment variable if set, otherwise a
    /// GPU first, then a CPU, then any other device.
    /// </summary>
    Default = 0,

    /// <summary>Only GPUs.</summary>
    Gpu,

    /// <summary>Only CPUs (e.g. PoCL).</summary>
    Cpu,

    /// <summary>The first available device of any type, in platform order.</summary>
    Any,
}

/// <summary>The type an OpenCL device reports (<c>CL_DEVICE_TYPE</c>).</summary>
public enum OpenClDeviceType
{
    /// <summary>None of the types below.</summary>
    Other = 0,

    /// <summary><c>CL_DEVICE_TYPE_CPU</c>.</summary>
    Cpu,

    /// <summary><c>CL_DEVICE_TYPE_GPU</c>.</summary>
    Gpu,

    /// <summary><c>CL_DEVICE_TYPE_ACCELERATOR</c>.</summary>
    Accelerator,

    /// <summary><c>CL_DEVICE_TYPE_CUSTOM</c>.</summary>
    Custom,
}
