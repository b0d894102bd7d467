using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
namespace IbmiMcp.Mcp;

/// <summary>GET: a session's standalone SSE stream (resuming with Last-Event-ID is in .Resume), or the reference's info JSON for a human or a probe.</summary>
internal sealed partial class McpHttpEndpoint
{
    private async Task HandleGetAsync(HttpContext context)
    {
        var caller = await _authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        if (caller is null)
            return;

        var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
        if (sessionId.Length == 0)
        {
            if (McpRequestHeaders.AcceptsEventStream(context.Request.Headers.Accept))
            {
                // An SDK client probing for the standalone SSE stream: none exists without a session (SDK semantics).
                context.Response.Headers.Allow = _mode == SessionMode.Stateless ? "POST" : "GET, POST, DELETE";
                await Reject(context, StatusCodes.Status405MethodNotAllowed, -32000,
                    "Method Not Allowed: no standalone SSE stream without a session; POST JSON-RPC messages to this endpoint.").ConfigureAwait(false);
                return;
            }
            await WriteInfoAsync(context).ConfigureAwait(false);   // a human or health probe: the reference's info JSON
            return;
        }

        if (_mode == SessionMode.Stateless)
        {
            context.Response.Headers.Allow = "POST";
            await Reject(context, StatusCodes.Status405MethodNotAllowed, -32000,
                "Method Not Allowed: sessions are not supported with MCP_SESSION_MODE=stateless.").ConfigureAwait(false);
            return;
        }
        if (!McpRequestHeaders.AcceptsEventStream(context.Request.Headers.Accept))
        {
            await Reject(context, StatusCodes.Status406NotAcceptable, -32000,
                "Not Acceptable: Client must accept text/event-stream").ConfigureAwait(false);
            return;
        }
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0)
        {
            await ResumeAsync(context, caller, sessionId, lastEventId).ConfigureAwait(false);
            return;
        }
        var session = await FindSessionAsync(context, sessionId, caller).ConfigureAwait(false);
        if (session is null)
            return;
        switch (session.TryOpenGetStream())
        {
            case GetStreamOpening.AlreadyOpen:
                await Reject(context, StatusCodes.Status409Conflict, -32000,
                    "Conflict: this session already has an open GET stream.").ConfigureAwait(false);
                return;
            case GetStreamOpening.AlreadyUsed:
                // The SDK transport serves its standalone stream once; what it sent since is replayed by Last-Event-ID.
                await Reject(context, StatusCodes.Status409Conflict, -32000, _events is null
                    ? "Conflict: this session's GET stream was already opened once; start a new session to open another."
                    : "Conflict: this session's GET stream was already opened once; reconnect with Last-Event-ID to resume it.").ConfigureAwait(false);
                return;
        }

        session.Enter(_sessions.Now);
        try
        {
            var response = context.Response;
            response.Headers["Mcp-Session-Id"] = session.Id;
            response.Headers.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache,no-store";
            response.Headers.ContentEncoding = "identity";
            response.Headers["X-Accel-Buffering"] = "no";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, session.Lifetime);
            using var body = new SerializedWriteStream(response.Body);
            // Hand the stream to the transport first (it registers it before its first await), then flush the
            // status line: a client that sees 200 can rely on receiving every later notification.
            var loop = session.Transport.HandleGetRequestAsync(body, linked.Token);
            await body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            await loop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            session.CloseGetStream();
            session.Exit(_sessions.Now);
        }
    }
}
