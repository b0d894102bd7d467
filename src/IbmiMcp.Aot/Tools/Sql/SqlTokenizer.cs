using System.Runtime.CompilerServices;

namespace IbmiMcp.Tools;

/// <summary>
/// Splits Db2 for i SQL into significant tokens, skipping white space, `--` line comments and `/* */`
/// comments, and keeping string literals ('it''s', ':x' inside) and delimited identifiers ("A:B") whole.
/// Both the `:name` binder and the read-only classifier walk these tokens, so text inside literals and
/// comments can neither bind a parameter nor hide or fake a keyword.
/// </summary>
internal ref struct SqlTokenizer
{
    private readonly ReadOnlySpan<char> _sql;
    private int _pos;

    public SqlTokenizer(ReadOnlySpan<char> sql)
    {
        _sql = sql;
        _pos = 0;
        Error = SqlLexError.None;
        ErrorPosition = -1;
    }

    /// <summary>Set when <see cref="Next"/> returned false because of malformed text (not at the end).</summary>
    public SqlLexError Error { get; private set; }
    public int ErrorPosition { get; private set; }

    public bool Next(out SqlToken token)
    {
        var s = _sql;
        while (_pos < s.Length)
        {
            char c = s[_pos];
            if (char.IsWhiteSpace(c)) { _pos++; continue; }
            if (c == '-' && _pos + 1 < s.Length && s[_pos + 1] == '-')
            {
                int nl = s[_pos..].IndexOfAny('\n', '\r');
                _pos = nl < 0 ? s.Length : _pos + nl + 1;
                continue;
            }
            if (c == '/' && _pos + 1 < s.Length && s[_pos + 1] == '*')
            {
                if (!SkipBracketedComment()) { token = default; return false; }
                continue;
            }
            return Scan(c, out token);
        }
        token = default;
        return false;
    }

    private bool SkipBracketedComment()
    {
        int start = _pos;
        var body = _sql[(start + 2)..];
        int close = body.IndexOf("*/", StringComparison.Ordinal);
        int nested = body.IndexOf("/*", StringComparison.Ordinal);
        if (nested >= 0 && (close < 0 || nested < close))
        {
            Fail(SqlLexError.NestedComment, start + 2 + nested);
            return false;
        }
        if (close < 0)
        {
            Fail(SqlLexError.UnterminatedComment, start);
            return false;
        }
        _pos = start + 2 + close + 2;
        return true;
    }

    private bool Scan(char c, out SqlToken token)
    {
        var s = _sql;
        int start = _pos;
        switch (c)
        {
            case '\'':
            case '"':
                if (!SkipQuoted(c))
                {
                    Fail(c == '\'' ? SqlLexError.UnterminatedString : SqlLexError.UnterminatedIdentifier, start);
                    token = default;
                    return false;
                }
                token = new(c == '\'' ? SqlTokenKind.String : SqlTokenKind.QuotedIdentifier, start, _pos - start);
                return true;
            case ':':
                if (start + 1 < s.Length && IsWordChar(s[start + 1]))
                {
                    _pos = start + 1;
                    while (_pos < s.Length && IsWordChar(s[_pos])) _pos++;
                    token = new(SqlTokenKind.NamedMarker, start, _pos - start);
                    return true;
                }
                break;
            case '?': _pos++; token = new(SqlTokenKind.PositionalMarker, start, 1); return true;
            case ';': _pos++; token = new(SqlTokenKind.Semicolon, start, 1); return true;
            case '(': _pos++; token = new(SqlTokenKind.LeftParen, start, 1); return true;
            case ')': _pos++; token = new(SqlTokenKind.RightParen, start, 1); return true;
            case ',': _pos++; token = new(SqlTokenKind.Comma, start, 1); return true;
            case '{':
                if (start + 1 < s.Length && s[start + 1] == '{') { _pos += 2; token = new(SqlTokenKind.TemplateOpen, start, 2); return true; }
                break;
            case '.':
                if (start + 1 < s.Length && char.IsAsciiDigit(s[start + 1])) return ScanNumber(out token);
                _pos++; token = new(SqlTokenKind.Dot, start, 1); return true;
        }
        if (char.IsAsciiDigit(c)) return ScanNumber(out token);
        if (IsWordStart(c))
        {
            _pos++;
            while (_pos < s.Length && IsWordChar(s[_pos])) _pos++;
            token = new(SqlTokenKind.Word, start, _pos - start);
            return true;
        }
        _pos++;
        token = new(SqlTokenKind.Operator, start, 1);
        return true;
    }

    private bool ScanNumber(out SqlToken token)
    {
        var s = _sql;
        int start = _pos;
        while (_pos < s.Length && (char.IsAsciiDigit(s[_pos]) || s[_pos] == '.')) _pos++;
        if (_pos < s.Length && (s[_pos] == 'E' || s[_pos] == 'e'))
        {
            int p = _pos + 1;
            if (p < s.Length && (s[p] == '+' || s[p] == '-')) p++;
            if (p < s.Length && char.IsAsciiDigit(s[p]))
            {
                _pos = p;
                while (_pos < s.Length && char.IsAsciiDigit(s[_pos])) _pos++;
            }
        }
        token = new(SqlTokenKind.Number, start, _pos - start);
        return true;
    }

    /// <summary>Skips a quoted run where a doubled quote stands for one quote character.</summary>
    private bool SkipQuoted(char quote)
    {
        var s = _sql;
        int p = _pos + 1;
        while (true)
        {
            int q = s[p..].IndexOf(quote);
            if (q < 0) return false;
            p += q + 1;
            if (p < s.Length && s[p] == quote) { p++; continue; }
            _pos = p;
            return true;
        }
    }

    private void Fail(SqlLexError error, int position)
    {
        Error = error;
        ErrorPosition = position;
        _pos = _sql.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWordStart(char c) => char.IsAsciiLetter(c) || c is '_' or '#' or '$' or '@' || (c > 127 && char.IsLetter(c));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '#' or '$' or '@' || (c > 127 && char.IsLetterOrDigit(c));

    public static string Describe(SqlLexError error) => error switch
    {
        SqlLexError.UnterminatedString => "Unterminated string literal",
        SqlLexError.UnterminatedIdentifier => "Unterminated delimited identifier",
        SqlLexError.UnterminatedComment => "Unterminated /* comment",
        SqlLexError.NestedComment => "Nested /* inside a comment is not allowed (ambiguous comment nesting)",
        _ => "Malformed SQL",
    };
}
