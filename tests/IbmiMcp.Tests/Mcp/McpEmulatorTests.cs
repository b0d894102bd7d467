using System.Net;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Emulator;
using IbmiMcp.Http;
using IbmiMcp.Mapepire;
using IbmiMcp.Mcp;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Tests.Mcp;

/// <summary>The MCP endpoint with the built-in tools on real Mapepire pools against the in-process emulator.</summary>
public sealed class McpEmulatorTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private readonly Dictionary<string, MapepirePool> _pools = new(StringComparer.OrdinalIgnoreCase);
    private McpTestServer _server = null!;

    /// <summary>X-Test-User picks one of the emulator users' pools, as an IBM i token would.</summary>
    private sealed class PoolAuthenticator(Dictionary<string, MapepirePool> pools) : IMcpAuthenticator
    {
        public async ValueTask<Caller?> AuthenticateAsync(HttpContext context)
        {
            var user = context.Request.Headers["X-Test-User"].ToString();
            if (!pools.TryGetValue(user, out var pool))
            {
                await HttpErrors.WriteJsonRpcAsync(context, 401, -32006, "unknown test user");
                return null;
            }
            return new Caller(pool.User, CallerKind.IbmiToken, pool, null);
        }
    }

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, Tls = false });
        foreach (var (user, password) in new[] { ("MCPUSER", "mcppass1"), ("ALICE", "alice123"), ("BOB", "bob12345") })
        {
            _pools[user] = await MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", _emulator.Port, MapepireTlsPolicy.Plain),
                new MapepireCredentials(user, password), new MapepirePoolOptions { PoolStart = 1, PoolMax = 2 });
        }
        var options = new ServerOptions { Transport = TransportKind.Http, EnableDefaultTools = true, EnableExecuteSql = true };
        _server = await McpTestServer.StartAsync(options, BuiltInToolSource.FromOptions(options), new PoolAuthenticator(_pools));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        foreach (var pool in _pools.Values)
            await pool.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    private async Task<JsonElement> CallAsync(string user, string tool, object arguments)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/call",
            ["params"] = new Dictionary<string, object> { ["name"] = tool, ["arguments"] = arguments },
        });
        var (status, body, _) = await _server.SendAsync(McpTestServer.Post(json, user: user, protocolVersion: "2025-06-18"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.TryGetProperty("result", out var result), body.GetRawText());
        return result;
    }

    private static string Text(JsonElement result) => result.GetProperty("content")[0].GetProperty("text").GetString()!;

    private static void AssertOk(JsonElement result)
        => Assert.False(result.TryGetProperty("isError", out var e) && e.GetBoolean(), Text(result));

    [Fact]
    public async Task List_schemas_and_tables_come_from_the_catalog()
    {
        var schemas = await CallAsync("MCPUSER", "list_schemas", new { filter = "SAMP%" });
        AssertOk(schemas);
        Assert.Contains("SAMPLE", Text(schemas));

        var tables = await CallAsync("MCPUSER", "list_tables_in_schema", new { schema_name = "sample", limit = 2 });
        AssertOk(tables);
        var structured = tables.GetProperty("structuredContent");
        Assert.Equal(2, structured.GetProperty("rowCount").GetInt32());
        Assert.True(structured.GetProperty("hasMore").GetBoolean());
    }

    [Fact]
    public async Task Table_columns_and_ddl_describe_the_employee_table()
    {
        var columns = await CallAsync("MCPUSER", "get_table_columns", new { schema_name = "SAMPLE", table_name = "EMPLOYEE" });
        AssertOk(columns);
        Assert.Contains("EMPNO", Text(columns));

        var ddl = await CallAsync("MCPUSER", "describe_sql_object", new { object_name = "EMPLOYEE", object_library = "SAMPLE" });
        AssertOk(ddl);
        Assert.Contains("CREATE", Text(ddl), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("EMPLOYEE", Text(ddl));
    }

    [Fact]
    public async Task Related_objects_lists_the_dependents_of_a_file()
    {
        var related = await CallAsync("MCPUSER", "get_related_objects", new { library_name = "SAMPLE", file_name = "EMPLOYEE" });
        AssertOk(related);
        Assert.True(related.GetProperty("structuredContent").GetProperty("rowCount").GetInt32() > 0);
    }

    [Fact]
    public async Task Validate_query_parses_with_the_servers_parser()
    {
        var validation = await CallAsync("MCPUSER", "validate_query", new { sql_statement = "SELECT EMPNO, NOSUCHCOL FROM SAMPLE.EMPLOYEE" });
        AssertOk(validation);
        var v = validation.GetProperty("structuredContent");
        Assert.True(v.GetProperty("parsed").GetBoolean(), v.GetRawText());
        Assert.Equal("QUERY", v.GetProperty("statementType").GetString());
    }

    [Fact]
    public async Task Execute_sql_reads_and_refuses_writes()
    {
        var rows = await CallAsync("MCPUSER", "execute_sql", new { sql = "SELECT EMPNO, LASTNAME FROM SAMPLE.EMPLOYEE ORDER BY EMPNO FETCH FIRST 3 ROWS ONLY" });
        AssertOk(rows);
        Assert.Equal(3, rows.GetProperty("structuredContent").GetProperty("rowCount").GetInt32());

        var write = await CallAsync("MCPUSER", "execute_sql", new { sql = "DELETE FROM SAMPLE.EMPLOYEE" });
        Assert.True(write.GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task Built_in_tools_run_as_the_caller_so_authority_follows_the_user()
    {
        var alice = await CallAsync("ALICE", "execute_sql", new { sql = "SELECT * FROM HR.SALARY_REVIEW" });
        AssertOk(alice);

        var bob = await CallAsync("BOB", "execute_sql", new { sql = "SELECT * FROM HR.SALARY_REVIEW" });
        Assert.True(bob.GetProperty("isError").GetBoolean());
        Assert.Contains("SQL0551", Text(bob));
        Assert.Contains("42501", Text(bob));
    }
}
