using IbmiMcp.Http;

namespace IbmiMcp.Observability;

/// <summary>
/// Runs an expensive readiness probe (open a connection to IBM i) at most once per <c>ttl</c>, whatever the rate
/// of /healthz calls: callers within the window get the cached answer, and callers during a probe share it
/// (single flight). The probe runs under its own deadline, not the caller's token, so a load balancer that
/// hangs up early cannot leave a cancelled result in the cache.
/// </summary>
internal sealed class CachedProbe
{
    private readonly Func<CancellationToken, ValueTask<HealthResult>> _probe;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _deadline;
    private readonly object _gate = new();
    private HealthResult _last;
    private long _lastAt = long.MinValue;   // TimeProvider timestamp of _last
    private Task<HealthResult>? _running;

    public CachedProbe(Func<CancellationToken, ValueTask<HealthResult>> probe, TimeProvider time, TimeSpan ttl, TimeSpan deadline)
    {
        _probe = probe;
        _time = time;
        _ttl = ttl;
        _deadline = deadline;
    }

    /// <summary>How many times the probe actually ran (for tests).</summary>
    public int Runs { get; private set; }

    public ValueTask<HealthResult> GetAsync(CancellationToken cancellationToken)
    {
        Task<HealthResult> running;
        lock (_gate)
        {
            if (_lastAt != long.MinValue && _time.GetElapsedTime(_lastAt) < _ttl)
                return new ValueTask<HealthResult>(_last);
            running = _running ??= RunAsync();
        }
        return new ValueTask<HealthResult>(running.WaitAsync(cancellationToken));
    }

    private async Task<HealthResult> RunAsync()
    {
        await Task.Yield();   // leave the lock before the probe starts
        HealthResult result;
        using var timeout = new CancellationTokenSource(_deadline, _time);
        try
        {
            Runs++;
            result = await _probe(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = new HealthResult(false, "timeout");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            result = new HealthResult(false, ReadinessChecks.Describe(ex));
        }
        lock (_gate)
        {
            _last = result;
            _lastAt = _time.GetTimestamp();
            _running = null;
        }
        return result;
    }
}
