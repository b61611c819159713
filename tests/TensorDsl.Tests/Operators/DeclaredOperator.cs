using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Reflection;
using TensorDsl.Tests.Reference;
using Xunit;

namespace TensorDsl.Tests.Operators;

/// <summary>The seven operator kinds.</summary>
public enum OperatorKind
{
    Conv2d,
    Deconv2d,
    Conv2dGradW,
    MaxPool2d,
    AvgPool2d,
    Im2col,
    Col2im,
}

/// <summary>
/// One operator declared in this test project, as the tests see it: the geometry read from its attribute following the
/// attributes' documented rules (per-axis values override <c>Kernel</c>/<c>Stride</c>/<c>Pad</c>; strides default to 1,
/// or to the kernel for pooling; deconv2d's output is <c>OutHeight</c> or s·(H − 1) + k − 2p + output padding), with the
/// shapes the reference (<see cref="NaiveOps"/>) gives for it, and the generated methods callable over double arrays.
/// Nothing here asks the generator for a size: the geometry is the user's declaration, the shapes are the reference's.
/// </summary>
public sealed class DeclaredOperator
{
    private static readonly Lazy<Dictionary<string, DeclaredOperator>> s_all = new(Discover);

    private DeclaredOperator(MethodInfo method, WindowAttribute attribute)
    {
        Method = method;
        Attribute = attribute;
        Kind = attribute switch
        {
            Conv2dAttribute => OperatorKind.Conv2d,
            Deconv2dAttribute => OperatorKind.Deconv2d,
            Conv2dGradWAttribute => OperatorKind.Conv2dGradW,
            MaxPool2dAttribute => OperatorKind.MaxPool2d,
            AvgPool2dAttribute => OperatorKind.AvgPool2d,
            Im2colAttribute => OperatorKind.Im2col,
            _ => OperatorKind.Col2im,
        };
        Type element = method.GetParameters()[0].ParameterType.GetGenericArguments()[0];
        IsFloat = element == typeof(float);
        Assert.True(IsFloat || element == typeof(double), $"{Id}: unexpected element type {element}.");

        bool pooling = Kind is OperatorKind.MaxPool2d or OperatorKind.AvgPool2d;
        KH = Either(attribute.KernelHeight, attribute.Kernel);
        KW = Either(attribute.KernelWidth, attribute.Kernel);
        SH = Either(attribute.StrideHeight, Either(attribute.Stride, pooling ? KH : 1));
        SW = Either(attribute.StrideWidth, Either(attribute.Stride, pooling ? KW : 1));
        PH = Either(attribute.PadHeight, attribute.Pad);
        PW = Either(attribute.PadWidth, attribute.Pad);
        N = attribute.Batch;
        H = attribute.Height;
        W = attribute.Width;
        switch (attribute)
        {
            case ConvolutionAttribute conv:
                C = conv.InChannels;
                OC = conv.OutChannels;
                break;
            case ChannelWindowAttribute channels:
                C = channels.Channels;
                OC = channels.Channels;
                break;
        }

        HasBias = attribute switch
        {
            Conv2dAttribute a => a.Bias,
            Deconv2dAttribute a => a.Bias,
            _ => false,
        };
        ToMatrix = attribute switch
        {
            Im2colAttribute a => a.ToMatrix,
            Col2imAttribute a => a.ToMatrix,
            _ => false,
        };
        CountIncludePad = attribute is AvgPool2dAttribute { CountIncludePad: true };
        if (attribute is Deconv2dAttribute d)
        {
            OH = d.OutHeight != 0 ? d.OutHeight : NaiveOps.DeconvOutSize(H, KH, SH, PH, Either(d.OutputPaddingHeight, d.OutputPadding));
            OW = d.OutWidth != 0 ? d.OutWidth : NaiveOps.DeconvOutSize(W, KW, SW, PW, Either(d.OutputPaddingWidth, d.OutputPadding));
        }
        else
        {
            OH = NaiveOps.ConvOutSize(H, KH, SH, PH);
            OW = NaiveOps.ConvOutSize(W, KW, SW, PW);
        }
    }

    public MethodInfo Method { get; }

    public WindowAttribute Attribute { get; }

    public OperatorKind Kind { get; }

    /// <summary>"ConvOps.Plain": the theory argument that names this operator.</summary>
    public string Id => Method.DeclaringType!.Name + "." + Method.Name;

    public bool IsFloat { get; }

    public int N { get; }

    /// <summary>Input channels (deconv2d: of x, the small side).</summary>
    public int C { get; }

    /// <summary>Input height and width (deconv2d: of x, the small side).</summary>
    public int H { get; }

    public int W { get; }

    /// <summary>Output channels (the same as <see cref="C"/> for pooling and columns).</summary>
    public int OC { get; }

    public int KH { get; }

    public int KW { get; }

    public int SH { get; }

    public int SW { get; }

    public int PH { get; }

    public int PW { get; }

    /// <summary>Output height and width by the reference (deconv2d: of y, the large side).</summary>
    public int OH { get; }

    public int OW { get; }

    public bool HasBias { get; }

    public bool ToMatrix { get; }

    public bool CountIncludePad { get; }

    /// <summary>The operator's input x: N×C×H×W.</summary>
    public Shape4 XShape => new(N, C, H, W);

    /// <summary>The operator's output y: N×OC×OH×OW.</summary>
    public Shape4 YShape => new(N, OC, OH, OW);

    /// <summary>Weights: OC×C×KH×KW for conv2d and its weight gradient, C×OC×KH×KW for deconv2d.</summary>
    public Shape4 WShape => Kind == OperatorKind.Deconv2d ? new(C, OC, KH, KW) : new(OC, C, KH, KW);

    /// <summary>Element count of im2col's columns (either layout).</summary>
    public int ColLength => N * C * KH * KW * OH * OW;

    /// <summary>Every declared operator of this test project, by <see cref="Id"/>.</summary>
    public static IReadOnlyDictionary<string, DeclaredOperator> All => s_all.Value;

    public static DeclaredOperator Get(string id) => All[id];

    /// <summary>Theory data: the ids of every declared operator of a kind.</summary>
    public static TheoryData<string> Ids(OperatorKind kind)
    {
        TheoryData<string> data = new();
        foreach (DeclaredOperator op in All.Values.Where(o => o.Kind == kind).OrderBy(o => o.Id, StringComparer.Ordinal))
        {
            data.Add(op.Id);
        }

        return data;
    }

    /// <summary>Reference-scaled random input of a length: float-representable for a float operator.</summary>
    public double[] Random(int length, int seed, double lo = -1, double hi = 1)
        => IsFloat ? TestData.ToDouble(TestData.RandomSingle(length, seed, lo, hi)) : TestData.Random(length, seed, lo, hi);

    /// <summary>
    /// Calls the generated member <c>{Name}{suffix}</c> ("" for the declared method) with the given inputs (read-only spans,
    /// in order) and fresh outputs of the given lengths (spans, in order), converting to and from float for a float
    /// operator. Outputs start as NaN, so an element the operator fails to write shows up.
    /// </summary>
    public double[][] Run(string suffix, double[][] inputs, params int[] outputs)
        => IsFloat ? Run<float>(Member(suffix), inputs, outputs) : Run<double>(Member(suffix), inputs, outputs);

    /// <summary>Max pooling's forward: y and the indexes.</summary>
    public (double[] Y, int[] Indexes) RunMaxPool(double[] x)
    {
        int[] indexes = Enumerable.Repeat(-7, YShape.Length).ToArray();
        double[] y = IsFloat ? MaxPool<float>(x, indexes) : MaxPool<double>(x, indexes);
        return (y, indexes);
    }

    /// <summary>Max pooling's Backward (indexes, gy → gx) or WithIndexes (indexes, x → y).</summary>
    public double[] RunIndexed(string suffix, int[] indexes, double[] values, int outputLength)
        => IsFloat ? Indexed<float>(Member(suffix), indexes, values, outputLength) : Indexed<double>(Member(suffix), indexes, values, outputLength);

    /// <summary>The generated member, or a clear failure when it does not exist.</summary>
    public MethodInfo Member(string suffix)
    {
        string name = Method.Name + suffix;
        // The span overload: each generated method also has a typed Tensor<T, TShape> overload of the same name.
        MethodInfo? member = Method.DeclaringType!
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .SingleOrDefault(m => m.Name == name && m.GetParameters().All(p => p.ParameterType.IsGenericType
                && (p.ParameterType.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>) || p.ParameterType.GetGenericTypeDefinition() == typeof(Span<>))));
        Assert.True(member is not null, $"{Id}: no generated method {name}.");
        return member!;
    }

    /// <summary>The nested <c>{Name}Shape</c> class's constant, or a clear failure.</summary>
    public int ShapeConstant(string name)
    {
        Type? shape = Method.DeclaringType!.GetNestedType(Method.Name + "Shape", BindingFlags.Public);
        Assert.True(shape is not null, $"{Id}: no generated class {Method.Name}Shape.");
        FieldInfo? field = shape!.GetField(name, BindingFlags.Public | BindingFlags.Static);
        Assert.True(field is { IsLiteral: true }, $"{Id}: {Method.Name}Shape has no constant {name}.");
        return (int)field!.GetRawConstantValue()!;
    }

    public override string ToString() => Id;

    private static int Either(int specific, int shared) => specific != 0 ? specific : shared;

    private static Dictionary<string, DeclaredOperator> Discover()
    {
        Dictionary<string, DeclaredOperator> all = new(StringComparer.Ordinal);
        foreach (Type type in typeof(DeclaredOperator).Assembly.GetTypes())
        {
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<WindowAttribute>() is { } attribute)
                {
                    DeclaredOperator op = new(method, attribute);
                    all.Add(op.Id, op);
                }
            }
        }

        return all;
    }

    private static double[][] Run<T>(MethodInfo member, double[][] inputs, int[] outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[][] i = inputs.Select(To<T>).ToArray();
        T[][] o = outputs.Select(n => Enumerable.Repeat(T.NaN, n).ToArray()).ToArray();
        switch (i.Length, o.Length)
        {
            case (1, 1):
                member.CreateDelegate<In1Out1<T>>()(i[0], o[0]);
                break;
            case (2, 1):
                member.CreateDelegate<In2Out1<T>>()(i[0], i[1], o[0]);
                break;
            case (3, 1):
                member.CreateDelegate<In3Out1<T>>()(i[0], i[1], i[2], o[0]);
                break;
            case (3, 2):
                member.CreateDelegate<In3Out2<T>>()(i[0], i[1], i[2], o[0], o[1]);
                break;
            case (3, 3):
                member.CreateDelegate<In3Out3<T>>()(i[0], i[1], i[2], o[0], o[1], o[2]);
                break;
            default:
                throw new ArgumentException($"No delegate for {i.Length} inputs and {o.Length} outputs.");
        }

        return o.Select(FromT).ToArray();
    }

    private double[] MaxPool<T>(double[] x, int[] indexes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] y = Enumerable.Repeat(T.NaN, YShape.Length).ToArray();
        Method.CreateDelegate<MaxPoolForward<T>>()(To<T>(x), y, indexes);
        return FromT(y);
    }

    private static double[] Indexed<T>(MethodInfo member, int[] indexes, double[] values, int outputLength)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] output = Enumerable.Repeat(T.NaN, outputLength).ToArray();
        member.CreateDelegate<MaxPoolIndexed<T>>()(indexes, To<T>(values), output);
        return FromT(output);
    }

    private static T[] To<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => values.Select(T.CreateTruncating).ToArray();

    private static double[] FromT<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => values.Select(double.CreateTruncating).ToArray();
}

public delegate void In1Out1<T>(ReadOnlySpan<T> a, Span<T> b);

public delegate void In2Out1<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c);

public delegate void In3Out1<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, Span<T> d);

public delegate void In3Out2<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, Span<T> d, Span<T> e);

public delegate void In3Out3<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, Span<T> d, Span<T> e, Span<T> f);

public delegate void MaxPoolForward<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> indexes);

public delegate void MaxPoolIndexed<T>(ReadOnlySpan<int> indexes, ReadOnlySpan<T> values, Span<T> output);

/// <summary>
/// Comparison with a tolerance scaled per element by the magnitude of the terms summed into it: <c>scale</c> is the reference
/// applied to the absolute values of the inputs, which bounds every partial sum, so the rounding of any summation order stays
/// below rel · scale (rel 1e-5 for float, 1e-12 for double). An element whose terms are all zero must be exactly 0.
/// </summary>
public static class Scaled
{
    public static void Close(double[] expected, double[] scale, double[] actual, bool isFloat, string what, int[]? shape = null)
    {
        double rel = isFloat ? 1e-5 : 1e-12;
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} elements, actual has {actual.Length}.");
        Assert.Equal(expected.Length, scale.Length);
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            bool ok = double.IsNaN(expected[i])
                ? double.IsNaN(actual[i])
                : Math.Abs(expected[i] - actual[i]) <= rel * scale[i];
            if (!ok)
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }

        if (mismatches > 0)
        {
            Assert.Fail(
                $"{what}: {mismatches} of {expected.Length} elements differ. First at flat index {first}{TensorAssert.Coordinates(first, shape)}: "
                + $"expected {expected[first]:R}, actual {actual[first]:R}, |diff| {Math.Abs(expected[first] - actual[first]):R} > {rel:G2} × scale {scale[first]:R}.");
        }
    }

    /// <summary>Element-wise absolute values.</summary>
    public static double[] Abs(double[] values) => values.Select(Math.Abs).ToArray();

    /// <summary>Bit-for-bit equality of two results (thread-count independence).</summary>
    public static void Identical(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, not bit-identical to {expected[i]:R}.");
            }
        }
    }
}
