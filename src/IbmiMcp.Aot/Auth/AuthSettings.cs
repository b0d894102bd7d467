using IbmiMcp.Configuration;

namespace IbmiMcp.Auth;

/// <summary>
/// The auth concern's view of <see cref="ServerOptions"/>, validated, plus the few values that have no setting yet
/// (constants here until the lead adds them to ServerOptions).
/// </summary>
internal sealed class AuthSettings
{
    /// <summary>How long opening the pool (TCP + TLS + IBM i sign-on of poolstart jobs) may take before 504.</summary>
    public TimeSpan SignOnTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxBodyBytes { get; init; } = CredentialEnvelope.MaxBodyBytes;
    public int TokenExpirySeconds { get; init; } = 3600;
    public TimeSpan CleanupInterval { get; init; } = TimeSpan.FromSeconds(300);
    public int MaxConcurrentSessions { get; init; } = 100;
    public bool AllowHttp { get; init; }
    public int MaxFailedSignOns { get; init; } = 5;
    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromSeconds(900);
    /// <summary>Lower-case host names; empty with <see cref="AnyHost"/> false means none.</summary>
    public IReadOnlySet<string> AllowedHosts { get; init; } = new HashSet<string>();
    /// <summary>Accepted envelopes are remembered this long; envelopes with an older iat are refused (IBMI_AUTH_REPLAY_WINDOW_SECONDS).</summary>
    public TimeSpan ReplayWindow { get; init; } = TimeSpan.FromSeconds(900);
    /// <summary>Refuse envelopes without iat (IBMI_AUTH_REQUIRE_ISSUED_AT); the reference's client does not send it.</summary>
    public bool RequireIssuedAt { get; init; }
    /// <summary>How far an envelope's iat may lie in the future (clock skew between client and server).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long a replica serves a cached session without asking the shared store (IBMI_AUTH_SESSION_CACHE_SECONDS).</summary>
    public TimeSpan SessionCache { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>IBMI_AUTH_ALLOWED_HOSTS=* : any host (the reference's behaviour, issue #190); logged at start.</summary>
    public bool AnyHost { get; init; }

    public bool IsHostAllowed(string host) => AnyHost || AllowedHosts.Contains(host.ToLowerInvariant());

    public static AuthSettings From(ServerOptions options, List<string> errors)
    {
        if (options.TokenExpirySeconds is < 1 or > CredentialEnvelope.MaxDurationSeconds)
            errors.Add($"IBMI_AUTH_TOKEN_EXPIRY_SECONDS={options.TokenExpirySeconds} must be between 1 and {CredentialEnvelope.MaxDurationSeconds}.");
        if (options.CleanupIntervalSeconds < 1)
            errors.Add($"IBMI_AUTH_CLEANUP_INTERVAL_SECONDS={options.CleanupIntervalSeconds} must be at least 1.");
        if (options.MaxConcurrentSessions < 1)
            errors.Add($"IBMI_AUTH_MAX_CONCURRENT_SESSIONS={options.MaxConcurrentSessions} must be at least 1.");
        if (options.SignOnMaxFailures < 1)
            errors.Add($"IBMI_AUTH_MAX_FAILED_ATTEMPTS={options.SignOnMaxFailures} must be at least 1.");
        if (options.SignOnLockoutSeconds < 1)
            errors.Add($"IBMI_AUTH_LOCKOUT_SECONDS={options.SignOnLockoutSeconds} must be at least 1.");

        if (options.AuthMode == AuthMode.Ibmi && !options.HttpAuthEnabled)
            errors.Add("MCP_AUTH_MODE=ibmi accepts only tokens issued by this server's POST /api/v1/auth: set IBMI_HTTP_AUTH_ENABLED=true.");

        var hosts = new HashSet<string>(StringComparer.Ordinal);
        bool any = false;
        var configured = options.AuthAllowedHosts.Count > 0 ? options.AuthAllowedHosts
            : string.IsNullOrWhiteSpace(options.Db2iHost) ? [] : [options.Db2iHost];
        foreach (var h in configured)
        {
            var host = h.Trim();
            if (host == "*") any = true;
            else if (host.Length > 0) hosts.Add(host.ToLowerInvariant());
        }
        if (!any && hosts.Count == 0)
            errors.Add("IBMI_HTTP_AUTH_ENABLED=true needs the IBM i hosts users may sign on to: set IBMI_AUTH_ALLOWED_HOSTS (comma list) or DB2i_HOST.");

        return new AuthSettings
        {
            TokenExpirySeconds = options.TokenExpirySeconds,
            CleanupInterval = TimeSpan.FromSeconds(Math.Max(1, options.CleanupIntervalSeconds)),
            MaxConcurrentSessions = Math.Max(1, options.MaxConcurrentSessions),
            AllowHttp = options.AuthAllowHttp,
            MaxFailedSignOns = Math.Max(1, options.SignOnMaxFailures),
            LockoutDuration = TimeSpan.FromSeconds(Math.Max(1, options.SignOnLockoutSeconds)),
            AllowedHosts = hosts,
            AnyHost = any,
            ReplayWindow = TimeSpan.FromSeconds(Math.Max(10, options.ReplayWindowSeconds)),
            RequireIssuedAt = options.RequireIssuedAt,
            SessionCache = TimeSpan.FromSeconds(Math.Max(0, options.SessionCacheSeconds)),
        };
    }
}
