using System.Linq;
using TensorDsl.OpenCL;
using TensorDsl.Tests.Models;
using TensorDsl.Tests.Reference;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.OpenCL.Models;

/// <summary>
/// Models run on the device (activations kept there between layers) must give what the CPU model gives: the CPU
/// model's gradients are checked against finite differences elsewhere, so agreement here checks the device path.
/// </summary>
[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public class ModelOnOpenClTests
{
    [Fact]
    public void Every_layer_kind_matches_the_cpu_model_in_double()
    {
        EveryLayer cpu = new(seed: 7) { Training = true };
        EveryLayer gpu = new(seed: 7) { Training = true };
        using EveryLayer.OnOpenCL device = new(gpu, OpenClTestSupport.Runtime);
        double[] x = TestData.Random(EveryLayer.InputLength, seed: 5);
        int[] labels = { 1, 2 };
        for (int step = 0; step < 2; step++)
        {
            double expected = cpu.TrainStep(x, labels);
            double actual = device.TrainStep(x, labels);
            Assert.Equal(expected, actual, 1e-10);
            OpenClTestSupport.AssertClose(cpu.Output, gpu.Output, relative: 1e-10, absolute: 1e-12);
            for (int i = 0; i < cpu.Parameters.Count; i++)
            {
                OpenClTestSupport.AssertClose(cpu.Parameters[i].Gradient, gpu.Parameters[i].Gradient, relative: 1e-9, absolute: 1e-11);
            }
        }
    }

    [Fact]
    public void Training_on_the_device_follows_the_cpu_run()
    {
        TinyLeNet cpu = new(seed: 3);
        TinyLeNet gpu = new(seed: 3);
        using TinyLeNet.OnOpenCL device = new(gpu, OpenClTestSupport.Runtime);
        Sgd<float> cpuSgd = new(cpu, 0.05f, 0.9f);
        Sgd<float> gpuSgd = new(gpu, 0.05f, 0.9f);
        float[] x = OpenClTestSupport.RandomFloats(TinyLeNet.InputLength, seed: 9);
        int[] labels = Enumerable.Range(0, TinyLeNet.Batch).Select(i => i % 5).ToArray();
        float first = 0, last = 0;
        for (int step = 0; step < 10; step++)
        {
            float expected = cpu.TrainStep(x, labels);
            float actual = device.TrainStep(x, labels);
            Assert.Equal(expected, actual, 1e-3f);
            cpuSgd.Step();
            gpuSgd.Step();
            first = step == 0 ? actual : first;
            last = actual;
        }

        Assert.True(last < first, $"device training did not reduce the loss: {first} → {last}");
        for (int i = 0; i < cpu.Parameters.Count; i++)
        {
            OpenClTestSupport.AssertClose(cpu.Parameters[i].Value, gpu.Parameters[i].Value, relative: 1e-3, absolute: 1e-4);
        }
    }
}
