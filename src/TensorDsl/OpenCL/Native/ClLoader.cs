using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace TensorDsl.OpenCL.Native;

/// <summary>
/// Prepares the process before the first OpenCL call: gives PoCL a writable kernel cache directory and checks that
/// the ICD loader can be loaded at all, so a missing library becomes a clear
/// <see cref="OpenClUnavailableException"/> instead of a <see cref="DllNotFoundException"/> from deep inside a call.
/// </summary>
internal static partial class ClLoader
{
    /// <summary>PoCL's kernel cache directory variable; PoCL fails every build when it cannot write its cache.</summary>
    public const string PoclCacheVariable = "POCL_CACHE_DIR";

    private static readonly object s_lock = new();
    private static bool s_prepared;
    private static string? s_failure;

    /// <summary>
    /// Runs once per process (later calls return the first outcome): sets <c>POCL_CACHE_DIR</c> in the native
    /// environment when it is unset there, then loads <c>libOpenCL.so.1</c>.
    /// </summary>
    /// <exception cref="OpenClUnavailableException">The ICD loader library cannot be loaded.</exception>
    public static void EnsureLoaded()
    {
        lock (s_lock)
        {
            if (!s_prepared)
            {
                s_prepared = true;
                PreparePoclCache();
                s_failure = ProbeLibrary();
            }

            if (s_failure is not null)
            {
                throw new OpenClUnavailableException(s_failure);
            }
        }
    }

    /// <summary>
    /// PoCL reads <c>POCL_CACHE_DIR</c> with <c>getenv</c>, so it must be in the native environment: on Unix,
    /// <see cref="Environment.SetEnvironmentVariable(string, string)"/> only changes .NET's own copy. A value set
    /// from .NET that way is honoured by copying it across; otherwise a per-user directory under the temp folder
    /// is created. A value already in the native environment is never overwritten.
    /// </summary>
    private static void PreparePoclCache()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            if (LibC.getenv(PoclCacheVariable) != 0)
            {
                return;
            }

            string? directory = Environment.GetEnvironmentVariable(PoclCacheVariable);
            if (string.IsNullOrEmpty(directory) || !TryMakeWritable(directory))
            {
                directory = Path.Combine(Path.GetTempPath(), "tensordsl-pocl-cache-" + SafeUserName());
                if (!TryMakeWritable(directory))
                {
                    directory = Path.Combine(Path.GetTempPath(), "tensordsl-pocl-cache-" + Guid.NewGuid().ToString("N"));
                    if (!TryMakeWritable(directory))
                    {
                        return;
                    }
                }
            }

            _ = LibC.setenv(PoclCacheVariable, directory, 0);
            Environment.SetEnvironmentVariable(PoclCacheVariable, directory);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No usable libc entry points: leave the environment alone; PoCL then uses its own default.
        }
    }

    /// <summary>A variable as native code (<c>getenv</c>) sees it, which on Unix can differ from <see cref="Environment.GetEnvironmentVariable(string)"/>.</summary>
    public static string? GetNativeEnvironmentVariable(string name)
    {
        if (OperatingSystem.IsWindows())
        {
            return Environment.GetEnvironmentVariable(name);
        }

        nint value = LibC.getenv(name);
        return value == 0 ? null : Marshal.PtrToStringUTF8(value);
    }

    private static string SafeUserName()
    {
        string name;
        try
        {
            name = Environment.UserName;
        }
        catch (InvalidOperationException)
        {
            name = "user";
        }

        char[] chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] is not ('-' or '_' or '.'))
            {
                chars[i] = '_';
            }
        }

        return chars.Length == 0 ? "user" : new string(chars);
    }

    private static bool TryMakeWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, ".tensordsl-write-probe-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Returns why the loader cannot be loaded, or null when it can.</summary>
    private static string? ProbeLibrary()
    {
        if (NativeLibrary.TryLoad(Cl.Library, Assembly.GetExecutingAssembly(), null, out nint library))
        {
            // Keep it loaded: the LibraryImport stubs resolve the same library by name.
            _ = library;
            return null;
        }

        return OperatingSystem.IsLinux()
            ? $"The OpenCL ICD loader '{Cl.Library}' could not be loaded. Install it (Debian/Ubuntu: " +
              "'apt-get install ocl-icd-libopencl1') together with a driver, e.g. 'pocl-opencl-icd' for CPUs or your GPU vendor's OpenCL driver."
            : $"The OpenCL ICD loader '{Cl.Library}' could not be loaded. TensorDsl's OpenCL binding targets Linux " +
              "('ocl-icd-libopencl1' plus a driver such as 'pocl-opencl-icd'); on this OS the library name differs.";
    }

    private static partial class LibC
    {
        private const string Name = "libc";

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
        public static partial nint getenv(string name);

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int setenv(string name, string value, int overwrite);
    }
}
