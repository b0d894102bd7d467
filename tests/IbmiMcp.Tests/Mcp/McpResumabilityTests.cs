using System.Net;
using System.Text;
using IbmiMcp.Configuration;
using IbmiMcp.Mcp.Resumability;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Mcp;

/// <summary>
/// Resumable streams (SEP-1699): priming events with an id and retry, and a client whose stream of a long tool call is
/// cut resumes it with GET + Last-Event-ID and receives the result exactly once.
/// </summary>
public sealed class McpResumabilityTests : IAsyncLifetime
{
    private static readonly ServerOptions Options = new() { Transport = TransportKind.Http, SessionMode = SessionMode.Stateful, SseRetryMs = 1500 };
    private readonly FakeToolSource _tools = new();
    private McpTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _tools.AddTool("slow");
        _server = await McpTestServer.StartAsync(Options, _tools, new HeaderAuthenticator(), McpEventStore.Create(Options, null, null, NullLoggerFactory.Instance));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> OpenSessionAsync(string user = "alice", string version = "2025-11-25")
    {
        using var response = await _server.Client.SendAsync(McpTestServer.Post(McpTestServer.Initialize(version: version), user: user));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = response.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await _server.Client.SendAsync(McpTestServer.Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", session, version, user));
        return session;
    }

    /// <summary>POSTs a slow tools/call, reads the first event (the priming event) and cuts the connection.</summary>
    private async Task<string> CallAndCutAsync(string session, int id = 9)
    {
        var request = McpTestServer.Post(McpTestServer.Call("slow", id: id), session, "2025-11-25", "alice");
        var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var first = await ReadEventAsync(stream);
        response.Dispose();   // the proxy drops the stream mid-call
        Assert.Contains("event: prime", first);
        Assert.Contains("retry: 1500", first);
        return first.Split('\n').Single(l => l.StartsWith("id: ", StringComparison.Ordinal))[4..];
    }

    private static async Task<string> ReadEventAsync(Stream stream)
    {
        var text = new StringBuilder();
        var buffer = new byte[1];
        while (!text.ToString().EndsWith("\n\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer) == 1)
            text.Append((char)buffer[0]);
        return text.ToString();
    }

    private HttpRequestMessage Resume(string session, string lastEventId, string user = "alice")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("Last-Event-ID", lastEventId);
        request.Headers.Add("X-Test-User", user);
        return request;
    }

    [Fact]
    public async Task A_cut_stream_of_a_long_call_resumes_with_Last_Event_ID_and_delivers_the_result_exactly_once()
    {
        var session = await OpenSessionAsync();
        var lastEventId = await CallAndCutAsync(session);

        _tools.SlowGate.SetResult();   // the IBM i call finishes after the client lost its stream
        using var resumed = await _server.Client.SendAsync(Resume(session, lastEventId));
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("text/event-stream", resumed.Content.Headers.ContentType?.MediaType);
        var body = await resumed.Content.ReadAsStringAsync();   // ends when the call's stream is complete

        var messages = McpTestServer.ParseEvents(body);
        var answer = Assert.Single(messages);
        Assert.Equal(9, answer.GetProperty("id").GetInt32());
        Assert.Equal("slow done", answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Contains("\nid: ", "\n" + body);   // replayed events keep their ids, so a second cut can resume again
    }

    [Fact]
    public async Task The_result_written_while_a_client_is_resumed_arrives_on_the_resumed_stream()
    {
        var session = await OpenSessionAsync();
        var lastEventId = await CallAndCutAsync(session, id: 11);
        using var response = await _server.Client.SendAsync(Resume(session, lastEventId), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var read = response.Content.ReadAsStringAsync();
        await Task.Delay(100);
        Assert.False(read.IsCompleted);   // still waiting for the call
        _tools.SlowGate.SetResult();
        var messages = McpTestServer.ParseEvents(await read);
        Assert.Equal(11, Assert.Single(messages).GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Only_the_sessions_owner_may_resume_and_ids_must_match_the_session()
    {
        var session = await OpenSessionAsync();
        var lastEventId = await CallAndCutAsync(session);

        using var other = await _server.Client.SendAsync(Resume(session, lastEventId, user: "mallory"));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);

        var second = await OpenSessionAsync();
        using var crossed = await _server.Client.SendAsync(Resume(second, lastEventId));
        Assert.Equal(HttpStatusCode.BadRequest, crossed.StatusCode);
        Assert.Contains("belongs to another session", await crossed.Content.ReadAsStringAsync());

        using var unknown = await _server.Client.SendAsync(Resume(session, "bm9wZQ==:MQ==:1"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("unknown or its events expired", await unknown.Content.ReadAsStringAsync());
        _tools.SlowGate.SetResult();
    }

    [Fact]
    public async Task Sessions_of_revisions_before_2025_11_25_get_no_priming_events()
    {
        var session = await OpenSessionAsync(version: "2025-06-18");
        _tools.SlowGate.SetResult();
        using var response = await _server.Client.SendAsync(McpTestServer.Post(McpTestServer.Call("slow"), session, "2025-06-18", "alice"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("event: prime", body);
        Assert.Single(McpTestServer.ParseEvents(body));
    }

    [Fact]
    public async Task A_second_plain_GET_stream_is_told_to_resume_with_Last_Event_ID()
    {
        var session = await OpenSessionAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("X-Test-User", "alice");
        var first = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var primed = await ReadEventAsync(await first.Content.ReadAsStreamAsync());
        Assert.Contains("event: prime", primed);
        first.Dispose();

        // Until the server notices the closed connection the stream still counts as open (409 "already has an open").
        string text = "";
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var again = new HttpRequestMessage(HttpMethod.Get, "/mcp");
            again.Headers.Accept.ParseAdd("text/event-stream");
            again.Headers.Add("Mcp-Session-Id", session);
            again.Headers.Add("X-Test-User", "alice");
            using var second = await _server.Client.SendAsync(again);
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            text = await second.Content.ReadAsStringAsync();
            if (!text.Contains("already has an open", StringComparison.Ordinal)) break;
            await Task.Delay(50);
        }
        Assert.Contains("reconnect with Last-Event-ID", text);
        _tools.SlowGate.SetResult();
    }
}
