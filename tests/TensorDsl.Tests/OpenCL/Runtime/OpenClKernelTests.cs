using System;
using TensorDsl.OpenCL;
using Xunit;

namespace TensorDsl.Tests.OpenCL;

[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public sealed class OpenClKernelTests
{
    private const string VectorSource = """
        __kernel void vector_add(__global const float* a, __global const float* b, __global float* c, int n)
        {
            int i = get_global_id(0);
            if (i < n) c[i] = a[i] + b[i];
        }

        __kernel void saxpy(float alpha, __global const float* x, __global float* y)
        {
            int i = get_global_id(0);
            y[i] = alpha * x[i] + y[i];
        }
        """;

    [Fact]
    public void VectorAddMatchesCpu()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        const int n = 1000;
        float[] a = OpenClTestSupport.RandomFloats(n, seed: 2);
        float[] b = OpenClTestSupport.RandomFloats(n, seed: 3);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++)
        {
            expected[i] = a[i] + b[i];
        }

        using OpenClBuffer<float> da = runtime.Upload<float>(a);
        using OpenClBuffer<float> db = runtime.Upload<float>(b);
        using OpenClBuffer<float> dc = runtime.Allocate<float>(n);
        OpenClKernel kernel = runtime.GetKernel(VectorSource, "vector_add");

        // Global size rounded up to a multiple of 64; the kernel guards with n.
        runtime.Run(kernel, [1024], [64], da, db, dc, n);

        OpenClTestSupport.AssertClose(expected, dc.ToArray());
    }

    [Fact]
    public void SaxpyWithDriverChosenLocalSizeMatchesCpu()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        const int n = 777;
        const float alpha = 2.5f;
        float[] x = OpenClTestSupport.RandomFloats(n, seed: 4);
        float[] y = OpenClTestSupport.RandomFloats(n, seed: 5);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++)
        {
            expected[i] = alpha * x[i] + y[i];
        }

        using OpenClBuffer<float> dx = runtime.Upload<float>(x);
        using OpenClBuffer<float> dy = runtime.Upload<float>(y);
        OpenClKernel kernel = runtime.GetKernel(VectorSource, "saxpy");

        Assert.Equal(3, kernel.ArgumentCount);
        runtime.Run(kernel, [(nuint)n], [], alpha, dx, dy);
        runtime.Finish();

        OpenClTestSupport.AssertClose(expected, dy.ToArray());
    }

    [Fact]
    public void ProgramAndKernelAreCachedBySource()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;

        OpenClKernel first = runtime.GetKernel(VectorSource, "vector_add");
        OpenClKernel second = runtime.GetKernel(new string(VectorSource.AsSpan()), "vector_add");
        OpenClKernel other = runtime.GetKernel(VectorSource, "saxpy");

        Assert.Same(first, second);
        Assert.NotSame(first, other);
        Assert.Equal("vector_add", first.Name);
        Assert.Same(runtime, first.Runtime);
        Assert.True(first.WorkGroupSize >= 1);
    }

    [Fact]
    public void SyntaxErrorThrowsBuildExceptionWithLog()
    {
        const string broken = """
            __kernel void broken(__global float* x)
            {
                x[get_global_id(0)] = undeclared_identifier_xyz * 2.0f
            }
            """;

        OpenClBuildException error = Assert.Throws<OpenClBuildException>(() => OpenClTestSupport.Runtime.GetKernel(broken, "broken"));

        Assert.Equal("broken", error.KernelName);
        Assert.Equal(broken, error.ProgramSource);
        Assert.Contains("undeclared_identifier_xyz", error.BuildLog, StringComparison.Ordinal);
        Assert.Contains("error", error.BuildLog, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("CL_BUILD_PROGRAM_FAILURE", error.Message, StringComparison.Ordinal);
        Assert.Contains("undeclared_identifier_xyz", error.Message, StringComparison.Ordinal);

        // Failures are not cached: asking again builds again and fails the same way.
        Assert.Throws<OpenClBuildException>(() => OpenClTestSupport.Runtime.GetKernel(broken, "broken"));
    }

    [Fact]
    public void UnknownKernelNameThrowsListingTheKernelsDefined()
    {
        OpenClException error = Assert.Throws<OpenClException>(() => OpenClTestSupport.Runtime.GetKernel(VectorSource, "no_such_kernel"));

        Assert.Equal("CL_INVALID_KERNEL_NAME", error.ErrorName);
        Assert.Equal(-46, error.ErrorCode);
        Assert.Equal("clCreateKernel", error.Function);
        Assert.Contains("no_such_kernel", error.Message, StringComparison.Ordinal);
        Assert.Contains("vector_add", error.Message, StringComparison.Ordinal);
        Assert.Contains("saxpy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoDimensionalRangeWithExplicitLocalSize()
    {
        const string source = """
            __kernel void transpose_scale(__global const float* input, __global float* output, int rows, int cols, float scale)
            {
                int c = get_global_id(0);
                int r = get_global_id(1);
                if (r < rows && c < cols)
                    output[c * rows + r] = input[r * cols + c] * scale + (float)(get_local_id(0) * 0);
            }
            """;
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        const int rows = 24;
        const int cols = 40;
        float[] input = OpenClTestSupport.RandomFloats(rows * cols, seed: 6);
        float[] expected = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                expected[c * rows + r] = input[r * cols + c] * 3f;
            }
        }

        using OpenClBuffer<float> din = runtime.Upload<float>(input);
        using OpenClBuffer<float> dout = runtime.Allocate<float>(rows * cols);
        OpenClKernel kernel = runtime.GetKernel(source, "transpose_scale");

        runtime.Run(kernel, [40, 24], [8, 4], din, dout, rows, cols, 3f);

        OpenClTestSupport.AssertClose(expected, dout.ToArray());
    }

    [Fact]
    public void LocalMemoryArgumentReducesPerWorkGroup()
    {
        const string source = """
            __kernel void group_sum(__global const int* input, __global int* sums, __local int* scratch)
            {
                int lid = get_local_id(0);
                int size = get_local_size(0);
                scratch[lid] = input[get_global_id(0)];
                barrier(CLK_LOCAL_MEM_FENCE);
                for (int stride = size / 2; stride > 0; stride /= 2)
                {
                    if (lid < stride) scratch[lid] += scratch[lid + stride];
                    barrier(CLK_LOCAL_MEM_FENCE);
                }
                if (lid == 0) sums[get_group_id(0)] = scratch[0];
            }
            """;
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        const int group = 16;
        const int groups = 8;
        int[] input = new int[group * groups];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = i * 3 - 50;
        }

        int[] expected = new int[groups];
        for (int g = 0; g < groups; g++)
        {
            for (int i = 0; i < group; i++)
            {
                expected[g] += input[g * group + i];
            }
        }

        using OpenClBuffer<int> din = runtime.Upload<int>(input);
        using OpenClBuffer<int> sums = runtime.Allocate<int>(groups);
        OpenClKernel kernel = runtime.GetKernel(source, "group_sum");

        runtime.Run(kernel, [group * groups], [group], din, sums, OpenClArg.LocalMemory(group * sizeof(int)));

        Assert.Equal(expected, sums.ToArray());
    }

    [Fact]
    public void DoubleKernelWhenSupported()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        const string source = """
            #pragma OPENCL EXTENSION cl_khr_fp64 : enable
            __kernel void axpy_double(double alpha, __global const double* x, __global double* y)
            {
                int i = get_global_id(0);
                y[i] = alpha * x[i] + y[i];
            }
            """;
        if (!runtime.Device.SupportsDouble)
        {
            // The runtime must refuse clearly instead of failing inside the compiler.
            OpenClUnavailableException refused = Assert.Throws<OpenClUnavailableException>(() => runtime.GetKernel(source, "axpy_double"));
            Assert.Contains("cl_khr_fp64", refused.Message, StringComparison.Ordinal);
            return;
        }

        const int n = 300;
        double[] x = new double[n];
        double[] y = new double[n];
        double[] expected = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = Math.Sin(i) * 1e3 + 1.0 / 3.0;
            y[i] = Math.Cos(i) * 1e-3;
            expected[i] = 0.1 * x[i] + y[i];
        }

        using OpenClBuffer<double> dx = runtime.Upload<double>(x);
        using OpenClBuffer<double> dy = runtime.Upload<double>(y);
        runtime.Run(runtime.GetKernel(source, "axpy_double"), [n], [], 0.1, dx, dy);

        OpenClTestSupport.AssertClose(expected, dy.ToArray());
    }

    [Fact]
    public void WrongArgumentCountThrowsBeforeLaunch()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<float> x = runtime.Allocate<float>(4);
        OpenClKernel kernel = runtime.GetKernel(VectorSource, "saxpy");

        ArgumentException error = Assert.Throws<ArgumentException>(() => runtime.Run(kernel, [4], [], 1f, x));
        Assert.Contains("takes 3 arguments but 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongScalarTypeReportsInvalidArgSize()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<float> x = runtime.Allocate<float>(4);
        using OpenClBuffer<float> y = runtime.Allocate<float>(4);
        OpenClKernel kernel = runtime.GetKernel(VectorSource, "saxpy");

        // alpha is a float parameter; a double is 8 bytes.
        OpenClException error = Assert.Throws<OpenClException>(() => runtime.Run(kernel, [4], [], 1.0, x, y));
        Assert.Equal("CL_INVALID_ARG_SIZE", error.ErrorName);
        Assert.Equal("clSetKernelArg", error.Function);
        Assert.Contains("argument 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OversizedWorkGroupReportsInvalidWorkGroupSize()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<float> x = runtime.Allocate<float>(1);
        using OpenClBuffer<float> y = runtime.Allocate<float>(1);
        OpenClKernel kernel = runtime.GetKernel(VectorSource, "saxpy");
        nuint tooBig = (nuint)Math.Max(kernel.WorkGroupSize, runtime.Device.MaxWorkGroupSize) * 2;

        OpenClException error = Assert.Throws<OpenClException>(() => runtime.Run(kernel, [tooBig], [tooBig], 1f, x, y));

        Assert.Contains(error.ErrorName, new[] { "CL_INVALID_WORK_GROUP_SIZE", "CL_INVALID_WORK_ITEM_SIZE" });
        Assert.Equal("clEnqueueNDRangeKernel", error.Function);
        Assert.Contains("saxpy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroGlobalSizeIsANoOp()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<float> x = runtime.Upload<float>([1f]);
        using OpenClBuffer<float> y = runtime.Upload<float>([2f]);

        runtime.Run(runtime.GetKernel(VectorSource, "saxpy"), [0], [], 5f, x, y);

        Assert.Equal([2f], y.ToArray());
    }

    [Fact]
    public void BadDimensionsThrow()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<float> x = runtime.Allocate<float>(4);
        using OpenClBuffer<float> y = runtime.Allocate<float>(4);
        OpenClKernel kernel = runtime.GetKernel(VectorSource, "saxpy");

        Assert.Throws<ArgumentException>(() => runtime.Run(kernel, [], [], 1f, x, y));
        Assert.Throws<ArgumentException>(() => runtime.Run(kernel, [1, 1, 1, 1], [], 1f, x, y));
        Assert.Throws<ArgumentException>(() => runtime.Run(kernel, [4, 1], [4], 1f, x, y));
        Assert.Throws<ArgumentException>(() => runtime.Run(kernel, [4], [0], 1f, x, y));
        Assert.Throws<ArgumentException>(() => runtime.Run(kernel, [4], [], 1f, x, default(OpenClArg)));
    }

    [Fact]
    public void BuildOptionsArePartOfTheCacheKey()
    {
        const string source = """
            __kernel void fill_value(__global int* output)
            {
                output[get_global_id(0)] = VALUE;
            }
            """;
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        using OpenClBuffer<int> output = runtime.Allocate<int>(4);

        OpenClKernel seven = runtime.GetKernel(source, "fill_value", "-D VALUE=7");
        OpenClKernel nine = runtime.GetKernel(source, "fill_value", "-D VALUE=9");
        Assert.NotSame(seven, nine);

        runtime.Run(seven, [4], [], output);
        Assert.Equal([7, 7, 7, 7], output.ToArray());
        runtime.Run(nine, [4], [], output);
        Assert.Equal([9, 9, 9, 9], output.ToArray());
    }
}
