using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using TensorDsl.Generators.Diagnostics;
using TensorDsl.Tests.Data;
using TensorDsl.Tests.Support;
using Xunit;

namespace TensorDsl.Tests.Diagnostics;

/// <summary>
/// Every diagnostic id has a page in docs/diagnostics that its help link points to and a line in Roslyn's release
/// tracking files; every page's example really reports its id with the message shown, and its fix really compiles.
/// </summary>
public partial class DiagnosticDocsTests
{
    private const string HelpBase = "https://github.com/tensordsl/tensordsl/blob/main/docs/diagnostics/";
    private const string Usings = "using System;\nusing TensorDsl;\nusing TensorDsl.Models;\n";

    private static string Docs => Path.Combine(RepositoryPaths.Root, "docs", "diagnostics");

    public static TheoryData<string> Ids()
    {
        TheoryData<string> ids = new();
        foreach (DiagnosticDescriptor d in DiagnosticDescriptors.All.OrderBy(d => d.Id, StringComparer.Ordinal))
        {
            ids.Add(d.Id);
        }

        return ids;
    }

    [Fact]
    public void Every_id_has_a_page_and_every_page_an_id()
    {
        string[] pages = Directory.GetFiles(Docs, "TDSL*.md").Select(Path.GetFileNameWithoutExtension).OrderBy(p => p, StringComparer.Ordinal).ToArray()!;
        string[] ids = DiagnosticDescriptors.All.Select(d => d.Id).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.Equal(ids, pages);
        string index = File.ReadAllText(Path.Combine(Docs, "README.md"));
        Assert.All(ids, id => Assert.Contains("[" + id + "](" + id + ".md)", index, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_help_link_points_to_the_page_whose_title_is_the_descriptors(string id)
    {
        DiagnosticDescriptor descriptor = DiagnosticDescriptors.ById(id);
        Assert.Equal(HelpBase + id + ".md", descriptor.HelpLinkUri);
        string firstLine = System.Net.WebUtility.HtmlDecode(File.ReadLines(Path.Combine(Docs, id + ".md")).First());
        Assert.Equal("# " + id + ": " + descriptor.Title, firstLine);
    }

    [Fact]
    public void Release_tracking_lists_every_id_with_its_severity()
    {
        string directory = Path.Combine(RepositoryPaths.Root, "generators", "TensorDsl.Generators");
        Dictionary<string, string> tracked = new(StringComparer.Ordinal);
        foreach (string file in new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" })
        {
            foreach (Match row in TrackingRow().Matches(File.ReadAllText(Path.Combine(directory, file))))
            {
                tracked.Add(row.Groups["id"].Value, row.Groups["category"].Value + "|" + row.Groups["severity"].Value);
            }
        }

        Assert.Equal(
            DiagnosticDescriptors.All.Select(d => d.Id + " " + d.Category + "|" + d.DefaultSeverity).OrderBy(x => x, StringComparer.Ordinal),
            tracked.Select(t => t.Key + " " + t.Value).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_pages_example_reports_the_id_with_the_message_shown_and_its_fix_compiles(string id)
    {
        string page = File.ReadAllText(Path.Combine(Docs, id + ".md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        MatchCollection code = CodeBlock().Matches(page);
        if (id == "TDSL0099")
        {
            Assert.Empty(code); // an internal error has no example: no declaration should produce it
            return;
        }

        Assert.Equal(2, code.Count);
        Match shown = MessageBlock().Match(page);
        Assert.True(shown.Success, "the page shows no message");

        AnalyzerHarness.Result example = AnalyzerHarness.Run(Usings + code[0].Groups["code"].Value);
        string[] reported = example.Analyzer.Concat(example.Compiler).Where(d => d.Id == id)
            .Select(d => d.Severity.ToString().ToLowerInvariant() + " " + d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        Assert.Contains(shown.Groups["message"].Value, reported);

        AnalyzerHarness.Result fixedCode = AnalyzerHarness.Run(Usings + code[1].Groups["code"].Value);
        Assert.Empty(fixedCode.Analyzer.Concat(fixedCode.Compiler).Select(d => d.ToString()));
    }

    [GeneratedRegex(@"^(?<id>TDSL\d{4}) \| (?<category>\w+) \| (?<severity>\w+) \|", RegexOptions.Multiline)]
    private static partial Regex TrackingRow();

    [GeneratedRegex("```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex("```text\n(?<message>[^\n]*)\n```")]
    private static partial Regex MessageBlock();
}
