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

/// <summary>POST: the body (size, UTF-8, JSON-RPC, params), then routing to a session, a new session (initialize) or a stateless per-request server, whose transport writes the answers as SSE.</summary>
internal sealed partial class McpHttpEndpoint
{
    private async Task HandlePostAsync(HttpContext context)
    {
        var request = context.Request;
        if (!McpRequestHeaders.AcceptsJsonAndEventStream(request.Headers.Accept))
        {
            await Reject(context, StatusCodes.Status406NotAcceptable, -32000,
                "Not Acceptable: Client must accept both application/json and text/event-stream").ConfigureAwait(false);
            return;
        }
        if (!McpRequestHeaders.IsJsonContentType(request.ContentType))
        {
            await Reject(context, StatusCodes.Status415UnsupportedMediaType, -32600,
                "Unsupported Media Type: Content-Type must be 'application/json'.").ConfigureAwait(false);
            return;
        }
        if (request.ContentLength > _maxBody)
        {
            await RejectTooLarge(context).ConfigureAwait(false);
            return;
        }
        if (!McpRequestHeaders.TryReadProtocolVersion(request, out var protocolVersion, out var badVersion))
        {
            await Reject(context, StatusCodes.Status400BadRequest, -32600,
                $"Bad Request: Unsupported MCP-Protocol-Version '{Truncate(badVersion!)}'. Supported: {McpProtocolVersions.SupportedList}.").ConfigureAwait(false);
            return;
        }

        var caller = await _authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        if (caller is null)
            return;

        JsonRpcMessage? message = null;
        List<JsonRpcMessage>? batch = null;
        byte[]? buffer = null;
        try
        {
            int length;
            (buffer, length) = await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
            if (length < 0)
            {
                await RejectTooLarge(context).ConfigureAwait(false);
                return;
            }
            // JSON on the wire is UTF-8 (RFC 8259 §8.1). System.Text.Json only notices bad bytes in a string when
            // something reads it, deep inside the SDK or a handler; checking once here (vectorised, ~20 ns for a
            // typical request) makes every later reader safe.
            if (!System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, length)))
            {
                await Reject(context, StatusCodes.Status400BadRequest, -32700, "Parse error: the request body is not valid UTF-8.").ConfigureAwait(false);
                return;
            }
            // Stateless tools/list and tools/call of the current revisions skip the per-request SDK server.
            if (_options.FastPath
                && protocolVersion is McpProtocolVersions.V2025_06_18 or McpProtocolVersions.V2025_11_25
                && _mode != SessionMode.Stateful
                && StringValues.IsNullOrEmpty(request.Headers["Mcp-Session-Id"])
                && await _fastPath.TryHandleAsync(context, buffer.AsMemory(0, length), caller).ConfigureAwait(false))
            {
                _metrics.RecordMcpRequest(fast: true);
                return;
            }
            var body = buffer.AsMemory(0, length);
            if (IsBatch(body.Span))
            {
                batch = await ParseBatchAsync(context, body, protocolVersion).ConfigureAwait(false);
                if (batch is null)
                    return;
            }
            else
            {
                message = await ParseAsync(context, body).ConfigureAwait(false);
                if (message is null)
                    return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return;   // client went away mid-body
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RejectTooLarge(context).ConfigureAwait(false);
            return;
        }
        finally
        {
            if (buffer is not null)
                ArrayPool<byte>.Shared.Return(buffer);
        }

        if (batch is not null)
        {
            foreach (var item in batch)
                Attach(item, caller, protocolVersion);
            await RouteAsync(context, caller, null, batch).ConfigureAwait(false);
            return;
        }

        // Params are checked before the transport: it reads initialize's itself, and the SDK's own per-request _meta check
        // (2026-07-28) runs before any filter of ours, so both would otherwise see a malformed message first. The same
        // check runs again in McpErrorBoundary for what reaches the SDK another way (batch items, stdio).
        if (await TryRefuseMalformedAsync(context, message!).ConfigureAwait(false))
            return;

        // Bearer-token modes answer a forbidden tools/call with HTTP 403 insufficient_scope before anything runs (MCP
        // authorization); other callers get the handlers' JSON-RPC error. ToolAccess decides in both cases.
        if (caller.Kind is CallerKind.Jwt or CallerKind.OAuth && message is JsonRpcRequest { Method: RequestMethods.ToolsCall } call
            && !_handlers.Access.Policy.IsOpen && await TryRefuseCallAsync(context, call, caller).ConfigureAwait(false))
            return;

        Attach(message!, caller, protocolVersion);
        await RouteAsync(context, caller, message, null).ConfigureAwait(false);
    }

    /// <summary>A request whose params do not fit the schema: -32602 naming the field (HTTP 200); a notification: 202, dropped.</summary>
    private async ValueTask<bool> TryRefuseMalformedAsync(HttpContext context, JsonRpcMessage message)
    {
        switch (message)
        {
            case JsonRpcRequest request when (request.Method == RequestMethods.Initialize
                ? Errors.McpErrorBoundary.ValidateInitialize(request) : Errors.McpParamsValidator.Validate(request.Method, request.Params)) is { } invalid:
                McpLog.InvalidParams(_logger, request.Method, invalid);
                await WriteJsonRpcErrorAsync(context, StatusCodes.Status200OK, request.Id, (int)McpErrorCode.InvalidParams, invalid).ConfigureAwait(false);
                return true;
            case JsonRpcNotification notification when Errors.McpParamsValidator.Validate(notification.Method, notification.Params) is { } invalid:
                McpLog.NotificationDropped(_logger, notification.Method, invalid);
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Session routing for one message or a batch: an existing session, a new one (initialize), or stateless.</summary>
    private async Task RouteAsync(HttpContext context, Caller caller, JsonRpcMessage? message, List<JsonRpcMessage>? batch)
    {
        _metrics.RecordMcpRequest(fast: false);
        var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
        try
        {
            if (sessionId.Length > 0)
            {
                if (_mode == SessionMode.Stateless)
                {
                    await Reject(context, StatusCodes.Status400BadRequest, -32600,
                        "Bad Request: Mcp-Session-Id is not supported; this server runs with MCP_SESSION_MODE=stateless.").ConfigureAwait(false);
                    return;
                }
                var session = await FindSessionAsync(context, sessionId, caller).ConfigureAwait(false);
                if (session is null)
                    return;
                if (batch is not null && !McpProtocolVersions.AllowsBatches(session.Server.NegotiatedProtocolVersion))
                {
                    await Reject(context, StatusCodes.Status400BadRequest, -32600,
                        $"Invalid Request: this session speaks MCP {session.Server.NegotiatedProtocolVersion}, which has no JSON-RPC batches; send one message per POST.").ConfigureAwait(false);
                    return;
                }
                await PostToSessionAsync(context, session, message, batch).ConfigureAwait(false);
                return;
            }

            if (message is JsonRpcRequest { Method: RequestMethods.Initialize } && _mode != SessionMode.Stateless)
            {
                await StartSessionAsync(context, caller, message).ConfigureAwait(false);
                return;
            }

            if (_mode == SessionMode.Stateful)
            {
                await Reject(context, StatusCodes.Status400BadRequest, -32600,
                    "Bad Request: A session ID or an initialize request is required for stateful mode.").ConfigureAwait(false);
                return;
            }

            await PostStatelessAsync(context, message, batch).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // client disconnected; nothing left to answer
        }
        catch (Exception ex)
        {
            var reference = Observability.ErrorReference.New();
            McpLog.EndpointFailed(_logger, ex, reference);
            await Reject(context, StatusCodes.Status500InternalServerError, -32603, Observability.ErrorReference.Message(reference)).ConfigureAwait(false);
        }
    }

    private async Task PostStatelessAsync(HttpContext context, JsonRpcMessage? message, List<JsonRpcMessage>? batch = null)
    {
        var transport = new StreamableHttpServerTransport(_loggerFactory) { Stateless = true };
        var server = McpServer.Create(transport, _serverOptions, _loggerFactory, null);
        var run = server.RunAsync(context.RequestAborted);
        try
        {
            await WriteThroughTransportAsync(context, transport, message, batch).ConfigureAwait(false);
        }
        finally
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StartSessionAsync(HttpContext context, Caller caller, JsonRpcMessage message)
    {
        var id = McpSessionStore.NewSessionId();
#pragma warning disable MCP9006 // resumable streams exist for stateful (2025-11-25 and earlier) sessions, which this server serves on purpose
        var transport = new StreamableHttpServerTransport(_loggerFactory) { SessionId = id, EventStreamStore = _events?.Store };
#pragma warning restore MCP9006
        var server = McpServer.Create(transport, _serverOptions, _loggerFactory, null);
        var session = new McpSession(id, caller, transport, server, _sessions.Now);
        if (!_sessions.TryAdd(session))
        {
            await session.DisposeAsync().ConfigureAwait(false);
            McpLog.SessionLimit(_logger, McpSessionStore.MaxSessions);
            await Reject(context, StatusCodes.Status503ServiceUnavailable, -32000,
                "Service Unavailable: too many open MCP sessions; retry later.").ConfigureAwait(false);
            return;
        }
        McpLog.SessionOpened(_logger, id, caller.Identity);
        if (_events is not null)
            await _events.RecordOwnerAsync(id, caller, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers["Mcp-Session-Id"] = id;
        await PostToSessionAsync(context, session, message).ConfigureAwait(false);
    }

    private async Task PostToSessionAsync(HttpContext context, McpSession session, JsonRpcMessage? message, List<JsonRpcMessage>? batch = null)
    {
        context.Response.Headers["Mcp-Session-Id"] = session.Id;
        session.Enter(_sessions.Now);
        try
        {
            await WriteThroughTransportAsync(context, session.Transport, message, batch).ConfigureAwait(false);
        }
        finally
        {
            session.Exit(_sessions.Now);
        }
    }

    /// <summary>
    /// Hands one message (or, for the revisions that allow them, each message of a batch in order) to the transport,
    /// which writes the answers to this POST's response as SSE events.
    /// </summary>
    private static async Task WriteThroughTransportAsync(HttpContext context, StreamableHttpServerTransport transport, JsonRpcMessage? message,
        List<JsonRpcMessage>? batch)
    {
        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.ContentEncoding = "identity";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        bool wrote = false;
        if (message is not null)
            wrote = await SendAsync(context, transport, message).ConfigureAwait(false);
        if (batch is not null)
            foreach (var item in batch)
                wrote |= await SendAsync(context, transport, item).ConfigureAwait(false);

        if (!wrote && !response.HasStarted)
        {
            // Notifications and client responses carry nothing to answer (Streamable HTTP: 202, empty body).
            response.Headers.ContentType = default;
            response.Headers.CacheControl = default;
            response.Headers.ContentEncoding = default;
            response.StatusCode = StatusCodes.Status202Accepted;
        }
    }

    private static Task<bool> SendAsync(HttpContext context, StreamableHttpServerTransport transport, JsonRpcMessage message)
    {
        var response = context.Response;
        if (message.Context?.ProtocolVersion != McpProtocolVersions.V2026_07_28)
            return transport.HandlePostRequestAsync(message, response.Body, context.RequestAborted);

        // 2026-07-28 (SEP-2575) maps some JSON-RPC errors to HTTP statuses; the status can only be chosen before the
        // first byte, which this callback precedes.
        return transport.HandlePostRequestAsync(message, response.Body, first =>
        {
            if (first is JsonRpcError error && !response.HasStarted)
                response.StatusCode = StatusForError(error.Error.Code);
            return ValueTask.CompletedTask;
        }, context.RequestAborted);
    }

    private async ValueTask<bool> TryRefuseCallAsync(HttpContext context, JsonRpcRequest call, Caller caller)
    {
        if (call.Params is not JsonObject parameters || parameters["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name)
            || !_tools.Contains(name) || _handlers.Access.Refusal(name, caller) is not { } rule)
            return false;
        Dictionary<string, JsonElement>? arguments = null;
        if (parameters["arguments"] is JsonObject args)
        {
            // For the audit line only (names, and values when configured to show them).
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer)) args.WriteTo(writer);
            arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in JsonElement.Parse(buffer.WrittenSpan).EnumerateObject())
                arguments[property.Name] = property.Value;
        }
        var denied = _handlers.Denied(name, arguments, caller, rule, clientName: null);
        if (_authenticator is BearerMcpAuthenticator bearer)
            bearer.SetInsufficientScope(context, rule.Scopes, denied.Message);
        await WriteJsonRpcErrorAsync(context, StatusCodes.Status403Forbidden, call.Id, ToolAccess.ForbiddenCode, denied.Message).ConfigureAwait(false);
        return true;
    }

    private static int StatusForError(int code) => code switch
    {
        (int)McpErrorCode.ParseError or (int)McpErrorCode.InvalidRequest or (int)McpErrorCode.UnsupportedProtocolVersion
            or (int)McpErrorCode.HeaderMismatch or (int)McpErrorCode.MissingRequiredClientCapability => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status200OK,
    };

    private async ValueTask<JsonRpcMessage?> ParseAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        var start = 0;
        while (start < span.Length && span[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            start++;
        if (start == span.Length)
        {
            await Reject(context, StatusCodes.Status400BadRequest, -32700, "Parse error: the request body is empty.").ConfigureAwait(false);
            return null;
        }
        JsonRpcMessage? message = null;
        var valid = true;
        try
        {
            message = JsonSerializer.Deserialize(span, s_messageType);
        }
        catch (JsonException)
        {
            valid = IsWellFormedJson(span);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException or FormatException)
        {
            // The SDK's converters throw these for JSON that is not a JSON-RPC message.
        }

        if (message is not null)
            return message;
        if (!valid)
            await Reject(context, StatusCodes.Status400BadRequest, -32700, "Parse error: the request body is not valid JSON.").ConfigureAwait(false);
        else
            await Reject(context, StatusCodes.Status400BadRequest, -32600, "Invalid Request: the body is not a JSON-RPC 2.0 message.").ConfigureAwait(false);
        return null;
    }

    private static bool IsWellFormedJson(ReadOnlySpan<byte> span)
    {
        try
        {
            var reader = new Utf8JsonReader(span);
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads the whole body into a pooled buffer; length -1 means it exceeded MCP_HTTP_MAX_BODY_BYTES.</summary>
    private async ValueTask<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var initial = (int)Math.Min(request.ContentLength is > 0 and var known ? known + 1 : 4096, _maxBody + 1);
        var buffer = ArrayPool<byte>.Shared.Rent(initial);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > _maxBody)
                        return (buffer, -1);
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, _maxBody + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                if (read == 0)
                    return (buffer, length > _maxBody ? -1 : length);
                length += read;
                if (length > _maxBody)
                    return (buffer, -1);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private Task RejectTooLarge(HttpContext context)
        => Reject(context, StatusCodes.Status413PayloadTooLarge, -32600,
            $"Payload Too Large: the request body exceeds {_maxBody} bytes (MCP_HTTP_MAX_BODY_BYTES).");
}
