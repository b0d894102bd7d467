using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IbmiMcp.Auth;

/// <summary>
/// MCP_AUTH_MODE=jwt (spec §6.3): HS256/384/512 tokens signed with MCP_AUTH_SECRET_KEY. The client id comes from
/// <c>cid</c> or <c>client_id</c> (required); scopes from <c>scp</c> (array or string) or <c>scope</c>
/// (space-separated) and must not be empty; <c>sub</c> is optional. Unlike the reference there is no "accept any
/// token without a secret" development mode: a missing secret is a start-up error.
/// </summary>
internal sealed class JwtBearerAuthenticator
{
    public const string ExpiredMessage = "Token has expired.";
    public const string FailedMessage = "Token verification failed.";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    public JwtBearerAuthenticator(string secretKey)
    {
        if (string.IsNullOrEmpty(secretKey) || Encoding.UTF8.GetByteCount(secretKey) < 32)
            throw new ArgumentException("MCP_AUTH_SECRET_KEY must be at least 32 bytes for MCP_AUTH_MODE=jwt.", nameof(secretKey));
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secretKey)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512],
            ValidateIssuerSigningKey = true,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = false,   // as the reference (jose): exp is checked when present
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    public async ValueTask<Result> ValidateAsync(string token)
    {
        var outcome = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!outcome.IsValid || outcome.SecurityToken is not JsonWebToken jwt)
            return Result.Fail(outcome.Exception is SecurityTokenExpiredException ? ExpiredMessage : FailedMessage);
        return ReadIdentity(jwt, acceptCid: true);
    }

    /// <summary>Claims → identity, shared with <see cref="OAuthBearerAuthenticator"/> (which accepts only client_id).</summary>
    internal static Result ReadIdentity(JsonWebToken jwt, bool acceptCid)
    {
        string? clientId = null;
        string? subject = null;
        var scopes = new List<string>();
        foreach (var claim in jwt.Claims)
        {
            switch (claim.Type)
            {
                case "client_id":
                    clientId = claim.Value;
                    break;
                case "cid" when acceptCid:
                    clientId ??= claim.Value;
                    break;
                case "sub":
                    subject = claim.Value;
                    break;
                case "scp":
                    // An array claim arrives as one Claim per element; a string scp may hold several scopes.
                    scopes.AddRange(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
            }
        }
        if (scopes.Count == 0 && jwt.TryGetPayloadValue<string>("scope", out var scope) && scope is not null)
            scopes.AddRange(scope.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        if (string.IsNullOrEmpty(clientId))
            return Result.Fail(acceptCid ? "Token is missing the client id claim (cid or client_id)." : "Token is missing the client_id claim.");
        if (scopes.Count == 0)
            return Result.Fail("Token carries no scopes (scp or scope).");
        return new Result(true, clientId, subject, scopes, null);
    }

    /// <summary>A validated identity, or the public failure message (safe to send: never echoes the token).</summary>
    internal sealed record Result(bool IsValid, string? ClientId, string? Subject, IReadOnlyList<string> Scopes, string? Failure)
    {
        public static Result Fail(string message) => new(false, null, null, [], message);
    }
}
