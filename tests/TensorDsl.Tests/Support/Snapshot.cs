using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace TensorDsl.Tests.Support;

/// <summary>
/// Snapshot assertions with Verify's conventions (Verify itself cannot be restored here): the accepted text lives
/// beside the test in <c>Snapshots/{Class}.{Name}.verified.{ext}</c> and is committed; a mismatch writes
/// <c>.received.{ext}</c> next to it (git-ignored) and fails. Set <c>TENSORDSL_ACCEPT_SNAPSHOTS=1</c> to accept
/// every received text instead, then review the diff before committing.
/// </summary>
public static class Snapshot
{
    public const string AcceptVariable = "TENSORDSL_ACCEPT_SNAPSHOTS";

    public static void Verify(string text, string name, string extension = "cs", [CallerFilePath] string testFile = "", [CallerMemberName] string member = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        string stem = Path.GetFileNameWithoutExtension(testFile) + "." + (string.IsNullOrEmpty(name) ? member : name);
        string verified = Path.Combine(directory, stem + ".verified." + extension);
        string received = Path.Combine(directory, stem + ".received." + extension);
        string normalized = text.Replace("\r\n", "\n").TrimStart('\uFEFF');

        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == normalized)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(verified, normalized);
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, normalized);
        throw new XunitException(expected is null
            ? $"No accepted snapshot {verified}. The text was written to {received}; review it, then rename it to .verified or run with {AcceptVariable}=1."
            : $"Snapshot {verified} differs from the generated text (first difference at line {FirstDifference(expected, normalized)}). The new text is in {received}; diff them, and accept with {AcceptVariable}=1 if the change is intended.");
    }

    private static int FirstDifference(string a, string b)
    {
        string[] x = a.Split('\n');
        string[] y = b.Split('\n');
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            if (x[i] != y[i])
            {
                return i + 1;
            }
        }

        return Math.Min(x.Length, y.Length) + 1;
    }
}
