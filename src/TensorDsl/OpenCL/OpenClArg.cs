using System;

namespace TensorDsl.OpenCL;

/// <summary>
/// One kernel argument for <see cref="OpenClRuntime.Run"/>: a buffer, a scalar, or a size of <c>__local</c>
/// memory. Buffers and scalars convert implicitly, so generated code writes
/// <c>runtime.Run(kernel, global, local, input, output, n, 0.5f)</c>. A scalar's C# type must match the kernel
/// parameter's OpenCL C type (<see cref="int"/> = <c>int</c>, <see cref="float"/> = <c>float</c>,
/// <see cref="double"/> = <c>double</c>, <see cref="long"/> = <c>long</c>); a mismatch fails with
/// <c>CL_INVALID_ARG_SIZE</c>.
/// </summary>
public readonly struct OpenClArg
{
    internal enum ArgKind : byte
    {
        None = 0,
        Buffer,
        Scalar,
        Local,
    }

    private readonly IOpenClMemory? _buffer;
    private readonly ulong _bits;
    private readonly nuint _size;
    private readonly ArgKind _kind;

    private OpenClArg(IOpenClMemory buffer)
    {
        _buffer = buffer;
        _kind = ArgKind.Buffer;
    }

    private OpenClArg(ulong bits, nuint size, ArgKind kind)
    {
        _bits = bits;
        _size = size;
        _kind = kind;
    }

    internal ArgKind Kind => _kind;

    internal IOpenClMemory? Buffer => _buffer;

    internal ulong Bits => _bits;

    internal nuint Size => _size;

    /// <summary>A buffer of any element type (<c>__global T*</c> parameter).</summary>
    public static OpenClArg FromBuffer<T>(OpenClBuffer<T> buffer)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return new OpenClArg(buffer);
    }

    /// <summary>Any unmanaged scalar of at most 8 bytes, passed by value with its exact size.</summary>
    public static unsafe OpenClArg FromScalar<T>(T value)
        where T : unmanaged
    {
        if (sizeof(T) > sizeof(ulong))
        {
            throw new ArgumentException($"Scalar kernel arguments are limited to 8 bytes; {typeof(T).Name} has {sizeof(T)}.", nameof(value));
        }

        ulong bits = 0;
        *(T*)&bits = value;
        return new OpenClArg(bits, (nuint)sizeof(T), ArgKind.Scalar);
    }

    /// <summary>
    /// A <c>__local</c> memory parameter of <paramref name="bytes"/> bytes per work-group (OpenCL passes a size
    /// and no value for these).
    /// </summary>
    public static OpenClArg LocalMemory(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        return new OpenClArg(0, (nuint)bytes, ArgKind.Local);
    }

    /// <summary>A <c>__global float*</c> parameter.</summary>
    public static implicit operator OpenClArg(OpenClBuffer<float> buffer) => FromBuffer(buffer);

    /// <summary>A <c>__global double*</c> parameter.</summary>
    public static implicit operator OpenClArg(OpenClBuffer<double> buffer) => FromBuffer(buffer);

    /// <summary>A <c>__global int*</c> parameter.</summary>
    public static implicit operator OpenClArg(OpenClBuffer<int> buffer) => FromBuffer(buffer);

    /// <summary>An <c>int</c> parameter.</summary>
    public static implicit operator OpenClArg(int value) => FromScalar(value);

    /// <summary>A <c>long</c> parameter (64-bit in OpenCL C).</summary>
    public static implicit operator OpenClArg(long value) => FromScalar(value);

    /// <summary>A <c>float</c> parameter.</summary>
    public static implicit operator OpenClArg(float value) => FromScalar(value);

    /// <summary>A <c>double</c> parameter (the device must support <c>cl_khr_fp64</c>).</summary>
    public static implicit operator OpenClArg(double value) => FromScalar(value);

    /// <summary>Describes the argument for error messages.</summary>
    public override string ToString() => _kind switch
    {
        ArgKind.Buffer => "buffer",
        ArgKind.Scalar => $"{_size}-byte scalar",
        ArgKind.Local => $"__local {_size} bytes",
        _ => "unset argument",
    };
}
