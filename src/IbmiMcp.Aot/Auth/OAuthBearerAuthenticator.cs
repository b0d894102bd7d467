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

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly Uri _jwksUri;
    private readonly JwtValidator _validator;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private volatile JsonWebKeySet? _keys;
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
        _time = time ?? TimeProvider.System;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = s_fetchTimeout, MaxResponseContentBufferSize = 1024 * 1024 };
        // Asymmetric only: an HMAC "key" from a public JWKS would let anyone sign. exp is required.
        _validator = new JwtValidator(JwsVerifier.AsymmetricAlgorithms, _time, requireExpiration: true,
            issuers: [issuer, issuer.TrimEnd('/'), issuer.TrimEnd('/') + "/"], audience: audience);
    }

    public async ValueTask<JwtBearerAuthenticator.Result> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var keys = _keys ?? await RefreshAsync(cancellationToken).ConfigureAwait(false);
        if (keys is null)
            return JwtBearerAuthenticator.Result.Fail("Token verification failed: the issuer's signing keys are unavailable.");

        var status = _validator.Validate(token, keys.Keys, out var jwt);
        if (status == JwtStatus.KeyNotFound)
        {
            // Possibly a rotated key: refetch (rate-limited) and try once more.
            var refreshed = await RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (refreshed is not null && !ReferenceEquals(refreshed, keys))
                status = _validator.Validate(token, refreshed.Keys, out jwt);
        }
        return JwtBearerAuthenticator.ToResult(status, jwt, acceptCid: false);
    }

    private async ValueTask<JsonWebKeySet?> RefreshAsync(CancellationToken cancellationToken)
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
            byte[] json;
            try
            {
                json = await _http.GetByteArrayAsync(_jwksUri, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return _keys;
            }

            // A broken or empty document keeps the keys we have rather than locking everybody out.
            var fresh = JsonWebKeySet.Parse(json);
            if (fresh is null || fresh.Keys.Count == 0)
                return _keys;
            _keys = fresh;
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
