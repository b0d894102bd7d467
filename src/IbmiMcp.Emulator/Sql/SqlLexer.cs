using System.Text;

namespace IbmiMcp.Emulator.Sql;

/// <summary>Splits Db2 SQL into tokens so rewrites never touch string literals or comments.</summary>
internal static class SqlLexer
{
    public static List<SqlToken> Lex(string sql)
    {
        var list = new List<SqlToken>();
        int i = 0;
        bool space = false;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (char.IsWhiteSpace(c)) { space = true; i++; continue; }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n') i++;
                space = true;
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                int end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
                space = true;
                continue;
            }
            int start = i;
            SqlTokenKind kind;
            if (c == '\'' || ((c == 'x' || c == 'X' || c == 'g' || c == 'G' || c == 'n' || c == 'N') && i + 1 < sql.Length && sql[i + 1] == '\''))
            {
                if (c != '\'') i++;
                i++;
                while (i < sql.Length)
                {
                    if (sql[i] == '\'')
                    {
                        if (i + 1 < sql.Length && sql[i + 1] == '\'') { i += 2; continue; }
                        i++;
                        break;
                    }
                    i++;
                }
                kind = SqlTokenKind.String;
            }
            else if (c == '"')
            {
                i++;
                while (i < sql.Length)
                {
                    if (sql[i] == '"')
                    {
                        if (i + 1 < sql.Length && sql[i + 1] == '"') { i += 2; continue; }
                        i++;
                        break;
                    }
                    i++;
                }
                kind = SqlTokenKind.QuotedIdent;
            }
            else if (char.IsDigit(c) || (c == '.' && i + 1 < sql.Length && char.IsDigit(sql[i + 1])))
            {
                while (i < sql.Length && (char.IsDigit(sql[i]) || sql[i] == '.')) i++;
                if (i < sql.Length && (sql[i] == 'e' || sql[i] == 'E') && i + 1 < sql.Length && (char.IsDigit(sql[i + 1]) || ((sql[i + 1] == '-' || sql[i + 1] == '+') && i + 2 < sql.Length && char.IsDigit(sql[i + 2]))))
                {
                    i += 2;
                    while (i < sql.Length && char.IsDigit(sql[i])) i++;
                }
                kind = SqlTokenKind.Number;
            }
            else if (IsIdentStart(c))
            {
                while (i < sql.Length && IsIdentPart(sql[i])) i++;
                kind = SqlTokenKind.Word;
            }
            else if (c == '?')
            {
                i++;
                kind = SqlTokenKind.Param;
            }
            else if (c == ':' && i + 1 < sql.Length && IsIdentStart(sql[i + 1]))
            {
                i++;
                while (i < sql.Length && IsIdentPart(sql[i])) i++;
                kind = SqlTokenKind.HostVar;
            }
            else
            {
                i++;
                if (i < sql.Length)
                {
                    string two = sql.Substring(start, 2);
                    if (two is "||" or "<=" or ">=" or "<>" or "!=" or "=>" or "!<" or "!>" or "¬=") i++;
                }
                kind = SqlTokenKind.Punct;
            }
            list.Add(new SqlToken(kind, sql[start..i], space));
            space = false;
        }
        return list;
    }

    private static bool IsIdentStart(char c) => char.IsLetter(c) || c == '_' || c == '#' || c == '$' || c == '@';
    private static bool IsIdentPart(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '#' || c == '$' || c == '@';

    public static string Join(IReadOnlyList<SqlToken> tokens, int from = 0, int to = -1)
    {
        if (to < 0) to = tokens.Count;
        var sb = new StringBuilder();
        for (int i = from; i < to; i++)
        {
            if (i > from && NeedsSpace(tokens[i - 1], tokens[i])) sb.Append(' ');
            sb.Append(tokens[i].Text);
        }
        return sb.ToString();
    }

    private static bool NeedsSpace(SqlToken prev, SqlToken cur)
    {
        if (cur.SpaceBefore) return true;
        // Tokens that were adjacent in the source may be adjacent rewrites; keep words apart.
        bool prevWordy = prev.Kind is SqlTokenKind.Word or SqlTokenKind.Number or SqlTokenKind.QuotedIdent or SqlTokenKind.String or SqlTokenKind.HostVar;
        bool curWordy = cur.Kind is SqlTokenKind.Word or SqlTokenKind.Number or SqlTokenKind.QuotedIdent or SqlTokenKind.String or SqlTokenKind.HostVar;
        return prevWordy && curWordy;
    }
}
