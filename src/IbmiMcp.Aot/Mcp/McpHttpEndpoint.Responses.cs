using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

internal sealed partial class McpHttpEndpoint
{
    /// <summary>GET without a session and without an SSE Accept: the reference server's status JSON (spec §6.1).</summary>
    private Task WriteInfoAsync(HttpContext context)
    {
        return WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteString("status"u8, "ok"u8);
            w.WriteStartObject("server"u8);
            w.WriteString("name"u8, _options.ServerName);
            w.WriteString("version"u8, _options.ServerVersion);
            w.WriteString("description"u8, "MCP server for IBM i (Db2 for i over Mapepire)"u8);
            w.WriteEndObject();
            w.WriteString("sessionMode"u8, _mode switch
            {
                Configuration.SessionMode.Stateless => "stateless",
                Configuration.SessionMode.Stateful => "stateful",
                _ => "auto",
            });
            w.WriteStartArray("protocolVersions"u8);
            foreach (var version in McpProtocolVersions.Supported)
                w.WriteStringValue(version);
            w.WriteEndArray();
            w.WriteString("message"u8, "Server is running. POST to this endpoint to execute a tool call."u8);
        });
    }

    /// <summary>DELETE answers, shaped as the reference: {"status":…,"message"?:…,"sessionId"?:…}.</summary>
    private static Task WriteStatusAsync(HttpContext context, string status, string? message, string? sessionId)
    {
        return WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteString("status"u8, status);
            if (message is not null)
                w.WriteString("message"u8, message);
            if (sessionId is not null)
                w.WriteString("sessionId"u8, sessionId);
        });
    }

    /// <summary>A JSON-RPC error answering request <paramref name="id"/>, as one application/json body (no SSE stream).</summary>
    private static async Task WriteJsonRpcErrorAsync(HttpContext context, int status, RequestId id, int code, string message)
    {
        var error = new JsonRpcError { Id = id, Error = new JsonRpcErrorDetail { Code = code, Message = message } };
        var body = JsonSerializer.SerializeToUtf8Bytes<JsonRpcMessage>(error, s_messageType);
        await Http.HttpBody.WriteAsync(context, status, "application/json", body).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
