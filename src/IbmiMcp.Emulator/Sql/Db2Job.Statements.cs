namespace IbmiMcp.Emulator.Sql;

internal sealed partial class Db2Job
{
    private StatementResult SetStatement(List<SqlToken> t, IReadOnlyList<object?> args)
    {
        int i = 1;
        if (i < t.Count && t[i].IsWord("CURRENT")) i++;
        string what = i < t.Count ? t[i].Upper : "";
        i++;
        if (i < t.Count && t[i].IsPunct("=")) i++;
        switch (what)
        {
            case "SCHEMA" or "SQLID" or "CURRENT_SCHEMA":
                {
                    if (i >= t.Count) throw Db2SqlException.TokenNotValid("<END-OF-STATEMENT>", "<IDENTIFIER>");
                    string schema = t[i].Kind switch
                    {
                        SqlTokenKind.String => t[i].Text[1..^1].Replace("''", "'"),
                        SqlTokenKind.Param => TableFunctions.Text(args.Count > 0 ? args[0] : null) ?? "",
                        _ => t[i].IsWord("USER") ? User : t[i].Name,
                    };
                    if (t[i].Kind == SqlTokenKind.String || t[i].Kind == SqlTokenKind.Param) schema = schema.ToUpperInvariant();
                    CurrentSchema = schema;
                    return new StatementResult { UpdateCount = 0 };
                }
            case "PATH" or "FUNCTION" or "DEGREE" or "ISOLATION" or "TRANSACTION" or "OPTION" or "ENCRYPTION" or "DECFLOAT":
                return new StatementResult { UpdateCount = 0 };
        }
        // Anything else (SET var = expr) is not supported by the emulator's engine: report it like Db2 would for an unknown name.
        throw new Db2SqlException($"[SQL0206] Column or global variable {what} not found.", "42703", -206);
    }

    private StatementResult LabelOn(List<SqlToken> t)
    {
        // LABEL ON TABLE s.t IS 'text' | COMMENT ON TABLE s.t IS 'text'
        int i = 1;
        if (i < t.Count && t[i].IsWord("ON")) i++;
        bool isTable = i < t.Count && (t[i].IsWord("TABLE") || t[i].IsWord("VIEW"));
        if (i < t.Count && t[i].Kind == SqlTokenKind.Word && !t[i].IsWord("COLUMN")) i++;
        if (!isTable) return new StatementResult { UpdateCount = 0 };
        string schema = CurrentSchema, name;
        if (i + 2 < t.Count && t[i + 1].IsPunct("."))
        {
            schema = t[i].Name;
            name = t[i + 2].Name;
            i += 3;
        }
        else
        {
            name = i < t.Count ? t[i].Name : "";
            i++;
        }
        if (Database.Catalog.Find(schema, name) is null) throw Db2SqlException.NotFound(name, schema);
        if (i + 1 < t.Count && t[i].IsWord("IS") && t[i + 1].Kind == SqlTokenKind.String)
        {
            Database.SetText(schema, name, t[i + 1].Text[1..^1].Replace("''", "'"));
            Database.RefreshCatalog();
        }
        return new StatementResult { UpdateCount = 0 };
    }

    private StatementResult CreateSchema(List<SqlToken> t)
    {
        if (t.Count < 3 || !t[2].IsIdent) throw Db2SqlException.TokenNotValid(t.Count > 2 ? t[2].Text : "<END-OF-STATEMENT>", "<IDENTIFIER>");
        string schema = t[2].Name;
        if (Database.SchemaExists(schema)) throw new Db2SqlException($"[SQL0601] {schema} in QSYS type *LIB already exists.", "42710", -601);
        Database.CreateSchema(schema);
        Database.Attach(_conn, schema);
        Database.RefreshCatalog();
        return new StatementResult { UpdateCount = 0 };
    }

    private StatementResult DropSchema(List<SqlToken> t)
    {
        if (t.Count < 3 || !t[2].IsIdent) throw Db2SqlException.TokenNotValid(t.Count > 2 ? t[2].Text : "<END-OF-STATEMENT>", "<IDENTIFIER>");
        string schema = t[2].Name;
        if (!Database.SchemaExists(schema)) throw Db2SqlException.NotFound(schema, "QSYS", "*LIB");
        if (schema is "QSYS2" or "SYSIBM" or "SYSTOOLS")
            throw Db2SqlException.NotAuthorized(schema, "QSYS", "*LIB");
        try { DbExec($"DETACH DATABASE \"{schema}\""); } catch (Microsoft.Data.Sqlite.SqliteException) { }
        Database.DropSchema(schema);
        Database.RefreshCatalog();
        return new StatementResult { UpdateCount = 0 };
    }

    private int _schemaGeneration = -1;

    /// <summary>Attaches schemas other jobs created, cheaply: only when the database's generation moved.</summary>
    public void SyncSchemasIfNeeded()
    {
        int g = Database.Generation;
        if (g == _schemaGeneration) return;
        SyncSchemas();
        _schemaGeneration = g;
    }

    /// <summary>Makes sure schemas created by other jobs since this job started are attached here.</summary>
    public void SyncSchemas()
    {
        var attached = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var cmd = _conn.CreateCommand())
        {
            cmd.CommandText = "PRAGMA database_list";
            using var r = cmd.ExecuteReader();
            while (r.Read()) attached.Add(r.GetString(1));
        }
        foreach (var s in Database.SchemaNames())
            if (!attached.Contains(s)) { try { Database.Attach(_conn, s); } catch (Microsoft.Data.Sqlite.SqliteException) { } }
    }

    /// <summary>
    /// Describes a statement without running it: result columns (name, type, display size, label) and parameter markers.
    /// </summary>
    private readonly Dictionary<string, (IReadOnlyList<ColumnMeta>? Columns, IReadOnlyList<ParameterMeta> Parameters)> _describeCache = new(StringComparer.Ordinal);
    private CatalogSnapshot? _describeCatalog;

    public (IReadOnlyList<ColumnMeta>? Columns, IReadOnlyList<ParameterMeta> Parameters) Describe(string sql, IReadOnlyList<object?>? values = null)
    {
        // Statements are re-described on every prepare_sql_execute; cache per job until the catalog changes.
        var catalog = Database.Catalog;
        if (!ReferenceEquals(catalog, _describeCatalog))
        {
            _describeCache.Clear();
            _describeCatalog = catalog;
        }
        if (_describeCache.TryGetValue(sql, out var hit)) return hit;
        var result = DescribeUncached(sql, values, out bool cacheable);
        if (cacheable)
        {
            if (_describeCache.Count > 512) _describeCache.Clear();
            _describeCache[sql] = result;
        }
        return result;
    }

    private (IReadOnlyList<ColumnMeta>? Columns, IReadOnlyList<ParameterMeta> Parameters) DescribeUncached(string sql, IReadOnlyList<object?>? values, out bool cacheable)
    {
        cacheable = false;
        if (string.IsNullOrWhiteSpace(sql))
            throw Db2SqlException.Jtopen("A string parameter value with zero length was detected.", "43617");
        var tokens = SqlLexer.Lex(sql);
        while (tokens.Count > 0 && tokens[^1].IsPunct(";")) tokens.RemoveAt(tokens.Count - 1);
        if (tokens.Count == 0) throw Db2SqlException.TokenNotValid("<END-OF-STATEMENT>", StatementStartTokens);
        if (tokens.Any(t => t.IsPunct(";"))) throw Db2SqlException.TokenNotValid(";", "<END-OF-STATEMENT>");
        var parms = DescribeParameters(tokens);
        string verb = tokens[0].Upper;
        if (verb is not ("SELECT" or "WITH" or "VALUES"))
        {
            cacheable = verb is not ("CALL" or "CREATE" or "DROP" or "ALTER");
            return (null, parms);
        }
        // Markers are bound to 0 only so LIMIT/OFFSET markers compile; nothing is executed.
        bool real = values is not null && values.Count == parms.Count;
        TranslatedSql tr;
        try
        {
            tr = SqlTranslator.Translate(this, tokens, real ? values! : Enumerable.Repeat<object?>(0L, parms.Count).ToArray());
        }
        catch (Db2SqlException) when (!real && parms.Count > 0)
        {
            // A table function evaluated with placeholder arguments; Db2 would describe it without running it.
            return (null, parms);
        }
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = tr.Sql;
        for (int i = 0; i < tr.ArgNames.Count; i++) cmd.Parameters.AddWithValue(tr.ArgNames[i], real ? tr.Args[i] ?? DBNull.Value : 0L);
        try
        {
            using var reader = cmd.ExecuteReader(System.Data.CommandBehavior.SchemaOnly);
            var sources = ResolveSources(tr, reader);
            var cols = sources.Select(s => new ColumnMeta(s.Name, s.Column?.Type ?? Db2Type.VarChar(1024), s.Name, s.Column?.Nullable ?? true)).ToList();
            cacheable = tr.TempTables.Count == 0;
            return (cols, parms);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw MapError(ex, tr);
        }
        finally
        {
            foreach (var t in tr.TempTables) { TempTables.TryRemove(t, out _); try { DbExec($"DROP TABLE IF EXISTS temp.\"{t}\""); } catch (Microsoft.Data.Sqlite.SqliteException) { } }
        }
    }

    /// <summary>Guesses each marker's type from the column it is compared with (Db2 derives it the same way).</summary>
    private List<ParameterMeta> DescribeParameters(List<SqlToken> t)
    {
        var list = new List<ParameterMeta>();
        var cat = Database.Catalog;
        var tables = new List<TableInfo>();
        for (int i = 0; i + 2 < t.Count; i++)
        {
            if (t[i].IsIdent && t[i + 1].IsPunct(".") && t[i + 2].IsIdent && cat.Find(t[i].Name, t[i + 2].Name) is { } ti) tables.Add(ti);
        }
        for (int i = 0; i < t.Count; i++)
        {
            if (t[i].Kind != SqlTokenKind.Param) continue;
            ColumnInfo? col = null;
            int k = i - 1;
            if (k >= 0 && t[k].Kind == SqlTokenKind.Punct && t[k].Text is "=" or "<" or ">" or "<=" or ">=" or "<>" or "!=") k--;
            else if (k >= 0 && (t[k].IsWord("LIKE") || t[k].IsPunct(","))) k--;
            else k = -1;
            if (k >= 0 && t[k].IsIdent)
            {
                string colName = t[k].Name;
                foreach (var ti in tables) { col = ti.Column(colName); if (col is not null) break; }
                col ??= cat.Tables.Where(x => x.Schema is not ("QSYS2" or "SYSIBM")).Select(x => x.Column(colName)).FirstOrDefault(c => c is not null);
            }
            list.Add(new ParameterMeta(col?.Type ?? Db2Type.VarChar(32739), "IN", col?.Name));
        }
        return list;
    }
}
