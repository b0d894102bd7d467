using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Http;

/// <summary>
/// The endpoints the composition root wires in. A null handler means the feature is off, and its path answers
/// 404 exactly as an unknown path does (the reference registers the auth routes only when enabled).
/// </summary>
internal sealed class RouteHandlers
{
    public required RequestDelegate Health { get; init; }
    public RequestDelegate? PublicKey { get; init; }
    public RequestDelegate? SignOn { get; init; }
    public RequestDelegate? SignOut { get; init; }
    public RequestDelegate? Mcp { get; init; }
    public RequestDelegate? Metrics { get; init; }
    /// <summary>OAuth protected resource metadata (RFC 9728), MCP_AUTH_MODE=oauth only.</summary>
    public RequestDelegate? ResourceMetadata { get; init; }
    /// <summary>SPIKE issue 27: OpenIddict's endpoints; false = not served here (404).</summary>
    public Func<HttpContext, Task<bool>>? OAuth { get; init; }
    /// <summary>Called once per finished request (route, status) for metrics; null when metrics are off.</summary>
    public Action<Route, int>? Observe { get; init; }
}
