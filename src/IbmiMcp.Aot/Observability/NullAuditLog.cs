namespace IbmiMcp.Observability;

/// <summary>The audit log when MCP_AUDIT_LOG is unset: every call is a no-op.</summary>
internal sealed class NullAuditLog : IAuditLog
{
    public static readonly NullAuditLog Instance = new();

    private NullAuditLog() { }

    public bool Enabled => false;
    public long Dropped => 0;
    public void SignOn(string? user, string? clientAddress, SignOnResult outcome, string? reason = null, string? sessionId = null) { }
    public void TokenIssued(string user, string sessionId, DateTimeOffset expiresAt, string? clientAddress = null) { }
    public void TokenRevoked(string user, string sessionId, string? reason = null, string? clientAddress = null) { }
    public void TokenExpired(string user, string sessionId) { }
    public void OAuthGrant(string action, string user, string clientId, string clientName, string? sessionId, string? reason = null, string? clientAddress = null) { }
    public void ToolCall(in ToolCallAuditRecord record) { }
    public void Dispose() { }
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
