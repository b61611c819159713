using System.Linq;
using TensorDsl.OpenCL;
using TensorDsl.Tests.Operators;
using TensorDsl.Tests.Reference;
using Xunit;
using static TensorDsl.Tests.OpenCL.Operators.OpenClOperatorSupport;

namespace TensorDsl.Tests.OpenCL.Operators;

/// <summary>
/// The textbook's worked examples (as <see cref="SeedExampleTests"/>) through the OpenCL classes generated for the
/// same <see cref="SeedOperators"/> declarations. The values are small integers, so every result is exact.
/// </summary>
[Trait("Category", "OpenCL")]
[Collection(OpenClCollection.Name)]
public sealed class OpenClSeedExampleTests
{
    [Fact]
    public void Conv_of_4x4_arange_with_ones_plus_3()
    {
        using OpenClBuffer<double> x = DeviceRuntime.Upload<double>(TestData.Arange(16)), w = DeviceRuntime.Upload<double>(TestData.Filled(4, 1)), b = DeviceRuntime.Upload<double>(new double[] { 3 });
        using OpenClBuffer<double> y = Poisoned<double>(9);
        SeedOperators.Conv4x4OpenCL.Forward(x, w, b, y);
        Assert.Equal(new double[] { 13, 17, 21, 29, 33, 37, 45, 49, 53 }, y.ToArray());
    }

    [Fact]
    public void Conv_of_3x3_arange_with_pad_1()
    {
        using OpenClBuffer<double> x = DeviceRuntime.Upload<double>(TestData.Arange(9)), w = DeviceRuntime.Upload<double>(TestData.Filled(4, 1)), b = DeviceRuntime.Upload<double>(new double[] { 3 });
        using OpenClBuffer<double> y = Poisoned<double>(16);
        SeedOperators.Conv3x3PaddedOpenCL.Forward(x, w, b, y);
        Assert.Equal(new double[] { 3, 4, 6, 5, 6, 11, 15, 10, 12, 23, 27, 16, 9, 16, 18, 11 }, y.ToArray());
    }

    [Fact]
    public void Two_channels_three_filters()
    {
        float[] input = Enumerable.Range(0, 18).Select(i => (float)i).ToArray();
        using OpenClBuffer<float> x = DeviceRuntime.Upload<float>(input), w = DeviceRuntime.Upload<float>(Enumerable.Repeat(1f, 3 * 2 * 2 * 2).ToArray());
        using OpenClBuffer<float> b = DeviceRuntime.Upload<float>(new float[] { 3, 3, 3 }), y = Poisoned<float>(12);
        SeedOperators.TwoChannelsThreeFiltersOpenCL.Forward(x, w, b, y);
        float[] result = y.ToArray();
        for (int oc = 0; oc < 3; oc++)
        {
            Assert.Equal(new float[] { 55, 63, 79, 87 }, result.Skip(oc * 4).Take(4).ToArray());
        }
    }

    [Fact]
    public void Im2col_batch_matches_the_reference()
    {
        double[] x = TestData.Random(10 * 3 * 7 * 7, 201);
        using OpenClBuffer<double> dx = DeviceRuntime.Upload<double>(x), col = Poisoned<double>(SeedOperators.Im2colBatchShape.ColLength);
        SeedOperators.Im2colBatchOpenCL.Forward(dx, col);
        AssertSame(NaiveOps.Im2col(x, new Shape4(10, 3, 7, 7), 5, 5, 1, 1, 0, 0, toMatrix: true), col.ToArray(), "im2col of the seed batch");
    }

    [Fact]
    public void Col2im_of_im2col_of_arange()
    {
        using OpenClBuffer<double> x = DeviceRuntime.Upload<double>(TestData.Arange(16)), col = Poisoned<double>(9 * 4), back = Poisoned<double>(16);
        SeedOperators.Im2col4x4OpenCL.Forward(x, col);
        SeedOperators.Im2col4x4OpenCL.Backward(col, back);
        Assert.Equal(new double[] { 0, 2, 4, 3, 8, 20, 24, 14, 16, 36, 40, 22, 12, 26, 28, 15 }, back.ToArray());
    }

    [Fact]
    public void Max_pooling_and_its_backward()
    {
        using OpenClBuffer<double> x = DeviceRuntime.Upload<double>(new double[] { 7, 11, 13, 15, 3, 4, 2, 3, 1, 2, 15, 9, 1, 8, 3, 10 });
        using OpenClBuffer<double> y = Poisoned<double>(4), gy = DeviceRuntime.Upload<double>(new double[] { 1, 2, 3, 4 }), gx = Poisoned<double>(16);
        using OpenClBuffer<int> indexes = DeviceRuntime.Allocate<int>(4);
        SeedOperators.MaxPool4x4OpenCL.Forward(x, y, indexes);
        SeedOperators.MaxPool4x4OpenCL.Backward(indexes, gy, gx);
        Assert.Equal(new double[] { 11, 15, 8, 15 }, y.ToArray());
        Assert.Equal(new double[] { 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 4, 0, 0, 3, 0, 0 }, gx.ToArray());
    }
}
