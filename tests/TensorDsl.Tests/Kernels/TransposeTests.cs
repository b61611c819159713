using TensorDsl.Kernels;
using Xunit;

namespace TensorDsl.Tests.Kernels;

public sealed class TransposeTests
{
    [Theory]
    [InlineData(16, 16, 7, 9, 7, 10)]
    [InlineData(16, 5, 3, 8, 4, 8)]
    [InlineData(16, 12, 14, 14, 14, 15)]
    [InlineData(16, 16, 1, 40, 2, 40)]
    [InlineData(8, 8, 5, 5, 5, 6)]
    public void Planes_to_positions_matches_its_definition(int channels, int valid, int height, int width, int targetHeight, int targetWidth)
    {
        // to[(oh·targetWidth + ow)·ldTo + c] = from[c·plane + oh·width + ow] for c < valid, zero for the other channels and
        // the cells outside the planes; blocks of 8 or 16 positions across plane rows, a plane not a multiple of 8,
        // fewer valid channels than one half of a block. Cells are ldTo apart, past them nothing is touched.
        int plane = height * width, ldTo = channels + 3;
        float[] from = new float[channels * plane];
        for (int i = 0; i < from.Length; i++)
        {
            from[i] = i + 1;
        }

        float[] to = new float[targetHeight * targetWidth * ldTo];
        System.Array.Fill(to, float.NaN);
        Transpose.PlanesToPositions(ref from[0], height, width, channels, valid, ref to[0], targetHeight, targetWidth, ldTo);
        for (int oh = 0; oh < targetHeight; oh++)
        {
            for (int ow = 0; ow < targetWidth; ow++)
            {
                for (int c = 0; c < ldTo; c++)
                {
                    float actual = to[(((oh * targetWidth) + ow) * ldTo) + c];
                    if (c >= channels)
                    {
                        Assert.True(float.IsNaN(actual), $"cell ({oh}, {ow}) slot {c} past the channels was written");
                        continue;
                    }

                    float expected = c < valid && oh < height && ow < width ? from[(c * plane) + (oh * width) + ow] : 0f;
                    Assert.True(expected == actual, $"cell ({oh}, {ow}) channel {c}: expected {expected}, got {actual}");
                }
            }
        }
    }
}
