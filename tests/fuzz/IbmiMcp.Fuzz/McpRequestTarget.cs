using System.Text;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Emulator;
using IbmiMcp.Mapepire;
using IbmiMcp.Mcp;
using IbmiMcp.Tools;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Fuzz;

/// <summary>
/// The whole /mcp request path through the SDK, as a client reaches it after the HTTP checks: the body of a POST to
/// <see cref="McpHttpEndpoint"/> with the server's real handlers behind it — the built-in tools, the shipped YAML
/// tools and prompts, execute_sql — on a Mapepire pool to the in-process emulator. The first input byte picks the
/// revision header and whether the POST belongs to an open stateful session; the rest is the body. A finding is an
/// exception out of the endpoint, an HTTP 5xx, or a JSON-RPC -32603: a client's bytes must never look like the
/// server's fault.
/// </summary>
public static class McpRequestTarget
{
    private static readonly string?[] Revisions = [null, "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"];

    private sealed record Fixture(McpHttpEndpoint Stateless, McpHttpEndpoint Stateful)
    {
        public string SessionId { get; set; } = "";
    }

    private static readonly Lazy<Fixture> Server = new(Start);
    private static long _posts;

    /// <summary>How many bodies reached the endpoint (a test checks that no input, not even an empty one, is skipped).</summary>
    public static long Posts => Interlocked.Read(ref _posts);

    public static void Run(byte[] input)
    {
        // An empty input is an empty POST body, not a no-op: SharpFuzz runs its first execution on whatever stdin held
        // when the fork server started (often nothing), and a run that reaches no instrumented code makes afl-fuzz's
        // dry run abort with "No instrumentation detected" (seen under a CPU burner on both cores, issue 29).
        var fixture = Server.Value;
        var selector = input.Length > 0 ? input[0] : (byte)0;
        var revision = Revisions[selector % Revisions.Length];
        var stateful = (selector & 0x80) != 0;
        var (status, body) = PostAsync(stateful ? fixture.Stateful : fixture.Stateless, input.Length > 0 ? input.AsMemory(1) : default, revision,
            stateful ? fixture.SessionId : null).GetAwaiter().GetResult();
        if (status >= 500)
            throw new InvalidOperationException($"HTTP {status}: {body}");
        if (body.Contains("\"code\":-32603", StringComparison.Ordinal) || body.Contains("Internal error (ref", StringComparison.Ordinal))
            throw new InvalidOperationException($"internal error for a client's input: {body}");
        // Sessions opened by fuzzed initialize requests (or the session a fuzzed DELETE-less flow broke) are closed
        // again, so the store never fills up; the target's own session is opened anew.
        if (fixture.Stateful.SessionCount > 50 || !fixture.Stateful.Sessions.TryGet(fixture.SessionId, out _))
        {
            fixture.Stateful.Sessions.Sweep(TimeSpan.Zero);
            fixture.SessionId = OpenSessionAsync(fixture.Stateful).GetAwaiter().GetResult();
        }
    }

    private static async Task<(int Status, string Body)> PostAsync(McpHttpEndpoint endpoint, ReadOnlyMemory<byte> body, string? revision, string? session)
    {
        Interlocked.Increment(ref _posts);
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = "POST";
        request.Path = "/mcp";
        request.ContentType = "application/json";
        request.ContentLength = body.Length;
        request.Headers.Accept = "application/json, text/event-stream";
        if (revision is not null) request.Headers["MCP-Protocol-Version"] = revision;
        if (session is not null) request.Headers["Mcp-Session-Id"] = session;
        request.Body = new MemoryStream(body.ToArray(), writable: false);
        var response = new MemoryStream();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(response));
        await endpoint.HandleAsync(context).ConfigureAwait(false);
        await context.Response.CompleteAsync().ConfigureAwait(false);
        return (context.Response.StatusCode, Encoding.UTF8.GetString(response.ToArray()));
    }

    private static Fixture Start() => StartAsync().GetAwaiter().GetResult();

    private static async Task<Fixture> StartAsync()
    {
        var emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, Tls = false });
        var pool = await MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", emulator.Port, MapepireTlsPolicy.Plain),
            new MapepireCredentials("MCPUSER", "mcppass1"), new MapepirePoolOptions { PoolStart = 1, PoolMax = 2 });
        var root = FindRepositoryRoot();
        McpHttpEndpoint Create(SessionMode mode)
        {
            var options = new ServerOptions
            {
                Transport = TransportKind.Http, SessionMode = mode, EnableDefaultTools = true, EnableExecuteSql = true,
                ToolsYamlPath = Path.Combine(root, "tools"), CompletionTimeoutMs = 2000,
            };
            var loaded = ToolCatalogLoader.Load(options);
            if (!loaded.Success) throw new InvalidOperationException(string.Join("; ", loaded.Errors));
            var watcher = new ToolCatalogWatcher(loaded.Catalog!, ToolLoadSettings.From(options));
            var tools = McpToolSources.Create(options, watcher, NullLoggerFactory.Instance);
            var account = new ServerAccountProfile(pool, NullLogger.Instance);
            return new McpHttpEndpoint(options, NullLoggerFactory.Instance, tools, new AnonymousMcpAuthenticator(pool, account));
        }
        var stateful = Create(SessionMode.Stateful);
        return new Fixture(Create(SessionMode.Stateless), stateful) { SessionId = await OpenSessionAsync(stateful).ConfigureAwait(false) };
    }

    private static async Task<string> OpenSessionAsync(McpHttpEndpoint stateful)
    {
        var init = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}"""u8.ToArray();
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Headers.Accept = "application/json, text/event-stream";
        context.Request.Body = new MemoryStream(init);
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(new MemoryStream()));
        await stateful.HandleAsync(context).ConfigureAwait(false);
        var session = context.Response.Headers["Mcp-Session-Id"].ToString();
        if (session.Length == 0) throw new InvalidOperationException("could not open the stateful session");
        return session;
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "IbmiMcp.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("IbmiMcp.sln not found above the fuzz binary");
    }
}
