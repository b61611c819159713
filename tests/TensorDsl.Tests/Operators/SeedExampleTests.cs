using System;
using System.Linq;
using Xunit;

namespace TensorDsl.Tests.Operators;

/// <summary>The worked examples of the textbook notes in shared/seeds, element for element.</summary>
public class SeedExampleTests
{
    private static double[] Arange(int n) => Enumerable.Range(0, n).Select(i => (double)i).ToArray();

    [Fact]
    public void Conv_of_4x4_arange_with_ones_plus_3()
    {
        double[] y = new double[9];
        SeedOperators.Conv4x4(Arange(16), new double[] { 1, 1, 1, 1 }, new double[] { 3 }, y);
        Assert.Equal(new double[] { 13, 17, 21, 29, 33, 37, 45, 49, 53 }, y);
    }

    [Fact]
    public void Conv_of_3x3_arange_with_pad_1()
    {
        double[] y = new double[16];
        SeedOperators.Conv3x3Padded(Arange(9), new double[] { 1, 1, 1, 1 }, new double[] { 3 }, y);
        Assert.Equal(new double[] { 3, 4, 6, 5, 6, 11, 15, 10, 12, 23, 27, 16, 9, 16, 18, 11 }, y);
    }

    [Fact]
    public void Two_channels_three_filters()
    {
        float[] x = Enumerable.Range(0, 18).Select(i => (float)i).ToArray();
        float[] w = Enumerable.Repeat(1f, 3 * 2 * 2 * 2).ToArray();
        float[] y = new float[3 * 4];
        SeedOperators.TwoChannelsThreeFilters(x, w, new float[] { 3, 3, 3 }, y);
        for (int oc = 0; oc < 3; oc++)
        {
            Assert.Equal(new float[] { 55, 63, 79, 87 }, y.Skip(oc * 4).Take(4).ToArray());
        }
    }

    [Fact]
    public void Im2col_shapes_match_the_seed()
    {
        Assert.Equal(9 * 75, SeedOperators.Im2colSingleShape.ColLength);
        Assert.Equal(90 * 75, SeedOperators.Im2colBatchShape.ColLength);
        SeedOperators.Im2colBatch(new double[10 * 3 * 7 * 7], new double[90 * 75]);
    }

    [Fact]
    public void Col2im_of_im2col_of_arange()
    {
        double[] col = new double[9 * 4];
        SeedOperators.Im2col4x4(Arange(16), col);
        double[] x = new double[16];
        SeedOperators.Im2col4x4Backward(col, x);
        Assert.Equal(new double[] { 0, 2, 4, 3, 8, 20, 24, 14, 16, 36, 40, 22, 12, 26, 28, 15 }, x);
    }

    [Fact]
    public void Max_pooling_and_its_backward()
    {
        double[] x = { 7, 11, 13, 15, 3, 4, 2, 3, 1, 2, 15, 9, 1, 8, 3, 10 };
        double[] y = new double[4];
        int[] indexes = new int[4];
        SeedOperators.MaxPool4x4(x, y, indexes);
        Assert.Equal(new double[] { 11, 15, 8, 15 }, y);

        double[] gx = new double[16];
        SeedOperators.MaxPool4x4Backward(indexes, new double[] { 1, 2, 3, 4 }, gx);
        Assert.Equal(new double[] { 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 4, 0, 0, 3, 0, 0 }, gx);
    }

    [Fact]
    public void Wrong_length_names_parameter_shape_and_length()
    {
#pragma warning disable TDSL0200 // the run-time check is under test; at compile time the analyzer rejects this length
        ArgumentException e = Assert.Throws<ArgumentException>(() => SeedOperators.Conv4x4(new double[15], new double[4], new double[1], new double[9]));
#pragma warning restore TDSL0200
        Assert.Equal("x", e.ParamName);
        Assert.Contains("16", e.Message);
        Assert.Contains("1×1×4×4", e.Message);
        Assert.Contains("15", e.Message);
    }
}
