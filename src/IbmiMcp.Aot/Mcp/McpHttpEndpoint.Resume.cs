using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

#pragma warning disable MCP9006 // resumable streams exist for stateful (2025-11-25 and earlier) sessions, which this server serves on purpose

namespace IbmiMcp.Mcp;

/// <summary>
/// <c>GET</c> with <c>Last-Event-ID</c>: a client whose SSE stream was cut (a POST's answer stream or the standalone GET
/// stream) gets every event after the last one it saw, then the rest as the server writes them, until that stream ends.
/// The events come from the event store, so the session does not have to live on this replica (Redis store): the
/// caller is then checked against the session owner recorded there.
/// </summary>
internal sealed partial class McpHttpEndpoint
{
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<JsonRpcMessage> s_eventType =
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    private async Task ResumeAsync(HttpContext context, Caller caller, string sessionId, string lastEventId)
    {
        if (_events is null)
        {
            await Reject(context, StatusCodes.Status400BadRequest, -32000,
                "Bad Request: this server keeps no events to resume (MCP_RESUMABLE_STREAMS=false).").ConfigureAwait(false);
            return;
        }

        var reader = await _events.Store.GetStreamReaderAsync(lastEventId, context.RequestAborted).ConfigureAwait(false);
        if (reader is null)
        {
            await Reject(context, StatusCodes.Status400BadRequest, -32000,
                $"Bad Request: Last-Event-ID is unknown or its events expired (they are kept {(int)_events.Retention.TotalSeconds} s, MCP_SSE_EVENT_RETENTION_SECONDS).").ConfigureAwait(false);
            return;
        }
        if (!string.Equals(reader.SessionId, sessionId, StringComparison.Ordinal))
        {
            await Reject(context, StatusCodes.Status400BadRequest, -32000,
                "Bad Request: Last-Event-ID belongs to another session than Mcp-Session-Id.").ConfigureAwait(false);
            return;
        }

        // The session's owner: from the session when it lives here, else from the store (another replica opened it).
        _sessions.TryGet(sessionId, out var session);
        var owned = session is not null ? session.IsOwnedBy(caller) : await _events.IsOwnedByAsync(sessionId, caller, context.RequestAborted).ConfigureAwait(false);
        if (owned is null)
        {
            await Reject(context, StatusCodes.Status404NotFound, -32001, "Session not found").ConfigureAwait(false);
            return;
        }
        if (owned == false)
        {
            McpLog.SessionOwnerMismatch(_logger, sessionId, caller.Identity);
            await Reject(context, StatusCodes.Status403Forbidden, -32005, "Forbidden: the session belongs to another identity.").ConfigureAwait(false);
            return;
        }

        session?.Enter(_sessions.Now);
        try
        {
            var response = context.Response;
            response.Headers["Mcp-Session-Id"] = sessionId;
            response.Headers.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache,no-store";
            response.Headers.ContentEncoding = "identity";
            response.Headers["X-Accel-Buffering"] = "no";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);

            // A stream whose writer vanished (its replica stopped mid-call) ends when its events expire at the latest.
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, session?.Lifetime ?? CancellationToken.None);
            limit.CancelAfter(_events.Retention);
            await SseFormatter.WriteAsync(reader.ReadEventsAsync(limit.Token), response.Body, WriteEvent, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or McpException)
        {
            // Client gone, session closed, time limit, or the stream's events expired while it was read.
        }
        finally
        {
            session?.Exit(_sessions.Now);
        }
    }

    private static void WriteEvent(SseItem<JsonRpcMessage?> item, IBufferWriter<byte> output)
    {
        if (item.Data is null)
            return;   // a priming event: id (and retry) only
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, item.Data, s_eventType);
    }
}
