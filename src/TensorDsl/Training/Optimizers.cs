using System;
using System.Collections.Generic;
using System.Numerics;

namespace TensorDsl.Training;

/// <summary>An optimizer that updates a fixed list of parameters from their gradients.</summary>
public interface IOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The step size; may be changed between steps (learning-rate schedules).</summary>
    T LearningRate { get; set; }

    /// <summary>How many times <see cref="Step"/> has run.</summary>
    long StepCount { get; }

    /// <summary>Updates every parameter's value from its gradient. Does not clear the gradients.</summary>
    void Step();
}

/// <summary>
/// Stochastic gradient descent with PyTorch's semantics (no dampening, no Nesterov): for each element
/// g = grad + weightDecay·p; if momentum ≠ 0 then v = momentum·v + g (v starts at 0) and p −= lr·v, else p −= lr·g.
/// The gradient arrays are read, never written. <see cref="Step"/> allocates nothing.
/// </summary>
public sealed class Sgd<T> : IOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;
    private readonly T[][]? _velocity;

    /// <summary>Optimizes <paramref name="model"/>'s parameters.</summary>
    public Sgd(IParameterSet<T> model, T learningRate, T momentum = default, T weightDecay = default)
        : this((model ?? throw new ArgumentNullException(nameof(model))).Parameters, learningRate, momentum, weightDecay)
    {
    }

    /// <summary>Optimizes <paramref name="parameters"/> (the list is copied; the parameters are shared).</summary>
    public Sgd(IReadOnlyList<Parameter<T>> parameters, T learningRate, T momentum = default, T weightDecay = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters.ThrowIfInvalid(parameters, nameof(parameters));
        ThrowIfNegative(learningRate, nameof(learningRate));
        ThrowIfNegative(momentum, nameof(momentum));
        ThrowIfNegative(weightDecay, nameof(weightDecay));
        _parameters = new Parameter<T>[parameters.Count];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _parameters[i] = parameters[i];
        }

        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        if (momentum != T.Zero)
        {
            _velocity = new T[_parameters.Length][];
            for (int i = 0; i < _parameters.Length; i++)
            {
                _velocity[i] = new T[_parameters[i].Length];
            }
        }
    }

    /// <inheritdoc />
    public T LearningRate { get; set; }

    /// <summary>The momentum factor μ (fixed at construction, since it decides whether buffers exist).</summary>
    public T Momentum { get; }

    /// <summary>The L2 penalty factor added to the gradient.</summary>
    public T WeightDecay { get; set; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <inheritdoc />
    public void Step()
    {
        T lr = LearningRate;
        T mu = Momentum;
        T wd = WeightDecay;
        for (int k = 0; k < _parameters.Length; k++)
        {
            Span<T> p = _parameters[k].Value;
            ReadOnlySpan<T> grad = _parameters[k].Gradient;
            if (_velocity is null)
            {
                for (int i = 0; i < p.Length; i++)
                {
                    T g = grad[i] + (wd * p[i]);
                    p[i] -= lr * g;
                }
            }
            else
            {
                Span<T> v = _velocity[k];
                for (int i = 0; i < p.Length; i++)
                {
                    T g = grad[i] + (wd * p[i]);
                    T vi = (mu * v[i]) + g;
                    v[i] = vi;
                    p[i] -= lr * vi;
                }
            }
        }

        StepCount++;
    }

    internal static void ThrowIfNegative(T value, string paramName)
    {
        if (!(value >= T.Zero) || !T.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, "Must be finite and not negative.");
        }
    }
}

/// <summary>
/// Adam with PyTorch's semantics (not AdamW): g = grad + weightDecay·p; m = β1·m + (1 − β1)·g;
/// v = β2·v + (1 − β2)·g²; with t the step number, p −= (lr / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + ε).
/// The bias corrections are computed in <see cref="double"/> from running products of β1 and β2 and rounded to
/// <typeparamref name="T"/>. <see cref="Step"/> allocates nothing.
/// </summary>
public sealed class Adam<T> : IOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;
    private readonly T[][] _m;
    private readonly T[][] _v;
    private double _beta1Power = 1.0;
    private double _beta2Power = 1.0;

    /// <summary>Optimizes <paramref name="model"/>'s parameters. Null arguments take the defaults
    /// lr = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-8, weightDecay = 0.</summary>
    public Adam(IParameterSet<T> model, T? learningRate = null, T? beta1 = null, T? beta2 = null, T? epsilon = null, T? weightDecay = null)
        : this((model ?? throw new ArgumentNullException(nameof(model))).Parameters, learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    /// <summary>Optimizes <paramref name="parameters"/> (the list is copied; the parameters are shared). Null
    /// arguments take the defaults lr = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-8, weightDecay = 0.</summary>
    public Adam(IReadOnlyList<Parameter<T>> parameters, T? learningRate = null, T? beta1 = null, T? beta2 = null, T? epsilon = null, T? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters.ThrowIfInvalid(parameters, nameof(parameters));
        LearningRate = learningRate ?? T.CreateTruncating(0.001);
        Beta1 = beta1 ?? T.CreateTruncating(0.9);
        Beta2 = beta2 ?? T.CreateTruncating(0.999);
        Epsilon = epsilon ?? T.CreateTruncating(1e-8);
        WeightDecay = weightDecay ?? T.Zero;
        Sgd<T>.ThrowIfNegative(LearningRate, nameof(learningRate));
        Sgd<T>.ThrowIfNegative(Epsilon, nameof(epsilon));
        Sgd<T>.ThrowIfNegative(WeightDecay, nameof(weightDecay));
        if (!(Beta1 >= T.Zero && Beta1 < T.One))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), Beta1, "Must be in [0, 1).");
        }

        if (!(Beta2 >= T.Zero && Beta2 < T.One))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), Beta2, "Must be in [0, 1).");
        }

        _parameters = new Parameter<T>[parameters.Count];
        _m = new T[_parameters.Length][];
        _v = new T[_parameters.Length][];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _parameters[i] = parameters[i];
            _m[i] = new T[_parameters[i].Length];
            _v[i] = new T[_parameters[i].Length];
        }
    }

    /// <inheritdoc />
    public T LearningRate { get; set; }

    /// <summary>The first-moment decay β1.</summary>
    public T Beta1 { get; }

    /// <summary>The second-moment decay β2.</summary>
    public T Beta2 { get; }

    /// <summary>The term ε added to the denominator.</summary>
    public T Epsilon { get; }

    /// <summary>The L2 penalty factor added to the gradient.</summary>
    public T WeightDecay { get; set; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <inheritdoc />
    public void Step()
    {
        StepCount++;
        _beta1Power *= double.CreateTruncating(Beta1);
        _beta2Power *= double.CreateTruncating(Beta2);
        T stepSize = LearningRate / T.CreateTruncating(1.0 - _beta1Power);
        T invSqrtCorrection2 = T.CreateTruncating(1.0 / Math.Sqrt(1.0 - _beta2Power));
        T b1 = Beta1;
        T b2 = Beta2;
        T oneMinusB1 = T.One - b1;
        T oneMinusB2 = T.One - b2;
        T eps = Epsilon;
        T wd = WeightDecay;
        for (int k = 0; k < _parameters.Length; k++)
        {
            Span<T> p = _parameters[k].Value;
            ReadOnlySpan<T> grad = _parameters[k].Gradient;
            Span<T> m = _m[k];
            Span<T> v = _v[k];
            for (int i = 0; i < p.Length; i++)
            {
                T g = grad[i] + (wd * p[i]);
                T mi = (b1 * m[i]) + (oneMinusB1 * g);
                T vi = (b2 * v[i]) + (oneMinusB2 * g * g);
                m[i] = mi;
                v[i] = vi;
                p[i] -= stepSize * mi / ((T.Sqrt(vi) * invSqrtCorrection2) + eps);
            }
        }
    }
}
