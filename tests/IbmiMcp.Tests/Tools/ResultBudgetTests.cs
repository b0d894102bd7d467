using System.Text.Json;
using IbmiMcp.Mapepire;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tests.Tools;

/// <summary>
/// Results sized for a model: every answer holds at most the budget's rows and bytes, says when rows were left out,
/// and names the exact <c>resultOffset</c> that reads the next page; paging through a result returns every row once.
/// </summary>
public sealed class ResultBudgetTests
{
    private static readonly SqlColumn[] Columns = [FakeSqlRunner.Column("ID", "INTEGER"), FakeSqlRunner.Column("NAME")];

    private static SqlTool Tool(string extra = "")
    {
        var result = ToolCatalogLoader.LoadText("t.yaml", $$$"""
            sources: {s: {host: h, user: u, password: p}}
            tools:
              big:
                source: s
                description: d
                statement: SELECT ID, NAME FROM T
            {{{extra}}}
            """);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Catalog!.Tools["big"];
    }

    /// <summary>A statement with <paramref name="total"/> rows: answers a fetch as the pool would (cap, truncation).</summary>
    private static FakeSqlRunner Rows(int total, Func<int, string>? name = null) => new(command =>
    {
        var cap = command.FetchAll ? (command.MaxRows > 0 ? command.MaxRows : 30_000) : command.Rows;
        var rows = Enumerable.Range(0, Math.Min(total, cap)).Select(i => $"[{i},{JsonSerializer.Serialize(name?.Invoke(i) ?? $"n{i}")}]");
        return FakeSqlRunner.Result(Columns, "[" + string.Join(",", rows) + "]", truncated: total > cap);
    });

    private static Dictionary<string, JsonElement>? Args(string? json) => json is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json);

    private static string Text(CallToolResult r) => ((TextContentBlock)r.Content[0]).Text;

    private static JsonElement Meta(CallToolResult r) => r.StructuredContent!.Value.GetProperty("metadata");

    private static int[] Ids(CallToolResult r) => r.StructuredContent!.Value.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("ID").GetInt32()).ToArray();

    [Fact]
    public async Task A_large_result_is_cut_to_the_budget_and_says_exactly_how_to_read_on()
    {
        var tool = Tool("    fetchAllRows: true");
        var result = await SqlToolExecutor.InvokeAsync(tool, null, Rows(250), CancellationToken.None);
        var meta = Meta(result);
        Assert.Equal(100, meta.GetProperty("rowCount").GetInt32());
        Assert.True(meta.GetProperty("truncated").GetBoolean());
        Assert.Equal(100, meta.GetProperty("nextOffset").GetInt32());
        const string note = "Showing rows 1-100 (an answer holds at most 100 rows / 32 KB); more rows exist. To read the next page, call big again with the same arguments and \"resultOffset\": 100.";
        Assert.Equal(note, meta.GetProperty("message").GetString());
        Assert.Contains("\"message\": \"" + note.Replace("\"", "\\\"") + "\"", Text(result));   // the JSON text a model reads carries it too
    }

    [Fact]
    public async Task Paging_with_resultOffset_returns_every_row_exactly_once_and_ends_without_a_next_offset()
    {
        var tool = Tool("    fetchAllRows: true");
        var runner = Rows(250);
        var seen = new List<int>();
        int? offset = 0;
        var pages = 0;
        while (offset is int o)
        {
            var result = await SqlToolExecutor.InvokeAsync(tool, Args($$"""{"resultOffset":{{o}}}"""), runner, CancellationToken.None);
            seen.AddRange(Ids(result));
            offset = Meta(result).TryGetProperty("nextOffset", out var next) ? next.GetInt32() : null;
            pages++;
        }
        Assert.Equal(Enumerable.Range(0, 250), seen);
        Assert.Equal(3, pages);
        // Each call fetched only up to the end of its page.
        Assert.Equal([100, 200, 300], runner.Commands.Select(c => c.MaxRows));
    }

    [Fact]
    public async Task Wide_rows_are_cut_by_bytes_before_rows()
    {
        var tool = Tool("    fetchAllRows: true");
        var result = await SqlToolExecutor.InvokeAsync(tool, null, Rows(100, _ => new string('x', 1000)), CancellationToken.None);
        var meta = Meta(result);
        var count = meta.GetProperty("rowCount").GetInt32();
        Assert.InRange(count, 30, 33);   // ~1 KB per row in a 32 KB budget
        Assert.Contains($"Showing rows 1-{count} (an answer holds at most 100 rows / 32 KB; these rows are ", meta.GetProperty("message").GetString());
        Assert.Equal(count, meta.GetProperty("nextOffset").GetInt32());
    }

    [Fact]
    public async Task A_tool_may_set_its_own_budget_and_the_server_sets_the_default()
    {
        var own = await SqlToolExecutor.InvokeAsync(Tool("    fetchAllRows: true\n    maxResultRows: 5"), null, Rows(50), CancellationToken.None);
        Assert.Equal(5, Meta(own).GetProperty("rowCount").GetInt32());

        var server = new ResultSettings(new ResultBudget(7, 1 << 20), ResponseFormat.Json, 30_000);
        var global = await SqlToolExecutor.InvokeAsync(Tool("    fetchAllRows: true"), null, Rows(50), CancellationToken.None, results: server);
        Assert.Equal(7, Meta(global).GetProperty("rowCount").GetInt32());
        Assert.Contains("at most 7 rows / 1 MiB", Meta(global).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Rows_past_what_the_tool_returns_are_reported_as_unreachable_by_paging()
    {
        // The reference default fetches one block of 100 rows: the rest of the statement needs a narrower query.
        var result = await SqlToolExecutor.InvokeAsync(Tool(), null, Rows(250), CancellationToken.None);
        var meta = Meta(result);
        Assert.Equal(100, meta.GetProperty("rowCount").GetInt32());
        Assert.True(meta.GetProperty("truncated").GetBoolean());
        Assert.False(meta.TryGetProperty("nextOffset", out _));
        Assert.Equal("Showing rows 1-100; the statement has more rows than big returns (at most 100 rows unless it sets rowsToFetch or fetchAllRows). Narrow the request to see others.",
            meta.GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_offset_past_the_end_says_so()
    {
        var result = await SqlToolExecutor.InvokeAsync(Tool("    fetchAllRows: true"), Args("""{"resultOffset":500}"""), Rows(20), CancellationToken.None);
        Assert.Equal(0, Meta(result).GetProperty("rowCount").GetInt32());
        Assert.Equal("No rows at resultOffset 500: the result has fewer rows. Call big without resultOffset to start again.", Meta(result).GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"ten\"")]
    [InlineData("1000001")]
    public async Task A_bad_resultOffset_is_a_parameter_error(string value)
    {
        var result = await SqlToolExecutor.InvokeAsync(Tool(), Args($$"""{"resultOffset":{{value}}}"""), Rows(1), CancellationToken.None);
        Assert.True(result.IsError);
        Assert.Equal($"Error executing 'big': Parameter validation failed: 'resultOffset' must be an integer from 0 to 1000000, got {value}", Text(result));
    }

    [Fact]
    public void Every_tool_advertises_resultOffset_and_no_tool_may_declare_it()
    {
        var schema = Tool().ProtocolTool.InputSchema.GetProperty("properties").GetProperty("resultOffset");
        Assert.Equal("integer", schema.GetProperty("type").GetString());
        Assert.Equal(0, schema.GetProperty("minimum").GetInt32());

        var reserved = ToolCatalogLoader.LoadText("r.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              t:
                source: s
                description: d
                statement: SELECT 1 FROM SYSIBM.SYSDUMMY1
                parameters: [{name: resultOffset, type: integer}]
            """);
        Assert.Contains(reserved.Errors, e => e.Rule == "reserved-parameter" && e.Line == 7);
    }

    [Fact]
    public async Task Csv_names_the_columns_once_quotes_what_needs_it_and_ends_with_the_note()
    {
        var tool = Tool("    responseFormat: csv\n    fetchAllRows: true\n    maxResultRows: 3");
        var runner = new FakeSqlRunner(_ => FakeSqlRunner.Result(Columns, """[[1,"plain   "],[2,"a, \"quoted\" one"],[3,null],[4,"more"]]"""));
        var result = await SqlToolExecutor.InvokeAsync(tool, null, runner, CancellationToken.None);
        Assert.Equal(
            "ID,NAME\n1,plain\n2,\"a, \"\"quoted\"\" one\"\n3,\n\nShowing rows 1-3 (an answer holds at most 3 rows / 32 KB); more rows exist. To read the next page, call big again with the same arguments and \"resultOffset\": 3.\n",
            Text(result));
        Assert.Equal(3, result.StructuredContent!.Value.GetProperty("data").GetArrayLength());   // structured content stays JSON
    }

    [Fact]
    public async Task The_server_format_applies_to_tools_that_choose_none()
    {
        var csv = new ResultSettings(ResultBudget.Default, ResponseFormat.Csv, 30_000);
        var result = await SqlToolExecutor.InvokeAsync(Tool(), null, Rows(2), CancellationToken.None, results: csv);
        Assert.Equal("ID,NAME\n0,n0\n1,n1\n", Text(result));
        var own = await SqlToolExecutor.InvokeAsync(Tool("    responseFormat: json"), null, Rows(2), CancellationToken.None, results: csv);
        Assert.StartsWith("{", Text(own));
    }
}
