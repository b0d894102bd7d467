using System.Text;

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

    private readonly JsonWebKey[] _keys;
    private readonly JwtValidator _validator;

    public JwtBearerAuthenticator(string secretKey, TimeProvider? time = null)
    {
        if (string.IsNullOrEmpty(secretKey) || Encoding.UTF8.GetByteCount(secretKey) < 32)
            throw new ArgumentException("MCP_AUTH_SECRET_KEY must be at least 32 bytes for MCP_AUTH_MODE=jwt.", nameof(secretKey));
        _keys = [JsonWebKey.ForSecret(Encoding.UTF8.GetBytes(secretKey))];
        // As the reference (jose): exp is checked when present, not required; no issuer or audience.
        _validator = new JwtValidator(JwsVerifier.HmacAlgorithms, time ?? TimeProvider.System, requireExpiration: false,
            issuers: null, audience: null);
    }

    public ValueTask<Result> ValidateAsync(string token)
    {
        var status = _validator.Validate(token, _keys, out var jwt);
        return ValueTask.FromResult(ToResult(status, jwt, acceptCid: true));
    }

    internal static Result ToResult(JwtStatus status, JsonWebToken jwt, bool acceptCid) => status switch
    {
        JwtStatus.Valid => ReadIdentity(jwt, acceptCid),
        JwtStatus.Expired => Result.Fail(ExpiredMessage),
        _ => Result.Fail(FailedMessage),
    };

    /// <summary>Claims → identity, shared with <see cref="OAuthBearerAuthenticator"/> (which accepts only client_id).</summary>
    internal static Result ReadIdentity(JsonWebToken jwt, bool acceptCid)
    {
        // client_id wins over cid; OAuth accepts only client_id.
        string? clientId = jwt.ClientId ?? (acceptCid ? jwt.Cid : null);
        var scopes = new List<string>();
        foreach (var scp in jwt.Scp)   // each array element (or the one string) may hold several scopes
            scopes.AddRange(scp.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (scopes.Count == 0 && jwt.Scope is not null)
            scopes.AddRange(jwt.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        if (string.IsNullOrEmpty(clientId))
            return Result.Fail(acceptCid ? "Token is missing the client id claim (cid or client_id)." : "Token is missing the client_id claim.");
        if (scopes.Count == 0)
            return Result.Fail("Token carries no scopes (scp or scope).");
        return new Result(true, clientId, jwt.Subject, scopes, null);
    }

    /// <summary>A validated identity, or the public failure message (safe to send: never echoes the token).</summary>
    internal sealed record Result(bool IsValid, string? ClientId, string? Subject, IReadOnlyList<string> Scopes, string? Failure)
    {
        public static Result Fail(string message) => new(false, null, null, [], message);
    }
}
