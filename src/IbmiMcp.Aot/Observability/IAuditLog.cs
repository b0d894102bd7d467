namespace IbmiMcp.Observability;

/// <summary>
/// The audit trail: one JSON line per security-relevant event, separate from the diagnostic log. Calls never
/// block and never throw; when the buffer is full the event is dropped and counted (<see cref="Dropped"/>).
/// The API accepts no password, token or key: sessions are named by their non-secret session id.
/// Reason codes are short fixed words chosen by the caller (e.g. <c>invalid_credentials</c>), never free text
/// from a request.
/// </summary>
internal interface IAuditLog : IAsyncDisposable, IDisposable
{
    /// <summary>False for <see cref="NullAuditLog"/>: callers may skip building a record.</summary>
    bool Enabled { get; }

    /// <summary>Events dropped because the buffer was full (or the log was already disposed).</summary>
    long Dropped { get; }

    void SignOn(string? user, string? clientAddress, SignOnResult outcome, string? reason = null, string? sessionId = null);

    void TokenIssued(string user, string sessionId, DateTimeOffset expiresAt, string? clientAddress = null);

    /// <summary>A token ended before its expiry: <paramref name="reason"/> such as <c>sign_out</c> or <c>key_rotation</c>.</summary>
    void TokenRevoked(string user, string sessionId, string? reason = null, string? clientAddress = null);

    void TokenExpired(string user, string sessionId);

    /// <summary>
    /// An OAuth grant: <paramref name="action"/> <c>signed_in</c>, <c>refreshed</c> or <c>ended</c> (with a
    /// <paramref name="reason"/> such as <c>revoked</c> or <c>refresh_reused</c>), for the client that holds it.
    /// </summary>
    void OAuthGrant(string action, string user, string clientId, string clientName, string? sessionId, string? reason = null, string? clientAddress = null);

    void ToolCall(in ToolCallAuditRecord record);
}
