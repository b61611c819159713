using System;
using System.Runtime.InteropServices;

namespace TensorDsl.OpenCL.Native;

/// <summary>
/// Owns one OpenCL object reference and releases it exactly once (on <see cref="SafeHandle.Dispose()"/>, or from
/// the finalizer if it was never disposed). Calls take the raw value through <see cref="Lease"/>, which keeps the
/// handle from being released while a native call is using it.
/// </summary>
internal abstract class ClHandle : SafeHandle
{
    protected ClHandle(nint value)
        : base(0, ownsHandle: true)
    {
        SetHandle(value);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Adds a reference for the duration of a native call; throws <see cref="ObjectDisposedException"/> once released.</summary>
    public HandleLease Lease() => new(this);
}

/// <summary>A reference on a <see cref="ClHandle"/> held for the length of a <c>using</c> block.</summary>
internal readonly ref struct HandleLease
{
    private readonly SafeHandle _owner;

    public HandleLease(SafeHandle owner)
    {
        bool added = false;
        owner.DangerousAddRef(ref added);
        _owner = owner;
        Value = owner.DangerousGetHandle();
    }

    public nint Value { get; }

    public void Dispose() => _owner.DangerousRelease();
}

internal sealed class ClContextHandle(nint value) : ClHandle(value)
{
    protected override bool ReleaseHandle() => Cl.clReleaseContext(handle) == Cl.CL_SUCCESS;
}

internal sealed class ClQueueHandle(nint value) : ClHandle(value)
{
    protected override bool ReleaseHandle() => Cl.clReleaseCommandQueue(handle) == Cl.CL_SUCCESS;
}

internal sealed class ClMemHandle(nint value) : ClHandle(value)
{
    protected override bool ReleaseHandle() => Cl.clReleaseMemObject(handle) == Cl.CL_SUCCESS;
}

internal sealed class ClProgramHandle(nint value) : ClHandle(value)
{
    protected override bool ReleaseHandle() => Cl.clReleaseProgram(handle) == Cl.CL_SUCCESS;
}

internal sealed class ClKernelHandle(nint value) : ClHandle(value)
{
    protected override bool ReleaseHandle() => Cl.clReleaseKernel(handle) == Cl.CL_SUCCESS;
}

internal sealed class ClEventHandle(nint value) : ClHandle(value)
{
    protected override bool ReleaseHandle() => Cl.clReleaseEvent(handle) == Cl.CL_SUCCESS;
}
