using System.Collections.Generic;
using TensorDsl.Generators.Model;

namespace TensorDsl.Generators.Emit.OpenCL;

/// <summary>
/// Writes, for every operator of one declaring type, OpenCL C kernels for its fixed shapes and the typed launch
/// code (a nested <c>{Name}OpenCL</c> class) that runs them through <c>TensorDsl.OpenCL.OpenClRuntime</c>.
/// </summary>
internal static partial class OpenClEmitter
{
    /// <summary>The file-local class with the argument checks and the launch helper every launch method calls.</summary>
    private const string Helper = "TensorDslOpenClLaunch";

    /// <summary>The whole file for the declaring type, or null when there is nothing to write.</summary>
    public static string? Emit(IReadOnlyList<OperatorSpec> specs)
    {
        if (specs.Count == 0)
        {
            return null;
        }

        string members = SourceFile.Members(specs, EmitOperator);
        return SourceFile.Write(specs[0], members, HelperClass());
    }

    /// <summary>Writes one operator's <c>{Name}OpenCL</c> class into <paramref name="w"/> (used for a model's window layers).</summary>
    internal static void EmitOperator(OperatorSpec spec, IndentedWriter w) => EmitOperator(spec, OpenClProgram.Build(spec), w);

    /// <summary>The file-local launch helper that every file with <c>{Name}OpenCL</c> classes must contain.</summary>
    internal static string LaunchHelper => HelperClass();

    /// <summary>
    /// Checks shared by every launch method: null, length (with <c>ShapeCheck</c>'s message), runtime membership and
    /// aliasing of outputs; and the launch itself, which also checks that the device accepts the work-group size.
    /// </summary>
    private static string HelperClass() => """
        /// <summary>Argument checks and the kernel launch shared by the generated OpenCL operators of this file.</summary>
        [global::System.CodeDom.Compiler.GeneratedCode("TensorDsl.Generators", "1.0.0")]
        file static class TensorDslOpenClLaunch
        {
            /// <summary>The runtime to launch on: the given one, else the one <paramref name="first"/> belongs to.</summary>
            public static global::TensorDsl.OpenCL.OpenClRuntime Resolve<T>(global::TensorDsl.OpenCL.OpenClRuntime? runtime, global::TensorDsl.OpenCL.OpenClBuffer<T>? first, string name)
                where T : unmanaged
            {
                global::System.ArgumentNullException.ThrowIfNull(first, name);
                return runtime ?? first.Runtime;
            }

            /// <summary>Throws unless the buffer exists, has the shape's length and belongs to <paramref name="runtime"/>.</summary>
            public static void Check<T>(global::TensorDsl.OpenCL.OpenClRuntime runtime, global::TensorDsl.OpenCL.OpenClBuffer<T>? buffer, string name, int length, string shape)
                where T : unmanaged
            {
                global::System.ArgumentNullException.ThrowIfNull(buffer, name);
                global::TensorDsl.Runtime.ShapeCheck.Length(buffer.Length, length, name, shape);
                if (!ReferenceEquals(buffer.Runtime, runtime))
                {
                    throw new global::System.ArgumentException("'" + name + "' belongs to " + buffer.Runtime + " but the launch runs on " + runtime + "; every buffer of a launch must come from its runtime.", name);
                }
            }

            /// <summary>Throws when an output is the same buffer as another argument (kernels read and write them concurrently).</summary>
            public static void Distinct(object output, string outputName, object other, string otherName)
            {
                if (ReferenceEquals(output, other))
                {
                    throw new global::System.ArgumentException("'" + outputName + "' and '" + otherName + "' are the same buffer; an output must not alias another argument.", outputName);
                }
            }

            /// <summary>Enqueues the kernel (no wait) after checking that the device runs its work-group size.</summary>
            public static void Run(global::TensorDsl.OpenCL.OpenClRuntime runtime, string source, string kernelName, int globalX, int globalY, int globalZ, int localX, int localY, int localZ, params global::System.ReadOnlySpan<global::TensorDsl.OpenCL.OpenClArg> args)
            {
                global::TensorDsl.OpenCL.OpenClKernel kernel = runtime.GetKernel(source, kernelName);
                long group = (long)localX * localY * localZ;
                if (kernel.WorkGroupSize < group)
                {
                    throw new global::System.InvalidOperationException("Kernel '" + kernelName + "' is generated for work-groups of " + localX + "x" + localY + "x" + localZ + " = " + group + " work-items, but " + runtime.Device.Name + " runs it with at most " + kernel.WorkGroupSize + ".");
                }

                runtime.Run(kernel, [(nuint)globalX, (nuint)globalY, (nuint)globalZ], [(nuint)localX, (nuint)localY, (nuint)localZ], args);
            }
        }
        """;
}
