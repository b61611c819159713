using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TensorDsl.Generators.Diagnostics;

/// <summary>
/// Every diagnostic TensorDsl reports. Ids are stable: never renumber, only add. Messages name the attribute
/// argument, the shapes involved and the fix. Each id has a page under docs/diagnostics/.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "TensorDsl";
    private const string HelpBase = "https://github.com/tensordsl/tensordsl/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor InvalidMethod = Error(
        "TDSL0001",
        "Operator method must be a partial void method without a body",
        "[{0}] is on '{1}', which {2}; declare it as 'partial void {1}(...);' without a body and without type parameters");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
        "TDSL0002",
        "Type declaring an operator must be partial",
        "'{0}' declares the operator '{1}' but is not partial; add the 'partial' modifier to '{0}' (and to every type that encloses it)");

    public static readonly DiagnosticDescriptor NonPositiveSize = Error(
        "TDSL0003",
        "Tensor size must be positive",
        "[{0}] {1} {2}; the {3} must be at least 1");

    public static readonly DiagnosticDescriptor InvalidWindow = Error(
        "TDSL0004",
        "Kernel and stride must be positive and padding non-negative",
        "[{0}] {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor EmptyOutput = Error(
        "TDSL0005",
        "Kernel larger than the padded input",
        "[{0}] the {1} kernel {2} is larger than the padded input {1} {3} + 2·{4} = {5}, so the output {1} would be {6}; use a kernel of at most {5} or more padding");

    public static readonly DiagnosticDescriptor WindowDoesNotTile = Warning(
        "TDSL0006",
        "Stride does not tile the padded input",
        "[{0}] ({1} + 2·{2} − {3}) = {4} is not divisible by the {5} stride {6}: the output {5} floors to {7} and the last {8} padded input {9} never read (as DeZero and PyTorch); change {10} or Pad so that it divides, or ignore this warning");

    public static readonly DiagnosticDescriptor InvalidOutputPadding = Error(
        "TDSL0007",
        "Invalid deconv2d output size",
        "[{0}] {1}; {2}");

    public static readonly DiagnosticDescriptor ParameterCountMismatch = Error(
        "TDSL0008",
        "Operator method has the wrong number of parameters",
        "'{0}' has {1} parameter(s) but [{2}] expects {3}: {4}");

    public static readonly DiagnosticDescriptor ParameterTypeMismatch = Error(
        "TDSL0009",
        "Operator parameter has the wrong type",
        "Parameter '{0}' of '{1}' is '{2}' but [{3}] expects '{4}' here ({5})");

    public static readonly DiagnosticDescriptor ElementTypeMismatch = Error(
        "TDSL0010",
        "Operator tensors mix element types",
        "Parameter '{0}' of '{1}' has element type '{2}' but '{3}' has '{4}'; all tensors of one operator are float, or all are double");

    public static readonly DiagnosticDescriptor SizeOverflow = Error(
        "TDSL0011",
        "Tensor too large for a span",
        "[{0}] the tensor {1} of '{2}' would have {3} = {4} elements, more than a span holds (2147483647); reduce the batch or the sizes");

    public static readonly DiagnosticDescriptor PoolPaddingTooLarge = Error(
        "TDSL0012",
        "Pooling padding larger than half the kernel",
        "[{0}] {1} = {2} is more than half the {3} kernel {4}, so a window could lie entirely in the padding; use a padding of at most {5}");

    public static readonly DiagnosticDescriptor GeneratedNameConflict = Error(
        "TDSL0013",
        "Generated member name already exists",
        "'{0}' already has a member named '{1}', which TensorDsl generates for the operator '{2}'; rename '{2}' or the existing member");

    public static readonly DiagnosticDescriptor MultipleOperatorAttributes = Error(
        "TDSL0014",
        "More than one operator attribute on a method",
        "'{0}' carries both [{1}] and [{2}]; a method declares exactly one operator, so declare a second method for the other");

    public static readonly DiagnosticDescriptor InvalidModelClass = Error(
        "TDSL0100",
        "Model must be a non-static, non-generic partial class",
        "[Model] is on '{0}', which {1}; declare it as 'public partial class {0}' (not static, without type parameters)");

    public static readonly DiagnosticDescriptor InvalidLayerProperty = Error(
        "TDSL0101",
        "Layer must be a partial get-only property of type Layer<T>",
        "The layer '{0}' {1}; declare it as 'public partial Layer<float> {0} {{ get; }}' (or Layer<double>)");

    public static readonly DiagnosticDescriptor InFeaturesMismatch = Error(
        "TDSL0102",
        "Linear layer's InFeatures disagrees with its input",
        "'{0}' expects {1} inputs but {2} produces {3}; remove InFeatures (it is inferred) or set it to {4}");

    public static readonly DiagnosticDescriptor LayerSizeMismatch = Error(
        "TDSL0103",
        "Layer size disagrees with the previous layer",
        "'{0}' declares {1} = {2} but {3} produces {4}; remove {1} (sizes are inferred in a model) or set it to {4}");

    public static readonly DiagnosticDescriptor ImageLayerAfterFeatures = Error(
        "TDSL0104",
        "Image layer after features",
        "'{0}' ([{1}]) takes an image N×C×H×W but {2} produces features {3}; move '{0}' before the [Flatten] or [Linear] layer");

    public static readonly DiagnosticDescriptor InvalidLayerArgument = Error(
        "TDSL0105",
        "Invalid layer argument",
        "'{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor LossNotLast = Error(
        "TDSL0106",
        "Loss must be the last layer",
        "The loss '{0}' must be the model's last layer, but '{1}' follows it; move '{0}' to the end (a model has at most one loss)");

    public static readonly DiagnosticDescriptor LossShapeMismatch = Error(
        "TDSL0107",
        "Loss input has the wrong shape",
        "[SoftmaxCrossEntropy] '{0}' takes N×classes features but {1} produces {2}; end the network with [Flatten] and a [Linear] layer");

    public static readonly DiagnosticDescriptor EmptyModel = Error(
        "TDSL0108",
        "Model has no layers",
        "'{0}' is a [Model] {1}; add partial Layer<T> properties with layer attributes such as [Conv2d(OutChannels = 8, Kernel = 3)]");

    public static readonly DiagnosticDescriptor MultipleLayerAttributes = Error(
        "TDSL0109",
        "More than one layer attribute on a property",
        "'{0}' carries both [{1}] and [{2}]; a property declares exactly one layer");

    public static readonly DiagnosticDescriptor LayerElementTypeMismatch = Error(
        "TDSL0110",
        "Layers mix element types",
        "'{0}' is Layer<{1}> but '{2}' is Layer<{3}>; all layers of a model share float or double");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "TDSL0099",
        "TensorDsl generator failed",
        "TensorDsl could not generate '{0}': {1}; this is a bug in TensorDsl, please report it with this declaration");

    // TDSL02xx: call sites of generated methods, reported by TensorCallSiteAnalyzer rather than the generator.
    public static readonly DiagnosticDescriptor WrongArgumentLength = Error(
        "TDSL0200",
        "Tensor argument has the wrong length",
        "'{0}' of {1} needs {2} elements ({3}) but {4} has {5}; allocate {6}");

    public static readonly DiagnosticDescriptor AliasedArguments = Error(
        "TDSL0201",
        "Tensor an operator writes is also passed as another of its tensors",
        "'{0}' is passed as both '{1}' and '{2}' of {3}, which overwrites '{1}' while it uses '{2}'; pass a separate buffer as '{1}' (generated methods do not work in place)");

    public static readonly DiagnosticDescriptor WrongTensorArrayLength = Error(
        "TDSL0202",
        "Array has the wrong length for its tensor shape",
        "{0} has {1} elements but {2} needs {3} ({4}); create it with {2}.Allocate() or from an array of {3} elements");

    public static readonly DiagnosticDescriptor WrongTensorShape = Error(
        "TDSL0203",
        "Tensor argument has the wrong shape type",
        "'{0}' is {1} but '{2}' of {3} takes {4}; {5}");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = typeof(DiagnosticDescriptors)
        .GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null))
        .ToDictionary(d => d.Id);

    /// <summary>All descriptors, for the release-tracking files and tests.</summary>
    public static IEnumerable<DiagnosticDescriptor> All => s_byId.Values;

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");

    private static DiagnosticDescriptor Warning(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");
}
