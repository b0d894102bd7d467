using System.Text;

namespace IbmiMcp.Prompts;

/// <summary>
/// A prompt message's text with <c>{{argument}}</c> placeholders (also <c>{{ argument }}</c> and MCP Toolbox's
/// <c>{{.argument}}</c>), split once at load into literal text and argument slots so rendering is a concatenation.
/// A <c>{{</c> that is not followed by a name and <c>}}</c> stays literal text.
/// </summary>
internal sealed class PromptTemplate
{
    private readonly string[] _literals;   // _literals.Length == _slots.Length + 1
    private readonly int[] _slots;         // argument index for each placeholder

    private PromptTemplate(string[] literals, int[] slots)
    {
        _literals = literals;
        _slots = slots;
    }

    /// <summary>The argument indexes the text refers to, in order of appearance (with repeats).</summary>
    public IReadOnlyList<int> Slots => _slots;

    /// <summary>
    /// Splits <paramref name="text"/>; every placeholder name must be one of <paramref name="arguments"/>, else it is
    /// reported in <paramref name="unknown"/> (and rendered as literal text).
    /// </summary>
    public static PromptTemplate Parse(string text, IReadOnlyList<string> arguments, List<string> unknown)
    {
        var literals = new List<string>();
        var slots = new List<int>();
        var literal = new StringBuilder();
        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOf("{{", at, StringComparison.Ordinal);
            if (open < 0)
                break;
            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
                break;
            var name = text.AsSpan(open + 2, close - open - 2).Trim();
            if (name.StartsWith('.'))
                name = name[1..];
            if (!IsName(name))
            {
                literal.Append(text, at, open + 2 - at);
                at = open + 2;
                continue;
            }
            literal.Append(text, at, open - at);
            var index = IndexOf(arguments, name);
            if (index < 0)
            {
                unknown.Add(name.ToString());
                literal.Append(text, open, close + 2 - open);
            }
            else
            {
                literals.Add(literal.ToString());
                literal.Clear();
                slots.Add(index);
            }
            at = close + 2;
        }
        literal.Append(text, at, text.Length - at);
        literals.Add(literal.ToString());
        return new PromptTemplate([.. literals], [.. slots]);
    }

    /// <summary>The text with each placeholder replaced by its argument's value (absent optional arguments are empty).</summary>
    public string Render(IReadOnlyList<string?> values)
    {
        if (_slots.Length == 0)
            return _literals[0];
        var length = 0;
        foreach (var l in _literals) length += l.Length;
        foreach (var s in _slots) length += values[s]?.Length ?? 0;
        var sb = new StringBuilder(length);
        for (var i = 0; i < _slots.Length; i++)
            sb.Append(_literals[i]).Append(values[_slots[i]]);
        return sb.Append(_literals[^1]).ToString();
    }

    private static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
            return false;
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                return false;
        return true;
    }

    private static int IndexOf(IReadOnlyList<string> names, ReadOnlySpan<char> name)
    {
        for (var i = 0; i < names.Count; i++)
            if (name.SequenceEqual(names[i]))
                return i;
        return -1;
    }
}
