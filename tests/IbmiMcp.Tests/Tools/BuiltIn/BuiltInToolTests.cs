using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Mapepire;
using IbmiMcp.Mcp;
using IbmiMcp.Tools.BuiltIn;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tests.Tools.BuiltIn;

public sealed class BuiltInToolTests
{
    private static Dictionary<string, JsonElement> Args(string json)
        => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static string Text(CallToolResult result) => ((TextContentBlock)result.Content[0]).Text;

    private static async Task<CallToolResult> CallAsync(BuiltInTool tool, string args, ISqlRunner? sql)
        => await BuiltInToolRunner.RunAsync(tool, Args(args), sql, CancellationToken.None);

    [Fact]
    public void Default_set_is_describe_only_and_flags_add_the_rest()
    {
        Assert.Equal(new[] { "describe_sql_object" }, BuiltInTools.Create(false, false, true).Select(t => t.Name));
        Assert.Equal(new[] { "describe_sql_object", "execute_sql" }, BuiltInTools.Create(false, true, true).Select(t => t.Name));
        Assert.Equal(
            new[] { "describe_sql_object", "list_schemas", "list_tables_in_schema", "get_table_columns", "get_related_objects", "validate_query", "execute_sql" },
            BuiltInTools.Create(true, false, true).Select(t => t.Name));
    }

    [Fact]
    public async Task A_caller_without_a_connection_gets_a_tool_error_naming_the_settings()
    {
        var result = await CallAsync(new DescribeSqlObjectTool(), """{"object_name":"EMPLOYEE"}""", null);
        Assert.True(result.IsError);
        Assert.Contains("DB2i_HOST", Text(result));
    }

    [Fact]
    public async Task Built_in_tools_run_on_the_callers_runner_not_the_server_pool()
    {
        var server = new ScriptedSqlRunner("MCPUSER", _ => ScriptedSqlRunner.Result(["SRCDTA"], """["server"]"""));
        var alice = new ScriptedSqlRunner("ALICE", _ => ScriptedSqlRunner.Result(["SRCDTA"], """["CREATE TABLE X (A INT)"]"""));
        var source = new BuiltInToolSource(BuiltInTools.Create(false, false, true));
        var caller = new Caller("ALICE", CallerKind.IbmiToken, alice, null);

        var result = await source.CallAsync("describe_sql_object", Args("""{"object_name":"x","object_library":"hr"}"""), caller, CancellationToken.None);

        Assert.Empty(server.Commands);
        var command = Assert.Single(alice.Commands);
        Assert.StartsWith("CALL QSYS2.GENERATE_SQL(", command.Sql);
        Assert.Equal(new[] { "X", "HR", "TABLE" }, command.Parameters.Select(p => p.ToString()));
        Assert.Equal("CREATE TABLE X (A INT)", Text(result));
        Assert.Equal("ibmi-mcp:describe_sql_object", command.ClientTag);
    }

    [Fact]
    public async Task Describe_joins_the_generated_lines()
    {
        var sql = new ScriptedSqlRunner("U", _ => ScriptedSqlRunner.Result(["SRCDTA"], """["CREATE OR REPLACE VIEW V AS   "]""", """["  SELECT 1 FROM T"]"""));
        var result = await CallAsync(new DescribeSqlObjectTool(), """{"object_name":"V","object_type":"view"}""", sql);
        Assert.Equal("CREATE OR REPLACE VIEW V AS\n  SELECT 1 FROM T", Text(result));
        Assert.Equal("VIEW", sql.Commands[0].Parameters[2].ToString());
    }

    [Fact]
    public async Task Invalid_arguments_are_tool_errors()
    {
        var sql = new ScriptedSqlRunner("U", _ => ScriptedSqlRunner.Empty());
        var badType = await CallAsync(new DescribeSqlObjectTool(), """{"object_name":"V","object_type":"SPREADSHEET"}""", sql);
        var missing = await CallAsync(new GetTableColumnsTool(), """{"schema_name":"A"}""", sql);
        var range = await CallAsync(new ListSchemasTool(), """{"limit":501}""", sql);
        Assert.True(badType.IsError);
        Assert.Contains("object_type", Text(badType));
        Assert.True(missing.IsError);
        Assert.Contains("table_name", Text(missing));
        Assert.True(range.IsError);
        Assert.Contains("between 1 and 500", Text(range));
        Assert.Empty(sql.Commands);
    }

    [Fact]
    public async Task List_schemas_pages_with_one_extra_row_for_has_more()
    {
        var sql = new ScriptedSqlRunner("U", _ => ScriptedSqlRunner.Result(["SCHEMA_NAME", "SYSTEM_SCHEMA_NAME", "SCHEMA_TEXT"],
            """["HR","HR        ","Human resources"]""", """["SALES","SALES","x"]""", """["SAMPLE","SAMPLE","y"]"""));
        var result = await CallAsync(new ListSchemasTool(), """{"filter":"s%","limit":2,"offset":"4"}""", sql);

        var command = sql.Commands[0];
        Assert.Contains("SCHEMA_NAME LIKE UPPER(?)", command.Sql);
        Assert.Contains("NOT LIKE 'Q%'", command.Sql);
        Assert.EndsWith("OFFSET ? ROWS FETCH FIRST ? ROWS ONLY", command.Sql);
        Assert.Equal(new[] { "s%", "4", "3" }, command.Parameters.Select(p => p.ToString()));
        var structured = result.StructuredContent!.Value;
        Assert.True(structured.GetProperty("hasMore").GetBoolean());
        Assert.Equal(2, structured.GetProperty("data").GetArrayLength());
        Assert.Equal("HR", structured.GetProperty("data")[0].GetProperty("SYSTEM_SCHEMA_NAME").GetString());
    }

    [Fact]
    public async Task List_tables_treats_star_all_as_no_filter()
    {
        var sql = new ScriptedSqlRunner("U", _ => ScriptedSqlRunner.Empty());
        await CallAsync(new ListTablesInSchemaTool(), """{"schema_name":"sample","table_filter":"*ALL"}""", sql);
        Assert.DoesNotContain("LIKE", sql.Commands[0].Sql);
        Assert.Equal("SAMPLE", sql.Commands[0].Parameters[0].ToString());
    }

    [Fact]
    public async Task Sql_errors_come_back_with_state_and_code()
    {
        var sql = new ScriptedSqlRunner("BOB", _ => throw ScriptedSqlRunner.SqlError("[SQL0551] Not authorized to object SALARY_REVIEW in HR type *FILE.", "42501", -551));
        var result = await CallAsync(new GetTableColumnsTool(), """{"schema_name":"HR","table_name":"SALARY_REVIEW"}""", sql);
        Assert.True(result.IsError);
        Assert.Contains("SQL0551", Text(result));
        Assert.Contains("42501", Text(result));
        Assert.Equal(-551, result.StructuredContent!.Value.GetProperty("error").GetProperty("sqlCode").GetInt32());
    }

    [Fact]
    public async Task Execute_sql_read_only_refuses_writes_before_asking_the_server_with_one_clear_sentence()
    {
        var sql = new ScriptedSqlRunner("U", _ => ScriptedSqlRunner.Empty());
        var tool = new ExecuteSqlTool(readOnly: true);
        foreach (var (statement, expected) in new[]
                 {
                     ("DELETE FROM HR.EMPLOYEE", "Write operations detected: DELETE statements are not allowed in read-only mode (only SELECT, WITH and VALUES queries)"),
                     ("SELECT * FROM A; DROP TABLE A", "Multiple statements are not allowed: send one statement per call"),
                     ("SELECT QSYS2.QCMDEXC('DLTLIB X') FROM SYSIBM.SYSDUMMY1", "Write operations detected: QSYS2.QCMDEXC changes the system and is not allowed in read-only mode"),
                     ("CALL QSYS2.QCMDEXC('X')", "Write operations detected: CALL statements are not allowed in read-only mode (only SELECT, WITH and VALUES queries)"),
                     ("SELECT * FROM FINAL TABLE (INSERT INTO T VALUES 1)", "Write operations detected: INSERT inside a query is not allowed in read-only mode"),
                     ("SELEC * FROM T", "Read-only mode runs only SELECT, WITH and VALUES queries; this statement starts with 'SELEC'"),
                 })
        {
            var result = await CallAsync(tool, JsonSerializer.Serialize(new Dictionary<string, string> { ["sql"] = statement }), sql);
            Assert.True(result.IsError, statement);
            Assert.Equal("Error executing 'execute_sql': " + expected, Text(result));
            ErrorText.AssertNoRepeatedPhrase(Text(result));
        }
        Assert.Empty(sql.Commands);
    }

    [Fact]
    public async Task Execute_sql_read_only_requires_parse_statement_to_say_query()
    {
        var sql = new ScriptedSqlRunner("U", c => c.Sql == ExecuteSqlTool.ParseSql
            ? ScriptedSqlRunner.Result(["SQL_STATEMENT_TYPE"], """["INSERT"]""")
            : throw new InvalidOperationException("must not run"));
        var result = await CallAsync(new ExecuteSqlTool(true), """{"sql":"SELECT * FROM FINAL TABLE (NOTHING)"}""", sql);
        Assert.True(result.IsError);
        Assert.Contains("INSERT", Text(result));
        Assert.Single(sql.Commands);
    }

    [Fact]
    public async Task Execute_sql_fails_closed_when_the_parser_returns_nothing()
    {
        var sql = new ScriptedSqlRunner("U", _ => ScriptedSqlRunner.Empty());
        var result = await CallAsync(new ExecuteSqlTool(true), """{"sql":"SELECT * FROM T"}""", sql);
        Assert.True(result.IsError);
        Assert.Single(sql.Commands);
    }

    [Fact]
    public async Task Execute_sql_runs_a_query_and_reports_rows_and_columns()
    {
        var sql = new ScriptedSqlRunner("U", c => c.Sql == ExecuteSqlTool.ParseSql
            ? ScriptedSqlRunner.Result(["SQL_STATEMENT_TYPE"], """["QUERY"]""")
            : ScriptedSqlRunner.Result(["ID", "NAME"], """[1,"A"]""", """[2,"B"]"""));
        var result = await CallAsync(new ExecuteSqlTool(true), """{"sql":"select id, name from t;  "}""", sql);
        Assert.False(result.IsError ?? false);
        Assert.Equal("select id, name from t", sql.Commands[1].Sql);
        Assert.True(sql.Commands[1].FetchAll);
        var structured = result.StructuredContent!.Value;
        Assert.Equal(2, structured.GetProperty("rowCount").GetInt32());
        Assert.Equal("B", structured.GetProperty("data")[1].GetProperty("NAME").GetString());
        Assert.Equal("ID", structured.GetProperty("metadata").GetProperty("columns")[0].GetProperty("name").GetString());
        Assert.False(structured.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Execute_sql_asks_the_parser_once_per_statement_text_and_never_keeps_a_refusal()
    {
        var sql = new ScriptedSqlRunner("U", c => c.Sql == ExecuteSqlTool.ParseSql
            ? ScriptedSqlRunner.Result(["SQL_STATEMENT_TYPE"], c.Parameters[0].AsString!.Contains("INSERT") ? """["INSERT"]""" : """["QUERY"]""")
            : ScriptedSqlRunner.Result(["ID"], """[1]"""));
        var tool = new ExecuteSqlTool(true);
        await CallAsync(tool, """{"sql":"select id from t"}""", sql);
        await CallAsync(tool, """{"sql":"select id from t"}""", sql);
        Assert.Equal(1, sql.Commands.Count(c => c.Sql == ExecuteSqlTool.ParseSql));
        Assert.Equal(2, sql.Commands.Count(c => c.Sql != ExecuteSqlTool.ParseSql));

        // Another text is asked about; the token classifier still runs first every time.
        await CallAsync(tool, """{"sql":"select id from u"}""", sql);
        Assert.Equal(2, sql.Commands.Count(c => c.Sql == ExecuteSqlTool.ParseSql));
        var refused = await CallAsync(tool, """{"sql":"select id from t; delete from t"}""", sql);
        Assert.True(refused.IsError);
    }

    [Fact]
    public void The_statement_type_cache_is_bounded()
    {
        var cache = new StatementTypeCache();
        for (var i = 0; i < StatementTypeCache.Capacity + 10; i++) cache.Add("select " + i, "QUERY");
        Assert.True(cache.Count <= StatementTypeCache.Capacity);
        cache.Add(new string('x', StatementTypeCache.MaxKeyLength + 1), "QUERY");
        Assert.False(cache.TryGet(new string('x', StatementTypeCache.MaxKeyLength + 1), out _));
    }

    [Fact]
    public async Task Validate_query_cross_checks_tables_columns_and_routines()
    {
        var sql = new ScriptedSqlRunner("U", c => c.Sql switch
        {
            var s when s.Contains("PARSE_STATEMENT") => ScriptedSqlRunner.Result(
                ["NAME_TYPE", "NAME", "SCHEMA", "COLUMN_NAME", "SQL_STATEMENT_TYPE"],
                """["TABLE","EMPLOYEE","SAMPLE",null,"QUERY"]""",
                """["TABLE","NOPE","SAMPLE",null,"QUERY"]""",
                """["COLUMN","EMPLOYEE","SAMPLE","EMPNO","QUERY"]""",
                """["COLUMN","EMPLOYEE","SAMPLE","SHOE_SIZE","QUERY"]""",
                """["FUNCTION","UPPER",null,null,"QUERY"]"""),
            var s when s.Contains("SYSTABLES") => c.Parameters[1].ToString() == "EMPLOYEE" ? ScriptedSqlRunner.Result(["TABLE_SCHEMA"], """["SAMPLE"]""") : ScriptedSqlRunner.Empty(),
            var s when s.Contains("SYSCOLUMNS") => c.Parameters[2].ToString() == "EMPNO" ? ScriptedSqlRunner.Result(["COLUMN_NAME"], """["EMPNO"]""") : ScriptedSqlRunner.Empty(),
            _ => ScriptedSqlRunner.Empty(),
        });
        var result = await CallAsync(new ValidateQueryTool(), """{"sql_statement":"SELECT EMPNO, SHOE_SIZE, UPPER(X) FROM SAMPLE.EMPLOYEE, SAMPLE.NOPE"}""", sql);
        var v = result.StructuredContent!.Value;
        Assert.False(v.GetProperty("valid").GetBoolean());
        Assert.Equal("QUERY", v.GetProperty("statementType").GetString());
        var checks = v.GetProperty("objectValidation");
        Assert.Equal("SAMPLE.EMPLOYEE", checks.GetProperty("tables").GetProperty("valid")[0].GetString());
        Assert.Equal("SAMPLE.NOPE", checks.GetProperty("tables").GetProperty("invalid")[0].GetString());
        Assert.Equal("EMPLOYEE.EMPNO", checks.GetProperty("columns").GetProperty("valid")[0].GetString());
        Assert.Equal("EMPLOYEE.SHOE_SIZE", checks.GetProperty("columns").GetProperty("invalid")[0].GetString());
        Assert.Equal("UPPER", checks.GetProperty("routines").GetProperty("skipped")[0].GetString());
    }
}
