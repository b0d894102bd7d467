using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using IbmiMcp.Configuration;
using IbmiMcp.Mcp;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Server;

namespace IbmiMcp.Tests.Mcp;

public sealed class McpStdioHostTests
{
    [Fact]
    public async Task Stdio_serves_initialize_list_and_call_as_the_server_identity()
    {
        var toServer = new Pipe();
        var fromServer = new Pipe();
        var host = new McpStdioHost(new ServerOptions { Db2iUser = "MCPUSER" }, NullLoggerFactory.Instance, new FakeToolSource(), serverPool: null);
        var transport = new StreamServerTransport(toServer.Reader.AsStream(), fromServer.Writer.AsStream(), "ibmi-mcp", NullLoggerFactory.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = host.RunAsync(transport, cts.Token);

        var input = toServer.Writer.AsStream();
        var output = new StreamReader(fromServer.Reader.AsStream(), Encoding.UTF8);

        async Task<JsonElement> RoundTrip(string line)
        {
            await input.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cts.Token);
            await input.FlushAsync(cts.Token);
            var reply = await output.ReadLineAsync(cts.Token);
            Assert.NotNull(reply);
            return JsonDocument.Parse(reply).RootElement.Clone();
        }

        var init = await RoundTrip(McpTestServer.Initialize());
        Assert.Equal("2025-06-18", init.GetProperty("result").GetProperty("protocolVersion").GetString());
        await input.WriteAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"notifications/initialized"}""" + "\n"), cts.Token);

        var list = await RoundTrip("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        Assert.Equal(3, list.GetProperty("result").GetProperty("tools").GetArrayLength());

        var call = await RoundTrip(McpTestServer.Call("echo", "piped", id: 3));
        Assert.Equal("MCPUSER|Stdio|piped", call.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        var resources = await RoundTrip("""{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"toolsets://basics"}}""");
        var blob = resources.GetProperty("result").GetProperty("contents")[0].GetProperty("blob").GetString()!;
        using var doc = JsonDocument.Parse(Convert.FromBase64String(blob));
        Assert.Equal(1, doc.RootElement.GetProperty("totalToolsets").GetInt32());
        Assert.Equal("basics", doc.RootElement.GetProperty("toolsets")[0].GetProperty("name").GetString());

        toServer.Writer.Complete();   // stdin closed → the host returns
        await run.WaitAsync(cts.Token);
    }
}
