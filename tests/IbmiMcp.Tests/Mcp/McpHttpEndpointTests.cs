using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IbmiMcp.Configuration;

namespace IbmiMcp.Tests.Mcp;

public sealed class McpHttpEndpointTests
{
    private static ServerOptions Options(SessionMode mode = SessionMode.Auto, params string[] origins)
        => new() { Transport = TransportKind.Http, SessionMode = mode, AllowedOrigins = origins, MaxRequestBodyBytes = 4096 };

    [Fact]
    public async Task Initialize_answers_over_sse_with_the_requested_revision()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var (status, body, response) = await server.SendAsync(McpTestServer.Post(McpTestServer.Initialize(version: "2025-11-25")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("2025-11-25", body.GetProperty("result").GetProperty("protocolVersion").GetString());
        Assert.Equal("ibmi-mcp", body.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        Assert.False(response.Headers.Contains("Mcp-Session-Id"));
    }

    [Theory]
    [InlineData("2024-11-05")]
    [InlineData("2025-03-26")]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    public async Task Initialize_is_answered_with_the_clients_revision_when_it_is_served(string version)
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var (_, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Initialize(version: version)));
        Assert.Equal(version, body.GetProperty("result").GetProperty("protocolVersion").GetString());
    }

    [Fact]
    public async Task Initialize_with_an_unknown_handshake_era_revision_is_answered_with_our_latest_handshake_revision()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var (_, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Initialize(version: "2025-01-01")));
        Assert.Equal("2025-11-25", body.GetProperty("result").GetProperty("protocolVersion").GetString());
    }

    [Fact]
    public async Task Initialize_with_a_revision_after_the_handshake_era_names_the_handshake_revisions()
    {
        // 2026-07-28 and later have no initialize (SEP-2575): -32022 with the revisions that do.
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var (_, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Initialize(version: "2099-01-01")));
        var error = body.GetProperty("error");
        Assert.Equal(-32022, error.GetProperty("code").GetInt32());
        Assert.Equal(["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"],
            error.GetProperty("data").GetProperty("supported").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Notification_only_post_returns_202_with_empty_body()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var response = await server.Client.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_json_returns_400_with_parse_error()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","id":1,"method":"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32700, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("id").ValueKind);
    }

    [Fact]
    public async Task Valid_json_that_is_not_json_rpc_returns_invalid_request()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post("""{"hello":"world"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32600, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    public async Task Batches_are_refused_for_revisions_without_them(string version)
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post("[" + McpTestServer.Call("echo") + "]", protocolVersion: version));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32600, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains($"batches are not part of MCP {version}", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-03-26")]
    [InlineData("2024-11-05")]
    public async Task Batches_of_older_revisions_are_answered_message_by_message(string? version)
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var batch = "[" + McpTestServer.Call("echo", "one", id: 7) + ",{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
            + McpTestServer.Call("echo", "two", id: 8) + "]";
        var response = await server.Client.SendAsync(McpTestServer.Post(batch, protocolVersion: version));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = McpTestServer.ParseEvents(await response.Content.ReadAsStringAsync());
        Assert.Equal([7, 8], answers.Select(a => a.GetProperty("id").GetInt32()));
        Assert.Contains("one", answers[0].GetProperty("result").GetRawText());
        Assert.Contains("two", answers[1].GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task A_batch_of_notifications_only_is_accepted_with_202()
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var response = await server.Client.SendAsync(McpTestServer.Post("""[{"jsonrpc":"2.0","method":"notifications/initialized"}]"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("[]", "empty")]
    [InlineData("[1,2]", "batch element 0")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}]""", "initialize must not be part of a JSON-RPC batch")]
    public async Task Malformed_batches_are_refused_whole(string body, string expected)
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateless));
        var (status, json, _) = await server.SendAsync(McpTestServer.Post(body));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32600, json.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains(expected, json.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_batch_larger_than_the_limit_is_refused()
    {
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateless, MaxRequestBodyBytes = 1 << 20 });
        var batch = "[" + string.Join(",", Enumerable.Range(1, 101).Select(i => McpTestServer.Call("echo", id: i))) + "]";
        var (status, json, _) = await server.SendAsync(McpTestServer.Post(batch));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("at most 100 messages", json.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("2025-03-26", HttpStatusCode.OK)]
    [InlineData("2025-06-18", HttpStatusCode.BadRequest)]
    public async Task A_session_takes_batches_only_when_it_negotiated_a_revision_with_them(string version, HttpStatusCode expected)
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Stateful));
        var (_, _, init) = await server.SendAsync(McpTestServer.Post(McpTestServer.Initialize(version: version)));
        var session = init.Headers.GetValues("Mcp-Session-Id").Single();
        // Batch POSTs of this era carry no MCP-Protocol-Version header; the session's revision decides.
        var (status, body, _) = await server.SendAsync(McpTestServer.Post("[" + McpTestServer.Call("echo") + "]", sessionId: session));
        Assert.Equal(expected, status);
        if (expected == HttpStatusCode.BadRequest)
            Assert.Contains("this session speaks MCP 2025-06-18", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Wrong_content_type_returns_415()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var request = McpTestServer.Post(McpTestServer.Call("echo"));
        request.Content = new StringContent(McpTestServer.Call("echo"), Encoding.UTF8, "text/plain");
        var (status, body, _) = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal(-32600, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Accept_without_event_stream_returns_406()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var request = McpTestServer.Post(McpTestServer.Call("echo"));
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var (status, body, _) = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotAcceptable, status);
        Assert.Contains("text/event-stream", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Wildcard_accept_is_enough()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var request = McpTestServer.Post(McpTestServer.Call("echo"));
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        var (status, _, _) = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Oversized_body_returns_413()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo", new string('x', 5000))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MCP_HTTP_MAX_BODY_BYTES", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Unknown_method_returns_method_not_found()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","id":7,"method":"no/such/method"}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(-32601, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(7, body.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Tool_call_reaches_the_handler_with_the_callers_identity()
    {
        await using var server = await McpTestServer.StartAsync(Options(), auth: new HeaderAuthenticator());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo", "hello"), user: "ALICE", protocolVersion: "2025-06-18"));
        Assert.Equal(HttpStatusCode.OK, status);
        var result = body.GetProperty("result");
        Assert.Equal("ALICE|IbmiToken|hello", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Tool_errors_come_back_as_isError_results()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("fail")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.Contains("SQL0204", body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Tool_exceptions_become_isError_without_internals()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (_, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("boom")));
        var text = body.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString();
        Assert.True(body.GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.DoesNotContain("secret", text);
    }

    [Fact]
    public async Task Unknown_tool_is_an_invalid_params_error()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (_, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("nope")));
        Assert.Equal(-32602, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Tools_list_returns_every_tool()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (_, body, _) = await server.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","id":3,"method":"tools/list"}"""));
        var names = body.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(new[] { "echo", "fail", "boom" }, names!);
    }

    [Fact]
    public async Task Unsupported_protocol_version_header_returns_400()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo"), protocolVersion: "2099-01-01"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Supported: 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("2024-11-05")]
    [InlineData("2025-03-26")]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    public async Task Supported_protocol_versions_are_served(string version)
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo"), protocolVersion: version));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task Revision_2026_07_28_serves_discover_without_initialize()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}""", protocolVersion: "2026-07-28"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.TryGetProperty("result", out var result), body.GetRawText());
        Assert.Contains("2026-07-28", result.GetRawText());
    }

    [Theory]
    [InlineData("http://evil.example.com")]
    [InlineData("null")]
    [InlineData("http://localhost.evil.com")]
    public async Task Foreign_origins_are_forbidden(string origin)
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var request = McpTestServer.Post(McpTestServer.Call("echo"));
        request.Headers.Add("Origin", origin);
        var (status, body, _) = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("2.0", body.GetProperty("jsonrpc").GetString());
        Assert.Contains("Origin", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("http://localhost:6274")]
    [InlineData("https://127.0.0.1")]
    [InlineData("http://[::1]:8080")]
    [InlineData("https://app.example.com")]
    public async Task Loopback_and_configured_origins_are_allowed(string origin)
    {
        await using var server = await McpTestServer.StartAsync(Options(SessionMode.Auto, "https://app.example.com"));
        var request = McpTestServer.Post(McpTestServer.Call("echo"));
        request.Headers.Add("Origin", origin);
        var (status, _, response) = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(origin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Missing_credentials_are_refused_before_the_body_is_read()
    {
        await using var server = await McpTestServer.StartAsync(Options(), auth: new HeaderAuthenticator());
        var (status, body, response) = await server.SendAsync(McpTestServer.Post("not json at all"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(-32006, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.True(response.Headers.WwwAuthenticate.Count > 0);
    }

    [Fact]
    public async Task Get_without_session_and_sse_accept_returns_405()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var request = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var (status, _, _) = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
    }

    [Fact]
    public async Task Get_from_a_browser_or_probe_returns_the_info_document()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var (status, body, _) = await server.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/mcp"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("auto", body.GetProperty("sessionMode").GetString());
    }

    [Fact]
    public async Task Other_methods_return_405_with_allow()
    {
        await using var server = await McpTestServer.StartAsync(Options());
        var response = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/mcp"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }
}
