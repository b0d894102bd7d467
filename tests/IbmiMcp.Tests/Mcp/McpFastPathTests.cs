using System.Net;
using System.Text.Json;
using IbmiMcp.Configuration;

namespace IbmiMcp.Tests.Mcp;

/// <summary>The stateless fast path must answer byte for byte what the SDK path answers.</summary>
public sealed class McpFastPathTests
{
    private static async Task<string> DataLineAsync(McpTestServer server, string json, string? version)
    {
        var response = await server.Client.SendAsync(McpTestServer.Post(json, protocolVersion: version, user: "ALICE"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("event: message\n", text);
        Assert.EndsWith("\n\n", text);
        return text.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..];
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":11,"method":"tools/list"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"abc","method":"tools/list","params":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"echo","arguments":{"text":"fast \u00e9"}}}""")]
    [InlineData("""{"method":"tools/call","params":{"arguments":{"text":"x"},"name":"fail"},"id":13,"jsonrpc":"2.0"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"boom"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"nope","arguments":{}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":16,"method":"tools/call","params":{"name":"echo","arguments":{},"_meta":{"progressToken":1}}}""")]
    public async Task Fast_path_answers_exactly_as_the_sdk(string json)
    {
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http }, auth: new HeaderAuthenticator());
        var sdk = await DataLineAsync(server, json, null);          // no version header: always the SDK path
        var fast = await DataLineAsync(server, json, "2025-06-18");  // eligible for the fast path
        // Internal errors carry a random reference each (Observability.ErrorReference); the rest must match byte for byte.
        Assert.Equal(WithoutReference(sdk), WithoutReference(fast));
        using var doc = JsonDocument.Parse(fast);
        Assert.True(doc.RootElement.TryGetProperty("result", out _) || doc.RootElement.TryGetProperty("error", out _));
    }

    private static string WithoutReference(string data) => System.Text.RegularExpressions.Regex.Replace(data, @"\(ref [0-9a-f]{8}\)", "(ref)");

    [Fact]
    public async Task Fast_path_follows_tool_list_changes()
    {
        var tools = new FakeToolSource();
        await using var server = await McpTestServer.StartAsync(new ServerOptions { Transport = TransportKind.Http }, tools);
        const string list = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";
        var before = await DataLineAsync(server, list, "2025-11-25");
        tools.AddTool("fresh");
        var after = await DataLineAsync(server, list, "2025-11-25");
        Assert.DoesNotContain("fresh", before);
        Assert.Contains("\"fresh\"", after);
    }
}
