namespace IbmiMcp.Emulator.Sql;

internal enum SqlTokenKind { Word, QuotedIdent, String, Number, Param, Punct, HostVar }

/// <summary>One lexical token; <see cref="SpaceBefore"/> keeps the original layout close enough for error texts.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, string Text, bool SpaceBefore)
{
    public bool IsWord(string w) => Kind == SqlTokenKind.Word && Text.Equals(w, StringComparison.OrdinalIgnoreCase);
    public bool IsPunct(string p) => Kind == SqlTokenKind.Punct && Text == p;
    public string Upper => Kind == SqlTokenKind.Word ? Text.ToUpperInvariant() : Text;

    /// <summary>Identifier value as Db2 folds it: unquoted names upper-case, quoted names verbatim.</summary>
    public string Name => Kind switch
    {
        SqlTokenKind.Word => Text.ToUpperInvariant(),
        SqlTokenKind.QuotedIdent => Text.Length >= 2 ? Text[1..^1].Replace("\"\"", "\"") : Text,
        _ => Text,
    };

    public bool IsIdent => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdent;
}

internal static class SqlTokens
{
    /// <summary>The index of the ")" that closes the "(" at <paramref name="open"/> (searching before <paramref name="limit"/>), or -1.</summary>
    public static int MatchingParen(List<SqlToken> t, int open, int limit = int.MaxValue)
    {
        var depth = 0;
        for (int i = open, end = Math.Min(limit, t.Count); i < end; i++)
        {
            if (t[i].IsPunct("(")) depth++;
            else if (t[i].IsPunct(")") && --depth == 0) return i;
        }
        return -1;
    }
}
