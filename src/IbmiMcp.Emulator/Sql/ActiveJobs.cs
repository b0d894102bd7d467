using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

/// <summary>QSYS2.ACTIVE_JOB_INFO: the live QZDASOINIT jobs of this emulator plus a few fixed system jobs.</summary>
internal static class ActiveJobs
{
    public static readonly (string Name, string Type)[] Columns =
    [
        ("ORDINAL_POSITION", "INTEGER"), ("JOB_NAME", "VARCHAR(28)"), ("JOB_NAME_SHORT", "VARCHAR(10)"), ("JOB_USER", "VARCHAR(10)"),
        ("JOB_NUMBER", "VARCHAR(6)"), ("SUBSYSTEM", "VARCHAR(10)"), ("SUBSYSTEM_LIBRARY_NAME", "VARCHAR(10)"), ("AUTHORIZATION_NAME", "VARCHAR(10)"),
        ("JOB_TYPE", "VARCHAR(3)"), ("FUNCTION_TYPE", "VARCHAR(3)"), ("FUNCTION", "VARCHAR(10)"), ("JOB_STATUS", "VARCHAR(4)"),
        ("MEMORY_POOL", "VARCHAR(10)"), ("RUN_PRIORITY", "INTEGER"), ("THREAD_COUNT", "INTEGER"), ("TEMPORARY_STORAGE", "INTEGER"),
        ("CPU_TIME", "BIGINT"), ("TOTAL_DISK_IO_COUNT", "BIGINT"), ("ELAPSED_INTERACTION_COUNT", "INTEGER"), ("ELAPSED_TOTAL_RESPONSE_TIME", "INTEGER"),
        ("ELAPSED_TOTAL_DISK_IO_COUNT", "BIGINT"), ("ELAPSED_CPU_PERCENTAGE", "DECIMAL(10, 2)"), ("ELAPSED_CPU_TIME", "BIGINT"),
        ("ELAPSED_PAGE_FAULT_COUNT", "BIGINT"), ("JOB_END_REASON", "VARCHAR(60)"), ("SERVER_TYPE", "VARCHAR(30)"),
        ("JOB_ACTIVE_TIME", "TIMESTAMP"), ("SQL_STATEMENT_TEXT", "VARCHAR(10000)"), ("CLIENT_IP_ADDRESS", "VARCHAR(45)"),
        ("CLIENT_WRKSTNNAME", "VARCHAR(255)"), ("CLIENT_APPLNAME", "VARCHAR(255)"), ("CLIENT_ACCTNG", "VARCHAR(255)"),
        ("CLIENT_PROGRAMID", "VARCHAR(255)"), ("CLIENT_USERID", "VARCHAR(255)"),
    ];

    public static string Ddl => "CREATE TABLE TEMP.ACTIVE_JOB_INFO (" + string.Join(", ", Columns.Select(c => c.Name + " " + c.Type)) + ")";

    private static readonly (string Job, string Subsystem, string Function, string Status, long Cpu)[] SystemJobs =
    [
        ("000001/QSYS/QSYSARB", "", "", "EVTW", 412_233),
        ("000112/QSYS/QSYSWRK", "QSYSWRK", "", "DEQW", 8_120),
        ("000201/QTCP/QTCPIP", "QSYSWRK", "", "DEQW", 51_903),
        ("000233/QUSER/QZDASRVSD", "QSYSWRK", "PGM-QZDASRVSD", "SELW", 2_011),
        ("000240/QUSER/QRWTSRVR", "QUSRWRK", "PGM-QRWTSRVR", "DEQW", 310),
        ("000241/QUSER/QZRCSRVS", "QUSRWRK", "PGM-QZRCSRVS", "TIMW", 1_921),
        ("000244/QTMHHTTP/ADMIN", "QHTTPSVR", "PGM-QZHBMAIN", "SIGW", 90_114),
        ("000251/QSYS/QPFRADJ", "QSYSWRK", "", "DEQW", 3_339),
        ("000260/QSRVAGT/QCSTDMN", "QSYSWRK", "", "DEQW", 12_708),
    ];

    public static TableData Build(Db2Job caller, string? subsystems, string? users, string? jobFilter)
    {
        var rows = new List<object?[]>();
        var subs = subsystems?.ToUpperInvariant().Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var userSet = users?.ToUpperInvariant().Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        string? jf = jobFilter?.ToUpperInvariant();
        string since = caller.Database.Created.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        int ord = 0;
        foreach (var s in SystemJobs)
        {
            var parts = s.Job.Split('/');
            if (subs is not null && !subs.Contains(s.Subsystem)) continue;
            if (userSet is not null && !userSet.Contains(parts[1])) continue;
            if (jf is not null && jf != "*ALL" && jf != parts[2] && jf != s.Job) continue;
            rows.Add([++ord, s.Job, parts[2], parts[1], parts[0], s.Subsystem, s.Subsystem.Length > 0 ? "QSYS" : null, parts[1], s.Subsystem.Length > 0 ? "BCH" : "SYS",
                s.Function.Length > 0 ? "PGM" : null, s.Function.Length > 0 ? s.Function[4..] : null, s.Status, "*BASE", 50, 1, 12, s.Cpu, s.Cpu * 3,
                0, 0, 0, 0.0m, 0, 0, null, null, since, null, null, null, null, null, null, null]);
        }
        foreach (var j in caller.Registry.Jobs)
        {
            if (subs is not null && !subs.Contains("QUSRWRK")) continue;
            if (userSet is not null && !userSet.Contains(j.User) && !userSet.Contains("QUSER")) continue;
            if (jf is not null && jf != "*ALL" && jf != "QZDASOINIT" && jf != j.JobName && jf != "*") continue;
            var r = j.Registers;
            long cpu = 40 + Interlocked.Read(ref j.StatementCount) * 3;
            rows.Add([++ord, j.JobName, "QZDASOINIT", "QUSER", j.Number.ToString("D6", CultureInfo.InvariantCulture), "QUSRWRK", "QSYS", j.User, "PJ", "PGM",
                "QZDASOINIT", j == caller ? "RUN" : "TIMW", "*BASE", 20, 1, 9, cpu, cpu * 5, Interlocked.Read(ref j.StatementCount), 0, 0, 0.0m, 0, 0, null,
                "QZDASOINIT", j.Started.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture), j.LastStatement, j.ClientIp,
                r.WrkstnName, r.ApplName, r.Acctng, r.ProgramId, r.UserId]);
        }
        return new TableData { Columns = Columns, Rows = rows };
    }
}
