using System;

namespace TensorDsl.OpenCL;

/// <summary>An OpenCL call returned an error status. Carries the status code, its <c>CL_*</c> name and the call that failed.</summary>
public class OpenClException : Exception
{
    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="errorCode">The OpenCL status code (negative).</param>
    /// <param name="function">The OpenCL entry point that returned it, e.g. <c>clEnqueueNDRangeKernel</c>.</param>
    /// <param name="detail">What was being done, appended to the message; may be null.</param>
    public OpenClException(int errorCode, string function, string? detail = null)
        : base(FormatMessage(errorCode, function, detail))
    {
        ErrorCode = errorCode;
        ErrorName = Native.ClErrors.Name(errorCode);
        Function = function;
    }

    /// <summary>The OpenCL status code, e.g. -54.</summary>
    public int ErrorCode { get; }

    /// <summary>The symbolic name of <see cref="ErrorCode"/>, e.g. <c>CL_INVALID_WORK_GROUP_SIZE</c>.</summary>
    public string ErrorName { get; }

    /// <summary>The OpenCL function that failed, e.g. <c>clEnqueueNDRangeKernel</c>.</summary>
    public string Function { get; }

    private static string FormatMessage(int errorCode, string function, string? detail)
    {
        string text = $"{function} failed with {Native.ClErrors.Name(errorCode)} ({errorCode}).";
        return string.IsNullOrEmpty(detail) ? text : text + " " + detail;
    }
}
