using IbmiMcp.Auth.Sessions;
using IbmiMcp.Configuration;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth;

/// <summary>
/// The IBM i HTTP auth feature, composed once at start: key ring, session store (memory or Redis, with its sign-on guard
/// and envelope replay window), reaper, the /api/v1/auth handlers and the /mcp bearer authenticator. Disposing it stops
/// the reaper and closes this replica's pools (records in a shared store stay, so tokens survive a restart).
/// </summary>
internal sealed class IbmiAuthService : IAsyncDisposable
{
    private readonly ITimer _reaper;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly RedisSessionBackend? _redis;
    private readonly SessionKeyRing? _sessionKeys;
    private int _ticking;
    private int _disposed;

    private IbmiAuthService(KeyRing keys, ITokenStore tokens, ISignOnGuard guard, IEnvelopeReplayWindow replays, AuthEndpoints endpoints,
        BearerAuthenticator bearer, AuthSettings settings, ILogger log, TimeProvider time, RedisSessionBackend? redis, SessionKeyRing? sessionKeys)
    {
        Keys = keys; Tokens = tokens; Guard = guard; Replays = replays; Endpoints = endpoints; Bearer = bearer; Settings = settings;
        _log = log; _time = time; _redis = redis; _sessionKeys = sessionKeys;
        // Timer callbacks must not capture the ExecutionContext of whoever built the service.
        using (ExecutionContext.SuppressFlow())
            _reaper = time.CreateTimer(static s => ((IbmiAuthService)s!).OnTick(), this, settings.CleanupInterval, settings.CleanupInterval);
    }

    public KeyRing Keys { get; }
    public ITokenStore Tokens { get; }
    public ISignOnGuard Guard { get; }
    public IEnvelopeReplayWindow Replays { get; }
    public AuthSettings Settings { get; }
    /// <summary>Handlers for GET /api/v1/auth/public-key, POST and DELETE /api/v1/auth.</summary>
    public AuthEndpoints Endpoints { get; }
    /// <summary>For /mcp under MCP_AUTH_MODE=ibmi.</summary>
    public BearerAuthenticator Bearer { get; }
    /// <summary>The shared store's connection (readiness check), null with the memory store.</summary>
    internal RedisSessionBackend? Redis => _redis;
    /// <summary>Seals values put in the shared store under the session key (also the MCP event store's), null with the memory store.</summary>
    internal SessionSealer? Sealer { get; private init; }
    /// <summary>Audit and metrics, for the OAuth authorization server's grant events.</summary>
    internal Observability.Telemetry Telemetry { get; private init; } = Observability.Telemetry.Off;

    /// <summary>
    /// Builds the service, or returns null with every reason the server must not start in <paramref name="errors"/>
    /// (each names its setting). <paramref name="pools"/> opens per-token IBM i pools.
    /// </summary>
    public static async Task<(IbmiAuthService? Service, IReadOnlyList<string> Errors)> CreateAsync(ServerOptions options, ILoggerFactory loggerFactory,
        TimeProvider time, ISessionPoolFactory pools, Observability.Telemetry? telemetry = null)
    {
        var problems = new List<string>();
        var settings = AuthSettings.From(options, problems);
        var proxies = ProxyTrust.Parse(options.TrustedProxies, problems);
        var keys = KeyRing.Load(options.AuthKeyId, options.AuthPrivateKeyPath, options.AuthPublicKeyPath, options.AuthRetiredKeysDir, problems);
        var sessionKeys = options.SessionStore == SessionStoreKind.Redis
            ? SessionKeyRing.Load(options.SessionKeyPath, options.RetiredSessionKeysDir, problems)
            : null;
        if (problems.Count > 0)
        {
            keys?.Dispose();
            sessionKeys?.Dispose();
            return (null, problems);
        }
        var log = loggerFactory.CreateLogger("IbmiMcp.Auth");
        if (settings.AllowHttp) AuthLog.PlainHttpAllowed(log);

        ITokenStore tokens;
        ISignOnGuard guard;
        IEnvelopeReplayWindow replays;
        RedisSessionBackend? redis = null;
        if (sessionKeys is not null)
        {
            try
            {
                redis = await RedisSessionBackend.ConnectAsync(options.Redis!, options.RedisPrefix, sessionKeys, log, options.RedisCaPath).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                keys!.Dispose();
                sessionKeys.Dispose();
                return (null, [$"IBMI_AUTH_REDIS: not a valid StackExchange.Redis configuration: {ex.Message}"]);
            }
            var store = new RedisTokenStore(redis, new SessionSealer(sessionKeys), pools, settings.MaxConcurrentSessions, settings.SessionCache,
                settings.SignOnTimeout, time, log, telemetry);
            await store.StartAsync().ConfigureAwait(false);
            tokens = store;
            guard = new RedisSignOnGuard(redis, settings.MaxFailedSignOns, settings.LockoutDuration, settings.SignOnTimeout + TimeSpan.FromSeconds(30));
            replays = new RedisReplayWindow(redis, settings.ReplayWindow);
            AuthLog.StoreReady(log, "redis", $" (prefix {options.RedisPrefix}, session key {sessionKeys.ActiveKeyId}, {sessionKeys.KeyIds.Count() - 1} retired, cache {settings.SessionCache.TotalSeconds:0} s, connected: {redis.IsConnected})");
        }
        else
        {
            tokens = new MemoryTokenStore(settings.MaxConcurrentSessions, time, log, telemetry);
            guard = new SignOnLimiter(settings.MaxFailedSignOns, settings.LockoutDuration, time);
            replays = new MemoryReplayWindow(settings.ReplayWindow, time);
            AuthLog.StoreReady(log, "memory", "");
        }
        var bearer = new BearerAuthenticator(tokens, proxies);
        var endpoints = new AuthEndpoints(keys!, tokens, guard, replays, pools, proxies, bearer, settings, time, log, telemetry);
        AuthLog.Ready(log, keys!.ActiveKeyId, keys.KeyIds.Count() - 1, settings.AnyHost ? "*" : string.Join(",", settings.AllowedHosts));
        return (new IbmiAuthService(keys, tokens, guard, replays, endpoints, bearer, settings, log, time, redis, sessionKeys)
        {
            Sealer = sessionKeys is null ? null : new SessionSealer(sessionKeys),
            Telemetry = telemetry ?? Observability.Telemetry.Off,
        }, []);
    }

    /// <summary>One reaper tick: expired sessions out (pools closed), aged-out guard and replay entries forgotten.</summary>
    public async ValueTask ReapAsync()
    {
        long start = _time.GetTimestamp();
        int removed = await Tokens.RemoveExpiredAsync().ConfigureAwait(false);
        Guard.Prune();
        Replays.Prune();
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
        if (_redis is not null) await _redis.DisposeAsync().ConfigureAwait(false);
        _sessionKeys?.Dispose();
        Keys.Dispose();
    }
}
