using Microsoft.CodeAnalysis.CSharp;

namespace TensorDsl.Generators.Model;

/// <summary>Names as they must be written in C# source.</summary>
internal static class Identifier
{
    /// <summary>
    /// Escapes a keyword with '@' (a parameter named 'in' is '@in', a type named 'class' is '@class'). Symbols
    /// give names unescaped, so every name that the generator writes into code goes through this.
    /// </summary>
    public static string Escape(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.UnderscoreToken ? "@" + name : name;
}
