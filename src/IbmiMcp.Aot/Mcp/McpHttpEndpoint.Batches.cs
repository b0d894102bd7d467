using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// JSON-RPC batches, which MCP 2024-11-05 and 2025-03-26 servers must accept (2025-06-18 removed them). Each message
/// of the batch is handed to the transport in order and every answer goes to this POST's SSE stream. A batch is
/// refused whole (400) when it is empty, larger than <see cref="MaxBatchMessages"/>, holds something that is not a
/// JSON-RPC message, carries <c>initialize</c> (which the 2025-03-26 lifecycle forbids in a batch), or belongs to a
/// request or session of a later revision.
/// </summary>
internal sealed partial class McpHttpEndpoint
{
    /// <summary>Bounds the work one POST can queue; clients that batch send a handful of messages.</summary>
    internal const int MaxBatchMessages = 100;

    private static bool IsBatch(ReadOnlySpan<byte> body)
    {
        var start = 0;
        while (start < body.Length && body[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            start++;
        return start < body.Length && body[start] == (byte)'[';
    }

    private async ValueTask<List<JsonRpcMessage>?> ParseBatchAsync(HttpContext context, ReadOnlyMemory<byte> body, string? protocolVersion)
    {
        if (!McpProtocolVersions.AllowsBatches(protocolVersion))
        {
            await Reject(context, StatusCodes.Status400BadRequest, -32600,
                $"Invalid Request: JSON-RPC batches are not part of MCP {protocolVersion} (removed in 2025-06-18); send one message per POST.").ConfigureAwait(false);
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            await Reject(context, StatusCodes.Status400BadRequest, -32700, "Parse error: the request body is not valid JSON.").ConfigureAwait(false);
            return null;
        }

        using (document)
        {
            var count = document.RootElement.GetArrayLength();
            if (count == 0)
            {
                await Reject(context, StatusCodes.Status400BadRequest, -32600, "Invalid Request: the JSON-RPC batch is empty.").ConfigureAwait(false);
                return null;
            }
            if (count > MaxBatchMessages)
            {
                await Reject(context, StatusCodes.Status400BadRequest, -32600,
                    $"Invalid Request: a JSON-RPC batch may hold at most {MaxBatchMessages} messages; this one has {count}.").ConfigureAwait(false);
                return null;
            }

            var messages = new List<JsonRpcMessage>(count);
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                JsonRpcMessage? message = null;
                try
                {
                    message = element.Deserialize(s_messageType);
                }
                catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException or FormatException)
                {
                    // The SDK's converters throw these for JSON that is not a JSON-RPC message.
                }
                if (message is null)
                {
                    await Reject(context, StatusCodes.Status400BadRequest, -32600,
                        $"Invalid Request: batch element {index} is not a JSON-RPC 2.0 message.").ConfigureAwait(false);
                    return null;
                }
                if (message is JsonRpcRequest { Method: RequestMethods.Initialize })
                {
                    await Reject(context, StatusCodes.Status400BadRequest, -32600,
                        "Invalid Request: initialize must not be part of a JSON-RPC batch; send it alone.").ConfigureAwait(false);
                    return null;
                }
                messages.Add(message);
                index++;
            }
            return messages;
        }
    }
}
