using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;

namespace TensorDsl.Tests.Generator.Fuzz;

/// <summary>
/// FsCheck generators of user source files that declare operators and models, mostly plausible with a few
/// things wrong (so that generation gets deep), sometimes thoroughly malformed; and a shrinker that removes and
/// simplifies pieces, so that a failure is reported as a small file.
/// </summary>
public static class FuzzGen
{
    private static readonly string[] OperatorAttributes = { "Conv2d", "Deconv2d", "Conv2dGradW", "MaxPool2d", "AvgPool2d", "Im2col", "Col2im" };

    private static readonly string[] LayerAttributes =
    {
        "Conv2d", "Deconv2d", "MaxPool2d", "AvgPool2d", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Flatten", "Dropout",
        "SoftmaxCrossEntropy", "MeanSquaredError",
    };

    private static readonly string[] WindowArguments = { "Kernel", "KernelHeight", "KernelWidth", "Stride", "StrideHeight", "StrideWidth", "Pad", "PadHeight", "PadWidth" };

    /// <summary>Identifiers, including keywords, generated-member names, case twins and the names of the roles.</summary>
    private static readonly string[] Names =
    {
        "Conv1", "conv1", "Op", "Pool", "x", "w", "b", "y", "gy", "gx", "gw", "gb", "col", "indexes", "job", "scatter", "correlate",
        "@in", "@out", "@class", "@event", "@ref", "value", "_", "__", "Forward", "Backward", "Input", "Output", "Batch", "Loss",
        "Layers", "Parameters", "Training", "ZeroGrad", "TrainStep", "Shape", "Conv1Shape", "Conv1Backward", "OpOpenCL", "OpBackwardInput",
        "Ops", "Net", "Kernel", "Conv1Kernel", "random", "seed", "initialization", "i", "n", "T", "Value",
    };

    private static readonly string[] TypeNames = { "Ops", "Net", "Conv1", "Outer", "Inner", "@class", "Layer", "Span", "Model", "Ops2", "TensorThreads" };

    private static readonly string[] Namespaces = { string.Empty, string.Empty, "N", "A.B", "TensorDsl.User", "@class.x", "Global" };

    private static readonly string[] SpanTypes =
    {
        "ReadOnlySpan<float>", "Span<float>", "ReadOnlySpan<double>", "Span<double>", "Span<int>", "ReadOnlySpan<int>",
        "float[]", "int", "Span<Half>", "ReadOnlySpan<T>", "Memory<float>", "System.Span<float>", "global::System.ReadOnlySpan<float>",
        "Span<float>?", "ReadOnlySpan<System.Single>", "Span<nint>", "dynamic", "Undefined",
    };

    private static readonly string[] ParameterModifiers = { string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, "ref ", "in ", "out ", "scoped ", "params ", "this ", "ref readonly " };

    /// <summary>Integer argument values: mostly small valid sizes, then the edges and the wrong types.</summary>
    private static readonly Gen<string> IntValue = Gen.Frequency(
        (30, Gen.Choose(1, 6).Select(Text)),
        (3, Gen.Choose(7, 40).Select(Text)),
        (2, Gen.Constant("0")),
        (2, Gen.Elements("-1", "-2", "-100")),
        (2, Gen.Elements("int.MaxValue", "int.MinValue", "2147483647", "-2147483648", "int.MaxValue - 1", "int.MinValue + 1")),
        (2, Gen.Elements("46341", "65536", "1 << 20", "1 << 30", "100000", "1000000", "32768", "46340")),
        (2, Gen.Elements("\"3\"", "3.5", "3.0f", "true", "3L", "null", "'3'", "3u", "(short)3", "2147483648", "1e10", "Undefined.Value", "nameof(x)")));

    private static readonly Gen<string> BoolValue = Gen.Elements("true", "false", "true", "false", "1", "0", "\"true\"", "null");

    private static readonly Gen<string> RealValue = Gen.Frequency(
        (10, Gen.Elements("0.5", "0.1", "0.25", "0", "0.99")),
        (3, Gen.Elements("1", "1.0", "-0.5", "2", "-0.0", "1e300", "-1e300", "1e-320", "double.NaN", "double.PositiveInfinity", "double.NegativeInfinity", "double.Epsilon", "double.MaxValue")),
        (2, Gen.Elements("0.5f", "3", "\"0.5\"", "true", "1e40f", "0.1m", "null", "float.NaN", "3.4e38f")));

    public static Arbitrary<FuzzCase> Operators() => Arb.From(OperatorCase(), Shrink);

    public static Arbitrary<FuzzCase> Models() => Arb.From(ModelCase(), Shrink);

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Gen<ImmutableList<T>> ListOf<T>(Gen<T> element, int min, int max)
        => Gen.Choose(min, max).SelectMany(n => Gen.ListOf(element, n)).Select(l => l.ToImmutableList());

    private static Gen<string> Name() => Gen.Frequency((6, Gen.Elements("Conv1", "Op", "Pool", "Up", "Cols")), (4, Gen.Elements(Names)));

    // ---- operators ---------------------------------------------------------------------------------------------

    /// <summary>Half the cases are clean (valid C# around the attribute and its parameters), half are wild.</summary>
    private static Gen<FuzzCase> OperatorCase()
        => Gen.Frequency(
            (1, from containers in Gen.Frequency((5, ListOf(CleanOperatorContainer(), 1, 1)), (1, ListOf(CleanOperatorContainer(), 2, 2)))
                select new FuzzCase(containers, null)),
            (1, from containers in Gen.Frequency((5, ListOf(OperatorContainer(), 1, 1)), (1, ListOf(OperatorContainer(), 2, 2)))
                from cut in Cut()
                select new FuzzCase(containers, cut)));

    private static Gen<FuzzContainer> CleanOperatorContainer()
        => from ns in Gen.Elements(string.Empty, "N", "A.B", "@class.x")
           from outer in Gen.Frequency((3, Gen.Constant(ImmutableList<FuzzType>.Empty)), (1, Gen.Elements("Outer", "@event").Select(n => ImmutableList.Create(new FuzzType("public", true, "class", n, string.Empty)))))
           from keyword in Gen.Elements("class", "class", "struct", "record", "record struct")
           from name in Gen.Elements("Ops", "Ops", "Net", "@class", "Inner")
           from typeParameters in Gen.Frequency((6, Gen.Constant(string.Empty)), (1, Gen.Constant("<T>")))
           from members in Gen.Frequency((3, ListOf(CleanOperatorMethod(), 1, 1)), (1, ListOf(CleanOperatorMethod(), 2, 3)))
           select new FuzzContainer(ns, outer, new FuzzType(keyword == "class" ? "public static" : "public", true, keyword, name, typeParameters), ImmutableList<FuzzAttribute>.Empty, members);

    private static Gen<FuzzMember> CleanOperatorMethod()
        => from attribute in Gen.Elements(OperatorAttributes)
           from arguments in Gen.Frequency((3, SensibleOperatorArguments(attribute)), (1, OperatorArguments(attribute)))
           from modifiers in Gen.Elements("public static partial", "static partial", "internal static partial", "private static partial")
           from name in Gen.Frequency((6, Gen.Elements("Conv1", "Op", "Pool", "Up", "Cols", "@class", "conv1", "_", "Value")), (1, Gen.Elements(Names)))
           from parameters in Gen.Frequency((6, RightParameters(attribute, arguments)), (1, Parameters(attribute, arguments)))
           select new FuzzMember(FuzzMember.Method, ImmutableList.Create(new FuzzAttribute(attribute, arguments)), modifiers, "void", name, string.Empty, parameters, ";");

    private static Gen<int?> Cut() => Gen.Frequency((30, Gen.Constant<int?>(null)), (1, Gen.Choose(60, 600).Select(c => (int?)c)));

    private static Gen<FuzzContainer> OperatorContainer()
        => from ns in Gen.Elements(Namespaces)
           from outer in ListOf(TypeHeader(outer: true), 0, 2).Select(l => Gen.Frequency((3, Gen.Constant(ImmutableList<FuzzType>.Empty)), (2, Gen.Constant(l)))).SelectMany(g => g)
           from type in TypeHeader(outer: false)
           from members in Gen.Frequency((5, ListOf(OperatorMethod(), 1, 1)), (3, ListOf(Gen.Frequency((8, OperatorMethod()), (1, OtherMember())), 2, 4)))
           select new FuzzContainer(ns, outer, type, ImmutableList<FuzzAttribute>.Empty, members);

    private static Gen<FuzzType> TypeHeader(bool outer)
        => from keyword in Gen.Frequency(
               (12, Gen.Constant("class")),
               (3, Gen.Elements("struct", "record", "record struct", "record class", "interface")),
               (2, Gen.Elements("readonly struct", "ref struct", "readonly record struct", "readonly ref struct")))
           from modifiers in Gen.Frequency(
               (10, Gen.Elements("public", "public static", "internal", "public static", string.Empty)),
               (2, Gen.Elements("public sealed", "public abstract", "internal static", "file", "public unsafe", "private", "public new")))
           from partial in Gen.Frequency((9, Gen.Constant(true)), (1, Gen.Constant(false)))
           from name in Gen.Frequency((8, Gen.Elements("Ops", "Net", "Outer", "Inner")), (2, Gen.Elements(TypeNames)))
           from typeParameters in Gen.Frequency((8, Gen.Constant(string.Empty)), (1, Gen.Elements("<T>", "<T, U>", "<TElement>")))
           select new FuzzType(FixModifiers(modifiers, keyword), partial, keyword, name, typeParameters);

    /// <summary>Static structs and records are not what this fuzzes; keep modifiers that make sense for the keyword.</summary>
    private static string FixModifiers(string modifiers, string keyword)
        => keyword is "class" ? modifiers : modifiers.Replace("static", string.Empty).Replace("abstract", string.Empty).Replace("sealed", string.Empty).Trim().Replace("  ", " ");

    private static Gen<FuzzMember> OperatorMethod()
        => from attribute in Gen.Elements(OperatorAttributes)
           from arguments in OperatorArguments(attribute)
           from second in Gen.Frequency((20, Gen.Constant(ImmutableList<FuzzAttribute>.Empty)), (1, Gen.Elements(OperatorAttributes).SelectMany(a => OperatorArguments(a).Select(args => ImmutableList.Create(new FuzzAttribute(a, args))))))
           from modifiers in Gen.Frequency(
               (20, Gen.Elements("public static partial", "static partial", "internal static partial", "private static partial", "public partial", "partial")),
               (3, Gen.Elements("public static", "static", "public", "public static extern", "public virtual partial", "public static unsafe partial", "public new static partial")),
               (1, Gen.Elements("public static async partial", "public abstract partial", "public override partial", "protected static partial", "private protected static partial", "public static partial partial", "public static readonly partial", "public static ref partial")))
           from returnType in Gen.Frequency((20, Gen.Constant("void")), (1, Gen.Elements("int", "Span<float>", "System.Threading.Tasks.Task")))
           from name in Name()
           from typeParameters in Gen.Frequency((20, Gen.Constant(string.Empty)), (1, Gen.Elements("<T>", "<TElement>")))
           from parameters in Parameters(attribute, arguments)
           from tail in Gen.Frequency((20, Gen.Constant(";")), (1, Gen.Elements(" { }", " => throw null!;", " { throw null!; }", string.Empty, ";;")))
           select new FuzzMember(FuzzMember.Method, second.Insert(0, new FuzzAttribute(attribute, arguments)), modifiers, returnType, name, typeParameters, parameters, tail);

    /// <summary>A complete, sensible argument set; sometimes one size is a large but valid number (some overflow).</summary>
    private static Gen<ImmutableList<FuzzArgument>> SensibleOperatorArguments(string attribute)
    {
        bool convolution = attribute is "Conv2d" or "Deconv2d" or "Conv2dGradW";
        string[] sizes = convolution ? new[] { "Batch", "InChannels", "OutChannels", "Height", "Width" } : new[] { "Batch", "Channels", "Height", "Width" };
        Gen<FuzzArgument> large = Gen.Elements(sizes).SelectMany(n => Gen.Elements("46341", "65536", "100000", "int.MaxValue", "1 << 20", "3000").Select(v => new FuzzArgument(n, v)));
        return from all in OperatorArguments(attribute, sensibleOnly: true)
               from change in Gen.Frequency((6, Gen.Constant(ImmutableList<FuzzArgument>.Empty)), (1, ListOf(large, 1, 1)))
               select Mutate(all, change, -1);
    }

    /// <summary>A complete, sensible argument set for the attribute, then a few arguments changed, added or removed.</summary>
    private static Gen<ImmutableList<FuzzArgument>> OperatorArguments(string attribute, bool sensibleOnly = false)
    {
        bool convolution = attribute is "Conv2d" or "Deconv2d" or "Conv2dGradW";
        string[] sizes = convolution ? new[] { "Batch", "InChannels", "OutChannels", "Height", "Width" } : new[] { "Batch", "Channels", "Height", "Width" };
        List<string> optional = new(WindowArguments);
        List<string> bools = new();
        switch (attribute)
        {
            case "Conv2d":
                bools.Add("Bias");
                break;
            case "Deconv2d":
                bools.Add("Bias");
                optional.AddRange(new[] { "OutputPadding", "OutputPaddingHeight", "OutputPaddingWidth", "OutHeight", "OutWidth" });
                break;
            case "AvgPool2d":
                bools.Add("CountIncludePad");
                break;
            case "Im2col":
            case "Col2im":
                bools.Add("ToMatrix");
                break;
        }

        Gen<FuzzArgument> size = Gen.Elements(sizes).SelectMany(n => Gen.Choose(1, 12).Select(v => new FuzzArgument(n, Text(v))));
        Gen<ImmutableList<FuzzArgument>> sensible =
            from values in Gen.ListOf(Gen.Choose(1, 9), sizes.Length)
            from kernel in Gen.Choose(1, 4)
            from extra in Gen.SubListOf(optional.Concat(bools).ToArray())
            from extraValues in Gen.ListOf(Gen.Frequency((8, Gen.Choose(1, 3)), (1, Gen.Choose(4, 9)), (1, Gen.Constant(0))), extra.Count)
            select sizes.Select((n, i) => new FuzzArgument(n, Text(values[i] + (n is "Height" or "Width" ? 3 : 0))))
                .Append(new FuzzArgument("Kernel", Text(kernel)))
                .Concat(extra.Take(3).Select((n, i) => new FuzzArgument(n, bools.Contains(n) ? (extraValues[i] % 2 == 0 ? "false" : "true") : Text(n.StartsWith("Pad", System.StringComparison.Ordinal) || n.StartsWith("Output", System.StringComparison.Ordinal) ? extraValues[i] - 1 : extraValues[i]))))
                .GroupBy(a => a.Name).Select(g => g.First())
                .ToImmutableList();
        List<(int, Gen<FuzzArgument>)> choices = new()
        {
            (6, Gen.Elements(sizes.Concat(optional).ToArray()).SelectMany(n => IntValue.Select(v => new FuzzArgument(n, v)))),
            (1, Gen.Elements("Channels", "InChannels", "Bias", "ToMatrix", "Foo", "OutFeatures", "Rate").SelectMany(n => IntValue.Select(v => new FuzzArgument(n, v)))),
        };
        if (bools.Count > 0)
        {
            choices.Add((2, Gen.Elements(bools.ToArray()).SelectMany(n => BoolValue.Select(v => new FuzzArgument(n, v)))));
        }

        Gen<FuzzArgument> anyArgument = Gen.Frequency(choices.ToArray());
        if (sensibleOnly)
        {
            return sensible;
        }

        return Gen.Frequency(
            (12, from baseline in sensible
                from mutations in Gen.Frequency((3, ListOf(anyArgument, 0, 0)), (2, ListOf(anyArgument, 1, 1)), (1, ListOf(anyArgument, 2, 2)))
                from drop in Gen.Frequency((4, Gen.Constant(-1)), (1, Gen.Choose(0, 5)))
                select Mutate(baseline, mutations, drop)),
            (1, ListOf(Gen.Frequency((3, size), (2, anyArgument)), 0, 8)),
            (1, Gen.Constant(ImmutableList<FuzzArgument>.Empty)));
    }

    private static ImmutableList<FuzzArgument> Mutate(ImmutableList<FuzzArgument> arguments, ImmutableList<FuzzArgument> changes, int drop)
    {
        ImmutableList<FuzzArgument> result = drop >= 0 && drop < arguments.Count ? arguments.RemoveAt(drop) : arguments;
        foreach (FuzzArgument change in changes)
        {
            int at = result.FindIndex(a => a.Name == change.Name);
            result = at >= 0 ? result.SetItem(at, change) : result.Add(change);
        }

        return result;
    }

    /// <summary>The operator's right parameter list, with random names.</summary>
    private static Gen<ImmutableList<FuzzParameter>> RightParameters(string attribute, ImmutableList<FuzzArgument> arguments)
        => Parameters(attribute, arguments, rightOnly: true);

    /// <summary>The operator's right parameter list with random names (mostly), or a random list.</summary>
    private static Gen<ImmutableList<FuzzParameter>> Parameters(string attribute, ImmutableList<FuzzArgument> arguments, bool rightOnly = false)
    {
        bool noBias = arguments.Any(a => a.Name == "Bias" && a.Value == "false");
        string[] roles = attribute switch
        {
            "Conv2d" or "Deconv2d" => noBias ? new[] { "in", "in", "out" } : new[] { "in", "in", "in", "out" },
            "Conv2dGradW" => new[] { "in", "in", "out" },
            "MaxPool2d" => new[] { "in", "out", "index" },
            _ => new[] { "in", "out" },
        };
        Gen<ImmutableList<FuzzParameter>> right =
            from element in Gen.Frequency((4, Gen.Constant("float")), (3, Gen.Constant("double")), (1, Gen.Elements("T", "Half", "System.Single")))
            from names in Gen.ListOf(Name(), roles.Length)
            from distinct in Gen.Frequency((6, Gen.Constant(true)), (1, Gen.Constant(false)))
            select roles.Select((r, i) => new FuzzParameter(
                    string.Empty,
                    r switch { "in" => "ReadOnlySpan<" + element + ">", "out" => "Span<" + element + ">", _ => "Span<int>" },
                    distinct ? names[i] + (names.Take(i).Contains(names[i]) ? "_" + Text(i) : string.Empty) : names[i]))
                .ToImmutableList();
        if (rightOnly)
        {
            return right;
        }

        Gen<FuzzParameter> any = from modifier in Gen.Elements(ParameterModifiers)
                                 from type in Gen.Elements(SpanTypes)
                                 from name in Name()
                                 select new FuzzParameter(modifier, type, name);
        Gen<ImmutableList<FuzzParameter>> mutated =
            from list in right
            from at in Gen.Choose(0, list.Count - 1)
            from replacement in any
            select list.SetItem(at, replacement);
        return Gen.Frequency((12, right), (3, mutated), (2, ListOf(any, 0, 6)));
    }

    private static Gen<FuzzMember> OtherMember()
        => from name in Gen.Elements(Names)
           from shape in Gen.Elements(
               "public static void {0}() {{ }}",
               "public int {0};",
               "public const int {0} = 1;",
               "public static int {0} => 1;",
               "public class {0} {{ }}",
               "public static void {0}(int a) {{ }}",
               "public event System.Action? {0};",
               "public static partial void {0}();")
           select new FuzzMember(FuzzMember.Other, ImmutableList<FuzzAttribute>.Empty, string.Empty, string.Empty, name, string.Empty, ImmutableList<FuzzParameter>.Empty, string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, name));

    // ---- models ------------------------------------------------------------------------------------------------

    /// <summary>Half the cases are clean (a valid class of valid layer properties), half are wild.</summary>
    private static Gen<FuzzCase> ModelCase()
        => Gen.Frequency(
            (1, CleanModelContainer().Select(c => new FuzzCase(ImmutableList.Create(c), null))),
            (1, from containers in Gen.Frequency((6, ListOf(ModelContainer(), 1, 1)), (1, ListOf(ModelContainer(), 2, 2)))
                from cut in Cut()
                select new FuzzCase(containers, cut)));

    private static Gen<FuzzContainer> CleanModelContainer()
        => from ns in Gen.Elements(string.Empty, "N", "A.B", "@class.x")
           from outer in Gen.Frequency((4, Gen.Constant(ImmutableList<FuzzType>.Empty)), (1, Gen.Elements("Outer", "@event").Select(n => ImmutableList.Create(new FuzzType("public", true, "class", n, string.Empty)))))
           from name in Gen.Elements("Net", "Net", "Model", "@class")
           from model in ModelAttribute()
           from element in Gen.Elements("float", "float", "double")
           from stack in PlausibleStack()
           from names in Gen.ListOf(Gen.Frequency((8, Gen.Elements("Conv1", "Relu", "Pool", "Fc", "Flat", "Drop", "Loss1", "Fc2", "Up", "Act")), (2, Gen.Elements("conv1", "@class", "@in", "_", "Conv1Kernel", "fc", "Value", "x", "seed", "random", "i", "n"))), stack.Count)
           select new FuzzContainer(ns, outer, new FuzzType("public", true, "class", name, string.Empty), model,
               Distinct(stack.Select((l, i) => l with { Modifiers = "public partial", Type = "Layer<" + element + ">", Name = names[i], Tail = "{ get; }", Attributes = l.Attributes.Take(1).ToImmutableList() }).ToImmutableList()));

    private static Gen<FuzzContainer> ModelContainer()
        => from ns in Gen.Elements(Namespaces)
           from outer in Gen.Frequency((4, Gen.Constant(ImmutableList<FuzzType>.Empty)), (1, ListOf(TypeHeader(outer: true), 1, 2)))
           from type in Gen.Frequency((10, Gen.Elements("Net", "Net", "Model", "Inner").Select(n => new FuzzType("public", true, "class", n, string.Empty))), (2, TypeHeader(outer: false)))
           from model in ModelAttribute()
           from layers in Gen.Frequency((5, PlausibleStack()), (2, ListOf(Layer(Gen.Elements(LayerAttributes)), 0, 6)))
           from others in Gen.Frequency((6, Gen.Constant(ImmutableList<FuzzMember>.Empty)), (1, ListOf(OtherMember(), 1, 2)))
           from seed in Gen.Choose(0, 1000)
           select new FuzzContainer(ns, outer, type, model, Interleave(layers, others, seed));

    private static ImmutableList<FuzzMember> Interleave(ImmutableList<FuzzMember> layers, ImmutableList<FuzzMember> others, int seed)
    {
        ImmutableList<FuzzMember> result = layers;
        foreach (FuzzMember other in others)
        {
            result = result.Insert(seed % (result.Count + 1), other);
        }

        return result;
    }

    private static Gen<ImmutableList<FuzzAttribute>> ModelAttribute()
    {
        Gen<ImmutableList<FuzzArgument>> sensible =
            from batch in Gen.Choose(1, 8)
            from channels in Gen.Choose(1, 3)
            from height in Gen.Choose(1, 14)
            from width in Gen.Choose(1, 14)
            from initialization in Gen.Frequency((6, Gen.Constant(string.Empty)), (1, Gen.Elements("InitScheme.He", "InitScheme.Xavier", "(InitScheme)7", "1", "InitScheme.DeZero")))
            select ImmutableList.Create(new FuzzArgument("Batch", Text(batch)), new FuzzArgument("Channels", Text(channels)), new FuzzArgument("Height", Text(height)), new FuzzArgument("Width", Text(width)))
                .AddRange(initialization.Length > 0 ? new[] { new FuzzArgument("Initialization", initialization) } : new FuzzArgument[0]);
        Gen<FuzzArgument> any = Gen.Elements("Batch", "Channels", "Height", "Width").SelectMany(n => IntValue.Select(v => new FuzzArgument(n, v)));
        return Gen.Frequency(
                (8, from baseline in sensible
                    from mutations in ListOf(any, 0, 2)
                    from drop in Gen.Frequency((5, Gen.Constant(-1)), (1, Gen.Choose(0, 3)))
                    select Mutate(baseline, mutations, drop)),
                (1, ListOf(any, 0, 4)))
            .Select(args => ImmutableList.Create(new FuzzAttribute("Model", args)));
    }

    /// <summary>Image layers, maybe a flatten, dense layers, maybe a loss: the shape of a real network.</summary>
    private static Gen<ImmutableList<FuzzMember>> PlausibleStack()
        => from image in ListOf(Layer(Gen.Elements("Conv2d", "Conv2d", "MaxPool2d", "AvgPool2d", "Deconv2d", "ReLU", "Tanh", "Sigmoid", "LeakyReLU", "Dropout")), 0, 4)
           from flatten in Gen.Elements(true, true, false)
           from dense in ListOf(Layer(Gen.Elements("Linear", "Linear", "ReLU", "Dropout", "Sigmoid")), 0, 3)
           from loss in Gen.Elements("SoftmaxCrossEntropy", "MeanSquaredError", string.Empty, "SoftmaxCrossEntropy")
           from lossLayer in Layer(Gen.Constant(loss.Length == 0 ? "ReLU" : loss))
           from flat in Layer(Gen.Constant("Flatten"))
           select Distinct(image.AddRange(flatten ? new[] { flat } : new FuzzMember[0]).AddRange(dense).AddRange(loss.Length == 0 ? new FuzzMember[0] : new[] { lossLayer }));

    /// <summary>Mostly distinct layer names, as a real model has; duplicates remain possible through the other generator.</summary>
    private static ImmutableList<FuzzMember> Distinct(ImmutableList<FuzzMember> layers)
    {
        HashSet<string> seen = new();
        return layers.Select((l, i) => seen.Add(l.Name) ? l : l with { Name = l.Name + Text(i) }).ToImmutableList();
    }

    private static Gen<FuzzMember> Layer(Gen<string> kinds)
        => from kind in kinds
           from arguments in LayerArguments(kind)
           from second in Gen.Frequency((25, Gen.Constant(ImmutableList<FuzzAttribute>.Empty)), (1, Gen.Elements(LayerAttributes).Select(a => ImmutableList.Create(new FuzzAttribute(a, ImmutableList<FuzzArgument>.Empty)))))
           from modifiers in Gen.Frequency(
               (20, Gen.Elements("public partial", "public partial", "partial", "private partial", "internal partial")),
               (2, Gen.Elements("public", "public static partial", "public virtual partial", "public new partial", "public required partial", "protected partial", "public abstract partial", "public override partial", "public extern partial")))
           from type in Gen.Frequency((20, Gen.Constant("Layer<float>")), (3, Gen.Elements("Layer<double>", "TensorDsl.Models.Layer<float>")), (1, Gen.Elements("Layer<int>", "int", "Layer<float>?", "Layer<Half>", "Layer<T>", "object")))
           from name in Gen.Frequency((10, Gen.Elements("Conv1", "Relu", "Pool", "Fc", "Flat", "Drop", "Loss1", "Fc2", "Up", "Act")), (3, Gen.Elements(Names)))
           from tail in Gen.Frequency((20, Gen.Constant("{ get; }")), (2, Gen.Elements("{ get; set; }", "{ get; init; }", "{ set; }", "{ get => null!; }", "=> null!;", "{ get; } = null!;", "{ get; private set; }")))
           select new FuzzMember(FuzzMember.Property, second.Insert(0, new FuzzAttribute(kind, arguments)), modifiers, type, name, string.Empty, ImmutableList<FuzzParameter>.Empty, tail);

    private static Gen<ImmutableList<FuzzArgument>> LayerArguments(string kind)
    {
        Gen<FuzzArgument> window = Gen.Elements(WindowArguments.Concat(new[] { "Batch", "InChannels", "Channels", "Height", "Width" }).ToArray())
            .SelectMany(n => IntValue.Select(v => new FuzzArgument(n, v)));
        switch (kind)
        {
            case "Conv2d":
            case "Deconv2d":
            {
                Gen<ImmutableList<FuzzArgument>> sensible =
                    from oc in Gen.Choose(1, 6)
                    from k in Gen.Choose(1, 3)
                    from pad in Gen.Choose(0, 1)
                    from stride in Gen.Frequency((3, Gen.Constant(1)), (1, Gen.Constant(2)))
                    from bias in Gen.Frequency((5, Gen.Constant(string.Empty)), (1, Gen.Elements("true", "false")))
                    select ImmutableList.Create(new FuzzArgument("OutChannels", Text(oc)), new FuzzArgument("Kernel", Text(k)))
                        .AddRange(pad > 0 ? new[] { new FuzzArgument("Pad", Text(pad)) } : new FuzzArgument[0])
                        .AddRange(stride > 1 ? new[] { new FuzzArgument("Stride", Text(stride)) } : new FuzzArgument[0])
                        .AddRange(bias.Length > 0 ? new[] { new FuzzArgument("Bias", bias) } : new FuzzArgument[0]);
                return Mutated(sensible, Gen.Frequency((4, window), (1, Gen.Elements("OutChannels", "OutputPadding", "OutHeight").SelectMany(n => IntValue.Select(v => new FuzzArgument(n, v))))));
            }

            case "MaxPool2d":
            case "AvgPool2d":
            {
                Gen<ImmutableList<FuzzArgument>> sensible =
                    from k in Gen.Choose(1, 3)
                    from stride in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(1, 2)))
                    select ImmutableList.Create(new FuzzArgument("Kernel", Text(k)))
                        .AddRange(stride > 0 ? new[] { new FuzzArgument("Stride", Text(stride)) } : new FuzzArgument[0]);
                return Mutated(sensible, window);
            }

            case "Linear":
            {
                Gen<ImmutableList<FuzzArgument>> sensible = Gen.Choose(1, 12).Select(n => ImmutableList.Create(new FuzzArgument("OutFeatures", Text(n))));
                Gen<FuzzArgument> change = Gen.Frequency(
                    (3, Gen.Elements("OutFeatures", "InFeatures").SelectMany(n => IntValue.Select(v => new FuzzArgument(n, v)))),
                    (1, BoolValue.Select(v => new FuzzArgument("Bias", v))));
                return Mutated(sensible, change);
            }

            case "LeakyReLU":
                return Gen.Frequency((2, Gen.Constant(ImmutableList<FuzzArgument>.Empty)), (3, RealValue.Select(v => ImmutableList.Create(new FuzzArgument("Slope", v)))));
            case "Dropout":
                return Gen.Frequency((2, Gen.Constant(ImmutableList<FuzzArgument>.Empty)), (3, RealValue.Select(v => ImmutableList.Create(new FuzzArgument("Rate", v)))));
            default:
                return Gen.Frequency((20, Gen.Constant(ImmutableList<FuzzArgument>.Empty)), (1, IntValue.Select(v => ImmutableList.Create(new FuzzArgument("Kernel", v)))));
        }
    }

    private static Gen<ImmutableList<FuzzArgument>> Mutated(Gen<ImmutableList<FuzzArgument>> sensible, Gen<FuzzArgument> change)
        => Gen.Frequency(
            (5, sensible),
            (2, from baseline in sensible
                from changes in ListOf(change, 1, 2)
                select Mutate(baseline, changes, -1)),
            (1, ListOf(change, 0, 4)));

    // ---- shrinking ---------------------------------------------------------------------------------------------

    /// <summary>Smaller variants of a case: fewer containers, members, attributes, arguments and parameters; simpler values.</summary>
    public static IEnumerable<FuzzCase> Shrink(FuzzCase c)
    {
        if (c.CutAt is not null)
        {
            yield return c with { CutAt = null };
        }

        for (int i = 0; i < c.Containers.Count && c.Containers.Count > 1; i++)
        {
            yield return c with { Containers = c.Containers.RemoveAt(i) };
        }

        for (int i = 0; i < c.Containers.Count; i++)
        {
            foreach (FuzzContainer smaller in Shrink(c.Containers[i]))
            {
                yield return c with { Containers = c.Containers.SetItem(i, smaller) };
            }
        }
    }

    private static IEnumerable<FuzzContainer> Shrink(FuzzContainer c)
    {
        for (int i = 0; i < c.Members.Count; i++)
        {
            yield return c with { Members = c.Members.RemoveAt(i) };
        }

        if (c.Namespace.Length > 0)
        {
            yield return c with { Namespace = string.Empty };
        }

        for (int i = 0; i < c.Outer.Count; i++)
        {
            yield return c with { Outer = c.Outer.RemoveAt(i) };
        }

        if (c.Type.TypeParameters.Length > 0)
        {
            yield return c with { Type = c.Type with { TypeParameters = string.Empty } };
        }

        for (int i = 0; i < c.TypeAttributes.Count; i++)
        {
            foreach (FuzzAttribute smaller in Shrink(c.TypeAttributes[i]))
            {
                yield return c with { TypeAttributes = c.TypeAttributes.SetItem(i, smaller) };
            }
        }

        for (int i = 0; i < c.Members.Count; i++)
        {
            foreach (FuzzMember smaller in Shrink(c.Members[i]))
            {
                yield return c with { Members = c.Members.SetItem(i, smaller) };
            }
        }
    }

    private static IEnumerable<FuzzMember> Shrink(FuzzMember m)
    {
        for (int i = 1; i < m.Attributes.Count; i++)
        {
            yield return m with { Attributes = m.Attributes.RemoveAt(i) };
        }

        for (int i = 0; i < m.Attributes.Count; i++)
        {
            foreach (FuzzAttribute smaller in Shrink(m.Attributes[i]))
            {
                yield return m with { Attributes = m.Attributes.SetItem(i, smaller) };
            }
        }

        for (int i = 0; i < m.Parameters.Count; i++)
        {
            yield return m with { Parameters = m.Parameters.RemoveAt(i) };
        }

        for (int i = 0; i < m.Parameters.Count; i++)
        {
            if (m.Parameters[i].Modifier.Length > 0)
            {
                yield return m with { Parameters = m.Parameters.SetItem(i, m.Parameters[i] with { Modifier = string.Empty }) };
            }
        }
    }

    private static IEnumerable<FuzzAttribute> Shrink(FuzzAttribute a)
    {
        for (int i = 0; i < a.Arguments.Count; i++)
        {
            yield return a with { Arguments = a.Arguments.RemoveAt(i) };
        }

        for (int i = 0; i < a.Arguments.Count; i++)
        {
            if (a.Arguments[i].Value != "1")
            {
                yield return a with { Arguments = a.Arguments.SetItem(i, a.Arguments[i] with { Value = "1" }) };
            }
        }
    }
}
