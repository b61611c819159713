namespace TensorDsl.Tests.Generator;

/// <summary>
/// A test-only stand-in for the part of ILGPU's API that the generated ILGPU code uses, compiled into the in-memory
/// user project so that the generator sees <c>ILGPU.Runtime.Accelerator</c> and the generated code compiles without
/// ILGPU (which cannot be restored here). Written for these tests, not taken from ILGPU: it declares the namespaces,
/// type names, member names and generic constraints that ILGPU 2.0 has (checked against git b4fd8b33) for what the
/// generated code touches, nothing more.
/// </summary>
/// <remarks>
/// So that the kernels can also be run in tests, the stub behaves like a sequential device: an
/// <c>ArrayView&lt;T&gt;</c> wraps a host array (the extra <c>ArrayView(T[])</c> constructor and <c>HostData</c>
/// are the stub's own test hooks, not ILGPU API), and a loaded kernel runs its work-items one after another in
/// reverse order, so a kernel that read another work-item's output would give a different result than on a device.
/// </remarks>
internal static class IlgpuStub
{
    public const string Source = """
        #nullable enable
        namespace ILGPU
        {
            public interface IIndex { }

            public readonly struct Index1D : IIndex
            {
                public Index1D(int x) => X = x;

                public int X { get; }

                public static implicit operator int(Index1D index) => index.X;

                public static implicit operator Index1D(int x) => new Index1D(x);
            }

            public readonly struct LongIndex1D : IIndex
            {
                public LongIndex1D(long x) => X = x;

                public long X { get; }
            }

            public readonly struct ArrayView<T>
                where T : unmanaged
            {
                private readonly T[]? _data;

                /// <summary>Test hook (not ILGPU API): a view of a host array.</summary>
                public ArrayView(T[] data) => _data = data;

                /// <summary>Test hook (not ILGPU API): the host array behind the view.</summary>
                public T[] HostData => _data ?? System.Array.Empty<T>();

                public long Length => _data?.Length ?? 0;

                public int IntLength => _data?.Length ?? 0;

                public ref T this[Index1D index] => ref _data![index.X];

                public ref T this[LongIndex1D index] => ref _data![index.X];

                public ref T this[int index] => ref _data![index];

                public ref T this[long index] => ref _data![index];
            }
        }

        namespace ILGPU.Runtime
        {
            public abstract class Accelerator : System.IDisposable
            {
                public void Synchronize() { }

                public void Dispose() { }
            }

            public static class KernelLoaders
            {
                public static System.Action<TIndex, T1, T2> LoadAutoGroupedStreamKernel<TIndex, T1, T2>(this Accelerator accelerator, System.Action<TIndex, T1, T2> action)
                    where TIndex : struct, IIndex
                    where T1 : struct
                    where T2 : struct
                    => (extent, a1, a2) =>
                    {
                        for (int i = Count(extent) - 1; i >= 0; i--)
                        {
                            action(At<TIndex>(i), a1, a2);
                        }
                    };

                public static System.Action<TIndex, T1, T2, T3> LoadAutoGroupedStreamKernel<TIndex, T1, T2, T3>(this Accelerator accelerator, System.Action<TIndex, T1, T2, T3> action)
                    where TIndex : struct, IIndex
                    where T1 : struct
                    where T2 : struct
                    where T3 : struct
                    => (extent, a1, a2, a3) =>
                    {
                        for (int i = Count(extent) - 1; i >= 0; i--)
                        {
                            action(At<TIndex>(i), a1, a2, a3);
                        }
                    };

                public static System.Action<TIndex, T1, T2, T3, T4> LoadAutoGroupedStreamKernel<TIndex, T1, T2, T3, T4>(this Accelerator accelerator, System.Action<TIndex, T1, T2, T3, T4> action)
                    where TIndex : struct, IIndex
                    where T1 : struct
                    where T2 : struct
                    where T3 : struct
                    where T4 : struct
                    => (extent, a1, a2, a3, a4) =>
                    {
                        for (int i = Count(extent) - 1; i >= 0; i--)
                        {
                            action(At<TIndex>(i), a1, a2, a3, a4);
                        }
                    };

                private static int Count<TIndex>(TIndex extent) where TIndex : struct => ((Index1D)(object)extent).X;

                private static TIndex At<TIndex>(int i) where TIndex : struct => (TIndex)(object)new Index1D(i);
            }
        }
        """;
}
