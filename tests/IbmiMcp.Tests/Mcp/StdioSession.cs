using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using IbmiMcp.Configuration;
using IbmiMcp.Mcp;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Server;

namespace IbmiMcp.Tests.Mcp;

/// <summary>An <see cref="McpStdioHost"/> over in-memory pipes with <see cref="FakeToolSource"/>: one JSON-RPC line in, one out.</summary>
internal sealed class StdioSession : IDisposable
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _fromServer = new();
    private readonly Stream _input;
    private readonly StreamReader _output;
    private readonly Task _run;

    public StdioSession()
    {
        var host = new McpStdioHost(new ServerOptions { Db2iUser = "MCPUSER" }, NullLoggerFactory.Instance, new FakeToolSource(), serverPool: null);
        var transport = new StreamServerTransport(_toServer.Reader.AsStream(), _fromServer.Writer.AsStream(), "ibmi-mcp", NullLoggerFactory.Instance);
        _run = host.RunAsync(transport, Timeout.Token);
        _input = _toServer.Writer.AsStream();
        _output = new StreamReader(_fromServer.Reader.AsStream(), Encoding.UTF8);
    }

    public CancellationTokenSource Timeout { get; } = new(TimeSpan.FromSeconds(20));

    /// <summary>Writes one line (a notification gets no answer: use <see cref="SendAsync"/>).</summary>
    public async Task SendAsync(string line)
    {
        await _input.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), Timeout.Token);
        await _input.FlushAsync(Timeout.Token);
    }

    public async Task<JsonElement> RoundTripAsync(string line)
    {
        await SendAsync(line);
        var reply = await _output.ReadLineAsync(Timeout.Token);
        Assert.NotNull(reply);
        return JsonDocument.Parse(reply).RootElement.Clone();
    }

    /// <summary>Closes stdin; the host returns.</summary>
    public async Task CloseAsync()
    {
        _toServer.Writer.Complete();
        await _run.WaitAsync(Timeout.Token);
    }

    public void Dispose() => Timeout.Dispose();
}
