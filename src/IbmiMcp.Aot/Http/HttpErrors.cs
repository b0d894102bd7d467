using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Http;

/// <summary>
/// The one JSON error writer every endpoint uses. Two shapes exist on the wire (spec §1.3, §2.2, §6.1):
/// the auth endpoints' <c>{"error":{"code":…,"message":…}}</c> and the JSON-RPC envelope
/// <c>{"jsonrpc":"2.0","error":{"code":…,"message":…},"id":null}</c> used for /mcp and middleware-level errors.
/// Messages are fixed texts chosen by the caller; they never echo secrets.
/// </summary>
internal static class HttpErrors
{
    public static Task WriteAsync(HttpContext context, int status, int code, string message, int? retryAfterSeconds = null)
        => WriteCoreAsync(context, status, code, message, jsonRpc: false, retryAfterSeconds);

    public static Task WriteJsonRpcAsync(HttpContext context, int status, int code, string message, int? retryAfterSeconds = null)
        => WriteCoreAsync(context, status, code, message, jsonRpc: true, retryAfterSeconds);

    private static async Task WriteCoreAsync(HttpContext context, int status, int code, string message, bool jsonRpc, int? retryAfterSeconds)
    {
        var response = context.Response;
        if (response.HasStarted)
            return;
        if (retryAfterSeconds is { } seconds)
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (jsonRpc)
                writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WriteStartObject("error"u8);
            writer.WriteNumber("code"u8, code);
            writer.WriteString("message"u8, message);
            writer.WriteEndObject();
            if (jsonRpc)
                writer.WriteNull("id"u8);
            writer.WriteEndObject();
        }
        await HttpBody.WriteAsync(context, status, "application/json", buffer.WrittenMemory).ConfigureAwait(false);
    }
}
