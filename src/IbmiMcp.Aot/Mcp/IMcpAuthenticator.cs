using IbmiMcp.Auth;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Mcp;

/// <summary>
/// Turns an /mcp request into a <see cref="Caller"/> (identity + the runner its SQL uses), one implementation per
/// MCP_AUTH_MODE. Runs before the body is read, for every method (POST, GET, DELETE).
/// </summary>
internal interface IMcpAuthenticator
{
    /// <summary>
    /// The caller, or null after the rejection (401 with WWW-Authenticate, or 403) has been written to the response.
    /// </summary>
    ValueTask<Caller?> AuthenticateAsync(HttpContext context);
}
