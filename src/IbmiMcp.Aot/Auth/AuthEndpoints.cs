using System.Buffers;
using System.Globalization;
using System.Text.Json;
using IbmiMcp.Auth.Sessions;
using IbmiMcp.Http;
using IbmiMcp.Mapepire;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth;

/// <summary>
/// The three /api/v1/auth handlers the router calls (spec §1): the public key, sign-on (envelope → limiter → session
/// slot → IBM i pool → token) and sign-out. Methods and paths are the router's business; these only handle.
/// </summary>
internal sealed class AuthEndpoints
{
    private readonly KeyRing _keys;
    private readonly ITokenStore _tokens;
    private readonly ISignOnGuard _guard;
    private readonly IEnvelopeReplayWindow _replays;
    private readonly ISessionPoolFactory _pools;
    private readonly ProxyTrust _proxies;
    private readonly BearerAuthenticator _bearer;
    private readonly AuthSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly byte[] _publicKeyBody;
    private readonly Observability.Telemetry _telemetry;

    public AuthEndpoints(KeyRing keys, ITokenStore tokens, ISignOnGuard guard, IEnvelopeReplayWindow replays, ISessionPoolFactory pools,
        ProxyTrust proxies, BearerAuthenticator bearer, AuthSettings settings, TimeProvider time, ILogger log, Observability.Telemetry? telemetry = null)
    {
        _keys = keys; _tokens = tokens; _guard = guard; _replays = replays; _pools = pools; _proxies = proxies; _bearer = bearer;
        _settings = settings; _time = time; _log = log; _telemetry = telemetry ?? Observability.Telemetry.Off;
        _publicKeyBody = WritePublicKeyBody(keys.ActiveKeyId, keys.ActivePublicKeyPem);
    }

    /// <summary>GET /api/v1/auth/public-key → 200 <c>{"keyId","publicKey"}</c> (no auth, no TLS requirement, as the reference).</summary>
    public Task PublicKeyAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        // Clients must see a rotated key promptly.
        response.Headers.CacheControl = "no-cache";
        response.ContentLength = _publicKeyBody.Length;
        return response.Body.WriteAsync(_publicKeyBody, context.RequestAborted).AsTask();
    }

    /// <summary>POST /api/v1/auth → 201 <c>{access_token, token_type, expires_in, expires_at}</c> or one of <see cref="AuthErrors"/>.</summary>
    public async Task SignOnAsync(HttpContext context)
    {
        if (!_settings.AllowHttp && !_proxies.IsHttps(context))
        {
            await AuthErrors.HttpsRequired.WriteAsync(context).ConfigureAwait(false);
            return;
        }
        if (!HttpBody.IsJson(context.Request.ContentType))
        {
            await AuthErrors.UnsupportedMediaType.WriteAsync(context).ConfigureAwait(false);
            return;
        }
        var client = _proxies.ClientAddress(context);

        SignOnRequest? request;
        AuthRejection rejection;
        var body = await HttpBody.ReadAsync(context, _settings.MaxBodyBytes).ConfigureAwait(false);
        if (body.Buffer is null)
        {
            if (!context.RequestAborted.IsCancellationRequested)
                await AuthErrors.BodyTooLarge(_settings.MaxBodyBytes).WriteAsync(context).ConfigureAwait(false);
            return;
        }
        try
        {
            CredentialEnvelope.TryOpen(body.Span, _keys, out request, out rejection);
        }
        finally
        {
            body.Return();
        }
        if (request is null)
        {
            AuthLog.EnvelopeRejected(_log, client, rejection.Message);
            _telemetry.SignOnFailed(null, client, "bad_envelope");
            await rejection.WriteAsync(context).ConfigureAwait(false);
            return;
        }
        using (request)
            await SignOnAsync(context, request, client).ConfigureAwait(false);
    }

    private async Task SignOnAsync(HttpContext context, SignOnRequest request, string? client)
    {
        var verdict = await SignOnAsync(request, client, context.RequestAborted).ConfigureAwait(false);
        if (verdict.Issued is { } issued) await WriteTokenAsync(context, issued.Token, issued.ExpiresIn, issued.ExpiresAt).ConfigureAwait(false);
        else if (verdict.Rejection is { } rejection) await rejection.WriteAsync(context).ConfigureAwait(false);
    }

    /// <summary>The outcome of one sign-on: the token issued, or the refusal to show; neither when the client left.</summary>
    internal readonly record struct SignOnVerdict(IssuedToken? Issued, AuthRejection? Rejection);

    internal sealed record IssuedToken(string Token, int ExpiresIn, DateTimeOffset ExpiresAt, AuthSession Session);

    /// <summary>
    /// One sign-on from an opened envelope, whatever page or endpoint it came through: host allow-list, iat, the
    /// sign-on guard, the replay window, a session slot, the user's IBM i pool and profile, the token. The caller owns
    /// <paramref name="request"/>; its password is zeroed here once the session holds what it needs.
    /// </summary>
    internal async Task<SignOnVerdict> SignOnAsync(SignOnRequest request, string? client, CancellationToken aborted)
    {
        if (!_settings.IsHostAllowed(request.Host))
        {
            AuthLog.HostNotAllowed(_log, request.Host, client);
            _telemetry.SignOnFailed(request.User, client, "host_not_allowed");
            return new(null, AuthErrors.HostNotAllowed);
        }
        if (CheckIssuedAt(request, client) is { } stale)
        {
            _telemetry.SignOnFailed(request.User, client, "stale_envelope");
            return new(null, stale);
        }

        SignOnAdmission admission;
        try
        {
            admission = await _guard.TryBeginAsync(request.User, request.Host, client, aborted).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex)
        {
            return new(null, StoreUnavailable(request, client, ex));
        }
        if (!admission.Admitted)
        {
            AuthLog.SignOnThrottled(_log, request.User, client, admission.RetryAfterSeconds);
            _telemetry.SignOnThrottled(request.User, client);
            return new(null, AuthErrors.TooManyFailures(admission.RetryAfterSeconds));
        }

        var outcome = SignOnOutcome.Inconclusive;
        try
        {
            // After the guard, so an address it has locked out cannot fill the window with envelopes it minted.
            var replay = await _replays.TryRememberAsync(request.Fingerprint, aborted).ConfigureAwait(false);
            if (replay != ReplayCheck.New)
                return new(null, RefuseReplay(request, client, replay));
            var slot = await TryReserveSlotAsync(aborted).ConfigureAwait(false);
            if (!slot.IsGranted)
            {
                AuthLog.MaxSessions(_log, _settings.MaxConcurrentSessions);
                _telemetry.SignOnFailed(request.User, client, "max_sessions");
                return new(null, AuthErrors.MaxSessions(await RetryAfterForSlotsAsync().ConfigureAwait(false)));
            }
            IssuedToken? issued = null;
            try
            {
                issued = await OpenAndIssueAsync(request, client, slot, aborted).ConfigureAwait(false);
                outcome = issued is not null ? SignOnOutcome.Succeeded : outcome;
                return new(issued, null);
            }
            catch (MapepireException ex)
            {
                outcome = ex.Failure == MapepireFailure.Authentication ? SignOnOutcome.Rejected : SignOnOutcome.Inconclusive;
                AuthLog.SignOnFailed(_log, ex.Failure.ToString(), request.User, request.Host, client, ex.Message);
                _telemetry.SignOnFailed(request.User, client, ex.Failure);
                return new(null, RejectionOf(ex.Failure, request.Host));
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The client left; nothing to answer and nothing was kept.
                return default;
            }
            catch (OperationCanceledException)
            {
                AuthLog.SignOnFailed(_log, nameof(MapepireFailure.Timeout), request.User, request.Host, client, "sign-on deadline passed");
                _telemetry.SignOnFailed(request.User, client, "timeout");
                return new(null, AuthErrors.SignOnTimeout(request.Host));
            }
            finally
            {
                if (issued is null) await _tokens.ReleaseAsync(slot).ConfigureAwait(false);
            }
        }
        catch (SessionStoreUnavailableException ex)
        {
            return new(null, StoreUnavailable(request, client, ex));
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return default;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            AuthLog.SignOnError(_log, request.User, request.Host, ex);
            _telemetry.SignOnFailed(request.User, client, "error");
            return new(null, AuthErrors.Internal);
        }
        finally
        {
            await _guard.EndAsync(admission, outcome).ConfigureAwait(false);
        }
    }

    /// <summary>The iat rules: too old or too far in the future is refused; missing is refused only when required.</summary>
    private AuthRejection? CheckIssuedAt(SignOnRequest request, string? client)
    {
        if (request.IssuedAt is not { } iat)
        {
            if (!_settings.RequireIssuedAt) return null;
            AuthLog.EnvelopeRejected(_log, client, "no iat");
            return AuthErrors.IssuedAtRequired;
        }
        long age = _time.GetUtcNow().ToUnixTimeSeconds() - iat;
        if (age <= _settings.ReplayWindow.TotalSeconds && age >= -_settings.ClockSkew.TotalSeconds)
            return null;
        AuthLog.EnvelopeTooOld(_log, client, age);
        return AuthErrors.TooOld((int)_settings.ReplayWindow.TotalSeconds);
    }

    private AuthRejection RefuseReplay(SignOnRequest request, string? client, ReplayCheck replay)
    {
        if (replay == ReplayCheck.Replayed)
        {
            AuthLog.EnvelopeReplayed(_log, client);
            _telemetry.SignOnFailed(request.User, client, "replayed_envelope");
            return AuthErrors.Replayed;
        }
        AuthLog.ReplayWindowFull(_log, MemoryReplayWindow.DefaultMaxEntries);
        _telemetry.SignOnFailed(request.User, client, "replay_window_full");
        return AuthErrors.ReplayWindowFull(60);
    }

    private AuthRejection StoreUnavailable(SignOnRequest request, string? client, SessionStoreUnavailableException ex)
    {
        AuthLog.SignOnStoreUnavailable(_log, ex.InnerException?.Message ?? ex.Message);
        _telemetry.SignOnFailed(request.User, client, "session_store_unavailable");
        return AuthErrors.StoreUnavailable(BearerAuthenticator.StoreRetryAfterSeconds);
    }

    /// <summary>
    /// Opens the pool and issues the token; null (with the pool closed) when the client went away meanwhile. The
    /// password lives until the session is issued (a shared store seals it into the record) and is zeroed before the
    /// answer is written.
    /// </summary>
    private async Task<IssuedToken?> OpenAndIssueAsync(SignOnRequest request, string? client, SessionSlot slot, CancellationToken aborted)
    {
        ISessionPool pool;
        using (var deadline = new CancellationTokenSource(_settings.SignOnTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted))
        {
            pool = await _pools.OpenAsync(request, linked.Token).ConfigureAwait(false);
        }
        if (aborted.IsCancellationRequested)
        {
            // Nobody would receive the token: close now rather than hold a slot and IBM i jobs until expiry.
            request.Dispose();
            await pool.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        // Group profile and special authorities, read once as the user, for tool authorization (docs/authorization.md).
        CallerProfile profile;
        using (var deadline = new CancellationTokenSource(_settings.SignOnTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted))
        {
            try { profile = await IbmiProfileReader.ReadAsync(request.User, pool, _log, linked.Token).ConfigureAwait(false); }
            catch
            {
                request.Dispose();
                await pool.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        int expiresIn = request.DurationSeconds ?? _settings.TokenExpirySeconds;
        var now = _time.GetUtcNow();
        var expiresAt = now.AddSeconds(expiresIn);
        var session = new AuthSession(request.User.ToUpperInvariant(), request.Host, pool, now, expiresAt) { ClientAddress = client, Profile = profile };
        string token;
        try
        {
            token = await _tokens.IssueAsync(slot, session, request, aborted).ConfigureAwait(false);
        }
        catch
        {
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            request.Dispose(); // the pool (and the sealed record) hold what they need; the password goes now
        }
        AuthLog.SignOnSucceeded(_log, session.User, session.Host, client, session.SessionId, request.PoolStart, request.PoolMax, expiresAt);
        _telemetry.SignedOn(session.User, client, session.SessionId, expiresAt);
        return new IssuedToken(token, expiresIn, expiresAt, session);
    }

    /// <summary>
    /// DELETE /api/v1/auth with the Bearer token: the session ends everywhere (every replica drops it) and this
    /// replica's pool is closed before 204.
    /// </summary>
    public async Task SignOutAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization;
        var result = await _bearer.ResolveAsync(authorization, context.RequestAborted).ConfigureAwait(false);
        if (result.Session is not { } session)
        {
            if (result.Failure == BearerFailure.StoreUnavailable)
            {
                await AuthErrors.StoreUnavailable(BearerAuthenticator.StoreRetryAfterSeconds).WriteAsync(context).ConfigureAwait(false);
                return;
            }
            BearerAuthenticator.SetChallengeHeader(context, result.Failure);
            await HttpErrors.WriteAsync(context, 401, AuthErrors.Unauthorized, BearerAuthenticator.MessageOf(result.Failure)).ConfigureAwait(false);
            return;
        }
        BearerAuthenticator.TryGetToken(authorization, out var token, out _);
        try
        {
            await _tokens.RevokeAsync(token.ToString()).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException)
        {
            await AuthErrors.StoreUnavailable(BearerAuthenticator.StoreRetryAfterSeconds).WriteAsync(context).ConfigureAwait(false);
            return;
        }
        AuthLog.SignedOut(_log, session.SessionId, session.User);
        _telemetry.SignedOut(session.User, session.SessionId, _proxies.ClientAddress(context));
        context.Response.StatusCode = 204;
        context.Response.Headers.CacheControl = "no-store";
    }

    private async ValueTask<SessionSlot> TryReserveSlotAsync(CancellationToken cancellationToken)
    {
        var slot = await _tokens.TryReserveAsync(cancellationToken).ConfigureAwait(false);
        if (slot.IsGranted) return slot;
        // Expired sessions hold slots until the reaper's next tick; reclaim them now rather than refuse.
        await _tokens.RemoveExpiredAsync().ConfigureAwait(false);
        return await _tokens.TryReserveAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<int> RetryAfterForSlotsAsync()
    {
        var next = await _tokens.TimeUntilNextExpiryAsync().ConfigureAwait(false);
        int seconds = next is { } t ? (int)Math.Ceiling(t.TotalSeconds) : 1;
        // The next expiry is when a slot surely frees; a sign-out may free one sooner, so never say more than a minute.
        return Math.Clamp(seconds, 1, 60);
    }

    internal static AuthRejection RejectionOf(MapepireFailure failure, string host) => failure switch
    {
        MapepireFailure.Authentication => AuthErrors.SignOnRejected,
        MapepireFailure.Unreachable => AuthErrors.Unreachable(host),
        MapepireFailure.Tls => AuthErrors.Tls(host),
        MapepireFailure.Timeout => AuthErrors.SignOnTimeout(host),
        MapepireFailure.ServerError => AuthErrors.ServerError(host),
        _ => AuthErrors.SignOnFailed(host),
    };

    private static async Task WriteTokenAsync(HttpContext context, string token, int expiresIn, DateTimeOffset expiresAt)
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("access_token"u8, token);
            w.WriteString("token_type"u8, "Bearer"u8);
            w.WriteNumber("expires_in"u8, expiresIn);
            w.WriteString("expires_at"u8, expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        var response = context.Response;
        response.StatusCode = 201;
        response.ContentType = "application/json";
        // RFC 6749 §5.1: responses carrying tokens must not be cached.
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        buffer.Clear();
    }

    private static byte[] WritePublicKeyBody(string keyId, string publicKeyPem)
    {
        var buffer = new ArrayBufferWriter<byte>(publicKeyPem.Length + 64);
        // Relaxed escaping keeps '+' literal, so the PEM reads as the reference's JSON.stringify output does.
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("keyId"u8, keyId);
            w.WriteString("publicKey"u8, publicKeyPem);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
