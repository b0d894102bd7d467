using System.Buffers;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Mapepire;
using IbmiMcp.Observability;
using IbmiMcp.Tests.Tools;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tests.Observability;

public sealed class ToolCallScopeTests : IDisposable
{
    private readonly MemoryAuditSink _sink = new();
    private readonly AuditLog _audit;
    private readonly ServerMetrics _metrics = new();
    private readonly Telemetry _telemetry;

    public ToolCallScopeTests()
    {
        _audit = new AuditLog(_sink, TimeProvider.System);
        _telemetry = new Telemetry(_audit, _metrics);
    }

    public void Dispose()
    {
        _audit.Dispose();
        _metrics.Dispose();
    }

    private static SqlTool Tool()
    {
        var result = ToolCatalogLoader.LoadText("t.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              emp_tool:
                source: s
                description: d
                statement: "SELECT EMPNO FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = :dept"
                parameters: [{name: dept, type: string, required: true}]
            """);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Catalog!.Tools["emp_tool"];
    }

    private static Dictionary<string, JsonElement> Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private async Task<(CallToolResult Result, JsonElement Line)> CallAsync(ISqlRunner runner, string args, string identity = "ALICE")
    {
        var caller = new Caller(identity, CallerKind.IbmiToken, runner, "10.0.0.9", "s-42");
        var arguments = Args(args);
        var scope = _telemetry.BeginToolCall("emp_tool", arguments, caller, "claude-code");
        Assert.NotSame(caller, scope.Caller);
        var result = await scope.Complete(SqlToolExecutor.InvokeAsync(Tool(), arguments, scope.Caller.Sql!, CancellationToken.None));
        _audit.Dispose();
        return (result, JsonDocument.Parse(Assert.Single(_sink.Lines)).RootElement);
    }

    [Fact]
    public async Task A_successful_call_is_audited_with_rows_truncation_job_and_the_tool_tag_reaches_the_statement()
    {
        var runner = new FakeSqlRunner([FakeSqlRunner.Column("EMPNO")], """[["000010"],["000020"]]""", truncated: true);
        var (result, line) = await CallAsync(runner, """{"dept":"A00"}""", identity: "MCPUSER");

        Assert.False(result.IsError);
        Assert.Equal("emp_tool", Assert.Single(runner.Commands).ClientTag);
        Assert.Equal("MCPUSER", line.GetProperty("user").GetString());
        Assert.Equal("10.0.0.9", line.GetProperty("client_address").GetString());
        Assert.Equal("claude-code", line.GetProperty("mcp_client").GetString());
        Assert.Equal("s-42", line.GetProperty("session").GetString());
        Assert.Equal(["dept"], line.GetProperty("parameters").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, line.GetProperty("rows").GetInt64());
        Assert.True(line.GetProperty("truncated").GetBoolean());
        Assert.Equal("123456/QUSER/QZDASOINIT", line.GetProperty("job").GetString());
        Assert.Equal("success", line.GetProperty("outcome").GetString());
        Assert.DoesNotContain("A00", _sink.Lines[0]);
        Assert.Equal(1, Scrape().Value("mcp_tool_calls_total", ("tool", "emp_tool"), ("outcome", "success")));
    }

    [Fact]
    public async Task A_sql_error_is_audited_with_its_sql_state_and_counted_by_state()
    {
        var runner = FakeSqlRunner.Failing(new MapepireException(MapepireFailure.Sql,
            "[SQL0551] Not authorized to object SALARY_REVIEW in HR type *FILE.", "42501", -551));
        var (result, line) = await CallAsync(runner, """{"dept":"A00"}""");

        Assert.True(result.IsError);
        Assert.Equal("sql_error", line.GetProperty("outcome").GetString());
        Assert.Equal("42501", line.GetProperty("sql_state").GetString());
        Assert.Equal(-1, line.GetProperty("rows").GetInt64());
        var e = Scrape();
        Assert.Equal(1, e.Value("mapepire_errors_total", ("sql_state", "42501")));
        Assert.Equal(1, e.Value("mcp_tool_calls_total", ("tool", "emp_tool"), ("outcome", "sql_error")));
    }

    [Fact]
    public async Task Invalid_arguments_are_audited_as_rejected_without_any_statement()
    {
        var runner = new FakeSqlRunner([FakeSqlRunner.Column("EMPNO")], "[]");
        var (result, line) = await CallAsync(runner, """{"nope":1}""");

        Assert.True(result.IsError);
        Assert.Empty(runner.Commands);
        Assert.Equal("rejected", line.GetProperty("outcome").GetString());
        Assert.Equal(["nope"], line.GetProperty("parameters").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_lost_connection_is_a_connection_error_and_a_cancelled_call_is_cancelled()
    {
        var lost = FakeSqlRunner.Failing(new MapepireException(MapepireFailure.ConnectionLost, "socket closed"));
        var (_, line) = await CallAsync(lost, """{"dept":"A00"}""");
        Assert.Equal("connection_error", line.GetProperty("outcome").GetString());
        Assert.Equal(1, Scrape().Value("mapepire_errors_total", ("sql_state", "none")));

        var sink = new MemoryAuditSink();
        using var audit = new AuditLog(sink, TimeProvider.System);
        var scope = new Telemetry(audit, ServerMetrics.Disabled).BeginToolCall("t", null, new Caller("A", CallerKind.Anonymous, null, null), null);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await scope.Complete(Cancelled()));
        audit.Dispose();
        Assert.Equal("cancelled", JsonDocument.Parse(Assert.Single(sink.Lines)).RootElement.GetProperty("outcome").GetString());

        static async ValueTask<CallToolResult> Cancelled()
        {
            await Task.Yield();
            throw new OperationCanceledException();
        }
    }

    [Fact]
    public void Tagging_a_command_copies_every_property_of_SqlCommand()
    {
        // Guards ToolCallScope.WithTag: a property added to SqlCommand must be copied there too.
        var properties = typeof(SqlCommand).GetProperties().Select(p => p.Name).Order();
        Assert.Equal(["ClientTag", "FetchAll", "MaxRows", "PageSize", "Parameters", "Rows", "Sql"], properties);
        var original = new SqlCommand { Sql = "X", Parameters = [SqlValue.From(1)], Rows = 7, FetchAll = true, PageSize = 3, MaxRows = 9 };
        var tagged = ToolCallScope.WithTag(original, "t");
        Assert.Equal(("X", 7, true, 3, 9, "t"), (tagged.Sql, tagged.Rows, tagged.FetchAll, tagged.PageSize, tagged.MaxRows, tagged.ClientTag));
        Assert.Same(original.Parameters, tagged.Parameters);
    }

    private PrometheusTextParser.Exposition Scrape()
    {
        var buffer = new ArrayBufferWriter<byte>();
        _metrics.WritePrometheus(buffer);
        return PrometheusTextParser.Parse(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
