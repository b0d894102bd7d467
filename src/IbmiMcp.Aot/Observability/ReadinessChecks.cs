using IbmiMcp.Http;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Observability;

/// <summary>
/// The /healthz checks the composition root registers. Each reads state through a delegate, so this folder
/// depends on no pool, key ring or catalog type. Details are fixed words and counts: never user names,
/// hosts' credentials or exception text.
/// </summary>
internal static class ReadinessChecks
{
    /// <summary>How long a server-pool probe answer is reused.</summary>
    public static readonly TimeSpan ProbeCacheTime = TimeSpan.FromSeconds(2);

    /// <summary>Deadline of one server-pool probe.</summary>
    public static readonly TimeSpan ProbeDeadline = TimeSpan.FromSeconds(4);

    /// <summary>Settings were read and validated (the server does not start otherwise).</summary>
    public static HealthCheck Configuration() =>
        new("configuration", Required: true, static _ => ValueTask.FromResult(new HealthResult(true)));

    /// <summary>Sign-on keys are loaded (ibmi auth mode): <paramref name="keyCount"/> = current plus retired keys.</summary>
    public static HealthCheck Keys(Func<int> keyCount) =>
        new("keys", Required: true, _ =>
        {
            var n = keyCount();
            return ValueTask.FromResult(new HealthResult(n > 0, n > 0 ? null : "no key loaded", Figures("keys", n)));
        });

    /// <summary>The YAML catalog is loaded: <paramref name="toolCount"/> returns null until it is.</summary>
    public static HealthCheck Tools(Func<int?> toolCount) =>
        new("tools", Required: true, _ =>
        {
            var n = toolCount();
            return ValueTask.FromResult(n is { } count
                ? new HealthResult(true, count == 0 ? "no tools" : null, Figures("tools", count))
                : new HealthResult(false, "not loaded"));
        });

    /// <summary>
    /// The server pool (auth mode none) can run a statement: <paramref name="probe"/> opens or rents a connection
    /// (e.g. the pool's health check) and throws or returns false when it cannot. Cached for
    /// <see cref="ProbeCacheTime"/> so probes do not hammer IBM i.
    /// </summary>
    public static HealthCheck ServerPool(Func<CancellationToken, ValueTask<bool>> probe, TimeProvider time, bool required = true)
    {
        var cached = new CachedProbe(async ct => await probe(ct).ConfigureAwait(false)
            ? new HealthResult(true)
            : new HealthResult(false, "unavailable"), time, ProbeCacheTime, ProbeDeadline);
        return new HealthCheck("server_pool", required, cached.GetAsync);
    }

    /// <summary>
    /// The shared session store (IBMI_AUTH_SESSION_STORE=redis) answers: <paramref name="clusterSessions"/> returns the
    /// live sessions across every replica, or null when the store cannot be reached. Not required: when Redis is down
    /// every replica is equally affected, and a load balancer that took them all out of rotation would turn "no new
    /// sign-ons" into "nothing works" while cached tokens could still be served; the status says "degraded" and the
    /// check says why. Nothing is restarted; the check passes again as soon as the store is back. Cached like the
    /// server-pool probe.
    /// </summary>
    public static HealthCheck SessionStore(Func<CancellationToken, ValueTask<long?>> clusterSessions, TimeProvider time)
    {
        var cached = new CachedProbe(async ct => await clusterSessions(ct).ConfigureAwait(false) is { } n
            ? new HealthResult(true, null, Figures("cluster_sessions", n))
            : new HealthResult(false, "unreachable"), time, ProbeCacheTime, ProbeDeadline);
        return new HealthCheck("session_store", Required: false, cached.GetAsync);
    }

    /// <summary>Token sessions in aggregate; informational (never makes the server unready).</summary>
    public static HealthCheck Sessions(Func<SessionSummary> summary) =>
        new("sessions", Required: false, _ =>
        {
            var s = summary();
            return ValueTask.FromResult(new HealthResult(true, null, new Dictionary<string, long>(2)
            {
                ["sessions"] = s.Sessions,
                ["connections"] = s.Connections,
            }));
        });

    /// <summary>A fixed word for why a probe failed: operators need the class of failure, not the exception text.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        MapepireException m => m.Failure switch
        {
            MapepireFailure.Authentication => "sign-on refused",
            MapepireFailure.Unreachable => "unreachable",
            MapepireFailure.Tls => "tls failure",
            MapepireFailure.Timeout => "timeout",
            MapepireFailure.PoolExhausted => "pool exhausted",
            MapepireFailure.ConnectionLost => "connection lost",
            MapepireFailure.Sql => "sql error",
            MapepireFailure.Disposed => "stopped",
            MapepireFailure.ServerError => "server error",
            _ => "protocol error",
        },
        TimeoutException => "timeout",
        _ => "check failed",
    };

    private static Dictionary<string, long> Figures(string name, long value) => new(1) { [name] = value };
}
