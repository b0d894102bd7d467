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
    private readonly ProtectedResourceMetadata? _metadata;
    private readonly string _endpointPath;

    /// <param name="metadata">With the server's own authorization server (issue 27): every 401 points at it
    /// (<c>resource_metadata</c>, RFC 9728 §5.1), which is how an MCP client added by URL finds where to sign in.</param>
    public IbmiMcpAuthenticator(BearerAuthenticator bearer, ProtectedResourceMetadata? metadata = null, string endpointPath = "/mcp")
    {
        _bearer = bearer; _metadata = metadata; _endpointPath = endpointPath;
    }

    public ValueTask<Caller?> AuthenticateAsync(HttpContext context)
    {
        var pending = _bearer.AuthenticateAsync(context);
        if (pending.IsCompletedSuccessfully && pending.Result.Caller is { } caller)
            return ValueTask.FromResult<Caller?>(caller);
        return CompleteAsync(context, pending);
    }

    private async ValueTask<Caller?> CompleteAsync(HttpContext context, ValueTask<(Caller? Caller, BearerFailure Failure)> pending)
    {
        var (caller, failure) = await pending.ConfigureAwait(false);
        if (caller is not null)
            return caller;
        await BearerAuthenticator.WriteChallengeAsync(context, failure, _metadata?.MetadataUrl(context, _endpointPath)).ConfigureAwait(false);
        return null;
    }
}
