namespace IbmiMcp.Auth;

/// <summary>
/// Checks a JWS in the order that keeps failures meaningful: shape, algorithm allow-list, signature, lifetime,
/// then issuer and audience. Claims of an unsigned or wrongly signed token are never looked at, so a forged
/// expired token is "verification failed", not "expired".
/// </summary>
internal sealed class JwtValidator
{
    /// <summary>Tolerated clock difference between the token issuer and this server.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly string[] _algorithms;
    private readonly TimeProvider _time;
    private readonly bool _requireExpiration;
    private readonly string[]? _issuers;
    private readonly string? _audience;

    /// <param name="algorithms">Accepted <c>alg</c> values (never "none").</param>
    /// <param name="issuers">Accepted <c>iss</c> values; null = not checked.</param>
    /// <param name="audience">Required <c>aud</c> entry; null = not checked.</param>
    public JwtValidator(string[] algorithms, TimeProvider time, bool requireExpiration, string[]? issuers, string? audience)
    {
        _algorithms = algorithms;
        _time = time;
        _requireExpiration = requireExpiration;
        _issuers = issuers;
        _audience = audience;
    }

    public JwtStatus Validate(string token, IReadOnlyList<JsonWebKey> keys, out JsonWebToken jwt)
    {
        if (!JsonWebToken.TryParse(token, out jwt))
            return JwtStatus.Malformed;
        if (Array.IndexOf(_algorithms, jwt.Algorithm) < 0)
            return JwtStatus.AlgorithmNotAllowed;

        var signature = VerifySignature(jwt, keys);
        if (signature != JwtStatus.Valid)
            return signature;

        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        long skew = (long)ClockSkew.TotalSeconds;
        if (jwt.ExpiresAt is null && _requireExpiration)
            return JwtStatus.MissingExpiration;
        if (jwt.NotBefore is { } nbf && jwt.ExpiresAt is { } end && nbf > end)
            return JwtStatus.Malformed;
        if (jwt.ExpiresAt is { } exp && now - skew > exp)
            return JwtStatus.Expired;
        if (jwt.NotBefore is { } notBefore && now + skew < notBefore)
            return JwtStatus.NotYetValid;

        if (_issuers is not null && (jwt.Issuer is null || Array.IndexOf(_issuers, jwt.Issuer) < 0))
            return JwtStatus.BadIssuer;
        if (_audience is not null && !HasAudience(jwt.Audiences, _audience))
            return JwtStatus.BadAudience;
        return JwtStatus.Valid;
    }

    private static JwtStatus VerifySignature(JsonWebToken jwt, IReadOnlyList<JsonWebKey> keys)
    {
        bool kidMatched = false;
        foreach (var key in keys)
        {
            // With a kid, only that key; without one (legal, e.g. a single-key issuer), any compatible key.
            if (jwt.KeyId is not null && key.KeyId is not null && key.KeyId != jwt.KeyId)
                continue;
            kidMatched |= jwt.KeyId is null || key.KeyId == jwt.KeyId;
            if (JwsVerifier.Verify(jwt, key))
                return JwtStatus.Valid;
        }
        return jwt.KeyId is not null && !kidMatched ? JwtStatus.KeyNotFound : JwtStatus.BadSignature;
    }

    private static bool HasAudience(IReadOnlyList<string> audiences, string expected)
    {
        // As before (IdentityModel's default): "https://api/" and "https://api" name the same audience.
        var want = expected.AsSpan().TrimEnd('/');
        foreach (var aud in audiences)
        {
            if (aud.AsSpan().TrimEnd('/').SequenceEqual(want))
                return true;
        }
        return false;
    }
}
