using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using TensorDsl.Generators.Declarations;
using TensorDsl.Generators.Diagnostics;
using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Shapes;

/// <summary>
/// Walks a model's layers in order, inferring each layer's input from its predecessor's output. Convolution and
/// pooling layers are checked by the operators' own <see cref="ShapeInference"/> on an operator declaration
/// completed with the inferred sizes, so a model reports exactly the diagnostics a declared operator would.
/// </summary>
internal static class ModelShapeInference
{
    /// <summary>Public members every model gets; a user member with one of these names is a conflict.</summary>
    public static readonly string[] GeneratedMembers =
    {
        "Batch", "InputLength", "OutputLength", "Classes", "Parameters", "Layers", "Training", "Input", "Output", "OutputGradient",
        "Forward", "Loss", "Backward", "TrainStep", "CountCorrect", "ZeroGrad",
    };

    public static ModelResult Infer(ModelDeclaration d)
    {
        List<DiagnosticInfo> diagnostics = new();
        ModelSpec? spec = InferCore(d, diagnostics);
        bool hasError = diagnostics.Exists(x => DiagnosticDescriptors.ById(x.Id).DefaultSeverity == DiagnosticSeverity.Error);
        return new ModelResult(hasError ? null : spec, diagnostics.ToEquatableArray());
    }

    private static ModelSpec? InferCore(ModelDeclaration d, List<DiagnosticInfo> diagnostics)
    {
        if (d.ClassProblem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidModelClass, d.ClassLocation, d.ClassName, d.ClassProblem));
            return null;
        }

        if (d.NonPartialType is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, d.ClassLocation, d.NonPartialType, d.ClassName));
            return null;
        }

        if (d.Layers.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyModel, d.ClassLocation, d.ClassName, "without layers"));
            return null;
        }

        // A loss alone computes nothing: there would be no output (and no gradient buffer) for it to read.
        if (d.Layers.Count == 1 && d.Layers[0].Kind is nameof(LayerKind.SoftmaxCrossEntropy) or nameof(LayerKind.MeanSquaredError))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyModel, d.ClassLocation, d.ClassName, "without layers before its loss '" + d.Layers[0].Name + "'"));
            return null;
        }

        if (d.Layers.Select(l => l.Name).Distinct().Count() != d.Layers.Count)
        {
            // Two layer properties of one name: the compiler reports it (CS0102), and neither can be implemented.
            return null;
        }

        foreach (string member in GeneratedMembers)
        {
            // A layer property is a member too: a layer named Loss collides with the generated Loss method.
            if (d.ExistingMemberNames.Contains(member))
            {
                LocationInfo? location = d.Layers.FirstOrDefault(l => l.Name == member)?.PropertyLocation ?? d.ClassLocation;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedNameConflict, location, d.ClassName, member, d.ClassName));
            }
        }

        int batch = InputSize(d, "Batch", "batch size N", null, diagnostics);
        int channels = InputSize(d, "Channels", "input channel count C", null, diagnostics);
        int height = InputSize(d, "Height", "input height H", 1, diagnostics);
        int width = InputSize(d, "Width", "input width W", 1, diagnostics);

        if (d.Layers.All(l => l.Kind is "SoftmaxCrossEntropy" or "MeanSquaredError" or "Flatten"))
        {
            // Nothing computes before the loss (a flatten only renames the input): there is no network to train.
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyModel, d.ClassLocation, d.ClassName));
            return null;
        }

        long inputLength = 1;
        foreach (int size in new[] { batch, channels, height, width })
        {
            inputLength = inputLength > int.MaxValue ? inputLength : inputLength * size;
        }

        if (inputLength > int.MaxValue)
        {
            // Every layer's own tensors are checked as the layer is inferred; the input is no layer's.
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOverflow, d.AttributeLocation, "Model", "input", d.ClassName, Describe(new[] { batch, channels, height, width }), "more than 2147483647"));
            return null;
        }

        DeclaredLayer first = d.Layers[0];
        bool ok = diagnostics.Count == 0;
        foreach (DeclaredLayer layer in d.Layers)
        {
            if (layer.PropertyProblem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerProperty, layer.PropertyLocation, layer.Name, layer.PropertyProblem));
                ok = false;
            }
            else if (layer.OtherLayerAttribute is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleLayerAttributes, layer.AttributeLocation, layer.Name, layer.Kind, layer.OtherLayerAttribute));
                ok = false;
            }
            else if (layer.ElementType != first.ElementType && first.PropertyProblem is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerElementTypeMismatch, layer.PropertyLocation, layer.Name, layer.ElementType, first.Name, first.ElementType));
                ok = false;
            }
        }

        if (!ok)
        {
            return null;
        }

        ElementKind element = first.ElementType == "float" ? ElementKind.Float : ElementKind.Double;
        int[] shape = { batch, channels, height, width };
        string previous = "the input"; // or the previous layer's name in quotes, as messages show it
        List<LayerSpec> layers = new();
        for (int i = 0; i < d.Layers.Count; i++)
        {
            DeclaredLayer layer = d.Layers[i];
            LayerSpec? spec = InferLayer(d, layer, shape, previous, element, diagnostics);
            if (spec is null)
            {
                return null;
            }

            if (spec.IsLoss && i != d.Layers.Count - 1)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossNotLast, layer.AttributeLocation, layer.Name, d.Layers[i + 1].Name));
                return null;
            }

            layers.Add(spec);
            shape = spec.OutputShape.ToArray();
            previous = "'" + layer.Name + "'";
        }

        return new ModelSpec(
            d.Namespace,
            d.ContainingTypes,
            d.ClassName,
            element,
            new EquatableArray<int>(new[] { batch, channels, height, width }),
            (int)(d.Find("Initialization")?.Value ?? 0),
            layers.ToEquatableArray());
    }

    private static int InputSize(ModelDeclaration d, string name, string meaning, int? fallback, List<DiagnosticInfo> diagnostics)
    {
        DeclaredArgument? argument = d.Find(name);
        if (argument is null)
        {
            if (fallback is not null)
            {
                return fallback.Value;
            }

            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, d.AttributeLocation, "Model", name, "is not set", meaning));
            return 0;
        }

        if (argument.Value < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, argument.Location, "Model", name, "is " + Text(argument.Value), meaning));
            return 0;
        }

        return (int)argument.Value;
    }

    private static LayerSpec? InferLayer(ModelDeclaration d, DeclaredLayer layer, int[] input, string previous, ElementKind element, List<DiagnosticInfo> diagnostics)
    {
        LayerKind kind = (LayerKind)System.Enum.Parse(typeof(LayerKind), layer.Kind);
        EquatableArray<int> inputShape = new(input);
        int features = 1;
        for (int i = 1; i < input.Length; i++)
        {
            features *= input[i];
        }

        string produced = Describe(input);
        switch (kind)
        {
            case LayerKind.Conv2d:
            case LayerKind.Deconv2d:
            case LayerKind.MaxPool2d:
            case LayerKind.AvgPool2d:
                return InferWindowLayer(d, layer, kind, input, previous, element, diagnostics);

            case LayerKind.Linear:
            {
                DeclaredArgument? inFeatures = layer.Find("InFeatures");
                // LinearAttribute.InFeatures: "inferred from the previous layer when 0, checked against it otherwise".
                if (inFeatures is not null && inFeatures.Value != 0 && inFeatures.Value != features)
                {
                    string detail = input.Length > 2 ? Describe(input.Skip(1).ToArray()) + " = " + Text(features) : Text(features);
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InFeaturesMismatch, inFeatures.Location, layer.Name, inFeatures.Value, previous, detail, features));
                    return null;
                }

                DeclaredArgument? outFeatures = layer.Find("OutFeatures");
                if (outFeatures is null || outFeatures.Value < 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, outFeatures?.Location ?? layer.AttributeLocation, "Linear", "OutFeatures", outFeatures is null ? "is not set" : "is " + Text(outFeatures.Value), "output feature count"));
                    return null;
                }

                int outCount = (int)outFeatures.Value;
                if ((long)outCount * features > int.MaxValue || (long)outCount * input[0] > int.MaxValue)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOverflow, layer.AttributeLocation, "Linear", "w", layer.Name, Text(outCount) + "×" + Text(features), Text((long)outCount * features)));
                    return null;
                }

                bool bias = (layer.Find("Bias")?.Value ?? 1) != 0;
                return new LayerSpec(kind, layer.Name, layer.Modifiers, inputShape, new EquatableArray<int>(new[] { input[0], outCount }), null, features, outCount, bias, 0);
            }

            case LayerKind.Flatten:
                return new LayerSpec(kind, layer.Name, layer.Modifiers, inputShape, new EquatableArray<int>(new[] { input[0], features }), null, features, features, false, 0);

            case LayerKind.Dropout:
            {
                DeclaredReal? rate = layer.FindReal("Rate");
                double value = rate?.Value ?? 0.5;
                if (!(value >= 0 && value < 1))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerArgument, rate?.Location ?? layer.AttributeLocation, layer.Name, "Rate", value.ToString("R", CultureInfo.InvariantCulture), "the dropout rate must be at least 0 and below 1"));
                    return null;
                }

                return new LayerSpec(kind, layer.Name, layer.Modifiers, inputShape, inputShape, null, features, features, false, value);
            }

            case LayerKind.LeakyReLU:
            {
                DeclaredReal? slope = layer.FindReal("Slope");
                double value = slope?.Value ?? 0.01;
                if (double.IsNaN(value) || double.IsInfinity(value))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerArgument, slope?.Location ?? layer.AttributeLocation, layer.Name, "Slope", value.ToString("R", CultureInfo.InvariantCulture), "the slope must be a finite number"));
                    return null;
                }

                if (element == ElementKind.Float && System.Math.Abs(value) > float.MaxValue)
                {
                    // The slope is written into the model as a float constant, which cannot hold it.
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerArgument, slope?.Location ?? layer.AttributeLocation, layer.Name, "Slope", value.ToString("R", CultureInfo.InvariantCulture), "the slope of a float model must be a finite float (at most 3.4028235E+38 in magnitude)"));
                    return null;
                }

                return new LayerSpec(kind, layer.Name, layer.Modifiers, inputShape, inputShape, null, features, features, false, value);
            }

            case LayerKind.SoftmaxCrossEntropy:
                if (input.Length != 2)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossShapeMismatch, layer.AttributeLocation, layer.Name, previous, produced));
                    return null;
                }

                return new LayerSpec(kind, layer.Name, layer.Modifiers, inputShape, inputShape, null, features, features, false, 0);

            default:
                return new LayerSpec(kind, layer.Name, layer.Modifiers, inputShape, inputShape, null, features, features, false, 0);
        }
    }

    private static LayerSpec? InferWindowLayer(ModelDeclaration d, DeclaredLayer layer, LayerKind kind, int[] input, string previous, ElementKind element, List<DiagnosticInfo> diagnostics)
    {
        if (input.Length != 4)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ImageLayerAfterFeatures, layer.AttributeLocation, layer.Name, layer.Kind, previous, Describe(input)));
            return null;
        }

        OperatorKind operatorKind = (OperatorKind)System.Enum.Parse(typeof(OperatorKind), layer.Kind);
        bool convolution = kind is LayerKind.Conv2d or LayerKind.Deconv2d;
        (string Name, int Value)[] inferred =
        {
            ("Batch", input[0]),
            (convolution ? "InChannels" : "Channels", input[1]),
            ("Height", input[2]),
            ("Width", input[3]),
        };

        // Sizes the user wrote must agree with what the previous layer produces; the rest are filled in.
        List<DeclaredArgument> arguments = layer.Arguments.Where(a => !inferred.Any(x => x.Name == a.Name)).ToList();
        foreach ((string name, int value) in inferred)
        {
            DeclaredArgument? written = layer.Find(name);
            if (written is not null && written.Value != value)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerSizeMismatch, written.Location, layer.Name, name, written.Value, previous, value));
                return null;
            }

            arguments.Add(new DeclaredArgument(name, value, layer.AttributeLocation));
        }

        if (d.ExistingMemberNames.Contains(KernelName(layer.Name)))
        {
            // The layer's kernel is generated as a private method of that name.
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedNameConflict, layer.PropertyLocation, d.ClassName, KernelName(layer.Name), layer.Name));
            return null;
        }

        bool hasBias = convolution && (layer.Find("Bias")?.Value ?? 1) != 0;
        string t = element == ElementKind.Float ? "float" : "double";
        EquatableArray<DeclaredParameter> parameters = OperatorSignature.For(operatorKind, hasBias)
            .Select(r => new DeclaredParameter(r.Name, r.Span, r.IsIndex ? "int" : t, string.Empty, null))
            .ToEquatableArray();
        OperatorDeclaration declaration = new(
            operatorKind,
            layer.Kind,
            d.Namespace,
            d.ContainingTypes,
            null,
            KernelName(layer.Name),
            "private static",
            null,
            null,
            arguments.ToEquatableArray(),
            parameters,
            d.ExistingMemberNames,
            layer.AttributeLocation,
            layer.PropertyLocation);
        OperatorResult result = ShapeInference.Infer(declaration);
        diagnostics.AddRange(result.Diagnostics);
        if (result.Spec is null)
        {
            return null;
        }

        WindowGeometry g = result.Spec.Geometry;
        int[] output = kind == LayerKind.Deconv2d
            ? new[] { g.Batch, g.ImageChannels, g.ImageHeight, g.ImageWidth }
            : new[] { g.Batch, g.GridChannels, g.GridHeight, g.GridWidth };
        return new LayerSpec(kind, layer.Name, layer.Modifiers, new EquatableArray<int>(input), new EquatableArray<int>(output), result.Spec with { IsPartial = false }, 0, 0, hasBias, 0);
    }

    /// <summary>The private operator methods a window layer's kernels are generated as.</summary>
    public static string KernelName(string layerName) => layerName + "Kernel";

    private static string Describe(int[] dims) => string.Join("×", dims.Select(x => x.ToString(CultureInfo.InvariantCulture)));

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
