using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using TensorDsl.Tests.Data;
using Xunit;
using Xunit.Abstractions;

namespace TensorDsl.Tests.Packaging;

/// <summary>
/// The package as a user gets it: <c>dotnet pack</c> into a local folder feed, then a fresh console project in a temporary
/// folder that references only that package, declares an operator and a model, builds (warnings as errors) and runs,
/// and prints results that are checked against values computed here by hand. Slow (pack, restore, build: a minute
/// or two), so it is the one such round trip, tagged Category=Packaging; it runs in the normal test run.
/// </summary>
public sealed class PackageRoundTripTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(8);

    [Fact]
    [Trait("Category", "Packaging")]
    public void Packed_package_works_in_a_fresh_project()
    {
        string root = Directory.CreateTempSubdirectory("tensordsl-package-").FullName;
        try
        {
            string feed = Path.Combine(root, "feed");
            string packages = Path.Combine(root, "packages");
            Dotnet(root, packages, "pack", Path.Combine(RepositoryPaths.Root, "src", "TensorDsl", "TensorDsl.csproj"), "-c", "Release", "-o", feed);

            string package = Assert.Single(Directory.GetFiles(feed, "TensorDsl.*.nupkg"));
            string version = Path.GetFileNameWithoutExtension(package).Substring("TensorDsl.".Length);
            Assert.True(File.Exists(Path.Combine(feed, "TensorDsl." + version + ".snupkg")), "no symbol package beside " + package);
            CheckContents(package, version);

            string app = Path.Combine(root, "app");
            WriteApp(app, version);
            string printed = Dotnet(app, packages, "run", "-c", "Release");

            // Computed independently: 4×4 arange ⊛ ones(2×2) + 3; the model's conv has the same weights, its dense
            // layer sums (row 0) and negates the sum (row 1) of those nine values, each plus 0.5.
            double[] conv = { 13, 17, 21, 29, 33, 37, 45, 49, 53 };
            double sum = conv.Sum();
            Assert.Contains("conv: " + string.Join(",", conv), printed);
            Assert.Contains("model: " + (sum + 0.5) + "," + (-sum + 0.5), printed);
            Assert.Contains("loss: " + (2 * sum), printed);
            Assert.Contains("parameters: Conv1.weight [1×1×2×2], Conv1.bias [1], Fc.weight [2×9], Fc.bias [2]", printed);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Runtime, generator, readme, licence and metadata, where NuGet looks for them.</summary>
    private static void CheckContents(string package, string version)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        foreach (string expected in new[] { "lib/net10.0/TensorDsl.dll", "lib/net10.0/TensorDsl.xml", "analyzers/dotnet/cs/TensorDsl.Generators.dll", "README.md", "LICENSE" })
        {
            Assert.Contains(expected, entries);
        }

        using Stream nuspec = zip.Entries.Single(e => e.FullName == "TensorDsl.nuspec").Open();
        XElement metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal(version, Field("version"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("README.md", Field("readme"));
        Assert.NotEmpty(metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")!.Value);

        // The generator is the compiler's, never the app's: no dependency on it, nothing of it in lib/.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators", StringComparison.Ordinal));
        Assert.DoesNotContain(metadata.Descendants(), e => e.Name.LocalName == "dependency");
    }

    private static void WriteApp(string app, string version)
    {
        Directory.CreateDirectory(app);

        // Only the local feed and the user's usual sources; empty Directory.Build files stop MSBuild from looking
        // further up for someone else's.
        File.WriteAllText(Path.Combine(app, "NuGet.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="tensordsl-local" value="../feed" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <InvariantGlobalization>true</InvariantGlobalization>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TensorDsl" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Globalization;
            using TensorDsl;
            using TensorDsl.Models;

            float[] x = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
            float[] y = new float[Ops.ConvShape.YLength];
            Ops.Conv(x, new float[] { 1, 1, 1, 1 }, new float[] { 3 }, y);
            Console.WriteLine("conv: " + Join(y));

            Net net = new(seed: 1) { Training = false };
            net.Conv1.Weight!.Value.AsSpan().Fill(1);
            net.Conv1.Bias!.Value[0] = 3;
            float[] fc = net.Fc.Weight!.Value;
            for (int i = 0; i < 9; i++)
            {
                fc[i] = 1;
                fc[9 + i] = -1;
            }

            net.Fc.Bias!.Value.AsSpan().Fill(0.5f);
            Console.WriteLine("model: " + Join(net.Forward(x).ToArray()));
            Console.WriteLine("loss: " + net.Loss(new[] { 1 }).ToString(CultureInfo.InvariantCulture));
            Console.WriteLine("parameters: " + string.Join(", ", net.Parameters));

            static string Join(float[] values) => string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

            public static partial class Ops
            {
                [Conv2d(Batch = 1, InChannels = 1, Height = 4, Width = 4, OutChannels = 1, Kernel = 2)]
                public static partial void Conv(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
            }

            [Model(Batch = 1, Channels = 1, Height = 4, Width = 4)]
            public partial class Net
            {
                [Conv2d(OutChannels = 1, Kernel = 2)] public partial Layer<float> Conv1 { get; }
                [ReLU] public partial Layer<float> Relu { get; }
                [Flatten] public partial Layer<float> Flat { get; }
                [Linear(OutFeatures = 2)] public partial Layer<float> Fc { get; }
                [SoftmaxCrossEntropy] public partial Layer<float> Loss1 { get; }
            }
            """);
    }

    /// <summary>
    /// Runs the dotnet CLI with a packages folder of its own (so a package of the same version from an earlier run is
    /// never taken from the cache) and without build servers that would outlive the test; returns what it printed.
    /// </summary>
    private string Dotnet(string directory, string packages, params string[] arguments)
    {
        ProcessStartInfo start = new(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (arguments[0] is "pack" or "run")
        {
            start.ArgumentList.Add("--disable-build-servers");
        }

        // The test host's MSBuild variables point into this test run's SDK context; the child finds its own.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["NUGET_PACKAGES"] = packages;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        StringBuilder text = new();
        using Process process = new() { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (text) { text.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (text) { text.AppendLine(e.Data); } } };
        Stopwatch clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(StepLimit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("dotnet " + string.Join(" ", arguments) + " took more than " + StepLimit + ":\n" + text);
        }

        process.WaitForExit();
        string printed;
        lock (text)
        {
            printed = text.ToString();
        }

        output.WriteLine("dotnet " + string.Join(" ", arguments) + " (" + clock.Elapsed.TotalSeconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " s, exit " + process.ExitCode + ")");
        Assert.True(process.ExitCode == 0, "dotnet " + string.Join(" ", arguments) + " failed with exit code " + process.ExitCode + ":\n" + printed);
        return printed;
    }
}
