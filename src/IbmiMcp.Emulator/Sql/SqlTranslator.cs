using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

/// <summary>
/// Rewrites the Db2 for i dialect the tools use into SQLite: special registers, FETCH FIRST / OFFSET ROWS,
/// infix CONCAT, Db2 scalar functions, TABLE(schema.function(...)) table functions, parameter markers.
/// Works on tokens so literals and comments are never touched.
/// </summary>
internal sealed class SqlTranslator
{
    /// <summary>Db2 scalar functions implemented as EMU_&lt;name&gt; user functions.</summary>
    public static readonly HashSet<string> EmuFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "VARCHAR", "CHAR", "CHARACTER", "DECIMAL", "DEC", "INTEGER", "INT", "SMALLINT", "BIGINT", "DOUBLE", "FLOAT", "REAL",
        "TIMESTAMP", "CLOB", "NUMERIC", "ZONED", "DIGITS", "LOCATE", "POSSTR", "LEFT", "RIGHT", "YEAR", "MONTH", "DAY", "HOUR",
        "MINUTE", "SECOND", "MICROSECOND", "DAYS", "DAYOFWEEK", "DAYOFYEAR", "WEEK", "QUARTER", "LPAD", "RPAD", "REPEAT", "SPACE",
        "MOD", "POWER", "CEILING", "CEIL", "FLOOR", "SIGN", "SQRT", "EXP", "LN", "LOG10", "TRUNCATE", "TRUNC", "NOW", "CONCAT",
        "CHARACTER_LENGTH", "CHAR_LENGTH", "VARCHAR_FORMAT", "TO_CHAR", "QCMDEXC", "RAND", "STRIP", "UCASE", "LCASE", "VALUE",
        "TRANSLATE", "INSERT", "DAYNAME", "MONTHNAME", "JULIAN_DAY", "LAST_DAY", "ADD_MONTHS", "TIMESTAMP_FORMAT", "TO_DATE",
        "TIMESTAMPDIFF", "LISTAGG", "REGEXP_LIKE", "BITAND", "ENCRYPT_RC2", "GENERATE_UNIQUE", "INSTR", "VERIFY_GROUP_FOR_USER",
    };

    /// <summary>Names that are data types in a column definition or CAST, but functions elsewhere.</summary>
    private static readonly HashSet<string> TypeNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "VARCHAR", "CHAR", "CHARACTER", "DECIMAL", "DEC", "INTEGER", "INT", "SMALLINT", "BIGINT", "DOUBLE", "FLOAT", "REAL",
        "TIMESTAMP", "CLOB", "NUMERIC", "ZONED",
    };

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "WHERE", "AND", "OR", "ON", "WHEN", "THEN", "ELSE", "BY", "NOT", "IN", "LIKE", "DISTINCT", "SET", "VALUES",
        "HAVING", "IS", "BETWEEN", "RETURN", "CASE", "ALL", "ANY", "SOME", "EXISTS", "FROM", "JOIN", "USING", "LIMIT", "OFFSET",
        "UNION", "EXCEPT", "INTERSECT", "WITH", "ESCAPE", "INTO",
    };

    private static readonly HashSet<string> Durations = new(StringComparer.OrdinalIgnoreCase)
    {
        "DAY", "DAYS", "MONTH", "MONTHS", "YEAR", "YEARS", "HOUR", "HOURS", "MINUTE", "MINUTES", "SECOND", "SECONDS", "MICROSECOND", "MICROSECONDS",
    };

    private readonly Db2Job _job;
    private readonly List<SqlToken> _t;
    private readonly IReadOnlyList<object?> _args;
    private readonly TranslatedSql _result = new();
    private int _marker;
    private int _correlations;

    /// <summary>Tokens to emit just before input token [index] (or at the end for index == the range end): the
    /// conditions of correlated table functions, placed in the WHERE or ON that belongs to them.</summary>
    private readonly Dictionary<int, List<SqlToken>> _inserts = [];

    private SqlTranslator(Db2Job job, List<SqlToken> tokens, IReadOnlyList<object?> args)
    {
        _job = job;
        _t = tokens;
        _args = args;
        foreach (var table in JsonTable.FindAll(tokens))
        {
            _jsonTables[table.Start] = table;
            foreach (var (name, expression) in table.Columns)
                _jsonColumns[name] = (table.Alias, expression);
        }
    }

    private readonly Dictionary<int, JsonTable> _jsonTables = [];
    private readonly Dictionary<string, (string Alias, string Expression)> _jsonColumns = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A column a JSON_TABLE declares, named at [i] (alone or as alias.column): its json_extract expression, named
    /// after the column in a select list. False for anything else.
    /// </summary>
    private bool TryEmitJsonColumn(List<SqlToken> o, int i, int to)
    {
        var tok = _t[i];
        if (_jsonColumns.Count == 0 || !tok.IsIdent || !_jsonColumns.TryGetValue(tok.Name, out var column))
            return false;
        if (i + 1 < to && _t[i + 1].IsPunct("."))
            return false;   // a qualifier, not a column
        var first = i;
        if (i >= 2 && _t[i - 1].IsPunct("."))
        {
            var qualifier = _t[i - 2];
            var name = qualifier.Kind == SqlTokenKind.QuotedIdent ? qualifier.Text : qualifier.Name;
            if (!name.Equals(column.Alias, StringComparison.OrdinalIgnoreCase) || o.Count < 2) return false;
            o.RemoveRange(o.Count - 2, 2);
            first = i - 2;
        }
        o.Add(new SqlToken(SqlTokenKind.Word, column.Expression, tok.SpaceBefore || first < i));
        var selectItem = first > 0 && (_t[first - 1].IsWord("SELECT") || _t[first - 1].IsWord("DISTINCT") || _t[first - 1].IsPunct(","))
            && (i + 1 >= to || _t[i + 1].IsPunct(",") || _t[i + 1].IsWord("FROM"));
        if (selectItem)
        {
            o.Add(Word("AS"));
            o.Add(new SqlToken(SqlTokenKind.QuotedIdent, "\"" + tok.Name + "\"", true));
        }
        return true;
    }

    public static TranslatedSql Translate(Db2Job job, List<SqlToken> tokens, IReadOnlyList<object?> args)
    {
        var tr = new SqlTranslator(job, LateralRewriter.Flatten(StripTrailingClauses(tokens)), args);
        var output = tr.Rewrite(0, tr._t.Count, topLevel: true);
        tr._result.Sql = SqlLexer.Join(output);
        tr._result.IsValues = tokens.Count > 0 && tokens[0].IsWord("VALUES");
        if (tokens.Count > 0 && (tokens[0].IsWord("SELECT") || tokens[0].IsWord("WITH")))
            tr._result.SelectTypes = SelectListTyper.Type(tr._t, job.Database.Catalog);
        return tr._result;
    }

    /// <summary>Translates one expression (a table-function argument) and evaluates it to a value.</summary>
    private object? Evaluate(int from, int to)
    {
        var sub = new SqlTranslator(_job, _t, _args) { _marker = _marker };
        var expr = sub.Rewrite(from, to, topLevel: false);
        _marker = sub._marker;
        foreach (var kv in sub._result.TableFunctionColumns) _result.TableFunctionColumns[kv.Key] = kv.Value;
        using var cmd = _job.Connection.CreateCommand();
        cmd.CommandText = "SELECT " + SqlLexer.Join(expr);
        for (int i = 0; i < sub._result.Args.Count; i++) cmd.Parameters.AddWithValue(sub._result.ArgNames[i], sub._result.Args[i] ?? DBNull.Value);
        try
        {
            var v = cmd.ExecuteScalar();
            return v is DBNull ? null : v;
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw _job.MapError(ex, null);
        }
    }

    private static List<SqlToken> StripTrailingClauses(List<SqlToken> t)
    {
        var l = new List<SqlToken>(t);
        bool changed = true;
        while (changed && l.Count > 1)
        {
            changed = false;
            int n = l.Count;
            if (n >= 2 && l[n - 2].IsWord("WITH") && l[n - 1].Kind == SqlTokenKind.Word && l[n - 1].Upper is "UR" or "CS" or "RS" or "RR" or "NC" or "CHG" or "NONE")
            { l.RemoveRange(n - 2, 2); changed = true; continue; }
            if (n >= 3 && l[n - 3].IsWord("FOR") && (l[n - 2].IsWord("READ") || l[n - 2].IsWord("FETCH")) && l[n - 1].IsWord("ONLY"))
            { l.RemoveRange(n - 3, 3); changed = true; continue; }
            if (n >= 4 && l[n - 4].IsWord("OPTIMIZE") && l[n - 3].IsWord("FOR") && (l[n - 1].IsWord("ROWS") || l[n - 1].IsWord("ROW")))
            { l.RemoveRange(n - 4, 4); changed = true; continue; }
            if (n >= 3 && l[n - 3].IsWord("SKIP") && l[n - 2].IsWord("LOCKED") && l[n - 1].IsWord("DATA"))
            { l.RemoveRange(n - 3, 3); changed = true; continue; }
            if (n >= 2 && l[n - 2].IsWord("FOR") && l[n - 1].IsWord("UPDATE"))
            { l.RemoveRange(n - 2, 2); changed = true; }
        }
        return l;
    }

    private int MatchParen(int open, int limit) => SqlTokens.MatchingParen(_t, open, limit);

    private SqlToken Word(string text, bool space = true) => new(SqlTokenKind.Word, text, space);
    private static SqlToken P(string text) => new(SqlTokenKind.Punct, text, false);
    private static SqlToken Str(string text) => new(SqlTokenKind.String, "'" + text.Replace("'", "''") + "'", false);

    private void EmitParam(List<SqlToken> o, bool space)
    {
        int k = _marker++;
        string name = "@p" + (k + 1).ToString(CultureInfo.InvariantCulture);
        if (!_result.ArgNames.Contains(name))
        {
            _result.ArgNames.Add(name);
            _result.Args.Add(k < _args.Count ? _args[k] : null);
        }
        o.Add(new SqlToken(SqlTokenKind.Word, name, space));
    }

    private void EmitReg(List<SqlToken> o, string reg, bool space)
    {
        o.Add(Word("EMU_REG", space));
        o.Add(P("("));
        o.Add(Str(reg));
        o.Add(P(")"));
    }

    private List<SqlToken> Rewrite(int from, int to, bool topLevel)
    {
        var o = new List<SqlToken>(to - from + 8);
        var pendingOffset = new Dictionary<int, List<SqlToken>>();
        int depth = 0;
        bool inCreate = topLevel && from < to && _t[from].IsWord("CREATE");
        var castDepths = new Stack<int>();

        for (int i = from; i < to; i++)
        {
            if (_inserts.Remove(i, out var inserted)) o.AddRange(inserted);
            var tok = _t[i];
            bool sp = tok.SpaceBefore;
            SqlToken? next = i + 1 < to ? _t[i + 1] : null;
            SqlToken? prevOut = o.Count > 0 ? o[^1] : null;

            switch (tok.Kind)
            {
                case SqlTokenKind.Param:
                    EmitParam(o, sp);
                    continue;
                case SqlTokenKind.QuotedIdent:
                    _result.QuotedNames.Add(tok.Name);
                    o.Add(tok);
                    continue;
                case SqlTokenKind.Punct:
                    if (tok.Text == "(")
                    {
                        depth++;
                        if (prevOut is { } pc && pc.IsWord("CAST")) castDepths.Push(depth);
                    }
                    else if (tok.Text == ")")
                    {
                        if (pendingOffset.Remove(depth, out var off))
                        {
                            o.Add(Word("LIMIT")); o.Add(new SqlToken(SqlTokenKind.Number, "-1", true)); o.Add(Word("OFFSET")); o.AddRange(off);
                        }
                        if (castDepths.Count > 0 && castDepths.Peek() == depth) castDepths.Pop();
                        depth--;
                    }
                    else if (tok.Text == "!=" || tok.Text == "¬=")
                    {
                        o.Add(new SqlToken(SqlTokenKind.Punct, "<>", sp));
                        continue;
                    }
                    o.Add(tok);
                    continue;
                case SqlTokenKind.Word:
                    break;
                default:
                    o.Add(tok);
                    continue;
            }

            if (_jsonTables.TryGetValue(i, out var jsonTable))
            {
                o.Add(Word("json_each", sp));
                o.Add(P("("));
                o.AddRange(Rewrite(jsonTable.ExpressionFrom, jsonTable.ExpressionTo, topLevel: false));
                o.Add(P(","));
                o.Add(Str(jsonTable.RowPath));
                o.Add(P(")"));
                i = jsonTable.Close;
                continue;
            }
            if (TryEmitJsonColumn(o, i, to))
                continue;

            string u = tok.Upper;
            bool nextIsParen = next is { } np && np.IsPunct("(");
            bool afterDot = prevOut is { } pd && pd.IsPunct(".");

            if (afterDot) { o.Add(QuoteIfNeeded(tok)); continue; }

            // Qualified name: schema.object — table functions, dynamic tables, qualified scalar functions.
            if (next is { } nd && nd.IsPunct(".") && i + 2 < to && _t[i + 2].IsIdent)
            {
                string schema = tok.Name;
                string obj = _t[i + 2].Name;
                bool callFollows = i + 3 < to && _t[i + 3].IsPunct("(");
                bool objectContext = prevOut is { } po && (po.IsWord("INTO") || po.IsWord("TABLE") || po.IsWord("ON") || po.IsWord("VIEW")
                    || po.IsWord("INDEX") || po.IsWord("REFERENCES") || po.IsWord("EXISTS") && false);
                if (callFollows && !objectContext)
                {
                    int close = MatchParen(i + 3, to);
                    if (close < 0) { o.Add(tok); continue; }
                    if (TableFunctions.IsTableFunction(schema, obj) || (prevOut is { } pf && (pf.IsWord("FROM") || pf.IsWord("JOIN"))))
                    {
                        EmitFunction(o, schema, obj, i + 4, close, close, to, sp);
                        i = close;
                        continue;
                    }
                    if (EmuFunctions.Contains(obj))
                    {
                        o.Add(Word("EMU_" + obj, sp));
                        i += 2;
                        continue;
                    }
                    throw new Db2SqlException($"[SQL0204] {obj} in {schema} type *N not found.", "42704", -204);
                }
                _result.Schemas.Add(schema);
                if (schema == "QSYS2" && obj is "JOB_NAME" or "SERVER_MODE_JOB_NAME")
                {
                    EmitReg(o, "JOB_NAME", sp);
                    i += 2;
                    continue;
                }
                if (TableFunctions.IsDynamicTable(schema, obj))
                {
                    o.Add(new SqlToken(SqlTokenKind.Word, MaterializeFunction(schema, obj, -1, -1), sp));
                    i += 2;
                    continue;
                }
                if (inCreate || !Db2JobSchemaKnown(schema) || next is null)
                {
                    // Unknown schema: leave it, SQLite reports "no such table: S.T" which maps to SQL0204.
                }
                o.Add(QuoteIfNeeded(tok));
                continue;
            }

            if (u == "TABLE" && nextIsParen && prevOut is { } pt && !pt.IsWord("CREATE") && !pt.IsWord("ON") && !pt.IsWord("LABEL") && !pt.IsWord("DROP") && !pt.IsWord("ALTER"))
            {
                int close = MatchParen(i + 1, to);
                int j = i + 2;
                if (close > 0 && j < close && _t[j].IsIdent)
                {
                    string schema = "QSYS2", name;
                    if (j + 2 < close && _t[j + 1].IsPunct(".") && _t[j + 2].IsIdent)
                    {
                        schema = _t[j].Name;
                        name = _t[j + 2].Name;
                        j += 3;
                    }
                    else
                    {
                        name = _t[j].Name;
                        j += 1;
                    }
                    if (j < close && _t[j].IsPunct("("))
                    {
                        int fclose = MatchParen(j, close + 1);
                        if (fclose == close - 1)
                        {
                            EmitFunction(o, schema, name, j + 1, fclose, close, to, sp);
                            i = close;
                            continue;
                        }
                    }
                }
                o.Add(tok);
                continue;
            }

            switch (u)
            {
                case "CURRENT" when next is { Kind: SqlTokenKind.Word } cw:
                    {
                        string reg = cw.Upper switch
                        {
                            "TIMESTAMP" => "TIMESTAMP",
                            "DATE" => "DATE",
                            "TIME" => "TIME",
                            "USER" => "USER",
                            "SERVER" => "SERVER",
                            "SCHEMA" or "SQLID" => "SCHEMA",
                            "PATH" => "PATH",
                            "TIMEZONE" => "TIMEZONE",
                            "CLIENT_APPLNAME" or "CLIENT_USERID" or "CLIENT_WRKSTNNAME" or "CLIENT_ACCTNG" or "CLIENT_PROGRAMID" => cw.Upper,
                            _ => "",
                        };
                        if (reg.Length > 0)
                        {
                            EmitReg(o, reg, sp);
                            i++;
                            if (reg == "TIMESTAMP" && i + 3 < to && _t[i + 1].IsPunct("(") && _t[i + 3].IsPunct(")")) i += 3;
                            continue;
                        }
                        break;
                    }
                case "CURRENT_TIMESTAMP": EmitReg(o, "TIMESTAMP", sp); continue;
                case "CURRENT_DATE": EmitReg(o, "DATE", sp); continue;
                case "CURRENT_TIME": EmitReg(o, "TIME", sp); continue;
                case "CURRENT_SERVER": EmitReg(o, "SERVER", sp); continue;
                case "CURRENT_SCHEMA": EmitReg(o, "SCHEMA", sp); continue;
                case "CURRENT_PATH": EmitReg(o, "PATH", sp); continue;
                case "USER" or "SESSION_USER" or "SYSTEM_USER" or "CURRENT_USER" when !nextIsParen && !(prevOut is { } pa && pa.IsWord("AS")):
                    EmitReg(o, "USER", sp);
                    continue;
                case "CONCAT" when !nextIsParen:
                    o.Add(new SqlToken(SqlTokenKind.Punct, "||", true));
                    continue;
                case "FETCH" when next is { } fn && (fn.IsWord("FIRST") || fn.IsWord("NEXT")):
                    {
                        int j = i + 2;
                        var limit = new List<SqlToken>();
                        if (j < to && (_t[j].Kind is SqlTokenKind.Number or SqlTokenKind.HostVar))
                        {
                            limit.Add(_t[j] with { SpaceBefore = true });
                            j++;
                        }
                        else if (j < to && _t[j].Kind == SqlTokenKind.Param)
                        {
                            EmitParamInto(limit);
                            j++;
                        }
                        else limit.Add(new SqlToken(SqlTokenKind.Number, "1", true));
                        if (j < to && (_t[j].IsWord("ROW") || _t[j].IsWord("ROWS"))) j++;
                        if (j < to && _t[j].IsWord("ONLY")) j++;
                        o.Add(Word("LIMIT", true));
                        o.AddRange(limit);
                        if (pendingOffset.Remove(depth, out var off))
                        {
                            o.Add(Word("OFFSET"));
                            o.AddRange(off);
                        }
                        i = j - 1;
                        continue;
                    }
                case "OFFSET":
                    {
                        int j = i + 1;
                        int d = 0;
                        while (j < to && j < i + 40)
                        {
                            if (_t[j].IsPunct("(")) d++;
                            else if (_t[j].IsPunct(")")) { if (d == 0) break; d--; }
                            if (d == 0 && (_t[j].IsWord("ROW") || _t[j].IsWord("ROWS"))) break;
                            j++;
                        }
                        if (j < to && (_t[j].IsWord("ROW") || _t[j].IsWord("ROWS")))
                        {
                            var off = Rewrite(i + 1, j, topLevel: false);
                            if (off.Count > 0) off[0] = off[0] with { SpaceBefore = true };
                            bool limitAlready = o.Any(x => x.IsWord("LIMIT"));
                            if (limitAlready) { o.Add(Word("OFFSET")); o.AddRange(off); }
                            else pendingOffset[depth] = off;
                            i = j;
                            continue;
                        }
                        o.Add(tok);
                        continue;
                    }
                case "LATERAL":
                    continue;
                case "JOB_NAME" when _result.IsValuesStatement(_t, from):
                    EmitReg(o, "JOB_NAME", sp);
                    continue;
                case "WITH" when next is { } wd && wd.IsWord("DEFAULT") && inCreate:
                    i++;
                    continue;
                case "CCSID" when next is { Kind: SqlTokenKind.Number } && (inCreate || castDepths.Count > 0):
                    i++;
                    continue;
                case "FOR" when next is { } fb && (fb.IsWord("BIT") || fb.IsWord("SBCS") || fb.IsWord("MIXED")) && i + 2 < to && _t[i + 2].IsWord("DATA"):
                    i += 2;
                    continue;
                case "DATE" or "TIME" or "TIMESTAMP" when castDepths.Count > 0 && prevOut is { } pc2 && pc2.IsWord("AS"):
                    o.Add(Word("TEXT", sp));
                    if (u == "TIMESTAMP" && nextIsParen) { int cl = MatchParen(i + 1, to); if (cl > 0) i = cl; }
                    continue;
            }

            // Labeled durations: <operand> +|- <n> DAYS
            if (Durations.Contains(u) && o.Count >= 2 && (o[^2].IsPunct("+") || o[^2].IsPunct("-")) && IsOperandEnd(o[^1]))
            {
                ApplyDuration(o, u);
                continue;
            }
            if (Durations.Contains(u) && o.Count >= 4 && o[^1].IsPunct(")") && TryDurationAfterParen(o, u))
                continue;

            if (nextIsParen && EmuFunctions.Contains(u))
            {
                bool typeContext = TypeNames.Contains(u) && (castDepths.Count > 0 && prevOut is { } pa2 && pa2.IsWord("AS")
                    || inCreate && prevOut is { } pi && (pi.IsIdent && !Keywords.Contains(pi.Text) || pi.IsPunct(",") && false));
                if (!typeContext)
                {
                    o.Add(Word("EMU_" + u, sp));
                    continue;
                }
            }
            o.Add(QuoteIfNeeded(tok));
        }
        if (_inserts.Remove(to, out var atEnd)) o.AddRange(atEnd);
        if (pendingOffset.Remove(depth, out var tail))
        {
            o.Add(Word("LIMIT")); o.Add(new SqlToken(SqlTokenKind.Number, "-1", true)); o.Add(Word("OFFSET")); o.AddRange(tail);
        }
        return o;
    }

    private void EmitParamInto(List<SqlToken> o) => EmitParam(o, true);

    private bool Db2JobSchemaKnown(string schema) => _job.Database.SchemaExists(schema);

    private static SqlToken QuoteIfNeeded(SqlToken t)
    {
        if (t.Kind == SqlTokenKind.Word && t.Text.AsSpan().IndexOfAny("#$@") >= 0 && !t.Text.StartsWith("@p", StringComparison.Ordinal))
            return new SqlToken(SqlTokenKind.QuotedIdent, "\"" + t.Text.ToUpperInvariant() + "\"", t.SpaceBefore);
        return t;
    }

    private static bool IsOperandEnd(SqlToken t) => t.Kind is SqlTokenKind.Number or SqlTokenKind.Word or SqlTokenKind.HostVar || t.IsPunct(")");

    /// <summary>o ends with: LEFT… (+|-) N — rewrite into EMU_ADDDUR(LEFT, ±N, 'UNIT').</summary>
    private void ApplyDuration(List<SqlToken> o, string unit)
    {
        var amount = o[^1];
        bool minus = o[^2].IsPunct("-");
        o.RemoveRange(o.Count - 2, 2);
        WrapLeftOperand(o, [minus ? P("-") : P("+"), amount with { SpaceBefore = false }], unit);
    }

    private bool TryDurationAfterParen(List<SqlToken> o, string unit)
    {
        // (expr) DAYS form: find the parenthesized amount and the +/- before it.
        int depth = 0, k = o.Count - 1;
        for (; k >= 0; k--)
        {
            if (o[k].IsPunct(")")) depth++;
            else if (o[k].IsPunct("(") && --depth == 0) break;
        }
        if (k < 2 || !(o[k - 1].IsPunct("+") || o[k - 1].IsPunct("-"))) return false;
        var amount = o.GetRange(k, o.Count - k);
        bool minus = o[k - 1].IsPunct("-");
        o.RemoveRange(k - 1, o.Count - k + 1);
        if (o.Count == 0 || !IsOperandEnd(o[^1])) return false;
        var amt = new List<SqlToken> { P(minus ? "-" : "+") };
        amt.AddRange(amount);
        WrapLeftOperand(o, amt, unit);
        return true;
    }

    private void WrapLeftOperand(List<SqlToken> o, List<SqlToken> amount, string unit)
    {
        int start = o.Count - 1;
        if (o[start].IsPunct(")"))
        {
            int depth = 0;
            for (; start >= 0; start--)
            {
                if (o[start].IsPunct(")")) depth++;
                else if (o[start].IsPunct("(") && --depth == 0) break;
            }
            if (start > 0 && o[start - 1].Kind == SqlTokenKind.Word) start--;
        }
        while (start >= 2 && o[start - 1].IsPunct(".")) start -= 2;
        var left = o.GetRange(start, o.Count - start);
        bool sp = left[0].SpaceBefore;
        o.RemoveRange(start, o.Count - start);
        o.Add(Word("EMU_ADDDUR", sp));
        o.Add(P("("));
        left[0] = left[0] with { SpaceBefore = false };
        o.AddRange(left);
        o.Add(P(","));
        o.Add(Word("0", true));
        o.AddRange(amount);
        o.Add(P(","));
        o.Add(Str(unit.TrimEnd('S')));
        o.Add(P(")"));
    }

    private static readonly HashSet<string> NotAnAlias = new(StringComparer.OrdinalIgnoreCase)
    {
        "WHERE", "ON", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "GROUP", "ORDER", "HAVING", "FETCH", "LIMIT", "OFFSET",
        "UNION", "EXCEPT", "INTERSECT", "FOR", "OPTIMIZE", "USING", "NATURAL",
    };

    /// <summary>
    /// A table function in a FROM clause. Arguments that are constants are evaluated first and the function runs once
    /// (its rows inlined). An argument that names a column of an outer table (<c>object_statistics(lib_name, …)</c>
    /// inside a correlated subquery, <c>object_privileges(system_object_name =&gt; system_schema_name)</c> after
    /// LATERAL) cannot be known before the query runs: the function then runs for every value of that argument, and
    /// the column that argument selects on is compared with it in the WHERE (or ON) that belongs to this FROM clause.
    /// </summary>
    private void EmitFunction(List<SqlToken> o, string schema, string name, int argFrom, int argTo, int callEnd, int rangeEnd, bool space)
    {
        var correlated = new List<(int Position, string? Name, int From, int To)>();
        var sql = MaterializeFunction(schema, name, argFrom, argTo, correlated);
        o.Add(new SqlToken(SqlTokenKind.Word, sql, space));
        if (correlated.Count == 0) return;

        // The correlation name, or one made up when the statement gives none.
        var k = callEnd + 1;
        if (k < rangeEnd && _t[k].IsWord("AS")) k++;
        string alias;
        if (k < rangeEnd && _t[k].IsIdent && !NotAnAlias.Contains(_t[k].Text) && !Keywords.Contains(_t[k].Text))
        {
            alias = _t[k].Kind == SqlTokenKind.QuotedIdent ? _t[k].Text : _t[k].Name;
            k++;
        }
        else
        {
            alias = "TF_CORR_" + (++_correlations).ToString(CultureInfo.InvariantCulture);
            o.Add(Word(alias));
            k = callEnd + 1;
        }

        var condition = new List<SqlToken>();
        foreach (var (position, argName, from, to) in correlated)
        {
            var column = TableFunctions.CorrelationColumn(schema, name, position, argName)
                ?? throw new Db2SqlException($"[SQL0206] The emulator cannot run {schema}.{name} with argument {argName ?? (position + 1).ToString(CultureInfo.InvariantCulture)} taken from another table.", "42703", -206);
            if (condition.Count > 0) condition.Add(Word("AND"));
            condition.Add(Word(alias));
            condition.Add(P("."));
            condition.Add(new SqlToken(SqlTokenKind.QuotedIdent, "\"" + column + "\"", false));
            condition.Add(P("="));
            condition.Add(P("("));
            condition.AddRange(Rewrite(from, to, topLevel: false));
            condition.Add(P(")"));
        }
        PlaceCondition(k, rangeEnd, condition);
    }

    /// <summary>
    /// Puts a condition on the FROM clause whose item ends before <paramref name="start"/>: into the next ON or WHERE at
    /// this level (<c>(cond) AND …</c>), else as a new WHERE before the clause that ends the FROM clause.
    /// </summary>
    private void PlaceCondition(int start, int rangeEnd, List<SqlToken> condition)
    {
        var depth = 0;
        int i;
        for (i = start; i < rangeEnd; i++)
        {
            var t = _t[i];
            if (t.IsPunct("(")) { depth++; continue; }
            if (t.IsPunct(")")) { if (depth-- == 0) break; continue; }
            if (depth != 0) continue;
            if (t.IsWord("WHERE") || t.IsWord("ON"))
            {
                var and = new List<SqlToken> { P("(") };
                and.AddRange(condition);
                and.Add(P(")"));
                and.Add(Word("AND"));
                Insert(i + 1, and);
                return;
            }
            if (t.Kind == SqlTokenKind.Word && t.Upper is "GROUP" or "ORDER" or "HAVING" or "FETCH" or "LIMIT" or "OFFSET" or "UNION"
                or "EXCEPT" or "INTERSECT" or "WINDOW")
                break;
        }
        var where = new List<SqlToken> { Word("WHERE"), P("(") };
        where.AddRange(condition);
        where.Add(P(")"));
        Insert(i, where);
    }

    private void Insert(int index, List<SqlToken> tokens)
    {
        if (_inserts.TryGetValue(index, out var existing)) existing.AddRange(tokens);
        else _inserts[index] = tokens;
    }

    /// <summary>Runs a table function (or dynamic service view) and returns it as an inline derived table.</summary>
    private string MaterializeFunction(string schema, string name, int argFrom, int argTo,
        List<(int Position, string? Name, int From, int To)>? correlated = null)
    {
        var positional = new List<object?>();
        var named = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        EvaluateArguments(argFrom, argTo, positional, named, correlated);
        var table = TableFunctions.Run(_job, schema, name, positional, named);
        if (table.StaticName is not null)
        {
            _result.Schemas.Add(schema);
            return table.StaticName;
        }
        // Inline the rows as a VALUES derived table bound through parameters: no DDL, so it works while other
        // cursors of the job are open (a CREATE TEMP TABLE would hit SQLite's schema lock).
        int n = _job.NextTempId();
        foreach (var (colName, colType) in table.Columns)
            _result.TableFunctionColumns[colName] = new ColumnInfo(colName, Db2Type.Parse(colType), true, null, 0);
        var sb = new System.Text.StringBuilder("(SELECT ");
        for (int c = 0; c < table.Columns.Count; c++)
        {
            if (c > 0) sb.Append(", ");
            sb.Append(table.Rows.Count == 0 ? "NULL" : "column" + (c + 1).ToString(CultureInfo.InvariantCulture)).Append(" AS \"").Append(table.Columns[c].Name).Append('"');
        }
        if (table.Rows.Count == 0)
        {
            sb.Append(" WHERE 0)");
            return sb.ToString();
        }
        sb.Append(" FROM (VALUES ");
        for (int r = 0; r < table.Rows.Count; r++)
        {
            if (r > 0) sb.Append(", ");
            sb.Append('(');
            var row = table.Rows[r];
            for (int c = 0; c < table.Columns.Count; c++)
            {
                if (c > 0) sb.Append(", ");
                object? v = c < row.Length ? row[c] : null;
                if (v is null) { sb.Append("NULL"); continue; }
                string pn = $"@tf{n}_{r}_{c}";
                sb.Append(pn);
                _result.ArgNames.Add(pn);
                _result.Args.Add(v is decimal d ? (double)d : v is int i ? (long)i : v is short sh ? (long)sh : v);
            }
            sb.Append(')');
        }
        sb.Append("))");
        return sb.ToString();
    }

    /// <summary>Evaluates a call's arguments (positional and NAME =&gt; value) between the parentheses.</summary>
    private void EvaluateArguments(int argFrom, int argTo, List<object?> positional, Dictionary<string, object?> named,
        List<(int Position, string? Name, int From, int To)>? correlated = null)
    {
        if (argFrom >= 0 && argTo > argFrom)
        {
            int start = argFrom, depth = 0;
            for (int i = argFrom; i <= argTo; i++)
            {
                bool end = i == argTo;
                if (!end)
                {
                    if (_t[i].IsPunct("(")) depth++;
                    else if (_t[i].IsPunct(")")) depth--;
                }
                if (end || (depth == 0 && _t[i].IsPunct(",")))
                {
                    if (i > start)
                    {
                        var isNamed = i - start >= 3 && _t[start].IsIdent && _t[start + 1].IsPunct("=>");
                        var valueFrom = isNamed ? start + 2 : start;
                        var marker = _marker;
                        object? value;
                        try
                        {
                            value = Evaluate(valueFrom, i);
                        }
                        catch (Db2SqlException ex) when (ex.SqlCode == -206 && correlated is not null)
                        {
                            // A column of an outer table: the caller compares it per row (EmitFunction).
                            _marker = marker;
                            correlated.Add((positional.Count, isNamed ? _t[start].Name : null, valueFrom, i));
                            value = TableFunctions.Correlated;
                        }
                        if (isNamed) named[_t[start].Name] = value;
                        else positional.Add(value);
                    }
                    start = i + 1;
                }
            }
        }
    }

    /// <summary>For CALL: evaluates the arguments of tokens[from..to) with the statement's parameter values.</summary>
    public static (List<object?> Positional, Dictionary<string, object?> Named) EvaluateCallArguments(Db2Job job, List<SqlToken> tokens, int from, int to, IReadOnlyList<object?> args)
    {
        var tr = new SqlTranslator(job, tokens, args);
        var positional = new List<object?>();
        var named = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        tr.EvaluateArguments(from, to, positional, named);
        foreach (var t in tr._result.TempTables) { try { job.DbExec($"DROP TABLE IF EXISTS temp.\"{t}\""); } catch (Microsoft.Data.Sqlite.SqliteException) { } }
        return (positional, named);
    }
}
