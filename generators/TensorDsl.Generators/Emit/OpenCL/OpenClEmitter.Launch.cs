using System.Linq;
using TensorDsl.Generators.Model;
using static TensorDsl.Generators.Emit.IndentedWriter;

namespace TensorDsl.Generators.Emit.OpenCL;

internal static partial class OpenClEmitter
{
    /// <summary>A device-buffer parameter of a launch method: name, whether it is written, int or T, and its shape.</summary>
    private sealed record Buffer(string Name, bool Output, bool IsIndex, int[] Dimensions, string Meaning)
    {
        public int Length => Dimensions.Aggregate(1, (a, d) => a * d);

        public string Shape => OperatorSignature.Describe(Dimensions);

        public string Type(string element) => "global::TensorDsl.OpenCL.OpenClBuffer<" + (IsIndex ? "int" : element) + ">";
    }

    /// <summary>
    /// Writes one launch method: documentation with every buffer's shape, the checks (all of them before anything
    /// is enqueued), and the kernel launches in order.
    /// </summary>
    private static void Method(OperatorSpec s, OpenClProgram program, IndentedWriter w, string name, string summary, Buffer[] buffers, params Step[] steps)
    {
        string t = s.ElementType;
        string runtime = buffers.Any(b => b.Name == "runtime") ? "openClRuntime" : "runtime";
        w.Line();
        w.Line("/// <summary>" + Xml(summary) + " Enqueued without waiting.</summary>");
        foreach (Buffer b in buffers)
        {
            w.Line("/// <param name=\"" + b.Name + "\">" + Xml(b.Meaning) + ", " + b.Shape + " (" + N(b.Length) + " elements)" + (b.Output ? ", overwritten" : string.Empty) + ".</param>");
        }

        w.Line("/// <param name=\"" + runtime + "\">The runtime to run on; null: the one the buffers belong to (normally <see cref=\"global::TensorDsl.OpenCL.OpenClRuntime.Shared\"/>).</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentNullException\">A buffer is null.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A buffer's length is not its shape's, a buffer belongs to another runtime, or an output is also another argument.</exception>");
        w.Line("/// <exception cref=\"global::TensorDsl.OpenCL.OpenClException\">OpenCL rejected the program or the launch.</exception>");
        if (s.Element == ElementKind.Double)
        {
            w.Line("/// <exception cref=\"global::TensorDsl.OpenCL.OpenClUnavailableException\">The device has no double precision (cl_khr_fp64).</exception>");
        }

        w.Line(SourceFile.GeneratedCodeAttribute);
        string parameters = string.Join(", ", buffers.Select(b => b.Type(t) + " " + SourceFile.Id(b.Name)));
        using (w.Open("public static void " + name + "(" + parameters + ", global::TensorDsl.OpenCL.OpenClRuntime? " + runtime + " = null)"))
        {
            w.Line("global::TensorDsl.OpenCL.OpenClRuntime __runtime = " + Helper + ".Resolve(" + runtime + ", " + SourceFile.Id(buffers[0].Name) + ", \"" + buffers[0].Name + "\");");
            foreach (Buffer b in buffers)
            {
                w.Line(Helper + ".Check(__runtime, " + SourceFile.Id(b.Name) + ", \"" + b.Name + "\", " + N(b.Length) + ", \"" + b.Shape + "\");");
            }

            for (int i = 0; i < buffers.Length; i++)
            {
                for (int j = 0; j < buffers.Length; j++)
                {
                    Buffer output = buffers[i], other = buffers[j];
                    bool pairOnce = !other.Output || j > i;
                    if (output.Output && i != j && pairOnce && output.IsIndex == other.IsIndex)
                    {
                        w.Line(Helper + ".Distinct(" + SourceFile.Id(output.Name) + ", \"" + output.Name + "\", " + SourceFile.Id(other.Name) + ", \"" + other.Name + "\");");
                    }
                }
            }

            bool scratch = steps.Any(step => step.Arguments.Contains(Partial));
            if (scratch)
            {
                w.Line("// Partial sums of the weight gradient's " + N(program.WeightGradientSplits) + " K slices; released once the kernels that use it have run.");
                w.Line("using global::TensorDsl.OpenCL.OpenClBuffer<" + t + "> " + Partial + " = __runtime.Allocate<" + t + ">(" + N(program.PartialLength) + ");");
            }

            foreach (Step step in steps)
            {
                KernelLaunch k = program.Launches[step.Kernel];
                string args = string.Join(", ", step.Arguments.Select(a => a == Partial ? a : SourceFile.Id(a)));
                w.Line(Helper + ".Run(__runtime, Source, \"" + k.Name + "\", " + N(k.GlobalX) + ", " + N(k.GlobalY) + ", " + N(k.GlobalZ) + ", " + N(k.LocalX) + ", " + N(k.LocalY) + ", " + N(k.LocalZ) + ", " + args + ");");
            }
        }
    }
}
