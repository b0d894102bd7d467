using IbmiMcp.Tests.TestSupport;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IbmiMcp.Configuration;
using IbmiMcp.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Mcp;

/// <summary>An in-process Kestrel on 127.0.0.1:0 whose only handler is <see cref="McpHttpEndpoint.HandleAsync"/>.</summary>
internal sealed class McpTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private McpTestServer(WebApplication app, McpHttpEndpoint endpoint, Uri baseAddress)
    {
        _app = app;
        Endpoint = endpoint;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public McpHttpEndpoint Endpoint { get; }
    public HttpClient Client { get; }

    /// <param name="events">Resumable streams; none unless given (McpEventStore.Create builds the memory store).</param>
    public static async Task<McpTestServer> StartAsync(ServerOptions? options = null, IToolSource? tools = null, IMcpAuthenticator? auth = null,
        IbmiMcp.Mcp.Resumability.McpEventStore? events = null, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        options ??= new ServerOptions { Transport = TransportKind.Http };
        var endpoint = new McpHttpEndpoint(options, loggerFactory ?? NullLoggerFactory.Instance, tools ?? new FakeToolSource(),
            auth ?? new AnonymousMcpAuthenticator(null, new IbmiMcp.Auth.ServerAccountProfile(null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)),
            events: events);
        var (app, address) = await LoopbackKestrel.StartAsync(endpoint.HandleAsync);
        return new McpTestServer(app, endpoint, address);
    }

    /// <summary>An endpoint already started on <paramref name="app"/> (tests that build their own endpoint).</summary>
    internal static McpTestServer Wrap(WebApplication app, McpHttpEndpoint endpoint, Uri address) => new(app, endpoint, address);

    public static HttpRequestMessage Post(string json, string? sessionId = null, string? protocolVersion = null, string? user = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (sessionId is not null)
            request.Headers.Add("Mcp-Session-Id", sessionId);
        if (protocolVersion is not null)
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        if (user is not null)
            request.Headers.Add("X-Test-User", user);
        return request;
    }

    public static string Initialize(int id = 1, string version = "2025-06-18")
        => "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + version + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}";

    public static string Call(string tool, string text = "hi", int id = 2)
        => "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":{\"text\":\"" + text + "\"}}}";

    /// <summary>Sends and returns (status, the JSON-RPC message: the first SSE data line, or the JSON body).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, ParseBody(text, response.Content.Headers.ContentType?.MediaType), response);
    }

    public static JsonElement ParseBody(string text, string? mediaType)
    {
        if (text.Length == 0)
            return default;
        if (mediaType == "text/event-stream")
        {
            var events = ParseEvents(text);
            return events.Count > 0 ? events[0] : default;
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The JSON-RPC messages of an SSE body, in order; priming events (empty data) are skipped.</summary>
    public static List<JsonElement> ParseEvents(string text)
    {
        var messages = new List<JsonElement>();
        foreach (var line in text.Split('\n'))
            if (line.StartsWith("data:", StringComparison.Ordinal) && line[5..].Trim() is { Length: > 0 } data)
                messages.Add(JsonDocument.Parse(data).RootElement.Clone());
        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await Endpoint.DisposeAsync();
        await _app.DisposeAsync();
    }
}
