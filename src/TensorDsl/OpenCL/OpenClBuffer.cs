using System;
using TensorDsl.OpenCL.Native;

namespace TensorDsl.OpenCL;

/// <summary>The untyped view of a device buffer that kernel arguments need.</summary>
internal interface IOpenClMemory
{
    ClMemHandle Handle { get; }

    OpenClRuntime Runtime { get; }

    string Describe();
}

/// <summary>
/// A device buffer of <see cref="Length"/> elements of <typeparamref name="T"/>, read-write for kernels, created by
/// <see cref="OpenClRuntime.Allocate{T}"/> or <see cref="OpenClRuntime.Upload{T}(ReadOnlySpan{T})"/>.
/// <para>
/// All transfers go through the runtime's single in-order queue, so they are ordered after every kernel enqueued
/// before them. <see cref="Upload(ReadOnlySpan{T})"/>, <see cref="Download(Span{T})"/> and <see cref="ToArray"/>
/// block until the data has moved (and therefore until earlier kernels finished); <see cref="Clear"/> and
/// <see cref="CopyTo"/> are only enqueued. Methods may be called from several threads. Dispose releases the device
/// memory; a forgotten buffer is released by its finalizer.
/// </para>
/// </summary>
/// <typeparam name="T">The element type, e.g. <see cref="float"/>; must match the kernel parameter's element type.</typeparam>
public sealed unsafe class OpenClBuffer<T> : IOpenClMemory, IDisposable
    where T : unmanaged
{
    private readonly ClMemHandle _handle;

    internal OpenClBuffer(OpenClRuntime runtime, ClMemHandle handle, int length)
    {
        Runtime = runtime;
        _handle = handle;
        Length = length;
    }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The size in bytes (<see cref="Length"/> × <c>sizeof(T)</c>).</summary>
    public long SizeInBytes => (long)Length * sizeof(T);

    /// <summary>The runtime (context and queue) the buffer belongs to; it can only be used with that runtime's kernels.</summary>
    public OpenClRuntime Runtime { get; }

    ClMemHandle IOpenClMemory.Handle => _handle;

    /// <summary>Copies all of <paramref name="source"/> into the buffer and waits until done.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not exactly <see cref="Length"/> long.</exception>
    public void Upload(ReadOnlySpan<T> source)
    {
        if (source.Length != Length)
        {
            throw new ArgumentException($"The source has {source.Length} elements but the buffer holds {Length}.", nameof(source));
        }

        Upload(source, 0);
    }

    /// <summary>Copies <paramref name="source"/> into the buffer starting at element <paramref name="offset"/>, and waits until done.</summary>
    public void Upload(ReadOnlySpan<T> source, int offset)
    {
        CheckRange(offset, source.Length, nameof(source));
        if (source.IsEmpty)
        {
            return;
        }

        using HandleLease queue = Runtime.LeaseQueue();
        using HandleLease mem = _handle.Lease();
        fixed (T* p = source)
        {
            ClErrors.Check(
                Cl.clEnqueueWriteBuffer(queue.Value, mem.Value, Cl.CL_TRUE, (nuint)offset * (nuint)sizeof(T), (nuint)source.Length * (nuint)sizeof(T), p, 0, null, null),
                nameof(Cl.clEnqueueWriteBuffer),
                $"Uploading {source.Length} elements to {Describe()} at offset {offset}.");
        }
    }

    /// <summary>Copies the whole buffer into <paramref name="destination"/>, after every kernel enqueued before; waits until done.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not exactly <see cref="Length"/> long.</exception>
    public void Download(Span<T> destination)
    {
        if (destination.Length != Length)
        {
            throw new ArgumentException($"The destination has {destination.Length} elements but the buffer holds {Length}.", nameof(destination));
        }

        Download(destination, 0);
    }

    /// <summary>Copies <c>destination.Length</c> elements starting at element <paramref name="offset"/> into <paramref name="destination"/>; waits until done.</summary>
    public void Download(Span<T> destination, int offset)
    {
        CheckRange(offset, destination.Length, nameof(destination));
        if (destination.IsEmpty)
        {
            return;
        }

        using HandleLease queue = Runtime.LeaseQueue();
        using HandleLease mem = _handle.Lease();
        fixed (T* p = destination)
        {
            ClErrors.Check(
                Cl.clEnqueueReadBuffer(queue.Value, mem.Value, Cl.CL_TRUE, (nuint)offset * (nuint)sizeof(T), (nuint)destination.Length * (nuint)sizeof(T), p, 0, null, null),
                nameof(Cl.clEnqueueReadBuffer),
                $"Downloading {destination.Length} elements from {Describe()} at offset {offset}.");
        }
    }

    /// <summary>Downloads the buffer into a new array.</summary>
    public T[] ToArray()
    {
        T[] result = new T[Length];
        Download(result);
        return result;
    }

    /// <summary>Enqueues setting every byte to zero (does not wait).</summary>
    public void Clear()
    {
        if (Length == 0)
        {
            return;
        }

        Runtime.FillZero(_handle, (nuint)SizeInBytes, Describe());
    }

    /// <summary>
    /// Enqueues copying the whole buffer into the start of <paramref name="destination"/> (does not wait). The
    /// destination must belong to the same runtime and be at least as long.
    /// </summary>
    public void CopyTo(OpenClBuffer<T> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!ReferenceEquals(destination.Runtime, Runtime))
        {
            throw new ArgumentException("The destination buffer belongs to a different OpenClRuntime.", nameof(destination));
        }

        if (destination.Length < Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} elements, fewer than the {Length} to copy.", nameof(destination));
        }

        if (Length == 0 || ReferenceEquals(destination, this))
        {
            return;
        }

        using HandleLease queue = Runtime.LeaseQueue();
        using HandleLease source = _handle.Lease();
        using HandleLease target = destination._handle.Lease();
        ClErrors.Check(
            Cl.clEnqueueCopyBuffer(queue.Value, source.Value, target.Value, 0, 0, (nuint)SizeInBytes, 0, null, null),
            nameof(Cl.clEnqueueCopyBuffer),
            $"Copying {Describe()} to {destination.Describe()}.");
    }

    /// <summary>Releases the device memory. Kernels already enqueued on it still complete (OpenCL keeps it alive until then).</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>For example <c>OpenClBuffer&lt;Single&gt;[1024]</c>.</summary>
    public override string ToString() => Describe();

    string IOpenClMemory.Describe() => Describe();

    private string Describe() => $"OpenClBuffer<{typeof(T).Name}>[{Length}]";

    private void CheckRange(int offset, int count, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if ((long)offset + count > Length)
        {
            throw new ArgumentException($"{count} elements at offset {offset} do not fit in {Describe()}.", paramName);
        }
    }
}
