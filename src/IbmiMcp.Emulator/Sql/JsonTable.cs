using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

/// <summary>
/// One <c>JSON_TABLE(expr, 'lax $.path[*]' COLUMNS(name type PATH 'lax $.key', …)) alias</c> of a statement. SQLite's
/// <c>json_each</c> walks the same array (and, unlike a derived table, may take its JSON from a column of a table before
/// it, which is how IBM's examples use JSON_TABLE); each declared column becomes <c>json_extract(alias.value, path)</c>
/// wherever the statement names it.
/// </summary>
internal sealed class JsonTable
{
    public required int Start { get; init; }
    public required int Close { get; init; }
    public required int ExpressionFrom { get; init; }
    public required int ExpressionTo { get; init; }
    public required string RowPath { get; init; }
    public required string Alias { get; init; }

    /// <summary>Declared columns by name: the SQLite expression that reads each from the current array element.</summary>
    public Dictionary<string, string> Columns { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every JSON_TABLE of the statement with its correlation name; malformed ones are left for SQLite to reject.</summary>
    public static List<JsonTable> FindAll(List<SqlToken> t)
    {
        var found = new List<JsonTable>();
        for (var i = 0; i + 1 < t.Count; i++)
        {
            if (!t[i].IsWord("JSON_TABLE") || !t[i + 1].IsPunct("(") || (i > 0 && t[i - 1].IsPunct(".")))
                continue;
            if (TryRead(t, i) is { } table)
                found.Add(table);
        }
        return found;
    }

    private static JsonTable? TryRead(List<SqlToken> t, int start)
    {
        var close = SqlTokens.MatchingParen(t, start + 1);
        if (close < 0) return null;
        // expr , 'row path' COLUMNS ( … ) [ERROR|EMPTY ON ERROR] )
        var comma = -1;
        var depth = 0;
        for (var i = start + 2; i < close; i++)
        {
            if (t[i].IsPunct("(")) depth++;
            else if (t[i].IsPunct(")")) depth--;
            else if (depth == 0 && t[i].IsPunct(",")) { comma = i; break; }
        }
        if (comma < 0 || comma + 3 >= close || t[comma + 1].Kind != SqlTokenKind.String || !t[comma + 2].IsWord("COLUMNS") || !t[comma + 3].IsPunct("("))
            return null;
        var columnsClose = SqlTokens.MatchingParen(t, comma + 3);
        if (columnsClose < 0 || columnsClose >= close) return null;

        var a = close + 1;
        if (a < t.Count && t[a].IsWord("AS")) a++;
        if (a >= t.Count || !t[a].IsIdent) return null;
        var alias = t[a].Kind == SqlTokenKind.QuotedIdent ? t[a].Text : t[a].Name;
        var table = new JsonTable
        {
            Start = start, Close = close, ExpressionFrom = start + 2, ExpressionTo = comma,
            RowPath = SqlitePath(Unquote(t[comma + 1].Text), rows: true), Alias = alias,
        };

        // Column definitions: name { FOR ORDINALITY | type … [PATH 'p'] }, separated by top-level commas.
        var from = comma + 4;
        depth = 0;
        for (var i = from; i <= columnsClose; i++)
        {
            if (i < columnsClose && t[i].IsPunct("(")) { depth++; continue; }
            if (i < columnsClose && t[i].IsPunct(")")) { depth--; continue; }
            if (i < columnsClose && !(depth == 0 && t[i].IsPunct(","))) continue;
            if (i > from && t[from].IsIdent)
            {
                var name = t[from].Name;
                string expression;
                if (i - from >= 3 && t[from + 1].IsWord("FOR") && t[from + 2].IsWord("ORDINALITY"))
                    expression = $"({alias}.key + 1)";
                else
                {
                    var path = "$." + name;
                    for (var k = from + 1; k + 1 < i; k++)
                        if (t[k].IsWord("PATH") && t[k + 1].Kind == SqlTokenKind.String) path = SqlitePath(Unquote(t[k + 1].Text), rows: false);
                    expression = $"json_extract({alias}.value, '{path.Replace("'", "''", StringComparison.Ordinal)}')";
                }
                table.Columns[name] = expression;
            }
            from = i + 1;
        }
        return table;
    }

    /// <summary>An SQL/JSON path for SQLite: no <c>lax</c>/<c>strict</c> mode; for the row path, the array itself (json_each walks it).</summary>
    private static string SqlitePath(string path, bool rows)
    {
        var p = path.Trim();
        foreach (var mode in new[] { "lax ", "strict " })
            if (p.StartsWith(mode, StringComparison.OrdinalIgnoreCase)) p = p[mode.Length..].Trim();
        if (rows && p.EndsWith("[*]", StringComparison.Ordinal)) p = p[..^3];
        return p.Length == 0 ? "$" : p;
    }

    private static string Unquote(string literal) => literal.Length >= 2 ? literal[1..^1].Replace("''", "'", StringComparison.Ordinal) : literal;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"JSON_TABLE {Alias} at {Start}");
}
