using IbmiMcp.Auth;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Mcp;

/// <summary>
/// MCP_AUTH_MODE=ibmi: the IBM i token issued by POST /api/v1/auth. The caller's SQL runs on that token's own pool,
/// built-in tools included (the reference ran built-ins on the server account: its issue #190).
/// </summary>
internal sealed class IbmiMcpAuthenticator : IMcpAuthenticator
{
    private readonly BearerAuthenticator _bearer;

    public IbmiMcpAuthenticator(BearerAuthenticator bearer) => _bearer = bearer;

    public ValueTask<Caller?> AuthenticateAsync(HttpContext context)
    {
        if (_bearer.TryAuthenticate(context, out var caller, out var failure))
            return ValueTask.FromResult<Caller?>(caller);
        return RejectAsync(context, failure);
    }

    private static async ValueTask<Caller?> RejectAsync(HttpContext context, BearerFailure failure)
    {
        await BearerAuthenticator.WriteChallengeAsync(context, failure).ConfigureAwait(false);
        return null;
    }
}
