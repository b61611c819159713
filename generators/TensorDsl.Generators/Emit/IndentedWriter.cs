using System;
using System.Globalization;
using System.Text;

namespace TensorDsl.Generators.Emit;

/// <summary>Writes source text line by line with four-space indentation; blocks close themselves when disposed.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public IndentedWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _depth * 4);
        }

        _text.Append(line).Append('\n');
        return this;
    }

    /// <summary>Writes every line of a multi-line text at the current indentation.</summary>
    public IndentedWriter Lines(string text)
    {
        foreach (string line in text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n'))
        {
            Line(line);
        }

        return this;
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until disposed.</summary>
    public Block Open(string header, string close = "}")
    {
        Line(header);
        Line("{");
        _depth++;
        return new Block(this, close);
    }

    public void Indent() => _depth++;

    public void Outdent() => _depth--;

    public override string ToString() => _text.ToString();

    /// <summary>An integer in invariant culture: generated code must not depend on the build machine's locale.</summary>
    public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    public readonly struct Block : IDisposable
    {
        private readonly IndentedWriter _writer;
        private readonly string _close;

        public Block(IndentedWriter writer, string close)
        {
            _writer = writer;
            _close = close;
        }

        public void Dispose()
        {
            _writer._depth--;
            _writer.Line(_close);
        }
    }
}
