using IbmiMcp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace IbmiMcp.Auth;

/// <summary>
/// Resolves <c>Authorization: Bearer &lt;token&gt;</c> to a <see cref="Caller"/> whose <see cref="Caller.Sql"/> is the
/// session's own pool (MCP_AUTH_MODE=ibmi). Failures answer 401 with the reference's JSON-RPC body and messages plus
/// the RFC 6750 <c>WWW-Authenticate</c> header the reference omits.
/// </summary>
internal sealed class BearerAuthenticator
{
    private const string Realm = "ibmi-mcp";
    private readonly ITokenStore _tokens;
    private readonly ProxyTrust _proxies;

    public BearerAuthenticator(ITokenStore tokens, ProxyTrust proxies)
    {
        _tokens = tokens; _proxies = proxies;
    }

    /// <summary>Synchronous and lock-free: one header read, one hash, one dictionary probe.</summary>
    public bool TryAuthenticate(HttpContext context, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Caller? caller, out BearerFailure failure)
    {
        caller = null;
        if (!TryGetSession(context.Request.Headers.Authorization, out var session, out failure))
            return false;
        caller = new Caller(session!.User, CallerKind.IbmiToken, session.Pool, _proxies.ClientAddress(context), session.SessionId);
        return true;
    }

    /// <summary>The token part of the header's session, for handlers that need the session itself (sign-out).</summary>
    internal bool TryGetSession(StringValues authorization, out AuthSession? session, out BearerFailure failure)
    {
        session = null;
        if (!TryGetToken(authorization, out var token, out failure))
            return false;
        switch (_tokens.TryGet(token, out session))
        {
            case TokenLookup.Valid: failure = BearerFailure.None; return true;
            case TokenLookup.Expired: failure = BearerFailure.Expired; return false;
            case TokenLookup.Malformed: failure = BearerFailure.Malformed; return false;
            default: failure = BearerFailure.NotFound; return false;
        }
    }

    internal static bool TryGetToken(StringValues authorization, out ReadOnlySpan<char> token, out BearerFailure failure)
    {
        token = default;
        // Exactly one header: two Authorization headers are ambiguous, so neither is believed.
        if (authorization.Count != 1 || authorization[0] is not { } value
            || value.Length < 7 || !value.AsSpan(0, 7).Equals("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            failure = BearerFailure.MissingHeader;
            return false;
        }
        token = value.AsSpan(7).Trim();
        if (token.IsEmpty)
        {
            failure = BearerFailure.EmptyToken;
            return false;
        }
        failure = BearerFailure.None;
        return true;
    }

    public static string MessageOf(BearerFailure failure) => failure switch
    {
        BearerFailure.MissingHeader => AuthErrors.BearerMissingHeader,
        BearerFailure.EmptyToken => AuthErrors.BearerEmpty,
        BearerFailure.Malformed => AuthErrors.BearerMalformed,
        BearerFailure.Expired => AuthErrors.BearerExpired,
        _ => AuthErrors.BearerNotFound,
    };

    /// <summary>Writes the /mcp 401: JSON-RPC envelope, code -32006, reference message, WWW-Authenticate.</summary>
    public static Task WriteChallengeAsync(HttpContext context, BearerFailure failure)
    {
        SetChallengeHeader(context, failure);
        return HttpErrors.WriteJsonRpcAsync(context, 401, AuthErrors.Unauthorized, MessageOf(failure));
    }

    internal static void SetChallengeHeader(HttpContext context, BearerFailure failure)
    {
        // RFC 6750 §3.1: no error code when the request had no credentials at all.
        context.Response.Headers.WWWAuthenticate = failure == BearerFailure.MissingHeader
            ? "Bearer realm=\"" + Realm + "\""
            : "Bearer realm=\"" + Realm + "\", error=\"invalid_token\", error_description=\"" + MessageOf(failure) + "\"";
    }
}
