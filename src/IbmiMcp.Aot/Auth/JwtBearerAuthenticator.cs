using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IbmiMcp.Auth;

/// <summary>
/// MCP_AUTH_MODE=jwt (spec §6.3): HS256/384/512 tokens signed with MCP_AUTH_SECRET_KEY, validated by
/// Microsoft.IdentityModel's <see cref="JsonWebTokenHandler"/>. The client id comes from <c>cid</c> or <c>client_id</c>
/// (required); scopes from <c>scp</c> (array or string) or <c>scope</c> (space-separated) and must not be empty;
/// <c>sub</c> is optional; <c>groups</c> (or <c>roles</c>) feed the tool authorization rules. Unlike the reference there is
/// no "accept any token without a secret" development mode: a missing secret is a start-up error.
/// </summary>
internal sealed class JwtBearerAuthenticator
{
    public const string ExpiredMessage = "Token has expired.";
    public const string FailedMessage = "Token verification failed.";
    internal static readonly string[] HmacAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512];

    /// <summary>Tolerated clock difference between the token issuer and this server.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    // Claims keep their JWT names (sub, scp, client_id): no mapping to WS-Federation URIs.
    internal static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private readonly TokenValidationParameters _parameters;

    public JwtBearerAuthenticator(string secretKey, TimeProvider? time = null)
    {
        if (string.IsNullOrEmpty(secretKey) || Encoding.UTF8.GetByteCount(secretKey) < 32)
            throw new ArgumentException("MCP_AUTH_SECRET_KEY must be at least 32 bytes for MCP_AUTH_MODE=jwt.", nameof(secretKey));
        // As the reference (jose): exp is checked when present, not required; no issuer or audience.
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secretKey)),
            ValidAlgorithms = HmacAlgorithms,
            ValidateIssuer = false,
            ValidateAudience = false,
            RequireExpirationTime = false,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
            LifetimeValidator = Lifetime(time ?? TimeProvider.System, requireExpiration: false),
        };
    }

    /// <summary>
    /// exp/nbf with <see cref="ClockSkew"/> on the injected clock. IdentityModel's own check reads the wall clock (its
    /// TimeProvider property is not public in 8.x); this delegate is its documented seam, and throws the library's own
    /// exception types so the verdict reads the same.
    /// </summary>
    internal static LifetimeValidator Lifetime(TimeProvider time, bool requireExpiration) => (notBefore, expires, _, _) =>
    {
        if (expires is null && requireExpiration)
            throw new SecurityTokenNoExpirationException("The token has no expiration time.");
        if (notBefore is { } nbf && expires is { } end && nbf > end)
            throw new SecurityTokenInvalidLifetimeException("The token's nbf is after its exp.");
        var now = time.GetUtcNow().UtcDateTime;
        if (notBefore is { } from && from > now + ClockSkew)
            throw new SecurityTokenNotYetValidException("The token is not valid yet.");
        if (expires is { } exp && exp < now - ClockSkew)
            throw new SecurityTokenExpiredException("The token has expired.");
        return true;
    };

    public async ValueTask<Result> ValidateAsync(string token)
    {
        if (!JwsShape.IsStrict(token))
            return Result.Fail(FailedMessage);
        var validation = await Handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        return ToResult(validation, acceptCid: true);
    }

    /// <summary>The handler's verdict → identity, or the public failure message (shared with <see cref="OAuthBearerAuthenticator"/>).</summary>
    internal static Result ToResult(TokenValidationResult validation, bool acceptCid)
    {
        if (!validation.IsValid)
        {
            return validation.Exception switch
            {
                SecurityTokenExpiredException => Result.Fail(ExpiredMessage),
                SecurityTokenInvalidAudienceException => Result.Fail(AudienceMessage(null, null)),
                _ => Result.Fail(FailedMessage),
            };
        }
        return validation.SecurityToken is JsonWebToken jwt ? ReadIdentity(jwt, acceptCid) : Result.Fail(FailedMessage);
    }

    /// <summary>The refusal of a token meant for another resource: names what it was issued for and what this server is.</summary>
    internal static string AudienceMessage(string? presented, string? expected) =>
        "Token verification failed: the token was issued for another resource" + (string.IsNullOrEmpty(presented) ? "" : $" ('{Truncate(presented)}')")
        + (string.IsNullOrEmpty(expected) ? ", not this MCP server." : $"; this MCP server is '{expected}' (request tokens for it with resource={expected}).");

    private static string Truncate(string text) => text.Length > 120 ? text[..120] + "…" : text;

    /// <summary>Claims → identity. client_id wins over cid; OAuth accepts only client_id.</summary>
    internal static Result ReadIdentity(JsonWebToken jwt, bool acceptCid)
    {
        string? clientId = Text(jwt, "client_id") ?? (acceptCid ? Text(jwt, "cid") : null);
        var scopes = new List<string>();
        foreach (var scp in List(jwt, "scp"))   // each array element (or the one string) may hold several scopes
            scopes.AddRange(scp.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (scopes.Count == 0 && Text(jwt, "scope") is { } scope)
            scopes.AddRange(scope.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var groups = List(jwt, "groups");
        if (groups.Count == 0) groups = List(jwt, "roles");

        if (string.IsNullOrEmpty(clientId))
            return Result.Fail(acceptCid ? "Token is missing the client id claim (cid or client_id)." : "Token is missing the client_id claim.");
        if (scopes.Count == 0)
            return Result.Fail("Token carries no scopes (scp or scope).");
        return new Result(true, clientId, Text(jwt, "sub"), scopes, groups, null);
    }

    private static string? Text(JsonWebToken jwt, string claim) =>
        jwt.TryGetPayloadValue<string>(claim, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>A claim that may be one string or an array of strings.</summary>
    private static List<string> List(JsonWebToken jwt, string claim)
    {
        // Arrays first: asked for a string, the library hands back an array's JSON text.
        if (jwt.TryGetPayloadValue<List<string>>(claim, out var many) && many is not null)
            return many.Where(s => !string.IsNullOrEmpty(s)).ToList();
        if (jwt.TryGetPayloadValue<string>(claim, out var one) && !string.IsNullOrEmpty(one))
            return [one];
        return [];
    }

    /// <summary>A validated identity, or the public failure message (safe to send: never echoes the token).</summary>
    internal sealed record Result(bool IsValid, string? ClientId, string? Subject, IReadOnlyList<string> Scopes, IReadOnlyList<string> Groups, string? Failure)
    {
        public static Result Fail(string message) => new(false, null, null, [], [], message);
    }
}
