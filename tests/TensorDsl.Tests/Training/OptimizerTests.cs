using System;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Training;

public class OptimizerTests
{
    private static Parameter<double> Param(string name, double[] value, double[] grad)
    {
        var p = new Parameter<double>(name, value.Length);
        value.CopyTo(p.Value, 0);
        grad.CopyTo(p.Gradient, 0);
        return p;
    }

    [Fact]
    public void Sgd_PlainStepIsValueMinusLrTimesGradient()
    {
        var p = Param("w", new[] { 1.0, -2.0, 0.5 }, new[] { 0.5, 1.0, -4.0 });
        var sgd = new Sgd<double>(new[] { p }, 0.1);
        sgd.Step();
        Assert.Equal(new[] { 1.0 - 0.05, -2.0 - 0.1, 0.5 + 0.4 }, p.Value);
        Assert.Equal(new[] { 0.5, 1.0, -4.0 }, p.Gradient); // gradients are not touched
        Assert.Equal(1, sgd.StepCount);
    }

    [Fact]
    public void Sgd_WeightDecayIsAddedToTheGradient()
    {
        var p = Param("w", new[] { 2.0 }, new[] { 1.0 });
        new Sgd<double>(new[] { p }, 0.1, weightDecay: 0.01).Step();
        Assert.Equal(2.0 - (0.1 * (1.0 + (0.01 * 2.0))), p.Value[0]);
    }

    [Fact]
    public void Sgd_MomentumFollowsThePyTorchRecurrence()
    {
        const double lr = 0.1, mu = 0.9, wd = 0.001;
        var p = Param("w", new[] { 1.0, -1.0 }, new[] { 0.3, -0.2 });
        var model = new TestModel<double>(p);
        var sgd = new Sgd<double>(model, lr, mu, wd);

        double[] w = { 1.0, -1.0 };
        double[] v = { 0.0, 0.0 };
        double[][] grads = { new[] { 0.3, -0.2 }, new[] { 0.1, 0.4 }, new[] { -0.5, 0.0 } };
        foreach (double[] g in grads)
        {
            g.CopyTo(p.Gradient, 0);
            sgd.Step();
            for (int i = 0; i < 2; i++)
            {
                double gi = g[i] + (wd * w[i]);
                v[i] = (mu * v[i]) + gi;
                w[i] -= lr * v[i];
            }

            Assert.Equal(w, p.Value);
        }

        Assert.Equal(3, sgd.StepCount);
    }

    [Fact]
    public void Sgd_FloatMomentumTwoStepsByHand()
    {
        var p = new Parameter<float>("b", 1);
        p.Value[0] = 1f;
        var sgd = new Sgd<float>(new[] { p }, 0.5f, 0.5f);
        p.Gradient[0] = 1f;
        sgd.Step(); // v = 1, p = 0.5
        Assert.Equal(0.5f, p.Value[0]);
        p.Gradient[0] = 1f;
        sgd.Step(); // v = 0.5 + 1 = 1.5, p = 0.5 − 0.75 = −0.25
        Assert.Equal(-0.25f, p.Value[0]);
    }

    [Fact]
    public void Adam_FirstStepMovesByAboutLrTimesTheSignOfTheGradient()
    {
        var p = Param("w", new[] { 1.0, 1.0, 1.0 }, new[] { 2.0, -0.001, 0.0 });
        new Adam<double>(new[] { p }).Step();
        // m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε).
        Assert.Equal(1.0 - (0.001 * 2.0 / (2.0 + 1e-8)), p.Value[0], 1e-15);
        Assert.Equal(1.0 + (0.001 * 0.001 / (0.001 + 1e-8)), p.Value[1], 1e-15);
        Assert.Equal(1.0, p.Value[2]);
    }

    [Fact]
    public void Adam_SeveralStepsFollowTheFormulas()
    {
        const double lr = 0.01, b1 = 0.8, b2 = 0.95, eps = 1e-6, wd = 0.1;
        var p = Param("w", new[] { 0.5, -1.5 }, new double[2]);
        var adam = new Adam<double>(new TestModel<double>(p), lr, b1, b2, eps, wd);
        Assert.Equal(lr, adam.LearningRate);

        double[] w = { 0.5, -1.5 };
        double[] m = new double[2], v = new double[2];
        double[][] grads = { new[] { 0.3, -0.2 }, new[] { 0.1, 0.4 }, new[] { -0.5, 0.05 }, new[] { 0.2, 0.2 } };
        for (int t = 1; t <= grads.Length; t++)
        {
            grads[t - 1].CopyTo(p.Gradient, 0);
            adam.Step();
            for (int i = 0; i < 2; i++)
            {
                double g = grads[t - 1][i] + (wd * w[i]);
                m[i] = (b1 * m[i]) + ((1 - b1) * g);
                v[i] = (b2 * v[i]) + ((1 - b2) * g * g);
                double mHat = m[i] / (1 - Math.Pow(b1, t));
                double denom = (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, t))) + eps;
                w[i] -= lr * mHat / denom;
            }

            Assert.Equal(w[0], p.Value[0], 1e-14);
            Assert.Equal(w[1], p.Value[1], 1e-14);
        }

        Assert.Equal(4, adam.StepCount);
    }

    [Fact]
    public void Adam_FloatAgreesWithDouble()
    {
        var pd = Param("w", new[] { 0.25, -0.75 }, new double[2]);
        var pf = new Parameter<float>("w", 2);
        pf.Value[0] = 0.25f;
        pf.Value[1] = -0.75f;
        var ad = new Adam<double>(new[] { pd }, 0.01);
        var af = new Adam<float>(new[] { pf }, 0.01f);
        for (int t = 0; t < 10; t++)
        {
            pd.Gradient[0] = pf.Gradient[0] = 0.1f * (t - 4);
            pd.Gradient[1] = pf.Gradient[1] = 0.05f * (3 - t);
            ad.Step();
            af.Step();
        }

        Assert.Equal(pd.Value[0], pf.Value[0], 1e-5);
        Assert.Equal(pd.Value[1], pf.Value[1], 1e-5);
    }

    [Fact]
    public void Constructors_RejectBadHyperparametersAndDuplicateNames()
    {
        var p = new Parameter<float>("w", 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(new[] { p }, -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(new[] { p }, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(new[] { p }, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(new[] { p }, beta2: -0.5f));
        var dup = Assert.Throws<ArgumentException>(() => new Sgd<float>(new[] { p, new Parameter<float>("w", 2) }, 0.1f));
        Assert.Contains("'w'", dup.Message);
    }

    [Fact]
    public void Step_AllocatesNothing()
    {
        var ps = new[] { new Parameter<float>("a", 1000), new Parameter<float>("b", 10) };
        var sgd = new Sgd<float>(ps, 0.01f, 0.9f, 1e-4f);
        var adam = new Adam<float>(ps, weightDecay: 1e-4f);
        IOptimizer<float> asInterface = adam;
        sgd.Step();
        adam.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            sgd.Step();
            asInterface.Step();
            Parameters.ZeroGradients(ps);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
