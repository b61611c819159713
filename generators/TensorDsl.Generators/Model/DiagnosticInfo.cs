using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace TensorDsl.Generators.Model;

/// <summary>A source location as plain data (a <see cref="Location"/> would pin the syntax tree and defeat caching).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

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

    public Diagnostic ToDiagnostic()
    {
        DiagnosticDescriptor descriptor = Diagnostics.DiagnosticDescriptors.ById(Id);
        object[] args = new object[Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Arguments[i];
        }

        return Diagnostic.Create(descriptor, Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, args);
    }
}
