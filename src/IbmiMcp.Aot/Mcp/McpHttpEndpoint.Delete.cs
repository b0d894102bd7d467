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

/// <summary>DELETE ends a stateful session (its owner only); OPTIONS answers a CORS preflight.</summary>
internal sealed partial class McpHttpEndpoint
{
    private async Task HandleDeleteAsync(HttpContext context)
    {
        var caller = await _authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        if (caller is null)
            return;

        if (_mode == SessionMode.Stateless)
        {
            context.Response.Headers.Allow = "POST";
            await Reject(context, StatusCodes.Status405MethodNotAllowed, -32000,
                "Method Not Allowed: DELETE operations are not supported in this mode.").ConfigureAwait(false);
            return;
        }
        var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
        if (sessionId.Length == 0)
        {
            await WriteStatusAsync(context, "stateless_mode", "No sessions to delete in stateless mode", null).ConfigureAwait(false);
            return;
        }
        if (!_sessions.TryGet(sessionId, out var session))
        {
            await Reject(context, StatusCodes.Status404NotFound, -32001, "Session not found or expired.").ConfigureAwait(false);
            return;
        }
        if (!session.IsOwnedBy(caller))
        {
            McpLog.SessionOwnerMismatch(_logger, sessionId, caller.Identity);
            await Reject(context, StatusCodes.Status403Forbidden, -32005,
                "Forbidden: the session belongs to another identity.").ConfigureAwait(false);
            return;
        }
        await _sessions.RemoveAsync(sessionId, "deleted by client").ConfigureAwait(false);
        await WriteStatusAsync(context, "session_closed", null, sessionId).ConfigureAwait(false);
    }

    private static Task Preflight(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.AccessControlAllowMethods = "GET, POST, DELETE, OPTIONS";
        headers.AccessControlAllowHeaders = "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
        headers.AccessControlMaxAge = "600";
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
