using IbmiMcp.Tests.TestSupport;
using System.Net;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Emulator;
using IbmiMcp.Mapepire;
using IbmiMcp.Mcp;
using IbmiMcp.Observability;
using IbmiMcp.Tests.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Observability;

/// <summary>The MCP endpoint's hook: tools/call over HTTP (built-in tools, real pools on the emulator) reaches the audit trail.</summary>
public sealed class McpAuditTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private MapepirePool _pool = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private readonly MemoryAuditSink _sink = new();
    private AuditLog _audit = null!;

    private sealed class PoolAuthenticator(MapepirePool pool) : IMcpAuthenticator
    {
        public ValueTask<Caller?> AuthenticateAsync(HttpContext context) =>
            ValueTask.FromResult<Caller?>(new Caller(pool.User, CallerKind.IbmiToken, pool, context.Connection.RemoteIpAddress?.ToString(), "s-mcp"));
    }

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, Tls = false });
        _pool = await MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", _emulator.Port, MapepireTlsPolicy.Plain),
            new MapepireCredentials("BOB", "bob12345"), new MapepirePoolOptions { PoolStart = 1, PoolMax = 2 });
        _audit = new AuditLog(_sink, TimeProvider.System);
        var options = new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateful, EnableDefaultTools = true, EnableExecuteSql = true };
        var endpoint = new McpHttpEndpoint(options, NullLoggerFactory.Instance, BuiltInToolSource.FromOptions(options), new PoolAuthenticator(_pool),
            telemetry: new Telemetry(_audit, ServerMetrics.Disabled));
        (_app, var address) = await LoopbackKestrel.StartAsync(endpoint.HandleAsync);
        _client = new HttpClient { BaseAddress = address };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _audit.Dispose();
        await _pool.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    private async Task<(HttpStatusCode, JsonElement, HttpResponseMessage)> SendAsync(string json, string? session)
    {
        var response = await _client.SendAsync(McpTestServer.Post(json, session, session is null ? null : "2025-06-18"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, McpTestServer.ParseBody(text, response.Content.Headers.ContentType?.MediaType), response);
    }

    [Fact]
    public async Task A_tools_call_over_http_is_audited_with_the_mcp_client_name_and_attributed_on_ibm_i()
    {
        var initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"obs-client","version":"1"}}}""";
        var (status, _, response) = await SendAsync(initialize, null);
        Assert.Equal(HttpStatusCode.OK, status);
        var session = response.Headers.GetValues("Mcp-Session-Id").Single();
        await SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", session);

        var ok = """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"execute_sql","arguments":{"sql":"SELECT EMPNO FROM SAMPLE.EMPLOYEE FETCH FIRST 2 ROWS ONLY"}}}""";
        var denied = """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"execute_sql","arguments":{"sql":"SELECT * FROM HR.SALARY_REVIEW"}}}""";
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(ok, session)).Item1);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(denied, session)).Item1);
        _audit.Dispose();

        var lines = _sink.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l =>
        {
            Assert.Equal("tool_call", l.GetProperty("event").GetString());
            Assert.Equal("execute_sql", l.GetProperty("tool").GetString());
            Assert.Equal("BOB", l.GetProperty("user").GetString());
            Assert.Equal("obs-client", l.GetProperty("mcp_client").GetString());
            Assert.Equal("s-mcp", l.GetProperty("session").GetString());
            Assert.Equal(["sql"], l.GetProperty("parameters").EnumerateArray().Select(e => e.GetString()));
        });
        Assert.Equal("success", lines[0].GetProperty("outcome").GetString());
        Assert.Equal(2, lines[0].GetProperty("rows").GetInt64());
        Assert.Equal("sql_error", lines[1].GetProperty("outcome").GetString());
        Assert.Equal("42501", lines[1].GetProperty("sql_state").GetString());
        Assert.DoesNotContain("SALARY_REVIEW", _sink.Lines[1]);   // the SQL text is an argument value: redacted

        // Built-in tools tag their statements themselves ("ibmi-mcp:<tool>"); the scope keeps a tag it finds.
        var record = _emulator.ClientInfo.Last(r => r.Sql.Contains("FETCH FIRST 2 ROWS", StringComparison.Ordinal));
        Assert.Equal("ibmi-mcp:execute_sql", record.ProgramId);
        Assert.Equal("ibmi-mcp", record.ApplicationName);
        Assert.Equal("BOB", record.User);
        Assert.Equal(record.Job, lines[0].GetProperty("job").GetString());
    }
}
