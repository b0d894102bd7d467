using System.Net;
using System.Net.Http.Headers;
using IbmiMcp.Configuration;

namespace IbmiMcp.Tests.Mcp;

public sealed class McpSessionTests
{
    private static ServerOptions Options(SessionMode mode) => new() { Transport = TransportKind.Http, SessionMode = mode };

    private static async Task<string> InitializeAsync(McpTestServer server, string? user = null)
    {
        var (status, _, response) = await server.SendAsync(McpTestServer.Post(McpTestServer.Initialize(), user: user));
        Assert.Equal(HttpStatusCode.OK, status);
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("Stateful")]
    public async Task Initialize_opens_a_session_that_later_requests_use(string mode)
    {
        await using var server = await McpTestServer.StartAsync(Options(Enum.Parse<SessionMode>(mode)));
        var id = await InitializeAsync(server);
        Assert.Equal(1, server.Endpoint.SessionCount);

        var notified = await server.Client.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", id, "2025-06-18"));
        Assert.Equal(HttpStatusCode.Accepted, notified.StatusCode);

        var (status, body, response) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo", "x"), id, "2025-06-18"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, response.Headers.GetValues("Mcp-Session-Id").Single());
        Assert.Equal("anonymous|Anonymous|x", body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Auto_mode_serves_requests_without_a_session_statelessly()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Auto));
        var (status, _, response) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(response.Headers.Contains("Mcp-Session-Id"));
        Assert.Equal(0, server.Endpoint.SessionCount);
    }

    [Fact]
    public async Task Stateful_mode_requires_initialize_or_a_session()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateful));
        var (status, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo")));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32600, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Stateless_mode_refuses_session_ids()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var (status, _, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo"), sessionId: "abc"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(0, server.Endpoint.SessionCount);
    }

    [Fact]
    public async Task Unknown_session_id_returns_404_json_rpc_error()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Auto));
        var (status, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo"), sessionId: "no-such-session"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(-32001, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_session_refuses_another_identity()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Auto), auth: new HeaderAuthenticator());
        var id = await InitializeAsync(server, "ALICE");
        var (status, _, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo"), id, "2025-06-18", user: "BOB"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        var (ok, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo", "mine"), id, "2025-06-18", user: "ALICE"));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.StartsWith("ALICE|", body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Delete_closes_the_session()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Auto));
        var id = await InitializeAsync(server);
        var delete = new HttpRequestMessage(HttpMethod.Delete, "/mcp");
        delete.Headers.Add("Mcp-Session-Id", id);
        var (status, body, _) = await server.SendAsync(delete);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("session_closed", body.GetProperty("status").GetString());
        Assert.Equal(0, server.Endpoint.SessionCount);

        var (after, _, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo"), id, "2025-06-18"));
        Assert.Equal(HttpStatusCode.NotFound, after);
    }

    [Fact]
    public async Task Delete_is_not_allowed_in_stateless_mode()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var (status, _, _) = await server.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/mcp"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
    }

    [Fact]
    public async Task Stale_sessions_are_swept()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Auto));
        await InitializeAsync(server);
        Assert.Equal(1, server.Endpoint.SessionCount);
        server.Endpoint.Sessions.Sweep(TimeSpan.Zero);
        for (var i = 0; i < 100 && server.Endpoint.SessionCount > 0; i++)
            await Task.Delay(10);
        Assert.Equal(0, server.Endpoint.SessionCount);
    }

    [Fact]
    public async Task Tool_and_prompt_list_changes_reach_a_session_with_an_open_get_stream()
    {
        var tools = new FakeToolSource();
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Auto), tools);
        var id = await InitializeAsync(server);
        await server.Client.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", id, "2025-06-18"));

        var get = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        get.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        get.Headers.Add("Mcp-Session-Id", id);
        get.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        using var response = await server.Client.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        tools.AddTool("fresh");   // a YAML reload: tools and prompts come from the same files
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var methods = new List<string>();
        while (methods.Count < 2 && await reader.ReadLineAsync(timeout.Token) is { } line)
            if (line.StartsWith("data:", StringComparison.Ordinal))
                methods.Add(System.Text.Json.JsonDocument.Parse(line[5..]).RootElement.GetProperty("method").GetString()!);
        Assert.Equal(["notifications/tools/list_changed", "notifications/prompts/list_changed"], methods);
    }
}
