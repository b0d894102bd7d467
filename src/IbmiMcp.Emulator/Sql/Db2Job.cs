using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace IbmiMcp.Emulator.Sql;

/// <summary>
/// One QZDASOINIT database job: a SQLite connection with all schemas attached, the signed-on profile, special
/// registers and per-job temp tables. Work on the connection is serialized by <see cref="Gate"/> (JTOpen does the same).
/// </summary>
internal sealed partial class Db2Job : IDisposable
{
    /// <summary>EMU_TRACE_SQL=1: print each statement as SQLite runs it (README: finding out why a statement behaves as it does).</summary>
    private static readonly bool s_traceSql = Environment.GetEnvironmentVariable("EMU_TRACE_SQL") == "1";

    private readonly SqliteConnection _conn;
    private readonly Dictionary<string, ColumnSource[]> _sourceCache = new(StringComparer.Ordinal);
    private int _tempCounter;
    private string? _deniedObject;

    public Db2Job(EmulatorDatabase db, JobRegistry registry, int number, string user, string application, string props, string clientIp)
    {
        Database = db;
        Registry = registry;
        Number = number;
        User = user.ToUpperInvariant();
        JobName = $"{number:D6}/QUSER/QZDASOINIT";
        Props = props;
        ClientIp = clientIp;
        Started = DateTimeOffset.Now;
        CurrentSchema = User;
        Registers.ApplName = application;
        Registers.UserId = User;
        Registers.WrkstnName = clientIp;
        Registers.ProgramId = "Mapepire server connector | Version " + registry.Version;
        Registers.Acctng = "hostname: " + clientIp;
        ApplyProps(props);
        _conn = db.Open();
        RegisterFunctions();
        raw.sqlite3_set_authorizer(_conn.Handle, Authorize, null);
    }

    public EmulatorDatabase Database { get; }
    public JobRegistry Registry { get; }
    public int Number { get; }
    public string User { get; }
    public string JobName { get; }
    public string Props { get; }
    public string ClientIp { get; }
    public DateTimeOffset Started { get; }
    public ClientRegisters Registers { get; } = new();
    public SemaphoreSlim Gate { get; } = new(1, 1);
    public string CurrentSchema { get; set; }
    public string DateFormat { get; private set; } = "MDY";
    public char DateSeparator { get; private set; } = '/';
    public string TimeFormat { get; private set; } = "HMS";
    public char TimeSeparator { get; private set; } = ':';
    public long StatementCount;
    public long CpuMillis;
    public string? LastStatement { get; private set; }
    public SqliteConnection Connection => _conn;

    /// <summary>Set by a user-defined function just before it fails, so the Db2 error survives SQLite's wrapping.</summary>
    public Db2SqlException? PendingError { get; set; }

    /// <summary>Temp tables materialized for table functions, by name, so result columns keep their Db2 types.</summary>
    public ConcurrentDictionary<string, TableInfo> TempTables { get; } = new(StringComparer.OrdinalIgnoreCase);

    private void ApplyProps(string props)
    {
        foreach (var pair in props.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) continue;
            string key = pair[..eq].Trim().ToLowerInvariant();
            string val = pair[(eq + 1)..].Trim();
            switch (key)
            {
                case "date format": DateFormat = val.ToUpperInvariant(); DateSeparator = DefaultDateSep(DateFormat); break;
                case "date separator": DateSeparator = SeparatorChar(val, DateSeparator); break;
                case "time format": TimeFormat = val.ToUpperInvariant(); TimeSeparator = TimeFormat is "ISO" or "EUR" or "USA" ? '.' : ':'; break;
                case "time separator": TimeSeparator = SeparatorChar(val, TimeSeparator); break;
                case "libraries":
                    var first = val.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => l != "*LIBL");
                    if (first is not null) CurrentSchema = first.ToUpperInvariant();
                    break;
                case "applicationname": Registers.ApplName = val; break;
                case "clientprogramid": Registers.ProgramId = val; break;
                case "clientuser": Registers.UserId = val; break;
                case "clientaccounting": Registers.Acctng = val; break;
                case "clienthostname": Registers.WrkstnName = val; break;
            }
        }
        if (TimeFormat == "ISO") TimeSeparator = '.';
    }

    private static char DefaultDateSep(string f) => f switch { "ISO" or "JIS" => '-', "EUR" => '.', "USA" => '/', _ => '/' };

    private static char SeparatorChar(string v, char dflt) => v.ToLowerInvariant() switch
    {
        "/" or "slash" => '/',
        "-" or "dash" => '-',
        "." or "period" => '.',
        "," or "comma" => ',',
        "b" or "space" or " " => ' ',
        ":" or "colon" => ':',
        _ => dflt,
    };

    public string FormatDate(string iso)
    {
        if (iso.Length < 10 || iso[4] != '-') return iso;
        string y = iso[..4], m = iso.Substring(5, 2), d = iso.Substring(8, 2);
        char s = DateSeparator;
        return DateFormat switch
        {
            "ISO" => $"{y}-{m}-{d}",
            "USA" => $"{m}/{d}/{y}",
            "EUR" => $"{d}.{m}.{y}",
            "JIS" => $"{y}-{m}-{d}",
            "DMY" => $"{d}{s}{m}{s}{y[2..]}",
            "YMD" => $"{y[2..]}{s}{m}{s}{d}",
            "JUL" or "JULIAN" => DateTime.TryParseExact(iso[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt) ? $"{y[2..]}{s}{dt.DayOfYear:D3}" : iso,
            _ => $"{m}{s}{d}{s}{y[2..]}",
        };
    }

    public string FormatTime(string t)
    {
        if (t.Length < 8) return t;
        string hh = t[..2], mm = t.Substring(3, 2), ss = t.Substring(6, 2);
        if (TimeFormat == "USA")
        {
            int h = int.Parse(hh, CultureInfo.InvariantCulture);
            return $"{(h % 12 == 0 ? 12 : h % 12):D2}:{mm} {(h < 12 ? "AM" : "PM")}";
        }
        char s = TimeSeparator;
        return $"{hh}{s}{mm}{s}{ss}";
    }

    /// <summary>Db2 writes timestamps as yyyy-MM-dd HH:mm:ss.ffffff over JDBC; accept Db2's dashed/dotted form too.</summary>
    public static string NormalizeTimestamp(string v)
    {
        if (v.Length >= 19 && v[10] == '-' && v[13] == '.')
            v = v[..10] + " " + v.Substring(11, 2) + ":" + v.Substring(14, 2) + ":" + v.Substring(17, 2) + v[19..];
        if (v.Length == 10) v += " 00:00:00";
        if (v.Length == 19) return v + ".000000";
        if (v.Length > 20 && v.Length < 26 && v[19] == '.') return v.PadRight(26, '0');
        return v;
    }

    public static string Now() => DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private int Authorize(object userData, int action, utf8z p0, utf8z p1, utf8z dbName, utf8z view)
    {
        // 20 READ, 18 INSERT, 23 UPDATE, 9 DELETE: p0 is the table; dbName the attached schema.
        if (action is 20 or 18 or 23 or 9)
        {
            string table = p0.utf8_to_string() ?? "";
            string schema = dbName.utf8_to_string() ?? "";
            if (!Database.IsAuthorized(schema, table, User))
            {
                _deniedObject = schema.ToUpperInvariant() + "." + table.ToUpperInvariant();
                return 1; // SQLITE_DENY
            }
        }
        return 0;
    }

    /// <summary>Runs a statement with positional parameters (already decoded from JSON). Caller holds <see cref="Gate"/>.</summary>
    public StatementResult Execute(string sql, IReadOnlyList<object?>? args, bool prepared)
    {
        Interlocked.Increment(ref StatementCount);
        LastStatement = sql;
        Registry.Record(this, sql);
        if (string.IsNullOrWhiteSpace(sql))
            throw Db2SqlException.Jtopen("A string parameter value with zero length was detected.", "43617");
        var tokens = SqlLexer.Lex(sql);
        while (tokens.Count > 0 && tokens[^1].IsPunct(";")) tokens.RemoveAt(tokens.Count - 1);
        if (tokens.Count == 0) throw Db2SqlException.TokenNotValid("<END-OF-STATEMENT>", StatementStartTokens);
        // One statement per request, as over JDBC; SQLite would otherwise run everything after a ';'.
        if (tokens.Any(t => t.IsPunct(";"))) throw Db2SqlException.TokenNotValid(";", "<END-OF-STATEMENT>");
        int markers = tokens.Count(t => t.Kind == SqlTokenKind.Param);
        args ??= [];
        if (prepared)
        {
            if (args.Count > markers) throw Db2SqlException.Jtopen($"Descriptor index not valid. ({args.Count}>{markers})", "07009");
            if (args.Count < markers) throw Db2SqlException.Jtopen("The number of parameter values set or registered does not match the number of parameters.", "07001");
        }
        else if (markers > 0)
        {
            throw new Db2SqlException("[SQL0313] Number of host variables not valid.", "07001", -313);
        }

        string verb = tokens[0].Upper;
        if (!Db2Verbs.Contains(verb) || tokens[0].Kind != SqlTokenKind.Word)
        {
            // SQLite-only statements (ATTACH, PRAGMA, VACUUM, ...) do not exist on Db2 and must not reach the engine.
            if (tokens[0].Kind is SqlTokenKind.Word or SqlTokenKind.Number) throw Db2SqlException.TokenNotValid(tokens[0].Upper, StatementStartTokens);
            if (!tokens[0].IsPunct("(")) throw Db2SqlException.TokenNotValid(tokens[0].Text, StatementStartTokens);
        }
        switch (verb)
        {
            case "CALL": return Procedures.Call(this, tokens, args);
            case "SET": return SetStatement(tokens, args);
            case "COMMIT" or "ROLLBACK":
                if (!_conn.AutoCommitActive()) DbExec(verb);
                return new StatementResult { UpdateCount = 0 };
            case "REFRESH" or "DECLARE" or "LOCK" or "GRANT" or "REVOKE":
                return new StatementResult { UpdateCount = 0 };
            case "LABEL" or "COMMENT":
                return LabelOn(tokens);
        }
        if (verb == "CREATE" && tokens.Count > 1 && (tokens[1].IsWord("SCHEMA") || tokens[1].IsWord("COLLECTION")))
            return CreateSchema(tokens);
        if (verb == "DROP" && tokens.Count > 1 && (tokens[1].IsWord("SCHEMA") || tokens[1].IsWord("COLLECTION")))
            return DropSchema(tokens);

        var tr = SqlTranslator.Translate(this, tokens, args);
        if (s_traceSql) Console.Error.WriteLine("SQL> " + tr.Sql);
        return RunTranslated(tr, verb);
    }

    internal StatementResult RunTranslated(TranslatedSql tr, string verb)
    {
        bool isDdl = verb is "CREATE" or "DROP" or "ALTER" or "RENAME" or "TRUNCATE";
        var cmd = _conn.CreateCommand();
        SqliteDataReader? reader = null;
        try
        {
            cmd.CommandText = tr.Sql;
            // DDL waits on SQLite's schema lock while this job has open cursors; fail like a Db2 lock timeout instead of hanging.
            if (isDdl) cmd.CommandTimeout = 5;
            for (int i = 0; i < tr.Args.Count; i++) cmd.Parameters.AddWithValue(tr.ArgNames[i], tr.Args[i] ?? DBNull.Value);
            _deniedObject = null;
            PendingError = null;
            reader = cmd.ExecuteReader();
            if (reader.FieldCount > 0)
            {
                var sources = ResolveSources(tr, reader);
                var temps = tr.TempTables;
                return new StatementResult { Cursor = new SqliteCursor(this, cmd, reader, sources, temps.Count == 0 ? null : () => DropTemps(temps)) };
            }
            long count = reader.RecordsAffected;
            reader.Dispose();
            cmd.Dispose();
            DropTemps(tr.TempTables);
            if (isDdl)
            {
                Database.RefreshCatalog();
                return new StatementResult { UpdateCount = 0 };
            }
            return new StatementResult { UpdateCount = Math.Max(count, 0) };
        }
        catch (SqliteException ex)
        {
            reader?.Dispose();
            cmd.Dispose();
            DropTemps(tr.TempTables);
            throw MapError(ex, tr);
        }
    }

    private void DropTemps(List<string> temps)
    {
        foreach (var t in temps)
        {
            TempTables.TryRemove(t, out _);
            try { DbExec($"DROP TABLE IF EXISTS temp.\"{t}\""); } catch (SqliteException) { }
        }
    }

    internal void DbExec(string sql)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private ColumnSource[] ResolveSources(TranslatedSql tr, SqliteDataReader reader)
    {
        if (_sourceCache.TryGetValue(tr.Sql, out var cached) && cached.Length == reader.FieldCount && tr.TempTables.Count == 0) return cached;
        var result = new ColumnSource[reader.FieldCount];
        var schema = reader.GetSchemaTable();
        var cat = Database.Catalog;
        for (int i = 0; i < result.Length; i++)
        {
            string name = reader.GetName(i);
            string? baseTable = schema.Rows[i]["BaseTableName"] as string;
            string? baseCol = schema.Rows[i]["BaseColumnName"] as string;
            ColumnInfo? col = null;
            if (!string.IsNullOrEmpty(baseTable) && !string.IsNullOrEmpty(baseCol))
            {
                TableInfo? t = TempTables.GetValueOrDefault(baseTable) ?? PreferredTable(cat, baseTable, tr);
                col = t?.Column(baseCol);
            }
            else if (tr.TableFunctionColumns.Count > 0)
            {
                tr.TableFunctionColumns.TryGetValue(string.IsNullOrEmpty(baseCol) ? name : baseCol, out col);
            }
            if (col is null && tr.SelectTypes is { } types && types.Count == result.Length && types[i] is { } synthetic)
                col = synthetic;
            string outName;
            if (tr.IsValues) outName = (i + 1).ToString("D5", CultureInfo.InvariantCulture);
            else if (col is not null && col.Ordinal > 0 && name.Equals(baseCol, StringComparison.OrdinalIgnoreCase)) outName = col.Name;
            else if (IsPlainIdentifier(name)) outName = tr.QuotedNames.Contains(name) ? name : name.ToUpperInvariant();
            else outName = (i + 1).ToString("D5", CultureInfo.InvariantCulture);
            result[i] = new ColumnSource(outName, col);
        }
        if (tr.TempTables.Count == 0)
        {
            if (_sourceCache.Count > 512) _sourceCache.Clear();
            _sourceCache[tr.Sql] = result;
        }
        return result;
    }

    private static TableInfo? PreferredTable(CatalogSnapshot cat, string table, TranslatedSql tr)
    {
        if (!cat.ByName.TryGetValue(table, out var list) || list.Count == 0) return null;
        if (list.Count == 1) return list[0];
        foreach (var t in list) if (tr.Schemas.Contains(t.Schema)) return t;
        return list[0];
    }

    private static bool IsPlainIdentifier(string s)
    {
        if (s.Length == 0 || !(char.IsLetter(s[0]) || s[0] is '_' or '#' or '$')) return false;
        foreach (char c in s) if (!(char.IsLetterOrDigit(c) || c is '_' or '#' or '$' or '@')) return false;
        return true;
    }

    private static readonly HashSet<string> Db2Verbs = new(StringComparer.Ordinal)
    {
        "SELECT", "WITH", "VALUES", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "CALL", "SET", "COMMIT", "ROLLBACK",
        "LABEL", "COMMENT", "REFRESH", "DECLARE", "LOCK", "GRANT", "REVOKE", "SAVEPOINT", "RELEASE", "TRUNCATE", "RENAME",
    };

    public const string StatementStartTokens = "( CL END GET SET TAG CALL DROP FREE HOLD LOCK OPEN WITH ALTER";

    /// <summary>Maps SQLite's error text to the Db2 for i message, SQLSTATE and SQLCODE a real system would return.</summary>
    internal Exception MapError(SqliteException ex, TranslatedSql? tr)
    {
        if (PendingError is { } pending)
        {
            PendingError = null;
            return pending;
        }
        string m = ex.Message;
        int q1 = m.IndexOf('\'');
        string detail = q1 >= 0 && m.EndsWith("'.", StringComparison.Ordinal) ? m[(q1 + 1)..^2] : m;
        if (ex.SqliteErrorCode == 23 || detail.Contains("prohibited", StringComparison.Ordinal) || detail.StartsWith("not authorized", StringComparison.Ordinal))
        {
            var parts = (_deniedObject ?? "*N.*N").Split('.');
            return Db2SqlException.NotAuthorized(parts[1], parts[0]);
        }
        if (detail.StartsWith("no such table: ", StringComparison.Ordinal))
        {
            string name = detail["no such table: ".Length..];
            int dot = name.IndexOf('.');
            string schema = dot > 0 ? name[..dot].ToUpperInvariant() : CurrentSchema;
            string table = (dot > 0 ? name[(dot + 1)..] : name).ToUpperInvariant();
            if (dot > 0 && !Database.SchemaExists(schema)) return Db2SqlException.NotFound(table, schema);
            return Db2SqlException.NotFound(table, schema);
        }
        if (detail.StartsWith("no such column: ", StringComparison.Ordinal))
        {
            string name = detail["no such column: ".Length..];
            int dot = name.LastIndexOf('.');
            return Db2SqlException.ColumnNotFound((dot >= 0 ? name[(dot + 1)..] : name).ToUpperInvariant());
        }
        if (detail.StartsWith("no such function: ", StringComparison.Ordinal))
        {
            string f = detail["no such function: ".Length..].ToUpperInvariant();
            if (f.StartsWith("EMU_", StringComparison.Ordinal)) f = f[4..];
            return new Db2SqlException($"[SQL0204] {f} in *LIBL type *N not found.", "42704", -204);
        }
        if (detail.StartsWith("near \"", StringComparison.Ordinal))
        {
            int end = detail.IndexOf('"', 6);
            string tok = end > 6 ? detail[6..end] : detail;
            if (tok.StartsWith("@p", StringComparison.Ordinal)) tok = "?";
            else if (tok.StartsWith("EMU_", StringComparison.OrdinalIgnoreCase)) tok = tok[4..];
            bool first = tr is not null && tr.Sql.TrimStart().StartsWith(tok, StringComparison.Ordinal);
            return Db2SqlException.TokenNotValid(tok.ToUpperInvariant(), first ? StatementStartTokens : "<END-OF-STATEMENT>");
        }
        if (detail.StartsWith("unrecognized token: \"'", StringComparison.Ordinal))
        {
            string lit = detail[21..].TrimEnd('"');
            return new Db2SqlException($"[SQL0010] String constant beginning {lit} not delimited.", "42603", -10);
        }
        if (detail.StartsWith("unrecognized token: ", StringComparison.Ordinal))
            return Db2SqlException.TokenNotValid(detail[20..].Trim('"'), "<END-OF-STATEMENT>");
        if (detail == "incomplete input")
            return Db2SqlException.TokenNotValid("<END-OF-STATEMENT>", "<IDENTIFIER>");
        if (detail.StartsWith("ambiguous column name: ", StringComparison.Ordinal))
            return new Db2SqlException($"[SQL0203] Name {detail[23..].ToUpperInvariant()} is ambiguous.", "42702", -203);
        if (detail.StartsWith("UNIQUE constraint failed", StringComparison.Ordinal) || detail.StartsWith("PRIMARY KEY", StringComparison.Ordinal))
        {
            string tbl = detail.Contains(": ", StringComparison.Ordinal) ? detail[(detail.IndexOf(": ", StringComparison.Ordinal) + 2)..].Split('.')[0].ToUpperInvariant() : "*N";
            return new Db2SqlException($"[SQL0803] Duplicate key value specified.", "23505", -803) { Data = { ["table"] = tbl } };
        }
        if (detail.StartsWith("NOT NULL constraint failed: ", StringComparison.Ordinal))
        {
            string col = detail[28..];
            int dot = col.LastIndexOf('.');
            return new Db2SqlException($"[SQL0407] Null values not allowed in column or variable {(dot >= 0 ? col[(dot + 1)..] : col).ToUpperInvariant()}.", "23502", -407);
        }
        if (detail.StartsWith("CHECK constraint failed", StringComparison.Ordinal))
            return new Db2SqlException("[SQL0545] INSERT, UPDATE, or MERGE not allowed by CHECK constraint.", "23513", -545);
        if (detail.StartsWith("table ", StringComparison.Ordinal) && detail.EndsWith(" already exists", StringComparison.Ordinal))
        {
            string name = detail[6..^15].Trim('"').ToUpperInvariant();
            int dot = name.IndexOf('.');
            return new Db2SqlException($"[SQL0601] {(dot > 0 ? name[(dot + 1)..] : name)} in {(dot > 0 ? name[..dot] : CurrentSchema)} type *FILE already exists.", "42710", -601);
        }
        if (detail.StartsWith("index ", StringComparison.Ordinal) && detail.EndsWith(" already exists", StringComparison.Ordinal))
            return new Db2SqlException($"[SQL0601] {detail[6..^15].ToUpperInvariant()} in {CurrentSchema} type *FILE already exists.", "42710", -601);
        if (detail.StartsWith("wrong number of arguments to function ", StringComparison.Ordinal))
        {
            string f = detail[38..].TrimEnd('(', ')').ToUpperInvariant();
            if (f.StartsWith("EMU_", StringComparison.Ordinal)) f = f[4..];
            return new Db2SqlException($"[SQL0170] Number of arguments for function {f} not valid.", "42605", -170);
        }
        if (detail.Contains("datatype mismatch", StringComparison.Ordinal) || detail.Contains("integer overflow", StringComparison.Ordinal))
            return new Db2SqlException("[SQL0420] Character in CAST argument not valid.", "22018", -420);
        if (detail.Contains("values for", StringComparison.Ordinal) && detail.Contains("columns", StringComparison.Ordinal))
            return new Db2SqlException("[SQL0117] Statement contains wrong number of values.", "42802", -117);
        if (detail.Contains("database is locked", StringComparison.Ordinal) || detail.Contains("table is locked", StringComparison.Ordinal))
            return new Db2SqlException("[SQL0913] Row or object in use.", "57033", -913);
        if (detail.Contains("cannot start a transaction within a transaction", StringComparison.Ordinal))
            return new Db2SqlException("[SQL0752] Connection cannot be changed.", "0A001", -752);
        if (detail.Contains("misuse of aggregate", StringComparison.Ordinal) || detail.Contains("GROUP BY", StringComparison.Ordinal))
            return new Db2SqlException("[SQL0122] Column or expression in SELECT list not valid.", "42803", -122);
        if (ex.InnerException is Db2SqlException inner) return inner;
        return new Db2SqlException($"[SQL0901] SQL system error. ({detail})", "58004", -901);
    }

    public void Dispose()
    {
        try { _conn.Dispose(); } catch (SqliteException) { }
        Gate.Dispose();
    }
}

internal static class SqliteConnectionExtensions
{
    /// <summary>True when the connection is in autocommit mode (no explicit transaction open).</summary>
    public static bool AutoCommitActive(this SqliteConnection c) => raw.sqlite3_get_autocommit(c.Handle) != 0;
}
