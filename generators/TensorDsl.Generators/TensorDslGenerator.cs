using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TensorDsl.Generators.Declarations;
using TensorDsl.Generators.Diagnostics;
using TensorDsl.Generators.Emit;
using TensorDsl.Generators.Emit.Cpu;
using TensorDsl.Generators.Emit.Ilgpu;
using TensorDsl.Generators.Emit.OpenCL;
using TensorDsl.Generators.Emit.Typed;
using TensorDsl.Generators.Model;
using TensorDsl.Generators.Shapes;

namespace TensorDsl.Generators;

/// <summary>
/// The pipeline: declaration (attribute + method → <see cref="OperatorDeclaration"/>) → shape inference and
/// validation (→ <see cref="OperatorSpec"/> and diagnostics) → one emitter per target, one file per declaring type.
/// Diagnostics and sources flow separately so that moving code around re-reports locations without re-emitting.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TensorDslGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public const string OperatorsStep = "Operators";
    public const string TypesStep = "DeclaringTypes";
    public const string ModelsStep = "Models";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<ImmutableArray<OperatorSpec>> allSpecs = default;
        bool first = true;
        foreach (KeyValuePair<OperatorKind, string> entry in OperatorDeclarationReader.AttributeMetadataNames)
        {
            OperatorKind kind = entry.Key;
            IncrementalValuesProvider<OperatorResult> results = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    entry.Value,
                    static (node, _) => node is MethodDeclarationSyntax,
                    (syntaxContext, cancellationToken) => Analyze(kind, syntaxContext, cancellationToken))
                .WithTrackingName(OperatorsStep);

            // Diagnostics are mapped back onto the compilation's syntax trees when reported, so that #pragma warning
            // disable applies to them (it ignores locations outside a tree). Re-reporting on every compilation is cheap;
            // the sources below stay cached.
            context.RegisterSourceOutput(
                results.SelectMany(static (r, _) => r.Diagnostics).Combine(context.CompilationProvider),
                static (spc, pair) => spc.ReportDiagnostic(pair.Left.ToDiagnostic(pair.Right)));

            IncrementalValueProvider<ImmutableArray<OperatorSpec>> specs = results
                .Where(static r => r.Spec is not null)
                .Select(static (r, _) => r.Spec!)
                .Collect();
            allSpecs = first ? specs : allSpecs.Combine(specs).Select(static (pair, _) => pair.Left.AddRange(pair.Right));
            first = false;
        }

        IncrementalValuesProvider<EquatableArray<OperatorSpec>> perType = allSpecs
            .SelectMany(static (specs, _) => specs
                .GroupBy(s => s.DeclaringTypeKey, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.OrderBy(s => s.MethodName, StringComparer.Ordinal).ToEquatableArray()))
            .WithTrackingName(TypesStep);

        context.RegisterSourceOutput(perType, static (spc, specs) => Emit(spc, specs, "TensorDsl", CpuEmitter.Emit));

        IncrementalValuesProvider<ModelResult> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ModelDeclarationReader.ModelAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax or StructDeclarationSyntax,
                static (syntaxContext, cancellationToken) => AnalyzeModel(syntaxContext, cancellationToken))
            .WithTrackingName(ModelsStep);
        context.RegisterSourceOutput(models.SelectMany(static (r, _) => r.Diagnostics), static (spc, d) => spc.ReportDiagnostic(d.ToDiagnostic()));
        context.RegisterSourceOutput(models.Where(static r => r.Spec is not null).Select(static (r, _) => r.Spec!), static (spc, model) => EmitModel(spc, model));
        context.RegisterSourceOutput(perType, static (spc, specs) => Emit(spc, specs, "TensorDsl.OpenCL", OpenClEmitter.Emit));

        // Typed tensors: one file of shape types for everything above (the typed overloads are in the CPU files).
        ShapeTypes.Register(context, allSpecs, models);

        // ILGPU kernels only where the user's project references ILGPU; otherwise nothing ILGPU-related appears.
        IncrementalValueProvider<bool> referencesIlgpu = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(IlgpuEmitter.DetectionType) is not null);
        context.RegisterSourceOutput(
            perType.Combine(referencesIlgpu).Where(static pair => pair.Right).Select(static (pair, _) => pair.Left),
            static (spc, specs) => Emit(spc, specs, "TensorDsl.Ilgpu", IlgpuEmitter.Emit));
    }

    private static OperatorResult Analyze(OperatorKind kind, GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            OperatorResult result = ShapeInference.Infer(OperatorDeclarationReader.Read(kind, context, cancellationToken));
            return result.Spec is null ? result : result with { Spec = result.Spec with { ShapesNamespace = ShapeTypes.Namespace(context.SemanticModel.Compilation.AssemblyName) } };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never throw into the compiler: an unexpected declaration becomes a diagnostic on the method.
            LocationInfo? location = LocationInfo.From(context.TargetNode.GetLocation());
            DiagnosticInfo diagnostic = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, context.TargetSymbol.Name, e.GetType().Name + ": " + e.Message);
            return new OperatorResult(null, new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));
        }
    }

    private static ModelResult AnalyzeModel(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            if (ModelDeclarationReader.Read(context, cancellationToken) is not { } declaration)
            {
                return new ModelResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            ModelResult result = ModelShapeInference.Infer(declaration);
            return result.Spec is null ? result : result with { Spec = result.Spec with { ShapesNamespace = ShapeTypes.Namespace(context.SemanticModel.Compilation.AssemblyName) } };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LocationInfo? location = LocationInfo.From(context.TargetNode.GetLocation());
            DiagnosticInfo diagnostic = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, context.TargetSymbol.Name, e.GetType().Name + ": " + e.Message);
            return new ModelResult(null, new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));
        }
    }

    private static void EmitModel(SourceProductionContext context, ModelSpec model)
    {
        try
        {
            context.AddSource(SourceFile.HintName(model.Namespace, model.ContainingTypes, "TensorDsl.Model"), ModelEmitter.Emit(model));
            context.AddSource(SourceFile.HintName(model.Namespace, model.ContainingTypes, "TensorDsl.Model.OpenCL"), ModelOpenClEmitter.Emit(model));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, model.ClassName, e.GetType().Name + ": " + e.Message));
        }
    }

    private static void Emit(SourceProductionContext context, EquatableArray<OperatorSpec> specs, string target, Func<IReadOnlyList<OperatorSpec>, string?> emitter)
    {
        OperatorSpec first = specs[0];
        try
        {
            string? source = emitter(specs.ToArray());
            if (source is not null)
            {
                context.AddSource(SourceFile.HintName(first, target), source);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, SourceFile.Describe(first), e.GetType().Name + ": " + e.Message));
        }
    }
}
