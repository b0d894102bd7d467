using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IbmiMcp.Configuration;
using IbmiMcp.Mcp;
using IbmiMcp.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Server;

namespace IbmiMcp.Tests.Mcp.Errors;

/// <summary>How the endpoint and the stdio host answer a client's mistake (-32602 naming the field) and a real failure (-32603 with a reference).</summary>
public sealed partial class McpErrorBoundaryTests
{
    public static TheoryData<string, string> Mistakes => new()
    {
        { """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":5}}""", "params.name must be a string" },
        { """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":[]}""", "params must be an object" },
        { """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":"x"}}""", "params.arguments must be an object" },
        { """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","_meta":[]}}""", "params._meta must be an object" },
        { """{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":1}}""", "params.cursor must be a string" },
        { """{"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{}}""", "params.name is required" },
        { """{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{}}""", "params.uri is required" },
        { """{"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{}}""", "params.uri is required" },
        { """{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"loud"}}""", "params.level must be one of" },
        { """{"jsonrpc":"2.0","id":2,"method":"completion/complete","params":{"ref":{"type":"ref/prompt"},"argument":{"name":"a","value":""}}}""", "params.ref.name is required" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task A_stateless_mistake_is_answered_minus_32602_naming_the_field_on_both_paths(string body, string expected)
    {
        foreach (var fastPath in new[] { true, false })
        {
            await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateless, FastPath = fastPath });
            var (status, json, _) = await server.SendAsync(McpTestServer.Post(body, protocolVersion: "2025-11-25"));
            AssertInvalidParams(status, json, expected);
        }
    }

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task A_mistake_inside_a_session_is_answered_minus_32602_and_the_session_keeps_serving(string body, string expected)
    {
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateful });
        var (_, _, init) = await server.SendAsync(McpTestServer.Post(McpTestServer.Initialize()));
        var session = init.Headers.GetValues("Mcp-Session-Id").Single();
        var (status, json, _) = await server.SendAsync(McpTestServer.Post(body, session, "2025-06-18"));
        AssertInvalidParams(status, json, expected);
        var (_, call, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("echo", "still here"), session, "2025-06-18"));
        Assert.EndsWith("|still here", call.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("""{"capabilities":{},"clientInfo":{"name":"c","version":"1"}}""", "params.protocolVersion is required")]
    [InlineData("""{"protocolVersion":"2025-06-18","clientInfo":{"name":"c","version":"1"}}""", "params.capabilities is required")]
    [InlineData("""{"protocolVersion":"2025-06-18","capabilities":{}}""", "params.clientInfo is required")]
    [InlineData("""{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1","icons":[7]}}""", "params.clientInfo.icons[0] must be an object")]
    [InlineData("""{"protocolVersion":"2025-06-18","capabilities":{"elicitation":[]},"clientInfo":{"name":"c","version":"1"}}""", "params.capabilities.elicitation must be an object")]
    public async Task A_malformed_initialize_is_minus_32602_with_http_200_and_opens_no_session(string parameters, string expected)
    {
        foreach (var mode in new[] { SessionMode.Stateless, SessionMode.Stateful, SessionMode.Auto })
        {
            await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = mode });
            var (status, json, response) = await server.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","id":"i-1","method":"initialize","params":""" + parameters + "}"));
            AssertInvalidParams(status, json, expected);
            Assert.Equal("i-1", json.GetProperty("id").GetString());
            Assert.False(response.Headers.Contains("Mcp-Session-Id"));
            Assert.Equal(0, server.Endpoint.SessionCount);
        }
    }

    [Fact]
    public async Task In_a_batch_the_malformed_request_gets_minus_32602_and_the_others_their_answers()
    {
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateless });
        var batch = "[" + McpTestServer.Call("echo", "one", id: 1) + """,{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":[]}}""" + "]";
        var request = McpTestServer.Post(batch, protocolVersion: "2025-03-26");
        var response = await server.Client.SendAsync(request);
        var answers = McpTestServer.ParseEvents(await response.Content.ReadAsStringAsync()).ToDictionary(a => a.GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("|one", answers[1].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(-32602, answers[2].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("params.name must be a string", answers[2].GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_malformed_notification_is_accepted_and_dropped()
    {
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateless });
        var (status, _, _) = await server.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":{}}}""", protocolVersion: "2025-06-18"));
        Assert.Equal(HttpStatusCode.Accepted, status);
    }

    [Fact]
    public async Task Unknown_fields_are_still_accepted_and_ignored()
    {
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateless });
        var (status, json, _) = await server.SendAsync(McpTestServer.Post(
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"},"future":{"field":[1]}}}""", protocolVersion: "2025-11-25"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.EndsWith("|x", json.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_real_failure_is_minus_32603_with_a_reference_that_is_in_the_error_log_line()
    {
        var log = new ListLoggerFactory();
        var tools = new FakeToolSource { BrokenToolsets = true };
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateless }, tools, loggerFactory: log);
        var (status, json, _) = await server.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","id":4,"method":"resources/list"}""", protocolVersion: "2025-06-18"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(-32603, json.GetProperty("error").GetProperty("code").GetInt32());
        var message = json.GetProperty("error").GetProperty("message").GetString()!;
        Assert.DoesNotContain("internals", message);
        var reference = Reference().Match(message).Groups[1].Value;
        Assert.Matches("^[0-9a-f]{8}$", reference);
        var line = Assert.Single(log.Lines, l => l.Level == LogLevel.Error && l.Text.Contains(reference));
        Assert.IsType<InvalidOperationException>(line.Exception);
    }

    [Fact]
    public async Task A_tool_that_throws_returns_a_tool_error_with_a_reference_that_is_in_the_log()
    {
        var log = new ListLoggerFactory();
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateless }, loggerFactory: log);
        var (_, json, _) = await server.SendAsync(McpTestServer.Post(McpTestServer.Call("boom"), protocolVersion: "2025-06-18"));
        var result = json.GetProperty("result");
        Assert.True(result.GetProperty("isError").GetBoolean());
        var reference = Reference().Match(result.GetProperty("content")[0].GetProperty("text").GetString()!).Groups[1].Value;
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Error && l.Text.Contains(reference) && l.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task Over_stdio_the_same_mistakes_get_the_same_answers()
    {
        using var session = new StdioSession();
        var badInit = await session.RoundTripAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"c","version":"1"}}}""");
        Assert.Equal(-32602, badInit.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("params.protocolVersion is required", badInit.GetProperty("error").GetProperty("message").GetString());
        await session.RoundTripAsync(McpTestServer.Initialize(id: 2));
        var badCall = await session.RoundTripAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":5}}""");
        Assert.Equal(-32602, badCall.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("params.name must be a string", badCall.GetProperty("error").GetProperty("message").GetString());
        var call = await session.RoundTripAsync(McpTestServer.Call("echo", "piped", id: 4));
        Assert.Equal("MCPUSER|Stdio|piped", call.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        await session.CloseAsync();
    }

    [GeneratedRegex(@"\(ref ([0-9a-f]+)\)")]
    private static partial Regex Reference();

    private static void AssertInvalidParams(HttpStatusCode status, JsonElement json, string expected)
    {
        Assert.Equal(HttpStatusCode.OK, status);
        var error = json.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString());
    }
}
