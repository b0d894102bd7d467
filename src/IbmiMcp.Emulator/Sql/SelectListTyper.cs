namespace IbmiMcp.Emulator.Sql;

/// <summary>
/// Gives expression columns of the outer select list their Db2 result types where SQLite cannot tell:
/// SUM/AVG/MIN/MAX/COUNT of a column, COALESCE(column, …) and CAST(… AS type).
/// </summary>
internal static class SelectListTyper
{
    public static List<ColumnInfo?>? Type(List<SqlToken> t, CatalogSnapshot cat)
    {
        int depth = 0, start = -1;
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].IsPunct("(")) depth++;
            else if (t[i].IsPunct(")")) depth--;
            else if (depth == 0 && t[i].IsWord("SELECT")) { start = i + 1; break; }
        }
        if (start < 0) return null;
        var tables = new List<TableInfo>();
        for (int i = 0; i + 2 < t.Count; i++)
            if (t[i].IsIdent && t[i + 1].IsPunct(".") && t[i + 2].IsIdent && cat.Find(t[i].Name, t[i + 2].Name) is { } ti) tables.Add(ti);
        var items = new List<(int From, int To)>();
        depth = 0;
        int itemStart = start;
        if (itemStart < t.Count && (t[itemStart].IsWord("DISTINCT") || t[itemStart].IsWord("ALL"))) itemStart++;
        int end = t.Count;
        for (int i = itemStart; i < t.Count; i++)
        {
            if (t[i].IsPunct("(")) depth++;
            else if (t[i].IsPunct(")")) depth--;
            else if (depth == 0 && (t[i].IsPunct(",") || t[i].IsWord("FROM")))
            {
                items.Add((itemStart, i));
                itemStart = i + 1;
                if (t[i].IsWord("FROM")) { end = i; break; }
            }
        }
        if (end == t.Count && itemStart < t.Count) items.Add((itemStart, t.Count));
        var result = new List<ColumnInfo?>(items.Count);
        foreach (var (from, to) in items)
        {
            if (to - from == 1 && t[from].IsPunct("*") || (to - from >= 3 && t[to - 1].IsPunct("*"))) return null; // '*' expands: positions unknown
            result.Add(TypeOf(t, from, StripAlias(t, from, to), tables));
        }
        return result;
    }

    private static int StripAlias(List<SqlToken> t, int from, int to)
    {
        if (to - from >= 3 && t[to - 2].IsWord("AS")) return to - 2;
        if (to - from >= 2 && t[to - 1].IsIdent && (t[to - 2].IsPunct(")") || t[to - 2].IsIdent) && !t[to - 2].IsPunct(".")) return to - 1;
        return to;
    }

    private static ColumnInfo? Column(List<SqlToken> t, int from, int to, List<TableInfo> tables)
    {
        // [q .] col
        string? name = to - from == 1 && t[from].IsIdent ? t[from].Name
            : to - from == 3 && t[from].IsIdent && t[from + 1].IsPunct(".") && t[from + 2].IsIdent ? t[from + 2].Name : null;
        if (name is null) return null;
        foreach (var ti in tables) if (ti.Column(name) is { } c) return c;
        return null;
    }

    private static ColumnInfo? TypeOf(List<SqlToken> t, int from, int to, List<TableInfo> tables)
    {
        if (to - from < 3 || !t[from].IsIdent || !t[from + 1].IsPunct("(") || !t[to - 1].IsPunct(")")) return null;
        string fn = t[from].Upper;
        int a = from + 2, b = to - 1;
        if (a < b && (t[a].IsWord("DISTINCT") || t[a].IsWord("ALL"))) a++;
        switch (fn)
        {
            case "COUNT":
                return Synthetic(Db2Type.Integer, false);
            case "SUM" or "AVG" or "MIN" or "MAX":
                {
                    var c = Column(t, a, b, tables);
                    if (c is null) return null;
                    var ty = c.Type;
                    Db2Type r = fn switch
                    {
                        "MIN" or "MAX" => ty,
                        "SUM" when ty.IsDecimal => Db2Type.Decimal(31, ty.Scale),
                        "AVG" when ty.IsDecimal => Db2Type.Decimal(31, Math.Max(0, 31 - ty.Precision + ty.Scale)),
                        _ when ty.Name == "SMALLINT" => Db2Type.Integer,
                        _ => ty,
                    };
                    return Synthetic(r, true);
                }
            case "COALESCE" or "IFNULL" or "VALUE":
                {
                    int depth = 0, k = a;
                    for (; k < b; k++)
                    {
                        if (t[k].IsPunct("(")) depth++;
                        else if (t[k].IsPunct(")")) depth--;
                        else if (depth == 0 && t[k].IsPunct(",")) break;
                    }
                    var c = Column(t, a, k, tables) ?? TypeOf(t, a, k, tables);
                    return c is null ? null : Synthetic(c.Type, true);
                }
            case "CAST":
                {
                    int asAt = -1, depth = 0;
                    for (int k = a; k < b; k++)
                    {
                        if (t[k].IsPunct("(")) depth++;
                        else if (t[k].IsPunct(")")) depth--;
                        else if (depth == 0 && t[k].IsWord("AS")) asAt = k;
                    }
                    if (asAt < 0) return null;
                    return Synthetic(Db2Type.Parse(SqlLexer.Join(t, asAt + 1, b)), true);
                }
        }
        return null;
    }

    private static ColumnInfo Synthetic(Db2Type type, bool nullable) => new("", type, nullable, null, 0);
}
