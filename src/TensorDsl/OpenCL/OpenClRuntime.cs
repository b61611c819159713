using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using TensorDsl.OpenCL.Native;

namespace TensorDsl.OpenCL;

/// <summary>
/// One OpenCL device with its context and a single in-order command queue: the object generated OpenCL operators
/// run on, normally through <see cref="Shared"/>.
/// <para>
/// <b>Device selection.</b> <see cref="Shared"/> is created on first use, once per process, on the device chosen by
/// these rules, first match wins:
/// </para>
/// <list type="number">
/// <item><description>In code, before first use: <see cref="PreferredDevice"/> (<see cref="OpenClDeviceKind.Gpu"/>,
/// <see cref="OpenClDeviceKind.Cpu"/> or <see cref="OpenClDeviceKind.Any"/>) and/or <see cref="PreferredDeviceName"/>
/// (a case-insensitive substring of the device name). When either is set the environment is ignored.</description></item>
/// <item><description>The environment variable <c>TENSORDSL_OPENCL_DEVICE</c> (<see cref="DeviceEnvironmentVariable"/>):
/// <c>gpu</c>, <c>cpu</c>, <c>any</c>, or a case-insensitive substring of the device name (e.g. <c>RTX</c>,
/// <c>pthread</c>).</description></item>
/// <item><description>Otherwise the first GPU, else the first CPU, else the first device of any type.</description></item>
/// </list>
/// <para>
/// If nothing matches, or OpenCL is missing, <see cref="Shared"/> throws <see cref="OpenClUnavailableException"/>
/// naming what is missing (<c>libOpenCL.so.1</c> from <c>ocl-icd-libopencl1</c>; a driver such as
/// <c>pocl-opencl-icd</c>; or a device matching the request). <see cref="TryGetShared"/> reports the same reason
/// without throwing, and <see cref="GetDevices"/> lists what is installed. A failed attempt is not remembered: the
/// next access tries again.
/// </para>
/// <para>
/// <b>Caching.</b> <see cref="GetKernel(string, string)"/> compiles each distinct program source (plus build options)
/// once per runtime and keeps the program; each kernel name within it is created once and the same
/// <see cref="OpenClKernel"/> object is returned afterwards. Failed builds are not cached.
/// </para>
/// <para>
/// <b>Threading.</b> All members are thread-safe. <see cref="Run"/> only enqueues; buffer downloads (and
/// <see cref="Finish"/>) wait, and because the queue is in order, a download always sees the results of every kernel
/// enqueued before it.
/// </para>
/// <para>
/// <b>PoCL.</b> PoCL (the CPU driver) needs a writable cache directory in <c>POCL_CACHE_DIR</c>; when the process has
/// none, one is created under the temp folder (<c>tensordsl-pocl-cache-&lt;user&gt;</c>) and set in the native
/// environment before OpenCL is first loaded.
/// </para>
/// </summary>
public sealed unsafe partial class OpenClRuntime : IDisposable
{
    /// <summary>The environment variable that selects the device when code does not: <c>gpu</c>, <c>cpu</c>, <c>any</c> or part of a device name.</summary>
    public const string DeviceEnvironmentVariable = "TENSORDSL_OPENCL_DEVICE";

    private static readonly object s_sharedLock = new();
    private static OpenClRuntime? s_shared;
    private static OpenClDeviceKind s_preferredDevice;
    private static string? s_preferredDeviceName;

    private readonly ClContextHandle _context;
    private readonly ClQueueHandle _queue;
    private readonly ConcurrentDictionary<ProgramKey, Lazy<ProgramEntry>> _programs = new();
    private readonly object _disposeLock = new();
    private volatile bool _disposed;

    private OpenClRuntime(OpenClDeviceInfo device, bool isShared)
    {
        Device = device;
        IsShared = isShared;
        nint deviceId = device.DeviceId;
        nint* properties = stackalloc nint[3] { Cl.CL_CONTEXT_PLATFORM, device.PlatformId, 0 };
        int status;
        nint context = Cl.clCreateContext(properties, 1, &deviceId, 0, 0, &status);
        _context = new ClContextHandle(status == Cl.CL_SUCCESS ? context : 0);
        ClErrors.Check(status, nameof(Cl.clCreateContext), $"Creating a context on {device}.");
        try
        {
            _queue = new ClQueueHandle(CreateQueue(context, deviceId, device));
        }
        catch
        {
            _context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The process-wide runtime, created on first access under a lock on the device chosen as described on
    /// <see cref="OpenClRuntime"/>. Its <see cref="Dispose"/> does nothing: it lives as long as the process.
    /// </summary>
    /// <exception cref="OpenClUnavailableException">OpenCL, a driver, or a matching device is missing; the message says which and how to install it.</exception>
    public static OpenClRuntime Shared => Volatile.Read(ref s_shared) ?? CreateShared();

    /// <summary>Whether <see cref="Shared"/> has been created in this process.</summary>
    public static bool IsSharedCreated => Volatile.Read(ref s_shared) is not null;

    /// <summary>
    /// The kind of device <see cref="Shared"/> should use. Set it before first use; changing it afterwards throws
    /// <see cref="InvalidOperationException"/>. <see cref="OpenClDeviceKind.Default"/> (the initial value) defers to
    /// <c>TENSORDSL_OPENCL_DEVICE</c> and then to GPU-then-CPU-then-any.
    /// </summary>
    public static OpenClDeviceKind PreferredDevice
    {
        get => s_preferredDevice;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown device kind.");
            }

            lock (s_sharedLock)
            {
                ThrowIfSharedChosen(value != s_preferredDevice);
                s_preferredDevice = value;
            }
        }
    }

    /// <summary>
    /// A case-insensitive substring of the device name <see cref="Shared"/> must have (null: no constraint). Set it
    /// before first use; changing it afterwards throws <see cref="InvalidOperationException"/>. When set, the
    /// environment variable is ignored.
    /// </summary>
    public static string? PreferredDeviceName
    {
        get => s_preferredDeviceName;
        set
        {
            string? normalized = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
            lock (s_sharedLock)
            {
                ThrowIfSharedChosen(!string.Equals(normalized, s_preferredDeviceName, StringComparison.Ordinal));
                s_preferredDeviceName = normalized;
            }
        }
    }

    /// <summary>The device this runtime runs on.</summary>
    public OpenClDeviceInfo Device { get; }

    /// <summary>Whether this is <see cref="Shared"/> (whose <see cref="Dispose"/> does nothing).</summary>
    public bool IsShared { get; }

    /// <summary>
    /// Gets <see cref="Shared"/> without throwing. On failure <paramref name="runtime"/> is null and
    /// <paramref name="reason"/> says what is missing (the <see cref="OpenClUnavailableException"/> message).
    /// </summary>
    public static bool TryGetShared(out OpenClRuntime? runtime, out string reason)
    {
        try
        {
            runtime = Shared;
            reason = string.Empty;
            return true;
        }
        catch (OpenClUnavailableException e)
        {
            runtime = null;
            reason = e.Message;
            return false;
        }
    }

    /// <summary>Every OpenCL device installed, in platform order.</summary>
    /// <exception cref="OpenClUnavailableException">The loader or any platform is missing.</exception>
    public static IReadOnlyList<OpenClDeviceInfo> GetDevices() => ClQuery.EnumerateDevices();

    /// <summary>
    /// Creates a separate runtime (its own context and queue) on the device these arguments select, by the rules
    /// described on <see cref="OpenClRuntime"/>; with no arguments <c>TENSORDSL_OPENCL_DEVICE</c> applies. The caller
    /// owns it and must dispose it. Generated code uses <see cref="Shared"/>; this is for tools and tests.
    /// </summary>
    /// <exception cref="OpenClUnavailableException">OpenCL, a driver, or a matching device is missing.</exception>
    public static OpenClRuntime Create(OpenClDeviceKind kind = OpenClDeviceKind.Default, string? deviceName = null) =>
        Create(SelectDevice(kind, deviceName, Environment.GetEnvironmentVariable(DeviceEnvironmentVariable)));

    /// <summary>Creates a separate runtime on <paramref name="device"/> (one of <see cref="GetDevices"/>). The caller must dispose it.</summary>
    public static OpenClRuntime Create(OpenClDeviceInfo device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return CreateOn(device, isShared: false);
    }

    /// <summary>
    /// The device the selection rules pick for the given settings and environment value, without creating a
    /// runtime. Used by <see cref="Shared"/> and <see cref="Create(OpenClDeviceKind, string)"/>; tests call it with an
    /// explicit <paramref name="environmentValue"/> so that they need not change the process environment.
    /// </summary>
    internal static OpenClDeviceInfo SelectDevice(OpenClDeviceKind kind, string? deviceName, string? environmentValue) =>
        OpenClDeviceSelector.Select(ClQuery.EnumerateDevices(), kind, deviceName, environmentValue);

    /// <summary>A zero-filled buffer of <paramref name="length"/> elements.</summary>
    public OpenClBuffer<T> Allocate<T>(int length)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ClMemHandle handle = CreateBuffer((nuint)length * (nuint)sizeof(T), $"OpenClBuffer<{typeof(T).Name}>[{length}]");
        var buffer = new OpenClBuffer<T>(this, handle, length);
        try
        {
            FillZero(handle, AllocationSize((nuint)length * (nuint)sizeof(T)), buffer.ToString());
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        return buffer;
    }

    /// <summary>A buffer holding a copy of <paramref name="data"/> (the copy has completed when this returns).</summary>
    public OpenClBuffer<T> Upload<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        ClMemHandle handle = CreateBuffer((nuint)data.Length * (nuint)sizeof(T), $"OpenClBuffer<{typeof(T).Name}>[{data.Length}]");
        var buffer = new OpenClBuffer<T>(this, handle, data.Length);
        try
        {
            buffer.Upload(data);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        return buffer;
    }

    /// <summary>
    /// The kernel <paramref name="kernelName"/> from the OpenCL C program <paramref name="programSource"/>. The program
    /// is compiled on the first request for that source and cached (keyed by the source string); the kernel object is
    /// cached too, so repeated calls return the same <see cref="OpenClKernel"/>. A program using <c>double</c> must
    /// enable it (<c>#pragma OPENCL EXTENSION cl_khr_fp64 : enable</c>) and needs <see cref="OpenClDeviceInfo.SupportsDouble"/>.
    /// </summary>
    /// <exception cref="OpenClBuildException">The program does not compile; <see cref="OpenClBuildException.BuildLog"/> has the compiler output.</exception>
    /// <exception cref="OpenClException">The program defines no kernel of that name (<c>CL_INVALID_KERNEL_NAME</c>; the message lists the names it does define), or another OpenCL call failed.</exception>
    /// <exception cref="OpenClUnavailableException">The program uses <c>double</c> and the device lacks <c>cl_khr_fp64</c>, or the device has no compiler.</exception>
    public OpenClKernel GetKernel(string programSource, string kernelName) => GetKernel(programSource, kernelName, null);

    /// <summary>
    /// As <see cref="GetKernel(string, string)"/>, compiling with <paramref name="buildOptions"/> (e.g.
    /// <c>-cl-fast-relaxed-math</c>, <c>-D N=64</c>); the cache key is the source together with the options.
    /// </summary>
    public OpenClKernel GetKernel(string programSource, string kernelName, string? buildOptions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(programSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(kernelName);
        ThrowIfDisposed();
        var key = new ProgramKey(programSource, buildOptions ?? string.Empty);
        Lazy<ProgramEntry> lazy = _programs.GetOrAdd(key, static (k, state) => new Lazy<ProgramEntry>(
            () => state.runtime.BuildProgram(k, state.kernelName), LazyThreadSafetyMode.ExecutionAndPublication), (runtime: this, kernelName));
        ProgramEntry program;
        try
        {
            program = lazy.Value;
        }
        catch
        {
            // Do not keep failures: the next request builds again (and gets a fresh exception).
            _programs.TryRemove(new KeyValuePair<ProgramKey, Lazy<ProgramEntry>>(key, lazy));
            throw;
        }

        return program.GetKernel(this, kernelName);
    }

    /// <summary>
    /// Sets the kernel's arguments and enqueues it over <paramref name="globalSize"/> (1 to 3 dimensions) work-items.
    /// Returns without waiting: read results with a buffer download or call <see cref="Finish"/>. Thread-safe: the
    /// arguments and the enqueue happen under the kernel's lock, so concurrent runs of one kernel cannot mix arguments.
    /// </summary>
    /// <param name="kernel">A kernel from this runtime's <see cref="GetKernel(string, string)"/>.</param>
    /// <param name="globalSize">Work-items per dimension. A zero anywhere means there is nothing to do (nothing is enqueued).</param>
    /// <param name="localSize">Work-group size per dimension, same length as <paramref name="globalSize"/>; empty lets the driver choose.
    /// Each global size should be a multiple of the local size and the product must not exceed <see cref="OpenClKernel.WorkGroupSize"/>.</param>
    /// <param name="args">Exactly <see cref="OpenClKernel.ArgumentCount"/> arguments, in parameter order.</param>
    /// <exception cref="ArgumentException">Wrong dimensions, argument count, or a buffer from another runtime.</exception>
    /// <exception cref="OpenClException">OpenCL rejected an argument or the launch (e.g. <c>CL_INVALID_WORK_GROUP_SIZE</c>, <c>CL_INVALID_ARG_SIZE</c>).</exception>
    public void Run(OpenClKernel kernel, ReadOnlySpan<nuint> globalSize, ReadOnlySpan<nuint> localSize, params ReadOnlySpan<OpenClArg> args)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ThrowIfDisposed();
        if (!ReferenceEquals(kernel.Runtime, this))
        {
            throw new ArgumentException($"Kernel '{kernel.Name}' belongs to a different OpenClRuntime.", nameof(kernel));
        }

        int dimensions = globalSize.Length;
        if (dimensions is < 1 or > 3)
        {
            throw new ArgumentException($"An NDRange has 1 to 3 dimensions; {dimensions} global sizes were given.", nameof(globalSize));
        }

        if (!localSize.IsEmpty && localSize.Length != dimensions)
        {
            throw new ArgumentException($"The local size has {localSize.Length} dimensions but the global size has {dimensions}; pass both with the same length, or an empty local size.", nameof(localSize));
        }

        if (args.Length != kernel.ArgumentCount)
        {
            throw new ArgumentException($"Kernel '{kernel.Name}' takes {kernel.ArgumentCount} arguments but {args.Length} were given.", nameof(args));
        }

        bool empty = false;
        nuint* global = stackalloc nuint[3];
        nuint* local = stackalloc nuint[3];
        for (int d = 0; d < dimensions; d++)
        {
            global[d] = globalSize[d];
            empty |= globalSize[d] == 0;
            if (!localSize.IsEmpty)
            {
                if (localSize[d] == 0)
                {
                    throw new ArgumentException($"Local size {d} is zero; every dimension of a work-group needs at least one work-item.", nameof(localSize));
                }

                local[d] = localSize[d];
            }
        }

        for (int i = 0; i < args.Length; i++)
        {
            OpenClArg arg = args[i];
            if (arg.Kind == OpenClArg.ArgKind.None)
            {
                throw new ArgumentException($"Argument {i} of kernel '{kernel.Name}' is unset (a default OpenClArg).", nameof(args));
            }

            if (arg.Kind == OpenClArg.ArgKind.Buffer && !ReferenceEquals(arg.Buffer!.Runtime, this))
            {
                throw new ArgumentException($"Argument {i} of kernel '{kernel.Name}' is a buffer from a different OpenClRuntime.", nameof(args));
            }
        }

        if (empty)
        {
            return;
        }

        lock (kernel.SyncRoot)
        {
            using HandleLease queue = LeaseQueue();
            using HandleLease kernelLease = kernel.Handle.Lease();
            int leased = 0;
            try
            {
                for (int i = 0; i < args.Length; i++)
                {
                    OpenClArg arg = args[i];
                    int status;
                    switch (arg.Kind)
                    {
                        case OpenClArg.ArgKind.Buffer:
                            bool added = false;
                            arg.Buffer!.Handle.DangerousAddRef(ref added);
                            leased = i + 1;
                            nint mem = arg.Buffer.Handle.DangerousGetHandle();
                            status = Cl.clSetKernelArg(kernelLease.Value, (uint)i, (nuint)sizeof(nint), &mem);
                            break;
                        case OpenClArg.ArgKind.Local:
                            status = Cl.clSetKernelArg(kernelLease.Value, (uint)i, arg.Size, null);
                            break;
                        default:
                            ulong bits = arg.Bits;
                            status = Cl.clSetKernelArg(kernelLease.Value, (uint)i, arg.Size, &bits);
                            break;
                    }

                    if (status != Cl.CL_SUCCESS)
                    {
                        string what = arg.Kind == OpenClArg.ArgKind.Buffer ? arg.Buffer!.Describe() : arg.ToString();
                        throw new OpenClException(status, nameof(Cl.clSetKernelArg),
                            $"Setting argument {i} of kernel '{kernel.Name}' to a {what}; check that it matches the kernel parameter's type.");
                    }
                }

                int launch = Cl.clEnqueueNDRangeKernel(queue.Value, kernelLease.Value, (uint)dimensions, null, global, localSize.IsEmpty ? null : local, 0, null, null);
                if (launch != Cl.CL_SUCCESS)
                {
                    throw new OpenClException(launch, nameof(Cl.clEnqueueNDRangeKernel), DescribeLaunch(kernel, globalSize, localSize, launch));
                }
            }
            finally
            {
                for (int i = 0; i < leased; i++)
                {
                    if (args[i].Kind == OpenClArg.ArgKind.Buffer)
                    {
                        args[i].Buffer!.Handle.DangerousRelease();
                    }
                }
            }
        }
    }

    /// <summary>Waits until every command enqueued so far (kernels, copies, fills) has completed.</summary>
    public void Finish()
    {
        using HandleLease queue = LeaseQueue();
        ClErrors.Check(Cl.clFinish(queue.Value), nameof(Cl.clFinish), $"Waiting for the queue on {Device.Name}.");
    }

    /// <summary>
    /// Waits for outstanding work, then releases the kernels, programs, queue and context. Buffers keep their own
    /// references and are released by their own <see cref="OpenClBuffer{T}.Dispose"/>. Does nothing on <see cref="Shared"/>.
    /// </summary>
    public void Dispose()
    {
        if (IsShared)
        {
            return;
        }

        lock (_disposeLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                using HandleLease queue = _queue.Lease();
                _ = Cl.clFinish(queue.Value);
            }
            catch (ObjectDisposedException)
            {
            }

            foreach (KeyValuePair<ProgramKey, Lazy<ProgramEntry>> entry in _programs)
            {
                if (entry.Value.IsValueCreated)
                {
                    entry.Value.Value.Dispose();
                }
            }

            _programs.Clear();
            _queue.Dispose();
            _context.Dispose();
        }
    }

    /// <summary>The device name and type.</summary>
    public override string ToString() => $"OpenClRuntime on {Device}";

    internal HandleLease LeaseQueue()
    {
        ThrowIfDisposed();
        return _queue.Lease();
    }

    /// <summary>Enqueues zeroing <paramref name="size"/> bytes of <paramref name="buffer"/> (ordered before later commands on the queue).</summary>
    internal void FillZero(ClMemHandle buffer, nuint size, string description)
    {
        using HandleLease queue = LeaseQueue();
        using HandleLease mem = buffer.Lease();
        byte zero = 0;
        ClErrors.Check(
            Cl.clEnqueueFillBuffer(queue.Value, mem.Value, &zero, 1, 0, size, 0, null, null),
            nameof(Cl.clEnqueueFillBuffer),
            $"Zero-filling {description}.");
    }

    private static OpenClRuntime CreateShared()
    {
        lock (s_sharedLock)
        {
            if (s_shared is not null)
            {
                return s_shared;
            }

            OpenClDeviceInfo device = SelectDevice(s_preferredDevice, s_preferredDeviceName, Environment.GetEnvironmentVariable(DeviceEnvironmentVariable));
            OpenClRuntime runtime = CreateOn(device, isShared: true);
            Volatile.Write(ref s_shared, runtime);
            return runtime;
        }
    }

    private static OpenClRuntime CreateOn(OpenClDeviceInfo device, bool isShared)
    {
        ClLoader.EnsureLoaded();
        try
        {
            return new OpenClRuntime(device, isShared);
        }
        catch (OpenClException e)
        {
            throw new OpenClUnavailableException($"OpenCL device {device} was found but could not be opened: {e.Message}", e);
        }
    }

    private static void ThrowIfSharedChosen(bool changing)
    {
        if (changing && s_shared is not null)
        {
            throw new InvalidOperationException(
                $"OpenClRuntime.Shared already runs on {s_shared.Device}; set PreferredDevice/PreferredDeviceName before its first use.");
        }
    }

    private static nint CreateQueue(nint context, nint deviceId, OpenClDeviceInfo device)
    {
        int status = Cl.CL_SUCCESS;
        if (MajorVersion(device.Version) >= 2)
        {
            try
            {
                nint queue = Cl.clCreateCommandQueueWithProperties(context, deviceId, null, &status);
                if (status == Cl.CL_SUCCESS && queue != 0)
                {
                    return queue;
                }
            }
            catch (EntryPointNotFoundException)
            {
                // An OpenCL 1.x loader: fall back below.
            }
        }

        // clCreateCommandQueue is deprecated in OpenCL 2.0 but is the only call 1.x devices have.
        nint fallback = Cl.clCreateCommandQueue(context, deviceId, 0, &status);
        ClErrors.Check(status, nameof(Cl.clCreateCommandQueue), $"Creating a command queue on {device}.");
        return fallback;
    }

    private static int MajorVersion(string version)
    {
        // "OpenCL <major>.<minor> <vendor-specific>"
        Match match = VersionPattern().Match(version);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
    }

    private static nuint AllocationSize(nuint bytes) => bytes == 0 ? 4 : bytes;

    private ClMemHandle CreateBuffer(nuint bytes, string description)
    {
        using HandleLease context = LeaseContext();
        int status;
        nint mem = Cl.clCreateBuffer(context.Value, Cl.CL_MEM_READ_WRITE, AllocationSize(bytes), null, &status);
        var handle = new ClMemHandle(status == Cl.CL_SUCCESS ? mem : 0);
        ClErrors.Check(status, nameof(Cl.clCreateBuffer),
            $"Allocating {description} ({bytes} bytes; the device allows at most {Device.MaxMemoryAllocationSize} bytes per buffer).");
        return handle;
    }

    private HandleLease LeaseContext()
    {
        ThrowIfDisposed();
        return _context.Lease();
    }

    private ProgramEntry BuildProgram(ProgramKey key, string kernelName)
    {
        if (!Device.SupportsDouble && UsesDouble(key.Source))
        {
            throw new OpenClUnavailableException(
                $"The program for kernel '{kernelName}' uses double, but {Device.Name} does not support double precision (no cl_khr_fp64). " +
                "Use float, or select a device with fp64 (TENSORDSL_OPENCL_DEVICE).");
        }

        if (!Device.IsCompilerAvailable)
        {
            throw new OpenClUnavailableException($"{Device.Name} has no OpenCL C compiler (CL_DEVICE_COMPILER_AVAILABLE is false).");
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(key.Source);
        int status;
        nint program;
        using (HandleLease context = LeaseContext())
        {
            fixed (byte* text = utf8)
            {
                byte* line = text;
                nuint length = (nuint)utf8.Length;
                program = Cl.clCreateProgramWithSource(context.Value, 1, &line, &length, &status);
            }
        }

        var handle = new ClProgramHandle(status == Cl.CL_SUCCESS ? program : 0);
        try
        {
            ClErrors.Check(status, nameof(Cl.clCreateProgramWithSource), $"Creating the program for kernel '{kernelName}'.");
            nint deviceId = Device.DeviceId;
            string? options = key.Options.Length == 0 ? null : key.Options;
            int build = Cl.clBuildProgram(program, 1, &deviceId, options, 0, 0);
            if (build != Cl.CL_SUCCESS)
            {
                string log = ClQuery.BuildLog(program, deviceId);
                if (build == -3)
                {
                    throw new OpenClUnavailableException($"{Device.Name} reports CL_COMPILER_NOT_AVAILABLE while building kernel '{kernelName}'.");
                }

                if (build is -11 or -43 or -15 or -66)
                {
                    // CL_BUILD_PROGRAM_FAILURE, CL_INVALID_BUILD_OPTIONS, CL_COMPILE_PROGRAM_FAILURE, CL_INVALID_COMPILER_OPTIONS
                    throw new OpenClBuildException(kernelName, log, key.Source, options, build);
                }

                throw new OpenClException(build, nameof(Cl.clBuildProgram),
                    $"Building the program for kernel '{kernelName}'." + (log.Length == 0 ? string.Empty : " Build log: " + log));
            }

            return new ProgramEntry(handle, ClQuery.KernelNames(program));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static bool UsesDouble(string source) => DoublePattern().IsMatch(CommentPattern().Replace(source, " "));

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private string DescribeLaunch(OpenClKernel kernel, ReadOnlySpan<nuint> globalSize, ReadOnlySpan<nuint> localSize, int status)
    {
        string global = "[" + string.Join(", ", globalSize.ToArray()) + "]";
        string local = localSize.IsEmpty ? "driver-chosen" : "[" + string.Join(", ", localSize.ToArray()) + "]";
        string text = $"Launching kernel '{kernel.Name}' with global size {global} and local size {local}.";
        if (status is -54 or -55)
        {
            text += $" Each global size must be a multiple of the local size, the local sizes' product at most {kernel.WorkGroupSize} " +
                    $"(this kernel's CL_KERNEL_WORK_GROUP_SIZE), and each local size at most the device's per-dimension limit " +
                    $"[{string.Join(", ", Device.MaxWorkItemSizes)}].";
        }

        return text;
    }

    [GeneratedRegex(@"OpenCL\s+(\d+)\.", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"\bdouble(?:2|3|4|8|16)?\b", RegexOptions.CultureInvariant)]
    private static partial Regex DoublePattern();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex CommentPattern();

    private readonly record struct ProgramKey(string Source, string Options);

    /// <summary>A built program and the kernels created from it so far.</summary>
    private sealed class ProgramEntry(ClProgramHandle handle, string[] kernelNames) : IDisposable
    {
        private readonly Dictionary<string, OpenClKernel> _kernels = new(StringComparer.Ordinal);

        public OpenClKernel GetKernel(OpenClRuntime runtime, string name)
        {
            lock (_kernels)
            {
                if (_kernels.TryGetValue(name, out OpenClKernel? cached))
                {
                    return cached;
                }

                runtime.ThrowIfDisposed();
                int status;
                nint kernel;
                using (HandleLease program = handle.Lease())
                {
                    kernel = Cl.clCreateKernel(program.Value, name, &status);
                }

                var kernelHandle = new ClKernelHandle(status == Cl.CL_SUCCESS ? kernel : 0);
                if (status != Cl.CL_SUCCESS)
                {
                    kernelHandle.Dispose();
                    string available = kernelNames.Length == 0 ? "(none reported)" : string.Join(", ", kernelNames);
                    throw new OpenClException(status, nameof(Cl.clCreateKernel),
                        status == -46
                            ? $"The program defines no kernel named '{name}'. Kernels it defines: {available}."
                            : $"Creating kernel '{name}'.");
                }

                var result = new OpenClKernel(
                    runtime,
                    kernelHandle,
                    name,
                    (int)ClQuery.KernelValue<uint>(kernel, Cl.CL_KERNEL_NUM_ARGS),
                    (long)ClQuery.KernelWorkGroupValue<nuint>(kernel, runtime.Device.DeviceId, Cl.CL_KERNEL_WORK_GROUP_SIZE),
                    (long)ClQuery.KernelWorkGroupValue<nuint>(kernel, runtime.Device.DeviceId, Cl.CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE));
                _kernels.Add(name, result);
                return result;
            }
        }

        public void Dispose()
        {
            lock (_kernels)
            {
                foreach (OpenClKernel kernel in _kernels.Values)
                {
                    kernel.Handle.Dispose();
                }

                _kernels.Clear();
            }

            handle.Dispose();
        }
    }
}
