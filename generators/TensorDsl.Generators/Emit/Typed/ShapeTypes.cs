using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TensorDsl.Generators.Diagnostics;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.Typed;

/// <summary>
/// The shape types behind the typed overloads: one <c>public readonly struct Shape{d0}x{d1}…</c> implementing
/// <c>TensorDsl.Tensors.ITensorShape</c> per distinct dimension list that the compilation's operators and models use,
/// all in one file. They are structural — every operator taking 8×3×32×32 takes <c>Shape8x3x32x32</c> — and live in
/// <c>TensorDsl.Shapes.{AssemblyName}</c>, so two assemblies never define the same type.
/// </summary>
internal static class ShapeTypes
{
    public const string HintName = "TensorDsl.Shapes.g.cs";

    private const string TensorType = "global::TensorDsl.Tensors.Tensor";

    /// <summary>Adds the shape-types output to the pipeline.</summary>
    public static void Register(
        IncrementalGeneratorInitializationContext context,
        IncrementalValueProvider<ImmutableArray<OperatorSpec>> operators,
        IncrementalValuesProvider<ModelResult> models)
    {
        IncrementalValueProvider<ImmutableArray<ModelSpec>> modelSpecs = models
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .Collect();
        IncrementalValueProvider<EquatableArray<EquatableArray<int>>> shapes = operators
            .Combine(modelSpecs)
            .Select(static (pair, _) => Distinct(pair.Left.SelectMany(For).Concat(pair.Right.SelectMany(For))));
        IncrementalValueProvider<string> ns = context.CompilationProvider.Select(static (c, _) => Namespace(c.AssemblyName));
        context.RegisterSourceOutput(shapes.Combine(ns), static (spc, pair) =>
        {
            try
            {
                if (pair.Left.Count > 0)
                {
                    spc.AddSource(HintName, Emit(pair.Right, pair.Left));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, "the shape types", e.GetType().Name + ": " + e.Message));
            }
        });
    }

    /// <summary><c>TensorDsl.Shapes.{AssemblyName}</c>, the assembly name made one identifier.</summary>
    public static string Namespace(string? assemblyName)
    {
        StringBuilder name = new();
        foreach (char c in assemblyName ?? string.Empty)
        {
            name.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }

        if (name.Length == 0 || char.IsDigit(name[0]) || SyntaxFacts.GetKeywordKind(name.ToString()) != SyntaxKind.None)
        {
            name.Insert(0, '_');
        }

        return "TensorDsl.Shapes." + name;
    }

    /// <summary><c>Shape8x3x32x32</c>.</summary>
    public static string Name(IEnumerable<int> dimensions) => "Shape" + string.Join("x", dimensions.Select(d => N(d)));

    /// <summary><c>global::TensorDsl.Tensors.Tensor&lt;float, global::TensorDsl.Shapes.App.Shape8x3x32x32&gt;</c>.</summary>
    public static string Tensor(string shapesNamespace, string element, IEnumerable<int> dimensions)
        => TensorType + "<" + element + ", global::" + shapesNamespace + "." + Name(dimensions) + ">";

    /// <summary>
    /// Every dimension list the typed overloads of an operator use: its forward's and its backward methods'.
    /// A model's kernels (no <see cref="OperatorSpec.ShapesNamespace"/>) get none.
    /// </summary>
    public static IEnumerable<int[]> For(OperatorSpec s)
    {
        if (s.ShapesNamespace.Length == 0)
        {
            yield break;
        }

        TensorShape[] shapes = s.Kind switch
        {
            OperatorKind.Conv2d or OperatorKind.Deconv2d => new[] { TensorShape.Image, TensorShape.Grid, TensorShape.Weight, TensorShape.Bias },
            OperatorKind.Conv2dGradW => new[] { TensorShape.Image, TensorShape.Grid, TensorShape.Weight },
            OperatorKind.Im2col or OperatorKind.Col2im => new[] { TensorShape.Image, TensorShape.Columns },
            _ => new[] { TensorShape.Image, TensorShape.Grid },
        };
        foreach (TensorShape shape in shapes)
        {
            yield return OperatorSignature.Dimensions(s.Kind, s.Geometry, shape, s.ToMatrix);
        }
    }

    /// <summary>A model's input, its output (and loss target), and for a cross-entropy loss the labels (Batch).</summary>
    public static IEnumerable<int[]> For(ModelSpec m)
    {
        if (m.ShapesNamespace.Length == 0)
        {
            yield break;
        }

        yield return m.InputShape.ToArray();
        yield return OutputShape(m);
        yield return new[] { m.InputShape[0] };
    }

    /// <summary>The shape of a model's output: the last layer's before the loss, or the input if there is none.</summary>
    public static int[] OutputShape(ModelSpec m)
    {
        LayerSpec? last = m.Layers.LastOrDefault(l => !l.IsLoss);
        return (last?.OutputShape ?? m.InputShape).ToArray();
    }

    /// <summary>Writes the file: every shape type, sorted by rank then dimensions, so the text is deterministic.</summary>
    public static string Emit(string ns, EquatableArray<EquatableArray<int>> shapes)
    {
        IndentedWriter w = new();
        w.Line("// <auto-generated/>");
        w.Line("// Generated by TensorDsl: the shape types of this assembly's typed tensors. Do not edit.");
        w.Line("#nullable enable");
        w.Line();
        using (w.Open("namespace " + ns))
        {
            bool first = true;
            foreach (EquatableArray<int> shape in shapes)
            {
                if (!first)
                {
                    w.Line();
                }

                first = false;
                string describe = OperatorSignature.Describe(shape.ToArray());
                long length = 1;
                foreach (int d in shape)
                {
                    length *= d;
                }

                w.Line("/// <summary>The shape " + describe + " (" + N(length) + " elements), for <see cref=\"global::TensorDsl.Tensors.Tensor{T, TShape}\"/>.</summary>");
                w.Line(SourceFile.GeneratedCodeAttribute);
                w.Line("[global::TensorDsl.Runtime.TensorLength(" + N(length) + ", \"" + describe + "\")]");
                using (w.Open("public readonly struct " + Name(shape) + " : global::TensorDsl.Tensors.ITensorShape"))
                {
                    w.Line("/// <summary>" + N(length) + ", the number of elements.</summary>");
                    w.Line("public static int Length => " + N(length) + ";");
                    w.Line();
                    w.Line("/// <summary>\"" + describe + "\".</summary>");
                    w.Line("public static string Dimensions => \"" + describe + "\";");
                }
            }
        }

        return w.ToString();
    }

    private static EquatableArray<EquatableArray<int>> Distinct(IEnumerable<int[]> shapes)
        => shapes
            .Select(d => d.ToEquatableArray())
            .Distinct()
            .OrderBy(d => d.Count)
            .ThenBy(d => d, Comparer<EquatableArray<int>>.Create(Compare))
            .ToEquatableArray();

    private static int Compare(EquatableArray<int> a, EquatableArray<int> b)
    {
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            int c = a[i].CompareTo(b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }
}
