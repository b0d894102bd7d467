using Microsoft.Extensions.Logging;

namespace IbmiMcp.Mcp;

/// <summary>Log lines of the MCP layer. Never pass tokens, passwords or tool arguments. Next free id: 7017.</summary>
internal static partial class McpLog
{
    [LoggerMessage(7014, LogLevel.Debug, "Refused {Method}: {Reason}")]
    public static partial void InvalidParams(ILogger logger, string method, string reason);

    [LoggerMessage(7015, LogLevel.Debug, "Dropped notification {Method}: {Reason}")]
    public static partial void NotificationDropped(ILogger logger, string method, string reason);

    [LoggerMessage(7016, LogLevel.Error, "Internal error (ref {Reference}) while serving {Method}")]
    public static partial void InternalError(ILogger logger, Exception exception, string method, string reference);

    [LoggerMessage(7013, LogLevel.Warning, "tools/call of '{Tool}' by {Identity} denied: it requires {Rule}")]
    public static partial void ToolDenied(ILogger logger, string tool, string identity, string rule);

    [LoggerMessage(7001, LogLevel.Warning, "Rejected /mcp request from origin {Origin}: not loopback and not in MCP_ALLOWED_ORIGINS")]
    public static partial void OriginRejected(ILogger logger, string origin);

    [LoggerMessage(7002, LogLevel.Debug, "Rejected /mcp request: {Status} {Reason}")]
    public static partial void RequestRejected(ILogger logger, int status, string reason);

    [LoggerMessage(7003, LogLevel.Information, "MCP session {SessionId} opened for {Identity}")]
    public static partial void SessionOpened(ILogger logger, string sessionId, string identity);

    [LoggerMessage(7004, LogLevel.Information, "MCP session {SessionId} closed ({Reason})")]
    public static partial void SessionClosed(ILogger logger, string sessionId, string reason);

    [LoggerMessage(7005, LogLevel.Warning, "MCP session {SessionId} refused: caller {Identity} is not the session owner")]
    public static partial void SessionOwnerMismatch(ILogger logger, string sessionId, string identity);

    [LoggerMessage(7006, LogLevel.Error, "Internal error (ref {Reference}) in tool {Tool}")]
    public static partial void ToolFailed(ILogger logger, Exception exception, string tool, string reference);

    [LoggerMessage(7007, LogLevel.Error, "Internal error (ref {Reference}) while serving /mcp")]
    public static partial void EndpointFailed(ILogger logger, Exception exception, string reference);

    [LoggerMessage(7008, LogLevel.Debug, "Could not send tools/list_changed to session {SessionId}")]
    public static partial void NotifyFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(7009, LogLevel.Information, "Tool list changed; notified {Count} stateful session(s)")]
    public static partial void ToolsChanged(ILogger logger, int count);

    [LoggerMessage(7010, LogLevel.Warning, "MCP session limit ({Limit}) reached; refusing a new session")]
    public static partial void SessionLimit(ILogger logger, int limit);

    [LoggerMessage(7011, LogLevel.Information, "MCP stdio transport started (tools run as {Identity})")]
    public static partial void StdioStarted(ILogger logger, string identity);

    [LoggerMessage(7012, LogLevel.Warning, "Authentication failed on /mcp: {Reason}")]
    public static partial void AuthFailed(ILogger logger, string reason);
}
