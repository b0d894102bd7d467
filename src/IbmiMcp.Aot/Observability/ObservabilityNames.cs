using IbmiMcp.Http;

namespace IbmiMcp.Observability;

/// <summary>
/// The fixed words shared by audit lines and metric labels, so a dashboard and an audit query use the same
/// vocabulary. Index = enum value; no string is built per event.
/// </summary>
internal static class ObservabilityNames
{
    private static readonly string[] s_signOn = ["success", "failure", "rate_limited"];
    private static readonly string[] s_toolCall = ["success", "rejected", "sql_error", "connection_error", "timeout", "cancelled", "error", "denied"];
    private static readonly string[] s_route = ["not_found", "health", "public_key", "auth", "mcp", "metrics", "resource_metadata"];

    public static int SignOnResultCount => s_signOn.Length;
    public static int ToolCallOutcomeCount => s_toolCall.Length;
    public static int RouteCount => s_route.Length;

    public static string Of(SignOnResult outcome) => (uint)outcome < (uint)s_signOn.Length ? s_signOn[(int)outcome] : "unknown";

    public static string Of(ToolCallOutcome outcome) => (uint)outcome < (uint)s_toolCall.Length ? s_toolCall[(int)outcome] : "error";

    public static string Of(Route route) => (uint)route < (uint)s_route.Length ? s_route[(int)route] : "not_found";

    public static string Of(AuditEventKind kind) => kind switch
    {
        AuditEventKind.SignOn => "sign_on",
        AuditEventKind.TokenIssued => "token_issued",
        AuditEventKind.TokenRevoked => "token_revoked",
        AuditEventKind.TokenExpired => "token_expired",
        AuditEventKind.ToolCall => "tool_call",
        AuditEventKind.OAuthGrant => "oauth_grant",
        _ => "audit_dropped",
    };
}
