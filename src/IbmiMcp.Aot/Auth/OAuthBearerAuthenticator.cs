using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IbmiMcp.Auth;

/// <summary>
/// MCP_AUTH_MODE=oauth (spec §6.3): access tokens from an external authorization server, verified against its JWKS
/// (OAUTH_JWKS_URI, else OAUTH_ISSUER_URL + /.well-known/jwks.json) with issuer (OAUTH_ISSUER_URL) and audience
/// (OAUTH_AUDIENCE) checks. Keys are cached; an unknown key id triggers a refetch at most every 5 minutes (the
/// reference's cooldown), so a rotated key is picked up without letting bad tokens hammer the issuer.
/// Requires <c>client_id</c> and non-empty scopes.
/// </summary>
internal sealed class OAuthBearerAuthenticator : IDisposable
{
    private static readonly TimeSpan s_refreshCooldown = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_fetchTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_retryUnavailable = TimeSpan.FromSeconds(10);

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly Uri _jwksUri;
    private readonly string _issuer;
    private readonly string _audience;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private volatile TokenValidationParameters? _parameters;
    private long _lastFetchTimestamp;

    public OAuthBearerAuthenticator(string issuer, string audience, string? jwksUri, HttpClient? http = null, TimeProvider? time = null)
    {
        if (string.IsNullOrWhiteSpace(issuer))
            throw new ArgumentException("OAUTH_ISSUER_URL is required for MCP_AUTH_MODE=oauth.", nameof(issuer));
        if (string.IsNullOrWhiteSpace(audience))
            throw new ArgumentException("OAUTH_AUDIENCE is required for MCP_AUTH_MODE=oauth.", nameof(audience));
        _issuer = issuer;
        _audience = audience;
        var jwks = string.IsNullOrWhiteSpace(jwksUri) ? issuer.TrimEnd('/') + "/.well-known/jwks.json" : jwksUri;
        if (!Uri.TryCreate(jwks, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ArgumentException($"OAUTH_JWKS_URI '{jwks}' is not an absolute http(s) URL.", nameof(jwksUri));
        _jwksUri = uri;
        _time = time ?? TimeProvider.System;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = s_fetchTimeout };
    }

    public async ValueTask<JwtBearerAuthenticator.Result> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var parameters = _parameters ?? await RefreshAsync(cancellationToken).ConfigureAwait(false);
        if (parameters is null)
            return JwtBearerAuthenticator.Result.Fail("Token verification failed: the issuer's signing keys are unavailable.");

        var outcome = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!outcome.IsValid && outcome.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // Possibly a rotated key: refetch (rate-limited) and try once more.
            var refreshed = await RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (refreshed is not null && !ReferenceEquals(refreshed, parameters))
                outcome = await _handler.ValidateTokenAsync(token, refreshed).ConfigureAwait(false);
        }
        if (!outcome.IsValid || outcome.SecurityToken is not JsonWebToken jwt)
        {
            return JwtBearerAuthenticator.Result.Fail(outcome.Exception is SecurityTokenExpiredException
                ? JwtBearerAuthenticator.ExpiredMessage
                : JwtBearerAuthenticator.FailedMessage);
        }
        return JwtBearerAuthenticator.ReadIdentity(jwt, acceptCid: false);
    }

    private async ValueTask<TokenValidationParameters?> RefreshAsync(CancellationToken cancellationToken)
    {
        var seen = _parameters;
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(seen, _parameters))
                return _parameters;   // another caller refreshed while we waited
            // Without keys yet, retry an unreachable issuer after 10 s; with keys, refetch for an unknown kid at
            // most once per cooldown.
            var last = Interlocked.Read(ref _lastFetchTimestamp);
            var minGap = _parameters is null ? s_retryUnavailable : s_refreshCooldown;
            if (last != 0 && _time.GetElapsedTime(last) < minGap)
                return _parameters;
            Interlocked.Exchange(ref _lastFetchTimestamp, _time.GetTimestamp());

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_fetchTimeout);
            string json;
            try
            {
                json = await _http.GetStringAsync(_jwksUri, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return _parameters;
            }

            JsonWebKeySet set;
            try
            {
                set = new JsonWebKeySet(json);
            }
            catch (ArgumentException)
            {
                return _parameters;
            }
            var keys = set.GetSigningKeys();
            if (keys.Count == 0)
                return _parameters;

            var fresh = new TokenValidationParameters
            {
                IssuerSigningKeys = keys,
                ValidateIssuerSigningKey = true,
                ValidIssuers = [_issuer, _issuer.TrimEnd('/'), _issuer.TrimEnd('/') + "/"],
                ValidateIssuer = true,
                ValidAudience = _audience,
                ValidateAudience = true,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                // Asymmetric only: an HMAC "key" from a public JWKS would let anyone sign.
                ValidAlgorithms =
                [
                    SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                    SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
                    SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
                ],
            };
            _parameters = fresh;
            return fresh;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
            _http.Dispose();
        _refreshGate.Dispose();
    }
}
