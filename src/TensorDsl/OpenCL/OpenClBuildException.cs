using System;

namespace TensorDsl.OpenCL;

/// <summary>An OpenCL C program failed to compile. <see cref="BuildLog"/> holds the compiler's output.</summary>
public class OpenClBuildException : InvalidOperationException
{
    /// <summary>Creates the exception for a failed build.</summary>
    /// <param name="kernelName">The kernel that was requested from the program.</param>
    /// <param name="buildLog">The device compiler's log (errors and warnings with line numbers).</param>
    /// <param name="programSource">The OpenCL C source that failed.</param>
    /// <param name="buildOptions">The options passed to the compiler; may be null.</param>
    /// <param name="errorCode">The status <c>clBuildProgram</c> returned.</param>
    public OpenClBuildException(string kernelName, string buildLog, string programSource, string? buildOptions, int errorCode)
        : base(FormatMessage(kernelName, buildLog, buildOptions, errorCode))
    {
        KernelName = kernelName;
        BuildLog = buildLog;
        ProgramSource = programSource;
        BuildOptions = buildOptions;
        ErrorCode = errorCode;
    }

    /// <summary>The kernel whose program was being built (the name passed to <see cref="OpenClRuntime.GetKernel(string, string)"/>).</summary>
    public string KernelName { get; }

    /// <summary>The compiler's build log, as returned by <c>clGetProgramBuildInfo(CL_PROGRAM_BUILD_LOG)</c>.</summary>
    public string BuildLog { get; }

    /// <summary>The OpenCL C source that failed to build.</summary>
    public string ProgramSource { get; }

    /// <summary>The compiler options used, or null.</summary>
    public string? BuildOptions { get; }

    /// <summary>The status <c>clBuildProgram</c> returned, usually <c>CL_BUILD_PROGRAM_FAILURE</c> (-11).</summary>
    public int ErrorCode { get; }

    private static string FormatMessage(string kernelName, string buildLog, string? buildOptions, int errorCode)
    {
        string options = string.IsNullOrEmpty(buildOptions) ? string.Empty : $" with options '{buildOptions}'";
        string log = string.IsNullOrWhiteSpace(buildLog) ? "(the compiler produced no log)" : buildLog.Trim();
        return $"Building the OpenCL program for kernel '{kernelName}'{options} failed with " +
               $"{Native.ClErrors.Name(errorCode)} ({errorCode}). Build log:{Environment.NewLine}{log}";
    }
}
