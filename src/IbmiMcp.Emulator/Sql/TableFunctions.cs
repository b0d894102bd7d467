using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

/// <summary>
/// IBM i table functions and live service views the emulator generates per call:
/// QSYS2.ACTIVE_JOB_INFO, USER_INFO_BASIC, OBJECT_STATISTICS, PARSE_STATEMENT, SYSTOOLS.RELATED_OBJECTS;
/// other service functions map onto their static QSYS2 tables (SYSTEM_STATUS → SYSTEM_STATUS_INFO, …).
/// </summary>
internal static class TableFunctions
{
    private static readonly Dictionary<string, string> StaticMap = new(StringComparer.OrdinalIgnoreCase)
    {
        ["QSYS2.SYSTEM_STATUS"] = "QSYS2.SYSTEM_STATUS_INFO",
        ["QSYS2.SYSTEM_ACTIVITY_INFO"] = "QSYS2.SYSTEM_ACTIVITY_INFO",
        ["QSYS2.MEMORY_POOL"] = "QSYS2.MEMORY_POOL_INFO",
        ["QSYS2.MEMORY_POOL_INFO"] = "QSYS2.MEMORY_POOL_INFO",
        ["QSYS2.SYSTEM_VALUE_INFO"] = "QSYS2.SYSTEM_VALUE_INFO",
        ["QSYS2.NETSTAT_INFO"] = "QSYS2.NETSTAT_INFO",
        ["QSYS2.LIBRARY_LIST_INFO"] = "QSYS2.LIBRARY_LIST_INFO",
    };

    private static readonly HashSet<string> Dynamic = new(StringComparer.OrdinalIgnoreCase)
    {
        "QSYS2.ACTIVE_JOB_INFO", "QSYS2.USER_INFO_BASIC", "QSYS2.OBJECT_STATISTICS", "QSYS2.PARSE_STATEMENT",
        "SYSTOOLS.RELATED_OBJECTS", "QSYS2.OBJECT_PRIVILEGES", "QSYS2.JOBLOG_INFO", "QSYS2.JOB_INFO", "QSYS2.USER_INFO",
    };

    /// <summary>The value of an argument taken from another table's column: the function runs for every value of it.</summary>
    public static readonly object Correlated = new();

    /// <summary>
    /// The result column an argument selects on, for arguments that may come from another table (see
    /// SqlTranslator.EmitFunction); null when the emulator cannot run the function that way.
    /// </summary>
    public static string? CorrelationColumn(string schema, string name, int position, string? argument) =>
        ((schema + "." + name).ToUpperInvariant(), argument?.ToUpperInvariant() ?? position switch
        {
            0 => "#0", 1 => "#1", 2 => "#2", _ => "#",
        }) switch
        {
            ("QSYS2.OBJECT_STATISTICS", "OBJECT_SCHEMA" or "#0") => "OBJLIB",
            ("QSYS2.OBJECT_STATISTICS", "OBJECT_NAME" or "#2") => "OBJNAME",
            ("QSYS2.OBJECT_PRIVILEGES", "SYSTEM_OBJECT_SCHEMA" or "#0") => "SYSTEM_OBJECT_SCHEMA",
            ("QSYS2.OBJECT_PRIVILEGES", "SYSTEM_OBJECT_NAME" or "#1") => "SYSTEM_OBJECT_NAME",
            ("QSYS2.OBJECT_PRIVILEGES", "OBJECT_TYPE" or "#2") => "OBJECT_TYPE",
            _ => null,
        };

    public static bool IsTableFunction(string schema, string name) =>
        StaticMap.ContainsKey(schema + "." + name) || Dynamic.Contains(schema + "." + name);

    /// <summary>Service views whose rows are live (jobs, users): bare references are materialized too.</summary>
    public static bool IsDynamicTable(string schema, string name) =>
        (schema + "." + name).Equals("QSYS2.ACTIVE_JOB_INFO", StringComparison.OrdinalIgnoreCase)
        || (schema + "." + name).Equals("QSYS2.USER_INFO_BASIC", StringComparison.OrdinalIgnoreCase)
        || (schema + "." + name).Equals("QSYS2.USER_INFO", StringComparison.OrdinalIgnoreCase);

    public static TableData Run(Db2Job job, string schema, string name, List<object?> pos, Dictionary<string, object?> named)
    {
        string key = (schema + "." + name).ToUpperInvariant();
        string? Arg(int i, string n) => named.TryGetValue(n, out var v) ? Text(v) : i < pos.Count ? Text(pos[i]) : null;
        switch (key)
        {
            case "QSYS2.ACTIVE_JOB_INFO": return ActiveJobs.Build(job, Arg(1, "SUBSYSTEM_LIST_FILTER"), Arg(2, "CURRENT_USER_LIST_FILTER"), Arg(4, "JOB_NAME_FILTER"));
            case "QSYS2.USER_INFO_BASIC" or "QSYS2.USER_INFO": return UserProfiles.Build(job);
            case "QSYS2.OBJECT_STATISTICS":
                return IsCorrelated(named, pos, 0, "OBJECT_SCHEMA")
                    ? ObjectStatisticsEverywhere(job, Arg(1, "OBJTYPELIST") ?? "*ALL", Arg(2, "OBJECT_NAME"))
                    : ObjectStatistics(job, Arg(0, "OBJECT_SCHEMA") ?? "*ALLUSR", Arg(1, "OBJTYPELIST") ?? "*ALL", Arg(2, "OBJECT_NAME"));
            case "QSYS2.PARSE_STATEMENT": return ParseStatement(job, Arg(0, "SQL_STATEMENT") ?? "");
            case "SYSTOOLS.RELATED_OBJECTS": return RelatedObjects(job, Arg(0, "LIBRARY_NAME") ?? "", Arg(1, "FILE_NAME") ?? "");
            case "QSYS2.OBJECT_PRIVILEGES": return ObjectPrivileges(job, Arg(0, "SYSTEM_OBJECT_SCHEMA"), Arg(1, "SYSTEM_OBJECT_NAME"), Arg(2, "OBJECT_TYPE"));
            case "QSYS2.JOBLOG_INFO": return JobLog.AsTable(job);
            case "QSYS2.JOB_INFO": return ActiveJobs.Build(job, null, null, null);
        }
        if (StaticMap.TryGetValue(key, out var target)) return TableData.Static(target);
        var cat = job.Database.Catalog;
        if (cat.Find(schema, name) is not null) return TableData.Static($"\"{schema}\".\"{name}\"");
        if (cat.Find(schema, name + "_INFO") is not null) return TableData.Static($"\"{schema}\".\"{name}_INFO\"");
        throw new Db2SqlException($"[SQL0204] {name} in {schema} type *N not found.", "42704", -204);
    }

    private static bool IsCorrelated(Dictionary<string, object?> named, List<object?> pos, int index, string name) =>
        ReferenceEquals(named.TryGetValue(name, out var v) ? v : index < pos.Count ? pos[index] : null, Correlated);

    internal static string? Text(object? v) => v switch
    {
        null => null,
        _ when ReferenceEquals(v, Correlated) => null,
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    };

    private static readonly (string, string)[] ObjectStatisticsColumns =
    [
        ("OBJNAME", "VARCHAR(10)"), ("OBJTYPE", "VARCHAR(8)"), ("OBJOWNER", "VARCHAR(10)"), ("OBJDEFINER", "VARCHAR(10)"),
        ("OBJCREATED", "TIMESTAMP"), ("OBJSIZE", "DECIMAL(15, 0)"), ("OBJTEXT", "VARCHAR(50)"), ("OBJLONGNAME", "VARCHAR(128)"),
        ("LAST_USED_TIMESTAMP", "TIMESTAMP"), ("DAYS_USED_COUNT", "INTEGER"), ("LAST_RESET_TIMESTAMP", "TIMESTAMP"),
        ("IASP_NUMBER", "SMALLINT"), ("OBJATTRIBUTE", "VARCHAR(10)"), ("OBJLONGSCHEMA", "VARCHAR(128)"), ("TEXT", "VARCHAR(50)"),
        ("SQL_OBJECT_TYPE", "VARCHAR(9)"), ("OBJLIB", "VARCHAR(10)"), ("CHANGE_TIMESTAMP", "TIMESTAMP"), ("LAST_USED_OBJECT", "VARCHAR(3)"),
        ("OBJECT_AUDIT", "VARCHAR(10)"),
    ];

    /// <summary>OBJECT_STATISTICS for every library at once (its library argument comes from another table).</summary>
    private static TableData ObjectStatisticsEverywhere(Db2Job job, string types, string? objName)
    {
        var rows = new List<object?[]>();
        rows.AddRange(ObjectStatistics(job, "*ALL", types, objName).Rows);
        var list = types.ToUpperInvariant().Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        // QSYS holds the libraries and the commands; its files are the system's, not the emulator's.
        if (list.Contains("*ALL") || list.Contains("*LIB"))
            rows.AddRange(ObjectStatistics(job, "QSYS", "*LIB", objName).Rows);
        if (list.Contains("*ALL") || list.Contains("*CMD"))
            rows.AddRange(ObjectStatistics(job, "QSYS", "*CMD", objName).Rows);
        return new TableData { Columns = ObjectStatisticsColumns, Rows = rows };
    }

    /// <summary>Days since a file was last used (null: never used since the counts were reset), the same on every run.</summary>
    private static int? DaysSinceUse(string schema, string name) => (schema + "." + name).ToUpperInvariant() switch
    {
        "SAMPLE.EMPLOYEE" or "SAMPLE.DEPARTMENT" => 0,
        "SAMPLE.PROJECT" => 45,
        "SAMPLE.ACT" => 200,
        "SAMPLE.PROJACT" => 500,
        "SAMPLE.EMPPROJACT" => null,
        _ => (StableHash(name) % 4) switch { 0 => 0, 1 => 20, 2 => 120, _ => 400 },
    };

    private static int StableHash(string text)
    {
        var h = 17;
        foreach (var ch in text) h = unchecked(h * 31 + ch);
        return h & 0x7fffffff;
    }

    private static TableData ObjectStatistics(Db2Job job, string schemaArg, string types, string? objName)
    {
        var cat = job.Database.Catalog;
        string created = job.Database.Created.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        var rows = new List<object?[]>();
        var typeList = types.ToUpperInvariant().Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        bool all = typeList.Contains("*ALL");
        string sch = schemaArg.ToUpperInvariant();
        if (sch == "QSYS" && (all || typeList.Contains("*LIB")))
        {
            foreach (var s in cat.Schemas)
            {
                if (objName is not null && objName != "*ALL" && !s.Equals(objName, StringComparison.OrdinalIgnoreCase)) continue;
                rows.Add([s, "*LIB", "QSYS", "QSYS", created, 1048576m * (1 + cat.Tables.Count(t => t.Schema == s)), null, s, created, 12, null, 1, "PROD", "QSYS", null, "SCHEMA", "QSYS", created, "YES", "*NONE"]);
            }
            return new TableData { Columns = ObjectStatisticsColumns, Rows = rows };
        }
        if (sch == "QSYS" && typeList.Contains("*CMD"))
        {
            foreach (var (cmdName, _, audit) in Seed.SystemObjects.Commands)
            {
                if (objName is not null && objName != "*ALL" && !cmdName.Equals(objName, StringComparison.OrdinalIgnoreCase)) continue;
                rows.Add([cmdName, "*CMD", "QSYS", "QSYS", created, 20480m, null, cmdName, created, 30, null, 1, null, "QSYS", null, null, "QSYS", created, "YES", audit]);
            }
            return new TableData { Columns = ObjectStatisticsColumns, Rows = rows };
        }
        if (!all && !typeList.Contains("*FILE")) return new TableData { Columns = ObjectStatisticsColumns, Rows = rows };
        IEnumerable<TableInfo> tables = cat.Tables;
        if (sch is "*ALLUSR" or "*ALLUSRAVL") tables = tables.Where(t => t.Schema is not ("QSYS2" or "SYSIBM" or "SYSTOOLS"));
        else if (sch is not ("*ALL" or "*LIBL" or "*USRLIBL"))
        {
            if (!cat.Schemas.Contains(sch, StringComparer.OrdinalIgnoreCase))
                throw Db2SqlException.NotFound(sch, "QSYS", "*LIB");
            tables = tables.Where(t => t.Schema.Equals(sch, StringComparison.OrdinalIgnoreCase));
        }
        if (objName is not null && objName != "*ALL") tables = tables.Where(t => t.Name.Equals(objName, StringComparison.OrdinalIgnoreCase));
        // Files were created when the system was installed, three years before the emulator started; how recently each
        // was used differs, so the object-usage tools (least recently used, stale objects) find something to report.
        var installed = job.Database.Created.AddYears(-3);
        string installedText = installed.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        foreach (var t in tables)
        {
            long size = 65536 + t.Rows * Math.Max(1, t.Columns.Sum(c => c.Type.CatalogLength));
            var daysAgo = DaysSinceUse(t.Schema, t.Name);
            object? lastUsed = daysAgo is { } d ? job.Database.Created.AddDays(-d).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) : null;
            var daysUsed = daysAgo is null ? 0 : 1000 - Math.Min(daysAgo.Value, 999);
            rows.Add([
                t.Name.Length <= 10 ? t.Name : t.Name[..5] + "00001", "*FILE", "QSECOFR", "QSECOFR", installedText, (decimal)size, t.Text, t.Name,
                lastUsed, daysUsed, null, 1, t.Kind == 'V' ? "LF" : "PF", t.Schema, t.Text, t.Kind == 'V' ? "VIEW" : "TABLE", t.Schema, installedText, "YES", "*NONE",
            ]);
        }
        return new TableData { Columns = ObjectStatisticsColumns, Rows = rows };
    }

    private static readonly (string, string)[] ParseColumns =
    [
        ("NAME_TYPE", "VARCHAR(9)"), ("NAME", "VARCHAR(128)"), ("SCHEMA", "VARCHAR(128)"), ("RDB", "VARCHAR(18)"),
        ("COLUMN_NAME", "VARCHAR(128)"), ("USAGE_TYPE", "VARCHAR(10)"), ("NAME_START_POSITION", "INTEGER"), ("SQL_STATEMENT_TYPE", "VARCHAR(24)"),
    ];

    /// <summary>Syntax-checks a statement (without running it) and lists the objects it names; no rows when it does not parse.</summary>
    private static TableData ParseStatement(Db2Job job, string sql)
    {
        var rows = new List<object?[]>();
        var data = new TableData { Columns = ParseColumns, Rows = rows };
        List<SqlToken> tokens;
        try { tokens = SqlLexer.Lex(sql); } catch { return data; }
        while (tokens.Count > 0 && tokens[^1].IsPunct(";")) tokens.RemoveAt(tokens.Count - 1);
        if (tokens.Count == 0 || tokens[0].Kind != SqlTokenKind.Word || tokens.Any(t => t.IsPunct(";"))) return data;
        string verb = tokens[0].Upper;
        string type = verb switch
        {
            "SELECT" or "WITH" or "VALUES" => "QUERY",
            "INSERT" or "UPDATE" or "DELETE" or "MERGE" or "CALL" or "CREATE" or "DROP" or "ALTER" or "COMMENT" or "LABEL" or "GRANT"
                or "REVOKE" or "RENAME" or "TRUNCATE" or "SET" or "COMMIT" or "ROLLBACK" or "LOCK" or "REFRESH" or "DECLARE" => verb,
            _ => "",
        };
        if (type.Length == 0) return data;
        if (type is "QUERY" or "INSERT" or "UPDATE" or "DELETE")
        {
            // Let the engine's parser decide validity: syntax errors mean "no rows", unknown objects are fine.
            try
            {
                var tr = SqlTranslator.Translate(job, tokens, new object?[tokens.Count(t => t.Kind == SqlTokenKind.Param)]);
                using (var cmd = job.Connection.CreateCommand())
                {
                    cmd.CommandText = "EXPLAIN " + tr.Sql;
                    foreach (var n in tr.ArgNames) cmd.Parameters.AddWithValue(n, DBNull.Value);
                    try { cmd.ExecuteNonQuery(); }
                    catch (Microsoft.Data.Sqlite.SqliteException ex) when (ex.Message.Contains("syntax error", StringComparison.Ordinal) || ex.Message.Contains("incomplete input", StringComparison.Ordinal))
                    {
                        return data;
                    }
                    catch (Microsoft.Data.Sqlite.SqliteException) { }
                }
                foreach (var t in tr.TempTables) { try { job.DbExec($"DROP TABLE IF EXISTS temp.\"{t}\""); } catch { } job.TempTables.TryRemove(t, out _); }
            }
            catch (Db2SqlException ex) when (ex.SqlCode == -104) { return data; }
            catch (Db2SqlException) { }
        }
        int pos = 0;
        for (int i = 0; i < tokens.Count; i++)
        {
            var tk = tokens[i];
            bool tableCtx = i > 0 && (tokens[i - 1].IsWord("FROM") || tokens[i - 1].IsWord("JOIN") || tokens[i - 1].IsWord("INTO")
                || (tokens[i - 1].IsWord("UPDATE") && i == 1) || tokens[i - 1].IsWord("TABLE")
                || (tokens[i - 1].IsPunct(",") && InFromClause(tokens, i)));
            if (!tk.IsIdent) continue;
            string? schema = null;
            string name = tk.Name;
            int last = i;
            if (i + 2 < tokens.Count && tokens[i + 1].IsPunct(".") && tokens[i + 2].IsIdent)
            {
                schema = tk.Name;
                name = tokens[i + 2].Name;
                last = i + 2;
            }
            bool isCall = last + 1 < tokens.Count && tokens[last + 1].IsPunct("(");
            pos = sql.IndexOf(tk.Text, pos, StringComparison.Ordinal);
            if (isCall && schema is not null)
                rows.Add(["FUNCTION", name, schema, null, null, "QUERY", pos + 1, type]);
            else if (tableCtx && !tk.IsWord("TABLE") && !tk.IsWord("LATERAL") && !tk.IsPunct("("))
                rows.Add(["TABLE", name, schema, null, null, verb is "INSERT" or "UPDATE" or "DELETE" && i <= 3 ? "TARGET" : "QUERY", pos + 1, type]);
            if (pos < 0) pos = 0; else pos += tk.Text.Length;
            i = last;
        }
        if (rows.Count == 0) rows.Add([null, null, null, null, null, null, null, type]);
        return data;
    }

    private static bool InFromClause(List<SqlToken> t, int i)
    {
        for (int k = i - 1; k >= 0; k--)
        {
            if (t[k].IsWord("FROM")) return true;
            if (t[k].IsWord("SELECT") || t[k].IsWord("WHERE") || t[k].IsWord("GROUP") || t[k].IsWord("ORDER")) return false;
        }
        return false;
    }

    private static readonly (string, string)[] RelatedColumns =
    [
        ("SOURCE_SCHEMA_NAME", "VARCHAR(128)"), ("SOURCE_SQL_NAME", "VARCHAR(128)"), ("SQL_OBJECT_TYPE", "VARCHAR(24)"),
        ("SCHEMA_NAME", "VARCHAR(128)"), ("SQL_NAME", "VARCHAR(128)"), ("LIBRARY_NAME", "VARCHAR(10)"), ("SYSTEM_NAME", "VARCHAR(10)"),
        ("OBJECT_OWNER", "VARCHAR(10)"), ("LONG_COMMENT", "VARCHAR(2000)"), ("OBJECT_TEXT", "VARCHAR(50)"), ("LAST_ALTERED", "TIMESTAMP"),
    ];

    private static TableData RelatedObjects(Db2Job job, string lib, string file)
    {
        var cat = job.Database.Catalog;
        var table = cat.Find(lib, file) ?? throw Db2SqlException.NotFound(file.ToUpperInvariant(), lib.ToUpperInvariant());
        string when = job.Database.Created.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        var rows = new List<object?[]>();
        foreach (var ix in cat.Indexes.Where(x => x.Schema == table.Schema && x.Table.Equals(table.Name, StringComparison.OrdinalIgnoreCase)))
            rows.Add([table.Schema, table.Name, "INDEX", ix.Schema, ix.Name, ix.Schema, ix.Name.Length <= 10 ? ix.Name : ix.Name[..5] + "00001", "QSECOFR", null, null, when]);
        foreach (var v in cat.Tables.Where(t => t.Kind == 'V' && t.Sql is not null && t.Schema == table.Schema))
        {
            var toks = SqlLexer.Lex(v.Sql!);
            if (toks.Skip(3).Any(tk => tk.IsIdent && tk.Name.Equals(table.Name, StringComparison.OrdinalIgnoreCase)))
                rows.Add([table.Schema, table.Name, "VIEW", v.Schema, v.Name, v.Schema, v.Name.Length <= 10 ? v.Name : v.Name[..5] + "00001", "QSECOFR", null, v.Text, when]);
        }
        return new TableData { Columns = RelatedColumns, Rows = rows };
    }

    private static TableData ObjectPrivileges(Db2Job job, string? schema, string? name, string? type)
    {
        var table = job.Database.Catalog.Find("QSYS2", "OBJECT_PRIVILEGES")!;
        var cols = table.Columns.Select(c => (c.Name, c.Type.Ddl)).ToArray();
        var rows = new List<object?[]>();
        using var cmd = job.Connection.CreateCommand();
        cmd.CommandText = "SELECT * FROM QSYS2.OBJECT_PRIVILEGES WHERE ($s IS NULL OR SYSTEM_OBJECT_SCHEMA = upper($s)) AND ($n IS NULL OR $n = '*ALL' OR SYSTEM_OBJECT_NAME = upper($n))"
            + " AND ($t IS NULL OR OBJECT_TYPE = upper($t))";
        cmd.Parameters.AddWithValue("$s", (object?)schema ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$n", (object?)name ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$t", (object?)type ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var row = new object?[r.FieldCount];
            r.GetValues(row!);
            for (int i = 0; i < row.Length; i++) if (row[i] is DBNull) row[i] = null;
            rows.Add(row);
        }
        return new TableData { Columns = cols, Rows = rows };
    }
}
