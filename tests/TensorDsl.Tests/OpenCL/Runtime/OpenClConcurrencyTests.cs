using System;
using System.Threading;
using System.Threading.Tasks;
using TensorDsl.OpenCL;
using Xunit;

namespace TensorDsl.Tests.OpenCL;

[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public sealed class OpenClConcurrencyTests
{
    private const string Source = """
        __kernel void scale_offset(__global const float* input, __global float* output, float scale, int offset)
        {
            int i = get_global_id(0);
            output[i] = input[i] * scale + (float)offset;
        }
        """;

    [Fact]
    public void ConcurrentRunsOfOneKernelKeepTheirOwnArguments()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        OpenClKernel kernel = runtime.GetKernel(Source, "scale_offset");
        const int threads = 8;
        const int iterations = 25;
        const int n = 513;
        float[] input = OpenClTestSupport.RandomFloats(n, seed: 7);
        using OpenClBuffer<float> shared = runtime.Upload<float>(input);
        using var start = new Barrier(threads);

        var failures = new Exception?[threads];
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                try
                {
                    using OpenClBuffer<float> output = runtime.Allocate<float>(n);
                    float[] result = new float[n];
                    float[] expected = new float[n];
                    start.SignalAndWait();
                    for (int iteration = 0; iteration < iterations; iteration++)
                    {
                        float scale = id + 1 + iteration * 0.5f;
                        int offset = id * 1000 + iteration;
                        runtime.Run(kernel, [(nuint)n], [], shared, output, scale, offset);
                        output.Download(result);
                        for (int i = 0; i < n; i++)
                        {
                            expected[i] = input[i] * scale + offset;
                        }

                        OpenClTestSupport.AssertClose(expected, result);
                    }
                }
                catch (Exception e)
                {
                    failures[id] = e;
                }
            })
            {
                IsBackground = true,
            };
            workers[t].Start();
        }

        for (int t = 0; t < threads; t++)
        {
            Assert.True(workers[t].Join(TimeSpan.FromMinutes(5)), $"Worker {t} did not finish in time.");
            Assert.Null(failures[t]);
        }
    }

    [Fact]
    public void ConcurrentGetKernelBuildsOnce()
    {
        OpenClRuntime runtime = OpenClTestSupport.Runtime;
        string source = Source.Replace("scale_offset", "scale_offset_concurrent_build", StringComparison.Ordinal);
        OpenClKernel[] kernels = new OpenClKernel[6];

        Parallel.For(0, kernels.Length, i => kernels[i] = runtime.GetKernel(source, "scale_offset_concurrent_build"));

        Assert.All(kernels, kernel => Assert.Same(kernels[0], kernel));
    }
}
