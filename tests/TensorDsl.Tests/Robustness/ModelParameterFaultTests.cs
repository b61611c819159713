using System;
using System.IO;
using System.Linq;
using TensorDsl.Tests.Models;
using TensorDsl.Tests.Reference;
using TensorDsl.Training;
using Xunit;

namespace TensorDsl.Tests.Robustness;

/// <summary>
/// Parameter files against a generated model: every damaged, foreign or mismatched file is rejected with a message
/// naming it, and the model is left exactly as it was — its parameters bit for bit, and so its outputs. (The format's
/// own faults are covered case by case in Training/ParameterFileTests; this is the same at model level.)
/// </summary>
public sealed class ModelParameterFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tdsl-model-faults-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_damaged_or_foreign_file_leaves_a_generated_model_untouched_and_a_good_one_loads()
    {
        TinyLeNet trained = Trained();
        string good = Path.Combine(_dir, "tiny.tdsl");
        ParameterFile.Save(good, trained);
        Assert.Equal(new[] { "tiny.tdsl" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
        byte[] bytes = File.ReadAllBytes(good);

        string otherModel = Path.Combine(_dir, "every-layer.tdsl");
        ParameterFile.Save(otherModel, new EveryLayer(seed: 1));
        string otherShapes = Path.Combine(_dir, "other-shapes.tdsl");
        ParameterFile.Save(otherShapes, new Parameter<float>[] { new("Conv1.weight", 4, 1, 5, 5), new("Conv1.bias", 4) });

        TinyLeNet target = new(seed: 2) { Training = false };
        float[] x = TestData.RandomSingle(TinyLeNet.InputLength, seed: 3);
        float[][] parametersBefore = target.Parameters.Select(p => p.Value.ToArray()).ToArray();
        float[] outputBefore = target.Forward(x).ToArray();

        void AssertRejected(string path, string what)
        {
            Exception e = Assert.ThrowsAny<Exception>(() => ParameterFile.Load(path, target));
            Assert.True(e is InvalidDataException or ArgumentException, what + ": " + e.GetType().Name + ": " + e.Message);
            Assert.Contains(Path.GetFileName(path), e.Message);
            for (int i = 0; i < parametersBefore.Length; i++)
            {
                Assert.True(parametersBefore[i].AsSpan().SequenceEqual(target.Parameters[i].Value), what + " changed " + target.Parameters[i].Name);
            }

            Assert.True(outputBefore.AsSpan().SequenceEqual(target.Forward(x)), what + " changed the output");
        }

        string damaged = Path.Combine(_dir, "damaged.tdsl");
        foreach (int length in new[] { 0, 7, 19, 20, 64, bytes.Length / 2, bytes.Length - 5, bytes.Length - 1 })
        {
            File.WriteAllBytes(damaged, bytes.AsSpan(0, length).ToArray());
            AssertRejected(damaged, "truncated to " + length + " bytes");
        }

        foreach (int bit in new[] { 0, 8 * 13, 8 * 17, 8 * 40 + 3, 8 * (bytes.Length / 2) + 5, 8 * (bytes.Length - 6), 8 * bytes.Length - 1 })
        {
            byte[] flipped = (byte[])bytes.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            File.WriteAllBytes(damaged, flipped);
            AssertRejected(damaged, "bit " + bit + " flipped");
        }

        AssertRejected(otherModel, "another model's file (double, other names)");
        AssertRejected(otherShapes, "a file with other shapes");
        File.WriteAllBytes(damaged, new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13 });
        AssertRejected(damaged, "a PNG");

        ParameterFile.Load(good, target);
        for (int i = 0; i < trained.Parameters.Count; i++)
        {
            Assert.True(trained.Parameters[i].Value.AsSpan().SequenceEqual(target.Parameters[i].Value), trained.Parameters[i].Name);
        }

        trained.Training = false;
        Assert.True(trained.Forward(x).SequenceEqual(target.Forward(x)), "the loaded model computes what the saved one did");
    }

    [Fact]
    public void Saving_over_a_file_replaces_it_whole_or_not_at_all()
    {
        string path = Path.Combine(_dir, "net.tdsl");
        ParameterFile.Save(path, new TinyLeNet(seed: 1));
        byte[] first = File.ReadAllBytes(path);

        // Saving over it replaces it whole (a temporary file renamed over it), leaving no temporary file.
        TinyLeNet second = Trained();
        ParameterFile.Save(path, second);
        byte[] replaced = File.ReadAllBytes(path);
        Assert.NotEqual(first, replaced);
        Assert.Equal(new[] { "net.tdsl" }, Directory.GetFiles(_dir).Select(Path.GetFileName));

        // A save that fails (the target is a directory, so the rename cannot happen) changes nothing.
        string blocked = Path.Combine(_dir, "blocked");
        Directory.CreateDirectory(blocked);
        Assert.ThrowsAny<IOException>(() => ParameterFile.Save(blocked, second));
        Assert.True(Directory.Exists(blocked));
        Assert.Equal(replaced, File.ReadAllBytes(path));
        Assert.Equal(new[] { "net.tdsl" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    private static TinyLeNet Trained()
    {
        TinyLeNet model = new(seed: 1);
        Adam<float> adam = new(model);
        float[] x = TestData.RandomSingle(TinyLeNet.InputLength, seed: 4, lo: 0, hi: 1);
        int[] labels = Enumerable.Range(0, TinyLeNet.Batch).Select(i => i % TinyLeNet.Classes).ToArray();
        for (int step = 0; step < 3; step++)
        {
            model.TrainStep(x, labels);
            adam.Step();
        }

        return model;
    }
}
