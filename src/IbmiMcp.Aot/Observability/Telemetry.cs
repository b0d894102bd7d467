using IbmiMcp.Mapepire;

namespace IbmiMcp.Observability;

/// <summary>
/// What hook sites call: one method per event, which writes the audit line(s) and counts the metric, so each
/// site in auth or MCP code is a single line. <see cref="Off"/> when neither audit nor metrics are on.
/// Reason codes are fixed words; nothing here accepts a password, token or key.
/// </summary>
internal sealed class Telemetry
{
    public static readonly Telemetry Off = new(NullAuditLog.Instance, ServerMetrics.Disabled);

    public Telemetry(IAuditLog audit, ServerMetrics metrics)
    {
        Audit = audit;
        Metrics = metrics;
        metrics.ObserveAudit(audit);
    }

    public IAuditLog Audit { get; }

    public ServerMetrics Metrics { get; }

    /// <summary>A token was issued: a <c>sign_on</c> success line and a <c>token_issued</c> line.</summary>
    public void SignedOn(string user, string? clientAddress, string sessionId, DateTimeOffset expiresAt)
    {
        Audit.SignOn(user, clientAddress, SignOnResult.Success, reason: null, sessionId);
        Audit.TokenIssued(user, sessionId, expiresAt, clientAddress);
        Metrics.RecordSignOn(SignOnResult.Success);
    }

    /// <summary>
    /// A sign-on was refused. <paramref name="reason"/>: <c>invalid_credentials</c>, <c>bad_envelope</c>,
    /// <c>host_not_allowed</c>, <c>max_sessions</c>, <c>unreachable</c>, <c>tls</c>, <c>timeout</c>, <c>error</c>.
    /// <paramref name="user"/> is null when the envelope could not be opened.
    /// </summary>
    public void SignOnFailed(string? user, string? clientAddress, string reason)
    {
        Audit.SignOn(user, clientAddress, SignOnResult.Failure, reason);
        Metrics.RecordSignOn(SignOnResult.Failure);
    }

    public void SignOnFailed(string? user, string? clientAddress, MapepireFailure failure) =>
        SignOnFailed(user, clientAddress, ReasonOf(failure));

    /// <summary>Refused before reaching IBM i: too many recent failures for the user or the address.</summary>
    public void SignOnThrottled(string? user, string? clientAddress)
    {
        Audit.SignOn(user, clientAddress, SignOnResult.RateLimited, "locked_out");
        Metrics.RecordSignOn(SignOnResult.RateLimited);
    }

    public void SignedOut(string user, string sessionId, string? clientAddress) =>
        Audit.TokenRevoked(user, sessionId, "sign_out", clientAddress);

    public void TokenExpired(string user, string sessionId) => Audit.TokenExpired(user, sessionId);

    /// <summary>Starts observing one tools/call (see <see cref="ToolCallScope"/>): hand the tool <c>scope.Caller</c>.</summary>
    public ToolCallScope BeginToolCall(string tool, IDictionary<string, System.Text.Json.JsonElement>? arguments, Auth.Caller caller, string? mcpClient) =>
        new(this, tool, arguments, caller, mcpClient);

    /// <summary>A tools/call refused by an authorization rule: audited and counted, nothing ran.</summary>
    public void ToolDenied(string tool, IDictionary<string, System.Text.Json.JsonElement>? arguments, Auth.Caller caller, string? mcpClient, string reason) =>
        ToolCall(new ToolCallAuditRecord
        {
            Tool = tool, User = caller.Sql?.User ?? caller.Identity, Identity = caller.Identity, ClientAddress = caller.ClientAddress,
            McpClient = mcpClient, SessionId = caller.SessionId, Arguments = arguments, Rows = -1, Outcome = ToolCallOutcome.Denied, Reason = reason,
        });

    /// <summary>A finished tools/call: the audit line, the call counter and histogram, and the Mapepire error counter.</summary>
    public void ToolCall(in ToolCallAuditRecord record)
    {
        Audit.ToolCall(record);
        Metrics.RecordToolCall(record.Tool, record.Outcome, record.Duration);
        if (record.Outcome is ToolCallOutcome.SqlError or ToolCallOutcome.ConnectionError or ToolCallOutcome.Timeout)
            Metrics.RecordMapepireError(record.SqlState);
    }

    public static string ReasonOf(MapepireFailure failure) => failure switch
    {
        MapepireFailure.Authentication => "invalid_credentials",
        MapepireFailure.Unreachable => "unreachable",
        MapepireFailure.Tls => "tls",
        MapepireFailure.Timeout => "timeout",
        MapepireFailure.PoolExhausted => "pool_exhausted",
        MapepireFailure.ConnectionLost => "connection_lost",
        MapepireFailure.Sql => "sql_error",
        MapepireFailure.ServerError => "server_error",
        _ => "error",
    };

    /// <summary>The tools/call outcome of a Mapepire failure.</summary>
    public static ToolCallOutcome OutcomeOf(MapepireFailure failure) => failure switch
    {
        MapepireFailure.Sql => ToolCallOutcome.SqlError,
        MapepireFailure.Timeout => ToolCallOutcome.Timeout,
        MapepireFailure.Disposed or MapepireFailure.Protocol => ToolCallOutcome.Error,
        _ => ToolCallOutcome.ConnectionError,
    };
}
