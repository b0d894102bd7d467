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

/// <summary>
/// The Streamable HTTP header rules of /mcp: what Accept and Content-Type must allow, and which MCP-Protocol-Version
/// values are served. Pure functions of the headers, shared by every method of <see cref="McpHttpEndpoint"/>.
/// </summary>
internal static class McpRequestHeaders
{
    public static bool TryReadProtocolVersion(HttpRequest request, out string? version, out string? rejected)
    {
        var header = request.Headers["MCP-Protocol-Version"];
        rejected = null;
        if (StringValues.IsNullOrEmpty(header))
        {
            // Absent: the initialize request itself, or a 2025-03-26-era client (the spec says assume that revision).
            version = null;
            return true;
        }
        var value = header.ToString().Trim();
        if (McpProtocolVersions.IsSupported(value))
        {
            version = value;
            return true;
        }
        version = null;
        rejected = value;
        return false;
    }

    public static bool AcceptsJsonAndEventStream(StringValues accept)
    {
        // No Accept header means "anything" (RFC 9110 §12.5.1); SDK clients always send both types.
        if (StringValues.IsNullOrEmpty(accept))
            return true;
        bool json = false, sse = false;
        foreach (var value in accept)
        {
            if (value is null)
                continue;
            foreach (var range in new MediaRanges(value))
            {
                if (range.Equals("*/*", StringComparison.Ordinal))
                    json = sse = true;
                else if (range.Equals("application/json", StringComparison.OrdinalIgnoreCase) || range.Equals("application/*", StringComparison.OrdinalIgnoreCase))
                    json = true;
                else if (range.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase) || range.Equals("text/*", StringComparison.OrdinalIgnoreCase))
                    sse = true;
            }
        }
        return json && sse;
    }

    public static bool AcceptsEventStream(StringValues accept)
    {
        if (StringValues.IsNullOrEmpty(accept))
            return false;   // for GET, only an explicit SSE request opens a stream
        foreach (var value in accept)
        {
            if (value is null)
                continue;
            foreach (var range in new MediaRanges(value))
                if (range.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
                    return true;
        }
        return false;
    }

    public static bool IsJsonContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
            return false;
        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0)
            media = media[..semicolon];
        return media.Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }
}
