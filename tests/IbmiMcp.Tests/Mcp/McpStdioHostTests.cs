using System.Text.Json;

namespace IbmiMcp.Tests.Mcp;

public sealed class McpStdioHostTests
{
    [Fact]
    public async Task Stdio_serves_initialize_list_and_call_as_the_server_identity()
    {
        using var session = new StdioSession();

        var init = await session.RoundTripAsync(McpTestServer.Initialize());
        Assert.Equal("2025-06-18", init.GetProperty("result").GetProperty("protocolVersion").GetString());
        await session.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");

        var list = await session.RoundTripAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        Assert.Equal(3, list.GetProperty("result").GetProperty("tools").GetArrayLength());

        var call = await session.RoundTripAsync(McpTestServer.Call("echo", "piped", id: 3));
        Assert.Equal("MCPUSER|Stdio|piped", call.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        var resources = await session.RoundTripAsync("""{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"toolsets://basics"}}""");
        var blob = resources.GetProperty("result").GetProperty("contents")[0].GetProperty("blob").GetString()!;
        using var doc = JsonDocument.Parse(Convert.FromBase64String(blob));
        Assert.Equal(1, doc.RootElement.GetProperty("totalToolsets").GetInt32());
        Assert.Equal("basics", doc.RootElement.GetProperty("toolsets")[0].GetProperty("name").GetString());

        await session.CloseAsync();
    }
}
