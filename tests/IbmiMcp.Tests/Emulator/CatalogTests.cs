using System.Text.Json;

namespace IbmiMcp.Tests.Emulator;

public sealed class CatalogTests(EmulatorFixture fx) : IClassFixture<EmulatorFixture>
{
    private async Task<JsonElement> Query(string sql, params object?[] parameters)
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = parameters.Length == 0
            ? await c.RequestAsync(new { id = "q", type = "sql", sql })
            : await c.RequestAsync(new { id = "q", type = "prepare_sql_execute", sql, parameters });
        Assert.True(r.GetProperty("success").GetBoolean(), r.ToString());
        return r;
    }

    [Fact]
    public async Task Sample_schema_has_the_db2_sample_row_counts()
    {
        var r = await Query("select (select count(*) from sample.employee) as E, (select count(*) from sample.department) as D, (select count(*) from SAMPLE.PROJECT) as P from sysibm.sysdummy1");
        var row = r.GetProperty("data")[0];
        Assert.Equal(42, row.GetProperty("E").GetInt32());
        Assert.Equal(14, row.GetProperty("D").GetInt32());
        Assert.Equal(20, row.GetProperty("P").GetInt32());
    }

    [Fact]
    public async Task The_list_tables_tool_query_runs_against_systables_and_systablestat()
    {
        const string sql = """
            SELECT T.TABLE_SCHEMA, T.TABLE_NAME, T.TABLE_TYPE, T.TABLE_TEXT, COALESCE(S.NUMBER_ROWS, 0) AS NUMBER_ROWS, T.COLUMN_COUNT
            FROM QSYS2.SYSTABLES T LEFT JOIN QSYS2.SYSTABLESTAT S ON T.TABLE_SCHEMA = S.TABLE_SCHEMA AND T.TABLE_NAME = S.TABLE_NAME
            WHERE T.TABLE_SCHEMA = UPPER(?) AND T.TABLE_TYPE IN ('T', 'V', 'P') AND (? = '*ALL' OR T.TABLE_NAME LIKE UPPER(?))
            ORDER BY T.TABLE_TYPE, T.TABLE_NAME FETCH FIRST 200 ROWS ONLY
            """;
        var r = await Query(sql, "sample", "EMP%", "EMP%");
        var emp = r.GetProperty("data").EnumerateArray().Single(x => x.GetProperty("TABLE_NAME").GetString() == "EMPLOYEE");
        Assert.Equal(42, emp.GetProperty("NUMBER_ROWS").GetInt32());
        Assert.Equal(14, emp.GetProperty("COLUMN_COUNT").GetInt32());
        Assert.Equal("Employee table", emp.GetProperty("TABLE_TEXT").GetString());
    }

    [Fact]
    public async Task Syscolumns_reports_db2_types_of_the_seeded_tables()
    {
        var r = await Query("select COLUMN_NAME, DATA_TYPE, LENGTH, NUMERIC_SCALE, IS_NULLABLE from qsys2.syscolumns where table_schema = 'SAMPLE' and table_name = 'EMPLOYEE' order by ordinal_position");
        var rows = r.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(14, rows.Count);
        Assert.Equal("EMPNO", rows[0].GetProperty("COLUMN_NAME").GetString());
        Assert.Equal("CHAR", rows[0].GetProperty("DATA_TYPE").GetString());
        Assert.Equal("N", rows[0].GetProperty("IS_NULLABLE").GetString());
        var salary = rows.Single(x => x.GetProperty("COLUMN_NAME").GetString() == "SALARY");
        Assert.Equal("DECIMAL", salary.GetProperty("DATA_TYPE").GetString());
        Assert.Equal(9, salary.GetProperty("LENGTH").GetInt32());
        Assert.Equal(2, salary.GetProperty("NUMERIC_SCALE").GetInt32());
    }

    [Fact]
    public async Task Db2_syntax_is_translated()
    {
        var r = await Query("""
            WITH D AS (SELECT DEPTNO, DEPTNAME FROM SAMPLE.DEPARTMENT)
            SELECT TRIM(E.LASTNAME) CONCAT ', ' || E.FIRSTNME AS NAME, VARCHAR(E.SALARY) AS SAL, INTEGER(E.EDLEVEL) AS ED,
                   LOCATE('A', E.LASTNAME) AS POS, SUBSTR(E.FIRSTNME, 1, 3) AS F3, IFNULL(E.MIDINIT, '-') AS MI,
                   YEAR(E.HIREDATE) AS HY, CURRENT DATE AS TODAY, D.DEPTNAME
            FROM SAMPLE.EMPLOYEE E JOIN D ON D.DEPTNO = E.WORKDEPT
            ORDER BY E.EMPNO OFFSET 1 ROWS FETCH FIRST 2 ROWS ONLY WITH UR
            """);
        var rows = r.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal("THOMPSON, MICHAEL", rows[0].GetProperty("NAME").GetString());
        Assert.Equal(18, rows[0].GetProperty("ED").GetInt32());
        Assert.Equal(2003, rows[0].GetProperty("HY").GetInt32());
        Assert.Equal("MIC", rows[0].GetProperty("F3").GetString());
        Assert.Equal("PLANNING", rows[0].GetProperty("DEPTNAME").GetString());
        Assert.Equal(DateTime.Now.ToString("yyyy-MM-dd"), rows[0].GetProperty("TODAY").GetString());
    }

    [Fact]
    public async Task Labeled_durations_and_limit_offset_work()
    {
        var r = await Query("select count(*) as N from sample.employee where hiredate > current date - 40 years");
        Assert.True(r.GetProperty("data")[0].GetProperty("N").GetInt32() > 30);
        var p = await Query("select empno from sample.employee order by empno limit ? offset ?", 3, 1);
        Assert.Equal("000020", p.GetProperty("data")[0].GetProperty("EMPNO").GetString());
        Assert.Equal(3, p.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Unnamed_expressions_get_ordinal_column_names()
    {
        var r = await Query("values (1, 'a')");
        Assert.Equal("00001", r.GetProperty("metadata").GetProperty("columns")[0].GetProperty("name").GetString());
        var s = await Query("select count(*), max(salary) from sample.employee");
        Assert.Equal(42, s.GetProperty("data")[0].GetProperty("00001").GetInt32());
    }

    [Fact]
    public async Task Parse_statement_lists_names_or_nothing_for_bad_sql()
    {
        var ok = await Query("SELECT * FROM TABLE(QSYS2.PARSE_STATEMENT(SQL_STATEMENT => ?, NAMING => '*SQL', DECIMAL_POINT => '*PERIOD', SQL_STRING_DELIMITER => '*APOSTSQL')) AS P", "SELECT EMPNO FROM SAMPLE.EMPLOYEE");
        var row = ok.GetProperty("data").EnumerateArray().First(x => x.GetProperty("NAME_TYPE").GetString() == "TABLE");
        Assert.Equal("EMPLOYEE", row.GetProperty("NAME").GetString());
        Assert.Equal("SAMPLE", row.GetProperty("SCHEMA").GetString());
        Assert.Equal("QUERY", row.GetProperty("SQL_STATEMENT_TYPE").GetString());
        var ins = await Query("SELECT SQL_STATEMENT_TYPE FROM TABLE(QSYS2.PARSE_STATEMENT(?)) X", "INSERT INTO SAMPLE.ACT VALUES (1, 'A', 'B')");
        Assert.Equal("INSERT", ins.GetProperty("data")[0].GetProperty("SQL_STATEMENT_TYPE").GetString());
        var bad = await Query("SELECT * FROM TABLE(QSYS2.PARSE_STATEMENT(?)) X", "SELEC * FORM nothing");
        Assert.Equal(0, bad.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Generate_sql_returns_ddl_lines_or_sql0204()
    {
        var r = await Query("CALL QSYS2.GENERATE_SQL(DATABASE_OBJECT_NAME => ?, DATABASE_OBJECT_LIBRARY_NAME => ?, DATABASE_OBJECT_TYPE => ?, CREATE_OR_REPLACE_OPTION => '1', PRIVILEGES_OPTION => '0')", "EMPLOYEE", "SAMPLE", "TABLE");
        Assert.True(r.GetProperty("has_results").GetBoolean());
        var lines = r.GetProperty("data").EnumerateArray().Select(x => x.GetProperty("SRCDTA").GetString()).ToList();
        Assert.Contains(lines, l => l!.Contains("CREATE OR REPLACE TABLE SAMPLE.EMPLOYEE", StringComparison.Ordinal));
        Assert.Contains(lines, l => l!.Contains("SALARY DECIMAL(9, 2)", StringComparison.Ordinal));

        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var missing = await c.RequestAsync(new { id = "g", type = "sql", sql = "CALL QSYS2.GENERATE_SQL('NOPE', 'SAMPLE', 'TABLE')" });
        Assert.Equal("[SQL0204] NOPE in SAMPLE type *FILE not found.", missing.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Related_objects_lists_indexes_and_views_of_a_file()
    {
        var r = await Query("SELECT * FROM TABLE(SYSTOOLS.RELATED_OBJECTS(LIBRARY_NAME => ?, FILE_NAME => ?)) ORDER BY SQL_OBJECT_TYPE, SQL_NAME", "SAMPLE", "EMPLOYEE");
        var types = r.GetProperty("data").EnumerateArray().Select(x => x.GetProperty("SQL_OBJECT_TYPE").GetString() + ":" + x.GetProperty("SQL_NAME").GetString()).ToList();
        Assert.Contains("INDEX:XEMP2", types);
        Assert.Contains("VIEW:VEMPDPT1", types);
    }

    [Fact]
    public async Task Performance_services_return_rows()
    {
        foreach (var sql in new[]
        {
            "SELECT * FROM TABLE(QSYS2.SYSTEM_STATUS(RESET_STATISTICS=>'YES',DETAILED_INFO=>'ALL')) X",
            "SELECT * FROM TABLE(QSYS2.SYSTEM_ACTIVITY_INFO())",
            "SELECT POOL_NAME, CURRENT_SIZE, DEFINED_SIZE, MAXIMUM_ACTIVE_THREADS, CURRENT_THREADS, RESERVED_SIZE FROM TABLE(QSYS2.MEMORY_POOL(RESET_STATISTICS=>'YES')) X",
            "SELECT COUNT(REMOTE_ADDRESS) as REMOTE_CONNECTIONS FROM qsys2.netstat_info WHERE TCP_STATE = 'ESTABLISHED' AND REMOTE_ADDRESS != '::1' AND REMOTE_ADDRESS != '127.0.0.1'",
            "SELECT REPLACE(UPPER(REPLACE(GLOBAL_BUCKET_NAME, '*','')), ' ', '_') as NAME, BUCKET_CURRENT_SIZE as CURRENT_SIZE, BUCKET_PEAK_SIZE as PEAK_SIZE FROM QSYS2.SystmpSTG WHERE GLOBAL_BUCKET_NAME IS NOT NULL",
            "SELECT SERVER_NAME CONCAT '_' CONCAT REPLACE(HTTP_FUNCTION, ' ','_') as SERVER_FUNC, SERVER_NORMAL_CONNECTIONS FROM QSYS2.HTTP_SERVER_INFO",
            "SELECT system_value_name, system_value, text_description FROM qsys2.system_value_info WHERE system_value_name IN ('QMCHPOOL', 'QBASPOOL') order by system_value_name",
            "SELECT * FROM QSYS2.COLLECTION_SERVICES_INFO",
            "SELECT CPU_TIME, A.* FROM TABLE(QSYS2.ACTIVE_JOB_INFO(SUBSYSTEM_LIST_FILTER => 'QUSRWRK,QSYSWRK')) A ORDER BY CPU_TIME DESC FETCH FIRST 10 ROWS ONLY",
            "SELECT * FROM TABLE(QSYS2.OBJECT_STATISTICS('SAMPLE', '*FILE')) X",
            "SELECT AUTHORIZATION_NAME, STATUS FROM QSYS2.USER_INFO_BASIC",
        })
        {
            var r = await Query(sql);
            Assert.True(r.GetProperty("data").GetArrayLength() > 0, sql);
        }
    }

    [Fact]
    public async Task Integer_parameters_bind_as_integers()
    {
        var r = await Query("SELECT 'FETCH FIRST ' || CAST(? AS VARCHAR(10)) || ' ROWS ONLY' AS Q FROM SYSIBM.SYSDUMMY1", 10);
        Assert.Equal("FETCH FIRST 10 ROWS ONLY", r.GetProperty("data")[0].GetProperty("Q").GetString());
        var page = await Query("SELECT E.EMPNO FROM SAMPLE.EMPLOYEE E ORDER BY E.EMPNO LIMIT ? OFFSET (? - 1) * ?", 3, 2, 3);
        Assert.Equal("000050", page.GetProperty("data")[0].GetProperty("EMPNO").GetString());
        var flag = await Query("SELECT COUNT(*) AS N FROM SAMPLE.EMPPROJACT EPA WHERE EPA.EMPNO = ? AND (? = 1 OR EPA.EMENDATE IS NULL)", "000010", true);
        Assert.Equal(4, flag.GetProperty("data")[0].GetProperty("N").GetInt32());
    }

    [Fact]
    public async Task Aggregates_of_decimal_columns_are_decimal()
    {
        var r = await Query("SELECT COUNT(*) AS N, SUM(E.SALARY) AS TOTAL, MAX(E.BONUS) AS MB, CAST(AVG(E.EDLEVEL) AS DECIMAL(5, 1)) AS ED FROM SAMPLE.EMPLOYEE E WHERE E.WORKDEPT = 'B01'");
        var cols = r.GetProperty("metadata").GetProperty("columns");
        Assert.Equal("INTEGER", cols[0].GetProperty("type").GetString());
        Assert.Equal("DECIMAL", cols[1].GetProperty("type").GetString());
        Assert.Equal(2, cols[1].GetProperty("scale").GetInt32());
        var row = r.GetProperty("data")[0];
        Assert.Equal("94250.00", row.GetProperty("TOTAL").GetRawText());
        Assert.Equal("800.00", row.GetProperty("MB").GetRawText());
        Assert.Equal("18.0", row.GetProperty("ED").GetRawText());
    }
}
