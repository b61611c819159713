using System;

namespace TensorDsl.OpenCL;

/// <summary>
/// OpenCL cannot be used in this process. The message says what is missing and how to get it: the ICD loader
/// <c>libOpenCL.so.1</c> (package <c>ocl-icd-libopencl1</c>), any platform/driver (e.g. <c>pocl-opencl-icd</c> for
/// CPUs, or a GPU vendor driver), a device matching the requested kind or name, or a device feature such as
/// double precision.
/// </summary>
public class OpenClUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception with a message naming what is missing.</summary>
    public OpenClUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message naming what is missing, and the underlying failure.</summary>
    public OpenClUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
