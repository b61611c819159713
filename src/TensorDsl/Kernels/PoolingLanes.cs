using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace TensorDsl.Kernels;

/// <summary>
/// One vector width for the pooling kernels: the handful of operations they need, implemented by
/// <see cref="Lanes512"/>, <see cref="Lanes256"/> and <see cref="Lanes128"/>. The kernels are generic over this
/// interface with struct type arguments, so the JIT compiles one specialised copy per width and inlines every call.
/// Every operation is exact (loads, stores, selects, IEEE additions and divisions of single lanes), so the widths
/// give bit-identical results.
/// </summary>
/// <typeparam name="TF">The float vector.</typeparam>
/// <typeparam name="TI">The int vector of the same lane count.</typeparam>
internal interface ILanes<TF, TI>
    where TF : struct
    where TI : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes +0.</summary>
    static abstract TF Zero { get; }

    /// <summary>All lanes −∞.</summary>
    static abstract TF NegativeInfinity { get; }

    /// <summary>source[0 .. Count).</summary>
    static abstract TF Load(ref float source);

    /// <summary>source[0], source[2], … source[2·Count − 2]; reads source[0 .. 2·Count).</summary>
    static abstract TF LoadEvens(ref float source);

    /// <summary>source[1], source[3], … source[2·Count − 1]; reads source[0 .. 2·Count).</summary>
    static abstract TF LoadOdds(ref float source);

    static abstract void Store(TF value, ref float target);

    /// <summary>target[2·l] = even[l], target[2·l + 1] = odd[l]: writes target[0 .. 2·Count).</summary>
    static abstract void StoreInterleaved(TF even, TF odd, ref float target);

    static abstract TF Add(TF left, TF right);

    static abstract TF Divide(TF left, float right);

    /// <summary>All-ones lanes where <c>candidate &gt; best || IsNaN(candidate)</c> (max pooling's replacement rule).</summary>
    static abstract TF Replaces(TF candidate, TF best);

    /// <summary>mask ? left : right, lane by lane (mask lanes all-ones or zero).</summary>
    static abstract TF Select(TF mask, TF left, TF right);

    /// <summary>mask ? left : right for int lanes under a float mask.</summary>
    static abstract TI SelectIndex(TF mask, TI left, TI right);

    /// <summary>mask ? left : right for float lanes under an int mask.</summary>
    static abstract TF SelectByIndex(TI mask, TF left, TF right);

    /// <summary>start, start + step, start + 2·step, …</summary>
    static abstract TI Sequence(int start, int step);

    static abstract TI AddIndex(TI left, int right);

    static abstract TI LoadIndex(ref int source);

    static abstract void StoreIndex(TI value, ref int target);

    /// <summary>All-ones lanes where left == right.</summary>
    static abstract TI EqualsIndex(TI left, TI right);

    static abstract TI Or(TI left, TI right);

    /// <summary>Whether every lane of the mask is set.</summary>
    static abstract bool All(TI mask);

    /// <summary>Lane-wise max(left, right).</summary>
    static abstract TI MaxIndex(TI left, int right);

    /// <summary>
    /// row[x + l] where 0 ≤ x + l &lt; width, else <paramref name="fill"/>; the lanes outside are never read (masked
    /// loads), so <paramref name="row"/> must be pinned but x may reach past either end.
    /// </summary>
    static abstract unsafe TF LoadClipped(float* row, int x, int width, float fill);

    /// <summary>How many of the columns x + l … x + l + kernelWidth − 1 lie in [0, width), as floats.</summary>
    static abstract TF ColumnCounts(int x, int kernelWidth, int width);

    static abstract TF Multiply(TF left, float right);

    static abstract TF Divide(TF left, TF right);
}

/// <summary>16 lanes (AVX-512F).</summary>
internal readonly struct Lanes512 : ILanes<Vector512<float>, Vector512<int>>
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    public static int Count => 16;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    public static Vector512<float> NegativeInfinity => Vector512.Create(float.NegativeInfinity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadEvens(ref float source)
        => Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref source), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), Vector512.LoadUnsafe(ref source, 16));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadOdds(ref float source)
        => Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref source), Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), Vector512.LoadUnsafe(ref source, 16));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float target) => value.StoreUnsafe(ref target);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreInterleaved(Vector512<float> even, Vector512<float> odd, ref float target)
    {
        Avx512F.PermuteVar16x32x2(even, Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), odd).StoreUnsafe(ref target);
        Avx512F.PermuteVar16x32x2(even, Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), odd).StoreUnsafe(ref target, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> left, float right) => left / Vector512.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Replaces(Vector512<float> candidate, Vector512<float> best)
        => Vector512.GreaterThan(candidate, best) | ~Vector512.Equals(candidate, candidate);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> left, Vector512<float> right) => Vector512.ConditionalSelect(mask, left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> SelectIndex(Vector512<float> mask, Vector512<int> left, Vector512<int> right) => Vector512.ConditionalSelect(mask.AsInt32(), left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectByIndex(Vector512<int> mask, Vector512<float> left, Vector512<float> right) => Vector512.ConditionalSelect(mask.AsSingle(), left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Sequence(int start, int step) => (Vector512<int>.Indices * step) + Vector512.Create(start);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> AddIndex(Vector512<int> left, int right) => left + Vector512.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> LoadIndex(ref int source) => Vector512.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreIndex(Vector512<int> value, ref int target) => value.StoreUnsafe(ref target);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> EqualsIndex(Vector512<int> left, Vector512<int> right) => Vector512.Equals(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Or(Vector512<int> left, Vector512<int> right) => left | right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool All(Vector512<int> mask) => Vector512.EqualsAll(mask, Vector512<int>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> MaxIndex(Vector512<int> left, int right) => Vector512.Max(left, Vector512.Create(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> LoadClipped(float* row, int x, int width, float fill)
    {
        Vector512<float> inside = Vector512.LessThan((Vector512<int>.Indices + Vector512.Create(x)).AsUInt32(), Vector512.Create((uint)width)).AsSingle();
        return Avx512F.MaskLoad(row + x, inside, Vector512.Create(fill));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ColumnCounts(int x, int kernelWidth, int width)
    {
        Vector512<int> left = Vector512<int>.Indices + Vector512.Create(x);
        return Vector512.ConvertToSingle(Vector512.Min(left + Vector512.Create(kernelWidth), Vector512.Create(width)) - Vector512.Max(left, Vector512<int>.Zero));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, float right) => left * Vector512.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> left, Vector512<float> right) => left / right;
}

/// <summary>8 lanes (AVX2).</summary>
internal readonly struct Lanes256 : ILanes<Vector256<float>, Vector256<int>>
{
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    public static int Count => 8;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    public static Vector256<float> NegativeInfinity => Vector256.Create(float.NegativeInfinity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);

    // Within each 128-bit lane Shuffle picks (a0 a2 b0 b2 | a4 a6 b4 b6); the 64-bit permute restores the order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadEvens(ref float source)
        => Avx2.Permute4x64(Avx.Shuffle(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, 8), 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadOdds(ref float source)
        => Avx2.Permute4x64(Avx.Shuffle(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, 8), 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float target) => value.StoreUnsafe(ref target);

    // UnpackLow/High interleave within 128-bit lanes: (e0 o0 e1 o1 | e4 o4 e5 o5) and (e2 o2 e3 o3 | e6 o6 e7 o7).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreInterleaved(Vector256<float> even, Vector256<float> odd, ref float target)
    {
        Vector256<float> low = Avx.UnpackLow(even, odd), high = Avx.UnpackHigh(even, odd);
        Avx.Permute2x128(low, high, 0x20).StoreUnsafe(ref target);
        Avx.Permute2x128(low, high, 0x31).StoreUnsafe(ref target, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> left, float right) => left / Vector256.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Replaces(Vector256<float> candidate, Vector256<float> best)
        => Vector256.GreaterThan(candidate, best) | ~Vector256.Equals(candidate, candidate);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> left, Vector256<float> right) => Vector256.ConditionalSelect(mask, left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SelectIndex(Vector256<float> mask, Vector256<int> left, Vector256<int> right) => Vector256.ConditionalSelect(mask.AsInt32(), left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SelectByIndex(Vector256<int> mask, Vector256<float> left, Vector256<float> right) => Vector256.ConditionalSelect(mask.AsSingle(), left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Sequence(int start, int step) => (Vector256<int>.Indices * step) + Vector256.Create(start);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> AddIndex(Vector256<int> left, int right) => left + Vector256.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> LoadIndex(ref int source) => Vector256.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreIndex(Vector256<int> value, ref int target) => value.StoreUnsafe(ref target);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> EqualsIndex(Vector256<int> left, Vector256<int> right) => Vector256.Equals(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Or(Vector256<int> left, Vector256<int> right) => left | right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool All(Vector256<int> mask) => Vector256.EqualsAll(mask, Vector256<int>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MaxIndex(Vector256<int> left, int right) => Vector256.Max(left, Vector256.Create(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> LoadClipped(float* row, int x, int width, float fill)
    {
        Vector256<float> inside = Vector256.LessThan((Vector256<int>.Indices + Vector256.Create(x)).AsUInt32(), Vector256.Create((uint)width)).AsSingle();
        return Vector256.ConditionalSelect(inside, Avx.MaskLoad(row + x, inside), Vector256.Create(fill));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ColumnCounts(int x, int kernelWidth, int width)
    {
        Vector256<int> left = Vector256<int>.Indices + Vector256.Create(x);
        return Vector256.ConvertToSingle(Vector256.Min(left + Vector256.Create(kernelWidth), Vector256.Create(width)) - Vector256.Max(left, Vector256<int>.Zero));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, float right) => left * Vector256.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> left, Vector256<float> right) => left / right;
}

/// <summary>4 lanes (SSE, AdvSimd, or the portable Vector128 operations).</summary>
internal readonly struct Lanes128 : ILanes<Vector128<float>, Vector128<int>>
{
    public static bool IsSupported => Vector128.IsHardwareAccelerated;

    public static int Count => 4;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    public static Vector128<float> NegativeInfinity => Vector128.Create(float.NegativeInfinity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source) => Vector128.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadEvens(ref float source)
    {
        Vector128<float> a = Vector128.LoadUnsafe(ref source), b = Vector128.LoadUnsafe(ref source, 4);
        if (Sse.IsSupported)
        {
            return Sse.Shuffle(a, b, 0b10_00_10_00);
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.UnzipEven(a, b);
        }

        return Vector128.Create(a.GetElement(0), a.GetElement(2), b.GetElement(0), b.GetElement(2));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadOdds(ref float source)
    {
        Vector128<float> a = Vector128.LoadUnsafe(ref source), b = Vector128.LoadUnsafe(ref source, 4);
        if (Sse.IsSupported)
        {
            return Sse.Shuffle(a, b, 0b11_01_11_01);
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.UnzipOdd(a, b);
        }

        return Vector128.Create(a.GetElement(1), a.GetElement(3), b.GetElement(1), b.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float target) => value.StoreUnsafe(ref target);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreInterleaved(Vector128<float> even, Vector128<float> odd, ref float target)
    {
        if (Sse.IsSupported)
        {
            Sse.UnpackLow(even, odd).StoreUnsafe(ref target);
            Sse.UnpackHigh(even, odd).StoreUnsafe(ref target, 4);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            AdvSimd.Arm64.ZipLow(even, odd).StoreUnsafe(ref target);
            AdvSimd.Arm64.ZipHigh(even, odd).StoreUnsafe(ref target, 4);
        }
        else
        {
            Vector128.Create(even.GetElement(0), odd.GetElement(0), even.GetElement(1), odd.GetElement(1)).StoreUnsafe(ref target);
            Vector128.Create(even.GetElement(2), odd.GetElement(2), even.GetElement(3), odd.GetElement(3)).StoreUnsafe(ref target, 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> left, float right) => left / Vector128.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Replaces(Vector128<float> candidate, Vector128<float> best)
        => Vector128.GreaterThan(candidate, best) | ~Vector128.Equals(candidate, candidate);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Select(Vector128<float> mask, Vector128<float> left, Vector128<float> right) => Vector128.ConditionalSelect(mask, left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> SelectIndex(Vector128<float> mask, Vector128<int> left, Vector128<int> right) => Vector128.ConditionalSelect(mask.AsInt32(), left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SelectByIndex(Vector128<int> mask, Vector128<float> left, Vector128<float> right) => Vector128.ConditionalSelect(mask.AsSingle(), left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Sequence(int start, int step) => (Vector128<int>.Indices * step) + Vector128.Create(start);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AddIndex(Vector128<int> left, int right) => left + Vector128.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> LoadIndex(ref int source) => Vector128.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreIndex(Vector128<int> value, ref int target) => value.StoreUnsafe(ref target);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> EqualsIndex(Vector128<int> left, Vector128<int> right) => Vector128.Equals(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Or(Vector128<int> left, Vector128<int> right) => left | right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool All(Vector128<int> mask) => Vector128.EqualsAll(mask, Vector128<int>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MaxIndex(Vector128<int> left, int right) => Vector128.Max(left, Vector128.Create(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector128<float> LoadClipped(float* row, int x, int width, float fill)
    {
        Vector128<float> inside = Vector128.LessThan((Vector128<int>.Indices + Vector128.Create(x)).AsUInt32(), Vector128.Create((uint)width)).AsSingle();
        if (Avx.IsSupported)
        {
            return Vector128.ConditionalSelect(inside, Avx.MaskLoad(row + x, inside), Vector128.Create(fill));
        }

        return Vector128.Create(
            (uint)x < (uint)width ? row[x] : fill,
            (uint)(x + 1) < (uint)width ? row[x + 1] : fill,
            (uint)(x + 2) < (uint)width ? row[x + 2] : fill,
            (uint)(x + 3) < (uint)width ? row[x + 3] : fill);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ColumnCounts(int x, int kernelWidth, int width)
    {
        Vector128<int> left = Vector128<int>.Indices + Vector128.Create(x);
        return Vector128.ConvertToSingle(Vector128.Min(left + Vector128.Create(kernelWidth), Vector128.Create(width)) - Vector128.Max(left, Vector128<int>.Zero));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, float right) => left * Vector128.Create(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> left, Vector128<float> right) => left / right;
}
