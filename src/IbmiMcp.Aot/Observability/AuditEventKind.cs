namespace IbmiMcp.Observability;

/// <summary>The <c>event</c> field of an audit line.</summary>
internal enum AuditEventKind : byte
{
    SignOn,
    TokenIssued,
    TokenRevoked,
    TokenExpired,
    ToolCall,
    /// <summary>An OAuth grant (a sign-in through the authorization server) began, was refreshed or ended.</summary>
    OAuthGrant,
    /// <summary>Written by the audit writer itself when events were dropped since the last report.</summary>
    Dropped,
}
