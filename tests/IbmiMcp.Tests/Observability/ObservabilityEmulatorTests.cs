using System.Buffers;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Emulator;
using IbmiMcp.Http;
using IbmiMcp.Mapepire;
using IbmiMcp.Observability;
using IbmiMcp.Tools;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Tests.Observability;

/// <summary>
/// Audit, metrics, IBM i attribution and readiness against the emulator over real sockets: the parts composed the
/// way the server composes them (pool from ServerOptions, YAML tool executor, ToolCallScope, readiness check).
/// </summary>
public sealed class ObservabilityEmulatorTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private readonly MemoryAuditSink _sink = new();
    private AuditLog _audit = null!;
    private readonly ServerMetrics _metrics = new();
    private Telemetry _telemetry = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, Tls = false });
        _audit = new AuditLog(_sink, TimeProvider.System);
        _telemetry = new Telemetry(_audit, _metrics);
    }

    public async Task DisposeAsync()
    {
        _audit.Dispose();
        _metrics.Dispose();
        await _emulator.DisposeAsync();
    }

    private static MapepirePoolOptions PoolOptions() =>
        MapepirePoolOptions.FromServer(new ServerOptions(), poolStart: 1, poolMax: 2) is var o
            ? new MapepirePoolOptions
            {
                PoolStart = o.PoolStart, PoolMax = o.PoolMax, ApplicationName = o.ApplicationName,
                AcquireTimeout = TimeSpan.FromSeconds(5), ConnectTimeout = TimeSpan.FromSeconds(5), QueryTimeout = TimeSpan.FromSeconds(10),
            }
            : throw new InvalidOperationException();

    private Task<MapepirePool> OpenPoolAsync(string user, string password, int? port = null) =>
        MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", port ?? _emulator.Port, MapepireTlsPolicy.Plain),
            new MapepireCredentials(user, password), PoolOptions());

    private static SqlTool Tool(string name, string statement)
    {
        var result = ToolCatalogLoader.LoadText("t.yaml", $$$"""
            sources: {s: {host: h, user: u, password: p}}
            tools:
              {{{name}}}:
                source: s
                description: d
                statement: "{{{statement}}}"
                parameters: [{name: dept, type: string, required: false, default: "A00"}]
            """);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Catalog!.Tools[name];
    }

    private async Task<ModelContextProtocol.Protocol.CallToolResult> CallAsync(SqlTool tool, Caller caller, string args = """{"dept":"A00"}""")
    {
        var arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(args)!;
        var scope = _telemetry.BeginToolCall(tool.Name, arguments, caller, "obs-tests");
        return await scope.Complete(SqlToolExecutor.InvokeAsync(tool, arguments, scope.Caller.Sql!, CancellationToken.None));
    }

    private JsonElement[] AuditLines()
    {
        _audit.Dispose();
        return _sink.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
    }

    [Fact]
    public async Task Each_statement_of_a_tool_call_runs_under_the_application_name_and_the_tool_name_in_the_client_registers()
    {
        await using var pool = await OpenPoolAsync("ALICE", "alice123");
        var caller = new Caller("ALICE", CallerKind.IbmiToken, pool, "127.0.0.1", "s-1");
        var tool = Tool("dept_employees", "SELECT EMPNO, LASTNAME FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = :dept");

        var result = await CallAsync(tool, caller);
        Assert.False(result.IsError);
        // A tool source that sets no tag (a built-in) still gets the tool name through the scope.
        var scope = _telemetry.BeginToolCall("builtin_probe", null, caller, null);
        using (await scope.Caller.Sql!.ExecuteAsync(new SqlCommand { Sql = "SELECT COUNT(*) FROM SAMPLE.DEPARTMENT" }, CancellationToken.None)) { }

        var toolStatement = _emulator.ClientInfo.Last(r => r.Sql.Contains("WORKDEPT", StringComparison.Ordinal));
        Assert.Equal("ibmi-mcp", toolStatement.ApplicationName);
        Assert.Equal("dept_employees", toolStatement.ProgramId);
        Assert.Equal("ALICE", toolStatement.User);
        Assert.Equal("ALICE", toolStatement.ClientUserId);
        var builtin = _emulator.ClientInfo.Last(r => r.Sql.Contains("SAMPLE.DEPARTMENT", StringComparison.Ordinal));
        Assert.Equal("builtin_probe", builtin.ProgramId);
        Assert.Equal("ibmi-mcp", builtin.ApplicationName);

        var line = Assert.Single(AuditLines());
        Assert.Equal("dept_employees", line.GetProperty("tool").GetString());
        Assert.Equal("ALICE", line.GetProperty("user").GetString());
        Assert.Equal(toolStatement.Job, line.GetProperty("job").GetString());   // the audit line points at the IBM i job
        Assert.True(line.GetProperty("rows").GetInt64() > 0);
        Assert.Equal("success", line.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_statement_the_user_may_not_run_is_audited_as_sql_error_42501_and_counted()
    {
        await using var pool = await OpenPoolAsync("BOB", "bob12345");
        var tool = Tool("salary_review", "SELECT * FROM HR.SALARY_REVIEW");
        _metrics.SetToolNames(["salary_review"]);

        var result = await CallAsync(tool, new Caller("BOB", CallerKind.IbmiToken, pool, "127.0.0.1", "s-2"), "{}");

        Assert.True(result.IsError);
        var line = Assert.Single(AuditLines());
        Assert.Equal("BOB", line.GetProperty("user").GetString());
        Assert.Equal("sql_error", line.GetProperty("outcome").GetString());
        Assert.Equal("42501", line.GetProperty("sql_state").GetString());
        var e = Scrape();
        Assert.Equal(1, e.Value("mapepire_errors_total", ("sql_state", "42501")));
        Assert.Equal(1, e.Value("mcp_tool_call_duration_seconds_count", ("tool", "salary_review")));
    }

    [Fact]
    public async Task Readiness_flips_to_503_when_the_emulator_goes_down_and_back_to_200_when_it_returns()
    {
        var time = new ManualTimeProvider();
        var port = _emulator.Port;
        await using var pool = await OpenPoolAsync("MCPUSER", "mcppass1");
        _metrics.ObservePools(() => pool.Statistics is var s ? new PoolGauges(s.Idle, s.Busy, s.Opening, s.Waiters) : default);
        var health = new HealthEndpoint(
        [
            ReadinessChecks.Configuration(),
            ReadinessChecks.ServerPool(async ct => { await pool.CheckHealthAsync(ct); return true; }, time),
        ], "test", time);

        Assert.Equal((200, "ok"), await ProbeAsync(health));
        Assert.Equal(1, Scrape().Value("mapepire_pool_connections", ("state", "idle")));

        await _emulator.DisposeAsync();
        time.Advance(TimeSpan.FromSeconds(3));
        var down = await ProbeAsync(health);
        Assert.Equal((503, "unavailable"), down);

        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = port, Tls = false });
        (int, string) back = default;
        for (var attempt = 0; attempt < 5 && back.Item1 != 200; attempt++)
        {
            time.Advance(TimeSpan.FromSeconds(3));
            back = await ProbeAsync(health);
        }
        Assert.Equal((200, "ok"), back);
    }

    private static async Task<(int Status, string State)> ProbeAsync(HealthEndpoint health)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Response.Body = new MemoryStream();
        await health.HandleAsync(context);
        var body = JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray()).RootElement;
        return (context.Response.StatusCode, body.GetProperty("status").GetString()!);
    }

    private PrometheusTextParser.Exposition Scrape()
    {
        var buffer = new ArrayBufferWriter<byte>();
        _metrics.WritePrometheus(buffer);
        return PrometheusTextParser.Parse(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
