using IbmiMcp.Configuration;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth;

/// <summary>
/// The IBM i HTTP auth feature, composed once at start: key ring, token store, sign-on limiter, reaper, the
/// /api/v1/auth handlers and the /mcp bearer authenticator. Disposing it stops the reaper and closes every
/// session's pool.
/// </summary>
internal sealed class IbmiAuthService : IAsyncDisposable
{
    private readonly ITimer _reaper;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private int _ticking;
    private int _disposed;

    private IbmiAuthService(KeyRing keys, ITokenStore tokens, SignOnLimiter limiter, AuthEndpoints endpoints, BearerAuthenticator bearer,
        AuthSettings settings, ILogger log, TimeProvider time)
    {
        Keys = keys; Tokens = tokens; Limiter = limiter; Endpoints = endpoints; Bearer = bearer; Settings = settings; _log = log; _time = time;
        // Timer callbacks must not capture the ExecutionContext of whoever built the service.
        using (ExecutionContext.SuppressFlow())
            _reaper = time.CreateTimer(static s => ((IbmiAuthService)s!).OnTick(), this, settings.CleanupInterval, settings.CleanupInterval);
    }

    public KeyRing Keys { get; }
    public ITokenStore Tokens { get; }
    public SignOnLimiter Limiter { get; }
    public AuthSettings Settings { get; }
    /// <summary>Handlers for GET /api/v1/auth/public-key, POST and DELETE /api/v1/auth.</summary>
    public AuthEndpoints Endpoints { get; }
    /// <summary>For /mcp under MCP_AUTH_MODE=ibmi.</summary>
    public BearerAuthenticator Bearer { get; }

    /// <summary>
    /// Builds the service, or returns null with every reason the server must not start in <paramref name="errors"/>
    /// (each names its setting). <paramref name="pools"/> opens per-token IBM i pools.
    /// </summary>
    public static IbmiAuthService? Create(ServerOptions options, ILoggerFactory loggerFactory, TimeProvider time, ISessionPoolFactory pools,
        out IReadOnlyList<string> errors, Observability.Telemetry? telemetry = null)
    {
        var problems = new List<string>();
        var settings = AuthSettings.From(options, problems);
        var proxies = ProxyTrust.Parse(options.TrustedProxies, problems);
        var keys = KeyRing.Load(options.AuthKeyId, options.AuthPrivateKeyPath, options.AuthPublicKeyPath, options.AuthRetiredKeysDir, problems);
        errors = problems;
        if (problems.Count > 0)
        {
            keys?.Dispose();
            return null;
        }
        var log = loggerFactory.CreateLogger("IbmiMcp.Auth");
        if (settings.AllowHttp) AuthLog.PlainHttpAllowed(log);
        var tokens = new TokenStore(settings.MaxConcurrentSessions, time, log, telemetry);
        var limiter = new SignOnLimiter(settings.MaxFailedSignOns, settings.LockoutDuration, time);
        var bearer = new BearerAuthenticator(tokens, proxies);
        var endpoints = new AuthEndpoints(keys!, tokens, limiter, pools, proxies, bearer, settings, time, log, telemetry);
        AuthLog.Ready(log, keys!.ActiveKeyId, keys.KeyIds.Count() - 1, settings.AnyHost ? "*" : string.Join(",", settings.AllowedHosts));
        return new IbmiAuthService(keys, tokens, limiter, endpoints, bearer, settings, log, time);
    }

    /// <summary>One reaper tick: expired sessions out (pools closed), aged-out limiter entries forgotten.</summary>
    public async ValueTask ReapAsync()
    {
        long start = _time.GetTimestamp();
        int removed = await Tokens.RemoveExpiredAsync().ConfigureAwait(false);
        Limiter.Prune();
        if (removed > 0) AuthLog.Reaped(_log, removed, Tokens.Count);
        var elapsed = _time.GetElapsedTime(start);
        if (elapsed > TimeSpan.FromSeconds(5)) AuthLog.ReaperSlow(_log, (long)elapsed.TotalMilliseconds);
    }

    private void OnTick()
    {
        // Skip a tick rather than overlap one still closing slow pools.
        if (Interlocked.Exchange(ref _ticking, 1) != 0) return;
        _ = RunAsync();

        async Task RunAsync()
        {
            try { await ReapAsync().ConfigureAwait(false); }
            catch (Exception ex) { AuthLog.SessionCloseFailed(_log, "reaper", ex); }
            finally { Volatile.Write(ref _ticking, 0); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _reaper.DisposeAsync().ConfigureAwait(false);
        await Tokens.DisposeAsync().ConfigureAwait(false);
        Keys.Dispose();
    }
}
