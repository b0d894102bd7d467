using System.Text.Json;
using IbmiMcp.Observability;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace IbmiMcp.Mcp.Errors;

/// <summary>
/// The incoming-message filter of every SDK server this process runs (HTTP stateless and stateful, batches, stdio), so
/// one place decides how a message that goes wrong is answered:
/// <list type="bullet">
/// <item>params that do not fit the MCP schema: -32602 naming the field (<see cref="McpParamsValidator"/>), before the SDK
/// deserializes them; a malformed notification is dropped (there is nobody to answer);</item>
/// <item>a shape the validator does not know that still fails the SDK's deserialization: -32602 with the JSON path;</item>
/// <item>anything else unexpected: -32603 with an <see cref="ErrorReference"/> that is also in the error log line.</item>
/// </list>
/// The SDK's own answer for the last two would be -32603 "An error occurred.", blaming the server for a client's mistake
/// and giving an operator nothing to find.
/// </summary>
internal sealed class McpErrorBoundary
{
    private readonly ILogger _logger;

    public McpErrorBoundary(ILogger logger) => _logger = logger;

    public McpMessageFilter Filter => next => (context, cancellationToken) => HandleAsync(next, context, cancellationToken);

    private async Task HandleAsync(McpMessageHandler next, MessageContext context, CancellationToken cancellationToken)
    {
        switch (context.JsonRpcMessage)
        {
            case JsonRpcRequest request when McpParamsValidator.Validate(request.Method, request.Params) is { } invalid:
                McpLog.InvalidParams(_logger, request.Method, invalid);
                throw new McpProtocolException(invalid, McpErrorCode.InvalidParams);
            case JsonRpcNotification notification when McpParamsValidator.Validate(notification.Method, notification.Params) is { } invalid:
                McpLog.NotificationDropped(_logger, notification.Method, invalid);
                return;
        }

        try
        {
            await next(context, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex) when (context.JsonRpcMessage is JsonRpcRequest request)
        {
            // The handlers never let a JsonException out (tool, prompt and completion failures become results or
            // McpProtocolExceptions), so this is the SDK reading params into its types: the client's JSON.
            var message = DeserializationFailure(request.Method, ex);
            McpLog.InvalidParams(_logger, request.Method, message);
            throw new McpProtocolException(message, McpErrorCode.InvalidParams);
        }
        catch (Exception ex) when (ex is not McpException and not OperationCanceledException && context.JsonRpcMessage is JsonRpcRequest request)
        {
            var reference = ErrorReference.New();
            McpLog.InternalError(_logger, ex, request.Method, reference);
            throw new McpProtocolException(ErrorReference.Message(reference), McpErrorCode.InternalError);
        }
    }

    /// <summary>
    /// For initialize over HTTP, which the SDK's transport reads before any filter runs: the schema check, then the SDK's
    /// own deserialization of the params (once per session), so nothing the transport would choke on reaches it.
    /// </summary>
    internal static string? ValidateInitialize(JsonRpcRequest request)
    {
        if (McpParamsValidator.Validate(request.Method, request.Params) is { } invalid)
            return invalid;
        try
        {
            _ = request.Params.Deserialize(s_initializeParams);
            return null;
        }
        catch (JsonException ex)
        {
            return DeserializationFailure(request.Method, ex);
        }
    }

    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<InitializeRequestParams> s_initializeParams =
        McpJsonUtilities.DefaultOptions.GetTypeInfo<InitializeRequestParams>();

    private static string DeserializationFailure(string method, JsonException ex) => $"Invalid params: {ParamsPath(ex.Path)} does not fit {method}: {Reason(ex)}";

    /// <summary>"$.capabilities.roots" → "params.capabilities.roots".</summary>
    internal static string ParamsPath(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "params" : "params" + path.TrimStart('$');

    /// <summary>System.Text.Json's reason without its line/byte position or .NET type names a client cannot act on.</summary>
    private static string Reason(JsonException ex)
    {
        var text = ex.Message;
        if (text.Contains("missing required properties", StringComparison.Ordinal))
        {
            var including = text.IndexOf("including:", StringComparison.Ordinal);
            return including >= 0 ? "missing required " + text[(including + "including:".Length)..].Trim().TrimEnd('.') : "missing a required field";
        }
        return "the value has the wrong type or shape";
    }
}
