using System;
using System.Linq;
using TensorDsl.Tests.Reference;
using Xunit;

namespace TensorDsl.Tests.Operators;

/// <summary>
/// Every declared operator (<see cref="ConvOps"/>, <see cref="DeconvOps"/>, <see cref="PoolOps"/>, <see cref="ColumnOps"/>,
/// <see cref="PairOps"/>, <see cref="SeedOperators"/>): forward and every generated backward against <see cref="NaiveOps"/>,
/// with random inputs, tolerances scaled by the magnitude of each sum (<see cref="Scaled"/>), and the <c>{Name}Shape</c>
/// constants against the reference's shapes.
/// </summary>
public class NumericalTests
{
    public static TheoryData<string> Conv2dOps => DeclaredOperator.Ids(OperatorKind.Conv2d);

    public static TheoryData<string> Deconv2dOps => DeclaredOperator.Ids(OperatorKind.Deconv2d);

    public static TheoryData<string> Conv2dGradWOps => DeclaredOperator.Ids(OperatorKind.Conv2dGradW);

    public static TheoryData<string> MaxPool2dOps => DeclaredOperator.Ids(OperatorKind.MaxPool2d);

    public static TheoryData<string> AvgPool2dOps => DeclaredOperator.Ids(OperatorKind.AvgPool2d);

    public static TheoryData<string> Im2colOps => DeclaredOperator.Ids(OperatorKind.Im2col);

    public static TheoryData<string> Col2imOps => DeclaredOperator.Ids(OperatorKind.Col2im);

    public static TheoryData<string> AllOps
    {
        get
        {
            TheoryData<string> data = new();
            foreach (string id in DeclaredOperator.All.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                data.Add(id);
            }

            return data;
        }
    }

    [Fact]
    public void Discovery_finds_the_declared_operators()
    {
        // Guards the reflection that feeds every theory here: a broken discovery must not pass by testing nothing.
        Assert.True(CountOf(OperatorKind.Conv2d) >= 15, "conv2d");
        Assert.True(CountOf(OperatorKind.Deconv2d) >= 10, "deconv2d");
        Assert.True(CountOf(OperatorKind.Conv2dGradW) >= 5, "Conv2dGradW");
        Assert.True(CountOf(OperatorKind.MaxPool2d) >= 8, "max pooling");
        Assert.True(CountOf(OperatorKind.AvgPool2d) >= 8, "average pooling");
        Assert.True(CountOf(OperatorKind.Im2col) >= 6, "im2col");
        Assert.True(CountOf(OperatorKind.Col2im) >= 5, "col2im");
        DeclaredOperator torch = DeclaredOperator.Get("DeconvOps.Torch");
        Assert.Equal((1, 2, 3, 4, 3, 3, 2, 2, 3, 1, 0, 6, 13), (torch.N, torch.C, torch.H, torch.W, torch.OC, torch.KH, torch.KW, torch.SH, torch.SW, torch.PH, torch.PW, torch.OH, torch.OW));
        DeclaredOperator pool = DeclaredOperator.Get("PoolOps.MaxPlain");
        Assert.Equal((2, 2, 2, 3), (pool.SH, pool.SW, pool.OH, pool.OW));
    }

    private static int CountOf(OperatorKind kind) => DeclaredOperator.All.Values.Count(o => o.Kind == kind);

    // ------------------------------------------------------------------ conv2d

    [Theory]
    [MemberData(nameof(Conv2dOps))]
    public void Conv2d_forward_and_every_backward_match_the_reference(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ws = op.WShape, ys = op.YShape;
        double[] x = op.Random(xs.Length, 1), w = op.Random(ws.Length, 2), b = op.Random(op.OC, 3), gy = op.Random(ys.Length, 4);
        double[]? bias = op.HasBias ? b : null;

        double[] y = op.Run("", op.HasBias ? new[] { x, w, b } : new[] { x, w }, ys.Length)[0];
        Scaled.Close(NaiveOps.Conv2d(x, xs, w, ws, bias, op.SH, op.SW, op.PH, op.PW), NaiveOps.Conv2d(Scaled.Abs(x), xs, Scaled.Abs(w), ws, bias is null ? null : Scaled.Abs(bias), op.SH, op.SW, op.PH, op.PW), y, op.IsFloat, id + " y", ys.Dims);

        double[] expectedGx = NaiveOps.Conv2dGradX(w, ws, gy, ys, xs, op.SH, op.SW, op.PH, op.PW);
        double[] scaleGx = NaiveOps.Conv2dGradX(Scaled.Abs(w), ws, Scaled.Abs(gy), ys, xs, op.SH, op.SW, op.PH, op.PW);
        double[] expectedGw = NaiveOps.Conv2dGradW(x, xs, gy, ys, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW);
        double[] scaleGw = NaiveOps.Conv2dGradW(Scaled.Abs(x), xs, Scaled.Abs(gy), ys, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW);
        double[] expectedGb = NaiveOps.Conv2dGradB(gy, ys), scaleGb = NaiveOps.Conv2dGradB(Scaled.Abs(gy), ys);

        Scaled.Close(expectedGx, scaleGx, op.Run("BackwardInput", new[] { w, gy }, xs.Length)[0], op.IsFloat, id + " BackwardInput", xs.Dims);
        Scaled.Close(expectedGw, scaleGw, op.Run("BackwardWeight", new[] { x, gy }, ws.Length)[0], op.IsFloat, id + " BackwardWeight", ws.Dims);
        Scaled.Close(expectedGb, scaleGb, op.Run("BackwardBias", new[] { gy }, op.OC)[0], op.IsFloat, id + " BackwardBias");

        double[][] all = op.Run("Backward", new[] { x, w, gy }, op.HasBias ? new[] { xs.Length, ws.Length, op.OC } : new[] { xs.Length, ws.Length });
        Scaled.Close(expectedGx, scaleGx, all[0], op.IsFloat, id + " Backward gx", xs.Dims);
        Scaled.Close(expectedGw, scaleGw, all[1], op.IsFloat, id + " Backward gw", ws.Dims);
        if (op.HasBias)
        {
            Scaled.Close(expectedGb, scaleGb, all[2], op.IsFloat, id + " Backward gb");
        }
    }

    // ------------------------------------------------------------------ deconv2d

    [Theory]
    [MemberData(nameof(Deconv2dOps))]
    public void Deconv2d_forward_and_every_backward_match_the_reference(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ws = op.WShape, ys = op.YShape;
        double[] x = op.Random(xs.Length, 5), w = op.Random(ws.Length, 6), b = op.Random(op.OC, 7), gy = op.Random(ys.Length, 8);
        double[]? bias = op.HasBias ? b : null;

        double[] y = op.Run("", op.HasBias ? new[] { x, w, b } : new[] { x, w }, ys.Length)[0];
        Scaled.Close(
            NaiveOps.Deconv2d(x, xs, w, ws, bias, op.SH, op.SW, op.PH, op.PW, op.OH, op.OW),
            NaiveOps.Deconv2d(Scaled.Abs(x), xs, Scaled.Abs(w), ws, bias is null ? null : Scaled.Abs(bias), op.SH, op.SW, op.PH, op.PW, op.OH, op.OW),
            y, op.IsFloat, id + " y", ys.Dims);

        // deconv2d is conv2d's input gradient, so its own gradients are conv2d (input) and Conv2DGradW with the roles
        // of x and gy swapped (weight); the weight layout C×OC×KH×KW is conv2d's OC'×C'×KH×KW for the conv from y to x.
        Assert.Equal(xs, new Shape4(op.N, op.C, NaiveOps.ConvOutSize(op.OH, op.KH, op.SH, op.PH), NaiveOps.ConvOutSize(op.OW, op.KW, op.SW, op.PW)));
        double[] expectedGx = NaiveOps.Conv2d(gy, ys, w, ws, null, op.SH, op.SW, op.PH, op.PW);
        double[] scaleGx = NaiveOps.Conv2d(Scaled.Abs(gy), ys, Scaled.Abs(w), ws, null, op.SH, op.SW, op.PH, op.PW);
        double[] expectedGw = NaiveOps.Conv2dGradW(gy, ys, x, xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW);
        double[] scaleGw = NaiveOps.Conv2dGradW(Scaled.Abs(gy), ys, Scaled.Abs(x), xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW);
        double[] expectedGb = NaiveOps.Conv2dGradB(gy, ys), scaleGb = NaiveOps.Conv2dGradB(Scaled.Abs(gy), ys);

        Scaled.Close(expectedGx, scaleGx, op.Run("BackwardInput", new[] { w, gy }, xs.Length)[0], op.IsFloat, id + " BackwardInput", xs.Dims);
        Scaled.Close(expectedGw, scaleGw, op.Run("BackwardWeight", new[] { x, gy }, ws.Length)[0], op.IsFloat, id + " BackwardWeight", ws.Dims);
        Scaled.Close(expectedGb, scaleGb, op.Run("BackwardBias", new[] { gy }, op.OC)[0], op.IsFloat, id + " BackwardBias");

        double[][] all = op.Run("Backward", new[] { x, w, gy }, op.HasBias ? new[] { xs.Length, ws.Length, op.OC } : new[] { xs.Length, ws.Length });
        Scaled.Close(expectedGx, scaleGx, all[0], op.IsFloat, id + " Backward gx", xs.Dims);
        Scaled.Close(expectedGw, scaleGw, all[1], op.IsFloat, id + " Backward gw", ws.Dims);
        if (op.HasBias)
        {
            Scaled.Close(expectedGb, scaleGb, all[2], op.IsFloat, id + " Backward gb");
        }
    }

    // ------------------------------------------------------------------ Conv2dGradW

    [Theory]
    [MemberData(nameof(Conv2dGradWOps))]
    public void Conv2dGradW_forward_and_backward_match_the_reference(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ws = op.WShape, ys = op.YShape;
        double[] x = op.Random(xs.Length, 9), gy = op.Random(ys.Length, 10), ggw = op.Random(ws.Length, 11);

        double[] gw = op.Run("", new[] { x, gy }, ws.Length)[0];
        Scaled.Close(
            NaiveOps.Conv2dGradW(x, xs, gy, ys, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW),
            NaiveOps.Conv2dGradW(Scaled.Abs(x), xs, Scaled.Abs(gy), ys, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW),
            gw, op.IsFloat, id + " gw", ws.Dims);

        // d⟨ggw, gw⟩/dx is conv2d's input gradient of gy through ggw; d/dgy is conv2d of x with ggw.
        double[][] backward = op.Run("Backward", new[] { x, gy, ggw }, xs.Length, ys.Length);
        Scaled.Close(
            NaiveOps.Conv2dGradX(ggw, ws, gy, ys, xs, op.SH, op.SW, op.PH, op.PW),
            NaiveOps.Conv2dGradX(Scaled.Abs(ggw), ws, Scaled.Abs(gy), ys, xs, op.SH, op.SW, op.PH, op.PW),
            backward[0], op.IsFloat, id + " Backward gx", xs.Dims);
        Scaled.Close(
            NaiveOps.Conv2d(x, xs, ggw, ws, null, op.SH, op.SW, op.PH, op.PW),
            NaiveOps.Conv2d(Scaled.Abs(x), xs, Scaled.Abs(ggw), ws, null, op.SH, op.SW, op.PH, op.PW),
            backward[1], op.IsFloat, id + " Backward ggy", ys.Dims);
    }

    // ------------------------------------------------------------------ max pooling

    [Theory]
    [MemberData(nameof(MaxPool2dOps))]
    public void MaxPool2d_forward_indexes_backward_and_with_indexes_match_the_reference(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ys = op.YShape;

        // Random values include negatives everywhere, so a padded cell winning (as a zero) would show.
        double[] x = op.Random(xs.Length, 12, -3, -0.5);
        (double[] y, int[] indexes) = op.RunMaxPool(x);
        (double[] expectedY, int[] expectedIndexes) = NaiveOps.MaxPool2d(x, xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW);
        TensorAssert.Close(expectedY, y, 0, 0, id + " y", ys.Dims);
        TensorAssert.Equal(expectedIndexes, indexes, id + " indexes", ys.Dims);

        double[] gy = op.Random(ys.Length, 13);
        Scaled.Close(
            NaiveOps.MaxPool2dBackward(indexes, gy, ys, xs),
            NaiveOps.MaxPool2dBackward(indexes, Scaled.Abs(gy), ys, xs),
            op.RunIndexed("Backward", indexes, gy, xs.Length), op.IsFloat, id + " Backward", xs.Dims);

        double[] other = op.Random(xs.Length, 14);
        TensorAssert.Close(NaiveOps.MaxPool2dWithIndexes(indexes, other, xs, ys), op.RunIndexed("WithIndexes", indexes, other, ys.Length), 0, 0, id + " WithIndexes", ys.Dims);
    }

    [Theory]
    [MemberData(nameof(MaxPool2dOps))]
    public void MaxPool2d_indexes_outside_the_plane_are_rejected(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        int[] indexes = new int[op.YShape.Length];
        foreach (int bad in new[] { -1, op.H * op.W })
        {
            indexes[^1] = bad;
            ArgumentOutOfRangeException backward = Assert.Throws<ArgumentOutOfRangeException>(() => op.RunIndexed("Backward", indexes, new double[op.YShape.Length], op.XShape.Length));
            Assert.Equal("indexes", backward.ParamName);
            ArgumentOutOfRangeException gather = Assert.Throws<ArgumentOutOfRangeException>(() => op.RunIndexed("WithIndexes", indexes, new double[op.XShape.Length], op.YShape.Length));
            Assert.Equal("indexes", gather.ParamName);
        }
    }

    // ------------------------------------------------------------------ average pooling

    [Theory]
    [MemberData(nameof(AvgPool2dOps))]
    public void AvgPool2d_forward_and_backward_match_the_reference(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape, ys = op.YShape;
        double[] x = op.Random(xs.Length, 15), gy = op.Random(ys.Length, 16);
        Scaled.Close(
            NaiveOps.AvgPool2d(x, xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.CountIncludePad),
            NaiveOps.AvgPool2d(Scaled.Abs(x), xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.CountIncludePad),
            op.Run("", new[] { x }, ys.Length)[0], op.IsFloat, id + " y", ys.Dims);
        Scaled.Close(
            NaiveOps.AvgPool2dBackward(gy, xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.CountIncludePad),
            NaiveOps.AvgPool2dBackward(Scaled.Abs(gy), xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.CountIncludePad),
            op.Run("Backward", new[] { gy }, xs.Length)[0], op.IsFloat, id + " Backward", xs.Dims);
    }

    // ------------------------------------------------------------------ im2col / col2im

    [Theory]
    [MemberData(nameof(Im2colOps))]
    public void Im2col_and_its_backward_match_the_reference(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape;
        double[] x = op.Random(xs.Length, 17), gcol = op.Random(op.ColLength, 18);
        TensorAssert.Close(NaiveOps.Im2col(x, xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.ToMatrix), op.Run("", new[] { x }, op.ColLength)[0], 0, 0, id + " col");
        Scaled.Close(
            NaiveOps.Col2im(gcol, xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.ToMatrix),
            NaiveOps.Col2im(Scaled.Abs(gcol), xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.ToMatrix),
            op.Run("Backward", new[] { gcol }, xs.Length)[0], op.IsFloat, id + " Backward", xs.Dims);
    }

    [Theory]
    [MemberData(nameof(Col2imOps))]
    public void Col2im_and_its_backward_match_the_reference(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        Shape4 xs = op.XShape;
        double[] col = op.Random(op.ColLength, 19), gx = op.Random(xs.Length, 20);
        Scaled.Close(
            NaiveOps.Col2im(col, xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.ToMatrix),
            NaiveOps.Col2im(Scaled.Abs(col), xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.ToMatrix),
            op.Run("", new[] { col }, xs.Length)[0], op.IsFloat, id + " x", xs.Dims);
        TensorAssert.Close(NaiveOps.Im2col(gx, xs, op.KH, op.KW, op.SH, op.SW, op.PH, op.PW, op.ToMatrix), op.Run("Backward", new[] { gx }, op.ColLength)[0], 0, 0, id + " Backward");
    }

    // ------------------------------------------------------------------ every operator: shapes and argument checks

    [Theory]
    [MemberData(nameof(AllOps))]
    public void Shape_constants_are_the_reference_shapes(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        bool convolution = op.Kind is OperatorKind.Conv2d or OperatorKind.Deconv2d or OperatorKind.Conv2dGradW;
        Assert.Equal(op.N, op.ShapeConstant("Batch"));
        Assert.Equal(op.C, op.ShapeConstant(convolution ? "InChannels" : "Channels"));
        if (convolution)
        {
            Assert.Equal(op.OC, op.ShapeConstant("OutChannels"));
        }

        Assert.Equal((op.H, op.W, op.OH, op.OW), (op.ShapeConstant("Height"), op.ShapeConstant("Width"), op.ShapeConstant("OutHeight"), op.ShapeConstant("OutWidth")));
        Assert.Equal((op.KH, op.KW, op.SH, op.SW, op.PH, op.PW), (op.ShapeConstant("KernelHeight"), op.ShapeConstant("KernelWidth"), op.ShapeConstant("StrideHeight"), op.ShapeConstant("StrideWidth"), op.ShapeConstant("PadHeight"), op.ShapeConstant("PadWidth")));
        switch (op.Kind)
        {
            case OperatorKind.Conv2d:
            case OperatorKind.Deconv2d:
                Assert.Equal((op.XShape.Length, op.WShape.Length, op.YShape.Length), (op.ShapeConstant("XLength"), op.ShapeConstant("WLength"), op.ShapeConstant("YLength")));
                if (op.HasBias)
                {
                    Assert.Equal(op.OC, op.ShapeConstant("BLength"));
                }

                break;
            case OperatorKind.Conv2dGradW:
                Assert.Equal((op.XShape.Length, op.YShape.Length, op.WShape.Length), (op.ShapeConstant("XLength"), op.ShapeConstant("GyLength"), op.ShapeConstant("GwLength")));
                break;
            case OperatorKind.MaxPool2d:
                Assert.Equal((op.XShape.Length, op.YShape.Length, op.YShape.Length), (op.ShapeConstant("XLength"), op.ShapeConstant("YLength"), op.ShapeConstant("IndexesLength")));
                break;
            case OperatorKind.AvgPool2d:
                Assert.Equal((op.XShape.Length, op.YShape.Length), (op.ShapeConstant("XLength"), op.ShapeConstant("YLength")));
                break;
            default:
                Assert.Equal((op.XShape.Length, op.ColLength), (op.ShapeConstant("XLength"), op.ShapeConstant("ColLength")));
                break;
        }
    }

    [Theory]
    [MemberData(nameof(AllOps))]
    public void Every_generated_method_rejects_a_span_of_the_wrong_length_naming_it(string id)
    {
        DeclaredOperator op = DeclaredOperator.Get(id);
        System.Reflection.MethodInfo[] members = op.Method.DeclaringType!
            .GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => m == op.Method || (m.Name.StartsWith(op.Method.Name, StringComparison.Ordinal) && m.Name.Length > op.Method.Name.Length && m.Name.Substring(op.Method.Name.Length) is "Backward" or "BackwardInput" or "BackwardWeight" or "BackwardBias" or "WithIndexes"))
            // The span overloads; the typed Tensor<T, TShape> overloads cannot receive a wrong length at all.
            .Where(m => m.GetParameters().All(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() is var d && (d == typeof(ReadOnlySpan<>) || d == typeof(Span<>))))
            .ToArray();
        int expected = op.Kind switch
        {
            OperatorKind.Conv2d or OperatorKind.Deconv2d => 5,
            OperatorKind.MaxPool2d => 3,
            _ => 2,
        };
        Assert.Equal(expected, members.Length);
        int checkedParameters = 0;
        foreach (System.Reflection.MethodInfo member in members)
        {
            System.Reflection.ParameterInfo[] parameters = member.GetParameters();
            int[] lengths = parameters.Select(p => LengthOf(op, member, p)).ToArray();
            for (int i = 0; i < parameters.Length; i++)
            {
                int[] wrong = (int[])lengths.Clone();
                wrong[i]--;
                ArgumentException e = Assert.Throws<ArgumentException>(() => Invoke(op, member, wrong));
                Assert.Equal(parameters[i].Name, e.ParamName);
                Assert.Contains(lengths[i].ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
                checkedParameters++;
            }

            Invoke(op, member, lengths);
        }

        Assert.True(checkedParameters >= 4);
    }

    /// <summary>The documented length of a parameter of a generated method, from the reference shapes and its role.</summary>
    private static int LengthOf(DeclaredOperator op, System.Reflection.MethodInfo member, System.Reflection.ParameterInfo parameter)
    {
        string role = member == op.Method ? Role(op, parameter.Position) : parameter.Name!;
        return (op.Kind, role) switch
        {
            (_, "w" or "gw" or "ggw") => op.WShape.Length,
            (_, "b" or "gb") => op.OC,
            (OperatorKind.Im2col or OperatorKind.Col2im, "col" or "gcol") => op.ColLength,
            (OperatorKind.Deconv2d, "x" or "gx") => op.XShape.Length,
            (OperatorKind.Deconv2d, "y" or "gy") => op.YShape.Length,
            (_, "x" or "gx") => op.XShape.Length,
            (_, "y" or "gy" or "ggy" or "indexes") => op.YShape.Length,
            _ => throw new ArgumentException($"{op.Id}: unknown parameter {parameter.Name} of {member.Name}."),
        };
    }

    /// <summary>The role of the declared method's i-th parameter (the user may name it anything).</summary>
    private static string Role(DeclaredOperator op, int position) => op.Kind switch
    {
        OperatorKind.Conv2d or OperatorKind.Deconv2d => (op.HasBias ? new[] { "x", "w", "b", "y" } : new[] { "x", "w", "y" })[position],
        OperatorKind.Conv2dGradW => new[] { "x", "gy", "gw" }[position],
        OperatorKind.MaxPool2d => new[] { "x", "y", "indexes" }[position],
        OperatorKind.AvgPool2d => new[] { "x", "y" }[position],
        OperatorKind.Im2col => new[] { "x", "col" }[position],
        _ => new[] { "col", "x" }[position],
    };

    /// <summary>Calls a generated method with zero-filled arrays of the given lengths (ints for the indexes).</summary>
    private static void Invoke(DeclaredOperator op, System.Reflection.MethodInfo member, int[] lengths)
    {
        System.Reflection.ParameterInfo[] parameters = member.GetParameters();
        int indexAt = Array.FindIndex(parameters, p => p.ParameterType.GetGenericArguments()[0] == typeof(int));
        if (indexAt >= 0)
        {
            int[] indexes = new int[lengths[indexAt]];
            if (member == op.Method)
            {
                int[] l = lengths;
                if (op.IsFloat)
                {
                    member.CreateDelegate<MaxPoolForward<float>>()(new float[l[0]], new float[l[1]], indexes);
                }
                else
                {
                    member.CreateDelegate<MaxPoolForward<double>>()(new double[l[0]], new double[l[1]], indexes);
                }
            }
            else if (op.IsFloat)
            {
                member.CreateDelegate<MaxPoolIndexed<float>>()(indexes, new float[lengths[1]], new float[lengths[2]]);
            }
            else
            {
                member.CreateDelegate<MaxPoolIndexed<double>>()(indexes, new double[lengths[1]], new double[lengths[2]]);
            }

            return;
        }

        int inputs = parameters.Count(p => p.ParameterType.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>));
        double[][] inputArrays = lengths.Take(inputs).Select(n => new double[n]).ToArray();
        string suffix = member.Name.Substring(op.Method.Name.Length);
        op.Run(suffix, inputArrays, lengths.Skip(inputs).ToArray());
    }
}
