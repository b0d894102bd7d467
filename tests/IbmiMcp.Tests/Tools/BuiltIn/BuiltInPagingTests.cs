using System.Text.Json;
using IbmiMcp.Mapepire;
using IbmiMcp.Tools;
using IbmiMcp.Tools.BuiltIn;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tests.Tools.BuiltIn;

/// <summary>The built-in tools answer within the same result budget and page with resultOffset (or their own offset).</summary>
public sealed class BuiltInPagingTests
{
    private static Dictionary<string, JsonElement> Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static string Text(CallToolResult result) => ((TextContentBlock)result.Content[0]).Text;

    /// <summary>PARSE_STATEMENT says QUERY; the query has <paramref name="total"/> rows, fetched as the pool would.</summary>
    private static ScriptedSqlRunner Query(int total) => new("U", c =>
    {
        if (c.Sql == ExecuteSqlTool.ParseSql)
            return ScriptedSqlRunner.Result(["SQL_STATEMENT_TYPE"], """["QUERY"]""");
        var cap = c.FetchAll ? c.MaxRows : c.Rows;
        var rows = Enumerable.Range(0, Math.Min(total, cap)).Select(i => $"[\"r{i}\"]").ToArray();
        var result = ScriptedSqlRunner.Result(["NAME"], rows);
        return new SqlResult(result.Columns, result.Rows, true, -1, total > cap, result.Job, result.Elapsed);
    });

    [Fact]
    public async Task Execute_sql_fetches_one_page_and_names_the_next_offset()
    {
        var sql = Query(100_000);
        var tool = new ExecuteSqlTool(readOnly: true);
        var first = await BuiltInToolRunner.RunAsync(tool, Args("""{"sql":"SELECT NAME FROM BIG"}"""), sql, CancellationToken.None);
        var body = first.StructuredContent!.Value;
        Assert.Equal(100, body.GetProperty("rowCount").GetInt32());
        Assert.True(body.GetProperty("truncated").GetBoolean());
        Assert.Equal(100, body.GetProperty("nextOffset").GetInt32());
        Assert.Contains("call execute_sql again with the same arguments and \"resultOffset\": 100", body.GetProperty("message").GetString());
        Assert.Equal(100, sql.Commands[1].MaxRows);   // never the 30,000-row cap for a 100-row answer
        Assert.True(Text(first).Length < 8_000, $"{Text(first).Length} characters");

        var second = await BuiltInToolRunner.RunAsync(tool, Args("""{"sql":"SELECT NAME FROM BIG","resultOffset":100}"""), sql, CancellationToken.None);
        Assert.Equal("r100", second.StructuredContent!.Value.GetProperty("data")[0].GetProperty("NAME").GetString());
        // The same text's statement type is known from the first call (StatementTypeCache): no second PARSE_STATEMENT.
        Assert.Equal(3, sql.Commands.Count);
        Assert.Equal(200, sql.Commands[2].MaxRows);
    }

    [Fact]
    public async Task Execute_sql_speaks_the_servers_result_format()
    {
        var tool = new ExecuteSqlTool(readOnly: true) { Results = new ResultSettings(new ResultBudget(2, 32 * 1024), ResponseFormat.Csv, 30_000) };
        var result = await BuiltInToolRunner.RunAsync(tool, Args("""{"sql":"SELECT NAME FROM BIG"}"""), Query(3), CancellationToken.None);
        Assert.Equal("NAME\nr0\nr1\n\nShowing rows 1-2 (an answer holds at most 2 rows / 32 KB); more rows exist. To read the next page, call execute_sql again with the same arguments and \"resultOffset\": 2.\n",
            Text(result));
    }

    [Fact]
    public void Paging_built_ins_advertise_resultOffset()
    {
        var names = BuiltInTools.Create(true, true, true).Where(t => t.Tool.InputSchema.GetProperty("properties").TryGetProperty("resultOffset", out _)).Select(t => t.Name);
        Assert.Equal(["describe_sql_object", "get_table_columns", "get_related_objects", "execute_sql"], names);
    }

    [Fact]
    public async Task List_tools_keep_their_own_offset_and_the_budget_still_cuts_a_long_page()
    {
        var sql = new ScriptedSqlRunner("U", c => ScriptedSqlRunner.Result(["SCHEMA_NAME"], Enumerable.Range(0, c.Rows).Select(i => $"[\"S{i:D3}\"]").ToArray()));
        var result = await BuiltInToolRunner.RunAsync(new ListSchemasTool(), Args("""{"limit":500,"offset":40}"""), sql, CancellationToken.None);
        var body = result.StructuredContent!.Value;
        Assert.Equal(100, body.GetProperty("rowCount").GetInt32());
        Assert.Equal(140, body.GetProperty("nextOffset").GetInt32());
        Assert.True(body.GetProperty("hasMore").GetBoolean());
        Assert.Contains("Showing rows 41-140", body.GetProperty("message").GetString());
        Assert.Contains("\"offset\": 140", body.GetProperty("message").GetString());
    }
}
