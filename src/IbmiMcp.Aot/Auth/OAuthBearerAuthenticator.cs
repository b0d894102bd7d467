using Microsoft.IdentityModel.Tokens;

namespace IbmiMcp.Auth;

/// <summary>
/// MCP_AUTH_MODE=oauth (spec §6.3, MCP authorization 2025-06-18/2025-11-25): access tokens from an external
/// authorization server, validated by Microsoft.IdentityModel's <c>JsonWebTokenHandler</c> against the issuer's JWKS
/// (OAUTH_JWKS_URI, else OAUTH_ISSUER_URL + /.well-known/jwks.json, parsed by IdentityModel's
/// <see cref="JsonWebKeySet"/>) with issuer (OAUTH_ISSUER_URL) and audience (OAUTH_AUDIENCE, this server's resource
/// URI, RFC 8707) checks. Requires <c>client_id</c>, <c>exp</c> and non-empty scopes.
/// </summary>
/// <remarks>
/// Only the fetching is ours: IdentityModel's ConfigurationManager reads the wall clock, while the refresh rules here
/// run on the injected <see cref="TimeProvider"/> (keys are cached; an unknown key id triggers a refetch at most every
/// 5 minutes, the reference's cooldown, so a rotated key is picked up without letting bad tokens hammer the issuer).
/// </remarks>
internal sealed class OAuthBearerAuthenticator : IDisposable
{
    internal static readonly string[] AsymmetricAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public const int MinimumRsaKeyBits = 2048;
    public const string KeysUnavailableMessage = "Token verification failed: the issuer's signing keys are unavailable.";
    private static readonly TimeSpan s_refreshCooldown = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_fetchTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_retryUnavailable = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly Uri _jwksUri;
    private readonly string _issuer;
    private readonly string _audience;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private volatile KeySnapshot? _keys;
    private long _lastFetchTimestamp;   // guarded by _refreshGate, like _fetched
    private bool _fetched;

    public OAuthBearerAuthenticator(string issuer, string audience, string? jwksUri, HttpClient? http = null, TimeProvider? time = null)
    {
        if (string.IsNullOrWhiteSpace(issuer))
            throw new ArgumentException("OAUTH_ISSUER_URL is required for MCP_AUTH_MODE=oauth.", nameof(issuer));
        if (string.IsNullOrWhiteSpace(audience))
            throw new ArgumentException("OAUTH_AUDIENCE is required for MCP_AUTH_MODE=oauth.", nameof(audience));
        var jwks = string.IsNullOrWhiteSpace(jwksUri) ? issuer.TrimEnd('/') + "/.well-known/jwks.json" : jwksUri;
        if (!Uri.TryCreate(jwks, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ArgumentException($"OAUTH_JWKS_URI '{jwks}' is not an absolute http(s) URL.", nameof(jwksUri));
        _jwksUri = uri;
        _issuer = issuer;
        _audience = audience;
        _time = time ?? TimeProvider.System;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = s_fetchTimeout, MaxResponseContentBufferSize = 1024 * 1024 };
    }

    public string Issuer => _issuer;
    public string Audience => _audience;

    public async ValueTask<JwtBearerAuthenticator.Result> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (!JwsShape.IsStrict(token))
            return JwtBearerAuthenticator.Result.Fail(JwtBearerAuthenticator.FailedMessage);
        var keys = _keys ?? await RefreshAsync(cancellationToken).ConfigureAwait(false);
        if (keys is null)
            return JwtBearerAuthenticator.Result.Fail(KeysUnavailableMessage);

        var kid = KeyIdOf(token);
        if (kid is not null && !keys.KeyIds.Contains(kid))
        {
            // A key id we do not know: possibly a rotated key. Refetch (rate-limited) before validating.
            keys = await RefreshAsync(cancellationToken).ConfigureAwait(false) ?? keys;
        }
        // A token naming a kid is checked against that key only; one without (a single-key issuer) against every key.
        var parameters = kid is null ? keys.AnyKey : keys.ByKeyId;
        var validation = await JwtBearerAuthenticator.Handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (validation.Exception is SecurityTokenInvalidAudienceException)
        {
            // The signature was good (audience is checked after it): say whose token this is and whose it should be,
            // so a client that asked its authorization server for the wrong resource sees what to fix (RFC 8707).
            var presented = string.Join(", ", JwtBearerAuthenticator.Handler.ReadJsonWebToken(token).Audiences);
            return JwtBearerAuthenticator.Result.Fail(JwtBearerAuthenticator.AudienceMessage(presented, _audience));
        }
        return JwtBearerAuthenticator.ToResult(validation, acceptCid: false);
    }

    private static string? KeyIdOf(string token)
    {
        try { return JwtBearerAuthenticator.Handler.ReadJsonWebToken(token).Kid is { Length: > 0 } kid ? kid : null; }
        catch (ArgumentException) { return null; }
    }

    /// <summary>
    /// The algorithm rules RFC 7518 pins down and the library leaves open: a key that declares its <c>alg</c> is used
    /// only with it (RFC 7517 §4.4), and an EC key only with the algorithm of its curve (ES256/P-256, ES384/P-384,
    /// ES512/P-521) — otherwise a key published for one algorithm could be made to verify another.
    /// </summary>
    internal static bool AlgorithmFitsKey(string algorithm, SecurityKey key)
    {
        if (Array.IndexOf(AsymmetricAlgorithms, algorithm) < 0) return false;
        if (key is not JsonWebKey jwk) return true;
        if (!string.IsNullOrEmpty(jwk.Alg) && !string.Equals(jwk.Alg, algorithm, StringComparison.Ordinal)) return false;
        if (jwk.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve)
        {
            var curve = algorithm switch
            {
                SecurityAlgorithms.EcdsaSha256 => JsonWebKeyECTypes.P256,
                SecurityAlgorithms.EcdsaSha384 => JsonWebKeyECTypes.P384,
                SecurityAlgorithms.EcdsaSha512 => JsonWebKeyECTypes.P521,
                _ => null,
            };
            return curve is not null && string.Equals(jwk.Crv, curve, StringComparison.Ordinal);
        }
        return jwk.Kty == JsonWebAlgorithmsKeyTypes.RSA && algorithm[0] is 'R' or 'P';
    }

    /// <summary>
    /// The signing keys this server accepts from a JWKS document: IdentityModel parses and resolves them; this policy
    /// drops symmetric keys (an HMAC "key" published in a JWKS would let anyone sign), RSA keys under 2048 bits and
    /// keys that carry private members. Null when the document is not a JWKS.
    /// </summary>
    internal static IReadOnlyList<SecurityKey>? AcceptedKeys(string json)
    {
        JsonWebKeySet set;
        try { set = new JsonWebKeySet(json); }
        catch (ArgumentException) { return null; }
        var keys = new List<SecurityKey>();
        foreach (var jwk in set.Keys)
        {
            if (jwk.Kty is not (JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve)) continue;
            if (jwk.HasPrivateKey || !string.IsNullOrEmpty(jwk.D)) continue;
            if (!string.IsNullOrEmpty(jwk.Use) && jwk.Use != JsonWebKeyUseNames.Sig) continue;
            // Resolvable by the library (a real RSA modulus, a point on the named curve)? The JsonWebKey itself is what
            // is handed to the validator, so its kid and alg stay visible to it.
            if (!JsonWebKeyConverter.TryConvertToSecurityKey(jwk, out var resolved)) continue;
            if (jwk.Kty == JsonWebAlgorithmsKeyTypes.RSA && resolved.KeySize < MinimumRsaKeyBits) continue;
            keys.Add(jwk);
        }
        return keys;
    }

    private async ValueTask<KeySnapshot?> RefreshAsync(CancellationToken cancellationToken)
    {
        var seen = _keys;
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(seen, _keys))
                return _keys;   // another caller refreshed while we waited
            // Without keys yet, retry an unreachable issuer after 10 s; with keys, refetch for an unknown kid at
            // most once per cooldown.
            var minGap = _keys is null ? s_retryUnavailable : s_refreshCooldown;
            if (_fetched && _time.GetElapsedTime(_lastFetchTimestamp) < minGap)
                return _keys;
            _fetched = true;
            _lastFetchTimestamp = _time.GetTimestamp();

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_fetchTimeout);
            string json;
            try
            {
                json = await _http.GetStringAsync(_jwksUri, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return _keys;
            }

            // A broken or empty document keeps the keys we have rather than locking everybody out.
            var accepted = AcceptedKeys(json);
            if (accepted is null || accepted.Count == 0)
                return _keys;
            var kids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in accepted)
                if (!string.IsNullOrEmpty(key.KeyId)) kids.Add(key.KeyId);
            var fresh = new KeySnapshot(Parameters(accepted, tryAllKeys: false), Parameters(accepted, tryAllKeys: true), kids);
            _keys = fresh;
            return fresh;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    // One parameters object per key set: TokenValidationParameters is shared read-only by concurrent validations.
    private TokenValidationParameters Parameters(IReadOnlyList<SecurityKey> keys, bool tryAllKeys) => new()
    {
        IssuerSigningKeys = keys,
        ValidAlgorithms = AsymmetricAlgorithms,
        ValidIssuers = [_issuer, _issuer.TrimEnd('/'), _issuer.TrimEnd('/') + "/"],
        ValidAudiences = [_audience, _audience.TrimEnd('/'), _audience.TrimEnd('/') + "/"],
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = JwtBearerAuthenticator.ClockSkew,
        LifetimeValidator = JwtBearerAuthenticator.Lifetime(_time, requireExpiration: true),
        TryAllIssuerSigningKeys = tryAllKeys,
        AlgorithmValidator = static (algorithm, key, _, _) => AlgorithmFitsKey(algorithm, key),
    };

    private sealed record KeySnapshot(TokenValidationParameters ByKeyId, TokenValidationParameters AnyKey, IReadOnlySet<string> KeyIds);

    public void Dispose()
    {
        if (_ownsHttp)
            _http.Dispose();
        _refreshGate.Dispose();
    }
}
