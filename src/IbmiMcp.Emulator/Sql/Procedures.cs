using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

/// <summary>CALL statements the emulator implements (IBM i system procedures used by tools and clients).</summary>
internal static class Procedures
{
    public static StatementResult Call(Db2Job job, List<SqlToken> t, IReadOnlyList<object?> args)
    {
        if (t.Count < 2 || !t[1].IsIdent) throw Db2SqlException.TokenNotValid(t.Count > 1 ? t[1].Text : "<END-OF-STATEMENT>", "<IDENTIFIER>");
        string schema = "*LIBL", name = t[1].Name;
        int i = 2;
        if (t.Count > 3 && t[2].IsPunct(".") && t[3].IsIdent)
        {
            schema = t[1].Name;
            name = t[3].Name;
            i = 4;
        }
        var positional = new List<object?>();
        var named = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (i < t.Count && t[i].IsPunct("("))
        {
            var close = SqlTokens.MatchingParen(t, i);
            if (close < 0) throw Db2SqlException.TokenNotValid("<END-OF-STATEMENT>", ")");
            (positional, named) = SqlTranslator.EvaluateCallArguments(job, t, i + 1, close, args);
        }
        string? Arg(int idx, string n) => named.TryGetValue(n, out var v) ? TableFunctions.Text(v) : idx < positional.Count ? TableFunctions.Text(positional[idx]) : null;

        switch (name)
        {
            case "WLM_SET_CLIENT_INFO" when schema is "SYSPROC" or "*LIBL":
                {
                    var r = job.Registers;
                    // NULL leaves a register unchanged; an empty string resets it.
                    if (Arg(0, "CLIENT_USERID") is { } u) r.UserId = u;
                    if (Arg(1, "CLIENT_WRKSTNNAME") is { } w) r.WrkstnName = w;
                    if (Arg(2, "CLIENT_APPLNAME") is { } a) r.ApplName = a;
                    if (Arg(3, "CLIENT_ACCTSTR") is { } acct) r.Acctng = acct;
                    if (Arg(4, "CLIENT_PROGRAMID") is { } p) r.ProgramId = p;
                    return new StatementResult { UpdateCount = 0 };
                }
            case "QCMDEXC" when schema is "QSYS2" or "QSYS" or "*LIBL":
                {
                    string cmd = Arg(0, "COMMAND") ?? throw new Db2SqlException("[SQL0469] IN, OUT, or INOUT not valid for parameter 1 in procedure QCMDEXC in QSYS2.", "42886", -469);
                    var (_, error) = JobLog.Run(job, cmd);
                    if (error is not null) throw error;
                    return new StatementResult { UpdateCount = 0 };
                }
            case "GENERATE_SQL" when schema is "QSYS2" or "*LIBL":
                {
                    string obj = (Arg(0, "DATABASE_OBJECT_NAME") ?? "").ToUpperInvariant();
                    string lib = (Arg(1, "DATABASE_OBJECT_LIBRARY_NAME") ?? "").ToUpperInvariant();
                    if (obj.Length == 0 || lib.Length == 0)
                        throw new Db2SqlException("[SQL0440] Routine GENERATE_SQL in QSYS2 not found with specified parameters.", "42884", -440);
                    string type = (Arg(2, "DATABASE_OBJECT_TYPE") ?? "TABLE").ToUpperInvariant();
                    bool replace = Arg(8, "CREATE_OR_REPLACE_OPTION") == "1";
                    var lines = Ddl.Generate(job, lib, obj, type, replace);
                    var cols = new List<ColumnMeta>
                    {
                        new("SRCSEQ", Db2Type.Decimal(6, 2), "SRCSEQ", false, true),
                        new("SRCDAT", Db2Type.Decimal(6, 0), "SRCDAT", false, true),
                        new("SRCDTA", Db2Type.VarChar(80), "SRCDTA", false, true),
                    };
                    var rows = lines.Select((l, k) => new object?[] { new RawNumber(((k + 1) * 1.0m).ToString("F2", CultureInfo.InvariantCulture)), new RawNumber("0"), l });
                    return new StatementResult { Cursor = new ListCursor(cols, rows.ToList()) };
                }
            case "CREATE_SQL_SAMPLE" when schema is "QSYS" or "*LIBL":
                {
                    string lib = (Arg(0, "SCHEMA_NAME") ?? "SAMPLE").ToUpperInvariant();
                    if (job.Database.SchemaExists(lib)) throw new Db2SqlException($"[SQL0601] {lib} in QSYS type *LIB already exists.", "42710", -601);
                    throw new Db2SqlException("[SQL0443] Trigger program or external routine detected an error.", "38501", -443);
                }
        }
        throw new Db2SqlException($"[SQL0204] {name} in {schema} type *N not found.", "42704", -204);
    }
}
