using System.Text.Json;

namespace IbmiMcp.Observability;

/// <summary>
/// One finished tools/call, as the MCP layer knows it. Passed by <c>in</c> and copied into the audit queue as is:
/// building it must not format strings. <see cref="Arguments"/> is only read for its names unless
/// MCP_AUDIT_SHOW_PARAMETER_VALUES is on, and must not be changed after the call returns.
/// </summary>
internal readonly record struct ToolCallAuditRecord
{
    /// <summary>Tool name as called.</summary>
    public required string Tool { get; init; }

    /// <summary>IBM i user profile the statement ran as (the runner's user).</summary>
    public required string User { get; init; }

    /// <summary>MCP-side identity when it differs from <see cref="User"/> (JWT client id, "anonymous").</summary>
    public string? Identity { get; init; }

    public string? ClientAddress { get; init; }

    /// <summary>The MCP client's <c>clientInfo.name</c> from initialize, when known.</summary>
    public string? McpClient { get; init; }

    /// <summary>Non-secret session handle (<see cref="Auth.Caller.SessionId"/>), never the token.</summary>
    public string? SessionId { get; init; }

    /// <summary>The call's arguments; only the names are written unless values are configured to show.</summary>
    public IEnumerable<KeyValuePair<string, JsonElement>>? Arguments { get; init; }

    /// <summary>Statement identifier (Mapepire request/correlation id), when known.</summary>
    public string? StatementId { get; init; }

    /// <summary>IBM i job that ran the statement, e.g. 123456/QUSER/QZDASOINIT.</summary>
    public string? Job { get; init; }

    /// <summary>Rows returned to the client; -1 when no statement produced rows.</summary>
    public long Rows { get; init; }

    public bool Truncated { get; init; }

    public TimeSpan Duration { get; init; }

    public ToolCallOutcome Outcome { get; init; }

    /// <summary>SQLSTATE of the failure, when Db2 reported one.</summary>
    public string? SqlState { get; init; }

    /// <summary>Why a call was denied (the rule it failed), for <see cref="ToolCallOutcome.Denied"/>.</summary>
    public string? Reason { get; init; }
}
