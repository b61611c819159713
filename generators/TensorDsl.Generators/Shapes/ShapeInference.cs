using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using TensorDsl.Generators.Declarations;
using TensorDsl.Generators.Diagnostics;
using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Shapes;

/// <summary>
/// Checks a declaration and infers every shape it implies. Produces a spec only when nothing is an error; a
/// warning (a stride that does not tile the input) still yields a spec.
/// </summary>
internal static class ShapeInference
{
    public static OperatorResult Infer(OperatorDeclaration declaration)
    {
        List<DiagnosticInfo> diagnostics = new();
        OperatorSpec? spec = InferCore(declaration, diagnostics);
        bool hasError = diagnostics.Exists(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);

        // An argument shared by both axes (Stride = 0, Pad = -1) is checked once per axis; say it once.
        return new OperatorResult(hasError ? null : spec, System.Linq.Enumerable.Distinct(diagnostics).ToEquatableArray());
    }

    private static OperatorSpec? InferCore(OperatorDeclaration d, List<DiagnosticInfo> diagnostics)
    {
        if (d.MethodProblem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMethod, d.MethodLocation, d.AttributeName, d.MethodName, d.MethodProblem));
            return null;
        }

        if (d.NonPartialType is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, d.MethodLocation, d.NonPartialType, d.MethodName));
            return null;
        }

        if (d.OtherOperatorAttribute is not null)
        {
            // Both attributes' pipelines see the method; only the alphabetically first reports, so it is said once.
            if (string.CompareOrdinal(d.AttributeName, d.OtherOperatorAttribute) < 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleOperatorAttributes, d.AttributeLocation, d.MethodName, d.AttributeName, d.OtherOperatorAttribute));
            }

            return null;
        }

        for (int i = 1; i < d.Parameters.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (d.Parameters[i].Name == d.Parameters[j].Name)
                {
                    // Two parameters of one name: the compiler reports it (CS0100), and no body could use both.
                    return null;
                }
            }
        }

        bool hasBias = d.Kind is OperatorKind.Conv2d or OperatorKind.Deconv2d && (d.Find("Bias")?.Value ?? 1) != 0;
        ElementKind? element = CheckSignature(d, hasBias, diagnostics);
        WindowGeometry? geometry = InferGeometry(d, diagnostics);
        if (element is null || geometry is null)
        {
            return null;
        }

        bool toMatrix = (d.Find("ToMatrix")?.Value ?? 1) != 0;
        if (!CheckLengths(d, geometry, hasBias, toMatrix, diagnostics) || !CheckGeneratedNames(d, diagnostics))
        {
            return null;
        }

        string[] names = new string[d.Parameters.Count];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = d.Parameters[i].Name;
        }

        return new OperatorSpec(
            d.Kind,
            d.Namespace,
            d.ContainingTypes,
            d.MethodName,
            d.Modifiers,
            element.Value,
            geometry,
            hasBias,
            toMatrix,
            (d.Find("CountIncludePad")?.Value ?? 1) != 0,
            new EquatableArray<string>(names));
    }

    /// <summary>Checks parameter count, span kinds and element types; returns the element type when all agree.</summary>
    private static ElementKind? CheckSignature(OperatorDeclaration d, bool hasBias, List<DiagnosticInfo> diagnostics)
    {
        IReadOnlyList<TensorRole> roles = OperatorSignature.For(d.Kind, hasBias);
        string expected = "(" + string.Join(", ", System.Linq.Enumerable.Select(roles, r => SpanName(r.Span) + "<" + (r.IsIndex ? "int" : "T") + "> " + r.Name)) + ")"
            + (d.Kind is OperatorKind.Conv2d or OperatorKind.Deconv2d ? (hasBias ? " (Bias = false drops b)" : " (Bias = false)") : string.Empty)
            + ", T = float or double";
        if (d.Parameters.Count != roles.Count)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ParameterCountMismatch, d.MethodLocation, d.MethodName, d.Parameters.Count, d.AttributeName, roles.Count, expected));
            return null;
        }

        // The element type is the first floating-point parameter's; the others must agree with it.
        DeclaredParameter? first = null;
        foreach (DeclaredParameter p in d.Parameters)
        {
            if (p.ElementType is "float" or "double")
            {
                first = p;
                break;
            }
        }

        string t = first?.ElementType ?? "float";
        bool ok = true;
        for (int i = 0; i < roles.Count; i++)
        {
            TensorRole role = roles[i];
            DeclaredParameter p = d.Parameters[i];
            string want = role.IsIndex ? "int" : t;
            string wantDisplay = SpanName(role.Span) + "<" + want + ">";
            bool spanOk = p.Span == role.Span;
            bool elementOk = p.ElementType == want;
            if (spanOk && elementOk)
            {
                continue;
            }

            ok = false;
            if (spanOk && !role.IsIndex && p.ElementType is "float" or "double" && first is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ElementTypeMismatch, p.Location, p.Name, d.MethodName, p.ElementType, first.Name, first.ElementType));
            }
            else
            {
                string wantText = first is null && !role.IsIndex ? SpanName(role.Span) + "<float> or " + SpanName(role.Span) + "<double>" : wantDisplay;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ParameterTypeMismatch, p.Location, p.Name, d.MethodName, p.TypeDisplay, d.AttributeName, wantText, "the " + role.Meaning));
            }
        }

        return ok ? (t == "float" ? ElementKind.Float : ElementKind.Double) : null;
    }

    private static string SpanName(SpanKind kind) => kind == SpanKind.ReadOnlySpan ? "ReadOnlySpan" : "Span";

    private static WindowGeometry? InferGeometry(OperatorDeclaration d, List<DiagnosticInfo> diagnostics)
    {
        bool isConvolution = d.Kind is OperatorKind.Conv2d or OperatorKind.Deconv2d or OperatorKind.Conv2dGradW;
        bool isPooling = d.Kind is OperatorKind.MaxPool2d or OperatorKind.AvgPool2d;
        int errors = diagnostics.Count;

        int batch = Size(d, "Batch", "batch size N", diagnostics);
        int channels = isConvolution ? Size(d, "InChannels", "input channel count C", diagnostics) : Size(d, "Channels", "channel count C", diagnostics);
        int outChannels = isConvolution ? Size(d, "OutChannels", "output channel count OC", diagnostics) : channels;
        int height = Size(d, "Height", "input height H", diagnostics);
        int width = Size(d, "Width", "input width W", diagnostics);
        (int kh, DeclaredArgument? khArg) = Window(d, "Kernel", "KernelHeight", null, "kernel height", "kernel size", diagnostics);
        (int kw, DeclaredArgument? kwArg) = Window(d, "Kernel", "KernelWidth", null, "kernel width", "kernel size", diagnostics);
        (int sh, DeclaredArgument? shArg) = Window(d, "Stride", "StrideHeight", isPooling ? kh : 1, "stride", "stride", diagnostics);
        (int sw, DeclaredArgument? swArg) = Window(d, "Stride", "StrideWidth", isPooling ? kw : 1, "stride", "stride", diagnostics);
        int ph = Padding(d, "Pad", "PadHeight", diagnostics);
        int pw = Padding(d, "Pad", "PadWidth", diagnostics);
        if (diagnostics.Count != errors)
        {
            return null;
        }

        if (isPooling)
        {
            CheckPoolPadding(d, "height", kh, ph, "PadHeight", diagnostics);
            CheckPoolPadding(d, "width", kw, pw, "PadWidth", diagnostics);
            if (diagnostics.Count != errors)
            {
                return null;
            }
        }

        if (d.Kind == OperatorKind.Deconv2d)
        {
            // x is the grid (H×W); y, the image, is what a conv2d with this window would map back onto x.
            long? oh = DeconvOutSize(d, "height", height, kh, sh, ph, "OutputPaddingHeight", "OutHeight", "PadHeight", diagnostics);
            long? ow = DeconvOutSize(d, "width", width, kw, sw, pw, "OutputPaddingWidth", "OutWidth", "PadWidth", diagnostics);
            return oh is null || ow is null || !OutputFits(d, TensorShape.Image, new[] { batch, outChannels, oh.Value, ow.Value }, diagnostics)
                ? null
                : new WindowGeometry(batch, outChannels, (int)oh.Value, (int)ow.Value, channels, height, width, kh, kw, sh, sw, ph, pw);
        }

        long? gh = ConvOutSize(d, "height", height, kh, sh, ph, khArg, shArg, "Height", diagnostics);
        long? gw = ConvOutSize(d, "width", width, kw, sw, pw, kwArg, swArg, "Width", diagnostics);
        if (gh is null || gw is null)
        {
            return null;
        }

        bool columns = d.Kind is OperatorKind.Im2col or OperatorKind.Col2im;
        long[] output = columns ? new long[] { batch, channels, kh, kw, gh.Value, gw.Value } : new long[] { batch, outChannels, gh.Value, gw.Value };
        return !OutputFits(d, columns ? TensorShape.Columns : TensorShape.Grid, output, diagnostics)
            ? null
            : new WindowGeometry(batch, channels, height, width, outChannels, (int)gh.Value, (int)gw.Value, kh, kw, sh, sw, ph, pw);
    }

    /// <summary>
    /// An output height or width beyond int (a huge padding or stride) cannot be generated: report the output tensor as
    /// too large for a span rather than dropping the operator silently.
    /// </summary>
    private static bool OutputFits(OperatorDeclaration d, TensorShape shape, long[] dims, List<DiagnosticInfo> diagnostics)
    {
        long product = 1;
        bool fits = true;
        foreach (long dim in dims)
        {
            fits &= dim <= int.MaxValue;
            product = product > long.MaxValue / dim ? long.MaxValue : product * dim;
        }

        if (!fits)
        {
            string name = System.Linq.Enumerable.First(OperatorSignature.For(d.Kind, hasBias: false), r => r.Shape == shape).Name;
            string described = string.Join("×", System.Linq.Enumerable.Select(dims, Text));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOverflow, d.AttributeLocation, d.AttributeName, name, d.MethodName, described, product == long.MaxValue ? "more than 9.2e18" : Text(product)));
        }

        return fits;
    }

    private static int Size(OperatorDeclaration d, string name, string meaning, List<DiagnosticInfo> diagnostics)
    {
        DeclaredArgument? argument = d.Find(name);
        if (argument is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, d.AttributeLocation, d.AttributeName, name, "is not set", meaning));
            return 0;
        }

        if (argument.Value < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, argument.Location, d.AttributeName, name, "is " + Text(argument.Value), meaning));
            return 0;
        }

        return (int)argument.Value;
    }

    /// <summary>
    /// Reads a kernel or stride: the per-axis argument wins over the both-axes one, else the default. A problem with the
    /// both-axes argument is worded for both axes (<paramref name="sharedMeaning"/>), so that the two checks say it once.
    /// </summary>
    private static (int Value, DeclaredArgument? Argument) Window(OperatorDeclaration d, string both, string axis, int? fallback, string meaning, string sharedMeaning, List<DiagnosticInfo> diagnostics)
    {
        DeclaredArgument? argument = d.Find(axis) ?? d.Find(both);
        if (argument is null)
        {
            if (fallback is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, d.AttributeLocation, d.AttributeName, both, "is not set", sharedMeaning));
                return (0, null);
            }

            return (fallback.Value, null);
        }

        if (argument.Value < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidWindow, argument.Location, d.AttributeName, argument.Name, Text(argument.Value), "a " + (argument.Name == both ? sharedMeaning : meaning) + " must be at least 1"));
            return (0, argument);
        }

        return ((int)argument.Value, argument);
    }

    private static int Padding(OperatorDeclaration d, string both, string axis, List<DiagnosticInfo> diagnostics)
    {
        DeclaredArgument? argument = d.Find(axis) ?? d.Find(both);
        if (argument is null)
        {
            return 0;
        }

        if (argument.Value < 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidWindow, argument.Location, d.AttributeName, argument.Name, Text(argument.Value), "padding must be 0 or more"));
            return 0;
        }

        return (int)argument.Value;
    }

    private static void CheckPoolPadding(OperatorDeclaration d, string axis, int kernel, int pad, string axisArgument, List<DiagnosticInfo> diagnostics)
    {
        if (pad * 2 > kernel)
        {
            DeclaredArgument? argument = d.Find(axisArgument) ?? d.Find("Pad");
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PoolPaddingTooLarge, argument?.Location ?? d.AttributeLocation, d.AttributeName, argument?.Name ?? "Pad", pad, axis, kernel, kernel / 2));
        }
    }

    private static long? ConvOutSize(OperatorDeclaration d, string axis, int size, int kernel, int stride, int pad, DeclaredArgument? kernelArg, DeclaredArgument? strideArg, string sizeName, List<DiagnosticInfo> diagnostics)
    {
        long span = (long)size + (2L * pad) - kernel;
        if (span < 0)
        {
            long padded = (long)size + (2L * pad);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyOutput, kernelArg?.Location ?? d.AttributeLocation, d.AttributeName, axis, kernel, size, pad, padded, FloorDiv(span, stride) + 1));
            return null;
        }

        long outSize = (span / stride) + 1;
        long remainder = span % stride;
        if (remainder != 0)
        {
            string rows = axis == "height" ? (remainder == 1 ? "row is" : "rows are") : (remainder == 1 ? "column is" : "columns are");
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WindowDoesNotTile, strideArg?.Location ?? kernelArg?.Location ?? d.AttributeLocation, d.AttributeName, size, pad, kernel, span, axis, stride, outSize, remainder, rows, sizeName));
        }

        return outSize;
    }

    private static long? DeconvOutSize(OperatorDeclaration d, string axis, int size, int kernel, int stride, int pad, string outputPaddingAxis, string outSizeName, string padAxis, List<DiagnosticInfo> diagnostics)
    {
        long natural = ((long)stride * (size - 1)) + kernel - (2L * pad);
        DeclaredArgument? outputPadding = d.Find(outputPaddingAxis) ?? d.Find("OutputPadding");

        // OutHeight = 0 is the attribute's default and documented as "computed", whether or not it is written.
        DeclaredArgument? explicitSize = d.Find(outSizeName) is { Value: not 0 } written ? written : null;
        long extra = outputPadding?.Value ?? 0;
        if (outputPadding is not null && (extra < 0 || extra >= stride))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOutputPadding, outputPadding.Location, d.AttributeName,
                outputPadding.Name + " = " + Text(extra) + " but the " + axis + " stride is " + Text(stride),
                "output padding must be at least 0 and below the stride (0 to " + Text(stride - 1) + ")"));
            return null;
        }

        if (explicitSize is not null)
        {
            long wanted = explicitSize.Value;
            if (wanted < natural || wanted >= natural + stride)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOutputPadding, explicitSize.Location, d.AttributeName,
                    outSizeName + " = " + Text(wanted) + " is not reachable: a conv2d with kernel " + Text(kernel) + ", stride " + Text(stride) + " and pad " + Text(pad) + " maps only " + axis + "s " + Text(natural) + " to " + Text(natural + stride - 1) + " onto the input " + axis + " " + Text(size),
                    "use " + outSizeName + " between " + Text(natural) + " and " + Text(natural + stride - 1)));
                return null;
            }

            if (outputPadding is not null && natural + extra != wanted)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOutputPadding, explicitSize.Location, d.AttributeName,
                    outSizeName + " = " + Text(wanted) + " disagrees with " + outputPadding.Name + " = " + Text(extra) + ", which gives " + Text(natural + extra),
                    "give only one of them"));
                return null;
            }

            extra = wanted - natural;
        }

        long result = natural + extra;
        if (result < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOutputPadding, (d.Find(padAxis) ?? d.Find("Pad"))?.Location ?? d.AttributeLocation, d.AttributeName,
                "the output " + axis + " " + Text(stride) + "·(" + Text(size) + " − 1) + " + Text(kernel) + " − 2·" + Text(pad) + " = " + Text(result) + " is not positive",
                "reduce Pad or enlarge the kernel"));
            return null;
        }

        return result;
    }

    private static bool CheckLengths(OperatorDeclaration d, WindowGeometry g, bool hasBias, bool toMatrix, List<DiagnosticInfo> diagnostics)
    {
        bool ok = true;
        foreach (TensorRole role in OperatorSignature.For(d.Kind, hasBias))
        {
            int[] dims = DimensionsChecked(d.Kind, g, role.Shape, toMatrix, out long product);
            if (product > int.MaxValue)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOverflow, d.AttributeLocation, d.AttributeName, role.Name, d.MethodName, OperatorSignature.Describe(dims), product == long.MaxValue ? "more than 9.2e18" : Text(product)));
                ok = false;
            }
        }

        return ok;
    }

    /// <summary>Dimensions computed in 64 bits, since the int products of large declarations overflow.</summary>
    private static int[] DimensionsChecked(OperatorKind kind, WindowGeometry g, TensorShape shape, bool toMatrix, out long product)
    {
        long[] dims = shape switch
        {
            TensorShape.Image => new long[] { g.Batch, g.ImageChannels, g.ImageHeight, g.ImageWidth },
            TensorShape.Grid => new long[] { g.Batch, g.GridChannels, g.GridHeight, g.GridWidth },
            TensorShape.Weight => new long[] { g.GridChannels, g.ImageChannels, g.KernelHeight, g.KernelWidth },
            TensorShape.Bias => new long[] { kind == OperatorKind.Deconv2d ? g.ImageChannels : g.GridChannels },
            _ => new long[] { g.Batch, g.ImageChannels, g.KernelHeight, g.KernelWidth, g.GridHeight, g.GridWidth },
        };
        product = 1;
        foreach (long dim in dims)
        {
            product = product > long.MaxValue / dim ? long.MaxValue : product * dim;
        }

        int[] shown = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            shown[i] = (int)dims[i];
        }

        return shown;
    }

    private static bool CheckGeneratedNames(OperatorDeclaration d, List<DiagnosticInfo> diagnostics)
    {
        bool ok = true;
        foreach (string suffix in GeneratedNames.Suffixes(d.Kind))
        {
            string name = d.MethodName + suffix;
            foreach (string existing in d.ExistingMemberNames)
            {
                if (existing == name)
                {
                    string owner = d.ContainingTypes.Count > 0 ? d.ContainingTypes[d.ContainingTypes.Count - 1].Name : d.MethodName;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedNameConflict, d.MethodLocation, owner, name, d.MethodName));
                    ok = false;
                }
            }
        }

        return ok;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
