namespace IbmiMcp.Emulator.Sql;

/// <summary>
/// Db2's <c>LATERAL</c> correlated derived tables, which SQLite lacks (a FROM-clause subquery there cannot see the tables
/// before it). The form IBM's services examples and the reference's tools use —
/// <c>…, LATERAL (SELECT * FROM item [WHERE cond]) alias</c> — means the same as a join, so it becomes
/// <c>… JOIN item alias ON (cond)</c>, where SQLite lets the condition see every table to its left. Any other shape
/// inside LATERAL is left alone (SQLite then reports it).
/// </summary>
internal static class LateralRewriter
{
    private static readonly HashSet<string> NotAnAlias = new(StringComparer.OrdinalIgnoreCase)
    {
        "WHERE", "ON", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "GROUP", "ORDER", "HAVING", "FETCH", "LIMIT", "OFFSET",
        "UNION", "EXCEPT", "INTERSECT", "WITH", "FOR", "OPTIMIZE", "WINDOW", "USING", "NATURAL",
    };

    public static List<SqlToken> Flatten(List<SqlToken> t)
    {
        if (!t.Exists(x => x.IsWord("LATERAL")))
            return t;
        var o = new List<SqlToken>(t.Count);
        var generated = 0;
        for (var i = 0; i < t.Count; i++)
        {
            if (t[i].IsPunct(",") && i + 2 < t.Count && t[i + 1].IsWord("LATERAL") && t[i + 2].IsPunct("(")
                && TryFlatten(t, i, ref generated, out var replacement, out var end))
            {
                o.AddRange(replacement);
                i = end;
                continue;
            }
            o.Add(t[i]);
        }
        return o;
    }

    /// <summary>t[comma] = ',', t[comma+1] = LATERAL, t[comma+2] = '('. On success, the replacement of t[comma..end].</summary>
    private static bool TryFlatten(List<SqlToken> t, int comma, ref int generated, out List<SqlToken> replacement, out int end)
    {
        replacement = [];
        end = -1;
        var open = comma + 2;
        var close = SqlTokens.MatchingParen(t, open);
        if (close < 0 || close - open < 5 || !t[open + 1].IsWord("SELECT") || !t[open + 2].IsPunct("*") || !t[open + 3].IsWord("FROM"))
            return false;

        // The one FROM item: TABLE(…), JSON_TABLE(…), or [schema.]name.
        var itemStart = open + 4;
        int itemEnd;
        if ((t[itemStart].IsWord("TABLE") || t[itemStart].IsWord("JSON_TABLE")) && itemStart + 1 < close && t[itemStart + 1].IsPunct("("))
            itemEnd = SqlTokens.MatchingParen(t, itemStart + 1);
        else if (t[itemStart].IsIdent)
            itemEnd = itemStart + 2 < close && t[itemStart + 1].IsPunct(".") && t[itemStart + 2].IsIdent ? itemStart + 2 : itemStart;
        else
            return false;
        if (itemEnd < 0 || itemEnd >= close)
            return false;

        var k = itemEnd + 1;
        string? innerAlias = null;
        if (k < close && t[k].IsWord("AS")) k++;
        if (k < close && t[k].IsIdent && !NotAnAlias.Contains(t[k].Text))
            innerAlias = t[k++].Name;
        List<SqlToken> condition;
        if (k == close)
            condition = [Number("1"), Punct("="), Number("1")];
        else if (t[k].IsWord("WHERE") && !HasTopLevelClause(t, k + 1, close))
            condition = t.GetRange(k + 1, close - k - 1);
        else
            return false;

        // The correlation name after the parentheses (optional in practice; one is made up when missing).
        end = close;
        var a = close + 1;
        if (a < t.Count && t[a].IsWord("AS")) a++;
        SqlToken alias;
        if (a < t.Count && t[a].IsIdent && !NotAnAlias.Contains(t[a].Text))
        {
            alias = t[a];
            end = a;
        }
        else
        {
            alias = new SqlToken(SqlTokenKind.Word, "LATERAL_" + (++generated).ToString(System.Globalization.CultureInfo.InvariantCulture), true);
        }
        if (innerAlias is not null)
            condition = Renamed(condition, innerAlias, alias);

        replacement.Add(new SqlToken(SqlTokenKind.Word, "JOIN", true));
        replacement.AddRange(t.GetRange(itemStart, itemEnd - itemStart + 1));
        replacement.Add(alias with { SpaceBefore = true });
        replacement.Add(new SqlToken(SqlTokenKind.Word, "ON", true));
        replacement.Add(new SqlToken(SqlTokenKind.Punct, "(", true));
        replacement.AddRange(condition);
        replacement.Add(Punct(")"));
        return true;
    }

    /// <summary>A clause after WHERE that a join condition cannot carry (GROUP BY, ORDER BY, FETCH, a set operation).</summary>
    private static bool HasTopLevelClause(List<SqlToken> t, int from, int to)
    {
        var depth = 0;
        for (var i = from; i < to; i++)
        {
            if (t[i].IsPunct("(")) depth++;
            else if (t[i].IsPunct(")")) depth--;
            else if (depth == 0 && t[i].Kind == SqlTokenKind.Word && t[i].Upper is "GROUP" or "ORDER" or "HAVING" or "FETCH" or "LIMIT" or "UNION" or "EXCEPT" or "INTERSECT")
                return true;
        }
        return false;
    }

    private static List<SqlToken> Renamed(List<SqlToken> condition, string from, SqlToken to)
    {
        var result = new List<SqlToken>(condition.Count);
        for (var i = 0; i < condition.Count; i++)
        {
            var token = condition[i];
            var qualifies = i + 1 < condition.Count && condition[i + 1].IsPunct(".") && (i == 0 || !condition[i - 1].IsPunct("."));
            result.Add(qualifies && token.IsIdent && token.Name == from ? to with { SpaceBefore = token.SpaceBefore } : token);
        }
        return result;
    }

    private static SqlToken Number(string text) => new(SqlTokenKind.Number, text, true);

    private static SqlToken Punct(string text) => new(SqlTokenKind.Punct, text, false);
}
