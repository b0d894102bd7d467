using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IbmiMcp.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// The two hot requests — stateless <c>tools/list</c> and <c>tools/call</c> under 2025-06-18 / 2025-11-25 — answered
/// without building an SDK server, transport and channels per POST (measured ~17 KB of the ~28 KB a tools/call
/// allocated). The wire format is the SDK's: one SSE <c>message</c> event carrying
/// <c>{"result":…,"id":…,"jsonrpc":"2.0"}</c>, serialized with the SDK's own contracts. Anything unusual (other
/// methods, <c>_meta</c>, a cursor, an unknown tool, odd JSON) returns false and takes the SDK path unchanged.
/// </summary>
internal sealed class McpFastPath
{
    private static ReadOnlySpan<byte> EventPrefix => "event: message\ndata: "u8;
    private static ReadOnlySpan<byte> EventSuffix => "\n\n"u8;
    private static readonly JsonTypeInfo<CallToolResult> s_callResultType = McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolResult>();
    private static readonly JsonTypeInfo<ListToolsResult> s_listResultType = McpJsonUtilities.DefaultOptions.GetTypeInfo<ListToolsResult>();

    private static readonly JsonWriterOptions s_writerOptions = new() { SkipValidation = true };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly IToolSource _tools;
    private readonly McpHandlers _handlers;

    public McpFastPath(IToolSource tools, McpHandlers handlers)
    {
        _tools = tools;
        _handlers = handlers;
    }

    /// <summary>True when the request was answered here; false (nothing written) to use the SDK path.</summary>
    public ValueTask<bool> TryHandleAsync(HttpContext context, ReadOnlyMemory<byte> body, Caller caller)
    {
        if (!TryReadEnvelope(body.Span, out var method, out var idStart, out var idLength, out var paramsStart, out var paramsLength))
            return ValueTask.FromResult(false);
        var id = body.Slice(idStart, idLength);
        return method switch
        {
            Method.ToolsList when paramsLength == 0 || IsEmptyObject(body.Span.Slice(paramsStart, paramsLength)) => WriteListAsync(context, id, caller),
            Method.ToolsCall when paramsLength > 0 => CallAsync(context, body.Slice(paramsStart, paramsLength), id, caller),
            _ => ValueTask.FromResult(false),
        };
    }

    internal enum Method { Other, ToolsList, ToolsCall }

    private async ValueTask<bool> WriteListAsync(HttpContext context, ReadOnlyMemory<byte> id, Caller caller)
    {
        // The caller's view (their tools, after authorization); the SSE prefix is serialized once per view.
        var view = _handlers.Access.ViewFor(caller);
        var prefixBytes = view.SsePrefix;
        if (prefixBytes is null)
        {
            // prefix = event line + {"result":<list>,"id":
            var result = JsonSerializer.SerializeToUtf8Bytes(view.Result, s_listResultType);
            var prefix = new byte[EventPrefix.Length + 10 + result.Length + 6];
            var span = prefix.AsSpan();
            EventPrefix.CopyTo(span);
            var at = EventPrefix.Length;
            "{\"result\":"u8.CopyTo(span[at..]);
            at += 10;
            result.CopyTo(span[at..]);
            at += result.Length;
            ",\"id\":"u8.CopyTo(span[at..]);
            view.SsePrefix = prefixBytes = prefix;
        }

        StartSse(context.Response);
        var pipe = context.Response.BodyWriter;
        pipe.Write(prefixBytes);
        pipe.Write(id.Span);
        pipe.Write(",\"jsonrpc\":\"2.0\"}\n\n"u8);
        await pipe.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> CallAsync(HttpContext context, ReadOnlyMemory<byte> parameters, ReadOnlyMemory<byte> id, Caller caller)
    {
        // A refused call takes the SDK path, which answers it (JSON-RPC error, audit line) like every other refusal.
        if (!TryReadCallParams(parameters.Span, out var name, out var argsStart, out var argsLength) || !_tools.Contains(name)
            || _handlers.Access.Refusal(name, caller) is not null)
            return false;

        JsonDocument? document = null;
        Dictionary<string, JsonElement>? arguments = null;
        try
        {
            if (argsLength > 0)
            {
                // The document points into the request buffer, which the endpoint keeps until we return.
                document = JsonDocument.Parse(parameters.Slice(argsStart, argsLength));
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    document.Dispose();
                    return false;
                }
                arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject())
                    arguments[property.Name] = property.Value;
            }

            var result = await _handlers.InvokeToolAsync(name, arguments, caller, context.RequestAborted).ConfigureAwait(false);
            WriteCallResult(context, result, id.Span);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            return true;
        }
        finally
        {
            document?.Dispose();
        }
    }

    private static void WriteCallResult(HttpContext context, CallToolResult result, ReadOnlySpan<byte> id)
    {
        StartSse(context.Response);
        WriteCallFrame(context.Response.BodyWriter, result, id);
    }

    /// <summary>The SSE <c>message</c> event answering a tools/call: <c>{"result":…,"id":…,"jsonrpc":"2.0"}</c>.</summary>
    internal static void WriteCallFrame(IBufferWriter<byte> pipe, CallToolResult result, ReadOnlySpan<byte> id)
    {
        pipe.Write(EventPrefix);
        var writer = t_writer ??= new Utf8JsonWriter(pipe, s_writerOptions);
        writer.Reset(pipe);
        try
        {
            writer.WriteStartObject();
            writer.WritePropertyName("result"u8);
            JsonSerializer.Serialize(writer, result, s_callResultType);
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(id, skipInputValidation: true);
            writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            writer.Reset(Stream.Null);   // do not keep the request's pipe alive from the thread-static
        }
        pipe.Write(EventSuffix);
    }

    private static void StartSse(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.ContentEncoding = "identity";
    }

    /// <summary>Top level: exactly jsonrpc "2.0", an id (number or string), a method, optional params object.</summary>
    internal static bool TryReadEnvelope(ReadOnlySpan<byte> json, out Method method, out int idStart, out int idLength,
        out int paramsStart, out int paramsLength)
    {
        method = Method.Other;
        idStart = idLength = paramsStart = paramsLength = 0;
        var reader = new Utf8JsonReader(json);
        bool version = false, hasId = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                    break;
                if (reader.TokenType != JsonTokenType.PropertyName)
                    return false;
                if (reader.ValueTextEquals("jsonrpc"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("2.0"u8))
                        return false;
                    version = true;
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.String) || reader.ValueIsEscaped)
                        return false;
                    idStart = (int)reader.TokenStartIndex;
                    idLength = (int)(reader.BytesConsumed - reader.TokenStartIndex);
                    hasId = true;
                }
                else if (reader.ValueTextEquals("method"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                        return false;
                    method = reader.ValueTextEquals("tools/call"u8) ? Method.ToolsCall
                        : reader.ValueTextEquals("tools/list"u8) ? Method.ToolsList
                        : Method.Other;
                }
                else if (reader.ValueTextEquals("params"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                        return false;
                    paramsStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    paramsLength = (int)(reader.BytesConsumed - paramsStart);
                }
                else
                {
                    return false;
                }
            }
            return version && hasId && method != Method.Other && !reader.Read();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)   // invalid UTF-8 in a string: the SDK path answers it
        {
            return false;
        }
    }

    /// <summary>params of tools/call: a name and optional arguments object; any _meta (progress, task) → SDK path.</summary>
    internal static bool TryReadCallParams(ReadOnlySpan<byte> json, out string name, out int argsStart, out int argsLength)
    {
        name = "";
        argsStart = argsLength = 0;
        var sawArguments = false;
        var reader = new Utf8JsonReader(json);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    // A second name (or arguments) means the object is ambiguous: the SDK path refuses it with -32602.
                    if (reader.TokenType != JsonTokenType.String || name.Length > 0)
                        return false;
                    name = reader.GetString()!;
                }
                else if (reader.ValueTextEquals("arguments"u8))
                {
                    reader.Read();
                    if (sawArguments)
                        return false;
                    sawArguments = true;
                    if (reader.TokenType == JsonTokenType.Null)
                        continue;
                    if (reader.TokenType != JsonTokenType.StartObject)
                        return false;
                    argsStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    argsLength = (int)(reader.BytesConsumed - argsStart);
                }
                else
                {
                    return false;
                }
            }
            return name.Length > 0;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)   // invalid UTF-8 in a string: the SDK path answers it
        {
            return false;
        }
    }

    private static bool IsEmptyObject(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.Read() && reader.TokenType == JsonTokenType.EndObject;
    }
}
