using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TensorDsl.Runtime;

/// <summary>
/// The contiguous inner loops of generated kernels, vectorized with the widest of Vector256, Vector128 and scalar
/// that the processor accelerates. Each sums in a fixed order for a given length, so results do not depend on
/// the thread that runs them.
/// </summary>
public static class VectorMath
{
    /// <summary><c>destination[i] += a · source[i]</c> for i below <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ref float destination, ref float source, float a, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> va = Vector256.Create(a);
            for (; i <= count - 8; i += 8)
            {
                Vector256<float> d = Vector256.LoadUnsafe(ref destination, (nuint)i);
                Vector256<float> s = Vector256.LoadUnsafe(ref source, (nuint)i);
                Vector256.FusedMultiplyAdd(va, s, d).StoreUnsafe(ref destination, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> va = Vector128.Create(a);
            for (; i <= count - 4; i += 4)
            {
                Vector128<float> d = Vector128.LoadUnsafe(ref destination, (nuint)i);
                Vector128<float> s = Vector128.LoadUnsafe(ref source, (nuint)i);
                (d + (va * s)).StoreUnsafe(ref destination, (nuint)i);
            }
        }

        for (; i < count; i++)
        {
            Unsafe.Add(ref destination, i) += a * Unsafe.Add(ref source, i);
        }
    }

    /// <summary><c>destination[i] += a · source[i]</c> for i below <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ref double destination, ref double source, double a, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> va = Vector256.Create(a);
            for (; i <= count - 4; i += 4)
            {
                Vector256<double> d = Vector256.LoadUnsafe(ref destination, (nuint)i);
                Vector256<double> s = Vector256.LoadUnsafe(ref source, (nuint)i);
                Vector256.FusedMultiplyAdd(va, s, d).StoreUnsafe(ref destination, (nuint)i);
            }
        }

        for (; i < count; i++)
        {
            Unsafe.Add(ref destination, i) += a * Unsafe.Add(ref source, i);
        }
    }

    /// <summary>The dot product of <paramref name="count"/> contiguous elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int count)
    {
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && count >= 8)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= count - 8; i += 8)
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < count; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>The dot product of <paramref name="count"/> contiguous elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ref double a, ref double b, int count)
    {
        int i = 0;
        double sum = 0d;
        if (Vector256.IsHardwareAccelerated && count >= 4)
        {
            Vector256<double> acc = Vector256<double>.Zero;
            for (; i <= count - 4; i += 4)
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < count; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>The sum of <paramref name="count"/> contiguous elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(ref float a, int count)
    {
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && count >= 8)
        {
            // Four independent accumulators (an add's latency is four of its issue slots), then one.
            Vector256<float> acc = Vector256<float>.Zero, acc1 = Vector256<float>.Zero, acc2 = Vector256<float>.Zero, acc3 = Vector256<float>.Zero;
            for (; i <= count - 32; i += 32)
            {
                acc += Vector256.LoadUnsafe(ref a, (nuint)i);
                acc1 += Vector256.LoadUnsafe(ref a, (nuint)(i + 8));
                acc2 += Vector256.LoadUnsafe(ref a, (nuint)(i + 16));
                acc3 += Vector256.LoadUnsafe(ref a, (nuint)(i + 24));
            }

            acc = (acc + acc1) + (acc2 + acc3);
            for (; i <= count - 8; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref a, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < count; i++)
        {
            sum += Unsafe.Add(ref a, i);
        }

        return sum;
    }

    /// <summary>The sum of <paramref name="count"/> contiguous elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(ref double a, int count)
    {
        int i = 0;
        double sum = 0d;
        if (Vector256.IsHardwareAccelerated && count >= 4)
        {
            // Four independent accumulators (an add's latency is four of its issue slots), then one.
            Vector256<double> acc = Vector256<double>.Zero, acc1 = Vector256<double>.Zero, acc2 = Vector256<double>.Zero, acc3 = Vector256<double>.Zero;
            for (; i <= count - 16; i += 16)
            {
                acc += Vector256.LoadUnsafe(ref a, (nuint)i);
                acc1 += Vector256.LoadUnsafe(ref a, (nuint)(i + 4));
                acc2 += Vector256.LoadUnsafe(ref a, (nuint)(i + 8));
                acc3 += Vector256.LoadUnsafe(ref a, (nuint)(i + 12));
            }

            acc = (acc + acc1) + (acc2 + acc3);
            for (; i <= count - 4; i += 4)
            {
                acc += Vector256.LoadUnsafe(ref a, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < count; i++)
        {
            sum += Unsafe.Add(ref a, i);
        }

        return sum;
    }
}
