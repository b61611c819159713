using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace TensorDsl.Generators.Model;

/// <summary>A source location as plain data (a <see cref="Location"/> would pin the syntax tree and defeat caching).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>
    /// The location in <paramref name="compilation"/>'s syntax tree of this path when there is exactly one, so that
    /// <c>#pragma warning disable</c> applies to it; otherwise a location by path and line.
    /// </summary>
    public Location ToLocation(Compilation? compilation = null)
    {
        SyntaxTree? match = null;
        foreach (SyntaxTree tree in compilation?.SyntaxTrees ?? System.Linq.Enumerable.Empty<SyntaxTree>())
        {
            if (tree.FilePath == FilePath)
            {
                if (match is not null)
                {
                    match = null;
                    break;
                }

                match = tree;
            }
        }

        return match is not null && Span.End <= match.Length
            ? Location.Create(match, Span)
            : Location.Create(FilePath, Span, LineSpan);
    }

    public static LocationInfo? From(Location? location)
        => location?.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>A diagnostic as plain data: descriptor id plus already formatted message arguments.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments)
    {
        string[] formatted = new string[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            formatted[i] = System.Convert.ToString(arguments[i], System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        }

        return new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(formatted));
    }

    public Diagnostic ToDiagnostic(Compilation? compilation = null)
    {
        DiagnosticDescriptor descriptor = Diagnostics.DiagnosticDescriptors.ById(Id);
        object[] args = new object[Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Arguments[i];
        }

        return Diagnostic.Create(descriptor, Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None, args);
    }
}
