namespace IbmiMcp.Observability;

/// <summary>How a tools/call ended; the <c>outcome</c> of the audit line and a label of <c>mcp_tool_calls_total</c>.</summary>
internal enum ToolCallOutcome : byte
{
    Success,
    /// <summary>Refused before any SQL ran: invalid arguments, a statement the security policy forbids, no connection configured.</summary>
    Rejected,
    /// <summary>Db2 for i reported an error (the record carries the SQL state).</summary>
    SqlError,
    /// <summary>No connection could be had (unreachable, TLS, sign-on refused, pool exhausted, connection lost).</summary>
    ConnectionError,
    /// <summary>The query or acquire deadline passed.</summary>
    Timeout,
    /// <summary>The client cancelled or went away.</summary>
    Cancelled,
    /// <summary>Anything else (a bug, an unexpected exception).</summary>
    Error,
    /// <summary>The caller may not use the tool (an authorization rule refused it); no SQL ran.</summary>
    Denied,
}
