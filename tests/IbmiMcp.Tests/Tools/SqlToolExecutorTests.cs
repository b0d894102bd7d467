using System.Text.Json;
using IbmiMcp.Mapepire;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tests.Tools;

public sealed class SqlToolExecutorTests
{
    private static readonly SqlColumn[] Columns = [FakeSqlRunner.Column("EMPNO", "CHAR"), FakeSqlRunner.Column("LASTNAME"), FakeSqlRunner.Column("BONUS", "DECIMAL")];
    private const string Rows = """[["000010","HAAS",1000.00],["000020","THOMPSON",null]]""";

    private static SqlTool Tool(string extra = "", string statement = "SELECT EMPNO, LASTNAME, BONUS FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = :dept",
        string parameters = "[{name: dept, type: string, required: true}]")
    {
        var result = ToolCatalogLoader.LoadText("t.yaml", $"""
            sources: {"{"}s: {"{"}host: h, user: u, password: p{"}"}{"}"}
            tools:
              emp_tool:
                source: s
                description: d
                statement: "{statement}"
                parameters: {parameters}
            {extra}
            """);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Catalog!.Tools["emp_tool"];
    }

    private static Dictionary<string, JsonElement> Args(string json) => JsonSerializer.Deserialize(json, TestJson.Default.DictionaryStringJsonElement)!;

    private static string Text(CallToolResult r) => ((TextContentBlock)r.Content[0]).Text;

    [Fact]
    public async Task Success_result_has_the_reference_shape()
    {
        var runner = new FakeSqlRunner(Columns, Rows);
        var result = await SqlToolExecutor.InvokeAsync(Tool(), Args("""{"dept":"A00"}"""), runner, CancellationToken.None);

        Assert.False(result.IsError);
        var s = result.StructuredContent!.Value;
        Assert.True(s.GetProperty("success").GetBoolean());
        var data = s.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal("HAAS", data[0].GetProperty("LASTNAME").GetString());
        Assert.Equal(1000.00m, data[0].GetProperty("BONUS").GetDecimal());
        Assert.Equal(JsonValueKind.Null, data[1].GetProperty("BONUS").ValueKind);
        var m = s.GetProperty("metadata");
        Assert.Equal(2, m.GetProperty("rowCount").GetInt32());
        Assert.Equal(0, m.GetProperty("affectedRows").GetInt32());
        Assert.Equal("DECIMAL", m.GetProperty("columns")[2].GetProperty("type").GetString());
        Assert.Equal("named", m.GetProperty("parameterMode").GetString());
        Assert.Equal(1, m.GetProperty("parameterCount").GetInt32());
        Assert.Equal(1, m.GetProperty("processedParameters").GetInt32());
        Assert.Equal("emp_tool", m.GetProperty("toolName").GetString());
        Assert.Equal("SELECT EMPNO, LASTNAME, BONUS FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = ?", m.GetProperty("sqlStatement").GetString());
        Assert.Equal("A00", m.GetProperty("parameters").GetProperty("dept").GetString());
        Assert.False(m.GetProperty("truncated").GetBoolean());
        Assert.False(m.GetProperty("hasMore").GetBoolean());

        // The text is the same object, indented.
        using var text = JsonDocument.Parse(Text(result));
        Assert.Equal(s.GetRawText().Length > 0, text.RootElement.GetProperty("success").GetBoolean());
        const string expectedStart = "{\n  \"success\": true,\n  \"data\": [\n    {\"EMPNO\":\"000010\",\"LASTNAME\":\"HAAS\",\"BONUS\":1000.00},\n    {\"EMPNO\":\"000020\",";
        var actualText = Text(result).Replace("\r\n", "\n");
        Assert.Equal(expectedStart, actualText[..Math.Min(actualText.Length, expectedStart.Length)]);
    }

    [Fact]
    public async Task Command_carries_bind_values_client_tag_and_default_fetch()
    {
        var runner = new FakeSqlRunner(Columns, "[]");
        await SqlToolExecutor.InvokeAsync(Tool(), Args("""{"dept":"A00"}"""), runner, CancellationToken.None);
        var cmd = Assert.Single(runner.Commands);
        Assert.Equal("emp_tool", cmd.ClientTag);
        Assert.Equal("A00", Assert.Single(cmd.Parameters).AsString);
        Assert.Equal(100, cmd.Rows);
        Assert.False(cmd.FetchAll);
    }

    /// <summary>
    /// The reference's fetch matrix decides the most rows a tool returns; only the rows up to the end of the requested
    /// page (resultOffset + the 100-row budget) are fetched of it.
    /// </summary>
    [Theory]
    [InlineData("rowsToFetch: 500", 0, 100, false, 0, 0)]
    [InlineData("rowsToFetch: 500", 450, 500, false, 0, 0)]
    [InlineData("rowsToFetch: 20", 0, 20, false, 0, 0)]
    [InlineData("fetchAllRows: true", 0, 100, true, 0, 100)]
    [InlineData("fetchAllRows: true", 1000, 1100, true, 0, 1100)]
    [InlineData("rowsToFetch: 250\n    fetchAllRows: true", 0, 100, true, 250, 100)]
    public async Task Fetch_settings_follow_the_reference_matrix_up_to_the_page(string yaml, int offset, int rows, bool fetchAll, int pageSize, int maxRows)
    {
        var tool = Tool(extra: "    " + yaml);
        var runner = new FakeSqlRunner(Columns, "[]");
        await SqlToolExecutor.InvokeAsync(tool, Args($$"""{"dept":"A00","resultOffset":{{offset}}}"""), runner, CancellationToken.None);
        var cmd = Assert.Single(runner.Commands);
        Assert.Equal(rows, cmd.Rows);
        Assert.Equal(fetchAll, cmd.FetchAll);
        Assert.Equal(pageSize, cmd.PageSize);
        Assert.Equal(maxRows, cmd.MaxRows);
    }

    [Fact]
    public async Task Truncation_is_always_reported()
    {
        var runner = new FakeSqlRunner(Columns, Rows, truncated: true);
        var result = await SqlToolExecutor.InvokeAsync(Tool(), Args("""{"dept":"A00"}"""), runner, CancellationToken.None);
        var m = result.StructuredContent!.Value.GetProperty("metadata");
        Assert.True(m.GetProperty("truncated").GetBoolean());
        Assert.True(m.GetProperty("hasMore").GetBoolean());
    }

    [Fact]
    public async Task Validation_errors_come_back_as_tool_errors_without_running_sql()
    {
        var runner = new FakeSqlRunner(Columns, Rows);
        var result = await SqlToolExecutor.InvokeAsync(Tool(), Args("""{"nope":1}"""), runner, CancellationToken.None);
        Assert.True(result.IsError);
        Assert.Empty(runner.Commands);
        Assert.Equal("Error executing 'emp_tool': Parameter validation failed: 'dept' is required but not provided; 'nope' is not a parameter (parameters: dept)", Text(result));
        ErrorText.AssertNoRepeatedPhrase(Text(result));
        var s = result.StructuredContent!.Value;
        Assert.False(s.GetProperty("success").GetBoolean());
        Assert.Equal(0, s.GetProperty("data").GetArrayLength());
        Assert.Equal(-32007, s.GetProperty("errorCode").GetInt32());
        Assert.Equal(2, s.GetProperty("errorDetails").GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task Sql_errors_carry_sqlstate_and_sqlcode()
    {
        var runner = FakeSqlRunner.Failing(new MapepireException(MapepireFailure.Sql,
            "[SQL0551] Not authorized to object SALARY_REVIEW in HR type *FILE.", "42501", -551));
        var result = await SqlToolExecutor.InvokeAsync(Tool(), Args("""{"dept":"A00"}"""), runner, CancellationToken.None);
        Assert.True(result.IsError);
        Assert.Equal("Error executing 'emp_tool': [SQL0551] Not authorized to object SALARY_REVIEW in HR type *FILE.", Text(result));
        var s = result.StructuredContent!.Value;
        Assert.Equal(-32010, s.GetProperty("errorCode").GetInt32());
        Assert.Equal("42501", s.GetProperty("errorDetails").GetProperty("sqlState").GetString());
        Assert.Equal(-551, s.GetProperty("errorDetails").GetProperty("sqlCode").GetInt32());
    }

    [Fact]
    public async Task Unexpected_exceptions_become_a_generic_tool_error()
    {
        var runner = new FakeSqlRunner(_ => throw new InvalidOperationException("secret internals"));
        var result = await SqlToolExecutor.InvokeAsync(Tool(), Args("""{"dept":"A00"}"""), runner, CancellationToken.None);
        Assert.True(result.IsError);
        Assert.DoesNotContain("secret", Text(result));
    }

    [Fact]
    public async Task Direct_substitution_runs_the_argument_but_only_if_it_is_a_query()
    {
        var tool = Tool(statement: ":sql", parameters: "[{name: sql, type: string, required: true}]");
        var runner = new FakeSqlRunner(Columns, "[]");

        var ok = await SqlToolExecutor.InvokeAsync(tool, Args("""{"sql":"SELECT 1 FROM SYSIBM.SYSDUMMY1;"}"""), runner, CancellationToken.None);
        Assert.False(ok.IsError);
        Assert.Equal("SELECT 1 FROM SYSIBM.SYSDUMMY1", runner.Commands[0].Sql);
        Assert.Equal("direct", ok.StructuredContent!.Value.GetProperty("metadata").GetProperty("parameterMode").GetString());

        var denied = await SqlToolExecutor.InvokeAsync(tool, Args("""{"sql":"SELECT QSYS2.QCMDEXC('DLTLIB SAMPLE') FROM SYSIBM.SYSDUMMY1"}"""), runner, CancellationToken.None);
        Assert.True(denied.IsError);
        Assert.StartsWith("Error executing 'emp_tool': Security validation failed: Write operations detected: QSYS2.QCMDEXC", Text(denied));
        Assert.Single(runner.Commands);
    }

    [Fact]
    public async Task Expanded_array_statement_is_checked_again_for_length()
    {
        var tool = Tool(statement: "SELECT * FROM T WHERE A IN (:ids)", parameters: "[{name: ids, type: array, required: true}]",
            extra: "    security: {maxQueryLength: 40}");
        var runner = new FakeSqlRunner(Columns, "[]");
        var ok = await SqlToolExecutor.InvokeAsync(tool, Args("""{"ids":["a"]}"""), runner, CancellationToken.None);
        Assert.False(ok.IsError);
        var denied = await SqlToolExecutor.InvokeAsync(tool, Args("""{"ids":["a","b","c","d","e","f","g","h"]}"""), runner, CancellationToken.None);
        Assert.Contains("Query exceeds maximum length of 40 characters", Text(denied));
    }

    [Fact]
    public async Task Markdown_format_renders_heading_sql_parameters_table_and_summary()
    {
        var tool = Tool(extra: "    responseFormat: markdown");
        var result = await SqlToolExecutor.InvokeAsync(tool, Args("""{"dept":"A00"}"""), new FakeSqlRunner(Columns, Rows), CancellationToken.None);
        var text = Text(result);
        Assert.StartsWith("## emp_tool\n\n```sql\nSELECT EMPNO, LASTNAME, BONUS FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = ?\n```\n\n**Parameters:**\n- `dept`: A00\n\n", text);
        Assert.Contains("| EMPNO (CHAR) | LASTNAME (VARCHAR) | BONUS (DECIMAL) |", text);
        Assert.Contains("| 000020       | THOMPSON           | -               |", text);
        Assert.Contains("**Summary:** 2 rows, 3 columns", text);
        Assert.True(result.StructuredContent!.Value.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Markdown_shows_x_of_y_rows_cuts_long_cells_and_warns_on_truncation()
    {
        var tool = Tool(extra: "    responseFormat: markdown\n    maxDisplayRows: 1\n    tableFormat: ascii");
        var longText = new string('x', 80);
        var runner = new FakeSqlRunner([FakeSqlRunner.Column("C")], $"""[["{longText}"],["b"]]""", truncated: true);
        var text = Text(await SqlToolExecutor.InvokeAsync(tool, Args("""{"dept":"A00"}"""), runner, CancellationToken.None));
        Assert.Contains("> ⚠️ Showing rows 1-1 (an answer holds at most 1 row / 32 KB); more rows exist. To read the next page, call emp_tool again with the same arguments and \"resultOffset\": 1.", text);
        Assert.Contains("| " + new string('x', 47) + "... |", text);
        Assert.Contains("+-", text);
    }

    [Theory]
    [InlineData("grid", "┌")]
    [InlineData("compact", "C (VARCHAR)\n-----------\nv\n")]
    public async Task Table_formats_render(string format, string expected)
    {
        var tool = Tool(extra: $"    responseFormat: markdown\n    tableFormat: {format}");
        var runner = new FakeSqlRunner([FakeSqlRunner.Column("C")], """[["v"]]""");
        var text = Text(await SqlToolExecutor.InvokeAsync(tool, Args("""{"dept":"A00"}"""), runner, CancellationToken.None));
        Assert.Contains(expected, text);
    }

    [Fact]
    public async Task Duplicate_column_names_keep_one_key_per_row()
    {
        var runner = new FakeSqlRunner([FakeSqlRunner.Column("CPU_TIME"), FakeSqlRunner.Column("JOB"), FakeSqlRunner.Column("CPU_TIME")], """[[1,"J",1]]""");
        var result = await SqlToolExecutor.InvokeAsync(Tool(), Args("""{"dept":"A00"}"""), runner, CancellationToken.None);
        var row = result.StructuredContent!.Value.GetProperty("data")[0];
        Assert.Equal(["JOB", "CPU_TIME"], row.EnumerateObject().Select(p => p.Name));
    }
}
