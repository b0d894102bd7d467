using System.Text;
using IbmiMcp.Emulator.Seed;
using Microsoft.Data.Sqlite;

namespace IbmiMcp.Emulator.Sql;

/// <summary>
/// The shared Db2 "system": one SQLite file per schema in a directory (WAL mode, so readers never block writers),
/// attached under the schema name by every job connection so <c>SAMPLE.EMPLOYEE</c> resolves natively.
/// The QSYS2 catalog tables are regenerated from SQLite's own metadata after every DDL.
/// </summary>
internal sealed class EmulatorDatabase : IDisposable
{
    private static readonly object TemplateLock = new();
    private static string? _templateDir;

    private readonly object _catalogLock = new();
    private readonly bool _ownsDirectory;
    private volatile CatalogSnapshot _catalog = CatalogSnapshot.Empty;

    /// <summary>SQLite attaches at most 10 databases per connection (compile-time limit of the bundled engine).</summary>
    public const int MaxSchemas = 10;

    public EmulatorDatabase(string? path)
    {
        if (path is null)
        {
            Directory = Path.Combine(Path.GetTempPath(), "ibmi-emulator", Guid.NewGuid().ToString("N"));
            _ownsDirectory = true;
        }
        else
        {
            Directory = Path.GetFullPath(path);
        }
        System.IO.Directory.CreateDirectory(Directory);
        if (!System.IO.Directory.EnumerateFiles(Directory, "*.db").Any())
        {
            string template = EnsureTemplate();
            foreach (var f in System.IO.Directory.EnumerateFiles(template, "*.db"))
                File.Copy(f, Path.Combine(Directory, Path.GetFileName(f)));
        }
        RefreshCatalog();
    }

    public string Directory { get; }
    public CatalogSnapshot Catalog => _catalog;

    private int _generation;

    /// <summary>Bumped whenever schemas are created or dropped, so jobs re-sync their attachments.</summary>
    public int Generation => Volatile.Read(ref _generation);
    public DateTime Created { get; } = DateTime.Now;

    /// <summary>(schema.table) → user profiles allowed; everybody else gets SQL0551. Upper-case keys.</summary>
    public Dictionary<string, HashSet<string>> PrivateTables { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HR.SALARY_REVIEW"] = new(StringComparer.OrdinalIgnoreCase) { "ALICE" },
    };

    public bool IsAuthorized(string schema, string table, string user) =>
        !PrivateTables.TryGetValue(schema + "." + table, out var users) || users.Contains(user);

    public IEnumerable<string> SchemaNames() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.db").Select(f => Path.GetFileNameWithoutExtension(f).ToUpperInvariant()).Order(StringComparer.Ordinal);

    public string SchemaPath(string schema) => Path.Combine(Directory, schema.ToUpperInvariant() + ".db");

    public bool SchemaExists(string schema) => File.Exists(SchemaPath(schema));

    public void CreateSchema(string schema)
    {
        if (SchemaNames().Count() >= MaxSchemas)
            throw new Db2SqlException($"[SQL0904] Resource limit exceeded. Schema {schema} cannot be attached.", "57011", -904);
        using var c = new SqliteConnection($"Data Source={SchemaPath(schema)};Pooling=False");
        c.Open();
        Exec(c, "PRAGMA journal_mode=WAL");
        Interlocked.Increment(ref _generation);
    }

    public void DropSchema(string schema)
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try { File.Delete(SchemaPath(schema) + suffix); } catch (IOException) { }
        }
        Interlocked.Increment(ref _generation);
    }

    /// <summary>Opens a job connection: an in-memory main database with every schema attached under its name.</summary>
    public SqliteConnection Open()
    {
        var c = new SqliteConnection("Data Source=:memory:;Pooling=False;Default Timeout=30");
        c.Open();
        foreach (var s in SchemaNames()) Attach(c, s);
        return c;
    }

    public static void Attach(SqliteConnection c, string schema, string path)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"ATTACH DATABASE $p AS \"{schema}\"";
        cmd.Parameters.AddWithValue("$p", path);
        cmd.ExecuteNonQuery();
    }

    public void Attach(SqliteConnection c, string schema) => Attach(c, schema, SchemaPath(schema));

    private static string EnsureTemplate()
    {
        lock (TemplateLock)
        {
            if (_templateDir is not null && File.Exists(Path.Combine(_templateDir, "SAMPLE.db"))) return _templateDir;
            string dir = Path.Combine(Path.GetTempPath(), "ibmi-emulator", "template-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
            System.IO.Directory.CreateDirectory(dir);
            using (var c = new SqliteConnection("Data Source=:memory:;Pooling=False"))
            {
                c.Open();
                foreach (var s in new[] { "SYSIBM", "SYSIBMADM", "QSYS2", "SYSTOOLS", "SAMPLE", "HR", "QIWS" })
                {
                    Attach(c, s, Path.Combine(dir, s + ".db"));
                    Exec(c, $"PRAGMA \"{s}\".journal_mode=WAL");
                }
                using var tx = c.BeginTransaction();
                foreach (var sql in SystemServices.Ddl) Exec(c, sql);
                Exec(c, "INSERT INTO SYSIBM.SYSDUMMY1 VALUES ('Y')");
                foreach (var sql in CatalogDdl.All) Exec(c, sql);
                Exec(c, ActiveJobs.Ddl.Replace("TEMP.", "QSYS2.", StringComparison.Ordinal));
                Exec(c, UserProfiles.Ddl.Replace("TEMP.", "QSYS2.", StringComparison.Ordinal));
                foreach (var sql in SampleSchema.Ddl) Exec(c, sql);
                foreach (var sql in SampleSchema.Data) Exec(c, sql);
                tx.Commit();
                foreach (var s in new[] { "SYSIBM", "SYSIBMADM", "QSYS2", "SYSTOOLS", "SAMPLE", "HR", "QIWS" })
                    Exec(c, $"PRAGMA \"{s}\".wal_checkpoint(TRUNCATE)");
            }
            _templateDir = dir;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { System.IO.Directory.Delete(dir, true); } catch { } };
            return dir;
        }
    }

    internal static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Rebuilds the QSYS2 catalog tables and the in-memory snapshot from SQLite's metadata.</summary>
    public void RefreshCatalog()
    {
        lock (_catalogLock)
        {
            using var c = Open();
            var schemas = SchemaNames().ToList();
            var tables = new List<TableInfo>();
            var indexes = new List<IndexInfo>();
            foreach (var s in schemas)
            {
                var objs = new List<(string Type, string Name, string? Sql, string? Table)>();
                using (var cmd = c.CreateCommand())
                {
                    cmd.CommandText = $"SELECT type, name, sql, tbl_name FROM \"{s}\".sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name";
                    using var r = cmd.ExecuteReader();
                    while (r.Read()) objs.Add((r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
                }
                foreach (var o in objs)
                {
                    if (o.Type == "index")
                    {
                        if (o.Sql is null) continue;
                        indexes.Add(new IndexInfo(s, o.Name.ToUpperInvariant(), (o.Table ?? "").ToUpperInvariant(), o.Sql.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase), IndexColumns(c, s, o.Name)));
                        continue;
                    }
                    if (o.Type is not ("table" or "view")) continue;
                    var cols = new List<ColumnInfo>();
                    using (var cmd = c.CreateCommand())
                    {
                        cmd.CommandText = $"PRAGMA \"{s}\".table_info(\"{o.Name}\")";
                        using var r = cmd.ExecuteReader();
                        while (r.Read())
                        {
                            cols.Add(new ColumnInfo(r.GetString(1).ToUpperInvariant(), Db2Type.Parse(r.IsDBNull(2) ? null : r.GetString(2)),
                                r.GetInt64(3) == 0 && r.GetInt64(5) == 0, r.IsDBNull(4) ? null : r.GetString(4), (int)r.GetInt64(0) + 1));
                        }
                    }
                    char kind = o.Type == "view" || CatalogDdl.CatalogViews.Contains(o.Name) ? 'V' : 'T';
                    long rows = 0;
                    if (kind == 'T')
                    {
                        using var cmd = c.CreateCommand();
                        cmd.CommandText = $"SELECT COUNT(*) FROM \"{s}\".\"{o.Name}\"";
                        rows = (long)cmd.ExecuteScalar()!;
                    }
                    SampleSchema.TableText.TryGetValue(s + "." + o.Name, out var text);
                    text ??= _texts.GetValueOrDefault(s + "." + o.Name.ToUpperInvariant());
                    tables.Add(new TableInfo(s, o.Name.ToUpperInvariant(), kind, text, cols, o.Sql, rows));
                }
            }
            var snap = new CatalogSnapshot(schemas, tables, indexes);
            WriteCatalog(c, snap);
            _catalog = snap;
        }
    }

    private readonly Dictionary<string, string> _texts = new(StringComparer.OrdinalIgnoreCase);

    public void SetText(string schema, string table, string text)
    {
        lock (_catalogLock) _texts[schema + "." + table] = text;
    }

    private static List<string> IndexColumns(SqliteConnection c, string schema, string index)
    {
        var cols = new List<string>();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"PRAGMA \"{schema}\".index_info(\"{index}\")";
        using var r = cmd.ExecuteReader();
        while (r.Read()) if (!r.IsDBNull(2)) cols.Add(r.GetString(2).ToUpperInvariant());
        return cols;
    }

    private static string SystemName(string name) => name.Length <= 10 ? name : name[..5] + "00001";

    private void WriteCatalog(SqliteConnection c, CatalogSnapshot snap)
    {
        if (!snap.Schemas.Contains("QSYS2")) return;
        string now = Created.ToString("yyyy-MM-dd HH:mm:ss.ffffff");
        using var tx = c.BeginTransaction();
        foreach (var t in new[] { "SYSSCHEMAS", "SYSTABLES", "SYSTABLESTAT", "SYSCOLUMNS", "SYSCOLUMNS2", "SYSVIEWS", "SYSINDEXES", "SYSROUTINES", "OBJECT_PRIVILEGES", "PROGRAM_INFO" })
            Exec(c, $"DELETE FROM QSYS2.{t}");

        foreach (var s in snap.Schemas)
        {
            Insert(c, "QSYS2.SYSSCHEMAS", s, "QSYS", "QSYS", now, SchemaText(s), s, 1048576L * (1 + snap.Tables.Count(t => t.Schema == s)), 1);
        }
        foreach (var t in snap.Tables)
        {
            string owner = t.Schema is "QSYS2" or "SYSIBM" or "SYSTOOLS" ? "QSYS" : "QSECOFR";
            int rowLen = t.Columns.Sum(col => Math.Max(1, col.Type.CatalogLength));
            Insert(c, "QSYS2.SYSTABLES", t.Name, owner, t.Kind.ToString(), t.Columns.Count, rowLen, t.Text, null, t.Schema, now,
                SystemName(t.Name), t.Schema, "D", "IBMIEMU", t.Schema is "QSYS2" or "SYSIBM" or "SYSTOOLS" ? "Y" : "N", owner);
            if (t.Kind == 'T')
            {
                Insert(c, "QSYS2.SYSTABLESTAT", t.Schema, t.Name, t.Schema, SystemName(t.Name), t.Rows, Math.Max(1, t.Rows / 40), 0L,
                    4096L + t.Rows * rowLen, now, now, 1, 1);
            }
            if (t.Kind == 'V')
            {
                Insert(c, "QSYS2.SYSVIEWS", t.Name, owner, t.Sql ?? $"SELECT * FROM {t.Schema}.{t.Name}", "N", t.Schema, SystemName(t.Name), t.Schema, "N");
            }
            foreach (var col in t.Columns)
            {
                bool isChar = col.Type.IsString;
                object?[] vals =
                [
                    col.Name, t.Name, owner, col.Ordinal, col.Type.Name, col.Type.CatalogLength, col.Type.IsDecimal || col.Type.IsInteger ? col.Type.Scale : null,
                    col.Nullable ? "Y" : "N", t.Kind == 'V' ? "N" : "Y", null, col.Default is null ? "N" : "Y", col.Name, isChar ? 37 : null, t.Schema,
                    col.Default, isChar ? col.Type.Precision : null, isChar ? col.Type.Precision : null,
                    isChar ? null : col.Type.Precision, isChar ? null : (col.Type.IsFloat ? 2 : 10), SystemName(col.Name), SystemName(t.Name), t.Schema,
                    null, "NO",
                ];
                Insert(c, "QSYS2.SYSCOLUMNS", vals);
                Insert(c, "QSYS2.SYSCOLUMNS2", [.. vals, "N", "NO"]);
            }
            // Object authority as IBM i reports it: *PUBLIC plus the owner, and private grants.
            string sqlType = t.Kind == 'V' ? "VIEW" : "TABLE";
            bool isPrivate = PrivateTables.TryGetValue(t.Schema + "." + t.Name, out var allowed);
            bool ro = isPrivate || t.Schema is "QSYS2" or "SYSIBM" or "SYSIBMADM" or "SYSTOOLS";
            // QIWS's sample files keep the *PUBLIC *ALL they were shipped with on many systems: the exposure the
            // security tools (rename and trigger attacks) look for.
            var publicAuthority = isPrivate ? "*EXCLUDE" : ro ? "*USE" : t.Schema == "QIWS" ? "*ALL" : "*CHANGE";
            Privilege(c, t.Schema, SystemName(t.Name), "*FILE", "*PUBLIC", publicAuthority, owner, t.Schema, t.Name, sqlType);
            Privilege(c, t.Schema, SystemName(t.Name), "*FILE", owner, "*ALL", owner, t.Schema, t.Name, sqlType);
            if (allowed is not null)
            {
                foreach (var u in allowed)
                    Privilege(c, t.Schema, SystemName(t.Name), "*FILE", u.ToUpperInvariant(), "*USE", owner, t.Schema, t.Name, sqlType);
            }
        }
        foreach (var sch in snap.Schemas)
        {
            bool sys = sch is "QSYS2" or "SYSIBM" or "SYSIBMADM" or "SYSTOOLS";
            Privilege(c, "QSYS", sch, "*LIB", "*PUBLIC", sys ? "*USE" : "*CHANGE", "QSYS", "QSYS", sch, "SCHEMA");
        }
        foreach (var (library, aut) in Seed.SystemObjects.Libraries)
            if (!snap.Schemas.Contains(library))
                Privilege(c, "QSYS", library, "*LIB", "*PUBLIC", aut, "QSYS", "QSYS", library, null);
        foreach (var (cmd, aut, _) in Seed.SystemObjects.Commands)
            Privilege(c, "QSYS", cmd, "*CMD", "*PUBLIC", aut, "QSYS", "QSYS", cmd, null);
        var seeded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (profile, aut, profileOwner) in Seed.SystemObjects.Profiles)
            if (seeded.Add(profile))
                Privilege(c, "QSYS", profile, "*USRPRF", "*PUBLIC", aut, profileOwner, "QSYS", profile, null);
        foreach (var u in UserNames())
            if (seeded.Add(u))
                Privilege(c, "QSYS", u, "*USRPRF", "*PUBLIC", "*EXCLUDE", "QSECOFR", "QSYS", u, null);
        foreach (var program in Seed.SystemObjects.Programs)
        {
            Insert(c, "QSYS2.PROGRAM_INFO", Seed.SystemObjects.ApplicationLibrary, program.Name, program.Type == "*SRVPGM" || program.UserProfile == "*OWNER" ? "ILE" : "OPM",
                program.Type, now, program.Text, program.Owner, program.Type == "*SRVPGM" || program.UserProfile == "*OWNER" ? "RPGLE" : "CLP",
                program.UserProfile, "*YES", "NO", "V7R4M0", "V7R4M0");
            Privilege(c, Seed.SystemObjects.ApplicationLibrary, program.Name, program.Type, "*PUBLIC", program.PublicAuthority, program.Owner,
                Seed.SystemObjects.ApplicationLibrary, program.Name, null);
            Privilege(c, Seed.SystemObjects.ApplicationLibrary, program.Name, program.Type, program.Owner, "*ALL", program.Owner,
                Seed.SystemObjects.ApplicationLibrary, program.Name, null);
        }
        foreach (var ix in snap.Indexes)
        {
            Insert(c, "QSYS2.SYSINDEXES", ix.Name, "QSECOFR", ix.Table, "QSECOFR", ix.Unique ? "U" : "D", ix.Columns.Count, ix.Schema, ix.Schema, SystemName(ix.Name), ix.Schema);
        }
        foreach (var r in CatalogDdl.Routines)
        {
            Insert(c, "QSYS2.SYSROUTINES", r.Schema, r.Name, r.Schema, r.Name, r.Type, now, "QSYS", "EXTERNAL", $"{r.Schema}/{r.Name}",
                r.In, r.Out, 0, r.ResultSets, r.FunctionType, null, r.Text);
        }
        tx.Commit();
    }

    /// <summary>Supplies user profile names for *USRPRF privileges (set by the host; empty for a bare database).</summary>
    public Func<IEnumerable<string>> UserNames { get; set; } = () => [];

    private static void Privilege(SqliteConnection c, string sysSchema, string sysName, string type, string user, string authority, string owner, string schema, string name, string? sqlType)
    {
        bool all = authority == "*ALL", change = all || authority == "*CHANGE", use = change || authority == "*USE";
        string Y(bool b) => b ? "YES" : "NO";
        Insert(c, "QSYS2.OBJECT_PRIVILEGES", sysSchema, sysName, type, user, authority, owner, null, Y(use), Y(all), Y(all), Y(use), Y(change), Y(change), Y(change),
            schema, name, sqlType, user, user, Y(use), Y(all), Y(all));
    }

    private static string? SchemaText(string s) => s switch
    {
        "QSYS2" => "System Library for CPI's",
        "SYSIBM" => "System Library for SQL",
        "SYSTOOLS" => "System Library for SQL Tools",
        "SAMPLE" => "Db2 for i sample database",
        "HR" => "Human resources (restricted)",
        "QIWS" => "Client Access sample library",
        _ => null,
    };

    private static void Insert(SqliteConnection c, string table, params object?[] values)
    {
        using var cmd = c.CreateCommand();
        var sb = new StringBuilder("INSERT INTO ").Append(table).Append(" VALUES (");
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append("$p").Append(i);
            cmd.Parameters.AddWithValue("$p" + i, values[i] ?? DBNull.Value);
        }
        cmd.CommandText = sb.Append(')').ToString();
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        if (!_ownsDirectory) return;
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
