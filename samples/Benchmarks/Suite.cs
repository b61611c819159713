using System;

namespace TensorDsl.Benchmarks;

/// <summary>The benchmark suite's operators (float32, NCHW), declared as a user would.</summary>
public static partial class Suite
{
    [Conv2d(Batch = 100, InChannels = 1, Height = 28, Width = 28, OutChannels = 30, Kernel = 5)]
    public static partial void SeedMnist(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 64, InChannels = 6, Height = 14, Width = 14, OutChannels = 16, Kernel = 5)]
    public static partial void LenetC2(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 32, InChannels = 64, Height = 32, Width = 32, OutChannels = 64, Kernel = 3, Pad = 1)]
    public static partial void Cifar3x3(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 8, InChannels = 3, Height = 224, Width = 224, OutChannels = 64, Kernel = 7, Stride = 2, Pad = 3)]
    public static partial void ResnetStem(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 8, InChannels = 64, Height = 56, Width = 56, OutChannels = 64, Kernel = 3, Pad = 1)]
    public static partial void Resnet3x3(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 16, InChannels = 128, Height = 28, Width = 28, OutChannels = 256, Kernel = 3, Stride = 2, Pad = 1)]
    public static partial void Strided3x3(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Conv2d(Batch = 16, InChannels = 256, Height = 14, Width = 14, OutChannels = 256, Kernel = 1)]
    public static partial void Pointwise1x1(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Deconv2d(Batch = 16, InChannels = 64, Height = 16, Width = 16, OutChannels = 32, Kernel = 4, Stride = 2, Pad = 1)]
    public static partial void DeconvUp(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [MaxPool2d(Batch = 32, Channels = 64, Height = 56, Width = 56, Kernel = 2, Stride = 2)]
    public static partial void MaxPool(ReadOnlySpan<float> x, Span<float> y, Span<int> indexes);

    [AvgPool2d(Batch = 32, Channels = 64, Height = 56, Width = 56, Kernel = 3, Stride = 1, Pad = 1)]
    public static partial void AvgPool(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>The inputs compare.sh's PyTorch side computes too (torch_bench.py's fill): a fixed Weyl sequence in [−1, 1).</summary>
    public static void Fill(float[] values, int seed, double scale = 1.0)
    {
        for (int i = 0; i < values.Length; i++)
        {
            ulong v = (((ulong)i * 2654435761UL) + (97UL * (ulong)seed)) % 4294967296UL;
            values[i] = (float)(((v / 4294967296.0 * 2.0) - 1.0) * scale);
        }
    }
}

/// <summary>One case of the suite: its tensors, allocated once, and its forward and backward calls.</summary>
public sealed class SuiteCase
{
    private SuiteCase(string name, string kind, int n, int c, int h, int w, int oc, int k, int s, int p)
    {
        Name = name;
        Kind = kind;
        N = n;
        C = c;
        H = h;
        W = w;
        OC = oc;
        K = k;
        S = s;
        P = p;
        if (kind == "deconv")
        {
            OH = (s * (h - 1)) + k - (2 * p);
            OW = (s * (w - 1)) + k - (2 * p);
        }
        else
        {
            OH = ((h + (2 * p) - k) / s) + 1;
            OW = ((w + (2 * p) - k) / s) + 1;
        }

        bool conv = kind is "conv" or "deconv";
        int yChannels = conv ? oc : c;
        X = new float[n * c * h * w];
        Y = new float[n * yChannels * OH * OW];
        Gy = new float[Y.Length];
        Gx = new float[X.Length];
        Suite.Fill(X, 1);
        Suite.Fill(Gy, 4);
        if (conv)
        {
            Wt = new float[oc * c * k * k];
            Gw = new float[Wt.Length];
            B = new float[oc];
            Gb = new float[oc];
            Suite.Fill(Wt, 2, 1.0 / Math.Sqrt(c * k * k));
            Suite.Fill(B, 3);
        }
        else
        {
            Wt = Gw = B = Gb = Array.Empty<float>();
        }

        Indexes = kind == "maxpool" ? new int[Y.Length] : Array.Empty<int>();
    }

    public static SuiteCase[] All { get; } =
    {
        new("seed_mnist", "conv", 100, 1, 28, 28, 30, 5, 1, 0),
        new("lenet_c2", "conv", 64, 6, 14, 14, 16, 5, 1, 0),
        new("cifar_3x3", "conv", 32, 64, 32, 32, 64, 3, 1, 1),
        new("resnet_stem", "conv", 8, 3, 224, 224, 64, 7, 2, 3),
        new("resnet_3x3", "conv", 8, 64, 56, 56, 64, 3, 1, 1),
        new("strided_3x3", "conv", 16, 128, 28, 28, 256, 3, 2, 1),
        new("pointwise_1x1", "conv", 16, 256, 14, 14, 256, 1, 1, 0),
        new("deconv_up", "deconv", 16, 64, 16, 16, 32, 4, 2, 1),
        new("maxpool", "maxpool", 32, 64, 56, 56, 64, 2, 2, 0),
        new("avgpool", "avgpool", 32, 64, 56, 56, 64, 3, 1, 1),
    };

    public string Name { get; }

    public string Kind { get; }

    public int N { get; }

    public int C { get; }

    public int H { get; }

    public int W { get; }

    public int OC { get; }

    public int K { get; }

    public int S { get; }

    public int P { get; }

    public int OH { get; }

    public int OW { get; }

    public float[] X { get; }

    public float[] Wt { get; }

    public float[] B { get; }

    public float[] Y { get; }

    public float[] Gy { get; }

    public float[] Gx { get; }

    public float[] Gw { get; }

    public float[] Gb { get; }

    public int[] Indexes { get; }

    /// <summary>Multiply-adds ×2 of the forward (backward: twice that); 0 for pooling.</summary>
    public double ForwardFlops => Kind switch
    {
        "conv" => 2.0 * N * OC * OH * OW * C * K * K,
        "deconv" => 2.0 * N * C * H * W * OC * K * K,
        _ => 0,
    };

    /// <summary>Bytes a pooling pass must move at least (input read, output written; backward the reverse).</summary>
    public double PoolBytes => 4.0 * ((double)X.Length + Y.Length) + (Kind == "maxpool" ? 4.0 * Y.Length : 0);

    public void Forward()
    {
        switch (Name)
        {
            case "seed_mnist": Suite.SeedMnist(X, Wt, B, Y); break;
            case "lenet_c2": Suite.LenetC2(X, Wt, B, Y); break;
            case "cifar_3x3": Suite.Cifar3x3(X, Wt, B, Y); break;
            case "resnet_stem": Suite.ResnetStem(X, Wt, B, Y); break;
            case "resnet_3x3": Suite.Resnet3x3(X, Wt, B, Y); break;
            case "strided_3x3": Suite.Strided3x3(X, Wt, B, Y); break;
            case "pointwise_1x1": Suite.Pointwise1x1(X, Wt, B, Y); break;
            case "deconv_up": Suite.DeconvUp(X, Wt, B, Y); break;
            case "maxpool": Suite.MaxPool(X, Y, Indexes); break;
            default: Suite.AvgPool(X, Y); break;
        }
    }

    /// <summary>The backward of a convolution, one gradient at a time (for profiles): gx, gw, gb.</summary>
    public (string Name, System.Action Call)[] BackwardParts() => Name switch
    {
        "seed_mnist" => Parts(() => Suite.SeedMnistBackwardInput(Wt, Gy, Gx), () => Suite.SeedMnistBackwardWeight(X, Gy, Gw), () => Suite.SeedMnistBackwardBias(Gy, Gb)),
        "lenet_c2" => Parts(() => Suite.LenetC2BackwardInput(Wt, Gy, Gx), () => Suite.LenetC2BackwardWeight(X, Gy, Gw), () => Suite.LenetC2BackwardBias(Gy, Gb)),
        "cifar_3x3" => Parts(() => Suite.Cifar3x3BackwardInput(Wt, Gy, Gx), () => Suite.Cifar3x3BackwardWeight(X, Gy, Gw), () => Suite.Cifar3x3BackwardBias(Gy, Gb)),
        "resnet_stem" => Parts(() => Suite.ResnetStemBackwardInput(Wt, Gy, Gx), () => Suite.ResnetStemBackwardWeight(X, Gy, Gw), () => Suite.ResnetStemBackwardBias(Gy, Gb)),
        "resnet_3x3" => Parts(() => Suite.Resnet3x3BackwardInput(Wt, Gy, Gx), () => Suite.Resnet3x3BackwardWeight(X, Gy, Gw), () => Suite.Resnet3x3BackwardBias(Gy, Gb)),
        "strided_3x3" => Parts(() => Suite.Strided3x3BackwardInput(Wt, Gy, Gx), () => Suite.Strided3x3BackwardWeight(X, Gy, Gw), () => Suite.Strided3x3BackwardBias(Gy, Gb)),
        "pointwise_1x1" => Parts(() => Suite.Pointwise1x1BackwardInput(Wt, Gy, Gx), () => Suite.Pointwise1x1BackwardWeight(X, Gy, Gw), () => Suite.Pointwise1x1BackwardBias(Gy, Gb)),
        "deconv_up" => Parts(() => Suite.DeconvUpBackwardInput(Wt, Gy, Gx), () => Suite.DeconvUpBackwardWeight(X, Gy, Gw), () => Suite.DeconvUpBackwardBias(Gy, Gb)),
        _ => System.Array.Empty<(string, System.Action)>(),
    };

    private static (string, System.Action)[] Parts(System.Action gx, System.Action gw, System.Action gb) => new[] { ("gx", gx), ("gw", gw), ("gb", gb) };

    /// <summary>All gradients: gx, gw and gb for convolutions (each from x, w, gy), gx for pooling.</summary>
    public void Backward()
    {
        switch (Name)
        {
            case "seed_mnist": Suite.SeedMnistBackward(X, Wt, Gy, Gx, Gw, Gb); break;
            case "lenet_c2": Suite.LenetC2Backward(X, Wt, Gy, Gx, Gw, Gb); break;
            case "cifar_3x3": Suite.Cifar3x3Backward(X, Wt, Gy, Gx, Gw, Gb); break;
            case "resnet_stem": Suite.ResnetStemBackward(X, Wt, Gy, Gx, Gw, Gb); break;
            case "resnet_3x3": Suite.Resnet3x3Backward(X, Wt, Gy, Gx, Gw, Gb); break;
            case "strided_3x3": Suite.Strided3x3Backward(X, Wt, Gy, Gx, Gw, Gb); break;
            case "pointwise_1x1": Suite.Pointwise1x1Backward(X, Wt, Gy, Gx, Gw, Gb); break;
            case "deconv_up": Suite.DeconvUpBackward(X, Wt, Gy, Gx, Gw, Gb); break;
            case "maxpool": Suite.MaxPoolBackward(Indexes, Gy, Gx); break;
            default: Suite.AvgPoolBackward(Gy, Gx); break;
        }
    }
}
