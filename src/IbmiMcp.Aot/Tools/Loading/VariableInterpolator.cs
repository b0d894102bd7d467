using System.Text;

namespace IbmiMcp.Tools;

/// <summary>
/// `${NAME}` substitution on the raw file text before YAML parsing, as the reference does: unknown names stay
/// literally, there is no default syntax and values are not escaped.
/// </summary>
internal static class VariableInterpolator
{
    public static string Interpolate(string text, Func<string, string?> lookup)
    {
        int at = text.IndexOf("${", StringComparison.Ordinal);
        if (at < 0) return text;
        var sb = new StringBuilder(text.Length + 64);
        int last = 0;
        while (at >= 0)
        {
            int close = text.IndexOf('}', at + 2);
            if (close < 0) break;
            var name = text.AsSpan(at + 2, close - at - 2);
            if (IsName(name) && lookup(name.ToString()) is { } value)
            {
                sb.Append(text, last, at - last).Append(value);
                last = close + 1;
            }
            at = text.IndexOf("${", close + 1, StringComparison.Ordinal);
        }
        sb.Append(text, last, text.Length - last);
        return sb.ToString();
    }

    private static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_')) return false;
        foreach (var c in name) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }
}
