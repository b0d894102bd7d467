using IbmiMcp.Auth.Sessions;
using IbmiMcp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace IbmiMcp.Auth;

/// <summary>
/// Resolves <c>Authorization: Bearer &lt;token&gt;</c> to a <see cref="Caller"/> whose <see cref="Caller.Sql"/> is the
/// session's own pool (MCP_AUTH_MODE=ibmi). Failures answer 401 with the reference's JSON-RPC body and messages plus
/// the RFC 6750 <c>WWW-Authenticate</c> header the reference omits; an unreachable shared session store answers 503.
/// </summary>
internal sealed class BearerAuthenticator
{
    private const string Realm = "ibmi-mcp";
    /// <summary>Retry-After when the session store is down: StackExchange.Redis retries the connection about this often.</summary>
    public const int StoreRetryAfterSeconds = 5;

    private readonly ITokenStore _tokens;
    private readonly ProxyTrust _proxies;

    public BearerAuthenticator(ITokenStore tokens, ProxyTrust proxies)
    {
        _tokens = tokens; _proxies = proxies;
    }

    /// <summary>
    /// Synchronous and allocation-free when this replica can answer alone (one header read, one hash, one dictionary
    /// probe); a shared store is asked only on a cache miss or once the cached entry is past its staleness bound.
    /// </summary>
    public ValueTask<SessionResult> ResolveAsync(StringValues authorization, CancellationToken cancellationToken)
    {
        if (!TryGetToken(authorization, out var token, out var failure))
            return new(new SessionResult(null, failure));
        var lookup = _tokens.TryGet(token, out var session);
        if (lookup != TokenLookup.Pending)
            return new(ResultOf(lookup, session));
        return SlowAsync(token.ToString(), cancellationToken);

        async ValueTask<SessionResult> SlowAsync(string token, CancellationToken ct)
        {
            var resolved = await _tokens.ResolveAsync(token, ct).ConfigureAwait(false);
            return ResultOf(resolved.Lookup, resolved.Session);
        }
    }

    /// <summary>The caller of an /mcp request, or the failure to answer with.</summary>
    public async ValueTask<(Caller? Caller, BearerFailure Failure)> AuthenticateAsync(HttpContext context)
    {
        var result = await ResolveAsync(context.Request.Headers.Authorization, context.RequestAborted).ConfigureAwait(false);
        if (result.Session is not { } session)
            return (null, result.Failure);
        return (new Caller(session.User, CallerKind.IbmiToken, session.Pool, _proxies.ClientAddress(context), session.SessionId, session.Profile), BearerFailure.None);
    }

    private static SessionResult ResultOf(TokenLookup lookup, AuthSession? session) => lookup switch
    {
        TokenLookup.Valid => new(session, BearerFailure.None),
        TokenLookup.Expired => new(null, BearerFailure.Expired),
        TokenLookup.Malformed => new(null, BearerFailure.Malformed),
        TokenLookup.StoreUnavailable => new(null, BearerFailure.StoreUnavailable),
        _ => new(null, BearerFailure.NotFound),
    };

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
        BearerFailure.StoreUnavailable => AuthErrors.BearerStoreUnavailable,
        _ => AuthErrors.BearerNotFound,
    };

    /// <summary>Writes the /mcp rejection: 401 (JSON-RPC envelope, code -32006, reference message, WWW-Authenticate) or 503.</summary>
    public static Task WriteChallengeAsync(HttpContext context, BearerFailure failure, string? resourceMetadataUrl = null)
    {
        if (failure == BearerFailure.StoreUnavailable)
            return HttpErrors.WriteJsonRpcAsync(context, 503, AuthErrors.ServiceUnavailable, MessageOf(failure), StoreRetryAfterSeconds);
        SetChallengeHeader(context, failure, resourceMetadataUrl);
        return HttpErrors.WriteJsonRpcAsync(context, 401, AuthErrors.Unauthorized, MessageOf(failure));
    }

    internal static void SetChallengeHeader(HttpContext context, BearerFailure failure, string? resourceMetadataUrl = null)
    {
        var metadata = resourceMetadataUrl is null ? "" : ", resource_metadata=\"" + resourceMetadataUrl + "\"";
        // RFC 6750 §3.1: no error code when the request had no credentials at all.
        context.Response.Headers.WWWAuthenticate = failure == BearerFailure.MissingHeader
            ? "Bearer realm=\"" + Realm + "\"" + metadata
            : "Bearer realm=\"" + Realm + "\"" + metadata + ", error=\"invalid_token\", error_description=\"" + MessageOf(failure) + "\"";
    }
}

/// <summary>The session a Bearer token names, or why there is none.</summary>
internal readonly record struct SessionResult(AuthSession? Session, BearerFailure Failure);
