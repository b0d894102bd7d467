namespace IbmiMcp.Observability;

/// <summary>
/// What a caller enqueues: references and numbers only, so the caller's path formats nothing. The writer
/// thread turns it into JSON.
/// </summary>
internal readonly struct AuditEvent
{
    public AuditEventKind Kind { get; init; }
    public DateTimeOffset Time { get; init; }
    public SignOnResult SignOnResult { get; init; }
    public string? User { get; init; }
    public string? ClientAddress { get; init; }
    public string? SessionId { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    /// <summary>OAuth grants: what happened (<c>signed_in</c>, <c>refreshed</c>, <c>ended</c>) and the client.</summary>
    public string? Action { get; init; }
    public string? ClientId { get; init; }
    public string? ClientName { get; init; }
    /// <summary>Drop reports: events dropped since the previous report, and in total.</summary>
    public long Count { get; init; }
    public long Total { get; init; }
    public ToolCallAuditRecord Call { get; init; }
}
